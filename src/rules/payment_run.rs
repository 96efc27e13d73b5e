//! Payment-run days: a client that pays only on certain days of the month
//! should get its reminders early enough to make the next run.
//!
//! The rule (docs/rules.md): for a `reminder` level whose date for an
//! invoice is T, let P be the client's first run date on or after T. If
//! P − T < lead days (the reminder would land too close to the run, or on
//! its day), the reminder is brought forward to P − lead. Otherwise T stands.
//! Run day 29, 30 or 31 in a shorter month means that month's last day.

use chrono::{Datelike, Days, NaiveDate};

use crate::domain::dates::end_of_month;

/// The run date for `day` in the month of `in_month`.
fn run_in_month(day: u8, in_month: NaiveDate) -> NaiveDate {
    let last = end_of_month(in_month);
    let d = u32::from(day).clamp(1, last.day());
    NaiveDate::from_ymd_opt(in_month.year(), in_month.month(), d).unwrap_or(last)
}

/// The client's first run date on or after `from`; `None` without run days.
pub fn next_run(days: &[u8], from: NaiveDate) -> Option<NaiveDate> {
    let this_month = days.iter().map(|&d| run_in_month(d, from)).filter(|&p| p >= from).min();
    this_month.or_else(|| {
        let next_month = end_of_month(from).succ_opt()?;
        days.iter().map(|&d| run_in_month(d, next_month)).min()
    })
}

/// When a reminder with natural date `t` should land, and the run it was
/// moved for (`None` when it was not moved).
pub fn reminder_date(days: &[u8], lead: u32, t: NaiveDate) -> (NaiveDate, Option<NaiveDate>) {
    if lead == 0 {
        return (t, None);
    }
    match next_run(days, t) {
        Some(p) if (p - t).num_days() < i64::from(lead) => match p.checked_sub_days(Days::new(lead.into())) {
            Some(moved) => (moved, Some(p)),
            None => (t, None),
        },
        _ => (t, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn next_run_clamps_to_month_end_and_rolls_over() {
        assert_eq!(next_run(&[15, 31], d("2026-02-10")), Some(d("2026-02-15")));
        assert_eq!(next_run(&[15, 31], d("2026-02-16")), Some(d("2026-02-28")));
        assert_eq!(next_run(&[15, 31], d("2026-02-28")), Some(d("2026-02-28")));
        assert_eq!(next_run(&[15], d("2026-12-20")), Some(d("2027-01-15")));
        assert_eq!(next_run(&[], d("2026-12-20")), None);
    }

    #[test]
    fn reminders_shortly_before_a_run_are_brought_forward() {
        // lead 3: landing 0, 1 or 2 days before the run is too late.
        assert_eq!(reminder_date(&[15], 3, d("2026-03-15")), (d("2026-03-12"), Some(d("2026-03-15"))));
        assert_eq!(reminder_date(&[15], 3, d("2026-03-13")), (d("2026-03-12"), Some(d("2026-03-15"))));
        assert_eq!(reminder_date(&[15], 3, d("2026-03-12")), (d("2026-03-12"), None));
        assert_eq!(reminder_date(&[15], 3, d("2026-03-16")), (d("2026-03-16"), None));
        assert_eq!(reminder_date(&[15], 0, d("2026-03-14")), (d("2026-03-14"), None));
        assert_eq!(reminder_date(&[], 3, d("2026-03-14")), (d("2026-03-14"), None));
    }
}
