//! The rules engine: for a book and a date, which clients need a reminder,
//! a call or an escalation today, and why. Pure: no clock, no I/O.
//!
//! CONTRACT (used by the CLI and the interface; implemented in this module):
//! - [`Rules`]: the ladder in force (built-in default or rules.toml).
//! - [`today`]: the day's list, most important first, deterministic.
//! - [`Action`]: one per client that needs something today.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{Book, Money};

/// What kind of action a level asks for, in increasing severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Reminder,
    Call,
    Escalation,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Reminder => "reminder",
            ActionKind::Call => "call",
            ActionKind::Escalation => "escalation",
        }
    }
}

/// The rules in force. (Filled in by the rules-engine work.)
#[derive(Clone, Debug, Default)]
pub struct Rules {}

/// One client's action for the day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Action {
    pub client_id: String,
    pub client_name: String,
    pub kind: ActionKind,
    /// The ladder level (1-based) this action is for.
    pub level: u8,
    pub level_name: String,
    /// Overdue amount of the covered invoices, one entry per currency
    /// (a client may be billed in several).
    pub overdue: Vec<Money>,
    /// Days overdue of the oldest covered invoice.
    pub days_overdue: i64,
    /// Invoice numbers this action covers.
    pub invoices: Vec<String>,
    /// One line a person trusts: the facts that led here.
    pub reason: String,
    /// The priority score the list is sorted by (higher first).
    pub score: Decimal,
}

/// The day's list, most important first.
pub fn today(book: &Book, rules: &Rules, today: NaiveDate) -> Vec<Action> {
    let _ = (book, rules, today);
    Vec::new()
}
