//! The order of the day's list. The score is documented in docs/rules.md:
//!
//! ```text
//! score = 10 000 × severity            (reminder 0, call 1, escalation 2)
//!       + min(amount, 100 000) ÷ 100   (0 to 1 000 points)
//!       + 10 × clamp(days overdue, 0, 365)   (0 to 3 650 points)
//! ```
//!
//! `amount` is the largest single-currency overdue amount of the action
//! (currencies are never converted or added together). Severity always
//! dominates (the other terms add up to at most 4 650); within a kind, ten
//! days overdue weigh as much as 10 000 of money. Ties are broken by days
//! overdue, then by client id, so the order is fully deterministic.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::{Action, ActionKind};
use crate::domain::Money;

const SEVERITY_WEIGHT: i64 = 10_000;
const AMOUNT_CAP: i64 = 100_000;
const AMOUNT_DIVISOR: i64 = 100;
const DAY_WEIGHT: i64 = 10;
const DAY_CAP: i64 = 365;

pub fn severity(kind: ActionKind) -> i64 {
    match kind {
        ActionKind::Reminder | ActionKind::ApplyCredit => 0,
        ActionKind::Call => 1,
        ActionKind::Escalation => 2,
    }
}

pub fn score(kind: ActionKind, overdue: &[Money], days_overdue: i64) -> Decimal {
    let amount = overdue.iter().map(|m| m.amount).max().unwrap_or_default().max(Decimal::ZERO);
    let amount_points = amount.min(Decimal::from(AMOUNT_CAP)) / Decimal::from(AMOUNT_DIVISOR);
    let day_points = DAY_WEIGHT * days_overdue.clamp(0, DAY_CAP);
    (Decimal::from(SEVERITY_WEIGHT * severity(kind)) + amount_points + Decimal::from(day_points)).round_dp(2)
}

/// Highest score first, then most days overdue, then client id.
pub fn order(a: &Action, b: &Action) -> Ordering {
    b.score.cmp(&a.score).then(b.days_overdue.cmp(&a.days_overdue)).then_with(|| a.client_id.cmp(&b.client_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn usd(a: i64) -> Vec<Money> {
        vec![Money::new(Decimal::from(a), Currency::USD)]
    }

    #[test]
    fn the_documented_formula() {
        assert_eq!(score(ActionKind::Reminder, &usd(0), -3), Decimal::ZERO);
        assert_eq!(score(ActionKind::Call, &usd(5_000), 30), Decimal::from(10_000 + 50 + 300));
        assert_eq!(score(ActionKind::Escalation, &usd(1_000_000), 1000), Decimal::from(20_000 + 1_000 + 3_650));
        // Severity dominates: the cheapest, newest call beats the costliest, oldest reminder.
        assert!(score(ActionKind::Call, &usd(1), 1) > score(ActionKind::Reminder, &usd(10_000_000), 5000));
        let mixed = vec![Money::new(Decimal::from(300), Currency::EUR), Money::new(Decimal::from(200), Currency::USD)];
        assert_eq!(score(ActionKind::Reminder, &mixed, 0), Decimal::from(3));
    }
}
