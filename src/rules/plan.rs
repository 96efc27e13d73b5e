//! Where a payment plan puts an invoice on the ladder. An invoice on a plan
//! is chased by its earliest instalment that is not yet covered, not by the
//! invoice's own due date: a client keeping to an agreed plan is not chased,
//! and one who misses an instalment climbs the ladder from that
//! instalment's due date.
//!
//! If the receivables module grows an equivalent (plan aging), this should
//! call it instead.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{Book, Invoice};
use crate::receivables::{invoice_state, InvoiceState};

/// The due date the ladder counts from, and the amount it chases, for an
/// invoice with `open` balance on `today`. Without a plan: the due date and
/// the open balance. With one: the instalments are covered in due-date
/// order by what was paid, credited and written off; the ladder counts from
/// the first instalment not fully covered, and chases what is due up to
/// today (at least that instalment's remainder), never more than `open`.
pub fn ladder_terms(book: &Book, inv: &Invoice, open: Decimal, today: NaiveDate) -> (NaiveDate, Decimal) {
    if inv.plan.is_empty() {
        return (inv.due_date, open);
    }
    ladder_terms_in(inv, &invoice_state(book, inv, today), open, today)
}

/// [`ladder_terms`] for a caller that has the invoice's state on `today`.
pub fn ladder_terms_in(inv: &Invoice, st: &InvoiceState, open: Decimal, today: NaiveDate) -> (NaiveDate, Decimal) {
    if inv.plan.is_empty() {
        return (inv.due_date, open);
    }
    let settled = st.paid + st.credited + st.written_off;
    let mut plan: Vec<_> = inv.plan.iter().collect();
    plan.sort_by_key(|i| i.due);
    let mut cum = Decimal::ZERO;
    let mut first_unpaid = None;
    let mut due_by_now = Decimal::ZERO;
    for i in plan {
        cum += i.amount;
        if first_unpaid.is_none() && cum > settled {
            first_unpaid = Some((i.due, cum));
        }
        if i.due <= today {
            due_by_now = cum;
        }
    }
    match first_unpaid {
        Some((due, cum_first)) => (due, (due_by_now.max(cum_first) - settled).min(open).max(Decimal::ZERO)),
        // Every instalment is covered; what is left (fees) is due with the last.
        None => (inv.plan.iter().map(|i| i.due).max().unwrap_or(inv.due_date), open),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Allocation, Client, Currency, Instalment, Money, Payment, PaymentMethod};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_first_uncovered_instalment_sets_the_date() {
        let mut inv =
            Invoice::new("I1", "C1", d("2026-01-01"), d("2026-01-31"), Money::new(Decimal::from(300), Currency::USD));
        inv.plan = vec![
            Instalment { due: d("2026-03-31"), amount: Decimal::from(100) },
            Instalment { due: d("2026-01-31"), amount: Decimal::from(100) },
            Instalment { due: d("2026-02-28"), amount: Decimal::from(100) },
        ];
        let pay = Payment {
            id: 1,
            client_id: "C1".into(),
            date: d("2026-01-30"),
            amount: Decimal::from(120),
            currency: Currency::USD,
            method: PaymentMethod::Cash,
            reference: String::new(),
            allocations: vec![Allocation { invoice: "I1".into(), amount: Decimal::from(120) }],
            reverses: None,
        };
        let book = Book::new(vec![Client::new("C1", "A", Currency::USD)], vec![inv.clone()], vec![pay], vec![], vec![]);
        // 120 paid: January's instalment covered, February's has 80 left.
        assert_eq!(
            ladder_terms(&book, &inv, Decimal::from(180), d("2026-02-10")),
            (d("2026-02-28"), Decimal::from(80))
        );
        // In April both February's remainder and March's are due.
        assert_eq!(
            ladder_terms(&book, &inv, Decimal::from(180), d("2026-04-02")),
            (d("2026-02-28"), Decimal::from(180))
        );
        let plain = Invoice { plan: vec![], ..inv };
        assert_eq!(
            ladder_terms(&book, &plain, Decimal::from(180), d("2026-02-10")),
            (d("2026-01-31"), Decimal::from(180))
        );
    }
}
