//! Every output is well-formed and safe: no panic on a closed pipe, one
//! JSON or CSV document per command holding what the table shows, and no
//! hostile text reaching a terminal or a spreadsheet raw (issue 10).

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{dun, dun_ok};

const DAY: &str = "2026-04-01";

/// A book with hostile text in every free-text field that is printed.
fn hostile_book(d: &Path) {
    let evil = "Evil\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\rX\x08\u{202E}gnp.exe";
    dun_ok(d, &["client", "add", "C1", evil, "--currency", "EUR", "--contact", "=HYPERLINK(\"http://x\")"]);
    dun_ok(
        d,
        &[
            "--today",
            "2026-03-01",
            "invoice",
            "add",
            "I1",
            "C1",
            "--line",
            "Bolt\x1b[31m;2;10",
            "--reference",
            "@SUM(A1)",
        ],
    );
    dun_ok(d, &["--today", "2026-03-05", "pay", "I1", "5", "--reference", "+cmd|' /C calc'!A0"]);
    dun_ok(d, &["--today", "2026-03-06", "log", "C1", "--kind", "call", "--text", "hi\x1b[8m"]);
}

/// Every command that prints, in every format.
fn printing_commands() -> Vec<Vec<&'static str>> {
    let mut v: Vec<Vec<&str>> = Vec::new();
    for f in ["table", "csv", "json"] {
        for c in [
            &["today"][..],
            &["aging"],
            &["aging", "--by-client"],
            &["stats"],
            &["fees"],
            &["discounts"],
            &["client", "list"],
            &["client", "show", "C1"],
            &["client", "notes", "C1"],
            &["invoice", "list", "--status", "all"],
            &["invoice", "show", "I1"],
        ] {
            let mut a = vec!["--format", f];
            a.extend_from_slice(c);
            v.push(a);
        }
    }
    v.push(vec!["verify"]);
    v.push(vec!["rules", "show"]);
    v.push(vec!["--help"]);
    v.push(vec!["today", "--help"]);
    v.push(vec!["--version"]);
    v
}

#[test]
fn no_printing_command_panics_on_a_closed_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    hostile_book(&d);
    for args in printing_commands() {
        for _ in 0..4 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_dun"))
                .arg("--data")
                .arg(&d)
                .args(["--today", DAY])
                .args(&args)
                .env_remove("DUN_DATA")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // Close the reading end at once, as `| true` does.
            drop(child.stdout.take());
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            let status = child.wait().unwrap();
            assert!(!err.contains("panicked"), "dun {args:?} panicked: {err}");
            assert_eq!(status.code(), Some(0), "dun {args:?}: {err}");
        }
    }
}

#[test]
fn show_prints_one_json_document_with_everything_the_table_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    hostile_book(&d);
    let out = dun_ok(&d, &["--today", DAY, "--format", "json", "invoice", "show", "I1"]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not one JSON document: {e}\n{out}"));
    assert_eq!(v["invoice"]["number"], "I1");
    assert_eq!(v["invoice"]["balance"], "15.00");
    assert_eq!(v["invoice"]["reference"], "@SUM(A1)");
    assert_eq!(v["lines"][0]["description"], "Bolt\x1b[31m", "JSON keeps the exact text");
    assert_eq!(v["lines"][0]["amount"], "20.00");
    assert_eq!(v["entries"][0]["entry"], "payment #1");

    let out = dun_ok(&d, &["--today", DAY, "--format", "json", "client", "show", "C1"]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not one JSON document: {e}\n{out}"));
    assert_eq!(v["client"]["id"], "C1");
    assert_eq!(v["invoices"][0]["number"], "I1");
    assert_eq!(v["invoices"][0]["balance"], "15.00");

    // The table shows the same parts.
    let table = dun_ok(&d, &["--today", DAY, "invoice", "show", "I1"]);
    for part in ["reference", "@SUM(A1)", "lines", "Bolt", "entries", "payment #1"] {
        assert!(table.contains(part), "{part}: {table}");
    }
    // CSV: one table, every part in it.
    let csv_text = dun_ok(&d, &["--today", DAY, "--format", "csv", "invoice", "show", "I1"]);
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(rdr.headers().unwrap(), vec!["section", "row", "field", "value"]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let sections: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(sections.into_iter().collect::<Vec<_>>(), ["entries", "invoice", "lines"]);
    let csv_text = dun_ok(&d, &["--today", DAY, "--format", "csv", "client", "show", "C1"]);
    assert!(csv_text.contains("invoices,1,number,I1"), "{csv_text}");
}

/// Control characters a terminal acts on, and bidi controls.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            let u = c as u32;
            (u < 0x20 && c != '\n')
                || (0x7F..=0x9F).contains(&u)
                || (0x202A..=0x202E).contains(&u)
                || (0x2066..=0x2069).contains(&u)
        })
        .collect()
}

#[test]
fn hostile_text_never_reaches_the_terminal_raw() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    hostile_book(&d);
    for args in printing_commands() {
        let out = dun(&d, &[&["--today", DAY][..], &args].concat());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(raw_controls(&stdout).is_empty(), "dun {args:?} printed {:?}:\n{stdout}", raw_controls(&stdout));
        assert!(raw_controls(&stderr).is_empty(), "dun {args:?} printed {:?} on stderr", raw_controls(&stderr));
    }
    // Error messages quote values: the same rule.
    let out = dun(&d, &["invoice", "show", "NO\x1b]52;c;aGk=\x07PE"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(raw_controls(&stderr).is_empty(), "{stderr:?}");
    assert!(stderr.contains("NO␛]52;c;aGk=␇PE"), "{stderr}");
}

#[test]
fn every_csv_dun_prints_is_formula_safe() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    hostile_book(&d);
    for args in printing_commands().into_iter().filter(|a| a.contains(&"csv")) {
        let out = dun_ok(&d, &[&["--today", DAY][..], &args].concat());
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(out.as_bytes());
        for rec in rdr.records() {
            for cell in rec.unwrap().iter() {
                let numeric = cell.parse::<f64>().is_ok();
                assert!(
                    numeric || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "dun {args:?}: a formula cell {cell:?}"
                );
            }
        }
    }
}
