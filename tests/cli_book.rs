//! The scriptable face: entering a book from scripts, and refusing bad input
//! with a clear message that changes nothing.

mod common;

use common::{dun, dun_err, dun_ok};

#[test]
fn enter_clients_invoices_payments_and_credits() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    dun_ok(d, &["client", "add", "C1", "Müller GmbH", "--currency", "EUR", "--terms", "14", "--run-days", "15,31"]);
    dun_ok(d, &["--today", "2026-03-01", "invoice", "add", "I1", "C1", "1,000.00"]);
    dun_ok(
        d,
        &[
            "invoice",
            "add",
            "I2",
            "C1",
            "--issued",
            "2026-03-05",
            "--line",
            "Widget;10;12.50;20",
            "--line",
            "Freight;1;50",
        ],
    );
    let show = dun_ok(d, &["--today", "2026-04-01", "--format", "csv", "invoice", "list", "--client", "C1"]);
    assert!(show.contains("I1,C1,2026-03-01,2026-03-15,EUR,1000.00,1000.00,17,open,"), "{show}");
    assert!(show.contains("I2,C1,2026-03-05,2026-03-19,EUR,200.00,200.00,13,open,"), "{show}");

    // 1,100 against I2: 200 settles I2, 900 goes to the oldest (I1).
    let out = dun(d, &["--today", "2026-04-01", "pay", "I2", "1100", "--method", "cheque"]);
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{msg}");
    assert!(msg.contains("I2 200.00, I1 900.00"), "{msg}");
    // 150 more: 100 settles I1, 50 is credit on account.
    let out = dun(d, &["--today", "2026-04-02", "pay", "I1", "150"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("50.00 left as credit"));
    let c = dun_ok(d, &["--today", "2026-04-02", "--format", "csv", "client", "show", "C1"]);
    assert!(c.contains("client,1,credit_on_account,50.00 EUR"), "{c}");

    dun_ok(d, &["invoice", "add", "I3", "C1", "80", "--issued", "2026-04-01"]);
    let err = dun_err(d, &["credit", "I3", "100", "--reason", "too much"]);
    assert!(err.contains("more than the open balance"), "{err}");
    dun_ok(d, &["--today", "2026-04-03", "credit", "I3", "30", "--reason", "damaged"]);
    let inv = dun_ok(d, &["--today", "2026-04-03", "--format", "csv", "invoice", "show", "I3"]);
    assert!(inv.contains("invoice,1,total,80.00\ninvoice,1,balance,50.00\n"), "{inv}");
    assert!(dun_ok(d, &["verify"]).starts_with("ok: 1 clients, 3 invoices, 2 payments, 1 adjustments"));
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    dun_ok(d, &["client", "add", "C1", "Acme"]);

    let err = dun_err(d, &["--today", "2026-02-30", "client", "list"]);
    assert!(err.contains("'2026-02-30' is not a real date"), "{err}");

    let err = dun_err(d, &["invoice", "add", "I1", "C1", "12,34.5"]);
    assert!(err.contains("'12,34.5' is not an amount") && err.contains("groups of three"), "{err}");

    let err = dun_err(d, &["invoice", "add", "I1", "NOPE", "10"]);
    assert!(err.contains("no client NOPE"), "{err}");

    let err = dun_err(d, &["invoice", "add", "I1", "C1", "10", "--issued", "2026-05-01", "--due", "2026-04-01"]);
    assert!(err.contains("before the issue date"), "{err}");

    let err = dun_err(d, &["client", "add", "C 2", "Bad Id"]);
    assert!(err.contains("may hold only letters"), "{err}");

    let err = dun_err(d, &["client", "add", "C1", "Again"]);
    assert!(err.contains("already exists"), "{err}");

    assert!(dun_ok(d, &["verify"]).starts_with("ok: 1 clients, 0 invoices"));
}

#[test]
fn import_errors_name_file_line_and_column_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    let f = tmp.path().join("clients.csv");
    std::fs::write(&f, "id,name,email,phone,terms_days,currency\nC1,Acme,,,30,USD\nC2,Beta,,,30,USD\n").unwrap();
    dun_ok(&d, &["import", "clients", f.to_str().unwrap()]);
    let inv = tmp.path().join("invoices.csv");
    std::fs::write(
        &inv,
        "number,client_id,issue_date,due_date,currency,amount\n\
         I1,C1,2026-01-01,2026-01-31,USD,100.00\n\
         I2,C1,2026-02-30,2026-03-31,USD,100.00\n\
         I3,C2,2026-01-01,2026-01-31,USD,\"12,34.5\"\n\
         I4,C9,2026-01-01,2026-01-31,USD,5\n\
         I1,C2,2026-01-01,2026-01-31,USD,5\n\
         I5,C2,2026-01-01,2026-01-31,EUR,5\n",
    )
    .unwrap();
    let err = dun_err(&d, &["import", "invoices", inv.to_str().unwrap()]);
    let file = inv.display().to_string();
    for expected in [
        format!("{file}:3: column issue_date: '2026-02-30' is not a real date: 2026-02 has 28 days (value '2026-02-30')"),
        format!("{file}:4: column amount: commas must separate groups of three digits (use a dot for decimals) (value '12,34.5')"),
        format!("{file}:5: column client_id: no such client (import clients first) (value 'C9')"),
        format!("{file}:6: column number: appears twice in this file (invoice numbers are unique) (value 'I1')"),
        format!("{file}:7: column currency: client C2 is billed in USD (value 'EUR')"),
        "nothing was imported".to_string(),
    ] {
        assert!(err.contains(&expected), "missing:\n{expected}\nin:\n{err}");
    }
    assert!(dun_ok(&d, &["verify"]).starts_with("ok: 2 clients, 0 invoices"));

    let short = tmp.path().join("short.csv");
    std::fs::write(&short, "number,client_id,issue_date\nI1,C1,2026-01-01\n").unwrap();
    let err = dun_err(&d, &["import", "invoices", short.to_str().unwrap()]);
    assert!(err.contains(":1: missing column(s): due_date, currency, amount"), "{err}");
}

#[test]
fn format_names_the_import_layout_for_import_only() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/xero/sales_invoices_dmy.csv");
    let out = dun_ok(d, &["--today", "2026-11-25", "import", "invoices", fixture, "--format", "xero"]);
    assert!(out.contains("imported invoices: 4 new"), "{out}");
    let err = dun_err(d, &["--format", "xero", "client", "list"]);
    assert!(err.contains("--format xero names an import layout"), "{err}");
    let csv = dun_ok(d, &["--format", "csv", "client", "list"]);
    assert!(csv.starts_with("id,name,currency,terms,open,overdue,credit_limit,over_limit,with_agency\n"), "{csv}");
}

/// docs/cli.md documents every command the binary has.
#[test]
fn the_cli_reference_covers_every_command() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_dun")).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md")).unwrap();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // Wrapped descriptions continue on lines indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.len() > 20, "{help}");
    for c in commands {
        assert!(doc.contains(&format!("## dun {c}")), "docs/cli.md does not document `dun {c}`");
    }
}

/// A correction supersedes the earlier note: the rules follow the
/// correction, and both stay in the history.
#[test]
fn a_note_can_be_corrected_and_history_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let t = ["--today", "2026-11-25"];
    dun_ok(d, &[t[0], t[1], "demo", "--no-tui"]);
    let today = dun_ok(d, &[t[0], t[1], "--format", "csv", "today"]);
    let client = today.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    dun_ok(
        d,
        &[
            t[0],
            t[1],
            "log",
            &client,
            "--kind",
            "call",
            "--outcome",
            "reached",
            "--text",
            "will pay",
            "--promise-date",
            "+7",
        ],
    );
    assert!(!dun_ok(d, &[t[0], t[1], "--format", "csv", "today"]).contains(&format!("\n{client},")), "paused");
    let notes = dun_ok(d, &["--format", "csv", "client", "notes", &client, "--limit", "1"]);
    let id = notes.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    // It was the wrong client on the phone: no promise after all.
    dun_ok(
        d,
        &[
            t[0],
            t[1],
            "log",
            &client,
            "--kind",
            "call",
            "--outcome",
            "wrong-number",
            "--text",
            "no promise",
            "--corrects",
            &id,
        ],
    );
    assert!(dun_ok(d, &[t[0], t[1], "--format", "csv", "today"]).contains(&format!("\n{client},")), "back on the list");
    let notes = dun_ok(d, &["--format", "csv", "client", "notes", &client, "--limit", "2"]);
    assert!(notes.contains(&format!("[corrects #{id}] no promise")), "{notes}");
    assert!(notes.contains("[corrected by #") && notes.contains("will pay"), "{notes}");
    let err = dun_err(d, &[t[0], t[1], "log", &client, "--kind", "call", "--text", "again", "--corrects", &id]);
    assert!(err.contains("already corrected"), "{err}");
}
