//! Follow-up entries: pure builders that turn what a person meant ("called,
//! they promise to pay next Friday", "mark this disputed", "undo that") into
//! a [`Batch`] for [`crate::store::Store::apply`]. Shared by the CLI
//! (`dun log`, `dun dispute`, ...) and the interface (issue 6).
//!
//! Every builder:
//! - takes the book as it is now, an [`IdAlloc`] for new ids (from
//!   `Store::ids()`; an error may leave some ids unused, which is harmless:
//!   the store only needs them fresh), and a [`Stamp`] (business day,
//!   wall-clock instant and author, all read by the shell; nothing here
//!   reads the clock);
//! - validates everything before building and returns a plain one-line
//!   message on bad input, with nothing to write;
//! - records every state change (dispute, hold, snooze, payment) together
//!   with a note carrying the matching [`AccountEvent`], so the log tells
//!   the whole story; history is never rewritten, an undo is a new entry;
//! - returns a batch holding exactly one note: its id (`batch.notes[0].id`)
//!   is what [`undo`] takes to reverse the whole entry, payment included.
//!
//! Notes written here are dated `stamp.date` (the `--today` in force), which
//! is the day the rules engine reasons in.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::domain::money::format_amount;
use crate::domain::{
    AccountEvent, Adjustment, Allocation, Book, CallOutcome, Client, Completion, Dispute, Hold, Invoice, Money, Note,
    NoteKind, Payment, PaymentMethod, Promise,
};
use crate::receivables::allocate::allocate_payment;
use crate::receivables::open_balance;
use crate::rules::{self, Rules};
use crate::store::{Batch, IdAlloc};

/// Who writes an entry, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The business day the entry belongs to (the shell's `today`).
    pub date: NaiveDate,
    /// The wall-clock instant it was written, UTC.
    pub at: DateTime<Utc>,
    /// The OS user name ([`crate::user_name`]).
    pub author: String,
}

/// A note as a person enters it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteInput {
    pub kind: NoteKind,
    /// Only for calls.
    pub outcome: Option<CallOutcome>,
    pub text: String,
    pub promise: Option<PromiseInput>,
    /// When to look at the account again (shown, not acted on by the ladder).
    pub next_follow_up: Option<NaiveDate>,
}

impl NoteInput {
    pub fn new(kind: NoteKind, text: impl Into<String>) -> Self {
        NoteInput { kind, outcome: None, text: text.into(), promise: None, next_follow_up: None }
    }
}

/// A promise to pay as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromiseInput {
    /// On or after the note's day.
    pub date: NaiveDate,
    /// `None`: the default from [`promise_default_amount`].
    pub amount: Option<Decimal>,
    /// The invoices promised for; empty means the whole account.
    pub invoices: Vec<String>,
}

/// A payment as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentInput {
    pub amount: Decimal,
    /// When it was received: on or before the stamp's day.
    pub date: NaiveDate,
    pub method: PaymentMethod,
    pub reference: String,
    /// Settle this invoice first; then the oldest open ones; the rest is credit.
    pub invoice: Option<String>,
}

fn client<'a>(book: &'a Book, id: &str) -> Result<&'a Client, String> {
    book.client(id).ok_or_else(|| format!("no client {id}"))
}

fn invoice<'a>(book: &'a Book, number: &str) -> Result<&'a Invoice, String> {
    book.invoice(number).ok_or_else(|| format!("no invoice {number}"))
}

fn clean(text: &str) -> String {
    // Keep line breaks for long notes; anything else invisible goes.
    let kept: String = text.chars().filter(|&c| c == '\n' || c == '\t' || !c.is_control()).collect();
    kept.trim().to_string()
}

fn blank_note(ids: &mut IdAlloc, stamp: &Stamp, client_id: &str, kind: NoteKind, text: String) -> Note {
    Note::new(ids.note(), client_id, stamp.at, stamp.date, stamp.author.clone(), kind, text)
}

fn event_note(ids: &mut IdAlloc, stamp: &Stamp, client_id: &str, text: String, event: AccountEvent) -> Note {
    let mut n = blank_note(ids, stamp, client_id, NoteKind::Internal, text);
    n.event = Some(event);
    n
}

/// The amount a promise defaults to: the open balance of the named invoices
/// that is past due on `today` (or, when none of it is past due yet, their
/// whole open balance). With no invoices named, the same over the whole
/// account in the client's currency. Errors name what is wrong.
pub fn promise_default_amount(
    book: &Book,
    client_id: &str,
    invoices: &[String],
    today: NaiveDate,
) -> Result<Money, String> {
    let c = client(book, client_id)?;
    let chosen: Vec<&Invoice> = if invoices.is_empty() {
        book.client_invoices(client_id).filter(|i| i.currency == c.currency).collect()
    } else {
        promise_invoices(book, c, invoices)?
    };
    let currency = chosen.first().map(|i| i.currency).unwrap_or(c.currency);
    let (mut overdue, mut open) = (Decimal::ZERO, Decimal::ZERO);
    for inv in chosen {
        let b = open_balance(book, inv, today);
        open += b;
        if inv.due_date < today {
            overdue += b;
        }
    }
    Ok(Money::new(if overdue > Decimal::ZERO { overdue } else { open }, currency))
}

fn promise_invoices<'a>(book: &'a Book, c: &Client, numbers: &[String]) -> Result<Vec<&'a Invoice>, String> {
    let mut out: Vec<&Invoice> = Vec::with_capacity(numbers.len());
    for n in numbers {
        let inv = invoice(book, n)?;
        if inv.client_id != c.id {
            return Err(format!("invoice {n} belongs to client {}, not {}", inv.client_id, c.id));
        }
        if let Some(first) = out.first() {
            if first.currency != inv.currency {
                return Err(format!(
                    "a promise is in one currency: {} is in {}, {} in {}",
                    first.number, first.currency, inv.number, inv.currency
                ));
            }
        }
        if !out.iter().any(|i| i.number == inv.number) {
            out.push(inv);
        }
    }
    Ok(out)
}

fn build_note(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    input: NoteInput,
) -> Result<Note, String> {
    let c = client(book, client_id)?;
    if input.outcome.is_some() && input.kind != NoteKind::Call {
        return Err(format!("an outcome is only for calls, not for a {} note", input.kind));
    }
    let text = clean(&input.text);
    let promise = match input.promise {
        None => None,
        Some(p) => {
            if p.date < stamp.date {
                return Err(format!("the promise date {} is before today ({})", p.date, stamp.date));
            }
            let default = promise_default_amount(book, &c.id, &p.invoices, stamp.date)?;
            let amount = p.amount.unwrap_or(default.amount);
            if amount <= Decimal::ZERO {
                return Err("a promise needs an amount above zero (nothing is open to promise)".into());
            }
            let mut invoices = p.invoices;
            invoices.dedup();
            Some(Promise { date: p.date, amount, currency: default.currency, invoices })
        }
    };
    if text.is_empty() && input.outcome.is_none() && promise.is_none() {
        return Err("a note needs some text".into());
    }
    if let Some(d) = input.next_follow_up {
        if d < stamp.date {
            return Err(format!("the next follow-up {d} is before today ({})", stamp.date));
        }
    }
    let mut n = blank_note(ids, stamp, &c.id, input.kind, text);
    n.outcome = input.outcome;
    n.promise = promise;
    n.next_follow_up = input.next_follow_up;
    Ok(n)
}

/// Logs a note (a contact, an internal remark, optionally a promise to pay).
///
/// Refuses: an unknown client; an outcome on anything but a call; a note
/// with no text, outcome or promise; a promise dated before today, naming
/// invoices of another client or of two currencies, or for nothing open;
/// a next follow-up before today.
pub fn log_note(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    input: NoteInput,
) -> Result<Batch, String> {
    let n = build_note(book, ids, stamp, client_id, input)?;
    Ok(Batch { notes: vec![n], ..Default::default() })
}

/// Logs a note that marks the client's current action (as the rules see it
/// on `stamp.date`) as done: the note carries a completion for that level
/// and the invoices the action covers, so they move up the ladder (or, for
/// a broken-promise call, the promise counts as followed up). `only`, when
/// not empty, limits the completion to those of the action's invoices.
///
/// Refuses when the client has nothing due today, when `only` names no
/// invoice of the action, and for anything [`log_note`] refuses (except that
/// the text may be empty: the completion says what was done).
pub fn mark_done(
    book: &Book,
    rules: &Rules,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    mut input: NoteInput,
    only: &[String],
) -> Result<Batch, String> {
    client(book, client_id)?;
    let action = rules::client_action(book, rules, client_id, stamp.date)
        .ok_or_else(|| format!("nothing is due for client {client_id} on {}", stamp.date))?;
    if action.kind == rules::ActionKind::ApplyCredit {
        return Err(format!(
            "client {client_id} is in credit: apply the credit (dun credit apply {client_id}) rather than marking a chase done"
        ));
    }
    let invoices: Vec<String> = if only.is_empty() {
        action.invoices.clone()
    } else {
        if let Some(n) = only.iter().find(|n| !action.invoices.contains(n)) {
            return Err(format!(
                "invoice {n} is not part of today's {} for {client_id} ({})",
                action.level_name,
                action.invoices.join(", ")
            ));
        }
        only.to_vec()
    };
    if input.text.trim().is_empty() {
        input.text = format!("{} done", action.level_name);
    }
    let mut n = build_note(book, ids, stamp, client_id, input)?;
    n.completes = Some(Completion { level: action.level, invoices });
    Ok(Batch { notes: vec![n], ..Default::default() })
}

/// Marks an invoice disputed (it leaves the ladder, stays in aging and
/// totals). Refuses an unknown or already disputed invoice, or no reason.
pub fn dispute(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, number: &str, reason: &str) -> Result<Batch, String> {
    let inv = invoice(book, number)?;
    let reason = clean(reason);
    if reason.is_empty() {
        return Err("a dispute needs a reason".into());
    }
    if let Some(d) = &inv.dispute {
        return Err(format!("invoice {number} is already disputed since {}: {}", d.since, d.reason));
    }
    let mut updated = inv.clone();
    updated.dispute = Some(Dispute { reason: reason.clone(), since: stamp.date });
    let n = event_note(
        ids,
        stamp,
        &inv.client_id,
        format!("Disputed {number}: {reason}"),
        AccountEvent::Dispute { invoice: number.to_string(), reason },
    );
    Ok(Batch { invoices: vec![updated], notes: vec![n], ..Default::default() })
}

/// Resolves an invoice's dispute (it rejoins the ladder where its dates put
/// it). `text` is an optional remark. Refuses an invoice not in dispute.
pub fn resolve(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, number: &str, text: &str) -> Result<Batch, String> {
    let inv = invoice(book, number)?;
    if inv.dispute.is_none() {
        return Err(format!("invoice {number} is not disputed"));
    }
    let mut updated = inv.clone();
    updated.dispute = None;
    let remark = clean(text);
    let text = if remark.is_empty() {
        format!("Dispute on {number} resolved")
    } else {
        format!("Dispute on {number} resolved: {remark}")
    };
    let n = event_note(ids, stamp, &inv.client_id, text, AccountEvent::Resolve { invoice: number.to_string() });
    Ok(Batch { invoices: vec![updated], notes: vec![n], ..Default::default() })
}

/// Snoozes a client: no actions before `until`. Refuses a date that is not
/// after today.
pub fn snooze(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    until: NaiveDate,
) -> Result<Batch, String> {
    let c = client(book, client_id)?;
    if until <= stamp.date {
        return Err(format!("snooze until a day after today ({}), not {until}", stamp.date));
    }
    let mut updated = c.clone();
    updated.snoozed_until = Some(until);
    let n = event_note(ids, stamp, client_id, format!("Snoozed until {until}"), AccountEvent::Snooze { until });
    Ok(Batch { clients: vec![updated], notes: vec![n], ..Default::default() })
}

/// Ends a snooze early. Refuses a client that is not snoozed today.
pub fn unsnooze(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str) -> Result<Batch, String> {
    let c = client(book, client_id)?;
    if !c.is_snoozed(stamp.date) {
        return Err(format!("client {client_id} is not snoozed"));
    }
    let mut updated = c.clone();
    updated.snoozed_until = None;
    let n = event_note(ids, stamp, client_id, "Snooze ended".into(), AccountEvent::Unsnooze);
    Ok(Batch { clients: vec![updated], notes: vec![n], ..Default::default() })
}

/// Puts a client on hold (no actions until released). Refuses a client
/// already on hold, or no reason.
pub fn hold(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str, reason: &str) -> Result<Batch, String> {
    let c = client(book, client_id)?;
    let reason = clean(reason);
    if reason.is_empty() {
        return Err("a hold needs a reason".into());
    }
    if let Some(h) = &c.hold {
        return Err(format!("client {client_id} is already on hold since {}: {}", h.since, h.reason));
    }
    let mut updated = c.clone();
    updated.hold = Some(Hold { reason: reason.clone(), since: stamp.date });
    let n = event_note(ids, stamp, client_id, format!("On hold: {reason}"), AccountEvent::Hold { reason });
    Ok(Batch { clients: vec![updated], notes: vec![n], ..Default::default() })
}

/// Releases a hold. Refuses a client that is not on hold.
pub fn unhold(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str) -> Result<Batch, String> {
    let c = client(book, client_id)?;
    if c.hold.is_none() {
        return Err(format!("client {client_id} is not on hold"));
    }
    let mut updated = c.clone();
    updated.hold = None;
    let n = event_note(ids, stamp, client_id, "Hold released".into(), AccountEvent::Unhold);
    Ok(Batch { clients: vec![updated], notes: vec![n], ..Default::default() })
}

/// Records a payment from a client: allocated to `input.invoice` first (up
/// to its balance), then to the oldest open invoices in the same currency,
/// the remainder left as credit on account (`receivables::allocate`). The
/// currency is the target invoice's, else the client's. Refuses an amount
/// of zero or less, a date after today, or a target invoice of another
/// client.
pub fn record_payment(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    input: PaymentInput,
) -> Result<Batch, String> {
    let c = client(book, client_id)?;
    if input.amount <= Decimal::ZERO {
        return Err("a payment must be more than zero".into());
    }
    if input.date > stamp.date {
        return Err(format!("the payment date {} is after today ({})", input.date, stamp.date));
    }
    let currency = match &input.invoice {
        Some(n) => {
            let inv = invoice(book, n)?;
            if inv.client_id != c.id {
                return Err(format!("invoice {n} belongs to client {}, not {}", inv.client_id, c.id));
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
    let n = event_note(ids, stamp, &c.id, text, AccountEvent::Payment { payment_id: p.id });
    Ok(Batch { payments: vec![p], notes: vec![n], ..Default::default() })
}

fn summary(n: &Note) -> String {
    let first = n.text.lines().next().unwrap_or("");
    let short: String = first.chars().take(60).collect();
    let ell = if short.len() < first.len() || n.text.lines().nth(1).is_some() { "…" } else { "" };
    format!("#{} ({}) {short}{ell}", n.id, n.kind)
}

/// The client's notes before `before` that no note reverses, newest first.
fn standing_notes_before<'a>(book: &'a Book, client_id: &str, before: u64) -> Vec<&'a Note> {
    let reversed: std::collections::HashSet<u64> = book.client_notes(client_id).filter_map(|n| n.reverses).collect();
    book.client_notes(client_id)
        .rev()
        .filter(|n| n.id < before && n.reverses.is_none() && !reversed.contains(&n.id))
        .collect()
}

/// Logs a note that corrects an earlier one of the same client: the new
/// note `supersedes` it, so the rules and the screens use the correction,
/// and the earlier note stays in the history. Refuses a note of another
/// client, one already corrected or undone, and anything [`log_note`]
/// refuses.
pub fn correct(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    note_id: u64,
    input: NoteInput,
) -> Result<Batch, String> {
    let old = book.note(note_id).ok_or_else(|| format!("no note #{note_id}"))?;
    if old.client_id != client_id {
        return Err(format!("note #{note_id} belongs to client {}, not {client_id}", old.client_id));
    }
    if let Some(n) = book.notes().iter().find(|n| n.supersedes == Some(note_id) || n.reverses == Some(note_id)) {
        return Err(format!("note #{note_id} was already corrected or undone by note #{}", n.id));
    }
    let mut batch = log_note(book, ids, stamp, client_id, input)?;
    if let Some(n) = batch.notes.first_mut() {
        n.supersedes = Some(note_id);
    }
    Ok(batch)
}

/// Undoes a note by recording a reversing entry (the original stays in the
/// log): a new note with `reverses`, plus the inverse of any state change
/// the note recorded:
/// - dispute → the invoice leaves dispute; resolve → the dispute returns
///   (reason and date from the dispute it resolved);
/// - hold → released; unhold → the previous hold returns;
/// - snooze / unsnooze → the snooze in force before the note returns;
/// - payment → a reversing payment (`reverses`, negated amount and
///   allocations, dated as the original so balances net to zero on every
///   day); adjustment → a reversing adjustment, likewise.
///
/// A promise or a completion needs no inverse: the engine ignores reversed
/// notes. Refuses an unknown note, a note that is itself an undo, a note
/// already undone, and a state change that later entries have since changed
/// (undo those first).
pub fn undo(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, note_id: u64) -> Result<Batch, String> {
    let orig = book.note(note_id).ok_or_else(|| format!("no note #{note_id}"))?;
    if orig.reverses.is_some() {
        return Err(format!("note #{note_id} is itself an undo; log the entry again instead"));
    }
    if book.client_notes(&orig.client_id).any(|n| n.reverses == Some(note_id)) {
        return Err(format!("note #{note_id} is already undone"));
    }
    let changed = |what: &str| format!("{what} has changed since note #{note_id}; undo the later entries first");
    let mut batch = Batch::default();
    match &orig.event {
        // Agency placement and reasons live in the log alone: the reversing
        // note below is the whole undo.
        None
        | Some(AccountEvent::PlacedWithAgency { .. } | AccountEvent::Recalled | AccountEvent::LateReason { .. }) => {}
        Some(AccountEvent::Dispute { invoice: number, .. }) => {
            let inv = invoice(book, number)?;
            if inv.dispute.is_none() {
                return Err(changed(&format!("the dispute on {number}")));
            }
            let mut u = inv.clone();
            u.dispute = None;
            batch.invoices.push(u);
        }
        Some(AccountEvent::Resolve { invoice: number }) => {
            let inv = invoice(book, number)?;
            if inv.dispute.is_some() {
                return Err(changed(&format!("the dispute on {number}")));
            }
            let before = standing_notes_before(book, &orig.client_id, note_id);
            let (reason, since) = before
                .iter()
                .find_map(|n| match &n.event {
                    Some(AccountEvent::Dispute { invoice, reason }) if invoice == number => {
                        Some((reason.clone(), n.date))
                    }
                    _ => None,
                })
                .unwrap_or_else(|| ("(restored by undo)".to_string(), orig.date));
            let mut u = inv.clone();
            u.dispute = Some(Dispute { reason, since });
            batch.invoices.push(u);
        }
        Some(AccountEvent::Hold { .. }) => {
            let c = client(book, &orig.client_id)?;
            if c.hold.is_none() {
                return Err(changed("the hold"));
            }
            let mut u = c.clone();
            u.hold = None;
            batch.clients.push(u);
        }
        Some(AccountEvent::Unhold) => {
            let c = client(book, &orig.client_id)?;
            if c.hold.is_some() {
                return Err(changed("the hold"));
            }
            let before = standing_notes_before(book, &orig.client_id, note_id);
            let hold = before
                .iter()
                .find_map(|n| match &n.event {
                    Some(AccountEvent::Hold { reason }) => Some(Hold { reason: reason.clone(), since: n.date }),
                    _ => None,
                })
                .unwrap_or(Hold { reason: "(restored by undo)".into(), since: orig.date });
            let mut u = c.clone();
            u.hold = Some(hold);
            batch.clients.push(u);
        }
        Some(ev @ (AccountEvent::Snooze { .. } | AccountEvent::Unsnooze)) => {
            let c = client(book, &orig.client_id)?;
            let set_by_note = match ev {
                AccountEvent::Snooze { until } => Some(*until),
                _ => None,
            };
            if c.snoozed_until != set_by_note {
                return Err(changed("the snooze"));
            }
            let before = standing_notes_before(book, &orig.client_id, note_id);
            let previous = before.iter().find_map(|n| match &n.event {
                Some(AccountEvent::Snooze { until }) => Some(Some(*until)),
                Some(AccountEvent::Unsnooze) => Some(None),
                _ => None,
            });
            let mut u = c.clone();
            u.snoozed_until = previous.flatten();
            batch.clients.push(u);
        }
        Some(AccountEvent::Payment { payment_id }) => {
            let p = book.payment(*payment_id).ok_or_else(|| format!("payment #{payment_id} is not in the book"))?;
            if book.payments().iter().any(|q| q.reverses == Some(*payment_id)) {
                return Err(format!("payment #{payment_id} is already reversed"));
            }
            batch.payments.push(Payment {
                id: ids.payment(),
                client_id: p.client_id.clone(),
                date: p.date,
                amount: -p.amount,
                currency: p.currency,
                method: p.method.clone(),
                reference: format!("reversal of payment #{payment_id}"),
                allocations: p
                    .allocations
                    .iter()
                    .map(|a| Allocation { invoice: a.invoice.clone(), amount: -a.amount })
                    .collect(),
                reverses: Some(*payment_id),
            });
        }
        Some(AccountEvent::Adjustment { adjustment_id }) => {
            let a = book
                .adjustments()
                .iter()
                .find(|a| a.id == *adjustment_id)
                .ok_or_else(|| format!("adjustment #{adjustment_id} is not in the book"))?;
            if book.adjustments().iter().any(|b| b.reverses == Some(*adjustment_id)) {
                return Err(format!("adjustment #{adjustment_id} is already reversed"));
            }
            batch.adjustments.push(Adjustment {
                id: ids.adjustment(),
                invoice: a.invoice.clone(),
                date: a.date,
                kind: a.kind,
                amount: -a.amount,
                reason: format!("reversal of {} #{adjustment_id}", a.kind.as_str()),
                reverses: Some(*adjustment_id),
            });
        }
    }
    let mut n = blank_note(ids, stamp, &orig.client_id, NoteKind::Internal, format!("Undone: {}", summary(orig)));
    n.reverses = Some(note_id);
    batch.notes.push(n);
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use crate::receivables::account_credit;

    fn d(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() + chrono::Days::new(n)
    }
    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn stamp(day: NaiveDate) -> Stamp {
        Stamp { date: day, at: day.and_hms_opt(9, 30, 0).unwrap().and_utc(), author: "sam".into() }
    }

    /// C1 (USD) with I1 1000 and I2 500, both due on d(0); C2 with X1.
    fn book() -> Book {
        let usd = |a: &str| Money::new(dec(a), Currency::USD);
        Book::new(
            vec![Client::new("C1", "Acme", Currency::USD), Client::new("C2", "Other", Currency::USD)],
            vec![
                Invoice::new("I1", "C1", d(0) - chrono::Days::new(30), d(0), usd("1000")),
                Invoice::new("I2", "C1", d(0) - chrono::Days::new(20), d(5), usd("500")),
                Invoice::new("X1", "C2", d(0) - chrono::Days::new(30), d(0), usd("10")),
            ],
            vec![],
            vec![],
            vec![],
        )
    }

    /// What `Store::apply` does to the in-memory book.
    fn apply(book: &mut Book, b: Batch) {
        b.clients.into_iter().for_each(|c| book.upsert_client(c));
        b.invoices.into_iter().for_each(|i| book.upsert_invoice(i));
        b.payments.into_iter().for_each(|p| book.add_payment(p));
        b.adjustments.into_iter().for_each(|a| book.add_adjustment(a));
        b.notes.into_iter().for_each(|n| book.add_note(n));
    }

    fn ids() -> IdAlloc {
        IdAlloc::starting_at(100)
    }

    #[test]
    fn log_note_with_a_promise_defaulting_to_the_overdue_total() {
        let b = book();
        let mut input = NoteInput::new(NoteKind::Call, "  they will pay friday \u{7}");
        input.outcome = Some(CallOutcome::Reached);
        input.promise = Some(PromiseInput { date: d(10), amount: None, invoices: vec![] });
        let batch = log_note(&b, &mut ids(), &stamp(d(3)), "C1", input).unwrap();
        let n = &batch.notes[0];
        assert_eq!((n.id, n.date, n.author.as_str(), n.text.as_str()), (101, d(3), "sam", "they will pay friday"));
        let p = n.promise.as_ref().unwrap();
        // Only I1 is past due on d(3); I2 is due on d(5).
        assert_eq!((p.amount, p.currency, p.date, p.invoices.len()), (dec("1000"), Currency::USD, d(10), 0));
        let mut input = NoteInput::new(NoteKind::Call, "");
        input.promise = Some(PromiseInput { date: d(10), amount: None, invoices: vec!["I2".into()] });
        let batch = log_note(&b, &mut ids(), &stamp(d(3)), "C1", input).unwrap();
        assert_eq!(batch.notes[0].promise.as_ref().unwrap().amount, dec("500"), "nothing overdue: the open balance");
    }

    #[test]
    fn log_note_refuses_bad_input() {
        let b = book();
        let st = stamp(d(3));
        let try_log = |client: &str, f: &dyn Fn(&mut NoteInput)| {
            let mut input = NoteInput::new(NoteKind::Email, "text");
            f(&mut input);
            log_note(&b, &mut ids(), &st, client, input).unwrap_err()
        };
        assert!(try_log("C9", &|_| {}).contains("no client C9"));
        assert!(try_log("C1", &|i| i.text = " ".into()).contains("needs some text"));
        assert!(try_log("C1", &|i| i.outcome = Some(CallOutcome::Voicemail)).contains("only for calls"));
        let promise = |date, inv: &[&str]| {
            Some(PromiseInput { date, amount: None, invoices: inv.iter().map(|s| s.to_string()).collect() })
        };
        assert!(try_log("C1", &|i| i.promise = promise(d(2), &[])).contains("before today"));
        assert!(try_log("C1", &|i| i.promise = promise(d(9), &["X1"])).contains("belongs to client C2"));
        assert!(try_log("C1", &|i| i.promise = promise(d(9), &["NOPE"])).contains("no invoice NOPE"));
        assert!(try_log("C1", &|i| i.next_follow_up = Some(d(1))).contains("before today"));
    }

    #[test]
    fn mark_done_completes_todays_action_and_the_client_moves_on() {
        let mut b = book();
        // No history here: without required steps the ladder goes by age alone.
        let mut rules = Rules::default();
        rules.levels.iter_mut().for_each(|l| l.required = false);
        let today = d(31);
        let act = rules::client_action(&b, &rules, "C1", today).unwrap();
        assert_eq!((act.level, act.invoices.clone()), (5, vec!["I1".to_string()]));
        let batch =
            mark_done(&b, &rules, &mut ids(), &stamp(today), "C1", NoteInput::new(NoteKind::Letter, ""), &[]).unwrap();
        let n = &batch.notes[0];
        assert_eq!(n.completes, Some(Completion { level: 5, invoices: vec!["I1".into()] }));
        assert_eq!(n.text, "Letter of demand done");
        apply(&mut b, batch);
        // I2 (26 days overdue) is next: its phone call.
        let next = rules::client_action(&b, &rules, "C1", today).unwrap();
        assert_eq!((next.level, next.invoices), (4, vec!["I2".to_string()]));
        let batch =
            mark_done(&b, &rules, &mut ids(), &stamp(today), "C1", NoteInput::new(NoteKind::Email, "sent"), &[])
                .unwrap();
        apply(&mut b, batch);
        assert_eq!(rules::client_action(&b, &rules, "C1", today), None);
        let e = mark_done(&b, &rules, &mut ids(), &stamp(today), "C1", NoteInput::new(NoteKind::Email, "x"), &[])
            .unwrap_err();
        assert!(e.contains("nothing is due"), "{e}");
        let e = mark_done(
            &b,
            &rules,
            &mut ids(),
            &stamp(d(61)),
            "C1",
            NoteInput::new(NoteKind::Email, "x"),
            &["I2".into()],
        )
        .unwrap_err();
        assert!(e.contains("not part of today's Collection agency"), "{e}");
    }

    #[test]
    fn dispute_resolve_and_their_undo() {
        let mut b = book();
        // No history here: without required steps the ladder goes by age alone.
        let mut rules = Rules::default();
        rules.levels.iter_mut().for_each(|l| l.required = false);
        let today = d(31);
        let mut ids = ids();
        let batch = dispute(&b, &mut ids, &stamp(d(20)), "I1", "wrong price").unwrap();
        let dispute_note = batch.notes[0].id;
        assert_eq!(
            batch.notes[0].event,
            Some(AccountEvent::Dispute { invoice: "I1".into(), reason: "wrong price".into() })
        );
        apply(&mut b, batch);
        assert_eq!(b.invoice("I1").unwrap().dispute, Some(Dispute { reason: "wrong price".into(), since: d(20) }));
        assert_eq!(rules::client_action(&b, &rules, "C1", today).unwrap().invoices, vec!["I2".to_string()]);
        assert!(dispute(&b, &mut ids, &stamp(today), "I1", "again").unwrap_err().contains("already disputed"));
        assert!(dispute(&b, &mut ids, &stamp(today), "I2", " ").unwrap_err().contains("needs a reason"));
        assert!(resolve(&b, &mut ids, &stamp(today), "I2", "").unwrap_err().contains("not disputed"));

        let batch = resolve(&b, &mut ids, &stamp(d(25)), "I1", "credit agreed").unwrap();
        let resolve_note = batch.notes[0].id;
        assert_eq!(batch.notes[0].text, "Dispute on I1 resolved: credit agreed");
        apply(&mut b, batch);
        assert_eq!(b.invoice("I1").unwrap().dispute, None);
        assert_eq!(rules::client_action(&b, &rules, "C1", today).unwrap().invoices, vec!["I1".to_string()]);

        // Undo the dispute while resolved: refused, the state moved on.
        assert!(undo(&b, &mut ids, &stamp(today), dispute_note).unwrap_err().contains("has changed since"));
        // Undo the resolution: the original dispute returns.
        let batch = undo(&b, &mut ids, &stamp(today), resolve_note).unwrap();
        assert_eq!(batch.notes[0].reverses, Some(resolve_note));
        apply(&mut b, batch);
        assert_eq!(b.invoice("I1").unwrap().dispute, Some(Dispute { reason: "wrong price".into(), since: d(20) }));
        assert!(undo(&b, &mut ids, &stamp(today), resolve_note).unwrap_err().contains("already undone"));
        // Now the dispute itself can be undone.
        let batch = undo(&b, &mut ids, &stamp(today), dispute_note).unwrap();
        let undo_note = batch.notes[0].id;
        apply(&mut b, batch);
        assert_eq!(b.invoice("I1").unwrap().dispute, None);
        assert!(undo(&b, &mut ids, &stamp(today), undo_note).unwrap_err().contains("itself an undo"));
    }

    #[test]
    fn hold_snooze_and_their_undo() {
        let mut b = book();
        let rules = Rules::default();
        let today = d(31);
        let mut ids = ids();
        assert!(snooze(&b, &mut ids, &stamp(today), "C1", today).unwrap_err().contains("after today"));
        let batch = snooze(&b, &mut ids, &stamp(today), "C1", d(40)).unwrap();
        let snooze_note = batch.notes[0].id;
        apply(&mut b, batch);
        assert_eq!(rules::client_action(&b, &rules, "C1", today), None);
        assert!(rules::client_action(&b, &rules, "C1", d(40)).is_some());
        let batch = unsnooze(&b, &mut ids, &stamp(today), "C1").unwrap();
        let unsnooze_note = batch.notes[0].id;
        apply(&mut b, batch);
        assert!(rules::client_action(&b, &rules, "C1", today).is_some());
        assert!(unsnooze(&b, &mut ids, &stamp(today), "C1").unwrap_err().contains("not snoozed"));
        // Undoing the unsnooze brings the snooze back; then undoing the snooze clears it.
        let u = undo(&b, &mut ids, &stamp(today), unsnooze_note).unwrap();
        apply(&mut b, u);
        assert_eq!(b.client("C1").unwrap().snoozed_until, Some(d(40)));
        let u = undo(&b, &mut ids, &stamp(today), snooze_note).unwrap();
        apply(&mut b, u);
        assert_eq!(b.client("C1").unwrap().snoozed_until, None);

        assert!(hold(&b, &mut ids, &stamp(today), "C1", "").unwrap_err().contains("needs a reason"));
        let batch = hold(&b, &mut ids, &stamp(today), "C1", "administration").unwrap();
        let hold_note = batch.notes[0].id;
        apply(&mut b, batch);
        assert_eq!(b.client("C1").unwrap().hold, Some(Hold { reason: "administration".into(), since: today }));
        assert_eq!(rules::client_action(&b, &rules, "C1", today), None);
        assert!(hold(&b, &mut ids, &stamp(today), "C1", "x").unwrap_err().contains("already on hold"));
        let batch = unhold(&b, &mut ids, &stamp(d(32)), "C1").unwrap();
        let unhold_note = batch.notes[0].id;
        apply(&mut b, batch);
        assert!(rules::client_action(&b, &rules, "C1", d(32)).is_some());
        let u = undo(&b, &mut ids, &stamp(d(32)), unhold_note).unwrap();
        apply(&mut b, u);
        assert_eq!(b.client("C1").unwrap().hold, Some(Hold { reason: "administration".into(), since: today }));
        let u = undo(&b, &mut ids, &stamp(d(32)), hold_note).unwrap();
        apply(&mut b, u);
        assert_eq!(b.client("C1").unwrap().hold, None);
    }

    #[test]
    fn payment_allocates_and_undo_reverses_it_on_every_day() {
        let mut b = book();
        let mut ids = ids();
        let today = d(31);
        let input = |amount: &str, invoice: Option<&str>| PaymentInput {
            amount: dec(amount),
            date: d(30),
            method: PaymentMethod::Card,
            reference: "R1".into(),
            invoice: invoice.map(String::from),
        };
        assert!(record_payment(&b, &mut ids, &stamp(today), "C1", input("0", None))
            .unwrap_err()
            .contains("more than zero"));
        assert!(record_payment(&b, &mut ids, &stamp(today), "C1", input("5", Some("X1"))).unwrap_err().contains("C2"));
        let mut late = input("5", None);
        late.date = d(32);
        assert!(record_payment(&b, &mut ids, &stamp(today), "C1", late).unwrap_err().contains("after today"));

        let batch = record_payment(&b, &mut ids, &stamp(today), "C1", input("1600", Some("I2"))).unwrap();
        let p = &batch.payments[0];
        let got: Vec<(&str, Decimal)> = p.allocations.iter().map(|a| (a.invoice.as_str(), a.amount)).collect();
        assert_eq!(got, vec![("I2", dec("500")), ("I1", dec("1000"))]);
        let note = batch.notes[0].clone();
        assert_eq!(note.event, Some(AccountEvent::Payment { payment_id: p.id }));
        assert!(note.text.contains("100.00 left as credit"), "{}", note.text);
        apply(&mut b, batch);
        assert_eq!(open_balance(&b, b.invoice("I1").unwrap(), today), Decimal::ZERO);
        assert_eq!(account_credit(&b, "C1", today).get(Currency::USD), dec("100"));

        let batch = undo(&b, &mut ids, &stamp(today), note.id).unwrap();
        let rev = &batch.payments[0];
        assert_eq!((rev.amount, rev.date, rev.reverses), (dec("-1600"), d(30), Some(p_id(&note))));
        apply(&mut b, batch);
        for day in [d(30), today] {
            assert_eq!(open_balance(&b, b.invoice("I1").unwrap(), day), dec("1000"));
            assert_eq!(open_balance(&b, b.invoice("I2").unwrap(), day), dec("500"));
            assert!(account_credit(&b, "C1", day).is_empty());
        }
    }

    fn p_id(n: &Note) -> u64 {
        match n.event {
            Some(AccountEvent::Payment { payment_id }) => payment_id,
            _ => panic!("not a payment note"),
        }
    }

    #[test]
    fn undoing_a_promise_lifts_the_pause() {
        let mut b = book();
        let rules = Rules::default();
        let mut input = NoteInput::new(NoteKind::Call, "will pay");
        input.promise = Some(PromiseInput { date: d(40), amount: None, invoices: vec![] });
        let batch = log_note(&b, &mut ids(), &stamp(d(31)), "C1", input).unwrap();
        let id = batch.notes[0].id;
        apply(&mut b, batch);
        assert_eq!(rules::client_action(&b, &rules, "C1", d(31)), None);
        let mut later = IdAlloc::starting_at(200);
        let u = undo(&b, &mut later, &stamp(d(31)), id).unwrap();
        apply(&mut b, u);
        assert!(rules::client_action(&b, &rules, "C1", d(31)).is_some());
        assert!(undo(&b, &mut later, &stamp(d(31)), 999).unwrap_err().contains("no note #999"));
    }
}
