//! The outbox: one record per message dun hands to a mail server (or
//! writes as a letter), so that sending is exactly-once. A message is
//! recorded `Queued` before it leaves, and `Sent` (with the note that logs
//! it) or `Failed` (with the server's reply) after. A `Queued` record found
//! later means dun stopped between the two: the message's fate is unknown,
//! and it is sent again only when the user says so.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What became of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutboxState {
    /// Recorded before the hand-off; still so after it means: fate unknown.
    Queued,
    /// Accepted: the server's reply (or where the letter was written), and
    /// the note that logged it.
    Sent { at: DateTime<Utc>, reply: String, note: u64 },
    /// Refused or not delivered: the reason, in one line.
    Failed { at: DateTime<Utc>, reply: String },
}

impl OutboxState {
    pub fn as_str(&self) -> &'static str {
        match self {
            OutboxState::Queued => "unknown",
            OutboxState::Sent { .. } => "sent",
            OutboxState::Failed { .. } => "failed",
        }
    }
}

/// One message in the outbox, keyed by [`OutboxEntry::key`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The business day it was sent for.
    #[serde(with = "super::compact_serde::date")]
    pub date: NaiveDate,
    pub client_id: String,
    /// The ladder level (0: a statement).
    pub level: u8,
    pub step_name: String,
    /// "email" or "letter".
    pub channel: String,
    /// The e-mail address, or the file a letter was written to.
    pub to: String,
    pub subject: String,
    /// The text as sent.
    pub body: String,
    /// Without angle brackets; the same on every attempt, so a receiving
    /// server can tell a resend from a new message.
    pub message_id: String,
    pub invoices: Vec<String>,
    /// Hand-offs tried so far (a resend after a failure or an unknown fate).
    pub attempts: u32,
    /// Who queued it, and when (the latest attempt).
    pub author: String,
    pub queued_at: DateTime<Utc>,
    pub state: OutboxState,
}

impl OutboxEntry {
    /// At most one message per client and day goes out through the outbox:
    /// the key is the day and the client.
    pub fn key(&self) -> Vec<u8> {
        key(self.date, &self.client_id)
    }
}

/// The outbox key of a client's message on a day: `YYYY-MM-DD \0 client`.
pub fn key(date: NaiveDate, client_id: &str) -> Vec<u8> {
    let mut k = date.format("%Y-%m-%d").to_string().into_bytes();
    k.push(0);
    k.extend_from_slice(client_id.as_bytes());
    k
}
