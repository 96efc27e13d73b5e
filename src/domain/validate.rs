//! One check per field, shared by every way a value comes in: CLI
//! arguments, the CSV importers, the interface's forms and the commands
//! built from them. A value refused by one is refused by all, in the same
//! words, and a value one accepts can always be exported and read back.
//!
//! Each function returns the reason alone ("has 3 decimal places ..."); the
//! caller adds where the value came from (file, line and column, or the
//! option's name), so a message reads the same in every face.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money::parse_amount;

/// Money amounts are whole cents: every currency dun handles prints and
/// stores two decimal places, so a third place would have to be rounded.
pub const MONEY_DECIMALS: u32 = 2;

/// Payment terms past ten years are a typo, and the importers have always
/// refused them; the CLI now says the same.
pub const MAX_TERMS_DAYS: u32 = 3650;

/// Invoice numbers are keys that people type and scripts pass as one
/// argument: a bounded length keeps them so.
pub const MAX_INVOICE_NUMBER: usize = 64;

/// A money amount as text (`1,234.50`, `-12`, `10.000`): parsed exactly,
/// and refused, never rounded, if it has more than two decimal places that
/// are not zeros.
pub fn money(input: &str) -> Result<Decimal, String> {
    let d = parse_amount(input).map_err(|e| e.reason.to_string())?;
    money_value(d)
}

/// [`money`] for an amount already parsed.
pub fn money_value(d: Decimal) -> Result<Decimal, String> {
    let places = d.normalize().scale();
    if places > MONEY_DECIMALS {
        return Err(format!(
            "has {places} decimal places; amounts are in cents (at most {MONEY_DECIMALS}) and dun does not round them"
        ));
    }
    Ok(d)
}

/// Payment terms in days: 0 to 3650.
pub fn terms_days(n: u32) -> Result<u32, String> {
    if n > MAX_TERMS_DAYS {
        return Err(format!("must be a whole number of days (0 to {MAX_TERMS_DAYS})"));
    }
    Ok(n)
}

/// [`terms_days`] from text.
pub fn terms_days_text(s: &str) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .map_err(|_| format!("must be a whole number of days (0 to {MAX_TERMS_DAYS})"))
        .and_then(terms_days)
}

/// An invoice number: 1 to 64 characters, no control characters (a
/// newline, a tab, an escape), no bidi controls, no blanks at either end.
/// Any of those makes a number that cannot be typed, passed as one
/// argument, or shown as it is.
pub fn invoice_number(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("an invoice number cannot be empty".into());
    }
    if s.chars().count() > MAX_INVOICE_NUMBER {
        return Err(format!("an invoice number has at most {MAX_INVOICE_NUMBER} characters"));
    }
    if s.chars().any(is_control) {
        return Err(
            "an invoice number cannot hold control characters (newlines, tabs, escapes) or bidi controls".into()
        );
    }
    if s.trim() != s {
        return Err("an invoice number cannot start or end with a blank".into());
    }
    Ok(())
}

/// A client id (see [`super::client::validate_client_id`]).
pub fn client_id(s: &str) -> Result<(), String> {
    super::client::validate_client_id(s)
}

/// A payment's date: not after `today`. A payment is money received; one
/// dated in the future would count as collected before it arrives.
pub fn payment_date(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, String> {
    if date > today {
        return Err(format!(
            "is after today ({today}); a payment is recorded when the money has arrived (a promise to pay is logged with `dun log --promise-date`)"
        ));
    }
    Ok(date)
}

/// A day of the month for a client's payment run: 1 to 31.
pub fn run_day(d: u32) -> Result<u8, String> {
    u8::try_from(d)
        .ok()
        .filter(|d| (1..=31).contains(d))
        .ok_or_else(|| format!("day {d} is not a day of the month (1 to 31)"))
}

/// Control characters (C0, DEL, C1) and the bidi embedding, override,
/// isolate and mark characters.
fn is_control(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7F..=0x9F).contains(&u)
        || (0x202A..=0x202E).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || matches!(u, 0x200E | 0x200F | 0x061C)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_decimal_amounts_are_refused_not_rounded() {
        assert!(money("10.005").unwrap_err().contains("3 decimal places"));
        assert!(money("0.001").is_err());
        assert_eq!(money("10.000").unwrap().normalize(), Decimal::new(10, 0));
        assert_eq!(money("1,234.50").unwrap(), Decimal::new(123450, 2));
        assert!(money("12,34").is_err());
    }

    #[test]
    fn terms_are_bounded() {
        assert_eq!(terms_days(3650), Ok(3650));
        assert!(terms_days(99999).is_err());
        assert!(terms_days_text("-1").is_err());
        assert_eq!(terms_days_text(" 14 "), Ok(14));
    }

    #[test]
    fn invoice_numbers_that_cannot_be_addressed_are_refused() {
        for bad in ["", "A\nB", "A\tB", "A\x1b[2J", "A\u{202E}B", " A", "A ", "A\r"] {
            assert!(invoice_number(bad).is_err(), "{bad:?}");
        }
        assert!(invoice_number(&"9".repeat(65)).is_err());
        for good in ["INV-001", "2026/11 #4", "Rechnung 7", "発票-1"] {
            assert!(invoice_number(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn payments_are_not_dated_after_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert!(payment_date(today, today).is_ok());
        assert!(payment_date(today.succ_opt().unwrap(), today).is_err());
    }
}
