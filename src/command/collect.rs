//! Issue 13's account entries: placement with a collection agency and
//! recall, credit on account applied or refunded, and a reason for
//! lateness on a note. Each is one note (with its event) beside its
//! records, so `dun undo` reverses it like any other entry.

use rust_decimal::Decimal;

use super::notes::{clean, client, event_note, invoice, log_note, NoteInput};
use super::{CommandError, Stamp};
use crate::domain::money::format_amount;
use crate::domain::{AccountEvent, Allocation, Book, Currency, LateReason, Money, Payment, PaymentMethod};
use crate::receivables::{account_credit, invoice_state, open_balance, placement};
use crate::store::{Batch, IdAlloc};

type Result<T, E = CommandError> = std::result::Result<T, E>;

/// Places the account with an agency: no reminders until recalled;
/// payments still apply. Refuses an account already placed, or no agency.
pub fn place_with_agency(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    agency: &str,
) -> Result<Batch> {
    let c = client(book, client_id)?;
    let agency = clean(agency);
    if agency.is_empty() {
        return Err("name the agency (--agency)".to_string().into());
    }
    if let Some(p) = placement(book, &c.id, stamp.date) {
        return Err(format!("client {client_id} is already with agency {} since {}", p.agency, p.since).into());
    }
    let n = event_note(
        ids,
        stamp,
        &c.id,
        format!("Placed with agency: {agency}"),
        AccountEvent::PlacedWithAgency { agency },
    );
    Ok(Batch { notes: vec![n], ..Default::default() })
}

/// Recalls the account from its agency: the ladder resumes.
pub fn recall(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str) -> Result<Batch> {
    let c = client(book, client_id)?;
    let p = placement(book, &c.id, stamp.date)
        .ok_or_else(|| CommandError::from(format!("client {client_id} is not with an agency")))?;
    let n = event_note(ids, stamp, &c.id, format!("Recalled from agency {}", p.agency), AccountEvent::Recalled);
    Ok(Batch { notes: vec![n], ..Default::default() })
}

/// A note (as `Log` builds it) that also records why the client pays late.
pub fn late_reason(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    reason: LateReason,
    note: NoteInput,
) -> Result<Batch> {
    let mut b = log_note(book, ids, stamp, client_id, note)?;
    if let Some(n) = b.notes.first_mut() {
        n.event = Some(AccountEvent::LateReason { reason });
    }
    Ok(b)
}

/// The warning for a promise of `amount` larger than what is open on what
/// it covers (the named invoices, or the account in its currency).
pub fn promise_over_balance(
    book: &Book,
    client_id: &str,
    amount: Decimal,
    invoices: &[String],
    today: chrono::NaiveDate,
) -> Option<String> {
    let c = book.client(client_id)?;
    let currency = invoices.first().and_then(|n| book.invoice(n)).map_or(c.currency, |i| i.currency);
    let open: Decimal = book
        .client_invoices(client_id)
        .filter(|i| i.currency == currency && (invoices.is_empty() || invoices.iter().any(|n| *n == i.number)))
        .map(|i| open_balance(book, i, today))
        .sum();
    (amount > open).then(|| {
        format!(
            "the promise of {} {currency} is more than the open balance {} {currency}",
            format_amount(amount),
            format_amount(open)
        )
    })
}

/// Applies credit on account (over-payments first, then unallocated
/// payments) to open invoices in the invoice's (else the client's)
/// currency: `invoice_no` first, then the oldest due; at most `amount`.
/// Recorded as a payment of zero whose allocations move the credit.
pub fn apply_credit(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    invoice_no: Option<&str>,
    amount: Option<Decimal>,
) -> Result<Batch> {
    let c = client(book, client_id)?;
    let currency = match invoice_no {
        Some(n) => {
            let inv = invoice(book, n)?;
            if inv.client_id != c.id {
                return Err(format!("invoice {n} belongs to client {}, not {}", inv.client_id, c.id).into());
            }
            inv.currency
        }
        None => c.currency,
    };
    if amount.is_some_and(|a| a <= Decimal::ZERO) {
        return Err("the amount to apply must be more than zero".to_string().into());
    }
    let plan = crate::receivables::credit::apply_credit(book, &c.id, currency, stamp.date, invoice_no, amount);
    if plan.applied.is_zero() {
        return Err(
            format!("client {client_id} has no {currency} credit on account to apply to an open invoice").into()
        );
    }
    let p = Payment {
        id: ids.payment(),
        client_id: c.id.clone(),
        date: stamp.date,
        amount: Decimal::ZERO,
        currency,
        method: PaymentMethod::Other,
        reference: "credit on account applied".into(),
        allocations: plan.allocations,
        reverses: None,
    };
    let spread: Vec<String> = p
        .allocations
        .iter()
        .filter(|a| a.amount > Decimal::ZERO)
        .map(|a| format!("{} {}", a.invoice, format_amount(a.amount)))
        .collect();
    let text =
        format!("Credit on account applied: {} {currency} to {}", format_amount(plan.applied), spread.join(", "));
    let n = event_note(ids, stamp, &c.id, text, AccountEvent::Payment { payment_id: p.id });
    Ok(Batch { payments: vec![p], notes: vec![n], ..Default::default() })
}

/// Records credit on account paid back to the client: a negative payment,
/// taken from over-paid invoices first. Refuses more than the credit.
#[allow(clippy::too_many_arguments)]
pub fn refund(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    amount: Decimal,
    currency: Option<Currency>,
    method: PaymentMethod,
    reference: &str,
) -> Result<Batch> {
    let c = client(book, client_id)?;
    let amount = Money::new(amount, currency.unwrap_or(c.currency));
    if amount.amount <= Decimal::ZERO {
        return Err("a refund must be more than zero".to_string().into());
    }
    let credit = account_credit(book, &c.id, stamp.date).get(amount.currency);
    if amount.amount > credit {
        return Err(format!(
            "client {client_id} has {} {} of credit on account; a refund of {amount} is more",
            format_amount(credit),
            amount.currency
        )
        .into());
    }
    let mut need = amount.amount;
    let mut allocations = Vec::new();
    for inv in book.client_invoices(&c.id).filter(|i| i.currency == amount.currency) {
        let b = invoice_state(book, inv, stamp.date).balance;
        if need > Decimal::ZERO && b < Decimal::ZERO {
            let take = (-b).min(need);
            allocations.push(Allocation { invoice: inv.number.to_string(), amount: -take });
            need -= take;
        }
    }
    let p = Payment {
        id: ids.payment(),
        client_id: c.id.clone(),
        date: stamp.date,
        amount: -amount.amount,
        currency: amount.currency,
        method,
        reference: clean(reference),
        allocations,
        reverses: None,
    };
    let text = format!("Refund of {amount} paid to the client ({})", p.method);
    let n = event_note(ids, stamp, &c.id, text, AccountEvent::Payment { payment_id: p.id });
    Ok(Batch { payments: vec![p], notes: vec![n], ..Default::default() })
}
