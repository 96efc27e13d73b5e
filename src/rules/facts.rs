//! What the log says about one client as of a day: which notes count
//! (not reversed, not dated after the day), the last contact, the ladder
//! levels done per invoice, and the promises made.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::ladder::BROKEN_PROMISE_LEVEL;
use crate::domain::{Book, Note, NoteKind, Promise};
use crate::receivables::plan::due_by;

/// The log of one client, digested for the engine.
#[derive(Debug, Default)]
pub struct ClientFacts<'a> {
    /// The latest contact (a note whose kind is a contact), by date then id.
    pub last_contact: Option<&'a Note>,
    /// Highest ladder level completed per invoice.
    done: HashMap<&'a str, u8>,
    /// Notes carrying a promise, in log order.
    promises: Vec<&'a Note>,
    /// The latest day on which a note followed up a broken promise (a call
    /// or meeting, a new promise, or a completed broken-promise call).
    latest_follow_up: Option<NaiveDate>,
}

/// Where a promise stands on the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromiseStatus {
    /// Its date has not passed: the invoices it covers wait.
    Pending,
    /// The client paid the promised amount between the promise and its date.
    Kept,
    /// The date passed without the promised amount: a call is due.
    Broken,
    /// Broken, but someone has already followed it up.
    FollowedUp,
}

impl PromiseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseStatus::Pending => "pending",
            PromiseStatus::Kept => "kept",
            PromiseStatus::Broken => "broken",
            PromiseStatus::FollowedUp => "broken, followed up",
        }
    }
}

impl<'a> ClientFacts<'a> {
    /// Reads the client's notes dated on or before `today`. A note is ignored
    /// when a later note (also dated on or before `today`) reverses it (an
    /// undo) or supersedes it (a correction: the new note counts instead).
    pub fn gather(book: &'a Book, client_id: &str, today: NaiveDate) -> ClientFacts<'a> {
        Self::gather_in(book.client_notes(client_id), today)
    }

    /// [`ClientFacts::gather`] from the client's notes in log order (see
    /// [`Book::client_notes_at`]).
    pub fn gather_in(notes: impl Iterator<Item = &'a Note>, today: NaiveDate) -> ClientFacts<'a> {
        let notes: Vec<&'a Note> = notes.filter(|n| n.date <= today).collect();
        let replaced: HashSet<u64> = notes.iter().flat_map(|n| n.reverses.into_iter().chain(n.supersedes)).collect();
        let mut f = ClientFacts::default();
        for n in notes.into_iter().filter(|n| !replaced.contains(&n.id) && n.reverses.is_none()) {
            if n.kind.is_contact() && f.last_contact.is_none_or(|c| (n.date, n.id) >= (c.date, c.id)) {
                f.last_contact = Some(n);
            }
            if let Some(c) = &n.completes {
                if c.level != BROKEN_PROMISE_LEVEL {
                    for inv in &c.invoices {
                        let e = f.done.entry(inv.as_str()).or_insert(0);
                        *e = (*e).max(c.level);
                    }
                }
            }
            let follows_up = matches!(n.kind, NoteKind::Call | NoteKind::Meeting)
                || n.promise.is_some()
                || n.completes.as_ref().is_some_and(|c| c.level == BROKEN_PROMISE_LEVEL);
            if follows_up {
                f.latest_follow_up = f.latest_follow_up.max(Some(n.date));
            }
            if n.promise.is_some() {
                f.promises.push(n);
            }
        }
        f
    }

    /// The highest ladder level done for an invoice.
    pub fn done(&self, invoice: &str) -> Option<u8> {
        self.done.get(invoice).copied()
    }

    /// The latest promise covering an invoice (an empty invoice list covers
    /// the whole account), with its note.
    pub fn promise_for(&self, invoice: &str) -> Option<(&'a Note, &'a Promise)> {
        self.promises().rev().find(|(_, p)| p.invoices.is_empty() || p.invoices.iter().any(|i| i == invoice))
    }

    /// The client's latest promise, whatever it covers.
    pub fn latest_promise(&self) -> Option<(&'a Note, &'a Promise)> {
        self.promises().next_back()
    }

    fn promises(&self) -> impl DoubleEndedIterator<Item = (&'a Note, &'a Promise)> + '_ {
        self.promises.iter().filter_map(|n| n.promise.as_ref().map(|p| (*n, p)))
    }

    /// Where the promise in `note` stands on `today`.
    pub fn promise_status(&self, book: &Book, note: &Note, p: &Promise, today: NaiveDate) -> PromiseStatus {
        if today <= p.date {
            return PromiseStatus::Pending;
        }
        // The client is looked up once, and its invoices walked once.
        let pos = book.client_index(&note.client_id);
        let paid: Decimal = book
            .client_payments_at(pos, &note.client_id)
            .filter(|pay| pay.currency == p.currency && pay.date >= note.date && pay.date <= p.date)
            .map(|pay| pay.amount)
            .sum();
        // Judged only against what was due by the promise date: on a payment
        // plan, instalments due later were never part of it (`due`); an
        // invoice without a plan counts with its open balance on the day the
        // promise was made (`plain_open`). Both in the promise's currency;
        // a plan in any currency makes the plan rule apply.
        let (mut due, mut plain_open, mut any_plan) = (Decimal::ZERO, Decimal::ZERO, false);
        let covered = |number: &str| p.invoices.is_empty() || p.invoices.iter().any(|n| n == number);
        for i in book.client_invoices_at(pos, &note.client_id).filter(|i| covered(&i.number)) {
            let in_currency = i.currency == p.currency;
            if !i.plan.is_empty() {
                any_plan = true;
                if in_currency {
                    due += due_by(book, i, note.date, p.date);
                }
            } else if in_currency {
                plain_open += crate::receivables::open_balance(book, i, note.date);
            }
        }
        let owed = if any_plan { p.amount.min(due + plain_open) } else { p.amount };
        if paid >= owed {
            PromiseStatus::Kept
        } else if self.latest_follow_up.is_some_and(|d| d > p.date) {
            PromiseStatus::FollowedUp
        } else {
            PromiseStatus::Broken
        }
    }
}
