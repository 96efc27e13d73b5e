//! The ladder in force: levels, their conditions, client filters and the
//! payment-run lead. Plain data; see `file.rs` for how rules.toml becomes one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_decimal::Decimal;

use super::ActionKind;
use crate::domain::{Client, Currency};

/// One rung of the ladder.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    /// 1-based position in the ladder (the order the file lists them).
    pub number: u8,
    pub name: String,
    /// Days from the due date at which the level is reached (negative: before it).
    pub days: i32,
    pub kind: ActionKind,
    /// The level applies only when this much is at stake (see [`MinAmount`]).
    pub min_amount: MinAmount,
    /// The level waits until this many days have passed since the last
    /// contact logged with the client.
    pub min_gap_days: Option<u32>,
    /// A required step is never skipped: while it is not done, it comes
    /// before any later level the invoice has reached (catching up).
    pub required: bool,
    /// The level applies only while the client's open balance is over its
    /// credit limit (see `receivables::credit_use`).
    pub over_limit: bool,
}

/// A level's minimum amount at stake: the open balance of the client's
/// chaseable invoices in one currency that have reached the level.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum MinAmount {
    #[default]
    None,
    /// The same figure in every currency (no conversion is made).
    Any(Decimal),
    /// Per currency; currencies not listed have no minimum.
    PerCurrency(BTreeMap<Currency, Decimal>),
}

impl MinAmount {
    pub fn for_currency(&self, c: Currency) -> Option<Decimal> {
        match self {
            MinAmount::None => None,
            MinAmount::Any(a) => Some(*a),
            MinAmount::PerCurrency(m) => m.get(&c).copied(),
        }
    }
    pub fn is_none(&self) -> bool {
        matches!(self, MinAmount::None)
    }
}

/// Which clients the rules chase at all. Empty lists admit everyone.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ClientFilter {
    /// Chase only clients carrying at least one of these tags.
    pub tags: Vec<String>,
    /// Never chase clients carrying any of these tags.
    pub exclude_tags: Vec<String>,
    /// Chase only clients whose account currency is one of these.
    pub currencies: Vec<Currency>,
}

impl ClientFilter {
    /// `None` when the client is chased; otherwise why not.
    pub fn rejects(&self, c: &Client) -> Option<String> {
        let has = |t: &String| c.tags.iter().any(|ct| ct.eq_ignore_ascii_case(t));
        if let Some(t) = self.exclude_tags.iter().find(|t| has(t)) {
            return Some(format!("tag '{t}' is excluded by the rules"));
        }
        if !self.tags.is_empty() && !self.tags.iter().any(has) {
            return Some(format!("no tag the rules chase ({})", self.tags.join(", ")));
        }
        if !self.currencies.is_empty() && !self.currencies.contains(&c.currency) {
            let list: Vec<&str> = self.currencies.iter().map(|c| c.as_str()).collect();
            return Some(format!("account currency {} is not chased by the rules ({})", c.currency, list.join(", ")));
        }
        None
    }
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.exclude_tags.is_empty() && self.currencies.is_empty()
    }
}

/// Where the rules came from, for `dun rules show` and messages.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum RulesSource {
    #[default]
    BuiltIn,
    File(PathBuf),
}

/// The built-in payment-run lead: a reminder must land at least this many
/// days before the client's run to make it in.
pub const DEFAULT_RUN_LEAD_DAYS: u32 = 3;

/// The rules in force: the built-in default ladder (`Rules::default()`) or
/// a rules.toml.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    /// Thresholds strictly increase from one level to the next.
    pub levels: Vec<Level>,
    /// Reminders landing fewer than this many days before a client's payment
    /// run are brought forward; 0 turns the adjustment off.
    pub run_lead_days: u32,
    pub filter: ClientFilter,
    pub source: RulesSource,
}

impl Default for Rules {
    /// The default ladder of issue 4 / docs/rules.md.
    fn default() -> Self {
        let lvl = |number, days, kind, name: &str, required| Level {
            number,
            name: name.to_string(),
            days,
            kind,
            min_amount: MinAmount::None,
            min_gap_days: None,
            required,
            over_limit: false,
        };
        // The first overdue reminder and the letter of demand are required:
        // no one gets a letter of demand, or goes to an agency, unwarned.
        Rules {
            levels: vec![
                lvl(1, -3, ActionKind::Reminder, "Courtesy reminder", false),
                lvl(2, 1, ActionKind::Reminder, "First reminder", true),
                lvl(3, 7, ActionKind::Reminder, "Second reminder", false),
                lvl(4, 14, ActionKind::Call, "Phone call", false),
                lvl(5, 30, ActionKind::Escalation, "Letter of demand", true),
                lvl(6, 60, ActionKind::Escalation, "Collection agency", false),
            ],
            run_lead_days: DEFAULT_RUN_LEAD_DAYS,
            filter: ClientFilter::default(),
            source: RulesSource::BuiltIn,
        }
    }
}

impl Rules {
    /// The level with this number (1-based; level 0 is not on the ladder).
    pub fn level(&self, number: u8) -> Option<&Level> {
        self.levels.iter().find(|l| l.number == number)
    }

    /// The name shown for a level number; level 0 is the broken-promise call.
    pub fn level_name(&self, number: u8) -> &str {
        if number == BROKEN_PROMISE_LEVEL {
            return BROKEN_PROMISE_NAME;
        }
        self.level(number).map(|l| l.name.as_str()).unwrap_or("(unknown level)")
    }
}

/// The level number of the call a broken promise asks for: it sits outside
/// the ladder, so completing it never moves an invoice up the ladder.
pub const BROKEN_PROMISE_LEVEL: u8 = 0;
pub const BROKEN_PROMISE_NAME: &str = "Broken promise";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ladder_is_the_documented_one() {
        let r = Rules::default();
        let got: Vec<(u8, i32, &str, &str)> =
            r.levels.iter().map(|l| (l.number, l.days, l.kind.as_str(), l.name.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (1, -3, "reminder", "Courtesy reminder"),
                (2, 1, "reminder", "First reminder"),
                (3, 7, "reminder", "Second reminder"),
                (4, 14, "call", "Phone call"),
                (5, 30, "escalation", "Letter of demand"),
                (6, 60, "escalation", "Collection agency"),
            ]
        );
        let required: Vec<u8> = r.levels.iter().filter(|l| l.required).map(|l| l.number).collect();
        assert_eq!(required, vec![2, 5], "the first overdue reminder and the letter of demand");
        assert_eq!(r.level(0), None);
        assert_eq!(r.level(6).map(|l| l.days), Some(60));
        assert_eq!(r.level_name(0), "Broken promise");
    }

    #[test]
    fn filter_by_tag_and_currency() {
        let mut c = Client::new("C1", "Acme", Currency::EUR);
        c.tags = vec!["Key-Account".into()];
        let f = ClientFilter { tags: vec!["key-account".into()], ..Default::default() };
        assert_eq!(f.rejects(&c), None);
        let f = ClientFilter { exclude_tags: vec!["key-account".into()], ..Default::default() };
        assert!(f.rejects(&c).unwrap().contains("excluded"));
        let f = ClientFilter { tags: vec!["retail".into()], ..Default::default() };
        assert!(f.rejects(&c).is_some());
        let f = ClientFilter { currencies: vec![Currency::USD], ..Default::default() };
        assert!(f.rejects(&c).unwrap().contains("EUR"));
    }
}
