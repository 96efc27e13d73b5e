//! Notes and account events: a contact, a promise, a correction, marking
//! today's action done, dispute and resolve, hold and release, snooze, and
//! the undo of any entry. Each builder:
//! - validates everything before building and returns a one-line
//!   [`CommandError`] on bad input, with nothing to write;
//! - records every state change (dispute, hold, snooze) together with a
//!   note carrying the matching [`AccountEvent`], so the log tells the whole
//!   story; history is never rewritten, an undo is a new entry;
//! - returns a batch holding exactly one note: its id is what [`undo`]
//!   takes to reverse the whole entry.
//!
//! Notes written here are dated `stamp.date` (the business day in force),
//! which is the day the rules engine reasons in.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{CommandError, Stamp};
use crate::domain::{
    AccountEvent, Adjustment, Allocation, Book, CallOutcome, Client, Completion, Dispute, Hold, Invoice, Money, Note,
    NoteKind, Payment, Promise,
};
use crate::receivables::open_balance;
use crate::rules::{self, ActionKind, Rules};
use crate::store::{Batch, IdAlloc};

type Result<T, E = CommandError> = std::result::Result<T, E>;

/// A note as a person enters it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseInput {
    /// On or after the note's day.
    pub date: NaiveDate,
    /// `None`: the default from [`promise_default_amount`].
    #[serde(with = "crate::domain::compact_serde::decimal_option")]
    pub amount: Option<Decimal>,
    /// The invoices promised for; empty means the whole account.
    pub invoices: Vec<String>,
}

/// "call note for C1", "promise to pay from C1": what a log entry is, for
/// the face's confirmation.
pub(super) fn describe_note(note: &NoteInput, client: &str) -> String {
    if note.promise.is_some() {
        format!("promise to pay logged for {client}")
    } else {
        format!("{} logged for {client}", note.kind)
    }
}

pub(super) fn client<'a>(book: &'a Book, id: &str) -> Result<&'a Client> {
    book.client(id).ok_or_else(|| CommandError::NoClient(id.to_string()))
}

pub(super) fn invoice<'a>(book: &'a Book, number: &str) -> Result<&'a Invoice> {
    book.invoice(number).ok_or_else(|| CommandError::NoInvoice(number.to_string()))
}

pub(super) fn clean(text: &str) -> String {
    // Keep line breaks for long notes; anything else invisible goes.
    let kept: String = text.chars().filter(|&c| c == '\n' || c == '\t' || !c.is_control()).collect();
    kept.trim().to_string()
}

pub(super) fn blank_note(ids: &mut IdAlloc, stamp: &Stamp, client_id: &str, kind: NoteKind, text: String) -> Note {
    Note::new(ids.note(), client_id, stamp.at, stamp.date, stamp.author.clone(), kind, text)
}

pub(super) fn event_note(ids: &mut IdAlloc, stamp: &Stamp, client_id: &str, text: String, event: AccountEvent) -> Note {
    let mut n = blank_note(ids, stamp, client_id, NoteKind::Internal, text);
    n.event = Some(event);
    n
}

/// The amount a promise defaults to: the open balance of the named invoices
/// that is past due on `today` (or, when none of it is past due yet, their
/// whole open balance). With no invoices named, the same over the whole
/// account in the client's currency. Errors name what is wrong.
pub fn promise_default_amount(book: &Book, client_id: &str, invoices: &[String], today: NaiveDate) -> Result<Money> {
    promise_default_amount_by(book, client_id, invoices, today, today)
}

/// [`promise_default_amount`] for a promise to pay by `by`: an invoice on a
/// payment plan counts only what of it falls due by then (instalments due
/// later are not owed yet).
pub fn promise_default_amount_by(
    book: &Book,
    client_id: &str,
    invoices: &[String],
    today: NaiveDate,
    by: NaiveDate,
) -> Result<Money> {
    let c = client(book, client_id)?;
    let chosen: Vec<&Invoice> = if invoices.is_empty() {
        book.client_invoices(client_id).filter(|i| i.currency == c.currency).collect()
    } else {
        promise_invoices(book, c, invoices)?
    };
    let currency = chosen.first().map(|i| i.currency).unwrap_or(c.currency);
    let (mut overdue, mut open) = (Decimal::ZERO, Decimal::ZERO);
    for inv in chosen {
        if !inv.plan.is_empty() {
            let due = crate::receivables::plan::due_by(book, inv, today, by.max(today));
            open += due;
            overdue += due;
            continue;
        }
        let b = open_balance(book, inv, today);
        open += b;
        if inv.due_date < today {
            overdue += b;
        }
    }
    Ok(Money::new(if overdue > Decimal::ZERO { overdue } else { open }, currency))
}

fn promise_invoices<'a>(book: &'a Book, c: &Client, numbers: &[String]) -> Result<Vec<&'a Invoice>> {
    let mut out: Vec<&Invoice> = Vec::with_capacity(numbers.len());
    for n in numbers {
        let inv = invoice(book, n)?;
        if inv.client_id != c.id {
            return Err(CommandError::WrongClient {
                invoice: n.clone(),
                owner: inv.client_id.to_string(),
                client: c.id.clone(),
            });
        }
        if let Some(first) = out.first() {
            if first.currency != inv.currency {
                return Err(CommandError::Invalid(format!(
                    "a promise is in one currency: {} is in {}, {} in {}",
                    first.number, first.currency, inv.number, inv.currency
                )));
            }
        }
        if !out.iter().any(|i| i.number == inv.number) {
            out.push(inv);
        }
    }
    Ok(out)
}

fn build_note(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str, input: NoteInput) -> Result<Note> {
    let c = client(book, client_id)?;
    if input.outcome.is_some() && input.kind != NoteKind::Call {
        return Err(format!("an outcome is only for calls, not for a {} note", input.kind).into());
    }
    let text = clean(&input.text);
    let promise = match input.promise {
        None => None,
        Some(p) => {
            if p.date < stamp.date {
                return Err(CommandError::PastDate { what: "promise date".into(), date: p.date, today: stamp.date });
            }
            let default = promise_default_amount_by(book, &c.id, &p.invoices, stamp.date, p.date)?;
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
            return Err(CommandError::PastDate { what: "next follow-up".into(), date: d, today: stamp.date });
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
pub fn log_note(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str, input: NoteInput) -> Result<Batch> {
    let n = build_note(book, ids, stamp, client_id, input)?;
    Ok(Batch { notes: vec![n], ..Default::default() })
}

/// Logs a note that marks the client's current action (as the rules see it
/// on `stamp.date`) as done: the note carries a completion for that level
/// and the invoices the action covers, so they move up the ladder (or, for
/// a broken-promise call, the promise counts as followed up). `only`, when
/// not empty, limits the completion to those of the action's invoices.
/// `kind: None` logs the kind of contact the action asks for. Returns the
/// batch and the action's level name.
///
/// Refuses when the client has nothing due today, when `only` names no
/// invoice of the action, and for anything [`log_note`] refuses (except that
/// the text may be empty: the completion says what was done).
#[allow(clippy::too_many_arguments)]
pub fn mark_done(
    book: &Book,
    rules: &Rules,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    kind: Option<NoteKind>,
    mut input: NoteInput,
    only: &[String],
) -> Result<(Batch, String)> {
    client(book, client_id)?;
    let action = rules::client_action(book, rules, client_id, stamp.date)
        .ok_or_else(|| CommandError::Conflict(format!("nothing is due for client {client_id} on {}", stamp.date)))?;
    if action.kind == ActionKind::ApplyCredit {
        return Err(CommandError::Conflict(format!(
            "client {client_id} is in credit: apply the credit (dun apply-credit {client_id}) rather than marking a chase done"
        )));
    }
    if action.kind == ActionKind::ApplyCredit {
        return Err(CommandError::Conflict(format!(
            "client {client_id} is in credit: apply the credit (dun credit apply {client_id}) rather than marking a chase done"
        )));
    }
    let invoices: Vec<String> = if only.is_empty() {
        action.invoices.clone()
    } else {
        if let Some(n) = only.iter().find(|n| !action.invoices.contains(n)) {
            return Err(CommandError::Invalid(format!(
                "invoice {n} is not part of today's {} for {client_id} ({})",
                action.level_name,
                action.invoices.join(", ")
            )));
        }
        only.to_vec()
    };
    if let Some(k) = kind {
        input.kind = k;
    } else {
        input.kind = contact_for(action.kind);
    }
    if input.text.trim().is_empty() {
        input.text = format!("{} done", action.level_name);
    }
    let mut n = build_note(book, ids, stamp, client_id, input)?;
    n.completes = Some(Completion { level: action.level, invoices });
    Ok((Batch { notes: vec![n], ..Default::default() }, action.level_name))
}

/// The kind of contact that carries out an action: a call for a call, a
/// letter for an escalation (demand letter, agency), else an email.
pub fn contact_for(kind: ActionKind) -> NoteKind {
    match kind {
        ActionKind::Call => NoteKind::Call,
        ActionKind::Escalation => NoteKind::Letter,
        _ => NoteKind::Email,
    }
}

/// Marks an invoice disputed (it leaves the ladder, stays in aging and
/// totals). Refuses an unknown or already disputed invoice, or no reason.
pub fn dispute(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, number: &str, reason: &str) -> Result<Batch> {
    let inv = invoice(book, number)?;
    let reason = clean(reason);
    if reason.is_empty() {
        return Err("a dispute needs a reason".into());
    }
    if let Some(d) = &inv.dispute {
        return Err(CommandError::Conflict(format!(
            "invoice {number} is already disputed since {}: {}",
            d.since, d.reason
        )));
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
pub fn resolve(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, number: &str, text: &str) -> Result<Batch> {
    let inv = invoice(book, number)?;
    if inv.dispute.is_none() {
        return Err(CommandError::Conflict(format!("invoice {number} is not disputed")));
    }
    let mut updated = inv.clone();
    let was = updated.dispute.take().expect("checked above");
    let remark = clean(text);
    let text = if remark.is_empty() {
        format!("Dispute on {number} resolved")
    } else {
        format!("Dispute on {number} resolved: {remark}")
    };
    let resolved = AccountEvent::Resolved { invoice: number.to_string(), reason: was.reason, since: was.since };
    let n = event_note(ids, stamp, &inv.client_id, text, resolved);
    Ok(Batch { invoices: vec![updated], notes: vec![n], ..Default::default() })
}

/// Snoozes a client: no actions before `until`. The remark, if any, follows
/// the date in the note ("Snoozed until 2026-12-01: on holiday"). Refuses a
/// date that is not after today.
pub fn snooze(
    book: &Book,
    ids: &mut IdAlloc,
    stamp: &Stamp,
    client_id: &str,
    until: NaiveDate,
    remark: &str,
) -> Result<Batch> {
    let c = client(book, client_id)?;
    if until <= stamp.date {
        return Err(format!("snooze until a day after today ({}), not {until}", stamp.date).into());
    }
    let mut updated = c.clone();
    updated.snoozed_until = Some(until);
    let remark = clean(remark);
    let text =
        if remark.is_empty() { format!("Snoozed until {until}") } else { format!("Snoozed until {until}: {remark}") };
    let n = event_note(ids, stamp, client_id, text, AccountEvent::Snooze { until });
    Ok(Batch { clients: vec![updated], notes: vec![n], ..Default::default() })
}

/// Ends a snooze early. Refuses a client that is not snoozed today.
pub fn unsnooze(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str) -> Result<Batch> {
    let c = client(book, client_id)?;
    if !c.is_snoozed(stamp.date) {
        return Err(CommandError::Conflict(format!("client {client_id} is not snoozed")));
    }
    let mut updated = c.clone();
    updated.snoozed_until = None;
    let n = event_note(ids, stamp, client_id, "Snooze ended".into(), AccountEvent::Unsnooze);
    Ok(Batch { clients: vec![updated], notes: vec![n], ..Default::default() })
}

/// Puts a client on hold (no actions until released). Refuses a client
/// already on hold, or no reason.
pub fn hold(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str, reason: &str) -> Result<Batch> {
    let c = client(book, client_id)?;
    let reason = clean(reason);
    if reason.is_empty() {
        return Err("a hold needs a reason".into());
    }
    if let Some(h) = &c.hold {
        return Err(CommandError::Conflict(format!(
            "client {client_id} is already on hold since {}: {}",
            h.since, h.reason
        )));
    }
    let mut updated = c.clone();
    updated.hold = Some(Hold { reason: reason.clone(), since: stamp.date });
    let n = event_note(ids, stamp, client_id, format!("On hold: {reason}"), AccountEvent::Hold { reason });
    Ok(Batch { clients: vec![updated], notes: vec![n], ..Default::default() })
}

/// Releases a hold. Refuses a client that is not on hold.
pub fn unhold(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, client_id: &str) -> Result<Batch> {
    let c = client(book, client_id)?;
    if c.hold.is_none() {
        return Err(CommandError::Conflict(format!("client {client_id} is not on hold")));
    }
    let mut updated = c.clone();
    let was = updated.hold.take().expect("checked above");
    let released = AccountEvent::Released { reason: was.reason, since: was.since };
    let n = event_note(ids, stamp, client_id, "Hold released".into(), released);
    Ok(Batch { clients: vec![updated], notes: vec![n], ..Default::default() })
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
) -> Result<Batch> {
    let old = book.note(note_id).ok_or(CommandError::NoNote(note_id))?;
    if old.client_id != client_id {
        return Err(format!("note #{note_id} belongs to client {}, not {client_id}", old.client_id).into());
    }
    if let Some(n) = book.notes().iter().find(|n| n.supersedes == Some(note_id) || n.reverses == Some(note_id)) {
        return Err(CommandError::Conflict(format!(
            "note #{note_id} was already corrected or undone by note #{}",
            n.id
        )));
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
///   as it was (reason and date, recorded in the resolving note);
/// - hold → released; unhold → the hold returns as it was (likewise);
/// - snooze / unsnooze → the snooze in force before the note returns;
/// - payment → a reversing payment (`reverses`, negated amount and
///   allocations, dated as the original so balances net to zero on every
///   day); adjustment → a reversing adjustment, likewise.
///
/// A promise or a completion needs no inverse: the engine ignores reversed
/// notes. Refuses an unknown note, a note that is itself an undo, a note
/// already undone, and a state change that later entries have since changed
/// (undo those first).
pub fn undo(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, note_id: u64) -> Result<Batch> {
    let orig = book.note(note_id).ok_or(CommandError::NoNote(note_id))?;
    if orig.reverses.is_some() {
        return Err(CommandError::Conflict(format!("note #{note_id} is itself an undo; log the entry again instead")));
    }
    if book.client_notes(&orig.client_id).any(|n| n.reverses == Some(note_id)) {
        return Err(CommandError::Conflict(format!("note #{note_id} is already undone")));
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
                return Err(CommandError::Conflict(changed(&format!("the dispute on {number}"))));
            }
            let mut u = inv.clone();
            u.dispute = None;
            batch.invoices.push(u);
        }
        Some(AccountEvent::Resolved { invoice: number, reason, since }) => {
            let inv = invoice(book, number)?;
            if inv.dispute.is_some() {
                return Err(CommandError::Conflict(changed(&format!("the dispute on {number}"))));
            }
            let mut u = inv.clone();
            u.dispute = Some(Dispute { reason: reason.clone(), since: *since });
            batch.invoices.push(u);
        }
        Some(AccountEvent::Released { reason, since }) => {
            let c = client(book, &orig.client_id)?;
            if c.hold.is_some() {
                return Err(CommandError::Conflict(changed("the hold")));
            }
            let mut u = c.clone();
            u.hold = Some(Hold { reason: reason.clone(), since: *since });
            batch.clients.push(u);
        }
        // Older books: the resolution did not record the dispute; the
        // dispute note before it says what it was.
        Some(AccountEvent::Resolve { invoice: number }) => {
            let inv = invoice(book, number)?;
            if inv.dispute.is_some() {
                return Err(CommandError::Conflict(changed(&format!("the dispute on {number}"))));
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
                return Err(CommandError::Conflict(changed("the hold")));
            }
            let mut u = c.clone();
            u.hold = None;
            batch.clients.push(u);
        }
        // Older books, likewise.
        Some(AccountEvent::Unhold) => {
            let c = client(book, &orig.client_id)?;
            if c.hold.is_some() {
                return Err(CommandError::Conflict(changed("the hold")));
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
                return Err(CommandError::Conflict(changed("the snooze")));
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
            let p = payment_of(book, *payment_id)?;
            if book.payments().iter().any(|q| q.reverses == Some(*payment_id)) {
                return Err(CommandError::Conflict(format!("payment #{payment_id} is already reversed")));
            }
            // A discount allowed with the payment goes with it.
            let tag = format!("with payment #{payment_id}");
            for a in book.adjustments().iter().filter(|a| {
                a.kind == crate::domain::AdjustmentKind::Discount
                    && a.reason.ends_with(&tag)
                    && !book.adjustments().iter().any(|b| b.reverses == Some(a.id))
            }) {
                batch.adjustments.push(reversal(ids, a, format!("reversal of discount allowed #{}", a.id)));
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
            let a = adjustment_of(book, *adjustment_id)?;
            if book.adjustments().iter().any(|b| b.reverses == Some(*adjustment_id)) {
                return Err(CommandError::Conflict(format!("adjustment #{adjustment_id} is already reversed")));
            }
            batch.adjustments.push(reversal(ids, a, format!("reversal of {} #{adjustment_id}", a.kind.as_str())));
        }
    }
    let mut n = blank_note(ids, stamp, &orig.client_id, NoteKind::Internal, format!("Undone: {}", summary(orig)));
    n.reverses = Some(note_id);
    batch.notes.push(n);
    Ok(batch)
}

/// The entry a redo of `note_id` re-applies: the note itself, or, for an
/// undo entry, the note it undid. Refuses a note that is not undone, or
/// one already redone (or corrected).
pub fn redo_target(book: &Book, note_id: u64) -> Result<&Note> {
    let n = book.note(note_id).ok_or(CommandError::NoNote(note_id))?;
    let orig = match n.reverses {
        Some(o) => book.note(o).ok_or(CommandError::NoNote(o))?,
        None => n,
    };
    if !book.client_notes(&orig.client_id).any(|x| x.reverses == Some(orig.id)) {
        return Err(CommandError::Conflict(format!("note #{} is not undone; there is nothing to redo", orig.id)));
    }
    if let Some(x) = book.notes().iter().find(|x| x.supersedes == Some(orig.id)) {
        return Err(CommandError::Conflict(format!("note #{} was already redone by note #{}", orig.id, x.id)));
    }
    Ok(orig)
}

/// The newest undo entry written by `author` whose entry can be redone:
/// what `dun redo` without a note re-applies.
pub fn last_undone(book: &Book, author: &str) -> Option<u64> {
    book.notes()
        .iter()
        .rev()
        .filter(|n| n.author == author)
        .filter_map(|n| n.reverses)
        .find(|&orig| redo_target(book, orig).is_ok())
}

/// Re-applies an undone entry: a new note like the undone one (kind,
/// outcome, text, promise, follow-up, completion, event), dated today and
/// marked as replacing it (`supersedes`), with its state change made
/// again as it was first made (a hold or dispute with its first reason and
/// date; a payment or adjustment recorded again under a new id). Refuses
/// when the state has changed since (a client on hold again, an invoice
/// paid meanwhile) and a payment that came with a discount (record it
/// again with `dun pay`).
pub fn redo(book: &Book, ids: &mut IdAlloc, stamp: &Stamp, note_id: u64) -> Result<Batch> {
    let orig = redo_target(book, note_id)?;
    let changed = |what: &str| format!("{what} has changed since note #{} was undone", orig.id);
    let mut batch = Batch::default();
    let mut event = orig.event.clone();
    match &orig.event {
        None
        | Some(AccountEvent::PlacedWithAgency { .. } | AccountEvent::Recalled | AccountEvent::LateReason { .. }) => {}
        Some(AccountEvent::Dispute { invoice: number, reason }) => {
            let inv = invoice(book, number)?;
            if inv.dispute.is_some() {
                return Err(CommandError::Conflict(changed(&format!("the dispute on {number}"))));
            }
            let mut u = inv.clone();
            u.dispute = Some(Dispute { reason: reason.clone(), since: orig.date });
            batch.invoices.push(u);
        }
        Some(AccountEvent::Resolve { invoice: number } | AccountEvent::Resolved { invoice: number, .. }) => {
            let inv = invoice(book, number)?;
            let mut u = inv.clone();
            let Some(was) = u.dispute.take() else {
                return Err(CommandError::Conflict(changed(&format!("the dispute on {number}"))));
            };
            event = Some(AccountEvent::Resolved { invoice: number.clone(), reason: was.reason, since: was.since });
            batch.invoices.push(u);
        }
        Some(AccountEvent::Hold { reason }) => {
            let c = client(book, &orig.client_id)?;
            if c.hold.is_some() {
                return Err(CommandError::Conflict(changed("the hold")));
            }
            let mut u = c.clone();
            u.hold = Some(Hold { reason: reason.clone(), since: orig.date });
            batch.clients.push(u);
        }
        Some(AccountEvent::Unhold | AccountEvent::Released { .. }) => {
            let mut u = client(book, &orig.client_id)?.clone();
            let Some(was) = u.hold.take() else { return Err(CommandError::Conflict(changed("the hold"))) };
            event = Some(AccountEvent::Released { reason: was.reason, since: was.since });
            batch.clients.push(u);
        }
        Some(AccountEvent::Snooze { until }) => {
            if *until <= stamp.date {
                return Err(CommandError::Conflict(format!("the snooze until {until} has run out; nothing to redo")));
            }
            let mut u = client(book, &orig.client_id)?.clone();
            u.snoozed_until = Some(*until);
            batch.clients.push(u);
        }
        Some(AccountEvent::Unsnooze) => {
            let mut u = client(book, &orig.client_id)?.clone();
            if u.snoozed_until.take().is_none() {
                return Err(CommandError::Conflict(changed("the snooze")));
            }
            batch.clients.push(u);
        }
        Some(AccountEvent::Payment { payment_id }) => {
            let p = payment_of(book, *payment_id)?;
            let tag = format!("with payment #{payment_id}");
            if book.adjustments().iter().any(|a| a.reason.ends_with(&tag) && a.reverses.is_none()) {
                return Err(CommandError::Conflict(format!(
                    "payment #{payment_id} came with a discount; record it again with dun pay"
                )));
            }
            for a in &p.allocations {
                let inv = invoice(book, &a.invoice)?;
                let open = crate::receivables::open_balance(book, inv, p.date.max(stamp.date));
                if a.amount > open {
                    return Err(CommandError::Conflict(changed(&format!("the balance of {}", a.invoice))));
                }
            }
            let id = ids.payment();
            batch.payments.push(Payment { id, reverses: None, ..p.clone() });
            event = Some(AccountEvent::Payment { payment_id: id });
        }
        Some(AccountEvent::Adjustment { adjustment_id }) => {
            let a = adjustment_of(book, *adjustment_id)?;
            // Checked against the balance now, as the payment's redo is:
            // what was paid since the undo counts.
            let inv = invoice(book, &a.invoice)?;
            if let Some(over) = super::money::over_balance(book, inv, a.kind, a.amount, a.date.max(stamp.date)) {
                let why = changed(&format!("the balance of {}", a.invoice));
                return Err(CommandError::Conflict(format!("{why}: {over}")));
            }
            let id = ids.adjustment();
            batch.adjustments.push(Adjustment { id, reverses: None, ..a.clone() });
            event = Some(AccountEvent::Adjustment { adjustment_id: id });
        }
    }
    let mut n = blank_note(ids, stamp, &orig.client_id, orig.kind, orig.text.clone());
    n.outcome = orig.outcome;
    n.promise = orig.promise.clone();
    n.next_follow_up = orig.next_follow_up;
    n.completes = orig.completes.clone();
    n.event = event;
    n.supersedes = Some(orig.id);
    batch.notes.push(n);
    Ok(batch)
}

/// The payment an undo or redo names; gone from the book is a conflict
/// (the book changed under the entry), not a bad argument.
fn payment_of(book: &Book, payment_id: u64) -> Result<&Payment> {
    book.payment(payment_id).ok_or_else(|| CommandError::Conflict(format!("payment #{payment_id} is not in the book")))
}

/// As [`payment_of`], for a credit, write-off, charge or discount.
fn adjustment_of(book: &Book, adjustment_id: u64) -> Result<&Adjustment> {
    book.adjustments()
        .iter()
        .find(|a| a.id == adjustment_id)
        .ok_or_else(|| CommandError::Conflict(format!("adjustment #{adjustment_id} is not in the book")))
}

/// The entry that takes adjustment `a` back: same invoice, date and kind,
/// the amount negated, pointing at what it reverses.
fn reversal(ids: &mut IdAlloc, a: &Adjustment, reason: String) -> Adjustment {
    Adjustment {
        id: ids.adjustment(),
        invoice: a.invoice.clone(),
        date: a.date,
        kind: a.kind,
        amount: -a.amount,
        reason,
        reverses: Some(a.id),
    }
}
