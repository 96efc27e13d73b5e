//! PDF letters and statements, read back with pdftotext (poppler-utils):
//! the client (non-ASCII name included), the open items and the total are
//! there, and a 60-invoice statement runs over several numbered pages.
//!
//! Needs pdftotext; skipped with a note when missing, unless
//! DUN_REQUIRE_SHARED=1 (CI), which makes it a failure.

mod common;

use std::path::Path;
use std::process::Command;

use common::{dun, dun_ok};

const TODAY: &str = "2026-05-20";

fn have_pdftotext() -> bool {
    let ok = Command::new("pdftotext").arg("-v").output().is_ok();
    if !ok {
        assert!(
            std::env::var("DUN_REQUIRE_SHARED").as_deref() != Ok("1"),
            "pdftotext is required (DUN_REQUIRE_SHARED=1)"
        );
        eprintln!("note: pdftotext not found (poppler-utils); PDF tests skipped");
    }
    ok
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext").arg("-layout").arg(path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn setup(root: &Path, invoices: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let data = root.join("data");
    let t = ["--today", TODAY];
    let run = |args: &[&str]| {
        let mut v: Vec<&str> = t.to_vec();
        v.extend_from_slice(args);
        dun_ok(&data, &v);
    };
    run(&["client", "add", "C1", "Ærø Fisk ApS", "--contact", "Søren Ærø", "--currency", "EUR"]);
    let mut csv = String::from("number,client_id,issue_date,due_date,currency,amount\n");
    for i in 0..invoices {
        csv.push_str(&format!("INV-{:03},C1,2026-02-01,2026-03-03,EUR,{}.25\n", i + 1, 100 + i));
    }
    let file = root.join("invoices.csv");
    std::fs::write(&file, csv).unwrap();
    run(&["import", "invoices", file.to_str().unwrap()]);
    let config = root.join("config.toml");
    std::fs::write(
        &config,
        "[mail]\nfrom = \"Accounts <ar@example.com>\"\nsender_name = \"Example Ltd\"\nsender_address = [\"1 High Street\", \"London N1 1AA\"]\npaper = \"letter\"\n",
    )
    .unwrap();
    (data, config)
}

#[test]
fn a_sixty_invoice_statement_paginates_with_every_item_and_the_total() {
    if !have_pdftotext() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = setup(tmp.path(), 60);
    let out = tmp.path().join("statement.pdf");
    let c = config.to_str().unwrap();
    dun_ok(
        &data,
        &["--today", TODAY, "--config", c, "statement", "C1", "--format", "pdf", "--out", out.to_str().unwrap()],
    );
    let text = pdf_text(&out);
    assert!(text.contains("Ærø Fisk ApS") && text.contains("Attn: Søren Ærø"), "{text}");
    assert!(text.contains("Example Ltd") && text.contains("1 High Street"), "the sender's block: {text}");
    for i in 1..=60 {
        assert!(text.contains(&format!("INV-{i:03}")), "INV-{i:03} in the statement");
    }
    // 60 × 100.25 + (0 + ... + 59) = 6015 + 1770 = 7785.00
    assert!(text.contains("7,785.00"), "the total: {text}");
    assert!(text.contains("159.25"), "the last amount: {text}");
    let pages = text.matches("\u{c}").count() + 1;
    assert!(pages >= 2, "60 invoices need more than one page");
    assert!(text.contains(&format!("Page 1 of {}", pages - 1)) || text.contains("Page 1 of "), "page numbers: {text}");
    assert!(text.contains("Page 2 of "), "page numbers: {text}");
    // A PDF is not written to a terminal by accident, and --format pdf is for statements only.
    let err = dun(&data, &["--today", TODAY, "--config", c, "--format", "pdf", "today"]);
    assert!(!err.status.success());
}

#[test]
fn the_letter_of_demand_is_a_pdf_and_is_logged() {
    if !have_pdftotext() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = setup(tmp.path(), 2);
    let c = config.to_str().unwrap();
    // Walk the ladder to the letter of demand: reminders and the call done.
    for _ in 0..4 {
        let today = dun_ok(&data, &["--today", TODAY, "--format", "csv", "today"]);
        if today.contains("Letter of demand") {
            break;
        }
        dun_ok(&data, &["--today", TODAY, "log", "C1", "--kind", "email", "--text", "step done", "--done"]);
    }
    let out = tmp.path().join("letter.pdf");
    let stdout = dun_ok(&data, &["--today", TODAY, "--config", c, "letter", "C1", "--out", out.to_str().unwrap()]);
    assert!(stdout.contains("Letter of demand"), "{stdout}");
    let text = pdf_text(&out);
    for s in [
        "Letter of demand: Ærø Fisk ApS, account C1",
        "LETTER OF DEMAND",
        "Dear Søren Ærø",
        "INV-001",
        "INV-002",
        "100.25",
        "101.25",
        "201.50",
        "Page 1 of 1",
    ] {
        assert!(text.contains(s), "{s} in:\n{text}");
    }
    let notes = dun_ok(&data, &["--today", TODAY, "--format", "csv", "client", "notes", "C1"]);
    assert!(notes.contains(",letter,") && notes.contains("Letter written to"), "{notes}");
}

#[test]
fn a_statement_on_the_terminal_carries_no_escape_sequences() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dun_ok(&data, &["--today", TODAY, "client", "add", "C9", "Evil\u{1b}[2J Corp"]);
    dun_ok(&data, &["--today", TODAY, "invoice", "add", "INV-9", "C9", "10", "--issued", "2026-05-01"]);
    let txt = dun_ok(&data, &["--today", TODAY, "statement", "C9"]);
    assert!(!txt.contains('\u{1b}'), "{txt}");
    assert!(txt.contains("INV-9") && txt.contains("10.00"), "{txt}");
    let html = dun_ok(&data, &["--today", TODAY, "--format", "html", "statement", "C9"]);
    assert!(!html.contains('\u{1b}'), "{html}");
}
