//! Deciding which invoices a payment settles.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::balance::open_balance;
use crate::domain::{Allocation, Book, Invoice, Money};

/// Allocates `amount` for `client_id`: first to `target` when given (up to
/// its balance), then to the client's other open invoices in that currency,
/// oldest due date first. Returns the allocations; whatever is left over is
/// credit on the account. Never takes an invoice below zero.
pub fn allocate_payment(
    book: &Book,
    client_id: &str,
    amount: Money,
    as_of: NaiveDate,
    target: Option<&str>,
) -> Vec<Allocation> {
    let mut left = amount.amount;
    let mut out = Vec::new();
    if left <= Decimal::ZERO {
        return out;
    }
    let mut open: Vec<_> = book
        .client_invoices(client_id)
        .filter(|i| i.currency == amount.currency)
        .map(|i| (i, open_balance(book, i, as_of)))
        .filter(|(_, b)| *b > Decimal::ZERO)
        .collect();
    in_settling_order(&mut open, target);
    for (inv, bal) in open {
        if left <= Decimal::ZERO {
            break;
        }
        let take = bal.min(left);
        out.push(Allocation { invoice: inv.number.to_string(), amount: take });
        left -= take;
    }
    out
}

/// The order in which money settles a client's open invoices: the named
/// invoice first, then the oldest due, then by number. A payment and credit
/// applied on account (`super::credit`) follow the same order, so both
/// settle what a client would expect.
pub fn in_settling_order(open: &mut [(&Invoice, Decimal)], target: Option<&str>) {
    open.sort_by(|(a, _), (b, _)| {
        let at = Some(a.number.as_str()) == target;
        let bt = Some(b.number.as_str()) == target;
        bt.cmp(&at).then(a.due_date.cmp(&b.due_date)).then(a.number.cmp(&b.number))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn target_first_then_oldest_then_credit() {
        let usd = |a: i64| Money::new(Decimal::from(a), Currency::USD);
        let c = Client::new("C1", "Acme", Currency::USD);
        let i1 = Invoice::new("I1", "C1", d("2026-01-01"), d("2026-01-31"), usd(100));
        let i2 = Invoice::new("I2", "C1", d("2026-02-01"), d("2026-02-28"), usd(50));
        let i3 = Invoice::new("I3", "C1", d("2026-03-01"), d("2026-03-31"), usd(30));
        let eur = Invoice::new("E1", "C1", d("2025-01-01"), d("2025-01-31"), Money::new(Decimal::TEN, Currency::EUR));
        let b = Book::new(vec![c], vec![i1, i2, i3, eur], vec![], vec![], vec![]);
        let a = allocate_payment(&b, "C1", usd(200), d("2026-04-01"), Some("I3"));
        let got: Vec<(&str, i64)> = a.iter().map(|x| (x.invoice.as_str(), x.amount.try_into().unwrap())).collect();
        assert_eq!(got, vec![("I3", 30), ("I1", 100), ("I2", 50)]);
        let total: Decimal = a.iter().map(|x| x.amount).sum();
        assert_eq!(total, Decimal::from(180), "20 left as credit");
    }
}
