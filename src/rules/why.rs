//! The one line that explains an action, built only from the facts that
//! led to it, e.g. `INV-0042 31 days overdue (≥30: Letter of demand);
//! last contact 12 days ago (call, no answer); no promise`, or when a
//! required step was skipped, `catching up: no reminder sent yet; 94 days
//! overdue (INV-0042; ≥1: First reminder before Collection agency); …`.

use std::fmt::Write;

use chrono::NaiveDate;

use super::facts::ClientFacts;
use super::ladder::Rules;
use super::state::InvoiceLadder;
use super::ActionKind;
use crate::domain::money::format_amount;
use crate::domain::Book;

/// "31 days overdue", "1 day overdue", "due today", "due in 2 days".
pub fn age(days_overdue: i64) -> String {
    let mut s = String::new();
    write_age(&mut s, days_overdue);
    s
}

// The line is written piece by piece into one string: the day's list on a
// large book is fifty thousand lines, and a string per piece was a tenth
// of working it out. `write!` to a String cannot fail.

fn write_age(s: &mut String, days_overdue: i64) {
    let _ = match days_overdue {
        0 => write!(s, "due today"),
        1 => write!(s, "1 day overdue"),
        -1 => write!(s, "due tomorrow"),
        d if d > 0 => write!(s, "{d} days overdue"),
        d => write!(s, "due in {} days", -d),
    };
}

fn write_days_ago(s: &mut String, days: i64) {
    let _ = match days {
        0 => write!(s, "today"),
        1 => write!(s, "yesterday"),
        d => write!(s, "{d} days ago"),
    };
}

/// "last contact 12 days ago (call, no answer)" or "no contact logged".
pub fn last_contact(facts: &ClientFacts<'_>, today: NaiveDate) -> String {
    let mut s = String::new();
    write_last_contact(&mut s, facts, today);
    s
}

fn write_last_contact(s: &mut String, facts: &ClientFacts<'_>, today: NaiveDate) {
    match facts.last_contact {
        None => s.push_str("no contact logged"),
        Some(n) => {
            s.push_str("last contact ");
            write_days_ago(s, (today - n.date).num_days());
            let _ = match n.outcome {
                Some(o) => write!(s, " ({}, {})", n.kind, o.as_str()),
                None => write!(s, " ({})", n.kind),
            };
        }
    }
}

/// "no promise", or the client's latest promise and where it stands.
pub fn promise(book: &Book, facts: &ClientFacts<'_>, today: NaiveDate) -> String {
    let mut s = String::new();
    write_promise(&mut s, book, facts, today);
    s
}

fn write_promise(s: &mut String, book: &Book, facts: &ClientFacts<'_>, today: NaiveDate) {
    match facts.latest_promise() {
        None => s.push_str("no promise"),
        Some((n, p)) => {
            let _ = write!(
                s,
                "promise of {} {} by {} {}",
                format_amount(p.amount),
                p.currency,
                p.date,
                facts.promise_status(book, n, p, today).as_str()
            );
        }
    }
}

/// "no reminder sent yet", "no letter of demand sent yet", "no phone call
/// made yet": the required step that was skipped.
pub fn missing_step(rules: &Rules, level: u8) -> String {
    let name = rules.level_name(level).to_lowercase();
    match rules.level(level).map(|l| l.kind) {
        Some(ActionKind::Reminder) => "no reminder sent yet".to_string(),
        Some(ActionKind::Call) => format!("no {name} made yet"),
        _ => format!("no {name} sent yet"),
    }
}

/// The why line for an action covering `covered` (oldest first).
pub fn line(
    book: &Book,
    rules: &Rules,
    facts: &ClientFacts<'_>,
    covered: &[&InvoiceLadder],
    others_due: usize,
    today: NaiveDate,
) -> String {
    let Some(first) = covered.first() else { return String::new() };
    let Some(due) = &first.due else { return String::new() };
    let mut s = String::with_capacity(160);
    let who = |s: &mut String| {
        s.push_str(&first.invoice);
        if covered.len() > 1 {
            let _ = write!(s, " (+{} more)", covered.len() - 1);
        }
    };
    match &due.broken_promise {
        Some(p) => {
            who(&mut s);
            s.push(' ');
            write_age(&mut s, first.days_overdue);
            let _ = write!(
                s,
                "; promise of {} {} by {} broken (made {})",
                format_amount(p.amount.amount),
                p.amount.currency,
                p.date,
                p.made
            );
            s.push_str("; ");
            write_last_contact(&mut s, facts, today);
        }
        None if due.catching_up.is_some() => {
            let reached = rules.level_name(due.catching_up.unwrap_or_default());
            let level = rules.level(due.level);
            let threshold = level.map(|l| l.days).unwrap_or_default();
            let _ = write!(s, "catching up: {}; ", missing_step(rules, due.level));
            write_age(&mut s, first.days_overdue);
            s.push_str(" (");
            who(&mut s);
            let _ = write!(s, "; ≥{threshold}: {} before {reached})", rules.level_name(due.level));
            s.push_str("; ");
            write_last_contact(&mut s, facts, today);
            s.push_str("; ");
            write_promise(&mut s, book, facts, today);
        }
        None => {
            let level = rules.level(due.level);
            let threshold = level.map(|l| l.days).unwrap_or_default();
            who(&mut s);
            s.push(' ');
            write_age(&mut s, first.days_overdue);
            let _ = write!(s, " (≥{threshold}: {}", rules.level_name(due.level));
            if let Some(run) = due.moved_for_run {
                let _ = write!(s, ", brought forward for the payment run on {run}");
            }
            s.push(')');
            s.push_str("; ");
            write_last_contact(&mut s, facts, today);
            s.push_str("; ");
            write_promise(&mut s, book, facts, today);
        }
    }
    if others_due > 0 {
        let plural = if others_due == 1 { "" } else { "s" };
        let _ = write!(s, "; {others_due} more invoice{plural} due at other levels");
    }
    s
}
