//! One table of intents, run through both faces: the CLI (the real binary)
//! on one copy of the demo book, the interface (keys on an `App` over an
//! embedded ledger) on another. Every intent must leave the same records:
//! the same notes (ids, authors, texts, events, promises, completions,
//! reversals), the same payments, the same account state. Both faces only
//! construct commands; this is what holds them to it.

mod common;
#[path = "common/tui.rs"]
mod tui_common;

use std::path::Path;

use chrono::{DateTime, Utc};
use tui_common::{day, keys, type_text};

use dun::domain::{Book, Note};
use dun::ledger::{Embedded, Ledger};
use dun::store::Store;
use dun::tui::app::{App, Source, Status};
use dun::tui::keymap::Keymap;
use dun::tui::theme::Theme;

const DAY: &str = "2026-11-25";

fn fixed_clock() -> DateTime<Utc> {
    "2026-11-25T10:15:00Z".parse().unwrap()
}

/// The real binary as user "tester" on `dir`, as of the test day.
fn cli(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dun"))
        .arg("--data")
        .arg(dir)
        .args(["--today", DAY])
        .args(args)
        .env_remove("DUN_DATA")
        .env("USER", "tester")
        .output()
        .expect("run dun");
    assert!(out.status.success(), "dun {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn app_on(dir: &Path) -> App {
    let ledger = Box::new(Embedded::new(dir).with_author("tester", fixed_clock));
    let source = Source::from_ledger(ledger, Some(dir.to_path_buf())).unwrap();
    let actions = dun::rules::today(source.book(), &dun::rules::Rules::default(), day());
    App::new(source, day(), actions, Theme::built_in("default").unwrap(), Keymap::default(), vec![30, 60, 90])
}

fn saved(app: &App) {
    match &app.status {
        Some(Status::Info(s)) if s.starts_with("saved: ") => {}
        other => panic!("not saved: {other:?} (form error: {:?})", app.form.as_ref().and_then(|f| f.error.clone())),
    }
}

fn book_of(dir: &Path) -> Book {
    Store::open(dir).unwrap().take_book().unwrap()
}

/// A note as both faces must write it: all but the wall-clock instant.
fn comparable(n: &Note) -> Note {
    let mut n = n.clone();
    n.at = fixed_clock();
    n
}

/// One intent: the keys the interface takes, and the CLI arguments for the
/// same thing (built from what the interface shows, so both mean the same).
struct Intent {
    what: &'static str,
    tui: Box<dyn Fn(&mut App)>,
    /// The CLI's arguments, given the interface after its write.
    cli: Box<CliArgs>,
}

type CliArgs = dyn Fn(&App) -> Vec<String>;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn every_intent_writes_the_same_records_from_the_cli_and_the_interface() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("cli"), tmp.path().join("tui"));
    cli(&a, &["demo", "--no-tui"]);
    cli(&b, &["demo", "--no-tui"]);
    let mut app = app_on(&b);
    let first = app.model.actions[app.screens.today.rows[0]].clone();
    let client = first.client_id.clone();
    let before = book_of(&a).notes().len();
    assert_eq!(before, app.book().notes().len(), "the same demo book on both sides");

    let c = client.clone();
    let table: Vec<Intent> = vec![
        Intent {
            what: "mark today's action done",
            tui: Box::new(|app| drop(keys(app, &["x", "enter"]))),
            cli: Box::new({
                let (c, kind) = (c.clone(), dun::command::contact_for(first.kind));
                move |_| s(&["log", &c, "--kind", kind.as_str(), "--done"])
            }),
        },
        Intent {
            what: "an email",
            tui: Box::new(|app| {
                keys(app, &["e"]);
                type_text(app, "statement sent");
                keys(app, &["enter"]);
            }),
            cli: Box::new({
                let c = c.clone();
                move |_| s(&["log", &c, "--kind", "email", "--text", "statement sent"])
            }),
        },
        Intent {
            what: "an internal note",
            tui: Box::new(|app| {
                keys(app, &["n", "i"]);
                type_text(app, "checked the ledger");
                keys(app, &["enter"]);
            }),
            cli: Box::new({
                let c = c.clone();
                move |_| s(&["log", &c, "--kind", "internal", "--text", "checked the ledger"])
            }),
        },
        Intent {
            what: "a hold",
            tui: Box::new(|app| {
                keys(app, &["h"]);
                type_text(app, "in administration");
                keys(app, &["enter"]);
            }),
            cli: Box::new({
                let c = c.clone();
                move |_| s(&["hold", &c, "--reason", "in administration"])
            }),
        },
        Intent {
            what: "undo of the hold",
            tui: Box::new(|app| drop(keys(app, &["u", "y"]))),
            cli: Box::new({
                let c = c.clone();
                move |app| {
                    let hold = app.book().client_notes(&c).rev().nth(1).unwrap().id;
                    s(&["undo", &hold.to_string()])
                }
            }),
        },
        Intent {
            what: "a call with a promise for the action's invoices",
            tui: Box::new(|app| {
                keys(app, &["c", "r"]);
                type_text(app, "will pay friday");
                keys(app, &["tab"]);
                type_text(app, "fri");
                keys(app, &["enter"]);
            }),
            cli: Box::new({
                let c = c.clone();
                move |app| {
                    let p = app.book().client_notes(&c).last().unwrap().promise.clone().unwrap();
                    let mut v = s(&[
                        "log",
                        &c,
                        "--kind",
                        "call",
                        "--outcome",
                        "reached",
                        "--text",
                        "will pay friday",
                        "--promise-date",
                        "fri",
                        "--promise-amount",
                        &p.amount.to_string(),
                    ]);
                    if !p.invoices.is_empty() {
                        v.push("--invoices".into());
                        v.extend(p.invoices);
                    }
                    v
                }
            }),
        },
        Intent {
            what: "a snooze",
            tui: Box::new(|app| {
                keys(app, &["s"]);
                type_text(app, "+7");
                keys(app, &["enter"]);
            }),
            cli: Box::new({
                let c = c.clone();
                move |_| s(&["snooze", &c, "--until", "+7"])
            }),
        },
        Intent {
            what: "dispute the selected invoice",
            tui: Box::new(|app| {
                keys(app, &["d"]);
                type_text(app, "goods damaged");
                keys(app, &["enter"]);
            }),
            cli: Box::new({
                let c = c.clone();
                move |app| {
                    let Some(dun::domain::AccountEvent::Dispute { invoice, .. }) =
                        app.book().client_notes(&c).last().unwrap().event.clone()
                    else {
                        panic!("not a dispute")
                    };
                    s(&["dispute", &invoice, "--reason", "goods damaged"])
                }
            }),
        },
        Intent {
            what: "resolve it",
            tui: Box::new(|app| drop(keys(app, &["D", "y"]))),
            cli: Box::new({
                let c = c.clone();
                move |app| {
                    let Some(dun::domain::AccountEvent::Resolved { invoice, .. }) =
                        app.book().client_notes(&c).last().unwrap().event.clone()
                    else {
                        panic!("not a resolution")
                    };
                    s(&["resolve", &invoice])
                }
            }),
        },
        Intent {
            what: "a payment of the selected invoice's balance",
            tui: Box::new(|app| drop(keys(app, &["$", "enter"]))),
            cli: Box::new({
                let c = c.clone();
                move |app| {
                    let note = app.book().client_notes(&c).last().unwrap();
                    let Some(dun::domain::AccountEvent::Payment { payment_id }) = note.event else {
                        panic!("not a payment")
                    };
                    let p = app.book().payment(payment_id).unwrap();
                    let invoice = &p.allocations[0].invoice;
                    let (amount, date, method) = (p.amount.to_string(), p.date.to_string(), p.method.to_string());
                    s(&["pay", invoice, &amount, "--date", &date, "--method", &method])
                }
            }),
        },
        Intent {
            what: "undo of the payment",
            tui: Box::new(|app| drop(keys(app, &["u", "y"]))),
            cli: Box::new({
                let c = c.clone();
                move |app| {
                    let undone = app.book().client_notes(&c).last().unwrap().reverses.unwrap();
                    s(&["undo", &undone.to_string()])
                }
            }),
        },
    ];

    // The client's own screen, as a collector works an account: every key
    // below acts on it, and `d`, `D` and `$` on its first open invoice.
    keys(&mut app, &["2", "/"]);
    type_text(&mut app, &client);
    keys(&mut app, &["enter", "enter"]);
    assert_eq!(app.focus.map(|f| app.book().clients()[f].id.clone()), Some(client.clone()));
    for intent in &table {
        (intent.tui)(&mut app);
        saved(&app);
        let args = (intent.cli)(&app);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(&a, &args);
        let (mine, theirs) = (book_of(&a), app.book().clone());
        let new = |bk: &Book| bk.notes()[before..].iter().map(comparable).collect::<Vec<_>>();
        assert_eq!(new(&mine), new(&theirs), "after {}: the notes differ", intent.what);
        assert_eq!(mine.payments(), theirs.payments(), "after {}: the payments differ", intent.what);
        assert_eq!(mine.client(&client), theirs.client(&client), "after {}: the client differs", intent.what);
        assert_eq!(mine.invoices(), theirs.invoices(), "after {}: the invoices differ", intent.what);
    }
    // Every intent wrote exactly one note, from both faces.
    assert_eq!(book_of(&a).notes().len(), before + table.len());
    drop(app);
    let (x, y) = (book_of(&a), book_of(&b));
    assert_eq!(
        x.notes().iter().map(comparable).collect::<Vec<_>>(),
        y.notes().iter().map(comparable).collect::<Vec<_>>()
    );
}

fn cli_out(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dun"))
        .arg("--data")
        .arg(dir)
        .args(["--today", DAY])
        .args(args)
        .env_remove("DUN_DATA")
        .output()
        .expect("run dun")
}

#[test]
fn dun_pay_writes_a_log_entry_that_dun_undo_reverses_and_refuses_a_future_date() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    cli(d, &["client", "add", "C1", "Acme"]);
    cli(d, &["invoice", "add", "I1", "C1", "500", "--issued", "2026-11-01"]);
    let late = cli_out(d, &["pay", "I1", "100", "--date", "2026-11-26"]);
    assert!(!late.status.success());
    assert!(String::from_utf8_lossy(&late.stderr).contains("after today (2026-11-25)"));
    let out = cli_out(d, &["pay", "I1", "100", "--reference", "BACS 1"]);
    let msg = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{msg}");
    let note: u64 = msg.rsplit("(note #").next().unwrap().trim_end().trim_end_matches(')').parse().unwrap();
    let book = book_of(d);
    let n = book.note(note).unwrap();
    assert!(n.text.starts_with("Payment of 100.00 USD received 2026-11-25"), "{}", n.text);
    assert_eq!(dun::receivables::open_balance(&book, book.invoice("I1").unwrap(), day()).to_string(), "400");
    cli(d, &["undo", &note.to_string()]);
    let book = book_of(d);
    assert_eq!(dun::receivables::open_balance(&book, book.invoice("I1").unwrap(), day()).to_string(), "500");
    assert_eq!(book.payments().len(), 2, "the payment and its reversal; history is kept");
}

#[test]
fn client_add_update_changes_only_the_fields_given() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let add = ["client", "add", "C1", "Acme", "--currency", "GBP", "--email", "ap@acme.example", "--tags", "key"];
    cli(d, &add);
    cli(d, &["client", "add", "C1", "--update", "--phone", "0161 496 0000"]);
    let c = book_of(d).client("C1").unwrap().clone();
    assert_eq!(
        (c.name.as_str(), c.currency, c.email.as_str(), c.tags.clone(), c.phone.as_str()),
        ("Acme", dun::domain::Currency::GBP, "ap@acme.example", vec!["key".to_string()], "0161 496 0000")
    );
    cli(d, &["invoice", "add", "I1", "C1", "100"]);
    let out = cli_out(d, &["client", "add", "C1", "--update", "--currency", "USD"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("its currency cannot change"));
    assert_eq!(book_of(d).client("C1").unwrap().currency, dun::domain::Currency::GBP);
}

#[test]
fn the_ledger_refuses_a_stale_expected_sequence_and_writes_nothing() {
    use dun::command::{Command, NoteInput};
    use dun::domain::NoteKind;
    use dun::ledger::{Expect, LedgerError, Request};
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    cli(d, &["client", "add", "C1", "Acme"]);
    let mut ledger = Embedded::new(d).with_author("ana", fixed_clock);
    let seq = ledger.latest().unwrap();
    let log = |t: &str| Command::Log { client: "C1".into(), note: NoteInput::new(NoteKind::Email, t) };
    let applied = ledger.apply(Request::at(seq, day(), log("first"))).unwrap();
    assert_eq!((applied.previous, applied.seq), (seq, seq + 1));
    assert_eq!((applied.stamp.author.as_str(), applied.stamp.date), ("ana", day()));
    assert_eq!(ledger.latest().unwrap(), seq + 1);
    match ledger.apply(Request::at(seq, day(), log("second"))) {
        Err(LedgerError::Stale { expected, found }) => assert_eq!((expected, found), (seq, seq + 1)),
        other => panic!("{other:?}"),
    }
    let r = Request { command: log("third"), expect: Expect::Latest, today: day() };
    assert_eq!(ledger.apply(r).unwrap().seq, seq + 2);
    let texts: Vec<String> = ledger.snapshot().unwrap().book.notes().iter().map(|n| n.text.clone()).collect();
    assert_eq!(texts, ["first", "third"]);
    match ledger.apply(Request::latest(day(), Command::Undo { note: 999 })) {
        Err(LedgerError::Command(e)) => assert_eq!(e, dun::command::CommandError::NoNote(999)),
        other => panic!("{other:?}"),
    }
}
