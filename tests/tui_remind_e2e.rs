//! The reminder preview end to end: the dun binary in tmux (80×24) on the
//! demo book, a real SMTP server on loopback (aiosmtpd), and a scripted
//! `$EDITOR`. Preview a reminder, edit it (the terminal is given back to
//! the editor: main screen, cursor shown), send it, quit; then
//! `dun client notes` shows the note with the edited text, and the server
//! received exactly one message, holding the edited line.
//!
//! Needs tmux and python3 with aiosmtpd; skipped with a note when either is
//! missing, unless DUN_REQUIRE_SHARED=1 (CI), which makes that a failure.

mod common;
#[path = "mail_support/smtp.rs"]
mod smtp;
#[path = "common/tmux.rs"]
mod tmux;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use tmux::{quote, Tmux};

const TODAY: &str = "2026-11-25";
const EDITED: &str = "P.S. Edited in the editor by the end-to-end test.";

fn wait_file(p: &Path, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !p.exists() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn preview_edit_in_the_editor_send_and_find_the_note() {
    if !tmux::available("the end-to-end reminder test") || !smtp::have_aiosmtpd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let server = smtp::Server::start(&root.join("smtp"), &[]);
    let data = root.join("book");
    common::dun_ok(&data, &["demo", "--no-tui", "--today", TODAY]);
    let config = root.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[mail]\nfrom = \"Accounts <ar@example.com>\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_security = \"none\"\nsmtp_timeout_secs = 10\n",
            server.port
        ),
    )
    .unwrap();
    // The editor: adds a line, says it is running, and waits to be let go,
    // so the test can look at the terminal while it has it.
    let editor = root.join("editor.sh");
    let (editing, go) = (root.join("editing"), root.join("go"));
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nprintf '%s\\n' '{EDITED}' >> \"$1\"\ntouch {}\nwhile [ ! -e {} ]; do sleep 0.05; done\n",
            quote(&editing),
            quote(&go)
        ),
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();

    let tmux = Tmux::new("dun-remind-e2e", "e2e");
    tmux.start_shell(80, 24);
    let bin = Path::new(env!("CARGO_BIN_EXE_dun"));
    tmux.send_literal(&format!(
        "VISUAL= EDITOR={} {} --data {} --config {} --today {TODAY}",
        quote(&editor),
        quote(bin),
        quote(&data),
        quote(&config)
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for("the Today screen", |s| s.contains("1 Today") && s.contains("Today ·"));

    // Hooli Systems is at its first reminder today.
    tmux.send_literal("/hooli");
    tmux.send(&["Enter"]);
    tmux.wait_for("the filtered list", |s| s.contains("Hooli Systems") && s.contains("filter: hooli"));
    tmux.send(&["r"]);
    let s = tmux.wait_for("the preview", |s| s.contains("E-mail to Hooli Systems"));
    assert!(s.contains("Subject: Payment reminder: INV-01055 (Hooli Systems)"), "{s}");
    assert!(s.contains("ap@hoolisystems.example"), "{s}");

    tmux.send(&["e"]);
    wait_file(&editing, "the editor");
    // While the editor runs, the terminal is the shell's: main screen, cursor on.
    assert_eq!(tmux.format("#{alternate_on}"), "0", "the alternate screen is left for the editor");
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "the cursor is shown for the editor");
    std::fs::write(&go, "").unwrap();
    let s = tmux.wait_for("the edited preview", |s| s.contains("(edited)"));
    assert!(s.contains("E-mail to Hooli Systems"), "back in the preview: {s}");
    assert_eq!(tmux.format("#{alternate_on}"), "1", "the interface has its screen back");

    tmux.send(&["s"]);
    let s = tmux.wait_for("the question", |s| s.contains("? y/n"));
    assert!(s.contains("send the First reminder to Hooli Systems <ap@hoolisystems.example>? y/n"), "{s}");
    assert!(server.received().is_empty(), "nothing goes before the answer");
    tmux.send(&["y"]);
    tmux.wait_for("the send", |s| s.contains("1 sent, 0 failed"));
    tmux.send(&["q"]);
    tmux.wait_for("the preview to close", |s| s.contains("closed; 1 sent"));
    tmux.send(&["q"]);
    tmux.wait_for("the shell", |s| !s.contains("1 Today") && s.trim_end().ends_with('$'));

    let got = server.received();
    assert_eq!(got.len(), 1, "exactly one message: {got:#?}");
    assert_eq!(got[0]["rcpt_tos"][0], "ap@hoolisystems.example");
    assert_eq!(got[0]["subject"], "Payment reminder: INV-01055 (Hooli Systems)");
    let body = got[0]["body"].as_str().unwrap();
    assert!(body.contains(EDITED), "the edited text is what went: {body}");
    assert!(body.contains("INV-01055"), "{body}");

    let notes = common::dun_ok(&data, &["--today", TODAY, "client", "notes", "C000005", "--format", "csv"]);
    let note = notes.lines().find(|l| l.contains("E-mail sent to ap@hoolisystems.example"));
    assert!(note.is_some(), "the note of the sent e-mail: {notes}");
    assert!(notes.contains(EDITED), "the note holds the text as sent: {notes}");
    let today = common::dun_ok(&data, &["--today", TODAY, "today", "--format", "csv"]);
    assert!(!today.contains("C000005,"), "the step is done: {today}");
}
