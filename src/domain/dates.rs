//! Date parsing: strict ISO dates for files, and the short forms people type
//! into forms (`+7`, `fri`, `eom`). Every function takes `today` explicitly;
//! nothing here reads the clock.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Parses `YYYY-MM-DD`, refusing dates that do not exist (2026-02-30).
pub fn parse_iso(input: &str) -> Result<NaiveDate, String> {
    let s = input.trim();
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(format!("'{s}' is not a date in the form YYYY-MM-DD"));
    }
    let num = |p: &str| p.parse::<u32>().map_err(|_| format!("'{s}' is not a date in the form YYYY-MM-DD"));
    let (y, m, d) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
    real_date(s, y, m, d)
}

/// The date, or a message saying which part is impossible.
fn real_date(s: &str, y: u32, m: u32, d: u32) -> Result<NaiveDate, String> {
    if !(1..=12).contains(&m) {
        return Err(format!("'{s}' is not a real date: there is no month {m} (months run 01 to 12)"));
    }
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| {
        let days = NaiveDate::from_ymd_opt(y as i32, m, 1).map(|first| end_of_month(first).day()).unwrap_or(31);
        format!("'{s}' is not a real date: {y:04}-{m:02} has {days} days")
    })
}

/// The order of day, month and year in a date written with slashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrder {
    Dmy,
    Mdy,
    Ymd,
}

/// Parses `D/M/Y`, `M/D/Y` or `Y/M/D` (slashes, dots or dashes), or ISO.
pub fn parse_with_order(input: &str, order: DateOrder) -> Result<NaiveDate, String> {
    let s = input.trim();
    let parts: Vec<&str> = s.split(['/', '.', '-']).collect();
    if parts.len() != 3 {
        return Err(format!("'{s}' is not a date"));
    }
    let nums: Result<Vec<u32>, _> = parts.iter().map(|p| p.parse::<u32>()).collect();
    let nums = nums.map_err(|_| format!("'{s}' is not a date"))?;
    let (y, m, d) = if parts[0].len() == 4 {
        (nums[0], nums[1], nums[2])
    } else {
        match order {
            DateOrder::Dmy => (nums[2], nums[1], nums[0]),
            DateOrder::Mdy => (nums[2], nums[0], nums[1]),
            DateOrder::Ymd => (nums[0], nums[1], nums[2]),
        }
    };
    if !(1000..=9999).contains(&y) {
        return Err(format!("'{s}' needs a four-digit year"));
    }
    real_date(s, y, m, d)
}

/// The last day of the month `date` is in.
pub fn end_of_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 { (date.year() + 1, 1) } else { (date.year(), date.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).unwrap_or(date)
}

/// Parses what a person types for a date in a form, relative to `today`:
/// `2026-12-01`, `+7` (days), `+2w` (weeks), `today`, `tomorrow`, a weekday
/// name or its first three letters (the next such day, never today), `eom`.
pub fn parse_relative(input: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let s = input.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err("a date is needed (YYYY-MM-DD, +7, fri, eom)".into());
    }
    if let Some(rest) = s.strip_prefix('+') {
        let (num, unit) = match rest.strip_suffix('w') {
            Some(n) => (n, 7),
            None => (rest.strip_suffix('d').unwrap_or(rest), 1),
        };
        let n: u64 = num.parse().map_err(|_| format!("'{input}' is not a number of days like +7"))?;
        return today.checked_add_days(Days::new(n * unit)).ok_or_else(|| format!("'{input}' is too far ahead"));
    }
    match s.as_str() {
        "today" | "tod" => return Ok(today),
        "tomorrow" | "tom" => return Ok(today + Days::new(1)),
        "eom" => return Ok(end_of_month(today)),
        _ => {}
    }
    if let Some(wd) = weekday(&s) {
        let mut d = today + Days::new(1);
        while d.weekday() != wd {
            d = d + Days::new(1);
        }
        return Ok(d);
    }
    parse_iso(&s).map_err(|e| format!("{e}; also accepted: +7, +2w, fri, eom, today"))
}

fn weekday(s: &str) -> Option<Weekday> {
    const NAMES: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    if s.len() < 3 {
        return None;
    }
    NAMES.iter().find(|(name, _)| name.starts_with(s)).map(|(_, wd)| *wd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_iso(s).unwrap()
    }

    #[test]
    fn iso_refuses_impossible_dates() {
        assert!(parse_iso("2026-02-30").unwrap_err().contains("not a real date: 2026-02 has 28 days"));
        assert!(parse_iso("2026-13-01").unwrap_err().contains("there is no month 13"));
        assert!(parse_iso("2026-2-3").is_err());
        assert!(parse_iso("26-02-03").is_err());
        assert_eq!(parse_iso("2028-02-29").unwrap(), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
    }

    #[test]
    fn relative_forms() {
        let today = d("2026-11-25"); // a Wednesday
        assert_eq!(parse_relative("+7", today).unwrap(), d("2026-12-02"));
        assert_eq!(parse_relative("+2w", today).unwrap(), d("2026-12-09"));
        assert_eq!(parse_relative("fri", today).unwrap(), d("2026-11-27"));
        assert_eq!(parse_relative("wed", today).unwrap(), d("2026-12-02"));
        assert_eq!(parse_relative("eom", today).unwrap(), d("2026-11-30"));
        assert_eq!(parse_relative("2026-12-01", today).unwrap(), d("2026-12-01"));
        assert!(parse_relative("fr", today).is_err());
        assert!(parse_relative("+x", today).is_err());
        assert!(parse_relative("2026-02-30", today).is_err());
    }

    #[test]
    fn slash_dates_follow_the_given_order() {
        assert_eq!(parse_with_order("03/04/2026", DateOrder::Dmy).unwrap(), d("2026-04-03"));
        assert_eq!(parse_with_order("03/04/2026", DateOrder::Mdy).unwrap(), d("2026-03-04"));
        assert!(parse_with_order("31/02/2026", DateOrder::Dmy).is_err());
        assert!(parse_with_order("1/2/26", DateOrder::Dmy).is_err());
    }

    #[test]
    fn end_of_month_handles_december_and_leap_years() {
        assert_eq!(end_of_month(d("2026-12-05")), d("2026-12-31"));
        assert_eq!(end_of_month(d("2028-02-01")), d("2028-02-29"));
    }
}
