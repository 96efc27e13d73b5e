//! Money: an exact decimal amount with an ISO currency code.
//!
//! Amounts are `rust_decimal::Decimal`, never floating point. Sums across
//! currencies are refused rather than silently added; [`Totals`] keeps one
//! running sum per currency for reports.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three ASCII capital letters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");
    pub const GBP: Currency = Currency(*b"GBP");

    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII capitals, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl FromStr for Currency {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_alphabetic()) {
            let mut code = [0u8; 3];
            for (i, c) in b.iter().enumerate() {
                code[i] = c.to_ascii_uppercase();
            }
            Ok(Currency(code))
        } else {
            Err(format!("'{t}' is not a currency code (three letters, like USD)"))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read in place: every stored amount carries a currency, and an
        // owned String per record was measurable when loading a big book.
        struct Code;
        impl serde::de::Visitor<'_> for Code {
            type Value = Currency;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a three-letter currency code")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Currency, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Code)
    }
}

/// An amount in one currency.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "super::compact_serde::decimal")]
    pub amount: Decimal,
    pub currency: Currency,
}

/// Adding amounts of two currencies is an error, never a silent sum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot combine {0} and {1} amounts without an exchange rate")]
pub struct CurrencyMismatch(pub Currency, pub Currency);

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }
    pub fn zero(currency: Currency) -> Self {
        Money { amount: Decimal::ZERO, currency }
    }
    pub fn checked_add(self, other: Money) -> Result<Money, CurrencyMismatch> {
        if self.currency != other.currency {
            return Err(CurrencyMismatch(self.currency, other.currency));
        }
        Ok(Money::new(self.amount + other.amount, self.currency))
    }
    pub fn checked_sub(self, other: Money) -> Result<Money, CurrencyMismatch> {
        if self.currency != other.currency {
            return Err(CurrencyMismatch(self.currency, other.currency));
        }
        Ok(Money::new(self.amount - other.amount, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_amount(self.amount), self.currency)
    }
}

/// One sum per currency, in currency order. A short sorted vector, not a
/// map: an account owes in one currency or a few, and the interface keeps
/// two of these per client (a map's first node was ten times the size, a
/// tenth of the first screen on a 50,000-client book). Private, so that
/// it stays sorted for the binary searches below.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals(Vec<(Currency, Decimal)>);

impl Totals {
    pub fn add(&mut self, m: Money) {
        let at = match self.0.binary_search_by_key(&m.currency, |(c, _)| *c) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (m.currency, Decimal::ZERO));
                at
            }
        };
        self.0[at].1 += m.amount;
    }
    pub fn get(&self, c: Currency) -> Decimal {
        self.0.binary_search_by_key(&c, |(k, _)| *k).map(|at| self.0[at].1).unwrap_or_default()
    }
    pub fn iter(&self) -> impl Iterator<Item = Money> + '_ {
        self.0.iter().map(|&(c, a)| Money::new(a, c))
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|(_, a)| a.is_zero())
    }
    /// Drops the currencies whose sum is zero.
    pub fn retain_nonzero(&mut self) {
        self.0.retain(|(_, a)| !a.is_zero());
    }
}

/// Two decimals, plain dot, no grouping: the form for CSV and JSON.
pub fn plain_amount(a: Decimal) -> String {
    format!("{:.2}", a.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

/// Two decimals with thousands separators, for people.
pub fn format_amount(a: Decimal) -> String {
    let s = plain_amount(a);
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, "00"));
    let mut out = String::with_capacity(s.len() + int.len() / 3 + 1);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}{}.{}", if neg { "-" } else { "" }, out, frac)
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not an amount: {reason}")]
pub struct AmountError {
    pub input: String,
    pub reason: &'static str,
}

/// Parses `1234.50`, `1,234.50`, `-12`, `+3.5`. Commas are accepted only as
/// thousands separators in groups of three, so `12,34.5` is refused rather
/// than guessed (it could be a European decimal comma).
pub fn parse_amount(input: &str) -> Result<Decimal, AmountError> {
    let err = |reason| AmountError { input: input.to_string(), reason };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    let (sign, body) = match s.as_bytes()[0] {
        b'-' => ("-", &s[1..]),
        b'+' => ("", &s[1..]),
        _ => ("", s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if int.is_empty() {
        return Err(err("digits are missing before the decimal point"));
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("only digits may follow the decimal point"));
        }
        if f.len() > 10 {
            return Err(err("too many decimal places"));
        }
    }
    let digits: String = if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok {
            return Err(err("commas must separate groups of three digits (use a dot for decimals)"));
        }
        groups.concat()
    } else {
        int.to_string()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("it has characters that are not digits"));
    }
    if digits.len() > 20 {
        return Err(err("it is too large"));
    }
    let text = match frac {
        Some(f) => format!("{sign}{digits}.{f}"),
        None => format!("{sign}{digits}"),
    };
    Decimal::from_str(&text).map_err(|_| err("it is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::d;

    mod rust_decimal_macros_free {
        pub fn d(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    #[test]
    fn parses_plain_and_grouped_amounts() {
        assert_eq!(parse_amount("1234.50").unwrap(), d("1234.50"));
        assert_eq!(parse_amount("1,234.50").unwrap(), d("1234.50"));
        assert_eq!(parse_amount("1,234,567").unwrap(), d("1234567"));
        assert_eq!(parse_amount("-12.5").unwrap(), d("-12.5"));
        assert_eq!(parse_amount(" 7 ").unwrap(), d("7"));
    }

    #[test]
    fn refuses_ambiguous_or_malformed_amounts() {
        for bad in ["12,34.5", "1,2345", ",123", "12.", ".5", "1.2.3", "12a", "", "1,234,56", "€5", "1e5"] {
            assert!(parse_amount(bad).is_err(), "{bad} should be refused");
        }
        let e = parse_amount("12,34.5").unwrap_err();
        assert!(e.to_string().contains("groups of three"), "{e}");
    }

    #[test]
    fn currencies_do_not_mix() {
        let a = Money::new(d("1"), Currency::USD);
        let b = Money::new(d("1"), Currency::EUR);
        assert_eq!(a.checked_add(b), Err(CurrencyMismatch(Currency::USD, Currency::EUR)));
        assert_eq!(a.checked_add(a).unwrap().amount, d("2"));
    }

    #[test]
    fn formats_amounts() {
        assert_eq!(format_amount(d("1234567.5")), "1,234,567.50");
        assert_eq!(format_amount(d("-1000")), "-1,000.00");
        assert_eq!(format_amount(d("999.999")), "1,000.00");
        assert_eq!(plain_amount(d("0.005")), "0.01");
    }

    #[test]
    fn currency_codes() {
        assert_eq!("usd".parse::<Currency>().unwrap(), Currency::USD);
        assert!("US".parse::<Currency>().is_err());
        assert!("U$D".parse::<Currency>().is_err());
    }

    #[test]
    fn totals_sum_per_currency_in_currency_order() {
        let mut t = Totals::default();
        assert!(t.is_empty());
        for (a, c) in [("1.50", Currency::USD), ("2", Currency::EUR), ("0.25", Currency::USD), ("-2", Currency::EUR)] {
            t.add(Money::new(d(a), c));
        }
        t.add(Money::new(d("7"), Currency::GBP));
        let got: Vec<(Currency, String)> = t.iter().map(|m| (m.currency, m.amount.to_string())).collect();
        assert_eq!(
            got,
            vec![(Currency::EUR, "0".to_string()), (Currency::GBP, "7".into()), (Currency::USD, "1.75".into())]
        );
        assert_eq!(t.get(Currency::USD), d("1.75"));
        assert_eq!(t.get("JPY".parse().unwrap()), Decimal::ZERO);
        assert!(!t.is_empty());
        let mut other = Totals::default();
        for (a, c) in [("7", Currency::GBP), ("1.75", Currency::USD), ("0", Currency::EUR)] {
            other.add(Money::new(d(a), c));
        }
        assert_eq!(t, other, "the same sums whatever the order they came in");
    }
}
