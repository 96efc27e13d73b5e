//! The builders, run through [`build`] as the faces run them.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::domain::Currency;
use crate::domain::{
    AccountEvent, CallOutcome, Client, Completion, Dispute, Hold, Invoice, Money, Note, NoteKind, PaymentMethod,
};
use crate::receivables::account_credit;
use crate::receivables::open_balance;
use crate::rules::{self, Rules};

fn d(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() + chrono::Days::new(n)
}
fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}
fn stamp(day: NaiveDate) -> Stamp {
    Stamp { date: day, at: day.and_hms_opt(9, 30, 0).unwrap().and_utc(), author: "sam".into() }
}

/// C1 (USD) with I1 1000 and I2 500, both due on d(0); C2 with X1.
fn book() -> Book {
    let usd = |a: &str| Money::new(dec(a), Currency::USD);
    Book::new(
        vec![Client::new("C1", "Acme", Currency::USD), Client::new("C2", "Other", Currency::USD)],
        vec![
            Invoice::new("I1", "C1", d(0) - chrono::Days::new(30), d(0), usd("1000")),
            Invoice::new("I2", "C1", d(0) - chrono::Days::new(20), d(5), usd("500")),
            Invoice::new("X1", "C2", d(0) - chrono::Days::new(30), d(0), usd("10")),
        ],
        vec![],
        vec![],
        vec![],
    )
}

/// What `Store::apply` does to the in-memory book.
fn apply(book: &mut Book, b: Batch) {
    b.clients.into_iter().for_each(|c| book.upsert_client(c));
    b.invoices.into_iter().for_each(|i| book.upsert_invoice(i));
    b.payments.into_iter().for_each(|p| book.add_payment(p));
    b.adjustments.into_iter().for_each(|a| book.add_adjustment(a));
    b.notes.into_iter().for_each(|n| book.add_note(n));
}

fn ids() -> IdAlloc {
    IdAlloc::starting_at(100)
}

fn run(book: &Book, rules: &Rules, ids: &mut IdAlloc, stamp: &Stamp, cmd: Command) -> Result<Batch, String> {
    let policy = Policy { rules: rules.clone(), fees: None };
    build(book, &policy, stamp, ids, cmd).map(|b| b.batch).map_err(|e| e.to_string())
}
fn plain(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, cmd: Command) -> Result<Batch, String> {
    run(book, &Rules::default(), ids, stamp, cmd)
}
fn log_note(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client: &str, note: NoteInput) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Log { client: client.into(), note })
}
fn mark_done(
    book: &Book,
    rules: &Rules,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client: &str,
    note: NoteInput,
    only: &[String],
) -> Result<Batch, String> {
    let cmd = Command::MarkDone { client: client.into(), kind: Some(note.kind), note, only: only.to_vec() };
    run(book, rules, ids, stamp, cmd)
}
fn dispute(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, invoice: &str, reason: &str) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Dispute { invoice: invoice.into(), reason: reason.into() })
}
fn resolve(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, invoice: &str, remark: &str) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Resolve { invoice: invoice.into(), remark: remark.into() })
}
fn snooze(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client: &str, until: NaiveDate) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Snooze { client: client.into(), until, remark: String::new() })
}
fn unsnooze(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client: &str) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Unsnooze { client: client.into() })
}
fn hold(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client: &str, reason: &str) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Hold { client: client.into(), reason: reason.into() })
}
fn unhold(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client: &str) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Release { client: client.into() })
}
fn record_payment(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client: &str,
    payment: PaymentInput,
) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Pay { client: Some(client.into()), payment })
}
fn undo(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, note: u64) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Undo { note })
}

#[test]
fn log_note_with_a_promise_defaulting_to_the_overdue_total() {
    let b = book();
    let mut input = NoteInput::new(NoteKind::Call, "  they will pay friday \u{7}");
    input.outcome = Some(CallOutcome::Reached);
    input.promise = Some(PromiseInput { date: d(10), amount: None, invoices: vec![] });
    let batch = log_note(&b, &mut ids(), &stamp(d(3)), "C1", input).unwrap();
    let n = &batch.notes[0];
    assert_eq!((n.id, n.date, n.author.as_str(), n.text.as_str()), (101, d(3), "sam", "they will pay friday"));
    let p = n.promise.as_ref().unwrap();
    // Only I1 is past due on d(3); I2 is due on d(5).
    assert_eq!((p.amount, p.currency, p.date, p.invoices.len()), (dec("1000"), Currency::USD, d(10), 0));
    let mut input = NoteInput::new(NoteKind::Call, "");
    input.promise = Some(PromiseInput { date: d(10), amount: None, invoices: vec!["I2".into()] });
    let batch = log_note(&b, &mut ids(), &stamp(d(3)), "C1", input).unwrap();
    assert_eq!(batch.notes[0].promise.as_ref().unwrap().amount, dec("500"), "nothing overdue: the open balance");
}

#[test]
fn log_note_refuses_bad_input() {
    let b = book();
    let st = stamp(d(3));
    let try_log = |client: &str, f: &dyn Fn(&mut NoteInput)| {
        let mut input = NoteInput::new(NoteKind::Email, "text");
        f(&mut input);
        log_note(&b, &mut ids(), &st, client, input).unwrap_err()
    };
    assert!(try_log("C9", &|_| {}).contains("no client C9"));
    assert!(try_log("C1", &|i| i.text = " ".into()).contains("needs some text"));
    assert!(try_log("C1", &|i| i.outcome = Some(CallOutcome::Voicemail)).contains("only for calls"));
    let promise = |date, inv: &[&str]| {
        Some(PromiseInput { date, amount: None, invoices: inv.iter().map(|s| s.to_string()).collect() })
    };
    assert!(try_log("C1", &|i| i.promise = promise(d(2), &[])).contains("before today"));
    assert!(try_log("C1", &|i| i.promise = promise(d(9), &["X1"])).contains("belongs to client C2"));
    assert!(try_log("C1", &|i| i.promise = promise(d(9), &["NOPE"])).contains("no invoice NOPE"));
    assert!(try_log("C1", &|i| i.next_follow_up = Some(d(1))).contains("before today"));
}

#[test]
fn mark_done_completes_todays_action_and_the_client_moves_on() {
    let mut b = book();
    // No history here: without required steps the ladder goes by age alone.
    let mut rules = Rules::default();
    rules.levels.iter_mut().for_each(|l| l.required = false);
    let today = d(31);
    let act = rules::client_action(&b, &rules, "C1", today).unwrap();
    assert_eq!((act.level, act.invoices.clone()), (5, vec!["I1".to_string()]));
    let batch =
        mark_done(&b, &rules, &mut ids(), &stamp(today), "C1", NoteInput::new(NoteKind::Letter, ""), &[]).unwrap();
    let n = &batch.notes[0];
    assert_eq!(n.completes, Some(Completion { level: 5, invoices: vec!["I1".into()] }));
    assert_eq!(n.text, "Letter of demand done");
    apply(&mut b, batch);
    // I2 (26 days overdue) is next: its phone call.
    let next = rules::client_action(&b, &rules, "C1", today).unwrap();
    assert_eq!((next.level, next.invoices), (4, vec!["I2".to_string()]));
    let batch =
        mark_done(&b, &rules, &mut ids(), &stamp(today), "C1", NoteInput::new(NoteKind::Email, "sent"), &[]).unwrap();
    apply(&mut b, batch);
    assert_eq!(rules::client_action(&b, &rules, "C1", today), None);
    let e =
        mark_done(&b, &rules, &mut ids(), &stamp(today), "C1", NoteInput::new(NoteKind::Email, "x"), &[]).unwrap_err();
    assert!(e.contains("nothing is due"), "{e}");
    let e =
        mark_done(&b, &rules, &mut ids(), &stamp(d(61)), "C1", NoteInput::new(NoteKind::Email, "x"), &["I2".into()])
            .unwrap_err();
    assert!(e.contains("not part of today's Collection agency"), "{e}");
}

#[test]
fn dispute_resolve_and_their_undo() {
    let mut b = book();
    // No history here: without required steps the ladder goes by age alone.
    let mut rules = Rules::default();
    rules.levels.iter_mut().for_each(|l| l.required = false);
    let today = d(31);
    let mut ids = ids();
    let batch = dispute(&b, &mut ids, &stamp(d(20)), "I1", "wrong price").unwrap();
    let dispute_note = batch.notes[0].id;
    assert_eq!(
        batch.notes[0].event,
        Some(AccountEvent::Dispute { invoice: "I1".into(), reason: "wrong price".into() })
    );
    apply(&mut b, batch);
    assert_eq!(b.invoice("I1").unwrap().dispute, Some(Dispute { reason: "wrong price".into(), since: d(20) }));
    assert_eq!(rules::client_action(&b, &rules, "C1", today).unwrap().invoices, vec!["I2".to_string()]);
    assert!(dispute(&b, &mut ids, &stamp(today), "I1", "again").unwrap_err().contains("already disputed"));
    assert!(dispute(&b, &mut ids, &stamp(today), "I2", " ").unwrap_err().contains("needs a reason"));
    assert!(resolve(&b, &mut ids, &stamp(today), "I2", "").unwrap_err().contains("not disputed"));

    let batch = resolve(&b, &mut ids, &stamp(d(25)), "I1", "credit agreed").unwrap();
    let resolve_note = batch.notes[0].id;
    assert_eq!(batch.notes[0].text, "Dispute on I1 resolved: credit agreed");
    apply(&mut b, batch);
    assert_eq!(b.invoice("I1").unwrap().dispute, None);
    assert_eq!(rules::client_action(&b, &rules, "C1", today).unwrap().invoices, vec!["I1".to_string()]);

    // Undo the dispute while resolved: refused, the state moved on.
    assert!(undo(&b, &mut ids, &stamp(today), dispute_note).unwrap_err().contains("has changed since"));
    // Undo the resolution: the original dispute returns.
    let batch = undo(&b, &mut ids, &stamp(today), resolve_note).unwrap();
    assert_eq!(batch.notes[0].reverses, Some(resolve_note));
    apply(&mut b, batch);
    assert_eq!(b.invoice("I1").unwrap().dispute, Some(Dispute { reason: "wrong price".into(), since: d(20) }));
    assert!(undo(&b, &mut ids, &stamp(today), resolve_note).unwrap_err().contains("already undone"));
    // Now the dispute itself can be undone.
    let batch = undo(&b, &mut ids, &stamp(today), dispute_note).unwrap();
    let undo_note = batch.notes[0].id;
    apply(&mut b, batch);
    assert_eq!(b.invoice("I1").unwrap().dispute, None);
    assert!(undo(&b, &mut ids, &stamp(today), undo_note).unwrap_err().contains("itself an undo"));
}

#[test]
fn hold_snooze_and_their_undo() {
    let mut b = book();
    let rules = Rules::default();
    let today = d(31);
    let mut ids = ids();
    assert!(snooze(&b, &mut ids, &stamp(today), "C1", today).unwrap_err().contains("after today"));
    let batch = snooze(&b, &mut ids, &stamp(today), "C1", d(40)).unwrap();
    let snooze_note = batch.notes[0].id;
    apply(&mut b, batch);
    assert_eq!(rules::client_action(&b, &rules, "C1", today), None);
    assert!(rules::client_action(&b, &rules, "C1", d(40)).is_some());
    let batch = unsnooze(&b, &mut ids, &stamp(today), "C1").unwrap();
    let unsnooze_note = batch.notes[0].id;
    apply(&mut b, batch);
    assert!(rules::client_action(&b, &rules, "C1", today).is_some());
    assert!(unsnooze(&b, &mut ids, &stamp(today), "C1").unwrap_err().contains("not snoozed"));
    // Undoing the unsnooze brings the snooze back; then undoing the snooze clears it.
    let u = undo(&b, &mut ids, &stamp(today), unsnooze_note).unwrap();
    apply(&mut b, u);
    assert_eq!(b.client("C1").unwrap().snoozed_until, Some(d(40)));
    let u = undo(&b, &mut ids, &stamp(today), snooze_note).unwrap();
    apply(&mut b, u);
    assert_eq!(b.client("C1").unwrap().snoozed_until, None);

    assert!(hold(&b, &mut ids, &stamp(today), "C1", "").unwrap_err().contains("needs a reason"));
    let batch = hold(&b, &mut ids, &stamp(today), "C1", "administration").unwrap();
    let hold_note = batch.notes[0].id;
    apply(&mut b, batch);
    assert_eq!(b.client("C1").unwrap().hold, Some(Hold { reason: "administration".into(), since: today }));
    assert_eq!(rules::client_action(&b, &rules, "C1", today), None);
    assert!(hold(&b, &mut ids, &stamp(today), "C1", "x").unwrap_err().contains("already on hold"));
    let batch = unhold(&b, &mut ids, &stamp(d(32)), "C1").unwrap();
    let unhold_note = batch.notes[0].id;
    apply(&mut b, batch);
    assert!(rules::client_action(&b, &rules, "C1", d(32)).is_some());
    let u = undo(&b, &mut ids, &stamp(d(32)), unhold_note).unwrap();
    apply(&mut b, u);
    assert_eq!(b.client("C1").unwrap().hold, Some(Hold { reason: "administration".into(), since: today }));
    let u = undo(&b, &mut ids, &stamp(d(32)), hold_note).unwrap();
    apply(&mut b, u);
    assert_eq!(b.client("C1").unwrap().hold, None);
}

#[test]
fn payment_allocates_and_undo_reverses_it_on_every_day() {
    let mut b = book();
    let mut ids = ids();
    let today = d(31);
    let input = |amount: &str, invoice: Option<&str>| PaymentInput {
        amount: dec(amount),
        date: d(30),
        method: PaymentMethod::Card,
        reference: "R1".into(),
        invoice: invoice.map(String::from),
    };
    assert!(record_payment(&b, &mut ids, &stamp(today), "C1", input("0", None))
        .unwrap_err()
        .contains("more than zero"));
    assert!(record_payment(&b, &mut ids, &stamp(today), "C1", input("5", Some("X1"))).unwrap_err().contains("C2"));
    let mut late = input("5", None);
    late.date = d(32);
    assert!(record_payment(&b, &mut ids, &stamp(today), "C1", late).unwrap_err().contains("after today"));

    let batch = record_payment(&b, &mut ids, &stamp(today), "C1", input("1600", Some("I2"))).unwrap();
    let p = &batch.payments[0];
    let got: Vec<(&str, Decimal)> = p.allocations.iter().map(|a| (a.invoice.as_str(), a.amount)).collect();
    assert_eq!(got, vec![("I2", dec("500")), ("I1", dec("1000"))]);
    let note = batch.notes[0].clone();
    assert_eq!(note.event, Some(AccountEvent::Payment { payment_id: p.id }));
    assert!(note.text.contains("100.00 left as credit"), "{}", note.text);
    apply(&mut b, batch);
    assert_eq!(open_balance(&b, b.invoice("I1").unwrap(), today), Decimal::ZERO);
    assert_eq!(account_credit(&b, "C1", today).get(Currency::USD), dec("100"));

    let batch = undo(&b, &mut ids, &stamp(today), note.id).unwrap();
    let rev = &batch.payments[0];
    assert_eq!((rev.amount, rev.date, rev.reverses), (dec("-1600"), d(30), Some(p_id(&note))));
    apply(&mut b, batch);
    for day in [d(30), today] {
        assert_eq!(open_balance(&b, b.invoice("I1").unwrap(), day), dec("1000"));
        assert_eq!(open_balance(&b, b.invoice("I2").unwrap(), day), dec("500"));
        assert!(account_credit(&b, "C1", day).is_empty());
    }
}

fn p_id(n: &Note) -> u64 {
    match n.event {
        Some(AccountEvent::Payment { payment_id }) => payment_id,
        _ => panic!("not a payment note"),
    }
}

#[test]
fn undoing_a_promise_lifts_the_pause() {
    let mut b = book();
    let rules = Rules::default();
    let mut input = NoteInput::new(NoteKind::Call, "will pay");
    input.promise = Some(PromiseInput { date: d(40), amount: None, invoices: vec![] });
    let batch = log_note(&b, &mut ids(), &stamp(d(31)), "C1", input).unwrap();
    let id = batch.notes[0].id;
    apply(&mut b, batch);
    assert_eq!(rules::client_action(&b, &rules, "C1", d(31)), None);
    let mut later = IdAlloc::starting_at(200);
    let u = undo(&b, &mut later, &stamp(d(31)), id).unwrap();
    apply(&mut b, u);
    assert!(rules::client_action(&b, &rules, "C1", d(31)).is_some());
    assert!(undo(&b, &mut later, &stamp(d(31)), 999).unwrap_err().contains("no note #999"));
}

fn cmd(book: &Book, ids: &mut IdAlloc, day: NaiveDate, c: Command) -> Result<Built, CommandError> {
    build(book, &Policy::default(), &stamp(day), ids, c)
}

#[test]
fn a_client_update_changes_only_the_fields_given() {
    let mut b = book();
    let mut c = b.client("C2").unwrap().clone();
    c.email = "ap@other.example".into();
    c.tags = vec!["key".into()];
    c.credit_limit = Some(dec("5000"));
    b.upsert_client(c.clone());
    let fields = ClientFields { phone: Some("+44 20 7946 0000".into()), ..Default::default() };
    let built =
        cmd(&b, &mut ids(), d(1), Command::UpdateClient { id: "C2".into(), fields, add_missing: false }).unwrap();
    let mut want = c;
    want.phone = "+44 20 7946 0000".into();
    assert_eq!(built.batch.clients, vec![want]);
    assert_eq!(built.note, None);
    let missing = Command::UpdateClient { id: "C9".into(), fields: ClientFields::default(), add_missing: false };
    assert_eq!(cmd(&b, &mut ids(), d(1), missing).unwrap_err(), CommandError::NoClient("C9".into()));
}

#[test]
fn a_currency_change_is_refused_once_the_client_has_invoices() {
    let b = book();
    let eur = ClientFields { currency: Some(Currency::EUR), ..Default::default() };
    let e =
        cmd(&b, &mut ids(), d(1), Command::UpdateClient { id: "C1".into(), fields: eur.clone(), add_missing: false })
            .unwrap_err();
    assert_eq!(
        e,
        CommandError::CurrencyChange { client: "C1".into(), from: Currency::USD, to: Currency::EUR, invoices: 2 }
    );
    let added = cmd(
        &b,
        &mut ids(),
        d(1),
        Command::AddClient { id: "C3".into(), fields: ClientFields { name: Some("New".into()), ..Default::default() } },
    )
    .unwrap();
    let mut b2 = b.clone();
    apply(&mut b2, added.batch);
    let ok = cmd(&b2, &mut ids(), d(1), Command::UpdateClient { id: "C3".into(), fields: eur, add_missing: false });
    assert_eq!(ok.unwrap().batch.clients[0].currency, Currency::EUR, "no invoices yet: allowed");
    let again =
        Command::AddClient { id: "C1".into(), fields: ClientFields { name: Some("x".into()), ..Default::default() } };
    assert_eq!(cmd(&b, &mut ids(), d(1), again).unwrap_err(), CommandError::ClientExists("C1".into()));
}

#[test]
fn a_payment_by_invoice_alone_refuses_a_future_date_and_is_undone_whole() {
    let mut b = book();
    let pay = |date| Command::Pay {
        client: None,
        payment: PaymentInput {
            amount: dec("200"),
            date,
            method: PaymentMethod::BankTransfer,
            reference: String::new(),
            invoice: Some("I2".into()),
        },
    };
    assert_eq!(
        cmd(&b, &mut ids(), d(3), pay(d(4))).unwrap_err(),
        CommandError::FutureDate { what: "payment".into(), date: d(4), today: d(3) }
    );
    let mut ids = ids();
    let built = cmd(&b, &mut ids, d(3), pay(d(3))).unwrap();
    assert_eq!(built.batch.payments[0].client_id, "C1");
    let note = built.note.unwrap();
    apply(&mut b, built.batch);
    assert_eq!(open_balance(&b, b.invoice("I2").unwrap(), d(3)), dec("300"));
    let undo = cmd(&b, &mut ids, d(3), Command::Undo { note }).unwrap();
    apply(&mut b, undo.batch);
    assert_eq!(open_balance(&b, b.invoice("I2").unwrap(), d(3)), dec("500"));
}

#[test]
fn credits_write_offs_and_fees_are_log_entries_that_undo() {
    let mut b = book();
    let mut ids = ids();
    let credit = |amount: &str| Command::Adjust {
        kind: crate::domain::AdjustmentKind::Credit,
        invoice: "I1".into(),
        amount: dec(amount),
        reason: "damaged".into(),
        date: None,
    };
    let e = cmd(&b, &mut ids, d(3), credit("1000.01")).unwrap_err().to_string();
    assert!(e.contains("more than the open balance"), "{e}");
    assert!(cmd(&b, &mut ids, d(3), credit("1.005")).unwrap_err().to_string().contains("two decimals"));
    let built = cmd(&b, &mut ids, d(3), credit("100")).unwrap();
    let n = &built.batch.notes[0];
    let adj = built.batch.adjustments[0].id;
    assert_eq!(n.event, Some(AccountEvent::Adjustment { adjustment_id: adj }));
    assert!(n.text.starts_with("Credit #"), "{}", n.text);
    let note = built.note.unwrap();
    apply(&mut b, built.batch);
    assert_eq!(open_balance(&b, b.invoice("I1").unwrap(), d(3)), dec("900"));
    let undo = cmd(&b, &mut ids, d(3), Command::Undo { note }).unwrap();
    apply(&mut b, undo.batch);
    assert_eq!(open_balance(&b, b.invoice("I1").unwrap(), d(3)), dec("1000"));
}

#[test]
fn an_import_gets_fresh_ids_and_keeps_its_links() {
    let b = book();
    let mut records = Batch::default();
    let mut p = crate::domain::Payment {
        id: 1,
        client_id: "C1".into(),
        date: d(1),
        amount: dec("10"),
        currency: Currency::USD,
        method: PaymentMethod::Cash,
        reference: String::new(),
        allocations: vec![],
        reverses: None,
    };
    records.payments.push(p.clone());
    p.id = 2;
    p.reverses = Some(1);
    records.payments.push(p);
    let mut n = Note::new(7, "C1", stamp(d(1)).at, d(1), "x", NoteKind::Internal, "paid");
    n.event = Some(AccountEvent::Payment { payment_id: 2 });
    records.notes.push(n);
    let mut ids = IdAlloc::starting_at(40);
    let built = cmd(&b, &mut ids, d(1), Command::Import { records, ids: ImportIds::Fresh, into_empty: false }).unwrap();
    let got: Vec<(u64, Option<u64>)> = built.batch.payments.iter().map(|p| (p.id, p.reverses)).collect();
    assert_eq!(got, vec![(41, None), (42, Some(41))]);
    assert_eq!(built.batch.notes[0].id, 41);
    assert_eq!(built.batch.notes[0].event, Some(AccountEvent::Payment { payment_id: 42 }));
    let into_empty = Command::Import { records: Batch::default(), ids: ImportIds::Keep, into_empty: true };
    assert!(matches!(cmd(&b, &mut ids, d(1), into_empty), Err(CommandError::Conflict(_))));
}

#[test]
fn commands_results_and_errors_cross_a_wire() {
    let b = book();
    let c = Command::Snooze { client: "C1".into(), until: d(9), remark: "on leave".into() };
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), c);
    let built = cmd(&b, &mut ids(), d(1), c).unwrap();
    assert_eq!(built.batch.notes[0].text, "Snoozed until 2026-03-11: on leave");
    let json = serde_json::to_string(&built).unwrap();
    assert_eq!(serde_json::from_str::<Built>(&json).unwrap(), built);
    let e = CommandError::WrongClient { invoice: "X1".into(), owner: "C2".into(), client: "C1".into() };
    let back: CommandError = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(back.to_string(), "invoice X1 belongs to client C2, not C1");
}

#[test]
fn an_invoice_edit_keeps_what_is_not_given() {
    let b = book();
    let edit = |fields| Command::EditInvoice { number: "I2".into(), fields };
    let built = cmd(&b, &mut ids(), d(1), edit(InvoiceFields { excluded: Some(true), ..Default::default() })).unwrap();
    let mut want = b.invoice("I2").unwrap().clone();
    want.excluded = true;
    assert_eq!(built.batch.invoices, vec![want]);
    let early = InvoiceFields { due: Some(d(0) - chrono::Days::new(40)), ..Default::default() };
    assert!(cmd(&b, &mut ids(), d(1), edit(early)).unwrap_err().to_string().contains("before the issue date"));
}

fn redo(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, note: u64) -> Result<Batch, String> {
    plain(book, ids, stamp, Command::Redo { note })
}

/// A hold or dispute set without a note of its own (an imported book):
/// releasing or resolving records it, so the undo restores it exactly.
#[test]
fn undoing_a_release_or_resolution_restores_what_had_no_note_of_its_own() {
    let mut b = book();
    let mut ids = ids();
    let today = d(31);
    let mut c = b.client("C1").unwrap().clone();
    c.hold = Some(Hold { reason: "in administration".into(), since: d(3) });
    b.upsert_client(c);
    let mut inv = b.invoice("I1").unwrap().clone();
    inv.dispute = Some(Dispute { reason: "goods damaged".into(), since: d(4) });
    b.upsert_invoice(inv);
    assert_eq!(b.notes().len(), 0);

    let batch = unhold(&b, &mut ids, &stamp(today), "C1").unwrap();
    let released = batch.notes[0].id;
    apply(&mut b, batch);
    let batch = resolve(&b, &mut ids, &stamp(today), "I1", "credit note agreed").unwrap();
    let resolved = batch.notes[0].id;
    apply(&mut b, batch);
    assert_eq!((b.client("C1").unwrap().hold.clone(), b.invoice("I1").unwrap().dispute.clone()), (None, None));

    let u = undo(&b, &mut ids, &stamp(today), released).unwrap();
    apply(&mut b, u);
    assert_eq!(b.client("C1").unwrap().hold, Some(Hold { reason: "in administration".into(), since: d(3) }));
    let u = undo(&b, &mut ids, &stamp(today), resolved).unwrap();
    apply(&mut b, u);
    assert_eq!(b.invoice("I1").unwrap().dispute, Some(Dispute { reason: "goods damaged".into(), since: d(4) }));
}

/// Redo re-applies an undone entry through the same builders: by the
/// undone note or by its undo entry, once; the state change is made again
/// as it was first made, and the redo is itself an entry undo takes back.
#[test]
fn redo_re_applies_an_undone_entry_once() {
    let mut b = book();
    let mut ids = ids();
    let today = d(31);
    let batch = hold(&b, &mut ids, &stamp(d(30)), "C1", "administration").unwrap();
    let held = batch.notes[0].id;
    apply(&mut b, batch);
    assert!(redo(&b, &mut ids, &stamp(today), held).unwrap_err().contains("is not undone"));
    let u = undo(&b, &mut ids, &stamp(today), held).unwrap();
    let undo_entry = u.notes[0].id;
    apply(&mut b, u);
    assert_eq!(b.client("C1").unwrap().hold, None);
    assert_eq!(last_undone(&b, "sam"), Some(held));
    assert_eq!(last_undone(&b, "jo"), None, "only the user's own undos");
    // By the undo entry's number: the hold returns as it was made.
    let r = redo(&b, &mut ids, &stamp(today), undo_entry).unwrap();
    let redone = r.notes[0].id;
    assert_eq!((r.notes[0].supersedes, r.notes[0].event.clone()), (Some(held), b.note(held).unwrap().event.clone()));
    apply(&mut b, r);
    assert_eq!(b.client("C1").unwrap().hold, Some(Hold { reason: "administration".into(), since: d(30) }));
    assert!(redo(&b, &mut ids, &stamp(today), held).unwrap_err().contains("already redone"));
    assert_eq!(last_undone(&b, "sam"), None);
    // The redo undoes like any entry.
    let u = undo(&b, &mut ids, &stamp(today), redone).unwrap();
    apply(&mut b, u);
    assert_eq!(b.client("C1").unwrap().hold, None);

    // A payment comes back under a new id with the same allocations; the
    // balance it settles must still be open.
    let pay = PaymentInput {
        amount: dec("400"),
        date: today,
        method: PaymentMethod::Card,
        reference: "R9".into(),
        invoice: Some("I1".into()),
    };
    let batch = record_payment(&b, &mut ids, &stamp(today), "C1", pay).unwrap();
    let paid = batch.notes[0].id;
    let first_id = batch.payments[0].id;
    apply(&mut b, batch);
    let u = undo(&b, &mut ids, &stamp(today), paid).unwrap();
    apply(&mut b, u);
    assert_eq!(open_balance(&b, b.invoice("I1").unwrap(), today), dec("1000"));
    let r = redo(&b, &mut ids, &stamp(today), paid).unwrap();
    assert_ne!(r.payments[0].id, first_id);
    assert_eq!(r.notes[0].event, Some(AccountEvent::Payment { payment_id: r.payments[0].id }));
    apply(&mut b, r);
    assert_eq!(open_balance(&b, b.invoice("I1").unwrap(), today), dec("600"));
}
