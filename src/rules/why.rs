//! The one line that explains an action, built only from the facts that
//! led to it, e.g. `INV-0042 31 days overdue (≥30: Letter of demand);
//! last contact 12 days ago (call, no answer); no promise`, or when a
//! required step was skipped, `catching up: no reminder sent yet; 94 days
//! overdue (INV-0042; ≥1: First reminder before Collection agency); …`.

use chrono::NaiveDate;

use super::facts::ClientFacts;
use super::ladder::Rules;
use super::state::InvoiceLadder;
use super::ActionKind;
use crate::domain::money::format_amount;
use crate::domain::Book;

/// "31 days overdue", "1 day overdue", "due today", "due in 2 days".
pub fn age(days_overdue: i64) -> String {
    match days_overdue {
        0 => "due today".to_string(),
        1 => "1 day overdue".to_string(),
        -1 => "due tomorrow".to_string(),
        d if d > 0 => format!("{d} days overdue"),
        d => format!("due in {} days", -d),
    }
}

fn days_ago(days: i64) -> String {
    match days {
        0 => "today".to_string(),
        1 => "yesterday".to_string(),
        d => format!("{d} days ago"),
    }
}

/// "last contact 12 days ago (call, no answer)" or "no contact logged".
pub fn last_contact(facts: &ClientFacts<'_>, today: NaiveDate) -> String {
    match facts.last_contact {
        None => "no contact logged".to_string(),
        Some(n) => {
            let what = match n.outcome {
                Some(o) => format!("{}, {}", n.kind, o.as_str()),
                None => n.kind.to_string(),
            };
            format!("last contact {} ({what})", days_ago((today - n.date).num_days()))
        }
    }
}

/// "no promise", or the client's latest promise and where it stands.
pub fn promise(book: &Book, facts: &ClientFacts<'_>, today: NaiveDate) -> String {
    match facts.latest_promise() {
        None => "no promise".to_string(),
        Some((n, p)) => {
            format!(
                "promise of {} {} by {} {}",
                format_amount(p.amount),
                p.currency,
                p.date,
                facts.promise_status(book, n, p, today).as_str()
            )
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
    let who = if covered.len() > 1 {
        format!("{} (+{} more)", first.invoice, covered.len() - 1)
    } else {
        first.invoice.clone()
    };
    let mut parts = Vec::with_capacity(4);
    match &due.broken_promise {
        Some(p) => {
            parts.push(format!(
                "{who} {}; promise of {} {} by {} broken (made {})",
                age(first.days_overdue),
                format_amount(p.amount.amount),
                p.amount.currency,
                p.date,
                p.made
            ));
            parts.push(last_contact(facts, today));
        }
        None if due.catching_up.is_some() => {
            let reached = rules.level_name(due.catching_up.unwrap_or_default());
            let level = rules.level(due.level);
            let threshold = level.map(|l| l.days).unwrap_or_default();
            parts.push(format!(
                "catching up: {}; {} ({who}; ≥{threshold}: {} before {reached})",
                missing_step(rules, due.level),
                age(first.days_overdue),
                rules.level_name(due.level)
            ));
            parts.push(last_contact(facts, today));
            parts.push(promise(book, facts, today));
        }
        None => {
            let level = rules.level(due.level);
            let threshold = level.map(|l| l.days).unwrap_or_default();
            let moved = match due.moved_for_run {
                Some(run) => format!(", brought forward for the payment run on {run}"),
                None => String::new(),
            };
            parts.push(format!(
                "{who} {} (≥{threshold}: {}{moved})",
                age(first.days_overdue),
                rules.level_name(due.level)
            ));
            parts.push(last_contact(facts, today));
            parts.push(promise(book, facts, today));
        }
    }
    if others_due > 0 {
        let s = if others_due == 1 { "" } else { "s" };
        parts.push(format!("{others_due} more invoice{s} due at other levels"));
    }
    parts.join("; ")
}
