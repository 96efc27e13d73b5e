//! `dun today`, `dun rules` and the logging commands through the real binary.

use std::path::Path;
use std::process::Command;

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn dun(dir: &Path, today: &str, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_dun"))
        .arg("--data")
        .arg(dir)
        .args(["--today", today])
        .args(args)
        .env("USER", "tester")
        .env_remove("DUN_DATA")
        .output()
        .expect("run dun");
    Out {
        ok: out.status.success(),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

fn ok(dir: &Path, today: &str, args: &[&str]) -> String {
    let o = dun(dir, today, args);
    assert!(o.ok, "dun {args:?} failed: {}", o.stderr);
    o.stdout
}

const DAY: &str = "2026-03-15";

/// C1 (USD, with one EUR invoice) and C2 (EUR, a comma in its name).
fn setup() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    ok(dir, DAY, &["client", "add", "C1", "Acme Ltd", "--currency", "USD"]);
    ok(dir, DAY, &["client", "add", "C2", "Beta, Inc", "--currency", "EUR"]);
    ok(dir, DAY, &["invoice", "add", "INV-1", "C1", "1000", "--issued", "2026-01-01", "--due", "2026-01-31"]);
    ok(dir, DAY, &["invoice", "add", "INV-2", "C1", "250.50", "--issued", "2026-02-01", "--due", "2026-03-01"]);
    ok(dir, DAY, &["invoice", "add", "INV-3", "C2", "99", "--issued", "2026-02-08", "--due", "2026-03-10"]);
    let eur =
        ["invoice", "add", "INV-4", "C1", "50", "--issued", "2026-01-01", "--due", "2026-01-31", "--currency", "EUR"];
    ok(dir, DAY, &eur);
    t
}

const HEADER: &str =
    "client_id,client_name,action,level,level_name,currency,amount_overdue,days_overdue,invoices,reason,owner";

fn csv_today(dir: &Path, today: &str) -> String {
    ok(dir, today, &["today", "--format", "csv"])
}

#[test]
fn today_csv_has_the_exact_columns_and_rows() {
    let t = setup();
    let got = csv_today(t.path(), DAY);
    let want = [
        HEADER,
        // No history: the first reminder (a required step) comes before the
        // letter of demand and the call the invoices have reached.
        "C1,Acme Ltd,reminder,2,First reminder,EUR USD,50.00 1250.50,43,INV-1 INV-4 INV-2,\
         catching up: no reminder sent yet; 43 days overdue (INV-1 (+2 more); ≥1: First reminder before \
         Letter of demand); no contact logged; no promise,",
        "C2,\"Beta, Inc\",reminder,2,First reminder,EUR,99.00,5,INV-3,\
         INV-3 5 days overdue (≥1: First reminder); no contact logged; no promise,",
    ]
    .join("\n")
        + "\n";
    assert_eq!(got, want);

    let json: serde_json::Value = serde_json::from_str(&ok(t.path(), DAY, &["today", "--format", "json"])).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let keys: Vec<&str> = rows[0].as_object().unwrap().keys().map(|k| k.as_str()).collect();
    let mut want_keys: Vec<&str> = HEADER.split(',').collect();
    want_keys.sort();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort();
    assert_eq!(keys_sorted, want_keys);
    assert_eq!(rows[0]["amount_overdue"], "50.00 1250.50");
    assert_eq!(rows[1]["client_name"], "Beta, Inc");

    let table = ok(t.path(), DAY, &["today"]);
    assert!(table.starts_with("2026-03-15: 2 to chase (0 escalations, 0 calls, 2 reminders)"), "{table}");
    assert!(table.contains("50.00 1,250.50"), "{table}");
}

#[test]
fn log_done_moves_the_client_on_and_then_off_the_list() {
    let t = setup();
    let dir = t.path();
    ok(dir, DAY, &["log", "C1", "--kind", "email", "--text", "Reminder sent", "--done"]);
    // The reminder sent, the letter of demand the old invoices reached is next.
    let list = csv_today(dir, DAY);
    let c1 = list.lines().find(|l| l.starts_with("C1,")).expect("C1 still listed");
    assert!(c1.starts_with("C1,Acme Ltd,escalation,5,Letter of demand,EUR USD,50.00 1000.00,43,INV-1 INV-4,"), "{c1}");
    let o = dun(dir, DAY, &["log", "C1", "--kind", "letter", "--text", "Letter of demand posted", "--done"]);
    assert!(o.ok, "{}", o.stderr);
    assert!(o.stderr.contains("saved"), "{}", o.stderr);
    // The client shows its next action: the call for INV-2.
    let list = csv_today(dir, DAY);
    let c1 = list.lines().find(|l| l.starts_with("C1,")).expect("C1 still listed");
    assert!(c1.starts_with("C1,Acme Ltd,call,4,Phone call,USD,250.50,14,INV-2,"), "{c1}");
    assert!(c1.contains("last contact today (letter)"), "{c1}");
    ok(dir, DAY, &["log", "C1", "--kind", "call", "--outcome", "reached", "--text", "Spoke to AP", "--done"]);
    let list = csv_today(dir, DAY);
    assert!(!list.contains("\nC1,"), "{list}");
    // Nothing due any more: --done is refused and nothing is written.
    let o = dun(dir, DAY, &["log", "C1", "--kind", "call", "--text", "again", "--done"]);
    assert!(!o.ok && o.stderr.contains("nothing is due for client C1"), "{}", o.stderr);
    // A fortnight later INV-2 reaches the letter of demand.
    let later = csv_today(dir, "2026-03-31");
    assert!(later.contains("C1,Acme Ltd,escalation,5,Letter of demand,USD,250.50,30,INV-2,"), "{later}");
}

#[test]
fn dispute_and_resolve() {
    let t = setup();
    let dir = t.path();
    ok(dir, DAY, &["dispute", "INV-3", "--reason", "wrong quantity"]);
    assert!(!csv_today(dir, DAY).contains("\nC2,"));
    let shown = ok(dir, DAY, &["invoice", "show", "INV-3", "--format", "csv"]);
    assert!(shown.contains("disputed"), "{shown}");
    let o = dun(dir, DAY, &["dispute", "INV-3", "--reason", "again"]);
    assert!(!o.ok && o.stderr.contains("already disputed"), "{}", o.stderr);
    ok(dir, DAY, &["resolve", "INV-3", "--text", "credit note agreed"]);
    assert!(csv_today(dir, DAY).contains("\nC2,\"Beta, Inc\",reminder,2,"));
    let o = dun(dir, DAY, &["resolve", "INV-3"]);
    assert!(!o.ok && o.stderr.contains("not disputed"), "{}", o.stderr);
}

#[test]
fn promise_hold_snooze_and_undo() {
    let t = setup();
    let dir = t.path();
    let o = dun(
        dir,
        DAY,
        &["log", "C2", "--kind", "call", "--outcome", "reached", "--text", "pays fri", "--promise-date", "+3"],
    );
    assert!(o.ok, "{}", o.stderr);
    assert!(!csv_today(dir, DAY).contains("\nC2,"));
    assert!(!csv_today(dir, "2026-03-18").contains("\nC2,"), "paused through the promise date");
    let broken = csv_today(dir, "2026-03-19");
    assert!(broken.contains("\nC2,\"Beta, Inc\",call,0,Broken promise,EUR,99.00,9,INV-3,"), "{broken}");
    assert!(broken.contains("promise of 99.00 EUR by 2026-03-18 broken"), "{broken}");

    ok(dir, DAY, &["hold", "C1", "--reason", "in administration"]);
    assert!(!csv_today(dir, DAY).contains("\nC1,"));
    ok(dir, DAY, &["unhold", "C1"]);
    assert!(csv_today(dir, DAY).contains("\nC1,"));
    let o = dun(dir, DAY, &["snooze", "C1", "--until", "2026-03-20"]);
    assert!(o.ok, "{}", o.stderr);
    assert!(!csv_today(dir, DAY).contains("\nC1,"));
    assert!(csv_today(dir, "2026-03-20").contains("\nC1,"));
    // The snooze was the 4th note (promise, hold, unhold, snooze): undo it.
    let o = dun(dir, DAY, &["undo", "4"]);
    assert!(o.ok, "{}", o.stderr);
    assert!(csv_today(dir, DAY).contains("\nC1,"));

    // Bad input changes nothing.
    let before = csv_today(dir, DAY);
    for bad in [
        vec!["log", "C2", "--kind", "email", "--outcome", "reached", "--text", "x"],
        vec!["log", "C2", "--kind", "shout", "--text", "x"],
        vec!["log", "C2", "--kind", "call", "--text", "x", "--promise-date", "2026-02-30"],
        vec!["log", "C2", "--kind", "call", "--text", "x", "--promise-date", "2026-03-01"],
        vec!["log", "C2", "--kind", "call", "--text", "x", "--invoices", "INV-3"],
        vec!["snooze", "C1", "--until", "2026-03-15"],
        vec!["hold", "C9", "--reason", "x"],
    ] {
        let o = dun(dir, DAY, &bad);
        assert!(!o.ok, "{bad:?} should fail");
        assert!(!o.stderr.is_empty());
    }
    assert_eq!(csv_today(dir, DAY), before);
}

#[test]
fn an_invalid_rules_file_is_an_error_never_a_fallback() {
    let t = setup();
    let dir = t.path();
    let checked = ok(dir, DAY, &["rules", "check"]);
    assert!(checked.contains("built-in default ladder"), "{checked}");
    std::fs::write(dir.join("rules.toml"), "[[level]]\nname = \"Nudge\"\ndays = \"soon\"\naction = \"reminder\"\n")
        .unwrap();
    let o = dun(dir, DAY, &["rules", "check"]);
    assert!(!o.ok);
    assert!(o.stderr.contains("rules.toml: line 3, column 8"), "{}", o.stderr);
    let o = dun(dir, DAY, &["today", "--format", "csv"]);
    assert!(!o.ok && o.stderr.contains("line 3, column 8"), "{}", o.stderr);
    assert!(o.stdout.is_empty());

    std::fs::write(dir.join("rules.toml"), "[[level]]\nname = \"Nudge\"\ndays = 10\naction = \"call\"\n").unwrap();
    assert!(ok(dir, DAY, &["rules", "check"]).contains("ok, 1 levels"));
    let shown = ok(dir, DAY, &["rules", "show", "--format", "csv"]);
    // `+10` would be a formula in a spreadsheet: neutralised like every CSV cell.
    assert_eq!(shown, "level,days,action,name,min_amount,min_gap_days,required,over_limit\n1,'+10,call,Nudge,,,,\n");
    let list = csv_today(dir, DAY);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.contains("\nC1,Acme Ltd,call,1,Nudge,EUR USD,50.00 1250.50,43,INV-1 INV-4 INV-2,"), "{list}");
    let other = dir.join("other.toml");
    std::fs::write(&other, "[[level]]\nname = \"X\"\n").unwrap();
    let o = dun(dir, DAY, &["rules", "check", other.to_str().unwrap()]);
    assert!(!o.ok && o.stderr.contains("missing field `days`"), "{}", o.stderr);
}

/// `dun undo` of a release puts back the hold as it was, even one set by an
/// imported book (no note of its own); `dun redo` releases it again, once.
#[test]
fn undo_of_a_release_restores_the_hold_and_redo_re_applies_it() {
    let t = setup();
    let dir = t.path();
    let export = dir.join("export");
    ok(dir, DAY, &["export", export.to_str().unwrap()]);
    // The hold is in clients.csv only: no note of its own.
    let clients = std::fs::read_to_string(export.join("clients.csv")).unwrap();
    let mut lines: Vec<String> = clients.lines().map(String::from).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let (reason, since) = (
        header.iter().position(|h| *h == "hold_reason").unwrap(),
        header.iter().position(|h| *h == "hold_since").unwrap(),
    );
    let row = lines.iter().position(|l| l.starts_with("C1,")).unwrap();
    let mut cells: Vec<String> = lines[row].split(',').map(String::from).collect();
    cells[reason] = "in administration".into();
    cells[since] = "2026-02-01".into();
    lines[row] = cells.join(",");
    std::fs::write(export.join("clients.csv"), lines.join("\n") + "\n").unwrap();
    let book = tempfile::tempdir().unwrap();
    let b = book.path();
    ok(b, DAY, &["import", "book", export.to_str().unwrap()]);
    let held =
        |b: &Path| ok(b, DAY, &["client", "show", "C1"]).lines().find(|l| l.starts_with("hold")).unwrap().to_string();
    assert!(held(b).contains("since 2026-02-01: in administration"), "{}", held(b));

    // What was done is said on stderr.
    let said = |args: &[&str]| {
        let o = dun(b, DAY, args);
        assert!(o.ok, "dun {args:?}: {}", o.stderr);
        o.stderr
    };
    let out = said(&["unhold", "C1"]);
    assert!(out.contains("(note #1)"), "{out}");
    assert_eq!(held(b).trim(), "hold");
    let out = said(&["undo", "1"]);
    assert!(out.contains("note #1 undone"), "{out}");
    assert!(held(b).contains("since 2026-02-01: in administration"), "restored as it was: {}", held(b));

    let out = said(&["redo"]);
    assert!(out.contains("note #1 redone"), "{out}");
    assert_eq!(held(b).trim(), "hold", "released again");
    let o = dun(b, DAY, &["redo"]);
    assert!(!o.ok && o.stderr.contains("nothing to redo"), "{}", o.stderr);
    let o = dun(b, DAY, &["redo", "1"]);
    assert!(!o.ok && o.stderr.contains("already redone"), "{}", o.stderr);
    let notes = ok(b, DAY, &["client", "notes", "C1"]);
    assert!(notes.contains("[redoes #1]") && notes.contains("[redone by #3]"), "{notes}");
    // The redo is an entry like any other: undo takes it back, the hold returns.
    ok(b, DAY, &["undo", "3"]);
    assert!(held(b).contains("since 2026-02-01: in administration"), "{}", held(b));
}

/// A credit that was undone, then paid over, is not redone on top of the
/// payment: the redo meets the same balance rule as `dun credit`.
#[test]
fn redo_of_a_credit_refuses_when_the_balance_was_paid_since() {
    let t = setup();
    let d = t.path();
    let o = dun(d, DAY, &["credit", "INV-1", "100", "--reason", "damaged goods"]);
    assert!(o.ok && o.stderr.contains("(note #1)"), "{}", o.stderr);
    ok(d, DAY, &["undo", "1"]);
    ok(d, DAY, &["pay", "INV-1", "1000"]);
    let o = dun(d, DAY, &["redo", "1"]);
    assert!(!o.ok, "redo over-credited the paid invoice: {}", o.stderr);
    assert!(
        o.stderr.contains("the balance of INV-1 has changed since note #1 was undone")
            && o.stderr.contains("credit of 100.00 is more than the open balance of invoice INV-1 (0.00)"),
        "{}",
        o.stderr
    );
    let balance = |d: &Path| {
        let shown = ok(d, DAY, &["invoice", "show", "INV-1"]);
        shown.lines().find(|l| l.starts_with("balance")).unwrap().split_whitespace().last().unwrap().to_string()
    };
    assert_eq!(balance(d), "0.00", "nothing was credited");
    // With the balance still open, the same redo goes through.
    let t = setup();
    let d = t.path();
    ok(d, DAY, &["credit", "INV-1", "100", "--reason", "damaged goods"]);
    ok(d, DAY, &["undo", "1"]);
    ok(d, DAY, &["pay", "INV-1", "900"]);
    let o = dun(d, DAY, &["redo", "1"]);
    assert!(o.ok && o.stderr.contains("note #1 redone"), "{}", o.stderr);
    assert_eq!(balance(d), "0.00");
}
