//! Every change a user can make, as data: a [`Command`] says what the user
//! meant ("called, they promise to pay Friday", "record this payment",
//! "undo that"), and [`build`] turns it into the [`Batch`] to write, checked
//! against the book as it is now. This is the one place where writes are
//! decided: the CLI, the interface and (later) the team server only
//! construct commands and show what came back, so the same intent writes the
//! same records and the same audit note from every face.
//!
//! [`build`] is pure: it takes the book, the [`Policy`] in force (ladder,
//! late-fee terms), a [`Stamp`] (business day, instant, author: filled by
//! the [`crate::ledger::Ledger`], never by a face) and an [`IdAlloc`] for
//! new payment, adjustment and note ids (handed out by the ledger under its
//! write lock). Nothing here reads the clock or touches the store.
//!
//! Every command that changes an account records a note beside the change
//! (an [`crate::domain::AccountEvent`] for dispute, hold, snooze, payment,
//! credit, fee...), so the log tells the whole story and [`Command::Undo`]
//! of that note reverses the whole entry. Client and invoice master data
//! (add, update, plans) and imports are not log entries: they have no
//! single account event to reverse, and an import can hold a million
//! records.

mod collect;
mod error;
mod money;
mod notes;
mod records;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{AdjustmentKind, Book, Currency, Instalment, LateFeePolicy, LineItem, NoteKind, OutboxEntry};
use crate::rules::Rules;
use crate::store::{Batch, IdAlloc};

pub use collect::promise_over_balance;
pub use error::CommandError;
pub use money::PaymentInput;
pub use notes::{
    contact_for, last_undone, promise_default_amount, promise_default_amount_by, redo_target, NoteInput, PromiseInput,
};

/// Who writes an entry, and when. Filled by the ledger: the embedded one
/// from the OS user of the process and the session's business day, a server
/// from its peer's credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The business day the entry belongs to (the session's `today`).
    pub date: NaiveDate,
    /// The wall-clock instant it was written, UTC.
    pub at: DateTime<Utc>,
    /// The OS user name ([`crate::user_name`]).
    pub author: String,
}

/// What a command is judged by besides the book: the ladder (for "mark
/// today's action done") and the book-wide late-fee terms (for computed
/// fees). Owned by the ledger, read from the data folder and config.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub rules: Rules,
    pub fees: Option<LateFeePolicy>,
}

/// A client's details as given. On [`Command::AddClient`] a field left
/// `None` takes its default; on [`Command::UpdateClient`] it is left as it
/// is (a field given as an empty text or list clears it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFields {
    pub name: Option<String>,
    pub contact: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Payment terms in days (default 30).
    pub terms_days: Option<u32>,
    /// Billing currency (default USD). Refused on update once the client has invoices.
    pub currency: Option<Currency>,
    #[serde(with = "crate::domain::compact_serde::decimal_option")]
    pub credit_limit: Option<Decimal>,
    /// Days of the month the client runs payments (1..=31).
    pub payment_run_days: Option<Vec<u8>>,
    pub tags: Option<Vec<String>>,
    pub owner: Option<String>,
    /// Postal address lines (an empty list clears it).
    pub address: Option<Vec<String>>,
}

/// An invoice as entered by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvoice {
    pub number: String,
    pub client: String,
    /// The total, when not given as lines (if both, they must agree).
    #[serde(with = "crate::domain::compact_serde::decimal_option")]
    pub amount: Option<Decimal>,
    pub lines: Vec<LineItem>,
    /// Default: the stamp's day.
    pub issued: Option<NaiveDate>,
    /// Default: issue date plus the client's terms.
    pub due: Option<NaiveDate>,
    /// Default: the client's.
    pub currency: Option<Currency>,
    pub reference: String,
}

/// An invoice's editable details; `None` keeps the current value. The
/// amounts, client and currency are not editable: a wrong amount is put
/// right with a credit note or a charge, which the history keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceFields {
    /// Not before the issue date.
    pub due: Option<NaiveDate>,
    pub reference: Option<String>,
    /// Kept in aging and totals, but never chased.
    pub excluded: Option<bool>,
}

/// How an import's payment, adjustment and note ids are set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportIds {
    /// New ids from the ledger; links between the imported records (a
    /// note's payment, a reversal) are renumbered with them. The records
    /// may carry any distinct placeholder ids.
    Fresh,
    /// The ids as given (a whole exported book into an empty ledger).
    Keep,
}

/// Every change a user can make. Plain data: what the user meant, not the
/// records it becomes (that is [`build`]'s job, against the current book).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// A contact or internal note, optionally with a promise to pay and a
    /// next follow-up.
    Log {
        client: String,
        note: NoteInput,
    },
    /// A note that corrects (supersedes) an earlier note of the same client.
    Correct {
        client: String,
        note_id: u64,
        note: NoteInput,
    },
    /// Marks the client's current action (as the ladder sees it on the
    /// stamp's day) done. `kind: None` takes the kind the action asks for
    /// (a call for a call, a letter for an escalation, else an email); an
    /// empty text says what was done. `only` limits the completion to
    /// those of the action's invoices.
    MarkDone {
        client: String,
        kind: Option<NoteKind>,
        note: NoteInput,
        only: Vec<String>,
    },
    Dispute {
        invoice: String,
        reason: String,
    },
    Resolve {
        invoice: String,
        remark: String,
    },
    Hold {
        client: String,
        reason: String,
    },
    Release {
        client: String,
    },
    /// No actions before `until`; the remark, if any, is added to the note.
    Snooze {
        client: String,
        until: NaiveDate,
        remark: String,
    },
    Unsnooze {
        client: String,
    },
    /// A payment received. `client: None` takes the client of
    /// `payment.invoice`.
    Pay {
        client: Option<String>,
        payment: PaymentInput,
    },
    /// A credit note, write-off or charged fee of a given amount on one
    /// invoice. `date: None` is the stamp's day.
    Adjust {
        kind: AdjustmentKind,
        invoice: String,
        #[serde(with = "crate::domain::compact_serde::decimal")]
        amount: Decimal,
        reason: String,
        date: Option<NaiveDate>,
    },
    /// The late fee the fee terms allow on an invoice as of `date` (default
    /// the stamp's day), charged as a fee adjustment.
    ChargeFee {
        invoice: String,
        date: Option<NaiveDate>,
    },
    /// Replaces an invoice's payment plan (the instalments must add up to
    /// its open balance).
    SetPlan {
        invoice: String,
        instalments: Vec<Instalment>,
    },
    ClearPlan {
        invoice: String,
    },
    AddClient {
        id: String,
        fields: ClientFields,
    },
    /// Changes only the fields given. `add_missing`: an unknown id is added
    /// (as [`Command::AddClient`]) instead of refused.
    UpdateClient {
        id: String,
        fields: ClientFields,
        add_missing: bool,
    },
    AddInvoice(NewInvoice),
    /// Changes only the fields given.
    EditInvoice {
        number: String,
        fields: InvoiceFields,
    },
    /// Records read from a file (or built by `dun demo`), all or nothing.
    /// `into_empty` refuses a ledger that already holds clients.
    Import {
        records: Batch,
        ids: ImportIds,
        into_empty: bool,
    },
    /// Reverses the entry a note recorded (the note and its state change);
    /// history is kept, the undo is a new note.
    Undo {
        note: u64,
    },
    // Issue 13 (appended: a command's position may be part of a protocol).
    /// Places the account with a collection agency (no reminders; payments still apply).
    PlaceWithAgency {
        client: String,
        agency: String,
    },
    /// Recalls the account from its agency.
    Recall {
        client: String,
    },
    /// Applies credit on account to open invoices (`invoice` first, at most `amount`).
    ApplyCredit {
        client: String,
        invoice: Option<String>,
        #[serde(with = "crate::domain::compact_serde::decimal_option")]
        amount: Option<Decimal>,
    },
    /// Credit on account paid back to the client.
    Refund {
        client: String,
        #[serde(with = "crate::domain::compact_serde::decimal")]
        amount: Decimal,
        currency: Option<Currency>,
        method: crate::domain::PaymentMethod,
        reference: String,
    },
    /// A note, as `Log`, that also records why the client pays late.
    LateReason {
        client: String,
        reason: crate::domain::LateReason,
        note: NoteInput,
    },
    // Issue 11 (appended).
    /// A message about to be handed to a mail server (or written as a
    /// letter), recorded first so a crash leaves it visible (issue 11). The
    /// ledger refuses it when the outbox already holds the client's message
    /// of the day as sent, or as queued with its fate unknown (unless
    /// `resend_unknown`); it counts the attempt.
    QueueMessage {
        entry: OutboxEntry,
        resend_unknown: bool,
    },
    /// The server accepted the queued message: records it sent and logs the
    /// note (the text as sent) that completes its step.
    MarkSent {
        entry: OutboxEntry,
        reply: String,
    },
    /// The message was not accepted: records why; nothing is logged.
    MarkFailed {
        entry: OutboxEntry,
        reply: String,
    },
    /// Re-applies an undone entry (the note named, or the one an undo
    /// entry named): a new note like it, its state change made again.
    Redo {
        note: u64,
    },
}

/// What [`build`] decided: the records to write, the audit note among them
/// (what [`Command::Undo`] takes to reverse the entry), and one line saying
/// what was done, for the face to show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Built {
    pub batch: Batch,
    pub note: Option<u64>,
    pub done: String,
}

impl Built {
    fn entry(batch: Batch, done: impl Into<String>) -> Built {
        Built { note: batch.notes.first().map(|n| n.id), batch, done: done.into() }
    }
    fn records(batch: Batch, done: impl Into<String>) -> Built {
        Built { note: None, batch, done: done.into() }
    }
}

/// Validates `command` against `book` and builds what to write. Refused
/// input changes nothing; an error may leave some ids of `ids` unused,
/// which is harmless (the store only needs them fresh).
pub fn build(
    book: &Book,
    policy: &Policy,
    stamp: &Stamp,
    ids: &mut IdAlloc,
    command: Command,
) -> Result<Built, CommandError> {
    use Command as C;
    match command {
        C::Log { client, note } => {
            let what = notes::describe_note(&note, &client);
            notes::log_note(book, ids, stamp, &client, note).map(|b| Built::entry(b, what))
        }
        C::Correct { client, note_id, note } => {
            let what = format!("{}, correcting note #{note_id}", notes::describe_note(&note, &client));
            notes::correct(book, ids, stamp, &client, note_id, note).map(|b| Built::entry(b, what))
        }
        C::MarkDone { client, kind, note, only } => {
            notes::mark_done(book, &policy.rules, ids, stamp, &client, kind, note, &only).map(|(b, level)| {
                let what = format!("{level} for {client} marked done");
                Built::entry(b, what)
            })
        }
        C::Dispute { invoice, reason } => {
            notes::dispute(book, ids, stamp, &invoice, &reason).map(|b| Built::entry(b, format!("{invoice} disputed")))
        }
        C::Resolve { invoice, remark } => notes::resolve(book, ids, stamp, &invoice, &remark)
            .map(|b| Built::entry(b, format!("dispute on {invoice} resolved"))),
        C::Hold { client, reason } => {
            notes::hold(book, ids, stamp, &client, &reason).map(|b| Built::entry(b, format!("{client} on hold")))
        }
        C::Release { client } => {
            notes::unhold(book, ids, stamp, &client).map(|b| Built::entry(b, format!("{client} released from hold")))
        }
        C::Snooze { client, until, remark } => notes::snooze(book, ids, stamp, &client, until, &remark)
            .map(|b| Built::entry(b, format!("{client} snoozed until {until}"))),
        C::Unsnooze { client } => {
            notes::unsnooze(book, ids, stamp, &client).map(|b| Built::entry(b, format!("{client} no longer snoozed")))
        }
        C::Pay { client, payment } => money::record_payment(book, ids, stamp, client.as_deref(), payment),
        C::Adjust { kind, invoice, amount, reason, date } => {
            money::adjust(book, ids, stamp, kind, &invoice, amount, &reason, date)
        }
        C::ChargeFee { invoice, date } => money::charge_fee(book, policy, ids, stamp, &invoice, date),
        C::SetPlan { invoice, instalments } => money::set_plan(book, stamp, &invoice, &instalments),
        C::ClearPlan { invoice } => money::clear_plan(book, &invoice),
        C::AddClient { id, fields } => records::add_client(book, &id, fields),
        C::UpdateClient { id, fields, add_missing } => records::update_client(book, &id, fields, add_missing),
        C::AddInvoice(inv) => records::add_invoice(book, stamp, inv),
        C::EditInvoice { number, fields } => records::edit_invoice(book, &number, fields),
        C::Import { records, ids: how, into_empty } => records::import(book, ids, records, how, into_empty),
        C::Undo { note } => {
            // A note that logged a sent message: the message is not recalled.
            let what = book
                .note(note)
                .and_then(crate::mail::outbox::undo_warning)
                .unwrap_or_else(|| format!("note #{note} undone"));
            notes::undo(book, ids, stamp, note).map(|b| Built::entry(b, what))
        }
        C::QueueMessage { mut entry, resend_unknown: _ } => {
            let client =
                book.client(&entry.client_id).ok_or_else(|| CommandError::NoClient(entry.client_id.clone()))?;
            if let Some(n) = entry.invoices.iter().find(|n| book.invoice(n).is_none_or(|i| i.client_id != client.id)) {
                return Err(CommandError::Invalid(format!("invoice {n} is not an invoice of client {}", client.id)));
            }
            if entry.date != stamp.date {
                return Err(CommandError::Invalid(format!(
                    "a message for {} cannot be queued on {}",
                    entry.date, stamp.date
                )));
            }
            entry.author = stamp.author.clone();
            entry.queued_at = stamp.at;
            entry.state = crate::domain::OutboxState::Queued;
            let what = format!("{} to {} queued", entry.channel, entry.to);
            Ok(Built::records(Batch { outbox: vec![entry], ..Default::default() }, what))
        }
        C::MarkSent { entry, reply } => {
            book.client(&entry.client_id).ok_or_else(|| CommandError::NoClient(entry.client_id.clone()))?;
            let what = format!("{} to {} sent, logged", entry.channel, entry.to);
            Ok(Built::entry(crate::mail::outbox::sent(&entry, ids, &stamp.author, stamp.at, &reply), what))
        }
        C::MarkFailed { entry, reply } => {
            let what = format!("{} to {} failed: {reply}", entry.channel, entry.to);
            Ok(Built::records(crate::mail::outbox::failed(&entry, stamp.at, &reply), what))
        }
        C::PlaceWithAgency { client, agency } => collect::place_with_agency(book, ids, stamp, &client, &agency)
            .map(|b| Built::entry(b, format!("{client} placed with agency {agency}"))),
        C::Recall { client } => collect::recall(book, ids, stamp, &client)
            .map(|b| Built::entry(b, format!("{client} recalled from its agency"))),
        C::ApplyCredit { client, invoice, amount } => {
            collect::apply_credit(book, ids, stamp, &client, invoice.as_deref(), amount)
                .map(|b| Built::entry(b, format!("credit on account applied for {client}")))
        }
        C::Refund { client, amount, currency, method, reference } => {
            collect::refund(book, ids, stamp, &client, amount, currency, method, &reference)
                .map(|b| Built::entry(b, format!("refund to {client} recorded")))
        }
        C::LateReason { client, reason, note } => {
            let what = format!("{}, late because: {}", notes::describe_note(&note, &client), reason.describe());
            collect::late_reason(book, ids, stamp, &client, reason, note).map(|b| Built::entry(b, what))
        }
        C::Redo { note } => {
            let orig = notes::redo_target(book, note)?.id;
            notes::redo(book, ids, stamp, note).map(|b| Built::entry(b, format!("note #{orig} redone")))
        }
    }
}
