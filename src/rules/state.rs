//! Per-invoice ladder state on a day: which level it has reached, which is
//! done, what is due, and why nothing is when nothing is.

use std::fmt;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::facts::{ClientFacts, PromiseStatus};
use super::ladder::{Level, Rules, BROKEN_PROMISE_LEVEL};
use super::payment_run::reminder_date;
use super::plan::ladder_terms_in;
use super::ActionKind;
use crate::domain::money::format_amount;
use crate::domain::Totals;
use crate::domain::{Book, Client, Currency, Invoice, Money};
use crate::receivables::{credit_on_account, invoice_state, open_balance, open_in, overpaid, placement_in, CreditUse};

/// One invoice's place on the ladder on a day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvoiceLadder {
    pub invoice: String,
    pub currency: Currency,
    /// Open balance on the day.
    pub open: Decimal,
    /// What the ladder chases: the open balance, or for an invoice on a
    /// payment plan what is due of it so far (see `plan.rs`).
    pub chased: Decimal,
    /// The date the ladder counts from: the due date, or for an invoice on
    /// a payment plan its first instalment not yet covered.
    pub due_date: NaiveDate,
    /// Days past the due date (negative before it).
    pub days_overdue: i64,
    /// The highest level whose date has come and whose amount condition holds.
    pub reached: Option<u8>,
    /// The highest level logged as done.
    pub done: Option<u8>,
    /// What is due today, if anything.
    pub due: Option<Due>,
    /// Why nothing is due although a level was reached (or why the invoice
    /// is out of the ladder).
    pub pause: Option<Pause>,
    /// A level reached by date but held back by its minimum amount.
    pub below_minimum: Option<u8>,
    /// The next level ahead and the day it is reached.
    pub next: Option<NextLevel>,
}

/// An action due for one invoice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Due {
    /// Ladder level, or 0 for the call a broken promise asks for.
    pub level: u8,
    pub kind: ActionKind,
    /// Set when a reminder was brought forward for the client's payment run
    /// on this date.
    pub moved_for_run: Option<NaiveDate>,
    /// For a broken-promise call: the promise.
    pub broken_promise: Option<PromiseRef>,
    /// Set when this is a required level not yet done, due before the
    /// higher level the invoice has reached (this one).
    pub catching_up: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PromiseRef {
    pub note_id: u64,
    pub made: NaiveDate,
    pub date: NaiveDate,
    pub amount: Money,
    pub invoices: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NextLevel {
    pub level: u8,
    pub date: NaiveDate,
}

/// Why an open invoice gets no action today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pause {
    NotIssued {
        issue_date: NaiveDate,
    },
    Settled,
    FilteredOut {
        why: String,
    },
    OnHold {
        reason: String,
        since: NaiveDate,
    },
    Snoozed {
        until: NaiveDate,
    },
    WithAgency {
        agency: String,
        since: NaiveDate,
    },
    Excluded,
    Disputed {
        reason: String,
        since: NaiveDate,
    },
    Promised {
        date: NaiveDate,
        amount: Money,
        note_id: u64,
    },
    /// The level due needs a longer gap since the last contact.
    Waiting {
        level: u8,
        last_contact: NaiveDate,
        min_gap_days: u32,
        until: NaiveDate,
    },
}

impl fmt::Display for Pause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pause::NotIssued { issue_date } => write!(f, "not issued until {issue_date}"),
            Pause::Settled => write!(f, "settled"),
            Pause::FilteredOut { why } => write!(f, "not chased: {why}"),
            Pause::OnHold { reason, since } => write!(f, "client on hold since {since}: {reason}"),
            Pause::Snoozed { until } => write!(f, "client snoozed until {until}"),
            Pause::WithAgency { agency, since } => write!(f, "placed with agency {agency} since {since}"),
            Pause::Excluded => write!(f, "excluded from chasing"),
            Pause::Disputed { reason, since } => write!(f, "disputed since {since}: {reason}"),
            Pause::Promised { date, amount, .. } => {
                write!(f, "promise to pay {} {} by {date}", format_amount(amount.amount), amount.currency)
            }
            Pause::Waiting { level, last_contact, min_gap_days, until } => write!(
                f,
                "level {level} waits until {until}: last contact {last_contact}, needs {min_gap_days} days between contacts"
            ),
        }
    }
}

/// The client-wide reason for no actions (filter, hold, snooze, with an
/// agency), if any.
pub fn client_pause(book: &Book, rules: &Rules, client: &Client, today: NaiveDate) -> Option<Pause> {
    client_pause_at(book, rules, client, book.client_position_of(client), today)
}

/// [`client_pause`] for a caller that knows the client's position.
pub(crate) fn client_pause_at(
    book: &Book,
    rules: &Rules,
    client: &Client,
    pos: Option<usize>,
    today: NaiveDate,
) -> Option<Pause> {
    if let Some(why) = rules.filter.rejects(client) {
        return Some(Pause::FilteredOut { why });
    }
    if let Some(h) = &client.hold {
        return Some(Pause::OnHold { reason: h.reason.clone(), since: h.since });
    }
    if client.is_snoozed(today) {
        return Some(Pause::Snoozed { until: client.snoozed_until.unwrap_or(today) });
    }
    if let Some(p) = placement_in(book.client_notes_at(pos, &client.id), today) {
        return Some(Pause::WithAgency { agency: p.agency, since: p.since });
    }
    None
}

/// The day a level is reached for an invoice due on `due` (see
/// [`InvoiceLadder::due_date`]): the due date plus the level's
/// days, brought forward for a reminder that would land too close to the
/// client's payment run. Returns the date and the run it was moved for.
pub fn level_date(rules: &Rules, client: &Client, due: NaiveDate, level: &Level) -> (NaiveDate, Option<NaiveDate>) {
    let natural = shift(due, level.days.into());
    if level.kind == ActionKind::Reminder && !client.payment_run_days.is_empty() {
        reminder_date(&client.payment_run_days, rules.run_lead_days, natural)
    } else {
        (natural, None)
    }
}

fn shift(d: NaiveDate, days: i64) -> NaiveDate {
    let r = if days >= 0 {
        d.checked_add_days(Days::new(days as u64))
    } else {
        d.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    r.unwrap_or(d)
}

/// Open amount at stake per level and currency: the open balances of the
/// client's invoices in play (chaseable, not paused) that have reached the
/// level by date. Only needed when a level has a minimum amount.
#[derive(Debug, Default)]
pub(crate) struct Stakes(Vec<Vec<(Currency, Decimal)>>, bool);

impl Stakes {
    fn add(&mut self, level_ix: usize, c: Currency, a: Decimal) {
        if self.0.len() <= level_ix {
            self.0.resize_with(level_ix + 1, Vec::new);
        }
        match self.0[level_ix].iter_mut().find(|(k, _)| *k == c) {
            Some((_, v)) => *v += a,
            None => self.0[level_ix].push((c, a)),
        }
    }
    /// Whether the client is over its credit limit (only worked out when a
    /// level has the `over_limit` condition).
    pub fn over_limit(&self) -> bool {
        self.1
    }
    pub fn get(&self, level_ix: usize, c: Currency) -> Decimal {
        self.0.get(level_ix).and_then(|v| v.iter().find(|(k, _)| *k == c)).map(|(_, v)| *v).unwrap_or_default()
    }
}

/// An open invoice of the client and what keeps it out of play, if anything.
pub(crate) struct Candidate<'a> {
    pub inv: &'a Invoice,
    pub open: Decimal,
    pub chased: Decimal,
    pub due: NaiveDate,
    pub pause: Option<Pause>,
    pub broken: Option<PromiseRef>,
}

/// A client's open invoices on the day, each invoice's state worked out
/// once for everything the day needs of it: the candidates, and the credit
/// on account (which [`crate::receivables::account_credit`] would work out
/// again from every invoice).
pub(crate) struct Candidates<'a> {
    pub list: Vec<Candidate<'a>>,
    /// The over-payments of the client's invoices, in the book's order.
    overpaid: Vec<Money>,
    pos: Option<usize>,
}

impl Candidates<'_> {
    /// The client's credit on account on the day: the figure
    /// [`crate::receivables::account_credit`] gives.
    pub fn credit(&self, book: &Book, client: &Client, today: NaiveDate) -> Totals {
        credit_on_account(book.client_payments_at(self.pos, &client.id), self.overpaid.iter().copied(), today)
    }

    /// Whether the client is over its credit limit on the day (as
    /// [`crate::receivables::credit_use`] says): its open balance in the
    /// account currency is that of its candidates, the only invoices open.
    fn over_limit(&self, client: &Client) -> bool {
        client.credit_limit.is_some_and(|limit| {
            let balance =
                self.list.iter().filter(|c| c.inv.currency == client.currency).map(|c| c.open).sum::<Decimal>();
            CreditUse { currency: client.currency, limit, balance }.over()
        })
    }
}

/// Sorts a client's open invoices into in play or paused, in the order of
/// the checks in docs/rules.md: client pause (`cpause`, from
/// [`client_pause_at`]), excluded, disputed, promise. `pos` is the client's
/// position in the book.
pub(crate) fn candidates<'a>(
    book: &'a Book,
    client: &'a Client,
    pos: Option<usize>,
    cpause: Option<&Pause>,
    facts: &ClientFacts<'a>,
    today: NaiveDate,
) -> Candidates<'a> {
    let mut out = Candidates { list: Vec::new(), overpaid: Vec::new(), pos };
    for inv in book.client_invoices_at(pos, &client.id) {
        let st = invoice_state(book, inv, today);
        out.overpaid.extend(overpaid(inv, &st));
        let open = open_in(inv, &st, today);
        if open <= Decimal::ZERO {
            continue;
        }
        let mut broken = None;
        let pause = if let Some(p) = cpause {
            Some(p.clone())
        } else if inv.excluded {
            Some(Pause::Excluded)
        } else if let Some(d) = &inv.dispute {
            Some(Pause::Disputed { reason: d.reason.clone(), since: d.since })
        } else {
            match facts.promise_for(&inv.number) {
                Some((note, p)) => match facts.promise_status(book, note, p, today) {
                    PromiseStatus::Pending => Some(Pause::Promised {
                        date: p.date,
                        amount: Money::new(p.amount, p.currency),
                        note_id: note.id,
                    }),
                    PromiseStatus::Broken => {
                        broken = Some(PromiseRef {
                            note_id: note.id,
                            made: note.date,
                            date: p.date,
                            amount: Money::new(p.amount, p.currency),
                            invoices: p.invoices.clone(),
                        });
                        None
                    }
                    PromiseStatus::Kept | PromiseStatus::FollowedUp => None,
                },
                None => None,
            }
        };
        let (due, chased) = ladder_terms_in(inv, &st, open, today);
        out.list.push(Candidate { inv, open, chased, due, pause, broken });
    }
    out
}

/// Amounts at stake per level, from the candidates in play.
pub(crate) fn stakes(rules: &Rules, client: &Client, cands: &Candidates<'_>, today: NaiveDate) -> Stakes {
    let mut s = Stakes::default();
    if rules.levels.iter().any(|l| l.over_limit) {
        s.1 = cands.over_limit(client);
    }
    if rules.levels.iter().all(|l| l.min_amount.is_none()) {
        return s;
    }
    for c in cands.list.iter().filter(|c| c.pause.is_none()) {
        for (ix, level) in rules.levels.iter().enumerate() {
            if today >= level_date(rules, client, c.due, level).0 {
                s.add(ix, c.inv.currency, c.chased);
            }
        }
    }
    s
}

/// Where one candidate stands on the ladder: an [`InvoiceLadder`] but for
/// the invoice's own fields and the next level. The day's list needs only
/// what is due of each invoice, and the full state of the few its action
/// covers.
pub(crate) struct Step {
    pub reached: Option<u8>,
    pub done: Option<u8>,
    pub below_minimum: Option<u8>,
    pub due: Option<Due>,
    /// Set when the level due waits for a longer gap since the last contact.
    pub waiting: Option<Pause>,
}

/// Where one candidate invoice stands on the ladder.
pub(crate) fn step(
    rules: &Rules,
    client: &Client,
    facts: &ClientFacts<'_>,
    stakes: &Stakes,
    c: &Candidate<'_>,
    today: NaiveDate,
) -> Step {
    let inv = c.inv;
    let mut reached: Option<(&Level, Option<NaiveDate>)> = None;
    let mut below_minimum = None;
    for (ix, level) in rules.levels.iter().enumerate() {
        let (date, moved) = level_date(rules, client, c.due, level);
        if today < date {
            continue;
        }
        if level.over_limit && !stakes.over_limit() {
            continue;
        }
        if applies(level, ix, stakes, inv.currency) {
            reached = Some((level, moved));
        } else {
            below_minimum = Some(level.number);
        }
    }
    let done = facts.done(&inv.number);
    let reached_level = reached.map(|r| r.0.number);
    let below_minimum = below_minimum.filter(|&b| reached_level.is_none_or(|r| b > r));
    let mut st = Step { reached: reached_level, done, below_minimum, due: None, waiting: None };
    if c.pause.is_some() {
        return st;
    }
    if let Some(b) = &c.broken {
        st.due = Some(Due {
            level: BROKEN_PROMISE_LEVEL,
            kind: ActionKind::Call,
            moved_for_run: None,
            broken_promise: Some(b.clone()),
            catching_up: None,
        });
        return st;
    }
    let Some((top_level, moved)) = reached else { return st };
    if done.is_some_and(|d| d >= top_level.number) {
        return st;
    }
    // Catching up: a required level below the one reached, not yet done
    // (a higher level done covers it), comes first. Its date has passed,
    // since thresholds increase and reminders only ever move earlier.
    let required = rules.levels.iter().enumerate().find(|(ix, l)| {
        l.required
            && l.number < top_level.number
            && done.is_none_or(|d| d < l.number)
            && (!l.over_limit || stakes.over_limit())
            && applies(l, *ix, stakes, inv.currency)
    });
    let (level, moved, catching_up) = match required {
        Some((_, l)) => (l, None, Some(top_level.number)),
        None => (top_level, moved, None),
    };
    let level_no = level.number;
    if let (Some(gap), Some(last)) = (level.min_gap_days, facts.last_contact) {
        let until = shift(last.date, gap.into());
        if today < until {
            st.waiting = Some(Pause::Waiting { level: level_no, last_contact: last.date, min_gap_days: gap, until });
            return st;
        }
    }
    st.due = Some(Due { level: level_no, kind: level.kind, moved_for_run: moved, broken_promise: None, catching_up });
    st
}

/// The ladder state of one candidate invoice.
pub(crate) fn ladder_of(
    rules: &Rules,
    client: &Client,
    facts: &ClientFacts<'_>,
    stakes: &Stakes,
    c: &Candidate<'_>,
    today: NaiveDate,
) -> InvoiceLadder {
    let s = step(rules, client, facts, stakes, c, today);
    let top = s.reached.max(s.done).unwrap_or(0);
    let next = rules.levels.iter().filter(|l| l.number > top).find_map(|l| {
        let date = level_date(rules, client, c.due, l).0;
        (date > today).then_some(NextLevel { level: l.number, date })
    });
    InvoiceLadder {
        invoice: c.inv.number.as_str().to_owned(),
        currency: c.inv.currency,
        open: c.open,
        chased: c.chased,
        due_date: c.due,
        days_overdue: (today - c.due).num_days(),
        reached: s.reached,
        done: s.done,
        due: s.due,
        // A waiting level is only ever found for an invoice in play.
        pause: c.pause.clone().or(s.waiting),
        below_minimum: s.below_minimum,
        next,
    }
}

/// Whether a level's minimum amount (if any) is met by what is at stake.
fn applies(level: &Level, ix: usize, stakes: &Stakes, c: Currency) -> bool {
    level.min_amount.for_currency(c).is_none_or(|min| stakes.get(ix, c) >= min)
}

/// The ladder state of every open invoice of a client, in the book's order.
pub fn client_ladders(book: &Book, rules: &Rules, client: &Client, today: NaiveDate) -> Vec<InvoiceLadder> {
    let pos = book.client_position_of(client);
    let cpause = client_pause_at(book, rules, client, pos, today);
    let facts = ClientFacts::gather_in(book.client_notes_at(pos, &client.id), today);
    let cands = candidates(book, client, pos, cpause.as_ref(), &facts, today);
    let stakes = stakes(rules, client, &cands, today);
    cands.list.iter().map(|c| ladder_of(rules, client, &facts, &stakes, c, today)).collect()
}

/// The ladder state of every open invoice in the book, client by client:
/// one pass, for a pane listing many invoices (calling [`invoice_ladder`]
/// per invoice re-reads the client's log each time).
pub fn book_ladders(book: &Book, rules: &Rules, today: NaiveDate) -> Vec<InvoiceLadder> {
    book.clients().iter().flat_map(|c| client_ladders(book, rules, c, today)).collect()
}

/// The ladder state of one invoice (for the Invoices pane): level reached,
/// level done, what is due and why not. A settled or not-yet-issued invoice
/// comes back with that pause and nothing due.
pub fn invoice_ladder(book: &Book, rules: &Rules, inv: &Invoice, today: NaiveDate) -> InvoiceLadder {
    let facts = ClientFacts::gather(book, &inv.client_id, today);
    let open = open_balance(book, inv, today);
    let blank = |pause| InvoiceLadder {
        invoice: inv.number.as_str().to_owned(),
        currency: inv.currency,
        open,
        chased: open,
        due_date: inv.due_date,
        days_overdue: (today - inv.due_date).num_days(),
        reached: None,
        done: facts.done(&inv.number),
        due: None,
        pause: Some(pause),
        below_minimum: None,
        next: None,
    };
    let Some(client) = book.client(&inv.client_id) else {
        return blank(Pause::FilteredOut { why: format!("client {} does not exist", inv.client_id) });
    };
    if inv.issue_date > today {
        return blank(Pause::NotIssued { issue_date: inv.issue_date });
    }
    // Amount conditions look at the whole client, so every open invoice is a
    // candidate; the answer is this invoice's row.
    let pos = book.client_position_of(client);
    let cpause = client_pause_at(book, rules, client, pos, today);
    let cands = candidates(book, client, pos, cpause.as_ref(), &facts, today);
    let stakes = stakes(rules, client, &cands, today);
    match cands.list.iter().find(|c| c.inv.number == inv.number) {
        Some(c) => ladder_of(rules, client, &facts, &stakes, c, today),
        None => blank(Pause::Settled),
    }
}
