//! Why a command was refused. Plain data (strings, numbers, dates), so an
//! error can cross a socket (the team server) and still say exactly what a
//! person typed wrong; the message is the one-line text a face shows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::Currency;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CommandError {
    #[error("no client {0}")]
    NoClient(String),
    #[error("no invoice {0}")]
    NoInvoice(String),
    #[error("no note #{0}")]
    NoNote(u64),
    #[error("client {0} already exists")]
    ClientExists(String),
    #[error("invoice {0} already exists")]
    InvoiceExists(String),
    #[error("invoice {invoice} belongs to client {owner}, not {client}")]
    WrongClient { invoice: String, owner: String, client: String },
    /// A date that must not be after the business day (payments, entries).
    #[error("the {what} date {date} is after today ({today})")]
    FutureDate { what: String, date: NaiveDate, today: NaiveDate },
    /// A date that must not be before the business day (promises, follow-ups).
    #[error("the {what} {date} is before today ({today})")]
    PastDate { what: String, date: NaiveDate, today: NaiveDate },
    /// Changing the currency would re-denominate amounts already billed.
    #[error(
        "client {client} has {invoices} invoice(s) in {from}; its currency cannot change to {to} (add a new client for {to} billing)"
    )]
    CurrencyChange { client: String, from: Currency, to: Currency, invoices: usize },
    /// The book is not in the state the command needs (already disputed,
    /// not on hold, changed since, nothing due, ...).
    #[error("{0}")]
    Conflict(String),
    /// The input itself is wrong (an empty reason, an amount of zero, ...).
    #[error("{0}")]
    Invalid(String),
}

impl From<String> for CommandError {
    fn from(s: String) -> Self {
        CommandError::Invalid(s)
    }
}

impl From<&str> for CommandError {
    fn from(s: &str) -> Self {
        CommandError::Invalid(s.to_string())
    }
}
