//! Facts the writer works out once, so a reader of the image can answer
//! without decoding invoices or payments: for aging, each open invoice's
//! client, currency, dates and final balance; for credit on account, each
//! payment's unallocated part with its date.
//!
//! A balance here counts everything applied to the invoice, at any date, so
//! it is the balance as of any day on or after the latest payment or
//! adjustment of the open part of the book (the image's `facts_through`).
//! Aging as of an earlier day reads the records instead.
//! The aging itself is [`crate::receivables::aging::age_items`], the same
//! function [`crate::receivables::age_book`] uses, so the two cannot disagree.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{AdjustmentKind, Book, Currency};
use crate::receivables::aging::{age_items, Aged, AgingOptions, AgingReport, DuePart, Dues};
use crate::receivables::plan::split_open;

/// An open invoice as aging needs it. `client` is the position of its
/// client in the image's client section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceFact {
    pub client: u32,
    pub currency: Currency,
    #[serde(with = "crate::domain::compact_serde::date")]
    pub issue: NaiveDate,
    #[serde(with = "crate::domain::compact_serde::date")]
    pub due: NaiveDate,
    /// After everything applied to it; below zero when over-paid.
    #[serde(with = "crate::domain::compact_serde::decimal")]
    pub balance: Decimal,
    /// For an invoice on a plan, its open parts at that balance; else empty.
    pub parts: Vec<DuePart>,
}

/// A payment with money not allocated to any invoice: credit on account
/// from its date on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditFact {
    pub client: u32,
    pub currency: Currency,
    #[serde(with = "crate::domain::compact_serde::date")]
    pub date: NaiveDate,
    #[serde(with = "crate::domain::compact_serde::decimal")]
    pub amount: Decimal,
}

/// The facts of a book, or None when they cannot be stated (a record names
/// a client the book does not hold, or a sum overflows): readers then read
/// the records. `image_client` maps a book client position to its position
/// in the image.
pub(crate) struct Facts {
    pub invoices: Vec<InvoiceFact>,
    pub credit: Vec<CreditFact>,
    /// The latest date of any payment or adjustment in the open part.
    pub through: Option<NaiveDate>,
}

/// Everything applied to `inv` at any date, with checked arithmetic: the
/// writer must never panic on what a store holds (None on overflow).
pub(crate) fn final_balance(book: &Book, ix: usize) -> Option<Decimal> {
    let inv = &book.invoices()[ix];
    let mut balance = Some(inv.total);
    for (_, a) in book.invoice_allocations_at(Some(ix), &inv.number) {
        balance = balance.and_then(|b| b.checked_sub(a.amount));
    }
    for adj in book.invoice_adjustments_at(Some(ix), &inv.number) {
        balance = balance.and_then(|b| match adj.kind {
            AdjustmentKind::Fee => b.checked_add(adj.amount),
            AdjustmentKind::Credit | AdjustmentKind::WriteOff | AdjustmentKind::Discount => b.checked_sub(adj.amount),
        });
    }
    balance
}

/// The facts of the open invoices (`open[i]`: invoice `i` is in the open
/// part) and of every payment with credit left, in the image's key order
/// (`invoice_order`, `payment_order`: positions in key order).
pub(crate) fn build(
    book: &Book,
    open_invoice: &[bool],
    open_payment: &[bool],
    open_adjustment: &[bool],
    invoice_order: &[u32],
    payment_order: &[u32],
    image_client: &dyn Fn(&str) -> Option<u32>,
) -> Option<Facts> {
    let mut through: Option<NaiveDate> = None;
    let mut invoices = Vec::new();
    for &i in invoice_order {
        let i = i as usize;
        if !open_invoice[i] {
            continue;
        }
        let inv = &book.invoices()[i];
        let balance = final_balance(book, i)?;
        let parts = if inv.plan.is_empty() {
            Vec::new()
        } else {
            split_open(inv, balance).into_iter().map(|p| DuePart { due: p.due, open: p.open }).collect()
        };
        invoices.push(InvoiceFact {
            client: image_client(&inv.client_id)?,
            currency: inv.currency,
            issue: inv.issue_date,
            due: inv.due_date,
            balance,
            parts,
        });
    }
    let mut credit = Vec::new();
    for &i in payment_order {
        let p = &book.payments()[i as usize];
        if open_payment[i as usize] {
            through = through.max(Some(p.date));
        }
        let allocated = p.allocations.iter().try_fold(Decimal::ZERO, |s, a| s.checked_add(a.amount))?;
        let amount = p.amount.checked_sub(allocated)?;
        if !amount.is_zero() {
            credit.push(CreditFact { client: image_client(&p.client_id)?, currency: p.currency, date: p.date, amount });
        }
    }
    for (a, open) in book.adjustments().iter().zip(open_adjustment) {
        if *open {
            through = through.max(Some(a.date));
        }
    }
    Some(Facts { invoices, credit, through })
}

/// Aging as of `as_of` from the facts; `book` holds the image's clients (in
/// its order) and notes. None when a fact names a client position the
/// client section does not have (a damaged image).
pub(crate) fn aging(
    book: &Book,
    invoices: &[InvoiceFact],
    credit: &[CreditFact],
    as_of: NaiveDate,
    opts: &AgingOptions,
) -> Option<AgingReport> {
    let clients = book.clients();
    let id = |c: u32| clients.get(c as usize).map(|c| c.id.as_str());
    if invoices.iter().any(|f| id(f.client).is_none()) || credit.iter().any(|f| id(f.client).is_none()) {
        return None;
    }
    let items = invoices.iter().map(|f| Aged {
        client_id: id(f.client).unwrap_or_default(),
        currency: f.currency,
        issue: f.issue,
        balance: f.balance,
        dues: Dues::Split { due: f.due, parts: &f.parts },
    });
    let credit =
        credit.iter().filter(|f| f.date <= as_of).map(|f| (id(f.client).unwrap_or_default(), f.currency, f.amount));
    Some(age_items(book, items, credit, as_of, opts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec;

    /// Both fact records through the real codec, with extreme values.
    #[test]
    fn facts_round_trip_through_the_codec() {
        let inv = InvoiceFact {
            client: u32::MAX,
            currency: Currency::EUR,
            issue: NaiveDate::MIN,
            due: NaiveDate::MAX,
            balance: Decimal::MIN,
            parts: vec![
                DuePart { due: NaiveDate::MAX, open: Decimal::MAX },
                DuePart { due: NaiveDate::MIN, open: "-0.0001".parse().unwrap() },
            ],
        };
        let back: Vec<InvoiceFact> = codec::decode(&codec::encode(&vec![inv.clone(), inv]).unwrap()).unwrap();
        assert_eq!(back[0].balance, Decimal::MIN);
        assert_eq!(back[1].parts[1].open.to_string(), "-0.0001", "the scale is kept");
        let credit =
            CreditFact { client: 0, currency: Currency::USD, date: NaiveDate::MAX, amount: "1.50".parse().unwrap() };
        let back: CreditFact = codec::decode(&codec::encode(&credit).unwrap()).unwrap();
        assert_eq!(back, credit);
        assert_eq!(back.amount.to_string(), "1.50");
    }
}
