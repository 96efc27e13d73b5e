//! docs/cli.md is the binary's own `--help`, generated, and this test
//! keeps it so: it renders the help of `dun` and of every command (at a
//! fixed width of 100 columns) and compares it with the generated part of
//! the file. After changing a command or an option, regenerate with
//!
//!     UPDATE_CLI_DOC=1 cargo test --test cli_doc
//!
//! The hand-written introduction above the marker line is kept as it is.

use clap::CommandFactory;

const MARKER: &str = "<!-- Everything below is generated from `--help` by tests/cli_doc.rs; to regenerate run: UPDATE_CLI_DOC=1 cargo test --test cli_doc -->";
const WIDTH: usize = 100;

fn help(cmd: &mut clap::Command) -> String {
    let text = cmd.render_help().to_string();
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim_end().to_string()
}

/// Each command's section: its help without the global options, which
/// are listed once, in the top-level section.
fn sections(cmd: &clap::Command, path: &str, out: &mut String) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{path} {}", sub.get_name());
        if sub.has_subcommands() {
            sections(sub, &name, out);
            continue;
        }
        let mut c = sub.clone().bin_name(&name).term_width(WIDTH);
        let text = help(&mut c);
        let own = text.split("\nGlobal options:").next().unwrap_or(&text).trim_end();
        out.push_str(&format!("\n## {name}\n\n```\n{own}\n```\n"));
    }
}

fn generated() -> String {
    let mut root = dun::cli::Cli::command().term_width(WIDTH);
    root.build();
    let mut out = format!("\n## dun\n\n```\n{}\n```\n", help(&mut root));
    sections(&root, "dun", &mut out);
    out
}

#[test]
fn docs_cli_md_is_the_real_help() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let intro = doc.split(MARKER).next().unwrap().trim_end();
    let want = format!("{intro}\n\n{MARKER}\n{}", generated());
    if doc != want {
        if std::env::var_os("UPDATE_CLI_DOC").is_some() {
            std::fs::write(path, &want).unwrap();
            return;
        }
        let first = doc.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "docs/cli.md does not match --help (first difference at line {}: {:?} vs {:?}); \
             regenerate with: UPDATE_CLI_DOC=1 cargo test --test cli_doc",
            first + 1,
            doc.lines().nth(first).unwrap_or(""),
            want.lines().nth(first).unwrap_or("")
        );
    }
}
