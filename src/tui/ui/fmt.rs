//! How values read on screen: amounts, totals, dates, action markers.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::money::format_amount;
use crate::domain::{Money, NoteKind, Totals};
use crate::rules::ActionKind;
use crate::tui::theme::Role;

/// A text marker per action kind, so the list reads without colour.
pub fn kind_marker(k: ActionKind) -> &'static str {
    match k {
        ActionKind::Reminder => "- reminder",
        ActionKind::Call => "* call",
        ActionKind::Escalation => "! escalation",
        ActionKind::ApplyCredit => "+ apply credit",
    }
}

/// The marker in a narrow column.
pub fn kind_short(k: ActionKind) -> &'static str {
    match k {
        ActionKind::Reminder => "- remind",
        ActionKind::Call => "* call",
        ActionKind::Escalation => "! escalate",
        ActionKind::ApplyCredit => "+ credit",
    }
}

pub fn kind_role(k: ActionKind) -> Role {
    match k {
        ActionKind::Reminder | ActionKind::ApplyCredit => Role::Reminder,
        ActionKind::Call => Role::Call,
        ActionKind::Escalation => Role::Escalation,
    }
}

/// `1,234.50` (no currency), or blank for zero.
pub fn amount_or_blank(a: Decimal) -> String {
    if a.is_zero() {
        String::new()
    } else {
        format_amount(a)
    }
}

/// Whole units with grouping (`12,346`), for the narrow aging table.
pub fn whole(a: Decimal) -> String {
    if a.is_zero() {
        return String::new();
    }
    let s = format_amount(a.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
    s.strip_suffix(".00").map(str::to_string).unwrap_or(s)
}

/// One currency's amount from `t` (the client's own), with `+` when the
/// client also owes in other currencies (the detail view lists them all).
pub fn home_amount(t: &Totals, home: crate::domain::Currency) -> String {
    let others = t.iter().filter(|m| m.currency != home && !m.amount.is_zero()).count();
    let main = t.get(home);
    match (main.is_zero(), others) {
        (true, 0) => String::new(),
        (true, _) => t
            .iter()
            .find(|m| !m.amount.is_zero())
            .map(|m| format!("{} {}", format_amount(m.amount), m.currency))
            .unwrap_or_default(),
        (false, 0) => format_amount(main),
        (false, _) => format!("{}+", format_amount(main)),
    }
}

/// `1,234.00 USD · 500.00 EUR`.
pub fn totals(t: &Totals) -> String {
    let parts: Vec<String> = t.iter().filter(|m| !m.amount.is_zero()).map(|m| m.to_string()).collect();
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join(" · ")
    }
}

/// The first amount of a list, with `+N` when there are more currencies.
pub fn first_money(ms: &[Money]) -> String {
    match ms {
        [] => String::new(),
        [m] => m.to_string(),
        [m, rest @ ..] => format!("{m} +{}", rest.len()),
    }
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `20 Nov` this year, `Nov 2025` before.
pub fn short_date(d: NaiveDate, today: NaiveDate) -> String {
    if d.year() == today.year() {
        d.format("%d %b").to_string()
    } else {
        d.format("%b %Y").to_string()
    }
}

pub fn note_kind(k: NoteKind) -> &'static str {
    k.as_str()
}

/// The style role for an amount `days` past due.
pub fn days_role(days: i64, bounds: &[u32]) -> Role {
    Role::bucket(crate::tui::model::bucket_of(days, bounds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn amounts_read_well() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(whole(d("12345.50")), "12,346");
        assert_eq!(whole(d("0")), "");
        let mut t = Totals::default();
        t.add(Money::new(d("10"), Currency::USD));
        assert_eq!(home_amount(&t, Currency::USD), "10.00");
        t.add(Money::new(d("5"), Currency::EUR));
        assert_eq!(home_amount(&t, Currency::USD), "10.00+");
        assert_eq!(home_amount(&t, Currency::GBP), "5.00 EUR");
        assert_eq!(totals(&t), "5.00 EUR · 10.00 USD");
    }
}
