//! Money on an account: payments received, credit notes, write-offs and
//! fees (given or computed from the fee terms), and payment plans. A
//! payment or an adjustment is written with an audit note carrying its
//! [`AccountEvent`], so `dun undo` and the interface's `u` reverse it like
//! any other entry.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::notes::{clean, client, event_note, invoice};
use super::{Built, CommandError, Policy, Stamp};
use crate::domain::money::format_amount;
use crate::domain::{AccountEvent, Adjustment, AdjustmentKind, Book, Instalment, Money, Payment, PaymentMethod};
use crate::receivables::allocate::allocate_payment;
use crate::receivables::{fees, open_balance, plan};
use crate::store::{Batch, IdAlloc};

type Result<T, E = CommandError> = std::result::Result<T, E>;

/// A payment as entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentInput {
    #[serde(with = "crate::domain::compact_serde::decimal")]
    pub amount: Decimal,
    /// When it was received: on or before the stamp's day.
    pub date: NaiveDate,
    pub method: PaymentMethod,
    pub reference: String,
    /// Settle this invoice first; then the oldest open ones; the rest is credit.
    pub invoice: Option<String>,
}

/// Records a payment from a client: allocated to `input.invoice` first (up
/// to its balance), then to the oldest open invoices in the same currency,
/// the remainder left as credit on account (`receivables::allocate`). The
/// currency is the target invoice's, else the client's; the client, when
/// not given, is the target invoice's. Refuses an amount of zero or less, a
/// date after the stamp's day, or a target invoice of another client.
pub fn record_payment(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: Option<&str>,
    input: PaymentInput,
) -> Result<Built> {
    let target = input.invoice.as_deref().map(|n| invoice(book, n)).transpose()?;
    let c = match (client_id, target) {
        (Some(id), _) => client(book, id)?,
        (None, Some(inv)) => client(book, &inv.client_id)?,
        (None, None) => return Err("a payment needs a client or an invoice".into()),
    };
    if input.amount <= Decimal::ZERO {
        return Err("a payment must be more than zero".into());
    }
    if input.date > stamp.date {
        return Err(CommandError::FutureDate { what: "payment".into(), date: input.date, today: stamp.date });
    }
    let currency = match target {
        Some(inv) => {
            if inv.client_id != c.id {
                return Err(CommandError::WrongClient {
                    invoice: inv.number.to_string(),
                    owner: inv.client_id.to_string(),
                    client: c.id.clone(),
                });
            }
            inv.currency
        }
        None => c.currency,
    };
    let money = Money::new(input.amount, currency);
    let allocations = allocate_payment(book, &c.id, money, input.date, input.invoice.as_deref());
    let p = Payment {
        id: ids.payment(),
        client_id: c.id.clone(),
        date: input.date,
        amount: input.amount,
        currency,
        method: input.method,
        reference: clean(&input.reference),
        allocations,
        reverses: None,
    };
    let spread: Vec<String> =
        p.allocations.iter().map(|a| format!("{} {}", a.invoice, format_amount(a.amount))).collect();
    let credit = p.unallocated();
    let text = format!(
        "Payment of {money} received {} ({}{}){}{}",
        p.date,
        p.method,
        if p.reference.is_empty() { String::new() } else { format!(", {}", p.reference) },
        if spread.is_empty() { String::new() } else { format!(": {}", spread.join(", ")) },
        if credit > Decimal::ZERO { format!("; {} left as credit", format_amount(credit)) } else { String::new() },
    );
    let done = format!(
        "payment #{} of {money} from {}: {}{}",
        p.id,
        c.id,
        if spread.is_empty() { "nothing open".to_string() } else { spread.join(", ") },
        if credit > Decimal::ZERO { format!("; {} left as credit", format_amount(credit)) } else { String::new() },
    );
    // Paid within an early-payment discount's terms: the discount is
    // allowed (an adjustment), never left open as debt.
    let adjustments: Vec<Adjustment> = crate::receivables::discount::discounts_taken(book, &p.allocations, p.date)
        .into_iter()
        .map(|(invoice, amount)| Adjustment {
            id: ids.adjustment(),
            invoice,
            date: p.date,
            kind: AdjustmentKind::Discount,
            amount,
            reason: format!("early-payment discount taken with payment #{}", p.id),
            reverses: None,
        })
        .collect();
    let done =
        match adjustments.iter().map(|a| format!("{} {}", a.invoice, format_amount(a.amount))).collect::<Vec<_>>() {
            d if d.is_empty() => done,
            d => format!("{done}; discount allowed: {}", d.join(", ")),
        };
    let n = event_note(ids, stamp, &c.id, text, AccountEvent::Payment { payment_id: p.id });
    Ok(Built::entry(Batch { payments: vec![p], adjustments, notes: vec![n], ..Default::default() }, done))
}

/// A credit note, write-off or fee of `amount` on one invoice, dated `date`
/// (default: the stamp's day). Refuses an amount of zero or less or with
/// more than two decimals, no reason, a date after the stamp's day or
/// before the invoice was issued, and a credit or write-off above the
/// invoice's open balance on that date.
#[allow(clippy::too_many_arguments)]
pub fn adjust(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    kind: AdjustmentKind,
    number: &str,
    amount: Decimal,
    reason: &str,
    date: Option<NaiveDate>,
) -> Result<Built> {
    let inv = invoice(book, number)?;
    if amount <= Decimal::ZERO {
        return Err(format!("a {} must be more than zero", kind.as_str()).into());
    }
    if amount.round_dp(2) != amount {
        return Err(format!("a {} has at most two decimals", kind.as_str()).into());
    }
    let reason = clean(reason);
    if reason.is_empty() {
        return Err(format!("a {} needs a reason: it is shown on the account", kind.as_str()).into());
    }
    let date = date.unwrap_or(stamp.date);
    entry_dates(inv, date, stamp)?;
    if let Some(over) = over_balance(book, inv, kind, amount, date) {
        return Err(over.into());
    }
    Ok(adjustment(ids, stamp, inv, kind, amount, reason, date))
}

/// The one rule for an adjustment that lowers a balance (credit,
/// write-off, discount): it may not exceed the invoice's open balance as
/// of `as_of`. Says why when it does; a fee always fits. `adjust` and the
/// redo of an adjustment both ask it.
pub(crate) fn over_balance(
    book: &Book,
    inv: &crate::domain::Invoice,
    kind: AdjustmentKind,
    amount: Decimal,
    as_of: NaiveDate,
) -> Option<String> {
    if kind == AdjustmentKind::Fee {
        return None;
    }
    let open = open_balance(book, inv, as_of);
    (amount > open).then(|| {
        format!(
            "{} of {} is more than the open balance of invoice {} ({})",
            kind.as_str(),
            format_amount(amount),
            inv.number,
            format_amount(open)
        )
    })
}

/// The late fee the terms allow on an invoice as of `date` (default: the
/// stamp's day): the client's own terms, else the book's. Refuses an
/// invoice with no terms, in dispute, or with nothing to charge.
pub fn charge_fee(
    book: &Book,
    policy: &Policy,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    number: &str,
    date: Option<NaiveDate>,
) -> Result<Built> {
    let inv = invoice(book, number)?;
    let date = date.unwrap_or(stamp.date);
    let Some(terms) = fees::policy_for(book, inv, policy.fees.as_ref()) else {
        return Err(CommandError::Conflict(format!(
            "no late-fee policy applies to invoice {} (set [fees] in config.toml, or charge an amount with dun charge)",
            inv.number
        )));
    };
    let q = fees::quote(book, inv, date, terms);
    if q.chargeable.is_zero() {
        return Err(CommandError::Conflict(format!(
            "nothing to charge on invoice {} as of {date} (not late beyond the grace days, or already charged)",
            inv.number
        )));
    }
    if inv.is_disputed() {
        return Err(CommandError::Conflict(format!(
            "invoice {} is disputed; resolve the dispute first, or charge an amount with dun charge",
            inv.number
        )));
    }
    entry_dates(inv, date, stamp)?;
    let why = fees::describe(&q, terms, date);
    Ok(adjustment(ids, stamp, inv, AdjustmentKind::Fee, q.chargeable, why, date))
}

fn entry_dates(inv: &crate::domain::Invoice, date: NaiveDate, stamp: &Stamp) -> Result<()> {
    if date > stamp.date {
        return Err(CommandError::FutureDate { what: "entry".into(), date, today: stamp.date });
    }
    if date < inv.issue_date {
        return Err(format!("the date {date} is before invoice {} was issued", inv.number).into());
    }
    Ok(())
}

fn adjustment(
    ids: &mut IdAlloc,
    stamp: &Stamp,
    inv: &crate::domain::Invoice,
    kind: AdjustmentKind,
    amount: Decimal,
    reason: String,
    date: NaiveDate,
) -> Built {
    let adj = Adjustment {
        id: ids.adjustment(),
        invoice: inv.number.to_string(),
        date,
        kind,
        amount,
        reason: reason.clone(),
        reverses: None,
    };
    let money = Money::new(amount, inv.currency);
    let text = format!("{} #{} of {money} on {} dated {date}: {reason}", kind_title(kind), adj.id, inv.number);
    let done = format!("{} #{} of {money} on invoice {}: {reason}", kind.as_str(), adj.id, inv.number);
    let n = event_note(ids, stamp, &inv.client_id, text, AccountEvent::Adjustment { adjustment_id: adj.id });
    Built::entry(Batch { adjustments: vec![adj], notes: vec![n], ..Default::default() }, done)
}

fn kind_title(kind: AdjustmentKind) -> &'static str {
    match kind {
        AdjustmentKind::Credit => "Credit",
        AdjustmentKind::WriteOff => "Write-off",
        AdjustmentKind::Fee => "Fee",
        AdjustmentKind::Discount => "Discount allowed",
    }
}

/// Puts an invoice on a payment plan (replacing any plan it had): the
/// instalments must add up to its open balance on the stamp's day.
pub fn set_plan(book: &Book, stamp: &Stamp, number: &str, instalments: &[Instalment]) -> Result<Built> {
    let inv = invoice(book, number)?;
    let open = open_balance(book, inv, stamp.date);
    let instalments = plan::validate_plan(inv, open, instalments).map_err(CommandError::Invalid)?;
    let n = instalments.len();
    let mut inv = inv.clone();
    inv.plan = instalments;
    let done = format!("a plan of {n} instalment(s) for invoice {number}");
    Ok(Built::records(Batch { invoices: vec![inv], ..Default::default() }, done))
}

/// Ends an invoice's payment plan: it is due on its own due date again.
pub fn clear_plan(book: &Book, number: &str) -> Result<Built> {
    let inv = invoice(book, number)?;
    if inv.plan.is_empty() {
        return Err(CommandError::Conflict(format!("invoice {number} has no plan")));
    }
    let mut inv = inv.clone();
    inv.plan.clear();
    let done = format!("cleared the plan of invoice {number}: it is due on its own due date again");
    Ok(Built::records(Batch { invoices: vec![inv], ..Default::default() }, done))
}
