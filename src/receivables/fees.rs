//! Late fees and interest, computed as what *could* be charged on a date.
//! Nothing here changes a balance: charging a fee is an explicit `Fee`
//! adjustment the user records (see `dun fee` / `dun charge`).
//!
//! For an invoice past its due date by more than the policy's grace days:
//! - fixed: the policy's fixed amount, once per invoice;
//! - percent: the percentage of the overdue principal;
//! - interest: simple daily interest on each overdue part,
//!   principal × annual rate ÷ 365 × days late, counting days from the due
//!   date (the grace period delays the charge, not the start of interest).
//!
//! The overdue principal excludes fees already charged, so no interest is
//! charged on interest. What is chargeable is this entitlement less the fees
//! already charged on the invoice, so charging twice on the same day adds
//! nothing the second time. Each part is rounded to cents, half away from zero.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::balance::invoice_state;
use super::plan::split_open;
use crate::domain::money::{parse_amount, plain_amount};
use crate::domain::{Book, Invoice, LateFeePolicy};

/// Builds the book-wide policy from the config file's `[fees]` strings.
/// None when no fee of any kind is configured.
pub fn parse_policy(
    fixed: Option<&str>,
    percent: Option<&str>,
    annual_rate: Option<&str>,
    grace_days: u32,
) -> Result<Option<LateFeePolicy>, String> {
    let num = |v: Option<&str>, key: &str| -> Result<Option<Decimal>, String> {
        let Some(v) = v else { return Ok(None) };
        let d = parse_amount(v).map_err(|e| format!("[fees] {key}: {e}"))?;
        if d < Decimal::ZERO {
            return Err(format!("[fees] {key}: '{v}' must not be negative"));
        }
        Ok(Some(d))
    };
    let p = LateFeePolicy {
        fixed: num(fixed, "fixed")?,
        percent: num(percent, "percent")?,
        annual_rate: num(annual_rate, "annual_rate")?,
        grace_days,
    };
    Ok((p.fixed.is_some() || p.percent.is_some() || p.annual_rate.is_some()).then_some(p))
}

/// The policy that applies to `inv`: its client's own, else the book's.
pub fn policy_for<'a>(
    book: &'a Book,
    inv: &Invoice,
    book_policy: Option<&'a LateFeePolicy>,
) -> Option<&'a LateFeePolicy> {
    book.client(&inv.client_id).and_then(|c| c.late_fee.as_ref()).or(book_policy)
}

/// What could be charged on one invoice as of a date, and how it adds up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeeQuote {
    /// The open amount past due beyond the grace days, less fees already charged.
    pub overdue: Decimal,
    /// Days past due of the oldest overdue part (0 when nothing is overdue).
    pub days_late: i64,
    pub fixed: Decimal,
    pub percent: Decimal,
    pub interest: Decimal,
    /// fixed + percent + interest.
    pub entitlement: Decimal,
    /// Fees already charged on the invoice on or before the date.
    pub charged: Decimal,
    /// What charging now would add: entitlement − charged, never below zero.
    pub chargeable: Decimal,
}

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

const DAYS_PER_YEAR: Decimal = Decimal::from_parts(365, 0, 0, false, 0);

/// The fee `policy` allows on `inv` as of `as_of`.
pub fn quote(book: &Book, inv: &Invoice, as_of: NaiveDate, policy: &LateFeePolicy) -> FeeQuote {
    let mut q = FeeQuote::default();
    if inv.issue_date > as_of {
        return q;
    }
    let st = invoice_state(book, inv, as_of);
    q.charged = st.fees;
    // Parts past due beyond the grace days, oldest first, with their days late.
    let mut late: Vec<(Decimal, i64)> = split_open(inv, st.open())
        .into_iter()
        .map(|p| (p.open, (as_of - p.due).num_days()))
        .filter(|&(open, days)| open > Decimal::ZERO && days > i64::from(policy.grace_days))
        .collect();
    // Charged fees still open sit on the oldest part; they are not principal.
    let mut fees_open = st.fees.min(st.open()).max(Decimal::ZERO);
    for (open, _) in late.iter_mut() {
        let take = fees_open.min(*open);
        *open -= take;
        fees_open -= take;
    }
    late.retain(|&(open, _)| open > Decimal::ZERO);
    if late.is_empty() {
        q.chargeable = Decimal::ZERO;
        q.entitlement = Decimal::ZERO;
        return q;
    }
    q.overdue = late.iter().map(|p| p.0).sum();
    q.days_late = late.iter().map(|p| p.1).max().unwrap_or(0);
    q.fixed = cents(policy.fixed.unwrap_or_default());
    q.percent = cents(q.overdue * policy.percent.unwrap_or_default() / Decimal::ONE_HUNDRED);
    if let Some(rate) = policy.annual_rate {
        let raw: Decimal =
            late.iter().map(|&(p, days)| p * rate / Decimal::ONE_HUNDRED * Decimal::from(days) / DAYS_PER_YEAR).sum();
        q.interest = cents(raw);
    }
    q.entitlement = q.fixed + q.percent + q.interest;
    q.chargeable = (q.entitlement - q.charged).max(Decimal::ZERO);
    q
}

/// A one-line account of a quote, used as the reason on a charged fee.
pub fn describe(q: &FeeQuote, policy: &LateFeePolicy, as_of: NaiveDate) -> String {
    let mut parts = Vec::new();
    if !q.fixed.is_zero() {
        parts.push(format!("fixed {}", plain_amount(q.fixed)));
    }
    if let Some(p) = policy.percent.filter(|_| !q.percent.is_zero()) {
        parts.push(format!("{}% of {} = {}", p.normalize(), plain_amount(q.overdue), plain_amount(q.percent)));
    }
    if let Some(r) = policy.annual_rate.filter(|_| !q.interest.is_zero()) {
        parts.push(format!(
            "interest at {}% a year on {} up to {} days = {}",
            r.normalize(),
            plain_amount(q.overdue),
            q.days_late,
            plain_amount(q.interest)
        ));
    }
    let mut s = format!("late fee as of {as_of}: {}", parts.join(" + "));
    if !q.charged.is_zero() {
        s.push_str(&format!(", less {} already charged", plain_amount(q.charged)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn book_with(adjustments: Vec<Adjustment>, plan: Vec<Instalment>) -> Book {
        let mut inv =
            Invoice::new("I1", "C1", d("2026-01-01"), d("2026-01-31"), Money::new(dec("1000"), Currency::EUR));
        inv.plan = plan;
        let pay = Payment {
            id: 1,
            client_id: "C1".into(),
            date: d("2026-02-15"),
            amount: dec("200"),
            currency: Currency::EUR,
            method: PaymentMethod::BankTransfer,
            reference: String::new(),
            allocations: vec![Allocation { invoice: "I1".into(), amount: dec("200") }],
            reverses: None,
        };
        Book::new(vec![Client::new("C1", "Acme", Currency::EUR)], vec![inv], vec![pay], adjustments, vec![])
    }
    fn policy(fixed: Option<&str>, percent: Option<&str>, rate: Option<&str>, grace: u32) -> LateFeePolicy {
        parse_policy(fixed, percent, rate, grace).unwrap().unwrap()
    }

    /// docs/aging.md, "Late fees": 1,000.00 due 2026-01-31, 200.00 paid on
    /// 2026-02-15; as of 2026-04-01 800.00 is 60 days late.
    #[test]
    fn worked_example() {
        let b = book_with(vec![], vec![]);
        let inv = &b.invoices()[0];
        let p = policy(Some("40"), Some("2"), Some("8"), 0);
        let q = quote(&b, inv, d("2026-04-01"), &p);
        assert_eq!(q.overdue, dec("800"));
        assert_eq!(q.days_late, 60);
        assert_eq!(q.fixed, dec("40.00"));
        assert_eq!(q.percent, dec("16.00"));
        // 800 × 8% ÷ 365 × 60 = 10.5205… → 10.52
        assert_eq!(q.interest, dec("10.52"));
        assert_eq!(q.chargeable, dec("66.52"));
        let why = describe(&q, &p, d("2026-04-01"));
        assert_eq!(
            why,
            "late fee as of 2026-04-01: fixed 40.00 + 2% of 800.00 = 16.00 + interest at 8% a year on 800.00 up to 60 days = 10.52"
        );
    }

    #[test]
    fn grace_days_delay_the_fee_but_not_the_interest_clock() {
        let b = book_with(vec![], vec![]);
        let inv = &b.invoices()[0];
        let p = policy(None, None, Some("8"), 30);
        assert_eq!(quote(&b, inv, d("2026-03-02"), &p).chargeable, dec("0"), "30 days late: still in grace");
        // 31 days late: 800 × 8% ÷ 365 × 31 = 5.4356… → 5.44
        assert_eq!(quote(&b, inv, d("2026-03-03"), &p).interest, dec("5.44"));
        assert_eq!(quote(&b, inv, d("2026-01-31"), &policy(Some("40"), None, None, 0)).chargeable, dec("0"));
    }

    #[test]
    fn fees_already_charged_are_neither_principal_nor_charged_again() {
        let fee = Adjustment {
            id: 1,
            invoice: "I1".into(),
            date: d("2026-04-01"),
            kind: AdjustmentKind::Fee,
            amount: dec("66.52"),
            reason: String::new(),
            reverses: None,
        };
        let b = book_with(vec![fee], vec![]);
        let inv = &b.invoices()[0];
        let p = policy(Some("40"), Some("2"), Some("8"), 0);
        let same_day = quote(&b, inv, d("2026-04-01"), &p);
        assert_eq!((same_day.overdue, same_day.charged, same_day.chargeable), (dec("800"), dec("66.52"), dec("0")));
        // 30 days on: interest for 90 days is 15.78, so 15.78 − 10.52 more.
        let later = quote(&b, inv, d("2026-05-01"), &p);
        assert_eq!(later.interest, dec("15.78"));
        assert_eq!(later.chargeable, dec("5.26"));
    }

    #[test]
    fn interest_runs_per_instalment() {
        // 1,000 in two instalments of 500 (Jan 31, Mar 31); 200 paid settles
        // part of the first. As of 2026-04-30: 300 is 89 days late, 500 is 30.
        let plan = vec![
            Instalment { due: d("2026-01-31"), amount: dec("500") },
            Instalment { due: d("2026-03-31"), amount: dec("500") },
        ];
        let b = book_with(vec![], plan);
        let q = quote(&b, &b.invoices()[0], d("2026-04-30"), &policy(None, None, Some("10"), 0));
        // 300 × 10% ÷ 365 × 89 = 7.3150… ; 500 × 10% ÷ 365 × 30 = 4.1095… ; sum 11.4246 → 11.42
        assert_eq!((q.overdue, q.days_late, q.interest), (dec("800"), 89, dec("11.42")));
    }

    #[test]
    fn client_policy_overrides_the_book() {
        let mut b = book_with(vec![], vec![]);
        let book_p = policy(Some("40"), None, None, 0);
        let inv = b.invoices()[0].clone();
        assert_eq!(policy_for(&b, &inv, Some(&book_p)), Some(&book_p));
        let mut c = b.client("C1").unwrap().clone();
        c.late_fee = Some(policy(None, Some("1.5"), None, 14));
        b.upsert_client(c);
        assert_eq!(policy_for(&b, &inv, Some(&book_p)).unwrap().percent, Some(dec("1.5")));
    }

    #[test]
    fn config_strings_are_checked() {
        assert_eq!(parse_policy(None, None, None, 5).unwrap(), None);
        assert!(parse_policy(Some("12,34.5"), None, None, 0).unwrap_err().contains("[fees] fixed"));
        assert!(parse_policy(None, Some("-1"), None, 0).unwrap_err().contains("negative"));
    }
}
