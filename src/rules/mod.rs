//! The rules engine: for a book and a date, which clients need a reminder,
//! a call or an escalation today, and why. Pure: no clock, no I/O (except
//! [`file::load`], which the shells call to read rules.toml).
//!
//! CONTRACT (used by the CLI and the interface):
//! - [`Rules`]: the ladder in force (`Rules::default()` is the built-in
//!   ladder; [`file::load`] reads rules.toml from the data directory).
//! - [`today`]: the day's list, most important first, deterministic
//!   ([`today_with_clients`]: the same, each action with its client's
//!   position in the book).
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

use crate::domain::{Book, Client, Money};

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
    day_list(book, rules, today, |_, a| a, |a| a, list_threads(book))
}

/// [`today`], each action beside its client's position in
/// [`Book::clients`]: for a caller showing more of the client than the
/// action holds (the CLI shows its owner), without looking each one up
/// again by id.
pub fn today_with_clients(book: &Book, rules: &Rules, today: NaiveDate) -> Vec<(usize, Action)> {
    let position = |c: &Client, a| (book.client_position_of(c).unwrap_or_default(), a);
    day_list(book, rules, today, position, |(_, a)| a, list_threads(book))
}

/// How many threads the day's list of `book` is worked out on: each
/// client's action depends only on the book, so on a large book the clients
/// are split across the cores.
fn list_threads(book: &Book) -> usize {
    crate::parallel::threads_for(book.clients().len(), PARALLEL_FROM_CLIENTS)
}

/// The day's list as `item`s made of each client and its action, in the
/// order of their actions (`action` reads an item's action), worked out on
/// `threads` threads (the list is the same on any number).
fn day_list<'a, T: Send>(
    book: &'a Book,
    rules: &Rules,
    today: NaiveDate,
    item: impl Fn(&'a Client, Action) -> T + Sync,
    action: fn(&T) -> &Action,
    threads: usize,
) -> Vec<T> {
    let actions = |clients: &'a [Client]| -> Vec<T> {
        // Sized for every client needing an action, so that a long list is
        // not copied as it grows (pages never written are never touched).
        let mut out = Vec::with_capacity(clients.len());
        out.extend(clients.iter().filter_map(|c| account::client_action(book, rules, c, today).map(|a| item(c, a))));
        out.sort_by(|a, b| priority::order(action(a), action(b)));
        out
    };
    let clients = book.clients();
    // In parts, each part sorted on its thread and the parts merged: the
    // list is the same as from one thread, only sooner.
    if threads < 2 {
        return actions(clients);
    }
    merge(crate::parallel::map_parts(clients, threads, actions), action)
}

/// Lists each sorted by [`priority::order`] merged into one, as sorting
/// them joined would (a stable sort: ties go to the earlier list). Each
/// item is moved once; sorting the joined list moved each of them about
/// log2(n) times, and an action is nearly 200 bytes.
fn merge<T>(parts: Vec<Vec<T>>, action: fn(&T) -> &Action) -> Vec<T> {
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    let mut parts: Vec<_> = parts.into_iter().map(|p| p.into_iter().peekable()).collect();
    loop {
        let mut first: Option<(usize, &T)> = None;
        for (i, p) in parts.iter_mut().enumerate() {
            if let Some(a) = p.peek() {
                if first.is_none_or(|(_, f)| priority::order(action(a), action(f)) == std::cmp::Ordering::Less) {
                    first = Some((i, a));
                }
            }
        }
        let Some((i, _)) = first else { break };
        out.extend(parts[i].next());
    }
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

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(n)
    }

    /// `n` clients with an invoice each, overdue by 1 to 120 days (in no
    /// order, so that sorting moves them).
    fn book_of(n: usize) -> Book {
        let clients: Vec<Client> =
            (0..n).map(|i| Client::new(format!("C{i}"), format!("Client {i}"), Currency::USD)).collect();
        let invoices: Vec<Invoice> = (0..n)
            .map(|i| {
                let issued = day(-15 - ((i * 13) % 120) as i64);
                let total = Money::new(Decimal::from(100 + (i % 37) as i64 * 50), Currency::USD);
                Invoice::new(format!("I{i}"), format!("C{i}"), issued, issued + chrono::Duration::days(14), total)
            })
            .collect();
        Book::new(clients, invoices, vec![], vec![], vec![])
    }

    #[test]
    fn any_number_of_threads_gives_the_list_of_one() {
        let rules = Rules::default();
        // Fewer clients than threads (and than parts), and enough for
        // several parts a thread.
        for n in [0, 1, 3, 5, 7, 300] {
            let book = book_of(n);
            let on = |threads| {
                let position = |c: &Client, a| (book.client_position_of(c).unwrap_or_default(), a);
                day_list(&book, &rules, day(0), position, |(_, a)| a, threads)
            };
            let one = on(1);
            assert_eq!(one.len(), n, "every client must need an action");
            for threads in [2, 3, 8] {
                assert_eq!(on(threads), one, "{n} clients on {threads} threads");
            }
        }
    }

    #[test]
    fn a_large_book_gives_the_same_list_as_one_client_at_a_time() {
        let n = PARALLEL_FROM_CLIENTS * 2 + 7;
        let book = book_of(n);
        let rules = Rules::default();
        let mut one_by_one: Vec<Action> =
            book.clients().iter().filter_map(|c| client_action(&book, &rules, &c.id, day(0))).collect();
        one_by_one.sort_by(priority::order);
        let list = today(&book, &rules, day(0));
        assert!(list.len() > PARALLEL_FROM_CLIENTS, "the book must need the parallel path");
        assert_eq!(list, one_by_one);
        let with_clients = today_with_clients(&book, &rules, day(0));
        assert!(with_clients.iter().all(|(c, a)| book.clients()[*c].id == a.client_id));
        assert_eq!(with_clients.into_iter().map(|(_, a)| a).collect::<Vec<_>>(), list);
    }

    #[test]
    fn merging_sorted_parts_is_sorting_them_joined() {
        let act = |id: &str, score: i64, days: i64| Action {
            client_id: id.into(),
            client_name: String::new(),
            kind: ActionKind::Reminder,
            level: 1,
            level_name: String::new(),
            overdue: vec![],
            days_overdue: days,
            invoices: vec![],
            reason: id.into(),
            score: Decimal::from(score),
        };
        // Ties on everything the order looks at (the same client id in two
        // parts, told apart by the reason) keep the earlier part first.
        let all = [
            act("C5", 10, 3),
            act("C1", 30, 1),
            act("C2", 10, 3),
            act("C3", 10, 9),
            act("C9", 50, 0),
            act("C2", 10, 3),
            act("C4", 0, 0),
        ];
        for cut in 0..=all.len() {
            let (mut a, mut b) = (all[..cut].to_vec(), all[cut..].to_vec());
            a[..].iter_mut().filter(|x| x.client_id == "C2").for_each(|x| x.reason = "first".into());
            b.iter_mut().filter(|x| x.client_id == "C2").for_each(|x| x.reason = "second".into());
            let mut joined: Vec<Action> = a.iter().chain(&b).cloned().collect();
            joined.sort_by(priority::order);
            a.sort_by(priority::order);
            b.sort_by(priority::order);
            assert_eq!(merge(vec![a, vec![], b], |a| a), joined, "cut at {cut}");
        }
    }
}
