//! The rules engine, rule by rule: each row is a small book, a rules file
//! (or the default ladder), a day, and what the day's list must say.
//!
//! The default ladder's thresholds for an invoice due on D = 2026-03-02:
//! L1 −3 = 02-27, L2 +1 = 03-03, L3 +7 = 03-09, L4 +14 = 03-16,
//! L5 +30 = 04-01, L6 +60 = 05-01.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;

use dun::domain::{
    AccountEvent, Allocation, Book, CallOutcome, Client, Completion, Currency, Dispute, Hold, Instalment, Invoice,
    Money, Note, NoteKind, Payment, PaymentMethod, Promise,
};
use dun::rules::{self, file, Rules};

const D: &str = "2026-03-02";

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|_| panic!("bad date {s}"))
}

/// D plus n days (n may be negative).
fn d(n: i64) -> NaiveDate {
    let base = date(D);
    if n >= 0 {
        base + Days::new(n as u64)
    } else {
        base - Days::new(n.unsigned_abs())
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A small book under construction: client C1 (USD) unless told otherwise.
#[derive(Clone, Debug)]
struct World {
    clients: Vec<Client>,
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    notes: Vec<Note>,
    next_id: u64,
}

impl World {
    fn new() -> Self {
        World {
            clients: vec![Client::new("C1", "Acme Ltd", Currency::USD)],
            invoices: vec![],
            payments: vec![],
            notes: vec![],
            next_id: 0,
        }
    }
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
    fn client(mut self, id: &str, currency: Currency) -> Self {
        self.clients.push(Client::new(id, format!("Client {id}"), currency));
        self
    }
    fn with_client(mut self, f: impl FnOnce(&mut Client)) -> Self {
        f(&mut self.clients[0]);
        self
    }
    /// Invoice `number` of C1, due on `due`, for `amount` USD, issued 30 days before.
    fn inv(self, number: &str, due: NaiveDate, amount: &str) -> Self {
        self.inv_of("C1", number, due, amount, Currency::USD)
    }
    fn inv_of(mut self, client: &str, number: &str, due: NaiveDate, amount: &str, cur: Currency) -> Self {
        let issued = due - Days::new(30);
        self.invoices.push(Invoice::new(number, client, issued, due, Money::new(dec(amount), cur)));
        self
    }
    fn with_inv(mut self, number: &str, f: impl FnOnce(&mut Invoice)) -> Self {
        let inv = self.invoices.iter_mut().find(|i| i.number == number).expect("invoice in world");
        f(inv);
        self
    }
    fn paid(mut self, number: &str, on: NaiveDate, amount: &str) -> Self {
        let inv = self.invoices.iter().find(|i| i.number == number).expect("invoice in world").clone();
        let id = self.id();
        self.payments.push(Payment {
            id,
            client_id: inv.client_id.to_string(),
            date: on,
            amount: dec(amount),
            currency: inv.currency,
            method: PaymentMethod::BankTransfer,
            reference: String::new(),
            allocations: vec![Allocation { invoice: number.into(), amount: dec(amount) }],
            reverses: None,
        });
        self
    }
    fn note(mut self, on: NaiveDate, kind: NoteKind, f: impl FnOnce(&mut Note)) -> Self {
        let id = self.id();
        let mut n = Note {
            id,
            client_id: "C1".into(),
            at: DateTime::<Utc>::from_naive_utc_and_offset(on.and_hms_opt(10, 0, 0).unwrap(), Utc),
            date: on,
            author: "test".into(),
            kind,
            outcome: None,
            text: "note".into(),
            promise: None,
            next_follow_up: None,
            completes: None,
            event: None,
            supersedes: None,
            reverses: None,
        };
        f(&mut n);
        self.notes.push(n);
        self
    }
    /// Level `level` logged as done on `on` for the invoices.
    fn done(self, on: NaiveDate, level: u8, invoices: &[&str]) -> Self {
        let invoices = invoices.iter().map(|s| s.to_string()).collect();
        self.note(on, NoteKind::Email, |n| n.completes = Some(Completion { level, invoices }))
    }
    fn promise(self, made: NaiveDate, by: NaiveDate, amount: &str, invoices: &[&str]) -> Self {
        let invoices = invoices.iter().map(|s| s.to_string()).collect();
        self.note(made, NoteKind::Call, |n| {
            n.outcome = Some(CallOutcome::Reached);
            n.promise = Some(Promise { date: by, amount: dec(amount), currency: Currency::USD, invoices });
        })
    }
    /// The first reminder (level 2, a required step) recorded as sent on
    /// d(1) for the invoices, in an internal note (so it is not a contact).
    fn reminded(self, invoices: &[&str]) -> Self {
        let invoices = invoices.iter().map(|s| s.to_string()).collect();
        self.note(d(1), NoteKind::Internal, |n| n.completes = Some(Completion { level: 2, invoices }))
    }
    /// An unallocated payment from C1 (USD): credit on account.
    fn credit(mut self, on: NaiveDate, amount: &str) -> Self {
        let id = self.id();
        self.payments.push(Payment {
            id,
            client_id: "C1".into(),
            date: on,
            amount: dec(amount),
            currency: Currency::USD,
            method: PaymentMethod::BankTransfer,
            reference: String::new(),
            allocations: vec![],
            reverses: None,
        });
        self
    }
    fn event(self, on: NaiveDate, e: AccountEvent) -> Self {
        self.note(on, NoteKind::Internal, |n| n.event = Some(e))
    }
    /// Undoes the latest note.
    fn undo_last(self, on: NaiveDate) -> Self {
        let last = self.notes.last().expect("a note to undo").id;
        self.note(on, NoteKind::Internal, |n| n.reverses = Some(last))
    }
    fn book(&self) -> Book {
        Book::new(self.clients.clone(), self.invoices.clone(), self.payments.clone(), vec![], self.notes.clone())
    }
}

enum Expect {
    /// C1's action: kind, level, invoices, overdue ("600.00 USD", several
    /// currencies joined by ", "), and phrases the why line must hold.
    Act {
        kind: &'static str,
        level: u8,
        invoices: &'static [&'static str],
        overdue: &'static str,
        why: &'static [&'static str],
    },
    /// No action for C1; the first invoice's pause (if given) must contain this.
    Nothing { pause: Option<&'static str> },
}

use Expect::*;

struct Case {
    name: &'static str,
    world: World,
    rules: Option<&'static str>,
    today: NaiveDate,
    expect: Expect,
}

fn case(name: &'static str, world: World, today: NaiveDate, expect: Expect) -> Case {
    Case { name, world, rules: None, today, expect }
}

fn one() -> World {
    World::new().inv("I1", d(0), "1000")
}

/// I1 (1000) on a plan of two halves, due d(0) and d(30); the first paid.
fn plan() -> World {
    one()
        .with_inv("I1", |i| {
            i.plan = vec![Instalment { due: d(0), amount: dec("500") }, Instalment { due: d(30), amount: dec("500") }]
        })
        .paid("I1", d(0), "500")
}

/// I1 (900) on a plan of three 300s due d(0), d(30), d(60); nothing paid.
fn thirds() -> World {
    one().with_inv("I1", |i| {
        i.total = dec("900");
        i.plan = vec![
            Instalment { due: d(0), amount: dec("300") },
            Instalment { due: d(30), amount: dec("300") },
            Instalment { due: d(60), amount: dec("300") },
        ]
    })
}

/// The ladder thresholds and the day before each, with every lower level done.
fn threshold_cases() -> Vec<Case> {
    let levels: [(u8, i64, &str); 6] = [
        (1, -3, "reminder"),
        (2, 1, "reminder"),
        (3, 7, "reminder"),
        (4, 14, "call"),
        (5, 30, "escalation"),
        (6, 60, "escalation"),
    ];
    let names = [
        "",
        "Courtesy reminder",
        "First reminder",
        "Second reminder",
        "Phone call",
        "Letter of demand",
        "Collection agency",
    ];
    let mut out = Vec::new();
    for (level, days, kind) in levels {
        let mut w = one();
        if level > 1 {
            // The previous level done on its own day.
            let prev_days = levels[usize::from(level) - 2].1;
            w = w.done(d(prev_days), level - 1, &["I1"]);
        }
        out.push(case(
            Box::leak(format!("day before L{level} ({days:+})").into_boxed_str()),
            w.clone(),
            d(days - 1),
            Nothing { pause: None },
        ));
        let why: &'static [&'static str] = Box::leak(
            vec![Box::leak(format!("(≥{days}: {})", names[usize::from(level)]).into_boxed_str()) as &str]
                .into_boxed_slice(),
        );
        out.push(case(
            Box::leak(format!("exactly L{level} ({days:+})").into_boxed_str()),
            w,
            d(days),
            Act { kind, level, invoices: &["I1"], overdue: "1000.00 USD", why },
        ));
    }
    out
}

fn cases() -> Vec<Case> {
    let mut v = threshold_cases();
    v.extend([
        case("nothing before the first threshold", one(), d(-4), Nothing { pause: None }),
        case(
            "catch-up: missed days show only the highest level reached (required steps done)",
            one().reminded(&["I1"]),
            d(45),
            Act {
                kind: "escalation",
                level: 5,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["45 days overdue (≥30: Letter of demand)", "no contact logged", "no promise"],
            },
        ),
        case(
            "catch-up after an import: the first reminder comes before the letter of demand",
            one(),
            d(45),
            Act {
                kind: "reminder",
                level: 2,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &[
                    "catching up: no reminder sent yet; 45 days overdue (I1; ≥1: First reminder before Letter of demand)",
                    "no contact logged",
                    "no promise",
                ],
            },
        ),
        case(
            "catch-up after an import: the first reminder comes before the agency",
            one(),
            d(94),
            Act {
                kind: "reminder",
                level: 2,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["catching up: no reminder sent yet; 94 days overdue", "before Collection agency"],
            },
        ),
        case(
            "catch-up: the reminder sent, the letter of demand comes before the agency",
            one().done(d(80), 2, &["I1"]),
            d(94),
            Act {
                kind: "escalation",
                level: 5,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["catching up: no letter of demand sent yet; 94 days overdue", "last contact 14 days ago (email)"],
            },
        ),
        case(
            "catch-up: once the letter of demand is done, the agency",
            one().done(d(80), 2, &["I1"]).done(d(85), 5, &["I1"]),
            d(94),
            Act { kind: "escalation", level: 6, invoices: &["I1"], overdue: "1000.00 USD", why: &["(≥60: Collection agency)"] },
        ),
        case(
            "catch-up: a higher level done counts for the required ones below it",
            one().done(d(31), 5, &["I1"]),
            d(61),
            Act { kind: "escalation", level: 6, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        case(
            "catch-up: no catching up before the first required step is reached",
            one(),
            d(0),
            Act { kind: "reminder", level: 1, invoices: &["I1"], overdue: "1000.00 USD", why: &["due today (≥-3"] },
        ),
        case(
            "catch-up: the second reminder is not required",
            one().reminded(&["I1"]),
            d(20),
            Act { kind: "call", level: 4, invoices: &["I1"], overdue: "1000.00 USD", why: &["(≥14: Phone call)"] },
        ),
        case(
            "a missed action is still there a week later",
            one().done(d(1), 2, &["I1"]),
            d(13),
            Act {
                kind: "reminder",
                level: 3,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["13 days overdue (≥7: Second reminder)"],
            },
        ),
        case("no duplicate after done", one().done(d(31), 5, &["I1"]), d(59), Nothing { pause: None }),
        case(
            "done comes back only at the next threshold",
            one().done(d(31), 5, &["I1"]),
            d(60),
            Act {
                kind: "escalation",
                level: 6,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["(≥60: Collection agency)", "last contact 29 days ago (email)"],
            },
        ),
        case("a higher level done covers the lower ones", one().done(d(2), 4, &["I1"]), d(10), Nothing { pause: None }),
        case(
            "an undone completion no longer counts",
            one().reminded(&["I1"]).done(d(31), 5, &["I1"]).undo_last(d(32)),
            d(40),
            Act { kind: "escalation", level: 5, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        case(
            "an undone completion no longer counts, not even for the required steps",
            one().done(d(31), 5, &["I1"]).undo_last(d(32)),
            d(40),
            Act { kind: "reminder", level: 2, invoices: &["I1"], overdue: "1000.00 USD", why: &["catching up"] },
        ),
        case(
            "a corrected note counts instead of the one it supersedes",
            one().reminded(&["I1"]).done(d(31), 5, &["I1"]).note(d(31), NoteKind::Email, |n| n.supersedes = Some(2)),
            d(40),
            Act {
                kind: "escalation",
                level: 5,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["last contact 9 days ago (email)"],
            },
        ),
        case(
            "a completion dated after today does not count yet",
            one().reminded(&["I1"]).done(d(41), 5, &["I1"]),
            d(40),
            Act { kind: "escalation", level: 5, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        case(
            "partial payment: the open balance is chased",
            one().reminded(&["I1"]).paid("I1", d(5), "400"),
            d(14),
            Act { kind: "call", level: 4, invoices: &["I1"], overdue: "600.00 USD", why: &["14 days overdue"] },
        ),
        case("paid in full: nothing", one().paid("I1", d(5), "1000"), d(40), Nothing { pause: None }),
        case("payment plan kept up: no chasing by the original due date", plan(), d(20), Nothing { pause: None }),
        case(
            "payment plan: a missed instalment climbs from its own due date",
            plan(),
            d(31),
            Act {
                kind: "reminder",
                level: 2,
                invoices: &["I1"],
                overdue: "500.00 USD",
                why: &["I1 1 day overdue (≥1: First reminder)"],
            },
        ),
        case(
            "plan: a promise is judged only against what fell due by its date",
            thirds().reminded(&["I1"]).promise(d(5), d(10), "900", &["I1"]).paid("I1", d(8), "300"),
            d(11),
            Nothing { pause: None },
        ),
        case(
            "plan: a promise is broken when what fell due by its date is not paid",
            thirds().reminded(&["I1"]).promise(d(5), d(10), "900", &["I1"]).paid("I1", d(8), "299"),
            d(11),
            Act { kind: "call", level: 0, invoices: &["I1"], overdue: "1.00 USD", why: &["broken"] },
        ),
        case(
            "not yet issued: nothing",
            World::new().inv("I1", d(40), "1000").with_inv("I1", |i| i.issue_date = d(20)),
            d(10),
            Nothing { pause: None },
        ),
        case(
            "promise pending pauses the invoice",
            one().promise(d(10), d(20), "1000", &["I1"]),
            d(15),
            Nothing { pause: Some("promise to pay 1,000.00 USD by 2026-03-22") },
        ),
        case(
            "promise pending through its date",
            one().promise(d(10), d(20), "1000", &["I1"]),
            d(20),
            Nothing { pause: Some("promise to pay") },
        ),
        case(
            "promise broken: a call the next day",
            one().promise(d(10), d(20), "1000", &["I1"]),
            d(21),
            Act {
                kind: "call",
                level: 0,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &[
                    "promise of 1,000.00 USD by 2026-03-22 broken (made 2026-03-12)",
                    "last contact 11 days ago (call, reached)",
                ],
            },
        ),
        case(
            "broken promise asks for a call whatever the ladder says",
            one().done(d(31), 5, &["I1"]).promise(d(32), d(40), "1000", &["I1"]),
            d(45),
            Act { kind: "call", level: 0, invoices: &["I1"], overdue: "1000.00 USD", why: &["broken"] },
        ),
        case(
            "broken promise stays until followed up",
            one().promise(d(10), d(20), "1000", &["I1"]),
            d(26),
            Act { kind: "call", level: 0, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        case(
            "a call on the promise's own date does not follow up its breaking",
            one().promise(d(10), d(20), "1000", &["I1"]).note(d(20), NoteKind::Call, |_| {}),
            d(21),
            Act {
                kind: "call",
                level: 0,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["last contact yesterday (call)"],
            },
        ),
        case(
            "broken promise followed up by a call: the ladder resumes",
            one().done(d(14), 4, &["I1"]).promise(d(15), d(20), "1000", &["I1"]).note(d(22), NoteKind::Call, |_| {}),
            d(31),
            Act {
                kind: "escalation",
                level: 5,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["last contact 9 days ago (call)", "promise of 1,000.00 USD by 2026-03-22 broken, followed up"],
            },
        ),
        case(
            "broken promise followed up: nothing more until the next threshold",
            one().done(d(14), 4, &["I1"]).promise(d(15), d(20), "1000", &["I1"]).done(d(22), 0, &["I1"]),
            d(29),
            Nothing { pause: None },
        ),
        case(
            "promise kept (the amount paid by its date): the ladder resumes for the rest",
            one().done(d(7), 3, &["I1"]).promise(d(10), d(20), "400", &["I1"]).paid("I1", d(18), "400"),
            d(21),
            Act {
                kind: "call",
                level: 4,
                invoices: &["I1"],
                overdue: "600.00 USD",
                why: &["promise of 400.00 USD by 2026-03-22 kept"],
            },
        ),
        case(
            "promise kept in full: nothing",
            one().promise(d(10), d(20), "1000", &["I1"]).paid("I1", d(19), "1000"),
            d(25),
            Nothing { pause: None },
        ),
        case(
            "promise with no invoices covers the whole account",
            one().inv("I2", d(5), "50").promise(d(10), d(20), "1050", &[]),
            d(15),
            Nothing { pause: Some("promise to pay") },
        ),
        case(
            "promise for one invoice leaves the others on the ladder",
            one().inv("I2", d(0), "50").reminded(&["I2"]).promise(d(10), d(20), "1000", &["I1"]),
            d(15),
            Act { kind: "call", level: 4, invoices: &["I2"], overdue: "50.00 USD", why: &[] },
        ),
        case(
            "an undone promise does not pause",
            one().reminded(&["I1"]).promise(d(10), d(20), "1000", &["I1"]).undo_last(d(10)),
            d(15),
            Act { kind: "call", level: 4, invoices: &["I1"], overdue: "1000.00 USD", why: &["no promise"] },
        ),
        case(
            "disputed invoice leaves the ladder",
            one().with_inv("I1", |i| i.dispute = Some(Dispute { reason: "wrong price".into(), since: d(5) })),
            d(40),
            Nothing { pause: Some("disputed since 2026-03-07: wrong price") },
        ),
        case(
            "resolved dispute: the invoice is back where its dates put it",
            one().with_inv("I1", |i| i.dispute = None).done(d(31), 5, &["I1"]),
            d(61),
            Act { kind: "escalation", level: 6, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        case(
            "excluded invoice gets nothing",
            one().with_inv("I1", |i| i.excluded = true),
            d(40),
            Nothing { pause: Some("excluded from chasing") },
        ),
        case(
            "client on hold gets nothing",
            one().with_client(|c| c.hold = Some(Hold { reason: "in administration".into(), since: d(3) })),
            d(40),
            Nothing { pause: Some("on hold since 2026-03-05: in administration") },
        ),
        case(
            "snoozed client gets nothing before the date",
            one().with_client(|c| c.snoozed_until = Some(d(20))),
            d(19),
            Nothing { pause: Some("snoozed until 2026-03-22") },
        ),
        case(
            "snooze ends on its date",
            one().reminded(&["I1"]).with_client(|c| c.snoozed_until = Some(d(20))),
            d(20),
            Act { kind: "call", level: 4, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        // Payment runs on the 15th; lead 3. I1 due 03-13: the first reminder
        // (natural 03-14) would land a day before the run, so it moves to 03-12.
        case(
            "payment run: the courtesy reminder is not moved (5 days before the run)",
            World::new().inv("I1", date("2026-03-13"), "1000").with_client(|c| c.payment_run_days = vec![15]),
            date("2026-03-11"),
            Act {
                kind: "reminder",
                level: 1,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["due in 2 days (≥-3: Courtesy reminder)"],
            },
        ),
        case(
            "payment run: the first reminder is brought forward to land 3 days before the run",
            World::new().inv("I1", date("2026-03-13"), "1000").with_client(|c| c.payment_run_days = vec![15]),
            date("2026-03-12"),
            Act {
                kind: "reminder",
                level: 2,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["due tomorrow (≥1: First reminder, brought forward for the payment run on 2026-03-15)"],
            },
        ),
        case(
            "payment run: calls are never moved",
            World::new().inv("I1", date("2026-03-01"), "1000").with_client(|c| c.payment_run_days = vec![15]).done(
                date("2026-03-08"),
                3,
                &["I1"],
            ),
            date("2026-03-14"),
            Nothing { pause: None },
        ),
        case(
            "multi-currency client: one action, one amount per currency",
            one().inv_of("C1", "E1", d(0), "200", Currency::EUR).reminded(&["I1", "E1"]),
            d(31),
            Act {
                kind: "escalation",
                level: 5,
                invoices: &["E1", "I1"],
                overdue: "200.00 EUR, 1000.00 USD",
                why: &["E1 (+1 more) 31 days overdue"],
            },
        ),
        case(
            "most severe kind wins; the rest wait their turn",
            one().inv("I2", d(25), "50").reminded(&["I1"]),
            d(31),
            Act {
                kind: "escalation",
                level: 5,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["1 more invoice due at other levels"],
            },
        ),
        case(
            "in credit: not reminded; the list says to apply the credit",
            one().reminded(&["I1"]).credit(d(3), "1000"),
            d(8),
            Act {
                kind: "apply credit",
                level: 3,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["in credit: 1,000.00 USD on account covers what is overdue; apply it (dun apply-credit C1)"],
            },
        ),
        case(
            "in credit: not called either",
            one().reminded(&["I1"]).credit(d(3), "1500"),
            d(20),
            Act { kind: "apply credit", level: 4, invoices: &["I1"], overdue: "1000.00 USD", why: &["in credit"] },
        ),
        case(
            "credit smaller than the overdue amount: chased as usual",
            one().reminded(&["I1"]).credit(d(3), "999.99"),
            d(20),
            Act { kind: "call", level: 4, invoices: &["I1"], overdue: "1000.00 USD", why: &["(≥14: Phone call)"] },
        ),
        case(
            "placed with an agency: no actions",
            one().event(d(70), AccountEvent::PlacedWithAgency { agency: "ARC Collections".into() }),
            d(90),
            Nothing { pause: Some("placed with agency ARC Collections since 2026-05-11") },
        ),
        case(
            "recalled from the agency: the ladder resumes",
            one()
                .reminded(&["I1"])
                .done(d(40), 5, &["I1"])
                .event(d(70), AccountEvent::PlacedWithAgency { agency: "ARC".into() })
                .event(d(80), AccountEvent::Recalled),
            d(90),
            Act { kind: "escalation", level: 6, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        case(
            "an undone placement does not count",
            one().reminded(&["I1"]).event(d(10), AccountEvent::PlacedWithAgency { agency: "ARC".into() }).undo_last(d(11)),
            d(14),
            Act { kind: "call", level: 4, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        case(
            "an internal note is not a contact",
            one().reminded(&["I1"]).note(d(12), NoteKind::Internal, |_| {}),
            d(14),
            Act { kind: "call", level: 4, invoices: &["I1"], overdue: "1000.00 USD", why: &["no contact logged"] },
        ),
    ]);
    // Rules from a file.
    let min_amount = r#"
[[level]]
name = "Reminder"
days = 1
action = "reminder"
[[level]]
name = "Demand"
days = 30
action = "escalation"
min_amount = "1,000.00"
"#;
    let gap = r#"
[[level]]
name = "Reminder"
days = 1
action = "reminder"
[[level]]
name = "Call"
days = 14
action = "call"
min_gap_days = 5
"#;
    let filter_tag = r#"
[filter]
tags = ["key"]
[[level]]
name = "Reminder"
days = 1
action = "reminder"
"#;
    let filter_cur = r#"
[filter]
currencies = ["EUR"]
[[level]]
name = "Reminder"
days = 1
action = "reminder"
"#;
    let over_limit = r#"
[[level]]
name = "Reminder"
days = 1
action = "reminder"
[[level]]
name = "Hold new work"
days = 2
action = "call"
over_limit = true
"#;
    let required = r#"
[[level]]
name = "Notice"
days = 1
action = "reminder"
required = true
[[level]]
name = "Call"
days = 10
action = "call"
"#;
    let ruled = |name, world, rules, today, expect| Case { name, world, rules: Some(rules), today, expect };
    v.extend([
        ruled(
            "min amount: below it, the level is skipped",
            World::new().inv("I1", d(0), "999.99").done(d(1), 1, &["I1"]),
            min_amount,
            d(31),
            Nothing { pause: None },
        ),
        ruled(
            "min amount: reached, the level applies",
            World::new().inv("I1", d(0), "1000").done(d(1), 1, &["I1"]),
            min_amount,
            d(31),
            Act { kind: "escalation", level: 2, invoices: &["I1"], overdue: "1000.00 USD", why: &["(≥30: Demand)"] },
        ),
        ruled(
            "min amount counts every invoice that reached the level",
            World::new().inv("I1", d(0), "600").inv("I2", d(-5), "600").done(d(1), 1, &["I1", "I2"]),
            min_amount,
            d(31),
            Act { kind: "escalation", level: 2, invoices: &["I2", "I1"], overdue: "1200.00 USD", why: &[] },
        ),
        ruled(
            "min gap: too soon after the last contact, the level waits",
            one().done(d(1), 1, &["I1"]).note(d(12), NoteKind::Email, |_| {}),
            gap,
            d(14),
            Nothing { pause: Some("level 2 waits until 2026-03-19") },
        ),
        ruled(
            "min gap: once the gap has passed, the level is due",
            one().done(d(1), 1, &["I1"]).note(d(12), NoteKind::Email, |_| {}),
            gap,
            d(17),
            Act {
                kind: "call",
                level: 2,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["last contact 5 days ago (email)"],
            },
        ),
        ruled(
            "filter: a client without the tag is not chased",
            one(),
            filter_tag,
            d(5),
            Nothing { pause: Some("no tag the rules chase (key)") },
        ),
        ruled(
            "filter: a client with the tag is chased",
            one().with_client(|c| c.tags = vec!["key".into()]),
            filter_tag,
            d(5),
            Act { kind: "reminder", level: 1, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        ruled(
            "over limit: the level applies while the client owes more than its limit",
            one().with_client(|c| c.credit_limit = Some(dec("500"))).done(d(1), 1, &["I1"]),
            over_limit,
            d(5),
            Act { kind: "call", level: 2, invoices: &["I1"], overdue: "1000.00 USD", why: &["(≥2: Hold new work)"] },
        ),
        ruled(
            "over limit: within the limit the level is skipped",
            one().with_client(|c| c.credit_limit = Some(dec("5000"))).done(d(1), 1, &["I1"]),
            over_limit,
            d(5),
            Nothing { pause: None },
        ),
        ruled(
            "over limit: without a limit the level never applies",
            one(),
            over_limit,
            d(5),
            Act { kind: "reminder", level: 1, invoices: &["I1"], overdue: "1000.00 USD", why: &[] },
        ),
        ruled(
            "required in rules.toml: a skipped required level comes first",
            one(),
            required,
            d(12),
            Act {
                kind: "reminder",
                level: 1,
                invoices: &["I1"],
                overdue: "1000.00 USD",
                why: &["catching up: no reminder sent yet; 12 days overdue"],
            },
        ),
        ruled(
            "no required level in rules.toml: the highest level reached, as before",
            one(),
            gap,
            d(20),
            Act { kind: "call", level: 2, invoices: &["I1"], overdue: "1000.00 USD", why: &["(≥14: Call)"] },
        ),
        ruled("filter: by account currency", one(), filter_cur, d(5), Nothing { pause: Some("account currency USD") }),
    ]);
    v
}

fn overdue_text(a: &rules::Action) -> String {
    a.overdue
        .iter()
        .map(|m| format!("{} {}", dun::domain::money::plain_amount(m.amount), m.currency))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn every_rule_in_a_table_of_scenarios() {
    let mut failures = Vec::new();
    for c in cases() {
        let rules = match c.rules {
            Some(text) => file::parse(text).unwrap_or_else(|e| panic!("{}: rules: {e}", c.name)),
            None => Rules::default(),
        };
        let book = c.world.book();
        let list = rules::today(&book, &rules, c.today);
        let mine: Vec<&rules::Action> = list.iter().filter(|a| a.client_id == "C1").collect();
        assert!(mine.len() <= 1, "{}: one action per client", c.name);
        match (&c.expect, mine.first()) {
            (Act { kind, level, invoices, overdue, why }, Some(a)) => {
                let mut bad = Vec::new();
                if a.kind.as_str() != *kind || a.level != *level {
                    bad.push(format!("kind/level {} {} (expected {kind} {level})", a.kind, a.level));
                }
                if a.invoices != *invoices {
                    bad.push(format!("invoices {:?} (expected {invoices:?})", a.invoices));
                }
                if overdue_text(a) != *overdue {
                    bad.push(format!("overdue {} (expected {overdue})", overdue_text(a)));
                }
                for w in *why {
                    if !a.reason.contains(w) {
                        bad.push(format!("why line lacks '{w}'"));
                    }
                }
                if !bad.is_empty() {
                    failures.push(format!("{}: {} [why: {}]", c.name, bad.join("; "), a.reason));
                }
                // The per-client and per-invoice views agree with the list.
                let alone = rules::client_action(&book, &rules, "C1", c.today);
                if alone.as_ref() != Some(*a) {
                    failures.push(format!("{}: client_action differs from today()", c.name));
                }
                for n in &a.invoices {
                    let st = rules::invoice_ladder(&book, &rules, book.invoice(n).unwrap(), c.today);
                    if st.due.as_ref().map(|d| d.level) != Some(a.level) {
                        failures.push(format!("{}: invoice_ladder({n}) due {:?}", c.name, st.due));
                    }
                }
            }
            (Act { .. }, None) => failures.push(format!("{}: expected an action, got none", c.name)),
            (Nothing { pause }, Some(a)) => failures.push(format!(
                "{}: expected nothing (pause {pause:?}), got {} {}: {}",
                c.name, a.kind, a.level, a.reason
            )),
            (Nothing { pause }, None) => {
                if let Some(p) = pause {
                    let inv = &c.world.invoices[0];
                    let st = rules::invoice_ladder(&book, &rules, inv, c.today);
                    let shown = st.pause.as_ref().map(|p| p.to_string()).unwrap_or_default();
                    if !shown.contains(p) {
                        failures.push(format!("{}: pause '{shown}' lacks '{p}'", c.name));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} scenario(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// The default promise amount on a plan is what falls due by the promise
/// date, not the whole balance: (today, promise date, default).
#[test]
fn a_promise_on_a_plan_defaults_to_the_instalments_due_by_its_date() {
    let book = thirds().paid("I1", d(1), "300").book();
    for (today, by, want) in [(d(5), d(10), "0.00"), (d(31), d(35), "300.00"), (d(31), d(61), "600.00")] {
        let m = dun::command::promise_default_amount_by(&book, "C1", &["I1".into()], today, by).unwrap();
        assert_eq!(dun::domain::money::plain_amount(m.amount), want, "today {today}, by {by}");
    }
    // Without a plan: the overdue balance, as before.
    let book = one().book();
    let m = dun::command::promise_default_amount_by(&book, "C1", &[], d(5), d(10)).unwrap();
    assert_eq!(m.amount, dec("1000"));
}

#[test]
fn invoice_ladder_reports_reached_done_due_and_next() {
    let w = one().done(d(2), 2, &["I1"]);
    let book = w.book();
    let st = rules::invoice_ladder(&book, &Rules::default(), book.invoice("I1").unwrap(), d(8));
    assert_eq!(st.reached, Some(3));
    assert_eq!(st.done, Some(2));
    assert_eq!(st.due.as_ref().map(|d| (d.level, d.kind.as_str())), Some((3, "reminder")));
    assert_eq!(st.next.map(|n| (n.level, n.date)), Some((4, d(14))));
    assert_eq!(st.days_overdue, 8);
    let paid = one().paid("I1", d(1), "1000").book();
    let st = rules::invoice_ladder(&paid, &Rules::default(), paid.invoice("I1").unwrap(), d(8));
    assert_eq!(st.pause, Some(rules::Pause::Settled));
    assert!(st.due.is_none());
    // Held back by a minimum amount: reported, not silently dropped.
    let r = file::parse("[[level]]\nname = \"A\"\ndays = 1\naction = \"call\"\nmin_amount = 5000\n").unwrap();
    let st = rules::invoice_ladder(&book, &r, book.invoice("I1").unwrap(), d(8));
    assert_eq!((st.reached, st.below_minimum), (None, Some(1)));
}

/// A book of several clients with different severities, amounts and ages.
fn crowd() -> World {
    let mut w = World::new()
        .client("C2", Currency::USD)
        .client("C3", Currency::EUR)
        .client("C4", Currency::USD)
        .client("C5", Currency::USD)
        .client("C6", Currency::USD);
    w = w.inv("I1", d(-31), "100"); // C1 escalation, small
    w = w.inv_of("C2", "I2", d(-40), "50000", Currency::USD); // escalation, large
    w = w.inv_of("C3", "I3", d(-15), "9000", Currency::EUR); // call
    w = w.inv_of("C4", "I4", d(-2), "100000", Currency::USD); // reminder, huge
    w = w.inv_of("C5", "I5", d(-31), "100", Currency::USD); // same as C1: tie
    w = w.inv_of("C6", "I6", d(-15), "9000", Currency::USD); // same score as C3
    w
}

#[test]
fn priority_order_is_documented_and_deterministic() {
    let w = crowd();
    // Without required steps, so each client's level is the one its age
    // reaches (the crowd has no history to catch up on).
    let mut rules = Rules::default();
    rules.levels.iter_mut().for_each(|l| l.required = false);
    let list = rules::today(&w.book(), &rules, d(0));
    let order: Vec<&str> = list.iter().map(|a| a.client_id.as_str()).collect();
    assert_eq!(order, vec!["C2", "C1", "C5", "C3", "C6", "C4"]);
    // 20 000 + 50 000/100 + 10 × 40
    assert_eq!(list[0].score, Decimal::from(20_900));
    // Same book, clients and invoices in reverse order: the same list.
    let mut r = w.clone();
    r.clients.reverse();
    r.invoices.reverse();
    assert_eq!(rules::today(&r.book(), &rules, d(0)), list);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arb_world() -> impl Strategy<Value = World> {
        proptest::collection::vec((0u8..6, -40i64..120, 1u32..50_000, 0u8..4, any::<bool>()), 1..30).prop_map(|rows| {
            let mut w = World::new();
            for k in 2..=6 {
                w = w.client(&format!("C{k}"), if k % 3 == 0 { Currency::EUR } else { Currency::USD });
            }
            for (i, (c, due, amount, done, paid)) in rows.into_iter().enumerate() {
                let cid = format!("C{}", c + 1);
                let cur = w.clients.iter().find(|x| x.id == cid).unwrap().currency;
                let num = format!("N{i:03}");
                w = w.inv_of(&cid, &num, d(-due), &amount.to_string(), cur);
                if paid {
                    w = w.paid(&num, d(-due + 3), &(amount / 2).to_string());
                }
                if done > 0 {
                    let id = w.id();
                    w.notes.push(Note {
                        id,
                        client_id: cid.clone(),
                        at: DateTime::<Utc>::from_naive_utc_and_offset(d(-1).and_hms_opt(9, 0, 0).unwrap(), Utc),
                        date: d(-1),
                        author: "p".into(),
                        kind: NoteKind::Email,
                        outcome: None,
                        text: String::new(),
                        promise: None,
                        next_follow_up: None,
                        completes: Some(Completion { level: done + 1, invoices: vec![num.clone()] }),
                        event: None,
                        supersedes: None,
                        reverses: None,
                    });
                }
            }
            w
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_list_is_sorted_unique_and_independent_of_record_order(w in arb_world()) {
            let rules = Rules::default();
            let list = rules::today(&w.book(), &rules, d(0));
            for pair in list.windows(2) {
                prop_assert!(pair[0].score >= pair[1].score);
            }
            let mut ids: Vec<&str> = list.iter().map(|a| a.client_id.as_str()).collect();
            ids.sort();
            ids.dedup();
            prop_assert_eq!(ids.len(), list.len());
            for a in &list {
                // Every covered invoice is due at the action's level, and is open.
                for n in &a.invoices {
                    let book = w.book();
                    let st = rules::invoice_ladder(&book, &rules, book.invoice(n).unwrap(), d(0));
                    prop_assert_eq!(st.due.map(|x| x.level), Some(a.level));
                    prop_assert!(st.open > Decimal::ZERO);
                }
            }
            let mut r = w.clone();
            r.clients.reverse();
            r.invoices.reverse();
            r.payments.reverse();
            prop_assert_eq!(rules::today(&r.book(), &rules, d(0)), list);
        }

        /// Marking an action done never brings the same invoices back at the
        /// same level, that day or any later day before their next threshold.
        #[test]
        fn done_actions_never_come_back(w in arb_world(), later in 0u64..10) {
            let rules = Rules::default();
            let mut book = w.book();
            let list = rules::today(&book, &rules, d(0));
            let mut ids = dun::store::IdAlloc::starting_at(10_000);
            let stamp = dun::command::Stamp { date: d(0), at: DateTime::<Utc>::from_naive_utc_and_offset(d(0).and_hms_opt(9, 0, 0).unwrap(), Utc), author: "p".into() };
            for a in &list {
                let note = dun::command::NoteInput::new(NoteKind::Email, "done");
                let done = dun::command::Command::MarkDone { client: a.client_id.clone(), kind: None, note, only: vec![] };
                let policy = dun::command::Policy { rules: rules.clone(), fees: None };
                let built = dun::command::build(&book, &policy, &stamp, &mut ids, done).unwrap();
                for n in built.batch.notes { book.add_note(n); }
                if let Some(next) = rules::client_action(&book, &rules, &a.client_id, d(0)) {
                    prop_assert!(next.level != a.level || next.invoices.iter().all(|n| !a.invoices.contains(n)),
                        "{} came back: {:?} then {:?}", a.client_id, a, next);
                }
            }
            let day = d(later as i64);
            for st in rules::book_ladders(&book, &rules, day) {
                if let (Some(due), Some(done)) = (&st.due, st.done) {
                    prop_assert!(due.level > done || due.level == 0, "{} due {} after {} done", st.invoice, due.level, done);
                }
            }
        }
    }
}

#[test]
fn book_ladders_agree_with_invoice_ladder() {
    let w = crowd().inv("I7", d(3), "10").with_inv("I7", |i| i.excluded = true);
    let book = w.book();
    let rules = Rules::default();
    let all = rules::book_ladders(&book, &rules, d(0));
    assert_eq!(all.len(), book.invoices().len());
    for st in &all {
        assert_eq!(st, &rules::invoice_ladder(&book, &rules, book.invoice(&st.invoice).unwrap(), d(0)));
    }
    assert!(all.iter().any(|st| st.pause == Some(rules::Pause::Excluded)));
}
