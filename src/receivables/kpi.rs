//! Key figures of the book on a date, per currency, and each client's
//! payment habit.
//!
//! - **DSO** (days sales outstanding), over a period of N days ending on the
//!   date: DSO = open receivables on the date ÷ invoiced in the period × N.
//!   "Invoiced" is the total of invoices issued in the period. No DSO when
//!   nothing was invoiced in the period.
//! - **Overdue**: the open amount past its due date (each instalment's own
//!   date under a plan), and the parts more than 60 and more than 90 days
//!   past due, with their share of the open balance in percent.
//! - **Collected**: payments received in the period, whether allocated or
//!   left as credit (a reversed payment counts against its period).
//! - **Days to pay**: for each invoice fully paid by the date, the days from
//!   its invoice date to the payment that settled it; a client's average
//!   over all of them. An open invoice is expected on its invoice date + that
//!   average (rounded to whole days).

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::balance::invoice_state;
use super::plan::split_open;
use crate::domain::{Book, Currency, Invoice, InvoiceStatus};

/// Days from `from` to `to`, both inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The `days` days ending on `to` (at least one).
    pub fn ending(to: NaiveDate, days: u32) -> Period {
        let back = u64::from(days.max(1) - 1);
        Period { from: to.checked_sub_days(Days::new(back)).unwrap_or(NaiveDate::MIN), to }
    }
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyKpis {
    pub currency: Currency,
    pub open: Decimal,
    pub overdue: Decimal,
    pub over_60: Decimal,
    pub over_90: Decimal,
    /// Percent of `open`, one decimal; None when nothing is open.
    pub share_over_60: Option<Decimal>,
    pub share_over_90: Option<Decimal>,
    /// Invoiced in the period.
    pub invoiced: Decimal,
    /// Days, one decimal; None when nothing was invoiced in the period.
    pub dso: Option<Decimal>,
    pub collected: Decimal,
}

fn one_dp(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
}

fn slot(by: &mut BTreeMap<Currency, CurrencyKpis>, c: Currency) -> &mut CurrencyKpis {
    by.entry(c).or_insert_with(|| CurrencyKpis {
        currency: c,
        open: Decimal::ZERO,
        overdue: Decimal::ZERO,
        over_60: Decimal::ZERO,
        over_90: Decimal::ZERO,
        share_over_60: None,
        share_over_90: None,
        invoiced: Decimal::ZERO,
        dso: None,
        collected: Decimal::ZERO,
    })
}

/// The book's key figures as of `as_of`, over `period` for DSO and
/// collections, one entry per currency in currency order.
pub fn book_kpis(book: &Book, as_of: NaiveDate, period: Period) -> Vec<CurrencyKpis> {
    let mut by: BTreeMap<Currency, CurrencyKpis> = BTreeMap::new();
    for inv in book.invoices() {
        if inv.issue_date > as_of {
            continue;
        }
        let open = invoice_state(book, inv, as_of).open();
        let in_period = period.contains(inv.issue_date);
        if open.is_zero() && !in_period {
            continue;
        }
        let k = slot(&mut by, inv.currency);
        if in_period {
            k.invoiced += inv.total;
        }
        k.open += open;
        if open > Decimal::ZERO {
            for p in split_open(inv, open) {
                let days = (as_of - p.due).num_days();
                if days > 0 {
                    k.overdue += p.open;
                }
                if days > 60 {
                    k.over_60 += p.open;
                }
                if days > 90 {
                    k.over_90 += p.open;
                }
            }
        }
    }
    for p in book.payments() {
        if period.contains(p.date) && p.date <= as_of {
            slot(&mut by, p.currency).collected += p.amount;
        }
    }
    let days = Decimal::from(period.days());
    by.into_values()
        .map(|mut k| {
            if k.open > Decimal::ZERO {
                k.share_over_60 = Some(one_dp(k.over_60 * Decimal::ONE_HUNDRED / k.open));
                k.share_over_90 = Some(one_dp(k.over_90 * Decimal::ONE_HUNDRED / k.open));
            }
            if k.invoiced > Decimal::ZERO {
                k.dso = Some(one_dp(k.open / k.invoiced * days));
            }
            k
        })
        .collect()
}

/// How a client has paid so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayHistory {
    /// Invoices fully paid by the date.
    pub paid_invoices: u32,
    /// Mean days from invoice date to settling payment, one decimal.
    pub avg_days_to_pay: Option<Decimal>,
}

/// Days from invoice date to the payment that settled it, if `inv` was
/// fully paid by `as_of`.
pub fn days_to_pay(book: &Book, inv: &Invoice, as_of: NaiveDate) -> Option<i64> {
    if inv.issue_date > as_of {
        return None;
    }
    let st = invoice_state(book, inv, as_of);
    match (st.status(), st.last_payment) {
        (InvoiceStatus::Paid, Some(paid)) if st.paid > Decimal::ZERO => Some((paid - inv.issue_date).num_days()),
        _ => None,
    }
}

/// A client's payment history up to `as_of`.
pub fn pay_history(book: &Book, client_id: &str, as_of: NaiveDate) -> PayHistory {
    let (mut n, mut sum) = (0u32, 0i64);
    for inv in book.client_invoices(client_id) {
        if let Some(days) = days_to_pay(book, inv, as_of) {
            n += 1;
            sum += days;
        }
    }
    PayHistory { paid_invoices: n, avg_days_to_pay: (n > 0).then(|| one_dp(Decimal::from(sum) / Decimal::from(n))) }
}

/// When an open invoice can be expected, from its client's habit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    /// Invoice date + the client's average days to pay.
    pub expected: NaiveDate,
    /// The expected date has already passed: later than this client usually pays.
    pub late_on_habit: bool,
}

pub fn forecast(history: &PayHistory, inv: &Invoice, as_of: NaiveDate) -> Option<Forecast> {
    let avg = history.avg_days_to_pay?;
    let days: i64 = avg.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).try_into().ok()?;
    let expected = inv.issue_date.checked_add_days(Days::new(u64::try_from(days.max(0)).ok()?))?;
    Some(Forecast { expected, late_on_habit: expected < as_of })
}

/// One client's habit and what it predicts for its open invoices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKpis {
    pub client_id: String,
    pub client_name: String,
    pub history: PayHistory,
    pub open_invoices: u32,
    /// Open invoices whose expected date has passed.
    pub late_on_habit: u32,
    /// The earliest expected date, on or after `as_of`, among open invoices.
    pub next_expected: Option<NaiveDate>,
}

/// Per-client figures for every client with history or open invoices.
pub fn client_kpis(book: &Book, as_of: NaiveDate) -> Vec<ClientKpis> {
    let mut out = Vec::new();
    for c in book.clients() {
        let history = pay_history(book, &c.id, as_of);
        let (mut open_n, mut late_n, mut next) = (0u32, 0u32, None::<NaiveDate>);
        for inv in book.client_invoices(&c.id) {
            if inv.issue_date > as_of || invoice_state(book, inv, as_of).open().is_zero() {
                continue;
            }
            open_n += 1;
            if let Some(f) = forecast(&history, inv, as_of) {
                if f.late_on_habit {
                    late_n += 1;
                } else {
                    next = Some(next.map_or(f.expected, |n| n.min(f.expected)));
                }
            }
        }
        if history.paid_invoices == 0 && open_n == 0 {
            continue;
        }
        out.push(ClientKpis {
            client_id: c.id.clone(),
            client_name: c.name.clone(),
            history,
            open_invoices: open_n,
            late_on_habit: late_n,
            next_expected: next,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn pay(id: u64, date: &str, inv: &str, amt: &str) -> Payment {
        Payment {
            id,
            client_id: "C1".into(),
            date: d(date),
            amount: dec(amt),
            currency: Currency::USD,
            method: PaymentMethod::BankTransfer,
            reference: String::new(),
            allocations: if inv.is_empty() {
                vec![]
            } else {
                vec![Allocation { invoice: inv.into(), amount: dec(amt) }]
            },
            reverses: None,
        }
    }

    /// docs/aging.md, "Key figures", as of 2026-06-30 over the 90 days
    /// from 2026-04-02:
    /// I1 1,000 issued 03-01 due 03-31, paid 04-10 (40 days to pay)
    /// I2 2,000 issued 04-15 due 05-15, paid 06-04 (50 days to pay)
    /// I3 3,000 issued 03-15 due 03-31: open, 91 days past due
    /// I4 1,500 issued 04-20 due 04-30: open, 61 days past due
    /// I5 4,500 issued 06-10 due 07-10: open, not yet due
    /// plus 250 received 06-20 and left as credit.
    fn book() -> Book {
        let inv = |n: &str, issued: &str, due: &str, amt: &str| {
            Invoice::new(n, "C1", d(issued), d(due), Money::new(dec(amt), Currency::USD))
        };
        Book::new(
            vec![Client::new("C1", "Acme", Currency::USD)],
            vec![
                inv("I1", "2026-03-01", "2026-03-31", "1000"),
                inv("I2", "2026-04-15", "2026-05-15", "2000"),
                inv("I3", "2026-03-15", "2026-03-31", "3000"),
                inv("I4", "2026-04-20", "2026-04-30", "1500"),
                inv("I5", "2026-06-10", "2026-07-10", "4500"),
            ],
            vec![
                pay(1, "2026-04-10", "I1", "1000"),
                pay(2, "2026-06-04", "I2", "2000"),
                pay(3, "2026-06-20", "", "250"),
            ],
            vec![],
            vec![],
        )
    }

    #[test]
    fn worked_example_book_figures() {
        let b = book();
        let as_of = d("2026-06-30");
        let period = Period::ending(as_of, 90);
        assert_eq!((period.from, period.days()), (d("2026-04-02"), 90));
        let k = &book_kpis(&b, as_of, period)[0];
        assert_eq!(k.open, dec("9000"));
        assert_eq!(k.overdue, dec("4500"));
        assert_eq!((k.over_60, k.over_90), (dec("4500"), dec("3000")));
        assert_eq!((k.share_over_60, k.share_over_90), (Some(dec("50.0")), Some(dec("33.3"))));
        // Invoiced in the period: I2 + I4 + I5 = 8,000. DSO = 9,000 ÷ 8,000 × 90 = 101.25 → 101.3
        assert_eq!((k.invoiced, k.dso), (dec("8000"), Some(dec("101.3"))));
        // Collected: 1,000 (04-10) + 2,000 (06-04) + 250 (06-20, left as credit).
        assert_eq!(k.collected, dec("3250"));
    }

    #[test]
    fn worked_example_client_habit() {
        let b = book();
        let as_of = d("2026-06-30");
        let h = pay_history(&b, "C1", as_of);
        assert_eq!(h, PayHistory { paid_invoices: 2, avg_days_to_pay: Some(dec("45.0")) });
        let i5 = b.invoice("I5").unwrap();
        assert_eq!(forecast(&h, i5, as_of), Some(Forecast { expected: d("2026-07-25"), late_on_habit: false }));
        let i3 = b.invoice("I3").unwrap();
        assert!(forecast(&h, i3, as_of).unwrap().late_on_habit, "expected 2026-04-29");
        let c = &client_kpis(&b, as_of)[0];
        assert_eq!((c.open_invoices, c.late_on_habit, c.next_expected), (3, 2, Some(d("2026-07-25"))));
        // Before I2 was paid only I1 counts.
        assert_eq!(pay_history(&b, "C1", d("2026-06-03")).avg_days_to_pay, Some(dec("40.0")));
    }

    #[test]
    fn no_dso_without_sales_and_no_history_without_payments() {
        let b = book();
        let k = &book_kpis(&b, d("2026-12-31"), Period::ending(d("2026-12-31"), 30))[0];
        assert_eq!(k.dso, None);
        assert_eq!(pay_history(&b, "C1", d("2026-04-09")), PayHistory::default());
    }
}
