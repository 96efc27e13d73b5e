//! Early-payment discounts ("2% within 10 days"): until when one is
//! available, and how much it takes off.
//!
//! The deadline is the invoice date + the terms' days (paying on the
//! deadline still counts). The discount is the percentage of what is still
//! open, rounded to cents half away from zero, so a part-payment made inside
//! the window does not earn the discount twice.

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::balance::open_balance;
use crate::domain::{Book, DiscountTerms, Invoice};

/// A discount still available on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscountOffer {
    pub percent: Decimal,
    /// The last day a payment earns the discount.
    pub deadline: NaiveDate,
    pub open: Decimal,
    pub discount: Decimal,
    /// What settles the invoice if paid by the deadline: open − discount.
    pub to_pay: Decimal,
}

/// The invoice's own discount terms, else its client's.
pub fn terms_for<'a>(book: &'a Book, inv: &'a Invoice) -> Option<&'a DiscountTerms> {
    inv.discount.as_ref().or_else(|| book.client(&inv.client_id).and_then(|c| c.discount.as_ref()))
}

/// The last day a payment earns the discount.
pub fn deadline(inv: &Invoice, terms: &DiscountTerms) -> NaiveDate {
    inv.issue_date.checked_add_days(Days::new(terms.days.into())).unwrap_or(NaiveDate::MAX)
}

/// The discount available on `inv` as of `as_of`, if any: the invoice must
/// be issued, still open, and the deadline not yet past.
pub fn offer(book: &Book, inv: &Invoice, as_of: NaiveDate) -> Option<DiscountOffer> {
    let terms = terms_for(book, inv)?;
    if terms.percent <= Decimal::ZERO || inv.issue_date > as_of {
        return None;
    }
    let deadline = deadline(inv, terms);
    if as_of > deadline {
        return None;
    }
    let open = open_balance(book, inv, as_of);
    if open <= Decimal::ZERO {
        return None;
    }
    let discount = (open * terms.percent / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .min(open);
    Some(DiscountOffer { percent: terms.percent, deadline, open, discount, to_pay: open - discount })
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

    /// docs/aging.md, "Early-payment discounts": 2,450.75 issued 2026-03-02
    /// on "2% within 10 days".
    #[test]
    fn worked_example() {
        let mut inv =
            Invoice::new("I1", "C1", d("2026-03-02"), d("2026-04-01"), Money::new(dec("2450.75"), Currency::USD));
        inv.discount = Some(DiscountTerms { percent: dec("2"), days: 10 });
        let b = Book::new(vec![Client::new("C1", "Acme", Currency::USD)], vec![inv], vec![], vec![], vec![]);
        let inv = &b.invoices()[0];
        let o = offer(&b, inv, d("2026-03-05")).unwrap();
        // 2,450.75 × 2% = 49.015 → 49.02
        assert_eq!((o.deadline, o.discount, o.to_pay), (d("2026-03-12"), dec("49.02"), dec("2401.73")));
        assert!(offer(&b, inv, d("2026-03-12")).is_some(), "the deadline day still counts");
        assert!(offer(&b, inv, d("2026-03-13")).is_none());
        assert!(offer(&b, inv, d("2026-03-01")).is_none(), "not yet issued");
    }

    #[test]
    fn client_terms_apply_when_the_invoice_has_none() {
        let mut c = Client::new("C1", "Acme", Currency::USD);
        c.discount = Some(DiscountTerms { percent: dec("1.5"), days: 7 });
        let inv = Invoice::new("I1", "C1", d("2026-03-02"), d("2026-04-01"), Money::new(dec("100"), Currency::USD));
        let pay = Payment {
            id: 1,
            client_id: "C1".into(),
            date: d("2026-03-03"),
            amount: dec("40"),
            currency: Currency::USD,
            method: PaymentMethod::Card,
            reference: String::new(),
            allocations: vec![Allocation { invoice: "I1".into(), amount: dec("40") }],
            reverses: None,
        };
        let b = Book::new(vec![c], vec![inv], vec![pay], vec![], vec![]);
        let o = offer(&b, &b.invoices()[0], d("2026-03-04")).unwrap();
        // 1.5% of the 60 still open.
        assert_eq!((o.open, o.discount, o.to_pay), (dec("60"), dec("0.90"), dec("59.10")));
    }
}
