//! The rules engine works each client out in one pass: each invoice's state
//! is computed once and reused for the candidates, the payment-plan terms,
//! the credit on account and the credit limit, and the full ladder state is
//! built only for the invoices the action covers. These properties check,
//! on random books with plans, promises, disputes, holds, credit, fees,
//! over-payments and agency placements and recalls, that the one pass gives what the plain receivables
//! functions give, and that the day's list is what choosing among the full
//! ladders (as the engine did before) gives.

use chrono::{DateTime, Days, NaiveDate, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use dun::domain::money::format_amount;
use dun::domain::{
    AccountEvent, Adjustment, AdjustmentKind, Allocation, Book, CallOutcome, Client, Completion, Currency, Dispute,
    Hold, Instalment, Invoice, Money, Note, NoteKind, Payment, PaymentMethod, Promise, Totals,
};
use dun::receivables::{account_credit, credit_use, open_balance};
use dun::rules::plan::ladder_terms;
use dun::rules::{self, priority, Action, ActionKind, InvoiceLadder, MinAmount, Pause, Rules};

const CURRENCIES: [Currency; 2] = [Currency::USD, Currency::EUR];

fn d(n: i64) -> NaiveDate {
    let base = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    if n >= 0 {
        base + Days::new(n as u64)
    } else {
        base - Days::new(n.unsigned_abs())
    }
}
fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// One invoice: client, other currency, due (days from D), amount in
/// cents, plan instalments (count), dispute, excluded, paid share (% of
/// the total, up to 130: over-payments), adjustment (0 none, 1 fee,
/// 2 credit, 3 write-off).
type InvRow = (usize, bool, i64, i64, u8, bool, bool, i64, u8);
/// One note: client, kind (0 call, 1 promise, 2 level done, 3 undo of the
/// previous note, 4 placed with an agency, 5 recalled from it), day,
/// invoices it names (indexes), amount or level.
type NoteRow = (usize, u8, i64, Vec<usize>, i64);
/// One client: credit limit (cents, 0 none), on hold, snoozed, unallocated payment (cents).
type ClientRow = (i64, bool, bool, i64);

fn build(clients: &[ClientRow], invs: &[InvRow], notes: &[NoteRow]) -> Book {
    let cs: Vec<Client> = clients
        .iter()
        .enumerate()
        .map(|(i, &(limit, hold, snooze, _))| {
            let mut c = Client::new(format!("C{i}"), format!("Client {i}"), CURRENCIES[i % 2]);
            c.credit_limit = (limit > 0).then(|| cents(limit));
            c.hold = hold.then(|| Hold { reason: "query".into(), since: d(-50) });
            c.snoozed_until = snooze.then(|| d(5));
            c.payment_run_days = if i % 3 == 0 { vec![15] } else { vec![] };
            c
        })
        .collect();
    let n = cs.len();
    let (mut invoices, mut payments, mut adjustments) = (Vec::new(), Vec::new(), Vec::new());
    let mut next_id = 0u64;
    let mut id = || {
        next_id += 1;
        next_id
    };
    for (i, &(client, other, due, amount, plan, disputed, excluded, paid, adj)) in invs.iter().enumerate() {
        let client = client % n;
        let cur = CURRENCIES[(client + usize::from(other)) % 2];
        let number = format!("N{i:03}");
        let mut inv =
            Invoice::new(number.clone(), format!("C{client}"), d(due - 30), d(due), Money::new(cents(amount), cur));
        if plan > 1 {
            let part = amount / i64::from(plan);
            inv.plan = (0..i64::from(plan))
                .map(|k| Instalment {
                    due: d(due + 20 * k),
                    amount: cents(if k + 1 == i64::from(plan) { amount - part * k } else { part }),
                })
                .collect();
        }
        if disputed {
            inv.dispute = Some(Dispute { reason: "wrong goods".into(), since: d(due) });
        }
        inv.excluded = excluded;
        if paid > 0 {
            let a = cents(amount * paid / 100);
            payments.push(Payment {
                id: id(),
                client_id: format!("C{client}"),
                date: d(due - 5 + paid % 20),
                amount: a,
                currency: cur,
                method: PaymentMethod::BankTransfer,
                reference: String::new(),
                allocations: vec![Allocation { invoice: number.clone(), amount: a }],
                reverses: None,
            });
        }
        if adj > 0 {
            let kind = [AdjustmentKind::Fee, AdjustmentKind::Credit, AdjustmentKind::WriteOff][usize::from(adj - 1)];
            adjustments.push(Adjustment {
                id: id(),
                invoice: number,
                date: d(due + 3),
                kind,
                amount: cents(amount / 4 + 1),
                reason: String::new(),
                reverses: None,
            });
        }
        invoices.push(inv);
    }
    for (i, &(.., extra)) in clients.iter().enumerate() {
        if extra > 0 {
            payments.push(Payment {
                id: id(),
                client_id: format!("C{i}"),
                date: d(-2),
                amount: cents(extra),
                currency: CURRENCIES[i % 2],
                method: PaymentMethod::BankTransfer,
                reference: String::new(),
                allocations: vec![],
                reverses: None,
            });
        }
    }
    let mut ns: Vec<Note> = Vec::new();
    for (client, kind, day, names, amount) in notes {
        let client = client % n;
        let cid = format!("C{client}");
        let own: Vec<String> = invoices.iter().filter(|i| i.client_id == cid).map(|i| i.number.to_string()).collect();
        let named: Vec<String> = names.iter().filter_map(|k| own.get(k % own.len().max(1)).cloned()).collect();
        let at = DateTime::<Utc>::from_naive_utc_and_offset(d(*day).and_hms_opt(10, 0, 0).unwrap(), Utc);
        let mut note = Note::new(id(), cid, at, d(*day), "p", NoteKind::Call, "note");
        match kind {
            0 => note.outcome = Some(CallOutcome::NoAnswer),
            1 => {
                note.outcome = Some(CallOutcome::Reached);
                note.promise = Some(Promise {
                    date: d(day + 7),
                    amount: cents(*amount),
                    currency: CURRENCIES[client % 2],
                    invoices: named,
                });
            }
            2 => {
                note.kind = NoteKind::Email;
                note.completes = Some(Completion { level: (*amount % 7) as u8, invoices: named });
            }
            3 => {
                note.kind = NoteKind::Internal;
                note.reverses = ns.last().map(|p| p.id);
            }
            4 => {
                note.kind = NoteKind::Internal;
                note.event = Some(AccountEvent::PlacedWithAgency { agency: format!("A{}", amount % 3) });
            }
            _ => {
                note.kind = NoteKind::Internal;
                note.event = Some(AccountEvent::Recalled);
            }
        }
        ns.push(note);
    }
    Book::new(cs, invoices, payments, adjustments, ns)
}

fn arb_book() -> impl Strategy<Value = Book> {
    let client = (
        prop_oneof![Just(0i64), 1i64..3_000_000],
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.1),
        prop_oneof![3 => Just(0i64), 1 => 1i64..2_000_000],
    );
    let inv = (
        0usize..6,
        prop::bool::weighted(0.15),
        -120i64..40,
        1i64..2_000_000,
        0u8..4,
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
        prop_oneof![2 => Just(0i64), 1 => 1i64..130],
        0u8..4,
    );
    let note = (0usize..6, 0u8..6, -90i64..10, prop::collection::vec(0usize..8, 0..3), 1i64..2_000_000);
    (prop::collection::vec(client, 1..6), prop::collection::vec(inv, 0..40), prop::collection::vec(note, 0..25))
        .prop_map(|(c, i, n)| build(&c, &i, &n))
}

/// The default ladder, and one using every condition a level can have.
fn ladders() -> Vec<Rules> {
    let mut strict = Rules::default();
    strict.levels[2].min_amount = MinAmount::Any(Decimal::from(2_000));
    strict.levels[3].min_gap_days = Some(10);
    strict.levels[5].over_limit = true;
    vec![Rules::default(), strict]
}

/// The agency holding the client's account on `today`, read from the whole
/// log by client id (no per-client index): the latest placement or recall
/// dated by then, not an undo and not undone or superseded.
fn agency_by_id(book: &Book, client_id: &str, today: NaiveDate) -> Option<Pause> {
    let notes: Vec<&Note> = book.notes().iter().filter(|n| n.client_id == client_id && n.date <= today).collect();
    let undone = |n: &Note| notes.iter().any(|m| m.reverses == Some(n.id) || m.supersedes == Some(n.id));
    notes.iter().rev().filter(|n| n.reverses.is_none() && !undone(n)).find_map(|n| match &n.event {
        Some(AccountEvent::PlacedWithAgency { agency }) => {
            Some(Some(Pause::WithAgency { agency: agency.clone(), since: n.date }))
        }
        Some(AccountEvent::Recalled) => Some(None),
        _ => None,
    })?
}

/// The day's action chosen from a client's full ladders with the plain
/// credit figure: how the engine chose before it worked in one pass.
fn choose_from_ladders(book: &Book, rules: &Rules, c: &Client, today: NaiveDate) -> Option<Action> {
    if rules::state::client_pause(book, rules, c, today).is_some() {
        return None;
    }
    let ladders = rules::client_ladders(book, rules, c, today);
    let rank = |d: &rules::Due| (priority::severity(d.kind), d.level == rules::BROKEN_PROMISE_LEVEL, d.level);
    let best = ladders.iter().filter_map(|l| l.due.as_ref()).max_by_key(|d| rank(d))?.clone();
    let mut covered: Vec<&InvoiceLadder> =
        ladders.iter().filter(|l| l.due.as_ref().is_some_and(|d| d.level == best.level)).collect();
    covered.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.invoice.cmp(&b.invoice)));
    let others_due = ladders.iter().filter(|l| l.due.is_some()).count() - covered.len();
    let mut totals = Totals::default();
    for l in &covered {
        totals.add(Money::new(l.chased, l.currency));
    }
    let overdue: Vec<Money> = totals.iter().collect();
    let days_overdue = covered.iter().map(|l| l.days_overdue).max().unwrap_or_default();
    let facts = rules::facts::ClientFacts::gather(book, &c.id, today);
    let mut reason = rules::why::line(book, rules, &facts, &covered, others_due, today);
    let mut kind = best.kind;
    let credit = account_credit(book, &c.id, today);
    if !overdue.is_empty() && overdue.iter().all(|m| credit.get(m.currency) >= m.amount) {
        let have: Vec<String> =
            overdue.iter().map(|m| format!("{} {}", format_amount(credit.get(m.currency)), m.currency)).collect();
        reason = format!(
            "in credit: {} on account covers what is overdue; apply it (dun apply-credit {}) instead of chasing; {reason}",
            have.join(" and "),
            c.id
        );
        kind = ActionKind::ApplyCredit;
    }
    Some(Action {
        client_id: c.id.clone(),
        client_name: c.name.clone(),
        kind,
        level: best.level,
        level_name: rules.level_name(best.level).to_string(),
        score: priority::score(kind, &overdue, days_overdue),
        overdue,
        days_overdue,
        invoices: covered.iter().map(|l| l.invoice.clone()).collect(),
        reason,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn one_pass_per_client_agrees_with_the_plain_functions(book in arb_book(), day in prop::sample::select(vec![-40i64, -10, 0, 3, 25])) {
        let today = d(day);
        for rules in ladders() {
            let mut expected = Vec::new();
            for c in book.clients() {
                // The pause found through the client's position in the
                // book is the one its id gives.
                let pause = rules::state::client_pause(&book, &rules, c, today);
                if c.hold.is_none() && !c.is_snoozed(today) {
                    prop_assert_eq!(&pause, &agency_by_id(&book, &c.id, today), "client {}", c.id);
                }
                // Every open invoice is a candidate, with the plain figures.
                let ladders = rules::client_ladders(&book, &rules, c, today);
                let open: Vec<&Invoice> =
                    book.client_invoices(&c.id).filter(|i| open_balance(&book, i, today) > Decimal::ZERO).collect();
                prop_assert_eq!(ladders.len(), open.len());
                for (l, inv) in ladders.iter().zip(&open) {
                    prop_assert_eq!(&l.invoice, &inv.number);
                    let plain = open_balance(&book, inv, today);
                    prop_assert_eq!(l.open, plain);
                    prop_assert_eq!((l.due_date, l.chased), ladder_terms(&book, inv, plain, today));
                    prop_assert_eq!(l, &rules::invoice_ladder(&book, &rules, inv, today));
                }
                // The over-limit level (the last, with no other condition)
                // is reached when its date has come and the plain credit
                // use is over the limit.
                if let Some(top) = rules.levels.last().filter(|l| l.over_limit) {
                    let over = credit_use(&book, c, today).is_some_and(|u| u.over());
                    for l in &ladders {
                        let date_come = today >= l.due_date + Days::new(top.days as u64);
                        prop_assert_eq!(l.reached == Some(top.number), date_come && over, "{}", l.invoice);
                    }
                }
                let action = rules::client_action(&book, &rules, &c.id, today);
                let plain = choose_from_ladders(&book, &rules, c, today);
                prop_assert_eq!(&action, &plain, "client {}", c.id);
                expected.extend(plain);
            }
            expected.sort_by(priority::order);
            prop_assert_eq!(rules::today(&book, &rules, today), expected);
        }
    }
}
