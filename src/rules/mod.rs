//! The rules engine: for a book and a date, which clients need a reminder,
//! a call or an escalation today, and why. Pure: no clock, no I/O (except
//! [`file::load`], which the shells call to read rules.toml).
//!
//! CONTRACT (used by the CLI and the interface):
//! - [`Rules`]: the ladder in force (`Rules::default()` is the built-in
//!   ladder; [`file::load`] reads rules.toml from the data directory).
//! - [`today`]: the day's list, most important first, deterministic.
//! - [`Action`]: one per client that needs something today.
//! - [`invoice_ladder`] / [`client_ladders`] / [`book_ladders`]: per-invoice
//!   state (level reached, done, due, pause reason) for the Invoices pane.
//! - [`client_action`]: one client's action (what "mark done" completes).
//!
//! The semantics are specified in docs/rules.md. The modules: `ladder`
//! (the data), `file` (rules.toml), `payment_run`, `facts` (what the log
//! says), `state` (per-invoice), `account` (per-client), `priority`, `why`.

mod account;
pub mod facts;
pub mod file;
pub mod ladder;
pub mod payment_run;
pub mod plan;
pub mod priority;
pub mod state;
pub mod why;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Book, Money};

pub use ladder::{ClientFilter, Level, MinAmount, Rules, RulesSource, BROKEN_PROMISE_LEVEL, BROKEN_PROMISE_NAME};
pub use state::{book_ladders, client_ladders, invoice_ladder, Due, InvoiceLadder, NextLevel, Pause, PromiseRef};

/// What kind of action a level asks for, in increasing severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Reminder,
    Call,
    Escalation,
    /// Not a chase: the client's credit on account covers what is overdue,
    /// so the action is to apply it (`dun apply-credit`), not to remind.
    ApplyCredit,
}

impl ActionKind {
    pub const ALL: [ActionKind; 4] =
        [ActionKind::Reminder, ActionKind::Call, ActionKind::Escalation, ActionKind::ApplyCredit];
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Reminder => "reminder",
            ActionKind::Call => "call",
            ActionKind::Escalation => "escalation",
            ActionKind::ApplyCredit => "apply credit",
        }
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One client's action for the day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Action {
    pub client_id: String,
    pub client_name: String,
    pub kind: ActionKind,
    /// The ladder level (1-based) this action is for; 0 is the call a
    /// broken promise asks for.
    pub level: u8,
    pub level_name: String,
    /// Open balance of the covered invoices, one entry per currency in
    /// currency order (a client may be billed in several). For a courtesy
    /// reminder before the due date this is the amount falling due.
    pub overdue: Vec<Money>,
    /// Days overdue of the oldest covered invoice (negative: not yet due).
    pub days_overdue: i64,
    /// Invoice numbers this action covers, oldest due date first.
    pub invoices: Vec<String>,
    /// One line a person trusts: the facts that led here.
    pub reason: String,
    /// The priority score the list is sorted by (higher first).
    pub score: Decimal,
}

/// The day's list, most important first (see [`priority`]).
pub fn today(book: &Book, rules: &Rules, today: NaiveDate) -> Vec<Action> {
    let actions = |clients: &[crate::domain::Client]| -> Vec<Action> {
        // Sized for every client needing an action, so that a long list is
        // not copied as it grows (pages never written are never touched).
        let mut out = Vec::with_capacity(clients.len());
        out.extend(clients.iter().filter_map(|c| account::client_action(book, rules, c, today)));
        out
    };
    let clients = book.clients();
    // Each client's action depends only on the book, so on a large book the
    // clients are split across the cores and the parts joined in order: the
    // list is the same as from one thread, only sooner.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let mut out: Vec<Action> = if threads < 2 || clients.len() < PARALLEL_FROM_CLIENTS {
        actions(clients)
    } else {
        let chunk = clients.len().div_ceil(threads);
        std::thread::scope(|sc| {
            let parts: Vec<_> = clients.chunks(chunk).map(|part| sc.spawn(move || actions(part))).collect();
            // A panic in a part is a bug in the engine; re-raise it here as
            // it would have been raised on one thread.
            parts.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        })
    };
    out.sort_by(priority::order);
    out
}

/// Below this many clients the day's list is quicker on one thread.
const PARALLEL_FROM_CLIENTS: usize = 1000;

/// One client's action for the day, if it needs one (`None` also when the
/// client does not exist).
pub fn client_action(book: &Book, rules: &Rules, client_id: &str, today: NaiveDate) -> Option<Action> {
    account::client_action(book, rules, book.client(client_id)?, today)
}

#[cfg(test)]
mod parallel_tests {
    use super::*;
    use crate::domain::{Client, Currency, Invoice, Money};
    use rust_decimal::Decimal;

    #[test]
    fn a_large_book_gives_the_same_list_as_one_client_at_a_time() {
        let day = |n: i64| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(n);
        let n = PARALLEL_FROM_CLIENTS * 2 + 7;
        let clients: Vec<Client> =
            (0..n).map(|i| Client::new(format!("C{i}"), format!("Client {i}"), Currency::USD)).collect();
        let invoices: Vec<Invoice> = (0..n)
            .map(|i| {
                let issued = day(-((i % 120) as i64));
                let total = Money::new(Decimal::from(100 + (i % 37) as i64 * 50), Currency::USD);
                Invoice::new(format!("I{i}"), format!("C{i}"), issued, issued + chrono::Duration::days(14), total)
            })
            .collect();
        let book = Book::new(clients, invoices, vec![], vec![], vec![]);
        let rules = Rules::default();
        let mut one_by_one: Vec<Action> =
            book.clients().iter().filter_map(|c| client_action(&book, &rules, &c.id, day(0))).collect();
        one_by_one.sort_by(priority::order);
        let list = today(&book, &rules, day(0));
        assert!(list.len() > PARALLEL_FROM_CLIENTS, "the book must need the parallel path");
        assert_eq!(list, one_by_one);
    }
}
