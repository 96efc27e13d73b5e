//! Credit: the client's credit limit in use, and credit on account put to
//! work (applied to open invoices, or refunded).
//!
//! Credit in use is the open balance of the client's invoices in its account
//! currency as of a date (credit on account is not netted: a limit caps what
//! the client may owe, and credit is shown beside it). Invoices in other
//! currencies are left out: no conversion is ever made.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::balance::{invoice_state, open_balance};
use crate::domain::money::format_amount;
use crate::domain::{Allocation, Book, Client, Currency};

/// A client's balance against its credit limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditUse {
    pub currency: Currency,
    pub limit: Decimal,
    /// Open balance in the account currency.
    pub balance: Decimal,
}

impl CreditUse {
    pub fn over(&self) -> bool {
        self.balance > self.limit
    }
    /// "21,170.00 of 5,000.00 USD (over by 16,170.00)".
    pub fn describe(&self) -> String {
        let mut s = format!("{} of {} {}", format_amount(self.balance), format_amount(self.limit), self.currency);
        if self.over() {
            s.push_str(&format!(" (over by {})", format_amount(self.balance - self.limit)));
        }
        s
    }
}

/// The client's open balance (account currency) against its limit; `None`
/// when it has no limit.
pub fn credit_use(book: &Book, client: &Client, as_of: NaiveDate) -> Option<CreditUse> {
    let limit = client.credit_limit?;
    let balance = book
        .client_invoices(&client.id)
        .filter(|i| i.currency == client.currency)
        .map(|i| open_balance(book, i, as_of))
        .sum();
    Some(CreditUse { currency: client.currency, limit, balance })
}

/// The warning for a new invoice of `amount` in `currency` that takes the
/// client over its limit (from within it), if it does.
pub fn limit_warning(
    book: &Book,
    client: &Client,
    amount: Decimal,
    currency: Currency,
    as_of: NaiveDate,
) -> Option<String> {
    let now = credit_use(book, client, as_of)?;
    if currency != now.currency {
        return None;
    }
    let after = CreditUse { balance: now.balance + amount, ..now };
    (after.over() && !now.over() || now.over() && amount > Decimal::ZERO)
        .then(|| format!("client {} is over its credit limit with this invoice: {}", client.id, after.describe()))
}

/// How credit on account in one currency is put against open invoices:
/// first the over-paid invoices give up their excess (negative
/// allocations), then the unallocated part of payments, applied to the
/// named invoice first, then to the oldest due. The allocations sum to
/// zero plus whatever unallocated payment credit was used (`from_payments`);
/// recorded as a payment of amount zero, they leave each balance right.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreditApplication {
    pub allocations: Vec<Allocation>,
    /// Total applied to open invoices.
    pub applied: Decimal,
}

/// Plans applying up to `limit` (all of it when `None`) of the client's
/// credit in `currency` to its open invoices in that currency as of `as_of`.
pub fn apply_credit(
    book: &Book,
    client_id: &str,
    currency: Currency,
    as_of: NaiveDate,
    target: Option<&str>,
    limit: Option<Decimal>,
) -> CreditApplication {
    let available = super::balance::account_credit(book, client_id, as_of).get(currency);
    let mut left = limit.map_or(available, |l| l.min(available)).max(Decimal::ZERO);
    let mut out = CreditApplication::default();
    if left.is_zero() {
        return out;
    }
    let mut open: Vec<_> = book
        .client_invoices(client_id)
        .filter(|i| i.currency == currency && i.issue_date <= as_of)
        .map(|i| (i, open_balance(book, i, as_of)))
        .filter(|(_, b)| *b > Decimal::ZERO)
        .collect();
    super::allocate::in_settling_order(&mut open, target);
    let mut to_apply = Vec::new();
    for (inv, bal) in open {
        if left <= Decimal::ZERO {
            break;
        }
        let take = bal.min(left);
        to_apply.push(Allocation { invoice: inv.number.to_string(), amount: take });
        out.applied += take;
        left -= take;
    }
    // Take the applied amount from over-paid invoices first, so their
    // excess stops showing as credit; the rest comes from unallocated
    // payments (the zero-amount entry's negative unallocated part).
    let mut need = out.applied;
    for inv in book.client_invoices(client_id).filter(|i| i.currency == currency) {
        if need <= Decimal::ZERO {
            break;
        }
        let st = invoice_state(book, inv, as_of);
        if st.balance < Decimal::ZERO {
            let take = (-st.balance).min(need);
            out.allocations.push(Allocation { invoice: inv.number.to_string(), amount: -take });
            need -= take;
        }
    }
    out.allocations.extend(to_apply);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn usd(a: i64) -> Money {
        Money::new(Decimal::from(a), Currency::USD)
    }
    fn pay(id: u64, amount: i64, alloc: &[(&str, i64)]) -> Payment {
        Payment {
            id,
            client_id: "C1".into(),
            date: d("2026-02-01"),
            amount: Decimal::from(amount),
            currency: Currency::USD,
            method: PaymentMethod::Cash,
            reference: String::new(),
            allocations: alloc
                .iter()
                .map(|(i, a)| Allocation { invoice: (*i).into(), amount: Decimal::from(*a) })
                .collect(),
            reverses: None,
        }
    }

    /// limit, invoice totals, new invoice amount, expected warning.
    type LimitCase<'a> = (Option<i64>, &'a [i64], i64, Option<&'a str>);

    #[test]
    fn limit_use_and_warnings() {
        let cases: &[LimitCase] = &[
            (None, &[20_000], 1_170, None),
            (Some(5_000), &[3_000], 1_000, None),
            (Some(5_000), &[3_000], 2_000, None),
            (Some(5_000), &[3_000], 2_001, Some("5,001.00 of 5,000.00 USD (over by 1.00)")),
            (Some(5_000), &[20_000], 1_170, Some("21,170.00 of 5,000.00 USD (over by 16,170.00)")),
        ];
        for (limit, totals, new, want) in cases {
            let mut c = Client::new("C1", "Acme", Currency::USD);
            c.credit_limit = limit.map(Decimal::from);
            let invs = totals
                .iter()
                .enumerate()
                .map(|(i, t)| Invoice::new(format!("I{i}"), "C1", d("2026-01-01"), d("2026-01-31"), usd(*t)))
                .collect();
            let b = Book::new(vec![c.clone()], invs, vec![], vec![], vec![]);
            let got = limit_warning(&b, &c, Decimal::from(*new), Currency::USD, d("2026-02-01"));
            match want {
                None => assert_eq!(got, None, "{limit:?} {totals:?} +{new}"),
                Some(w) => assert!(got.as_deref().is_some_and(|g| g.contains(w)), "{got:?} lacks {w}"),
            }
            assert_eq!(limit_warning(&b, &c, Decimal::from(*new), Currency::EUR, d("2026-02-01")), None);
        }
    }

    #[test]
    fn credit_is_applied_from_over_payments_then_payments_to_the_oldest_first() {
        let c = Client::new("C1", "Acme", Currency::USD);
        let invs = vec![
            Invoice::new("I1", "C1", d("2026-01-01"), d("2026-01-31"), usd(100)),
            Invoice::new("I2", "C1", d("2026-01-01"), d("2026-01-15"), usd(80)),
            Invoice::new("I3", "C1", d("2026-01-01"), d("2026-01-10"), usd(50)),
        ];
        // I3 over-paid by 30; 70 unallocated: 100 of credit.
        let b = Book::new(vec![c], invs, vec![pay(1, 80, &[("I3", 80)]), pay(2, 70, &[])], vec![], vec![]);
        let plan = apply_credit(&b, "C1", Currency::USD, d("2026-02-01"), None, None);
        let got: Vec<(&str, i64)> =
            plan.allocations.iter().map(|a| (a.invoice.as_str(), a.amount.try_into().unwrap())).collect();
        assert_eq!(got, vec![("I3", -30), ("I2", 80), ("I1", 20)]);
        assert_eq!(plan.applied, Decimal::from(100));
        let targeted = apply_credit(&b, "C1", Currency::USD, d("2026-02-01"), Some("I1"), Some(Decimal::TEN));
        assert_eq!(targeted.allocations.last().map(|a| (a.invoice.as_str(), a.amount)), Some(("I1", Decimal::TEN)));
        // Recorded as a payment of zero, the credit is gone and the balances fall.
        let mut b2 = b.clone();
        let mut entry = pay(3, 0, &[]);
        entry.allocations = plan.allocations;
        b2.add_payment(entry);
        assert!(super::super::account_credit(&b2, "C1", d("2026-02-01")).get(Currency::USD).is_zero());
        let open: Decimal = b2.invoices().iter().map(|i| open_balance(&b2, i, d("2026-02-01"))).sum();
        assert_eq!(open, Decimal::from(80), "I1's 80 is all that is left open");
        assert_eq!(apply_credit(&b2, "C1", Currency::USD, d("2026-02-01"), None, None), CreditApplication::default());
    }
}
