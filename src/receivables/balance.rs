//! What is owed on an invoice as of a date, and the status that follows.
//! Only entries dated on or before `as_of` count, which is what makes aging
//! as of a past date possible.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{AdjustmentKind, Book, Invoice, InvoiceStatus, Money, Payment, Totals};

/// Everything applied to one invoice up to a date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InvoiceState {
    pub paid: Decimal,
    pub credited: Decimal,
    pub written_off: Decimal,
    /// Late fees and interest that were charged (explicit adjustments).
    pub fees: Decimal,
    /// Early-payment discounts allowed (taken within the terms).
    pub discounted: Decimal,
    /// total + fees − paid − credited − written off − discounted.
    pub balance: Decimal,
    pub last_payment: Option<NaiveDate>,
}

impl InvoiceState {
    pub fn status(&self) -> InvoiceStatus {
        if self.balance > Decimal::ZERO {
            if self.paid + self.credited + self.written_off + self.discounted > Decimal::ZERO {
                InvoiceStatus::PartlyPaid
            } else {
                InvoiceStatus::Open
            }
        } else if self.written_off > self.paid && self.written_off >= self.credited {
            InvoiceStatus::WrittenOff
        } else if self.credited > self.paid {
            InvoiceStatus::Credited
        } else {
            InvoiceStatus::Paid
        }
    }

    /// The open balance, never below zero (an over-payment is credit on the
    /// account, reported separately).
    pub fn open(&self) -> Decimal {
        self.balance.max(Decimal::ZERO)
    }
}

/// The state of `inv` counting only what is dated on or before `as_of`.
pub fn invoice_state(book: &Book, inv: &Invoice, as_of: NaiveDate) -> InvoiceState {
    invoice_state_at(book, book.position_of(inv), inv, as_of)
}

/// [`invoice_state`] for a caller walking [`Book::invoices`], which knows
/// the invoice's position `ix` and so skips the lookup by number.
pub fn invoice_state_at(book: &Book, ix: Option<usize>, inv: &Invoice, as_of: NaiveDate) -> InvoiceState {
    let mut st = InvoiceState::default();
    for (p, a) in book.invoice_allocations_at(ix, &inv.number) {
        if p.date <= as_of {
            st.paid += a.amount;
            if a.amount > Decimal::ZERO {
                st.last_payment = st.last_payment.max(Some(p.date));
            }
        }
    }
    for adj in book.invoice_adjustments_at(ix, &inv.number) {
        if adj.date <= as_of {
            match adj.kind {
                AdjustmentKind::Credit => st.credited += adj.amount,
                AdjustmentKind::WriteOff => st.written_off += adj.amount,
                AdjustmentKind::Fee => st.fees += adj.amount,
                AdjustmentKind::Discount => st.discounted += adj.amount,
            }
        }
    }
    st.balance = inv.total + st.fees - st.paid - st.credited - st.written_off - st.discounted;
    st
}

/// The open balance of `inv` as of a date (zero if not yet issued).
pub fn open_balance(book: &Book, inv: &Invoice, as_of: NaiveDate) -> Decimal {
    open_in(inv, &invoice_state(book, inv, as_of), as_of)
}

/// The open balance of `inv` in its state `st` as of a date: for a caller
/// that has the state already. Nothing is owed before the invoice is issued.
pub fn open_in(inv: &Invoice, st: &InvoiceState, as_of: NaiveDate) -> Decimal {
    if inv.issue_date > as_of {
        Decimal::ZERO
    } else {
        st.open()
    }
}

/// Credit on a client's account as of a date: unallocated parts of payments
/// plus over-payments of invoices, per currency.
pub fn account_credit(book: &Book, client_id: &str, as_of: NaiveDate) -> Totals {
    let overpaid = book.client_invoices(client_id).filter_map(|inv| overpaid(inv, &invoice_state(book, inv, as_of)));
    credit_on_account(book.client_payments(client_id), overpaid, as_of)
}

/// What an invoice in `st` adds to the credit on account: its over-payment.
pub fn overpaid(inv: &Invoice, st: &InvoiceState) -> Option<Money> {
    (st.balance < Decimal::ZERO).then(|| Money::new(-st.balance, inv.currency))
}

/// [`account_credit`] from the client's payments and its invoices'
/// over-payments ([`overpaid`], in the book's order), for a caller that has
/// the invoices' states already (the rules engine works them out once per
/// client and day).
pub fn credit_on_account<'a>(
    payments: impl Iterator<Item = &'a Payment>,
    overpaid: impl Iterator<Item = Money>,
    as_of: NaiveDate,
) -> Totals {
    let mut t = Totals::default();
    for p in payments {
        if p.date <= as_of {
            t.add(Money::new(p.unallocated(), p.currency));
        }
    }
    for m in overpaid {
        t.add(m);
    }
    t.retain_nonzero();
    t
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

    fn book() -> Book {
        let c = Client::new("C1", "Acme", Currency::USD);
        let inv = Invoice::new("I1", "C1", d("2026-01-01"), d("2026-01-31"), Money::new(dec("100"), Currency::USD));
        let pay = |id, date, amt: &str| Payment {
            id,
            client_id: "C1".into(),
            date: d(date),
            amount: dec(amt),
            currency: Currency::USD,
            method: PaymentMethod::Cash,
            reference: String::new(),
            allocations: vec![Allocation { invoice: "I1".into(), amount: dec(amt) }],
            reverses: None,
        };
        let credit = Adjustment {
            id: 1,
            invoice: "I1".into(),
            date: d("2026-03-01"),
            kind: AdjustmentKind::Credit,
            amount: dec("10"),
            reason: "damaged".into(),
            reverses: None,
        };
        Book::new(
            vec![c],
            vec![inv],
            vec![pay(1, "2026-02-10", "40"), pay(2, "2026-04-01", "60")],
            vec![credit],
            vec![],
        )
    }

    #[test]
    fn balance_counts_only_entries_up_to_the_date() {
        let b = book();
        let inv = &b.invoices()[0];
        assert_eq!(open_balance(&b, inv, d("2025-12-31")), dec("0"), "not yet issued");
        assert_eq!(open_balance(&b, inv, d("2026-02-09")), dec("100"));
        assert_eq!(open_balance(&b, inv, d("2026-02-10")), dec("60"));
        assert_eq!(open_balance(&b, inv, d("2026-03-01")), dec("50"));
        let st = invoice_state(&b, inv, d("2026-03-01"));
        assert_eq!(st.status(), InvoiceStatus::PartlyPaid);
        let st = invoice_state(&b, inv, d("2026-04-01"));
        assert_eq!(st.balance, dec("-10"));
        assert_eq!(st.status(), InvoiceStatus::Paid);
        assert_eq!(account_credit(&b, "C1", d("2026-04-01")).get(Currency::USD), dec("10"));
    }
}
