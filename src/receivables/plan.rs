//! Payment plans: an invoice's balance split into instalments, each due on
//! its own date.
//!
//! Payments, credits and write-offs are not allocated to instalments when
//! they are recorded; the split is derived as of a date from the invoice's
//! open balance. Because whatever is paid settles the oldest part first,
//! the balance still open sits on the latest parts: walking back from the
//! last instalment, each holds up to its scheduled amount. Anything the plan
//! does not cover (a fee charged after the plan was set, or the part of the
//! balance that was paid before the plan and is counted again when aging as
//! of an earlier date) is a leading part due on the invoice's own due date.
//!
//! The plan itself is not dated: aging as of a past date splits the balance
//! over the plan as it is now.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::balance::open_balance;
use crate::domain::{Book, Instalment, Invoice};

/// One part of an invoice's open balance and the date it falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenPart {
    pub due: NaiveDate,
    /// The amount scheduled for this part (the whole total for an invoice
    /// without a plan; what the plan leaves uncovered for a leading part).
    pub scheduled: Decimal,
    /// What is still open of it.
    pub open: Decimal,
    /// Whether this is an instalment of the plan (false for an invoice
    /// without a plan and for the leading part outside the plan).
    pub instalment: bool,
}

/// The open parts of `inv` given its open balance `open`, oldest due first.
/// Their open amounts always add up to `open` exactly. Parts with nothing
/// open are kept (an instalment already paid still shows in a plan listing).
pub fn split_open(inv: &Invoice, open: Decimal) -> Vec<OpenPart> {
    if inv.plan.is_empty() {
        return vec![OpenPart { due: inv.due_date, scheduled: inv.total, open, instalment: false }];
    }
    let mut plan: Vec<&Instalment> = inv.plan.iter().collect();
    plan.sort_by_key(|i| i.due);
    let mut parts: Vec<OpenPart> = plan
        .iter()
        .map(|i| OpenPart { due: i.due, scheduled: i.amount, open: Decimal::ZERO, instalment: true })
        .collect();
    let mut left = open.max(Decimal::ZERO);
    for p in parts.iter_mut().rev() {
        let take = left.min(p.scheduled.max(Decimal::ZERO));
        p.open = take;
        left -= take;
    }
    if left > Decimal::ZERO {
        parts.insert(0, OpenPart { due: inv.due_date, scheduled: left, open: left, instalment: false });
    }
    parts
}

/// The open parts of `inv` as of a date: every instalment with what is
/// still open of it, oldest due first (one part for an invoice without a plan).
pub fn open_parts(book: &Book, inv: &Invoice, as_of: NaiveDate) -> Vec<OpenPart> {
    split_open(inv, open_balance(book, inv, as_of))
}

/// What of `inv`'s open balance as of `as_of` falls due by `by`: for an
/// invoice on a plan, the open parts due on or before `by` (instalments
/// due later are not owed yet); without a plan, the whole open balance.
/// What a promise to pay by `by` is measured against.
pub fn due_by(book: &Book, inv: &Invoice, as_of: NaiveDate, by: NaiveDate) -> Decimal {
    let open = open_balance(book, inv, as_of);
    if inv.plan.is_empty() {
        return open;
    }
    split_open(inv, open).iter().filter(|p| p.due <= by).map(|p| p.open).sum()
}

/// Parses `DATE:AMOUNT` as typed on the command line.
pub fn parse_instalment(s: &str) -> Result<Instalment, String> {
    let (d, a) =
        s.split_once(':').ok_or_else(|| format!("instalment '{s}' must be DATE:AMOUNT, like 2026-12-31:500.00"))?;
    let due = crate::domain::dates::parse_iso(d).map_err(|e| format!("instalment '{s}': {e}"))?;
    let amount = crate::domain::money::parse_amount(a).map_err(|e| format!("instalment '{s}': {e}"))?;
    Ok(Instalment { due, amount })
}

/// Checks a new plan for `inv` whose open balance is `open`: at least one
/// instalment, each for more than zero and due no earlier than the invoice
/// was issued, no two on the same day, adding up to the open balance
/// exactly. Returns the instalments in due-date order.
pub fn validate_plan(inv: &Invoice, open: Decimal, instalments: &[Instalment]) -> Result<Vec<Instalment>, String> {
    use crate::domain::money::plain_amount;
    if instalments.is_empty() {
        return Err("a plan needs at least one instalment".into());
    }
    if open <= Decimal::ZERO {
        return Err(format!("invoice {} has nothing open to put on a plan", inv.number));
    }
    let mut plan = instalments.to_vec();
    plan.sort_by_key(|i| i.due);
    for i in &plan {
        if i.amount <= Decimal::ZERO {
            return Err(format!("the instalment due {} must be for more than zero", i.due));
        }
        if i.amount.round_dp(2) != i.amount {
            return Err(format!("the instalment due {} has more than two decimals", i.due));
        }
        if i.due < inv.issue_date {
            return Err(format!("the instalment due {} falls before the invoice date {}", i.due, inv.issue_date));
        }
    }
    if let Some(w) = plan.windows(2).find(|w| w[0].due == w[1].due) {
        return Err(format!("two instalments are due on {}; combine them", w[0].due));
    }
    let sum: Decimal = plan.iter().map(|i| i.amount).sum();
    if sum != open {
        return Err(format!(
            "the instalments add up to {} but the open balance of invoice {} is {}",
            plain_amount(sum),
            inv.number,
            plain_amount(open)
        ));
    }
    Ok(plan)
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
    fn inv_with_plan(plan: &[(&str, &str)]) -> Invoice {
        let mut inv = Invoice::new("I1", "C1", d("2026-01-01"), d("2026-01-31"), Money::new(dec("900"), Currency::USD));
        inv.plan = plan.iter().map(|(due, a)| Instalment { due: d(due), amount: dec(a) }).collect();
        inv
    }
    fn opens(parts: &[OpenPart]) -> Vec<(NaiveDate, Decimal)> {
        parts.iter().map(|p| (p.due, p.open)).collect()
    }

    #[test]
    fn without_a_plan_the_whole_balance_is_due_on_the_due_date() {
        let inv = inv_with_plan(&[]);
        assert_eq!(opens(&split_open(&inv, dec("250"))), vec![(d("2026-01-31"), dec("250"))]);
    }

    #[test]
    fn payments_settle_the_oldest_instalment_first() {
        // 900 in three instalments of 300. 450 paid: the January one is
        // settled, February's is half paid, March's untouched.
        let inv = inv_with_plan(&[("2026-03-31", "300"), ("2026-01-31", "300"), ("2026-02-28", "300")]);
        let parts = split_open(&inv, dec("450"));
        assert_eq!(
            opens(&parts),
            vec![(d("2026-01-31"), dec("0")), (d("2026-02-28"), dec("150")), (d("2026-03-31"), dec("300"))]
        );
        assert!(parts.iter().all(|p| p.instalment));
    }

    #[test]
    fn balance_outside_the_plan_is_due_on_the_invoice_due_date() {
        // The plan covers 600 (set after 300 was paid); as of a day before
        // that payment all 900 was open: 300 of it outside the plan.
        let inv = inv_with_plan(&[("2026-02-28", "300"), ("2026-03-31", "300")]);
        let parts = split_open(&inv, dec("900"));
        assert_eq!(
            opens(&parts),
            vec![(d("2026-01-31"), dec("300")), (d("2026-02-28"), dec("300")), (d("2026-03-31"), dec("300"))]
        );
        assert!(!parts[0].instalment);
        assert_eq!(opens(&split_open(&inv, dec("-5"))).iter().map(|p| p.1).sum::<Decimal>(), dec("0"));
    }

    #[test]
    fn parts_in_a_book_follow_payments_by_date() {
        let mut inv = inv_with_plan(&[("2026-02-28", "450"), ("2026-03-31", "450")]);
        inv.plan.sort_by_key(|i| i.due);
        let pay = Payment {
            id: 1,
            client_id: "C1".into(),
            date: d("2026-03-01"),
            amount: dec("500"),
            currency: Currency::USD,
            method: PaymentMethod::Cash,
            reference: String::new(),
            allocations: vec![Allocation { invoice: "I1".into(), amount: dec("500") }],
            reverses: None,
        };
        let b = Book::new(vec![Client::new("C1", "Acme", Currency::USD)], vec![inv], vec![pay], vec![], vec![]);
        let inv = &b.invoices()[0];
        assert_eq!(
            opens(&open_parts(&b, inv, d("2026-02-28"))),
            vec![(d("2026-02-28"), dec("450")), (d("2026-03-31"), dec("450"))]
        );
        assert_eq!(
            opens(&open_parts(&b, inv, d("2026-03-01"))),
            vec![(d("2026-02-28"), dec("0")), (d("2026-03-31"), dec("400"))]
        );
    }

    /// 900 in three instalments of 300 (Jan 31, Feb 28, Mar 31), nothing
    /// paid: (as of, promise by, what is due by then).
    #[test]
    fn due_by_counts_only_instalments_due_by_the_date() {
        let inv = inv_with_plan(&[("2026-01-31", "300"), ("2026-02-28", "300"), ("2026-03-31", "300")]);
        let b = Book::new(vec![Client::new("C1", "Acme", Currency::USD)], vec![inv], vec![], vec![], vec![]);
        let inv = &b.invoices()[0];
        let cases = [
            ("2026-02-01", "2026-02-07", "300"),
            ("2026-02-01", "2026-02-28", "600"),
            ("2026-02-01", "2026-04-30", "900"),
            ("2026-01-15", "2026-01-20", "0"),
        ];
        for (as_of, by, want) in cases {
            assert_eq!(due_by(&b, inv, d(as_of), d(by)), dec(want), "as of {as_of}, by {by}");
        }
        let plain = Invoice { plan: vec![], ..inv.clone() };
        let b = Book::new(vec![], vec![plain], vec![], vec![], vec![]);
        assert_eq!(due_by(&b, &b.invoices()[0], d("2026-02-01"), d("2026-01-01")), dec("900"));
    }

    #[test]
    fn plans_must_add_up_to_the_open_balance() {
        let inv = inv_with_plan(&[]);
        let p = |s: &str| parse_instalment(s).unwrap();
        let ok = validate_plan(&inv, dec("900"), &[p("2026-03-31:400"), p("2026-02-28:500")]).unwrap();
        assert_eq!(ok[0].due, d("2026-02-28"));
        let e = validate_plan(&inv, dec("900"), &[p("2026-03-31:400")]).unwrap_err();
        assert!(e.contains("add up to 400.00") && e.contains("is 900.00"), "{e}");
        assert!(validate_plan(&inv, dec("900"), &[p("2025-12-31:900")])
            .unwrap_err()
            .contains("before the invoice date"));
        assert!(validate_plan(&inv, dec("900"), &[p("2026-03-31:450"), p("2026-03-31:450")])
            .unwrap_err()
            .contains("combine"));
        assert!(validate_plan(&inv, dec("900"), &[p("2026-03-31:900.001")]).unwrap_err().contains("two decimals"));
        assert!(validate_plan(&inv, dec("0"), &[p("2026-03-31:900")]).unwrap_err().contains("nothing open"));
        assert!(parse_instalment("2026-02-30:5").unwrap_err().contains("not a real date"));
        assert!(parse_instalment("2026-02-28").unwrap_err().contains("DATE:AMOUNT"));
        assert!(parse_instalment("2026-02-28:12,34.5").is_err());
    }
}
