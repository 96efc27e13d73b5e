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
use crate::domain::{Allocation, Book, DiscountTerms, Invoice};

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

/// The discounts a payment dated `date` earns: for each allocation that
/// pays at least the discounted amount ("to pay") of an invoice whose
/// discount is still available on that date, but less than its open
/// balance, the rest (at most the discount) is allowed, closing the
/// invoice. Returns (invoice, discount allowed).
pub fn discounts_taken(book: &Book, allocations: &[Allocation], date: NaiveDate) -> Vec<(String, Decimal)> {
    let mut out = Vec::new();
    for a in allocations {
        let Some(inv) = book.invoice(&a.invoice) else { continue };
        let Some(o) = offer(book, inv, date) else { continue };
        if a.amount >= o.to_pay && a.amount < o.open {
            out.push((a.invoice.clone(), o.open - a.amount));
        }
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

    /// Payments against the worked example (2,450.75 on 2% within 10 days,
    /// to pay 2,401.73 by 2026-03-12): (paid, date, discount allowed).
    #[test]
    fn a_payment_of_the_discounted_amount_in_time_takes_the_discount() {
        let mut inv =
            Invoice::new("I1", "C1", d("2026-03-02"), d("2026-04-01"), Money::new(dec("2450.75"), Currency::USD));
        inv.discount = Some(DiscountTerms { percent: dec("2"), days: 10 });
        let b = Book::new(vec![Client::new("C1", "Acme", Currency::USD)], vec![inv], vec![], vec![], vec![]);
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("2401.73", "2026-03-12", Some("49.02")),
            ("2420.00", "2026-03-05", Some("30.75")),
            ("2401.72", "2026-03-05", None),
            ("2401.73", "2026-03-13", None),
            ("2450.75", "2026-03-05", None),
            ("100", "2026-03-05", None),
        ];
        for (paid, date, want) in cases {
            let alloc = [Allocation { invoice: "I1".into(), amount: dec(paid) }];
            let got = discounts_taken(&b, &alloc, d(date));
            assert_eq!(got.first().map(|(_, a)| *a), want.map(dec), "{paid} on {date}");
        }
        // Recorded, the discount closes the invoice: nothing left to chase.
        let mut b2 = b.clone();
        b2.add_payment(Payment {
            id: 1,
            client_id: "C1".into(),
            date: d("2026-03-12"),
            amount: dec("2401.73"),
            currency: Currency::USD,
            method: PaymentMethod::Stripe,
            reference: "ch_3Nx".into(),
            allocations: vec![Allocation { invoice: "I1".into(), amount: dec("2401.73") }],
            reverses: None,
        });
        b2.add_adjustment(Adjustment {
            id: 1,
            invoice: "I1".into(),
            date: d("2026-03-12"),
            kind: AdjustmentKind::Discount,
            amount: dec("49.02"),
            reason: "discount allowed".into(),
            reverses: None,
        });
        let st = crate::receivables::invoice_state(&b2, &b2.invoices()[0], d("2026-05-01"));
        assert_eq!((st.balance, st.discounted, st.status()), (dec("0"), dec("49.02"), InvoiceStatus::Paid));
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
