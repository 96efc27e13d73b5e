//! Issue 13 through the real binary: agency placement, credit on account,
//! credit limits, payment methods, promises above the balance and reasons
//! for lateness, each as a user types it.

use std::path::Path;
use std::process::Command;

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn dun(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_dun"))
        .arg("--data")
        .arg(dir)
        .args(["--today", "2026-03-15"])
        .args(args)
        .env("USER", "tester")
        .env_remove("DUN_DATA")
        .output()
        .expect("run dun");
    Out {
        ok: out.status.success(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> Out {
    let o = dun(dir, args);
    assert!(o.ok, "dun {args:?} failed: {}", o.stderr);
    o
}

fn fails(dir: &Path, args: &[&str], why: &str) {
    let o = dun(dir, args);
    assert!(!o.ok && o.stderr.contains(why), "dun {args:?}: expected '{why}', got: {}", o.stderr);
}

/// C1 (USD, limit 5,000) owing 4,000 overdue; C2 (USD) owing 1,000.
fn setup() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    ok(d, &["client", "add", "C1", "Acme", "--currency", "USD", "--credit-limit", "5000"]);
    ok(d, &["client", "add", "C2", "Beta", "--currency", "USD"]);
    ok(d, &["invoice", "add", "I1", "C1", "4000", "--issued", "2026-01-01", "--due", "2026-01-31"]);
    ok(d, &["invoice", "add", "I2", "C2", "1000", "--issued", "2026-01-01", "--due", "2026-01-31"]);
    t
}

#[test]
fn an_account_with_an_agency_shows_everywhere_and_is_not_chased() {
    let t = setup();
    let d = t.path();
    ok(d, &["agency", "place", "C2", "--agency", "ARC Collections"]);
    fails(d, &["agency", "place", "C2", "--agency", "Other"], "already with agency ARC Collections");
    let today = ok(d, &["--format", "csv", "today"]).stdout;
    assert!(!today.contains("\nC2,"), "{today}");
    let list = ok(d, &["--format", "csv", "client", "list"]).stdout;
    assert!(list.starts_with("id,name,currency,terms,open,overdue,credit_limit,over_limit,with_agency\n"), "{list}");
    assert!(list.contains("\nC2,Beta,USD,30,1000.00,1000.00,,,ARC Collections\n"), "{list}");
    let json = ok(d, &["--format", "json", "client", "list"]).stdout;
    assert!(json.contains("ARC Collections"), "{json}");
    let aging = ok(d, &["aging", "--by-client"]).stdout;
    assert!(aging.lines().nth(2).unwrap().trim_end().ends_with("total  with_agency"), "{aging}");
    let c2 = aging.lines().find(|l| l.starts_with("C2 ")).unwrap();
    assert!(c2.ends_with("1,000.00  ARC Collections"), "{aging}");
    let with = aging.lines().find(|l| l.starts_with("With agency")).expect("a 'with agency' total");
    assert!(with.contains("USD") && with.contains("1,000.00"), "{aging}");
    let totals = ok(d, &["aging"]).stdout;
    assert!(totals.lines().any(|l| l.starts_with("USD") && l.trim_end().ends_with("0.00     1,000.00")), "{totals}");
    let json = ok(d, &["--format", "json", "aging", "--by-client"]).stdout;
    assert!(
        json.contains("\"with_agency\": \"ARC Collections\"") && json.contains("\"with_agency\": \"1000.00\""),
        "{json}"
    );
    // Payments still apply while placed.
    ok(d, &["pay", "I2", "100"]);
    let list = ok(d, &["--format", "csv", "client", "list"]).stdout;
    assert!(list.contains("\nC2,Beta,USD,30,900.00,900.00,,,ARC Collections\n"), "{list}");
    ok(d, &["agency", "recall", "C2"]);
    fails(d, &["agency", "recall", "C2"], "not with an agency");
    let today = ok(d, &["--format", "csv", "today"]).stdout;
    assert!(today.contains("\nC2,Beta,"), "{today}");
}

#[test]
fn credit_on_account_is_suggested_applied_and_refunded() {
    let t = setup();
    let d = t.path();
    // 1,200 arrives for C2 without an invoice to go to: 200 left as credit
    // after the automatic allocation… so record it against nothing open.
    ok(d, &["pay", "I2", "1000"]);
    ok(d, &["invoice", "add", "I3", "C2", "300", "--issued", "2026-01-10", "--due", "2026-02-10"]);
    ok(d, &["pay", "I2", "500"]);
    // I2 was already paid: the 500 went to I3 (300) and 200 is credit; add more.
    ok(d, &["invoice", "add", "I4", "C2", "150", "--issued", "2026-01-15", "--due", "2026-02-15"]);
    let today = ok(d, &["--format", "csv", "today"]).stdout;
    let c2 = today.lines().find(|l| l.starts_with("C2,")).expect("C2 listed");
    assert!(c2.starts_with("C2,Beta,apply credit,"), "{c2}");
    assert!(c2.contains("in credit: 200.00 USD on account covers what is overdue"), "{c2}");
    fails(d, &["log", "C2", "--kind", "email", "--done"], "is in credit");
    ok(d, &["apply-credit", "C2"]);
    let today = ok(d, &["--format", "csv", "today"]).stdout;
    assert!(!today.contains("\nC2,"), "{today}");
    let shown = ok(d, &["--format", "csv", "client", "show", "C2"]).stdout;
    assert!(shown.contains("credit_on_account,50.00 USD"), "{shown}");
    fails(d, &["refund", "C2", "60"], "has 50.00 USD of credit on account");
    ok(d, &["refund", "C2", "50", "--method", "paypal", "--reference", "PAYID-77"]);
    let shown = ok(d, &["--format", "csv", "client", "show", "C2"]).stdout;
    assert!(shown.contains("credit_on_account,\n"), "{shown}");
    fails(d, &["apply-credit", "C2"], "no USD credit on account");
}

#[test]
fn credit_limits_warn_and_show() {
    let t = setup();
    let d = t.path();
    let o = ok(d, &["invoice", "add", "I9", "C1", "1000", "--issued", "2026-03-01"]);
    assert!(!o.stderr.contains("credit limit"), "{}", o.stderr);
    let o = ok(d, &["invoice", "add", "I10", "C1", "16170", "--issued", "2026-03-01"]);
    assert!(o.stderr.contains("over its credit limit with this invoice: 21,170.00 of 5,000.00 USD"), "{}", o.stderr);
    let list = ok(d, &["--format", "csv", "client", "list"]).stdout;
    assert!(list.contains("\nC1,Acme,USD,30,21170.00,4000.00,5000.00,yes,\n"), "{list}");
    let shown = ok(d, &["--format", "csv", "client", "show", "C1"]).stdout;
    assert!(shown.contains("credit_used,\"21,170.00 of 5,000.00 USD (over by 16,170.00)\""), "{shown}");
}

#[test]
fn payment_methods_are_data() {
    let t = setup();
    let d = t.path();
    for m in ["stripe", "paypal", "gocardless", "direct debit", "mobile", "crypto"] {
        ok(d, &["pay", "I1", "1", "--method", m, "--reference", "ref-1"]);
    }
    fails(d, &["pay", "I1", "1", "--method", "klarna"], "'klarna' is not a payment method");
    let cfg = d.join("config.toml");
    std::fs::write(&cfg, "[payments]\nmethods = [\"Klarna\"]\n").unwrap();
    ok(d, &["--config", cfg.to_str().unwrap(), "pay", "I1", "1", "--method", "klarna", "--reference", "kl_9"]);
    let dir = d.join("out");
    ok(d, &["export", dir.to_str().unwrap()]);
    let payments = std::fs::read_to_string(dir.join("payments.csv")).unwrap();
    assert!(payments.contains(",Klarna,kl_9,"), "{payments}");
    assert!(payments.contains(",gocardless,ref-1,"), "{payments}");
}

#[test]
fn promises_above_the_balance_and_reasons_for_lateness() {
    let t = setup();
    let d = t.path();
    let big = ["log", "C1", "--kind", "call", "--text", "x", "--promise-date", "+7", "--promise-amount", "99999999"];
    fails(d, &big, "more than the open balance 4,000.00 USD");
    let mut forced = big.to_vec();
    forced.push("--force");
    let o = ok(d, &forced);
    assert!(o.stderr.contains("warning"), "{}", o.stderr);
    ok(d, &["log", "C1", "--kind", "call", "--text", "forgot", "--late-reason", "forgot"]);
    ok(d, &["log", "C2", "--kind", "call", "--text", "tight", "--late-reason", "cash-flow"]);
    ok(d, &["log", "C1", "--kind", "call", "--text", "tight", "--late-reason", "cash flow"]);
    fails(d, &["log", "C1", "--kind", "call", "--text", "?", "--late-reason", "lazy"], "not a reason for lateness");
    let shown = ok(d, &["--format", "csv", "client", "show", "C1"]).stdout;
    assert!(shown.contains("late_reason,cash-flow difficulty (2026-03-15)"), "{shown}");
    let counts = ok(d, &["--format", "csv", "stats", "--reasons"]).stdout;
    assert!(counts.starts_with("late_reason,notes\nforgot,1\ncash-flow,2\n"), "{counts}");
}

/// A migrated history says which steps were taken (`completes_level` in
/// notes.csv), so the old accounts are not asked to catch up; without it,
/// the first reminder comes first.
#[test]
fn an_imported_history_with_completed_steps_needs_no_catching_up() {
    let t = setup();
    let d = t.path();
    let today = ok(d, &["--format", "csv", "today"]).stdout;
    let c1 = today.lines().find(|l| l.starts_with("C1,")).unwrap();
    assert!(c1.contains(",reminder,2,First reminder,") && c1.contains("catching up: no reminder sent yet"), "{c1}");
    let csv = d.join("notes.csv");
    std::fs::write(
        &csv,
        "client_id,timestamp,author,kind,text,promise_date,promise_amount,completes_level\n\
         C1,2026-02-02,ana,email,First reminder,,,2\n\
         C1,2026-03-03,ana,letter,Letter of demand,,,5\n\
         C2,2026-02-02,ana,email,Nudge,,,\n",
    )
    .unwrap();
    ok(d, &["import", "notes", csv.to_str().unwrap()]);
    let today = ok(d, &["--format", "csv", "today"]).stdout;
    assert!(!today.contains("\nC1,"), "both required steps done, nothing until the agency at +60: {today}");
    let c2 = today.lines().find(|l| l.starts_with("C2,")).unwrap();
    assert!(c2.contains("catching up: no reminder sent yet"), "{c2}");
    let bad = d.join("bad.csv");
    std::fs::write(&bad, "client_id,timestamp,author,kind,text,promise_date,promise_amount,completes_level\nC1,2026-02-02,ana,email,x,,,99\n").unwrap();
    fails(d, &["import", "notes", bad.to_str().unwrap()], "completes_level");
}
