//! The follow-up log: every contact and account event, append-only.
//! A correction is a new note that supersedes an old one; an undo is a new
//! note that reverses one. Nothing is rewritten.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::money::Currency;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// Assigned by the store, increasing: the log's order.
    pub id: u64,
    pub client_id: String,
    /// When it was written, in UTC (shown in local time).
    pub at: DateTime<Utc>,
    /// The business day it belongs to (the `--today` in force when logged);
    /// the rules engine reasons in these days.
    #[serde(with = "super::compact_serde::date")]
    pub date: NaiveDate,
    /// The OS user who wrote it.
    pub author: String,
    pub kind: NoteKind,
    pub outcome: Option<CallOutcome>,
    pub text: String,
    pub promise: Option<Promise>,
    #[serde(with = "super::compact_serde::date_option")]
    pub next_follow_up: Option<NaiveDate>,
    /// The rules-engine action this note completes.
    pub completes: Option<Completion>,
    /// An account event this note records (dispute, hold, snooze, ...).
    pub event: Option<AccountEvent>,
    /// This note replaces an earlier one (a correction).
    pub supersedes: Option<u64>,
    /// This note undoes an earlier one.
    pub reverses: Option<u64>,
}

impl Note {
    /// A plain note; outcome, promise, follow-up, completion, event and the
    /// links to other notes start empty.
    pub fn new(
        id: u64,
        client_id: impl Into<String>,
        at: DateTime<Utc>,
        date: NaiveDate,
        author: impl Into<String>,
        kind: NoteKind,
        text: impl Into<String>,
    ) -> Note {
        Note {
            id,
            client_id: client_id.into(),
            at,
            date,
            author: author.into(),
            kind,
            outcome: None,
            text: text.into(),
            promise: None,
            next_follow_up: None,
            completes: None,
            event: None,
            supersedes: None,
            reverses: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Call,
    Email,
    Letter,
    Sms,
    Meeting,
    Internal,
}

impl NoteKind {
    pub const ALL: [NoteKind; 6] =
        [NoteKind::Call, NoteKind::Email, NoteKind::Letter, NoteKind::Sms, NoteKind::Meeting, NoteKind::Internal];
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Call => "call",
            NoteKind::Email => "email",
            NoteKind::Letter => "letter",
            NoteKind::Sms => "sms",
            NoteKind::Meeting => "meeting",
            NoteKind::Internal => "internal",
        }
    }
    /// Whether this kind is a contact with the client (internal notes are not).
    pub fn is_contact(self) -> bool {
        !matches!(self, NoteKind::Internal)
    }
}

impl fmt::Display for NoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for NoteKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        NoteKind::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| format!("'{}' is not a note kind (call, email, letter, sms, meeting, internal)", s.trim()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Reached,
    Voicemail,
    NoAnswer,
    WrongNumber,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 4] =
        [CallOutcome::Reached, CallOutcome::Voicemail, CallOutcome::NoAnswer, CallOutcome::WrongNumber];
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Reached => "reached",
            CallOutcome::Voicemail => "voicemail",
            CallOutcome::NoAnswer => "no answer",
            CallOutcome::WrongNumber => "wrong number",
        }
    }
}

impl FromStr for CallOutcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        CallOutcome::ALL.into_iter().find(|k| k.as_str() == t).ok_or_else(|| {
            format!("'{}' is not a call outcome (reached, voicemail, no answer, wrong number)", s.trim())
        })
    }
}

/// A promise to pay `amount` by `date`, for the named invoices or (when the
/// list is empty) for the whole account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    #[serde(with = "super::compact_serde::date")]
    pub date: NaiveDate,
    #[serde(with = "super::compact_serde::decimal")]
    pub amount: Decimal,
    pub currency: Currency,
    pub invoices: Vec<String>,
}

/// The rules-engine level this note completes, for these invoices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub level: u8,
    pub invoices: Vec<String>,
}

/// Account events, recorded in the log beside the state they changed so the
/// history is complete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountEvent {
    Dispute {
        invoice: String,
        reason: String,
    },
    Resolve {
        invoice: String,
    },
    Hold {
        reason: String,
    },
    Unhold,
    // chrono's text form (bincode-safe); rare enough not to need the compact one.
    Snooze {
        until: NaiveDate,
    },
    Unsnooze,
    Payment {
        payment_id: u64,
    },
    Adjustment {
        adjustment_id: u64,
    },
    // Appended only (the codec stores the position), so older books read.
    /// The account was placed with a collection agency: no reminders until
    /// it is recalled; payments still apply.
    PlacedWithAgency {
        agency: String,
    },
    /// The account was recalled from the agency.
    Recalled,
    /// Why the client is paying late, as the collector judged it.
    LateReason {
        reason: LateReason,
    },
    /// A hold released, with the hold as it was, so that undoing the
    /// release puts back exactly that hold (also one set without a note of
    /// its own, by an import). `Unhold` is what older books recorded.
    Released {
        reason: String,
        since: NaiveDate,
    },
    /// A dispute resolved, with the dispute as it was (see `Released`);
    /// `Resolve` is what older books recorded.
    Resolved {
        invoice: String,
        reason: String,
        since: NaiveDate,
    },
}

/// Why a client pays late: oversight or genuine difficulty call for
/// different handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LateReason {
    Forgot,
    CashFlow,
    Dispute,
    WrongContact,
    ClientProcess,
    Other,
}

impl LateReason {
    pub const ALL: [LateReason; 6] = [
        LateReason::Forgot,
        LateReason::CashFlow,
        LateReason::Dispute,
        LateReason::WrongContact,
        LateReason::ClientProcess,
        LateReason::Other,
    ];
    /// The name typed and exported (`cash-flow`).
    pub fn as_str(self) -> &'static str {
        match self {
            LateReason::Forgot => "forgot",
            LateReason::CashFlow => "cash-flow",
            LateReason::Dispute => "dispute",
            LateReason::WrongContact => "wrong-contact",
            LateReason::ClientProcess => "client-process",
            LateReason::Other => "other",
        }
    }
    /// Words for people.
    pub fn describe(self) -> &'static str {
        match self {
            LateReason::Forgot => "forgot (oversight)",
            LateReason::CashFlow => "cash-flow difficulty",
            LateReason::Dispute => "dispute",
            LateReason::WrongContact => "wrong contact",
            LateReason::ClientProcess => "process issue at the client",
            LateReason::Other => "other",
        }
    }
}

impl FromStr for LateReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        LateReason::ALL.into_iter().find(|r| r.as_str() == t).ok_or_else(|| {
            format!(
                "'{}' is not a reason for lateness (forgot, cash-flow, dispute, wrong-contact, client-process, other)",
                s.trim()
            )
        })
    }
}
