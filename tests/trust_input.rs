//! Input is refused, never guessed, by one rule per field whichever way it
//! comes in (CLI arguments, CSV imports); messages say what to do (issue 10).

mod common;

use std::path::Path;

use common::{dun, dun_err, dun_ok};

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn book(d: &Path) {
    dun_ok(d, &["client", "add", "C1", "Acme", "--currency", "EUR"]);
    dun_ok(d, &["--today", "2026-03-01", "invoice", "add", "I1", "C1", "100.00"]);
}

/// Runs dun and checks it exits with `code`; returns stderr.
fn exits(d: &Path, args: &[&str], code: i32) -> String {
    let out = dun(d, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "dun {args:?}: {err}");
    err
}

fn export_csv(d: &Path, file: &str) -> String {
    let out = tempfile::tempdir().unwrap();
    let x = out.path().join("x");
    dun_ok(d, &["export", x.to_str().unwrap()]);
    std::fs::read_to_string(x.join(file)).unwrap()
}

#[test]
fn three_decimal_amounts_are_refused_on_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    book(d);
    for args in [
        &["pay", "I1", "10.005"][..],
        &["invoice", "add", "I2", "C1", "10.005"],
        &["credit", "I1", "0.001", "--reason", "x"],
        &["client", "add", "C2", "B", "--credit-limit", "100.125"],
    ] {
        let err = exits(d, args, 2);
        assert!(err.contains("3 decimal places") && err.contains("does not round"), "{args:?}: {err}");
    }
    // Trailing zeros lose nothing and are fine.
    dun_ok(d, &["--today", "2026-03-02", "pay", "I1", "10.000"]);
    assert!(export_csv(d, "payments.csv").contains(",10.00,") || export_csv(d, "payments.csv").contains(",10.000,"));
    assert!(!export_csv(d, "invoices.csv").contains("I2"));
}

#[test]
fn three_decimal_amounts_are_refused_in_csv_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    book(&d);
    let f = write(
        tmp.path(),
        "inv.csv",
        "number,client_id,issue_date,due_date,currency,amount\nI7,C1,2026-01-01,2026-01-31,EUR,10.005\n",
    );
    let err = dun_err(&d, &["import", "invoices", &f]);
    assert!(err.contains(&format!("{f}:2: column amount: has 3 decimal places")), "{err}");
    let f = write(
        tmp.path(),
        "pay.csv",
        "date,invoice_number,amount,method,reference\n2026-03-05,I1,0.015,bank transfer,R\n",
    );
    let err = dun_err(&d, &["--today", "2026-04-01", "import", "payments", &f]);
    assert!(err.contains(&format!("{f}:2: column amount: has 3 decimal places")), "{err}");
    assert!(!export_csv(&d, "payments.csv").contains(",R"), "nothing may be written");
}

#[test]
fn future_dated_payments_are_refused_in_csv_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    book(&d);
    let f = write(
        tmp.path(),
        "pay.csv",
        "date,invoice_number,amount,method,reference\n2026-03-05,I1,10.00,bank transfer,R1\n2026-04-02,I1,10.00,bank transfer,R2\n",
    );
    let err = dun_err(&d, &["--today", "2026-04-01", "import", "payments", &f]);
    assert!(err.contains(&format!("{f}:3: column date: is after today (2026-04-01)")), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    // On or before the day it is fine.
    dun_ok(&d, &["--today", "2026-04-02", "import", "payments", &f]);
}

#[test]
fn invoice_numbers_that_cannot_be_addressed_are_refused_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    book(&d);
    for bad in ["A\nB", "A\x1b]52;c;aGk=\x07", "X\u{202E}Y", " I9"] {
        let err = exits(&d, &["invoice", "add", bad, "C1", "5"], 2);
        assert!(err.contains("invoice number"), "{bad:?}: {err}");
        assert!(!err.contains('\x1b') && !err.contains('\u{202E}'), "raw control text reached stderr: {err:?}");
    }
    let f = write(
        tmp.path(),
        "inv.csv",
        "number,client_id,issue_date,due_date,currency,amount\n\"I\nJ\",C1,2026-01-01,2026-01-31,EUR,10.00\n",
    );
    let err = dun_err(&d, &["import", "invoices", &f]);
    assert!(err.contains(":2: column number: an invoice number cannot hold control characters"), "{err}");
    assert_eq!(export_csv(&d, "invoices.csv").lines().count(), 2, "only I1");
}

#[test]
fn payment_terms_have_one_limit_for_the_cli_and_the_importers() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    let err = exits(&d, &["client", "add", "C1", "Acme", "--terms", "99999"], 2);
    assert!(err.contains("0 to 3650"), "{err}");
    assert!(!d.exists(), "a refused argument must not create the book");
    dun_ok(&d, &["client", "add", "C1", "Acme", "--terms", "3650"]);
    // What the CLI accepts, an export of it imports again.
    let x = tmp.path().join("x");
    dun_ok(&d, &["export", x.to_str().unwrap()]);
    let d2 = tmp.path().join("b2");
    dun_ok(&d2, &["import", "clients", x.join("clients.csv").to_str().unwrap()]);
    let f = write(tmp.path(), "c.csv", "id,name,email,phone,terms_days,currency\nC2,B,,,99999,USD\n");
    let err = dun_err(&d2, &["import", "clients", &f]);
    assert!(err.contains("column terms_days: must be a whole number of days (0 to 3650)"), "{err}");
}

#[test]
fn an_impossible_today_says_which_part_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let err = exits(tmp.path(), &["--today", "2026-13-01", "today"], 2);
    assert!(err.contains("there is no month 13"), "{err}");
    let err = exits(tmp.path(), &["--today", "2026-02-29", "today"], 2);
    assert!(err.contains("2026-02 has 28 days"), "{err}");
}

#[test]
fn semicolon_files_and_slash_dates_get_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    book(&d);
    let f = write(
        tmp.path(),
        "inv.csv",
        "number;client_id;issue_date;due_date;currency;amount\nI5;C1;2026-01-01;2026-01-31;EUR;10.00\n",
    );
    let err = dun_err(&d, &["import", "invoices", &f]);
    assert!(err.contains("give --delimiter ';'"), "{err}");
    dun_ok(&d, &["import", "invoices", &f, "--delimiter", ";"]);
    assert!(export_csv(&d, "invoices.csv").contains("I5,"));

    let f = write(
        tmp.path(),
        "inv2.csv",
        "number,client_id,issue_date,due_date,currency,amount\nI6,C1,01/11/2026,01/12/2026,EUR,10.00\n",
    );
    let err = dun_err(&d, &["import", "invoices", &f]);
    assert!(err.contains("give --date-format dmy (day first) or mdy"), "{err}");
    dun_ok(&d, &["import", "invoices", &f, "--date-format", "dmy"]);
    assert!(export_csv(&d, "invoices.csv").contains("I6,C1,2026-11-01,2026-12-01"));
}

#[test]
fn a_file_that_is_not_utf8_is_reported_by_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("b");
    book(&d);
    let mut bytes = b"id,name,email,phone,terms_days,currency\nC2,Bob,,,30,EUR\nC3,Caf".to_vec();
    bytes.push(0xE9); // Latin-1 é
    bytes.extend_from_slice(b",,,30,EUR\n");
    let f = write(tmp.path(), "latin1.csv", bytes);
    let err = dun_err(&d, &["import", "clients", &f]);
    assert!(err.contains(&format!("{f}:3: the file is not UTF-8 text (byte 0xE9 at column 7)")), "{err}");
    assert!(err.contains("save it as UTF-8"), "{err}");
}
