//! Master data and bulk records: adding and updating clients, adding
//! invoices, and imports. These are not log entries (see the module note
//! of `command`), but they are validated here like every other change, so
//! the CLI, the interface and the server refuse the same input.

use chrono::Days;
use rust_decimal::Decimal;

use super::notes::{clean, client};
use super::{Built, ClientFields, CommandError, ImportIds, InvoiceFields, NewInvoice, Stamp};
use crate::domain::client::validate_client_id;
use crate::domain::money::{format_amount, plain_amount};
use crate::domain::{AccountEvent, Book, Client, Currency, Invoice, LineItem, Money};
use crate::store::{Batch, IdAlloc};

type Result<T, E = CommandError> = std::result::Result<T, E>;

/// Adds a client; a field not given takes its default (terms 30 days,
/// currency USD, the rest empty). Refuses an id in use, a bad id, no name.
pub fn add_client(book: &Book, id: &str, fields: ClientFields) -> Result<Built> {
    validate_client_id(id).map_err(CommandError::Invalid)?;
    if book.client(id).is_some() {
        return Err(CommandError::ClientExists(id.to_string()));
    }
    if fields.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err("a client needs a name".into());
    }
    let mut c = Client::new(id, "", fields.currency.unwrap_or(Currency::USD));
    apply_fields(&mut c, fields)?;
    Ok(Built::records(Batch { clients: vec![c], ..Default::default() }, format!("client {id} added")))
}

/// Changes the fields given and keeps every other one (issue 10: an update
/// used to reset what was not typed again). A currency change on a client
/// that has invoices is refused: their amounts are in the old currency.
pub fn update_client(book: &Book, id: &str, fields: ClientFields, add_missing: bool) -> Result<Built> {
    let Some(old) = book.client(id) else {
        if add_missing {
            return add_client(book, id, fields);
        }
        return Err(CommandError::NoClient(id.to_string()));
    };
    if let Some(to) = fields.currency.filter(|&to| to != old.currency) {
        let invoices = book.client_invoices(id).count();
        if invoices > 0 {
            return Err(CommandError::CurrencyChange { client: id.to_string(), from: old.currency, to, invoices });
        }
    }
    if fields.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err("a client needs a name".into());
    }
    let mut c = old.clone();
    apply_fields(&mut c, fields)?;
    let done = if &c == old { format!("client {id} unchanged") } else { format!("client {id} updated") };
    Ok(Built::records(Batch { clients: vec![c], ..Default::default() }, done))
}

fn apply_fields(c: &mut Client, f: ClientFields) -> Result<()> {
    if let Some(d) = f.payment_run_days.iter().flatten().find(|d| !(1..=31).contains(*d)) {
        return Err(format!("payment-run day {d} is not a day of the month (1 to 31)").into());
    }
    if let Some(l) = f.credit_limit.filter(|l| *l < Decimal::ZERO) {
        return Err(format!("a credit limit cannot be negative ({})", plain_amount(l)).into());
    }
    let set = |slot: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *slot = clean(&v);
        }
    };
    set(&mut c.name, f.name);
    set(&mut c.contact, f.contact);
    set(&mut c.email, f.email);
    set(&mut c.phone, f.phone);
    set(&mut c.owner, f.owner);
    if let Some(t) = f.terms_days {
        c.terms_days = t;
    }
    if let Some(cur) = f.currency {
        c.currency = cur;
    }
    if let Some(l) = f.credit_limit {
        c.credit_limit = Some(l);
    }
    if let Some(days) = f.payment_run_days {
        c.payment_run_days = days;
    }
    if let Some(tags) = f.tags {
        c.tags = tags.iter().map(|t| clean(t)).filter(|t| !t.is_empty()).collect();
    }
    if let Some(lines) = f.address {
        c.address = crate::domain::client::address_lines(&lines).map_err(CommandError::Invalid)?;
    }
    Ok(())
}

/// Adds an invoice for a plain total or from line items (if both are
/// given they must agree). Issue date defaults to the stamp's day, the due
/// date to issue date plus the client's terms, the currency to the
/// client's; the client's discount terms are copied onto it.
pub fn add_invoice(book: &Book, stamp: &Stamp, a: NewInvoice) -> Result<Built> {
    let c = client(book, &a.client)?;
    if a.number.trim().is_empty() {
        return Err("an invoice needs a number".into());
    }
    if book.invoice(&a.number).is_some() {
        return Err(CommandError::InvoiceExists(a.number));
    }
    let total = match (a.amount, a.lines.is_empty()) {
        (Some(t), true) => t,
        (None, false) => a.lines.iter().map(LineItem::total).sum(),
        (Some(t), false) => {
            let sum: Decimal = a.lines.iter().map(LineItem::total).sum();
            if sum != t {
                return Err(format!(
                    "the lines add up to {} but the amount given is {}",
                    plain_amount(sum),
                    plain_amount(t)
                )
                .into());
            }
            t
        }
        (None, true) => return Err("give the invoice an amount or --line items".into()),
    };
    if total <= Decimal::ZERO {
        return Err("an invoice total must be more than zero".into());
    }
    crate::domain::validate::money_value(total)
        .map_err(|m| CommandError::Invalid(format!("the invoice total {} {m}", total.normalize())))?;
    let issued = a.issued.unwrap_or(stamp.date);
    let due = match a.due {
        Some(d) => d,
        None => issued
            .checked_add_days(Days::new(c.terms_days.into()))
            .ok_or_else(|| CommandError::Invalid("the due date is out of range".into()))?,
    };
    if due < issued {
        return Err(format!("the due date {due} is before the issue date {issued}").into());
    }
    let currency = a.currency.unwrap_or(c.currency);
    let mut inv = Invoice::new(&a.number, &c.id, issued, due, Money::new(total, currency));
    inv.lines = a.lines;
    inv.reference = a.reference;
    inv.discount = c.discount.clone();
    let mut done = format!("invoice {} for {} {currency} due {due}", a.number, format_amount(total));
    // Crossing the client's credit limit is allowed, but said.
    if let Some(w) = crate::receivables::credit::limit_warning(book, c, total, currency, stamp.date) {
        done = format!("{done}; warning: {w}");
    }
    Ok(Built::records(Batch { invoices: vec![inv], ..Default::default() }, done))
}

/// Changes an invoice's due date, reference or exclusion, keeping the rest.
/// Refuses a due date before the issue date, and an invoice on a payment
/// plan getting a new due date (the plan's dates are the ones in force).
pub fn edit_invoice(book: &Book, number: &str, f: InvoiceFields) -> Result<Built> {
    let old = book.invoice(number).ok_or_else(|| CommandError::NoInvoice(number.to_string()))?;
    let mut inv = old.clone();
    if let Some(due) = f.due {
        if due < inv.issue_date {
            return Err(format!("the due date {due} is before the issue date {}", inv.issue_date).into());
        }
        if !inv.plan.is_empty() && due != inv.due_date {
            return Err(CommandError::Conflict(format!(
                "invoice {number} is on a payment plan: change the plan (dun plan), not the due date"
            )));
        }
        inv.due_date = due;
    }
    if let Some(r) = f.reference {
        inv.reference = clean(&r);
    }
    if let Some(x) = f.excluded {
        inv.excluded = x;
    }
    let done = if &inv == old { format!("invoice {number} unchanged") } else { format!("invoice {number} updated") };
    Ok(Built::records(Batch { invoices: vec![inv], ..Default::default() }, done))
}

/// Records read from a file, written all or nothing. The importers
/// (`io::native`, `io::xero`, ...) have already checked every row against
/// the book and located every error in the file; this gives the payments,
/// adjustments and notes their ledger ids ([`ImportIds::Fresh`]) and
/// refuses a non-empty ledger when asked to.
pub fn import(book: &Book, ids: &mut IdAlloc, mut records: Batch, how: ImportIds, into_empty: bool) -> Result<Built> {
    if into_empty && !book.clients().is_empty() {
        return Err(CommandError::Conflict("the book is not empty".into()));
    }
    if how == ImportIds::Fresh {
        renumber(&mut records, ids)?;
    }
    let c = records.counts();
    let done = format!(
        "{} clients, {} invoices, {} payments, {} adjustments, {} notes",
        c.clients, c.invoices, c.payments, c.adjustments, c.notes
    );
    Ok(Built::records(records, done))
}

/// Gives every payment, adjustment and note a fresh id and rewrites the
/// links between them (reversals, corrections, a note's payment or
/// adjustment) to match. Placeholder ids must be distinct within a kind.
fn renumber(b: &mut Batch, ids: &mut IdAlloc) -> Result<()> {
    use std::collections::HashMap;
    fn map(kind: &str, old: impl Iterator<Item = u64>, mut next: impl FnMut() -> u64) -> Result<HashMap<u64, u64>> {
        let mut m = HashMap::new();
        for id in old {
            if m.insert(id, next()).is_some() {
                return Err(format!("the import holds {kind} id {id} twice").into());
            }
        }
        Ok(m)
    }
    let pay = map("payment", b.payments.iter().map(|p| p.id), || ids.payment())?;
    let adj = map("adjustment", b.adjustments.iter().map(|a| a.id), || ids.adjustment())?;
    let note = map("note", b.notes.iter().map(|n| n.id), || ids.note())?;
    let relink = |m: &HashMap<u64, u64>, id: &mut Option<u64>| {
        if let Some(new) = id.and_then(|i| m.get(&i)) {
            *id = Some(*new);
        }
    };
    for p in &mut b.payments {
        p.id = pay[&p.id];
        relink(&pay, &mut p.reverses);
    }
    for a in &mut b.adjustments {
        a.id = adj[&a.id];
        relink(&adj, &mut a.reverses);
    }
    for n in &mut b.notes {
        n.id = note[&n.id];
        relink(&note, &mut n.reverses);
        relink(&note, &mut n.supersedes);
        match &mut n.event {
            Some(AccountEvent::Payment { payment_id }) => *payment_id = *pay.get(payment_id).unwrap_or(payment_id),
            Some(AccountEvent::Adjustment { adjustment_id }) => {
                *adjustment_id = *adj.get(adjustment_id).unwrap_or(adjustment_id)
            }
            _ => {}
        }
    }
    Ok(())
}
