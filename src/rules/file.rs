//! rules.toml: the ladder a user writes. Every mistake is reported with its
//! line and column and what was expected; an invalid file is an error, never
//! a silent fall-back to the default ladder.
//!
//! The schema is documented in docs/rules.md.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use super::ladder::{ClientFilter, Level, MinAmount, Rules, RulesSource, DEFAULT_RUN_LEAD_DAYS};
use super::ActionKind;
use crate::config::{toml_error, toml_location};
use crate::domain::Currency;

/// The rules file's name in the data directory.
pub const RULES_FILE: &str = "rules.toml";

/// Most levels a ladder may have: more is a mistake, not a ladder.
pub const MAX_LEVELS: usize = 20;
const MAX_DAYS: i64 = 3650;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    level: Vec<Spanned<RawLevel>>,
    #[serde(default)]
    payment_run: RawPaymentRun,
    #[serde(default)]
    filter: RawFilter,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    name: Spanned<String>,
    days: Spanned<i64>,
    action: ActionKind,
    #[serde(default)]
    min_amount: Option<Spanned<toml::Value>>,
    #[serde(default)]
    min_gap_days: Option<Spanned<i64>>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    over_limit: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaymentRun {
    lead_days: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFilter {
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    exclude_tags: Vec<String>,
    #[serde(default)]
    currencies: Vec<Spanned<String>>,
}

fn at(text: &str, span: Range<usize>, msg: impl std::fmt::Display) -> String {
    let (line, col) = toml_location(text, span.start);
    format!("line {line}, column {col}: {msg}")
}

/// Parses the text of a rules file.
pub fn parse(text: &str) -> Result<Rules, String> {
    let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    if raw.level.is_empty() {
        return Err("line 1, column 1: expected at least one [[level]] table (a ladder needs levels; \
                    see docs/rules.md)"
            .into());
    }
    if raw.level.len() > MAX_LEVELS {
        let span = raw.level[MAX_LEVELS].span();
        return Err(at(text, span, format!("expected at most {MAX_LEVELS} levels")));
    }
    let mut levels = Vec::with_capacity(raw.level.len());
    for (i, sl) in raw.level.into_iter().enumerate() {
        let l = sl.into_inner();
        let name = l.name.get_ref().trim().to_string();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(at(text, l.name.span(), "expected a level name: some text without control characters"));
        }
        let days = *l.days.get_ref();
        if !(-MAX_DAYS..=MAX_DAYS).contains(&days) {
            return Err(at(text, l.days.span(), format!("expected days between -{MAX_DAYS} and {MAX_DAYS}")));
        }
        if let Some(prev) = levels.last().map(|p: &Level| p.days) {
            if days <= i64::from(prev) {
                return Err(at(
                    text,
                    l.days.span(),
                    format!(
                        "expected days greater than the previous level's ({prev}): levels are listed in the \
                         order they are reached"
                    ),
                ));
            }
        }
        let min_gap_days = match l.min_gap_days {
            None => None,
            Some(g) => {
                let v = *g.get_ref();
                Some(u32::try_from(v).ok().filter(|&v| v <= 3650).ok_or_else(|| {
                    at(text, g.span(), "expected min_gap_days to be a whole number of days from 0 to 3650")
                })?)
            }
        };
        let min_amount = match l.min_amount {
            None => MinAmount::None,
            Some(v) => min_amount(text, v)?,
        };
        levels.push(Level {
            number: (i + 1) as u8,
            name,
            days: days as i32,
            kind: l.action,
            min_amount,
            min_gap_days,
            required: l.required,
            over_limit: l.over_limit,
        });
    }
    let run_lead_days = match raw.payment_run.lead_days {
        None => DEFAULT_RUN_LEAD_DAYS,
        Some(v) => u32::try_from(*v.get_ref())
            .ok()
            .filter(|&d| d <= 28)
            .ok_or_else(|| at(text, v.span(), "expected lead_days to be a whole number of days from 0 to 28"))?,
    };
    let mut currencies = Vec::new();
    for c in raw.filter.currencies {
        currencies.push(Currency::from_str(c.get_ref()).map_err(|e| at(text, c.span(), format!("expected {e}")))?);
    }
    let clean = |v: Vec<String>| v.into_iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
    Ok(Rules {
        levels,
        run_lead_days,
        filter: ClientFilter { tags: clean(raw.filter.tags), exclude_tags: clean(raw.filter.exclude_tags), currencies },
        source: RulesSource::BuiltIn,
    })
}

/// An amount written as a string ("50.00"), an integer, or a float (read
/// through its shortest decimal form, so 12.5 is exactly 12.5).
fn amount(text: &str, span: Range<usize>, v: &toml::Value) -> Result<Decimal, String> {
    let expected = "expected an amount of zero or more, like \"250.00\"";
    let parsed = match v {
        toml::Value::String(s) => crate::domain::money::parse_amount(s).map_err(|e| at(text, span.clone(), e))?,
        toml::Value::Integer(i) => Decimal::from(*i),
        toml::Value::Float(f) if f.is_finite() => {
            Decimal::from_str(&f.to_string()).map_err(|_| at(text, span.clone(), expected))?
        }
        _ => return Err(at(text, span, expected)),
    };
    if parsed < Decimal::ZERO {
        return Err(at(text, span, expected));
    }
    Ok(parsed)
}

fn min_amount(text: &str, v: Spanned<toml::Value>) -> Result<MinAmount, String> {
    let span = v.span();
    match v.into_inner() {
        toml::Value::Table(t) => {
            let mut per = BTreeMap::new();
            for (k, val) in &t {
                let cur = Currency::from_str(k).map_err(|e| {
                    at(text, span.clone(), format!("in min_amount, expected currency codes as keys: {e}"))
                })?;
                per.insert(cur, amount(text, span.clone(), val)?);
            }
            Ok(MinAmount::PerCurrency(per))
        }
        other => Ok(MinAmount::Any(amount(text, span, &other)?)),
    }
}

/// Reads and parses a rules file; errors name the file.
pub fn load_file(path: &Path) -> Result<Rules, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut rules = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    rules.source = RulesSource::File(path.to_path_buf());
    Ok(rules)
}

/// The rules in force for a data directory: its rules.toml when present
/// (and valid: an invalid file is an error), else the built-in ladder.
/// The only function in `rules` that touches the file system.
pub fn load(data_dir: &Path) -> Result<Rules, String> {
    let path: PathBuf = data_dir.join(RULES_FILE);
    if path.exists() {
        load_file(&path)
    } else {
        Ok(Rules::default())
    }
}

/// The TOML that reproduces `rules` (for `dun rules show --format toml`-like
/// uses and as a starting point for a user's own file).
pub fn to_toml(rules: &Rules) -> String {
    use crate::domain::money::plain_amount;
    let mut s = String::new();
    s.push_str(&format!("[payment_run]\nlead_days = {}\n", rules.run_lead_days));
    let f = &rules.filter;
    if !f.is_empty() {
        let list = |v: &[String]| v.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ");
        s.push_str("\n[filter]\n");
        s.push_str(&format!("tags = [{}]\n", list(&f.tags)));
        s.push_str(&format!("exclude_tags = [{}]\n", list(&f.exclude_tags)));
        let cur: Vec<String> = f.currencies.iter().map(|c| c.to_string()).collect();
        s.push_str(&format!("currencies = [{}]\n", list(&cur)));
    }
    for l in &rules.levels {
        s.push_str(&format!("\n[[level]]\nname = {:?}\ndays = {}\naction = \"{}\"\n", l.name, l.days, l.kind.as_str()));
        match &l.min_amount {
            MinAmount::None => {}
            MinAmount::Any(a) => s.push_str(&format!("min_amount = \"{}\"\n", plain_amount(*a))),
            MinAmount::PerCurrency(m) => {
                let parts: Vec<String> = m.iter().map(|(c, a)| format!("{c} = \"{}\"", plain_amount(*a))).collect();
                s.push_str(&format!("min_amount = {{ {} }}\n", parts.join(", ")));
            }
        }
        if let Some(g) = l.min_gap_days {
            s.push_str(&format!("min_gap_days = {g}\n"));
        }
        if l.required {
            s.push_str("required = true\n");
        }
        if l.over_limit {
            s.push_str("over_limit = true\n");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
[payment_run]
lead_days = 5

[filter]
tags = ["key-account"]
exclude_tags = ["internal"]
currencies = ["usd", "EUR"]

[[level]]
name = "Friendly nudge"
days = -5
action = "reminder"

[[level]]
name = "Call"
days = 10
action = "call"
min_amount = 12.5
min_gap_days = 3
required = true
over_limit = true

[[level]]
name = "Solicitor"
days = 45
action = "escalation"
min_amount = { USD = "1,000.00", EUR = 900 }
"#;

    #[test]
    fn parses_every_field() {
        let r = parse(FULL).unwrap();
        assert_eq!(r.run_lead_days, 5);
        assert_eq!(r.filter.tags, vec!["key-account"]);
        assert_eq!(r.filter.exclude_tags, vec!["internal"]);
        assert_eq!(r.filter.currencies, vec![Currency::USD, Currency::EUR]);
        assert_eq!(r.levels.len(), 3);
        assert_eq!((r.levels[0].number, r.levels[0].days, r.levels[0].kind), (1, -5, ActionKind::Reminder));
        assert_eq!(r.levels[1].min_amount, MinAmount::Any("12.5".parse().unwrap()));
        assert_eq!(r.levels[1].min_gap_days, Some(3));
        assert!(r.levels[1].required && r.levels[1].over_limit);
        assert!(!r.levels[0].required && !r.levels[0].over_limit);
        assert_eq!(r.levels[2].min_amount.for_currency(Currency::USD), Some(Decimal::from(1000)));
        assert_eq!(r.levels[2].min_amount.for_currency(Currency::EUR), Some(Decimal::from(900)));
        assert_eq!(r.levels[2].min_amount.for_currency(Currency::GBP), None);
    }

    #[test]
    fn the_printed_form_parses_back_to_the_same_rules() {
        for rules in [Rules::default(), parse(FULL).unwrap()] {
            assert_eq!(parse(&to_toml(&rules)).unwrap(), rules);
        }
    }

    /// Each invalid file and the start of the error it must give.
    #[test]
    fn invalid_files_are_located_and_explained() {
        let cases: &[(&str, &str, &str)] = &[
            ("", "line 1, column 1", "at least one [[level]]"),
            ("[[level]]\nname = \"A\"\ndays = 1\naction = \"shout\"\n", "line 4, column 10", "unknown variant"),
            ("[[level]]\nname = \"A\"\naction = \"call\"\n", "line 1, column 1", "missing field `days`"),
            ("[[level]]\nname = \"A\"\ndays = 1\naction = \"call\"\ncolour = 3\n", "line 5, column 1", "unknown field"),
            (
                "[[level]]\nname = \"A\"\ndays = 5\naction = \"call\"\n[[level]]\nname = \"B\"\ndays = 5\naction = \"call\"\n",
                "line 7, column 8",
                "greater than the previous level's (5)",
            ),
            ("[[level]]\nname = \"  \"\ndays = 1\naction = \"call\"\n", "line 2, column 8", "expected a level name"),
            ("[[level]]\nname = \"A\"\ndays = 99999\naction = \"call\"\n", "line 3, column 8", "between"),
            (
                "[[level]]\nname = \"A\"\ndays = 1\naction = \"call\"\nmin_amount = \"12,34.5\"\n",
                "line 5, column 14",
                "groups of three",
            ),
            ("[[level]]\nname = \"A\"\ndays = 1\naction = \"call\"\nmin_amount = -5\n", "line 5, column 14", "zero or more"),
            ("[[level]]\nname = \"A\"\ndays = 1\naction = \"call\"\nmin_gap_days = -1\n", "line 5, column 16", "0 to 3650"),
            ("[payment_run]\nlead_days = 40\n[[level]]\nname = \"A\"\ndays = 1\naction = \"call\"\n", "line 2, column 13", "0 to 28"),
            ("[filter]\ncurrencies = [\"dollars\"]\n[[level]]\nname = \"A\"\ndays = 1\naction = \"call\"\n", "line 2, column 15", "currency code"),
            ("[[level]]\nname = \"A\"\ndays = 1\naction = \"call\"\nmin_amount = { XX = 5 }\n", "line 5, column 14", "currency codes"),
            ("[[level]\n", "line 1, column 8", ""),
        ];
        for (text, loc, what) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with(loc), "{text:?}: expected {loc}, got: {e}");
            assert!(e.contains(what), "{text:?}: expected '{what}' in: {e}");
        }
    }

    #[test]
    fn load_prefers_the_file_and_never_falls_back_silently() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), Rules::default());
        std::fs::write(dir.path().join(RULES_FILE), "[[level]]\nname = \"A\"\ndays = 2\naction = \"call\"\n").unwrap();
        let r = load(dir.path()).unwrap();
        assert_eq!(r.levels.len(), 1);
        assert_eq!(r.source, RulesSource::File(dir.path().join(RULES_FILE)));
        std::fs::write(dir.path().join(RULES_FILE), "[[level]]\nname = 3\n").unwrap();
        let e = load(dir.path()).unwrap_err();
        assert!(e.contains("rules.toml: line 2, column 8"), "{e}");
    }
}

#[cfg(test)]
mod doc_tests {
    /// The example in docs/rules.md is a valid rules file, so the reference
    /// cannot drift from the parser.
    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("../../docs/rules.md");
        let start = doc.find("```toml\n").expect("a toml block in docs/rules.md") + "```toml\n".len();
        let end = start + doc[start..].find("```").expect("end of the toml block");
        let rules = super::parse(&doc[start..end]).unwrap_or_else(|e| panic!("docs/rules.md example: {e}"));
        assert_eq!(rules.levels.len(), 5);
        assert_eq!(rules.run_lead_days, 5);
        assert_eq!(rules.filter.exclude_tags, vec!["staff"]);
    }
}
