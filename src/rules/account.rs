//! The account view: from a client's invoice ladders to at most one action
//! for the day.
//!
//! The action is the most severe of the invoices' due actions (escalation >
//! call > reminder); among equally severe ones a broken-promise call comes
//! first (it is the most time-bound), then the highest level. It covers the
//! invoices due at exactly that level, so completing it moves each of them
//! to that level and no further: an invoice due only a first reminder is
//! never marked as having had a letter of demand. The other due invoices
//! show up as the client's next action once this one is done.

use chrono::NaiveDate;

use super::facts::ClientFacts;
use super::ladder::{Rules, BROKEN_PROMISE_LEVEL};
use super::priority::{score, severity};
use super::state::{candidates, client_pause_at, ladder_of, stakes, step, Candidate, Due, InvoiceLadder};
use super::{why, Action, ActionKind};
use crate::domain::money::format_amount;
use crate::domain::{Book, Client, Money, Totals};

fn rank(d: &Due) -> (i64, bool, u8) {
    (severity(d.kind), d.level == BROKEN_PROMISE_LEVEL, d.level)
}

/// One client's action for the day, if it needs one. The client's position,
/// log and invoice states are read once, and the full ladder state is built
/// only for the invoices the action covers.
pub fn client_action(book: &Book, rules: &Rules, client: &Client, today: NaiveDate) -> Option<Action> {
    let pos = book.client_position_of(client);
    if client_pause_at(book, rules, client, pos, today).is_some() {
        return None;
    }
    let facts = ClientFacts::gather_in(book.client_notes_at(pos, &client.id), today);
    let cands = candidates(book, client, pos, None, &facts, today);
    if cands.list.iter().all(|c| c.pause.is_some()) {
        return None;
    }
    let stakes = stakes(rules, client, &cands, today);
    let due: Vec<(&Candidate<'_>, Due)> = cands
        .list
        .iter()
        .filter(|c| c.pause.is_none())
        .filter_map(|c| step(rules, client, &facts, &stakes, c, today).due.map(|d| (c, d)))
        .collect();
    let best = due.iter().map(|(_, d)| d).max_by_key(|d| rank(d))?.clone();
    let mut covered: Vec<InvoiceLadder> = due
        .iter()
        .filter(|(_, d)| d.level == best.level)
        .map(|(c, _)| ladder_of(rules, client, &facts, &stakes, c, today))
        .collect();
    covered.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.invoice.cmp(&b.invoice)));
    let others_due = due.len() - covered.len();
    let mut totals = Totals::default();
    for l in &covered {
        totals.add(Money::new(l.chased, l.currency));
    }
    let overdue: Vec<Money> = totals.iter().collect();
    let days_overdue = covered.iter().map(|l| l.days_overdue).max().unwrap_or_default();
    let covered: Vec<&InvoiceLadder> = covered.iter().collect();
    let mut reason = why::line(book, rules, &facts, &covered, others_due, today);
    let mut kind = best.kind;
    // A client whose credit on account covers what is overdue is not
    // chased: the credit should be applied instead.
    let credit = cands.credit(book, client, today);
    if !overdue.is_empty() && overdue.iter().all(|m| credit.get(m.currency) >= m.amount) {
        let have: Vec<String> =
            overdue.iter().map(|m| format!("{} {}", format_amount(credit.get(m.currency)), m.currency)).collect();
        reason = format!(
            "in credit: {} on account covers what is overdue; apply it (dun apply-credit {}) instead of chasing; {reason}",
            have.join(" and "),
            client.id
        );
        kind = ActionKind::ApplyCredit;
    }
    Some(Action {
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        kind,
        level: best.level,
        level_name: rules.level_name(best.level).to_string(),
        score: score(kind, &overdue, days_overdue),
        overdue,
        days_overdue,
        invoices: covered.iter().map(|l| l.invoice.clone()).collect(),
        reason,
    })
}
