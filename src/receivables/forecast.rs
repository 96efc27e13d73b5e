//! Expected cash-in by week: what the book can be expected to bring in over
//! the next weeks, from three sources, and what is owed with nothing
//! expected, apart.
//!
//! - **Promised**: a pending promise (dated today or later, not undone or
//!   corrected) counts its amount in the week of its date. The invoices it
//!   names (or, for a promise on the account, the client's overdue invoices
//!   in its currency) are not counted again below.
//! - **Planned**: an instalment of a payment plan falling due from today on
//!   counts what is open of it in the week it falls due.
//! - **Habit**: any other invoice not yet due is expected when its client
//!   usually pays (invoice date + the client's average days to pay, see
//!   `kpi::pay_history`), never before its due date when the client has no
//!   history, and not before today.
//! - **Overdue and unpromised**: past due (an invoice, or an instalment),
//!   with no pending promise. Shown apart: nothing says when it comes.
//!
//! Everything is per currency; nothing is converted. Week `i` runs from
//! `today + 7i` to `today + 7i + 6`. What falls after the last week is
//! summed as `later`.

use std::collections::{BTreeMap, HashSet};

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::balance::open_balance;
use super::kpi::{forecast as habit_date, pay_history};
use super::plan::open_parts;
use crate::domain::{Book, Currency};

/// What one week is expected to bring in, in one currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flows {
    pub promised: Decimal,
    pub planned: Decimal,
    pub habit: Decimal,
}

impl Flows {
    pub fn total(&self) -> Decimal {
        self.promised + self.planned + self.habit
    }
}

/// One week of the forecast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Week {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub by_currency: BTreeMap<Currency, Flows>,
}

/// The forecast from `today`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CashForecast {
    pub today: NaiveDate,
    pub weeks: Vec<Week>,
    /// Expected after the last week.
    pub later: BTreeMap<Currency, Flows>,
    /// Past due with no pending promise.
    pub overdue_unpromised: BTreeMap<Currency, Decimal>,
}

impl CashForecast {
    /// Every currency that appears anywhere in the forecast.
    pub fn currencies(&self) -> Vec<Currency> {
        let mut c: Vec<Currency> = self
            .weeks
            .iter()
            .flat_map(|w| w.by_currency.keys())
            .chain(self.later.keys())
            .chain(self.overdue_unpromised.keys())
            .copied()
            .collect();
        c.sort();
        c.dedup();
        c
    }
}

/// The week a date falls in (None: after the last; dates before today
/// count in the first week).
fn week_of(today: NaiveDate, d: NaiveDate, weeks: usize) -> Option<usize> {
    let i = usize::try_from((d - today).num_days().max(0) / 7).ok()?;
    (i < weeks).then_some(i)
}

/// Cash expected in each of `weeks` weeks from `today`, and what is overdue
/// with nothing promised.
pub fn cash_in(book: &Book, today: NaiveDate, weeks: usize) -> CashForecast {
    let mut out = CashForecast {
        today,
        weeks: (0..weeks)
            .map(|i| {
                let start = today.checked_add_days(Days::new(7 * i as u64)).unwrap_or(today);
                Week { start, end: start.checked_add_days(Days::new(6)).unwrap_or(start), by_currency: BTreeMap::new() }
            })
            .collect(),
        later: BTreeMap::new(),
        overdue_unpromised: BTreeMap::new(),
    };
    let mut add = |cur: Currency, d: NaiveDate, f: &dyn Fn(&mut Flows)| {
        let slot = match week_of(today, d, weeks) {
            Some(i) => out.weeks[i].by_currency.entry(cur).or_default(),
            None => out.later.entry(cur).or_default(),
        };
        f(slot);
    };
    let mut overdue: BTreeMap<Currency, Decimal> = BTreeMap::new();
    for client in book.clients() {
        // Pending promises: dated on or before today, due today or later,
        // neither undone nor corrected since.
        let notes: Vec<_> = book.client_notes(&client.id).filter(|n| n.date <= today).collect();
        let replaced: HashSet<u64> = notes.iter().flat_map(|n| n.reverses.into_iter().chain(n.supersedes)).collect();
        let pending: Vec<_> = notes
            .iter()
            .filter(|n| n.reverses.is_none() && !replaced.contains(&n.id))
            .filter_map(|n| n.promise.as_ref())
            .filter(|p| p.date >= today && p.amount > Decimal::ZERO)
            .collect();
        let mut covered: HashSet<&str> = HashSet::new();
        let mut account_promise: HashSet<Currency> = HashSet::new();
        for p in &pending {
            let amount = p.amount;
            add(p.currency, p.date, &|f| f.promised += amount);
            if p.invoices.is_empty() {
                account_promise.insert(p.currency);
            }
            covered.extend(p.invoices.iter().map(String::as_str));
        }
        let history = pay_history(book, &client.id, today);
        for inv in book.client_invoices(&client.id) {
            if inv.issue_date > today || covered.contains(inv.number.as_str()) {
                continue;
            }
            let open = open_balance(book, inv, today);
            if open <= Decimal::ZERO {
                continue;
            }
            let cur = inv.currency;
            for part in open_parts(book, inv, today).into_iter().filter(|p| p.open > Decimal::ZERO) {
                let amount = part.open;
                if part.due < today {
                    if !account_promise.contains(&cur) {
                        *overdue.entry(cur).or_default() += amount;
                    }
                } else if part.instalment {
                    add(cur, part.due, &|f| f.planned += amount);
                } else {
                    let expected = habit_date(&history, inv, today).map_or(part.due, |h| h.expected).max(today);
                    add(cur, expected, &|f| f.habit += amount);
                }
            }
        }
    }
    out.overdue_unpromised = overdue;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Client, Instalment, Invoice, Money, Note, NoteKind, Payment, PaymentMethod, Promise};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn client(id: &str) -> Client {
        Client::new(id, id, Currency::EUR)
    }

    fn invoice(number: &str, client: &str, issued: &str, due: &str, total: i64) -> Invoice {
        Invoice::new(number, client, d(issued), d(due), Money::new(Decimal::from(total), Currency::EUR))
    }

    fn note(id: u64, client: &str, on: &str, kind: NoteKind, text: &str) -> Note {
        Note::new(id, client, chrono::DateTime::UNIX_EPOCH, d(on), "sam", kind, text)
    }

    fn promise_note(id: u64, client: &str, on: &str, by: &str, amount: i64, invoices: &[&str]) -> Note {
        let mut n = note(id, client, on, NoteKind::Call, "will pay");
        n.promise = Some(Promise {
            date: d(by),
            amount: Decimal::from(amount),
            currency: Currency::EUR,
            invoices: invoices.iter().map(|s| s.to_string()).collect(),
        });
        n
    }

    const TODAY: &str = "2026-11-25";

    fn eur(f: &CashForecast, week: usize) -> Flows {
        f.weeks[week].by_currency.get(&Currency::EUR).copied().unwrap_or_default()
    }

    #[test]
    fn a_promise_counts_in_its_week_and_its_invoice_is_not_overdue() {
        let book = Book::new(
            vec![client("A")],
            vec![invoice("I1", "A", "2026-09-01", "2026-10-01", 500)],
            vec![],
            vec![],
            vec![promise_note(1, "A", "2026-11-20", "2026-12-04", 500, &["I1"])],
        );
        let f = cash_in(&book, d(TODAY), 8);
        assert_eq!(f.weeks.len(), 8);
        assert_eq!(f.weeks[1].start, d("2026-12-02"));
        assert_eq!(eur(&f, 1).promised, Decimal::from(500));
        assert!(f.overdue_unpromised.is_empty());
    }

    #[test]
    fn a_broken_or_undone_promise_leaves_the_invoice_overdue_and_unpromised() {
        let mut undo = note(3, "A", "2026-11-21", NoteKind::Internal, "undo");
        undo.reverses = Some(2);
        let book = Book::new(
            vec![client("A")],
            vec![
                invoice("I1", "A", "2026-09-01", "2026-10-01", 500),
                invoice("I2", "A", "2026-09-01", "2026-10-01", 70),
            ],
            vec![],
            vec![],
            vec![
                promise_note(1, "A", "2026-11-01", "2026-11-10", 500, &["I1"]),
                promise_note(2, "A", "2026-11-20", "2026-12-04", 70, &["I2"]),
                undo,
            ],
        );
        let f = cash_in(&book, d(TODAY), 8);
        assert_eq!(f.overdue_unpromised.get(&Currency::EUR), Some(&Decimal::from(570)));
        assert!(f.weeks.iter().all(|w| w.by_currency.is_empty()));
    }

    #[test]
    fn instalments_count_when_they_fall_due_and_missed_ones_are_overdue() {
        let mut inv = invoice("I1", "A", "2026-10-01", "2026-10-31", 300);
        inv.plan = vec![
            Instalment { due: d("2026-11-15"), amount: Decimal::from(100) },
            Instalment { due: d("2026-12-10"), amount: Decimal::from(100) },
            Instalment { due: d("2027-03-01"), amount: Decimal::from(100) },
        ];
        let book = Book::new(vec![client("A")], vec![inv], vec![], vec![], vec![]);
        let f = cash_in(&book, d(TODAY), 8);
        assert_eq!(eur(&f, 2).planned, Decimal::from(100), "2026-12-10 is in the third week");
        assert_eq!(f.later.get(&Currency::EUR).map(|x| x.planned), Some(Decimal::from(100)));
        assert_eq!(f.overdue_unpromised.get(&Currency::EUR), Some(&Decimal::from(100)));
    }

    #[test]
    fn an_invoice_not_yet_due_is_expected_when_its_client_usually_pays() {
        // The client took 40 days to pay an earlier invoice.
        let paid = invoice("I0", "A", "2026-08-01", "2026-08-31", 200);
        let open = invoice("I1", "A", "2026-11-20", "2026-12-20", 1000);
        let pay = Payment {
            id: 1,
            client_id: "A".into(),
            date: d("2026-09-10"),
            amount: Decimal::from(200),
            currency: Currency::EUR,
            method: PaymentMethod::BankTransfer,
            reference: String::new(),
            allocations: vec![crate::domain::Allocation { invoice: "I0".into(), amount: Decimal::from(200) }],
            reverses: None,
        };
        // Another client, no history: expected on the due date.
        let other = invoice("J1", "B", "2026-11-20", "2026-11-27", 50);
        let book = Book::new(vec![client("A"), client("B")], vec![paid, open, other], vec![pay], vec![], vec![]);
        let f = cash_in(&book, d(TODAY), 8);
        // 2026-11-20 + 40 days = 2026-12-30: the sixth week (from 12-30).
        assert_eq!(f.weeks[5].start, d("2026-12-30"));
        assert_eq!(eur(&f, 5).habit, Decimal::from(1000));
        assert_eq!(eur(&f, 0).habit, Decimal::from(50));
        let total: Decimal = f.weeks.iter().map(|w| eur_of(w).total()).sum();
        assert_eq!(total, Decimal::from(1050));
    }

    fn eur_of(w: &Week) -> Flows {
        w.by_currency.get(&Currency::EUR).copied().unwrap_or_default()
    }

    #[test]
    fn a_promise_on_the_account_covers_the_overdue_invoices_of_its_currency() {
        let book = Book::new(
            vec![client("A")],
            vec![
                invoice("I1", "A", "2026-09-01", "2026-10-01", 500),
                invoice("I2", "A", "2026-11-20", "2026-12-20", 80),
            ],
            vec![],
            vec![],
            vec![promise_note(1, "A", "2026-11-24", "2026-11-27", 400, &[])],
        );
        let f = cash_in(&book, d(TODAY), 8);
        assert_eq!(eur(&f, 0).promised, Decimal::from(400));
        assert!(f.overdue_unpromised.is_empty(), "{:?}", f.overdue_unpromised);
        assert_eq!(eur(&f, 3).habit, Decimal::from(80), "not yet due: expected on its due date");
    }
}
