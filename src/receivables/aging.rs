//! Aging: every open invoice (or instalment) in exactly one bucket of days
//! overdue, as of any date.
//!
//! Days overdue = as-of date − due date (or − invoice date when aging by
//! invoice date). Zero or fewer days is `current`, so invoices not yet due
//! are counted too and the buckets always add up to the open balance. Credit
//! on account is reported beside the buckets, never netted into them.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::balance::invoice_state_at;
use super::plan::split_open;
use crate::domain::{Book, Currency, Invoice};

/// Which date an invoice ages from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AgeBasis {
    /// Days past the due date (each instalment's own due date under a plan).
    #[default]
    DueDate,
    /// Days since the invoice date; payment plans do not change this.
    InvoiceDate,
}

impl AgeBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBasis::DueDate => "due date",
            AgeBasis::InvoiceDate => "invoice date",
        }
    }
}

impl FromStr for AgeBasis {
    type Err = String;
    /// The config file's spelling: "due" or "invoice".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "due" => Ok(AgeBasis::DueDate),
            "invoice" => Ok(AgeBasis::InvoiceDate),
            other => Err(format!("aging basis must be \"due\" or \"invoice\", not \"{other}\"")),
        }
    }
}

/// Bucket boundaries and their labels. Boundaries `[30, 60, 90]` give
/// `current` (0 days or fewer), `1-30`, `31-60`, `61-90` and `91+`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buckets {
    bounds: Vec<u32>,
    labels: Vec<String>,
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets::new(&[30, 60, 90]).expect("the default boundaries are ascending")
    }
}

impl Buckets {
    /// Buckets from upper day boundaries, which must be ascending and above zero.
    pub fn new(bounds: &[u32]) -> Result<Buckets, String> {
        if bounds.is_empty() || bounds[0] == 0 || bounds.windows(2).any(|w| w[0] >= w[1]) {
            return Err(
                "bucket boundaries must be an ascending list of day counts above zero, like [30, 60, 90]".into()
            );
        }
        let mut labels = vec!["current".to_string()];
        let mut low = 1;
        for &b in bounds {
            labels.push(if low == b { b.to_string() } else { format!("{low}-{b}") });
            low = b + 1;
        }
        labels.push(format!("{low}+"));
        Ok(Buckets { bounds: bounds.to_vec(), labels })
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// How many buckets there are (boundaries + 2).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bucket for an age in days: 0 for `current` (0 or fewer days),
    /// then one per boundary, the last for anything beyond the last boundary.
    pub fn index(&self, days: i64) -> usize {
        if days <= 0 {
            return 0;
        }
        1 + self.bounds.partition_point(|&b| i64::from(b) < days)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgingOptions {
    pub buckets: Buckets,
    pub basis: AgeBasis,
}

/// One client's open balance in one currency, split into buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgingLine {
    pub client_id: String,
    pub client_name: String,
    pub currency: Currency,
    /// One amount per bucket, in bucket order.
    pub buckets: Vec<Decimal>,
    /// The sum of the buckets: the open balance.
    pub total: Decimal,
    /// The agency the account is placed with on the as-of date, if any.
    pub agency: Option<String>,
}

/// The whole book's open balance in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyAging {
    pub currency: Currency,
    pub buckets: Vec<Decimal>,
    pub total: Decimal,
    /// Credit on account in this currency, shown beside the total, not netted.
    pub credit: Decimal,
    /// The part of `total` owed by accounts placed with an agency.
    pub with_agency: Decimal,
}

/// Credit on a client's account: unallocated payments and over-payments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditLine {
    pub client_id: String,
    pub client_name: String,
    pub currency: Currency,
    pub amount: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgingReport {
    pub as_of: NaiveDate,
    pub basis: AgeBasis,
    pub labels: Vec<String>,
    /// One line per client and currency with a non-zero open balance, by
    /// client id then currency.
    pub lines: Vec<AgingLine>,
    /// One entry per currency with an open balance or credit, in currency order.
    pub totals: Vec<CurrencyAging>,
    /// One line per client and currency with credit on account.
    pub credit: Vec<CreditLine>,
}

impl AgingReport {
    /// Keeps only one currency.
    pub fn retain_currency(&mut self, c: Currency) {
        self.lines.retain(|l| l.currency == c);
        self.totals.retain(|t| t.currency == c);
        self.credit.retain(|l| l.currency == c);
    }
}

/// Adds the open amounts of `inv` (open balance `open`) into `buckets`.
pub fn age_into(inv: &Invoice, open: Decimal, as_of: NaiveDate, opts: &AgingOptions, buckets: &mut [Decimal]) {
    age_dues(inv.issue_date, Dues::Invoice(inv), open, as_of, opts, buckets)
}

/// When the open amount of an invoice falls due.
#[derive(Clone, Copy, Debug)]
pub enum Dues<'a> {
    /// From the invoice itself (its due date, or its plan split by [`split_open`]).
    Invoice(&'a Invoice),
    /// Already split: the due date, and for an invoice on a plan its open
    /// parts (due, open amount) as [`split_open`] gives them for this balance.
    Split { due: NaiveDate, parts: &'a [DuePart] },
}

/// An open part of an invoice on a plan: what [`split_open`] gives, kept
/// by the read image's per-invoice facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DuePart {
    #[serde(with = "crate::domain::compact_serde::date")]
    pub due: NaiveDate,
    #[serde(with = "crate::domain::compact_serde::decimal")]
    pub open: Decimal,
}

fn age_dues(issue: NaiveDate, dues: Dues<'_>, open: Decimal, as_of: NaiveDate, opts: &AgingOptions, b: &mut [Decimal]) {
    if open <= Decimal::ZERO {
        return;
    }
    let days = |d: NaiveDate| opts.buckets.index((as_of - d).num_days());
    match (opts.basis, dues) {
        (AgeBasis::InvoiceDate, _) => b[days(issue)] += open,
        (AgeBasis::DueDate, Dues::Invoice(inv)) if inv.plan.is_empty() => b[days(inv.due_date)] += open,
        (AgeBasis::DueDate, Dues::Invoice(inv)) => {
            for p in split_open(inv, open) {
                b[days(p.due)] += p.open;
            }
        }
        (AgeBasis::DueDate, Dues::Split { due, parts: [] }) => b[days(due)] += open,
        (AgeBasis::DueDate, Dues::Split { parts, .. }) => {
            for p in parts {
                b[days(p.due)] += p.open;
            }
        }
    }
}

/// The bucket amounts of one invoice as of a date.
pub fn age_invoice(book: &Book, inv: &Invoice, as_of: NaiveDate, opts: &AgingOptions) -> Vec<Decimal> {
    let mut b = vec![Decimal::ZERO; opts.buckets.len()];
    age_into(inv, super::balance::open_balance(book, inv, as_of), as_of, opts, &mut b);
    b
}

/// One invoice as aging sees it: whose, in what currency, issued when, its
/// balance as of the aging date (below zero: over-paid), and its dues.
#[derive(Clone, Copy, Debug)]
pub struct Aged<'a> {
    pub client_id: &'a str,
    pub currency: Currency,
    pub issue: NaiveDate,
    pub balance: Decimal,
    pub dues: Dues<'a>,
}

/// Ages the whole book as of `as_of`. One pass over invoices and payments.
pub fn age_book(book: &Book, as_of: NaiveDate, opts: &AgingOptions) -> AgingReport {
    let invoices = book.invoices().iter().enumerate().map(|(ix, inv)| Aged {
        client_id: &inv.client_id,
        currency: inv.currency,
        issue: inv.issue_date,
        balance: invoice_state_at(book, Some(ix), inv, as_of).balance,
        dues: Dues::Invoice(inv),
    });
    let credit =
        book.payments().iter().filter(|p| p.date <= as_of).map(|p| (p.client_id.as_str(), p.currency, p.unallocated()));
    age_items(book, invoices, credit, as_of, opts)
}

/// Ages `invoices` (each with its balance as of `as_of`) and sums `credit`
/// (unallocated parts of payments dated by `as_of`, per client and
/// currency). `book` gives the clients' names and agency placements (its
/// clients and notes are all that is read). [`age_book`] and the read
/// image's per-invoice facts both come here, so they cannot disagree.
pub fn age_items<'a>(
    book: &'a Book,
    invoices: impl Iterator<Item = Aged<'a>>,
    credit_parts: impl Iterator<Item = (&'a str, Currency, Decimal)>,
    as_of: NaiveDate,
    opts: &AgingOptions,
) -> AgingReport {
    let n = opts.buckets.len();
    // Hashed, then sorted once: a B-tree keyed by client id compared ids
    // some twenty times per invoice (a tenth of aging a large book).
    let mut by_client: rustc_hash::FxHashMap<(&str, Currency), Vec<Decimal>> = Default::default();
    let mut credit: BTreeMap<(&str, Currency), Decimal> = BTreeMap::new();
    for inv in invoices {
        // Matches `account_credit`: an over-paid invoice is credit even when
        // it is dated after `as_of`; an unissued invoice has nothing open.
        if inv.balance < Decimal::ZERO {
            *credit.entry((inv.client_id, inv.currency)).or_default() -= inv.balance;
        }
        if inv.issue > as_of || inv.balance <= Decimal::ZERO {
            continue;
        }
        let b = by_client.entry((inv.client_id, inv.currency)).or_insert_with(|| vec![Decimal::ZERO; n]);
        age_dues(inv.issue, inv.dues, inv.balance, as_of, opts, b);
    }
    for (client, currency, u) in credit_parts {
        if !u.is_zero() {
            *credit.entry((client, currency)).or_default() += u;
        }
    }
    let mut by_client: Vec<((&str, Currency), Vec<Decimal>)> = by_client.into_iter().collect();
    by_client.sort_unstable_by(|a, b| a.0.cmp(&b.0));

    let name = |id: &str| book.client(id).map(|c| c.name.clone()).unwrap_or_default();
    let mut lines = Vec::with_capacity(by_client.len());
    let mut cur_totals: BTreeMap<Currency, (Vec<Decimal>, Decimal, Decimal, Decimal)> = BTreeMap::new();
    for ((client, currency), buckets) in by_client {
        let total: Decimal = buckets.iter().sum();
        if total.is_zero() {
            continue;
        }
        let t = cur_totals
            .entry(currency)
            .or_insert_with(|| (vec![Decimal::ZERO; n], Decimal::ZERO, Decimal::ZERO, Decimal::ZERO));
        for (acc, b) in t.0.iter_mut().zip(&buckets) {
            *acc += b;
        }
        t.1 += total;
        let agency = super::agency::placement(book, client, as_of).map(|p| p.agency);
        if agency.is_some() {
            t.3 += total;
        }
        lines.push(AgingLine {
            client_id: client.to_string(),
            client_name: name(client),
            currency,
            buckets,
            total,
            agency,
        });
    }
    let mut credit_lines = Vec::new();
    for ((client, currency), amount) in credit {
        if amount.is_zero() {
            continue;
        }
        cur_totals
            .entry(currency)
            .or_insert_with(|| (vec![Decimal::ZERO; n], Decimal::ZERO, Decimal::ZERO, Decimal::ZERO))
            .2 += amount;
        credit_lines.push(CreditLine { client_id: client.to_string(), client_name: name(client), currency, amount });
    }
    AgingReport {
        as_of,
        basis: opts.basis,
        labels: opts.buckets.labels().to_vec(),
        lines,
        totals: cur_totals
            .into_iter()
            .map(|(currency, (buckets, total, credit, with_agency))| CurrencyAging {
                currency,
                buckets,
                total,
                credit,
                with_agency,
            })
            .collect(),
        credit: credit_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use crate::receivables::{account_credit, open_balance};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn decs(v: &[&str]) -> Vec<Decimal> {
        v.iter().map(|s| dec(s)).collect()
    }

    #[test]
    fn default_labels_and_boundaries() {
        let b = Buckets::default();
        assert_eq!(b.labels(), ["current", "1-30", "31-60", "61-90", "91+"]);
        let idx: Vec<usize> = [-5, 0, 1, 30, 31, 60, 61, 90, 91, 1000].iter().map(|&d| b.index(d)).collect();
        assert_eq!(idx, vec![0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    }

    #[test]
    fn custom_boundaries_make_their_labels() {
        let b = Buckets::new(&[1, 15, 45]).unwrap();
        assert_eq!(b.labels(), ["current", "1", "2-15", "16-45", "46+"]);
        assert_eq!(b.index(2), 2);
        assert_eq!(b.index(46), 4);
        assert!(Buckets::new(&[30, 30]).is_err());
        assert!(Buckets::new(&[0, 30]).is_err());
        assert!(Buckets::new(&[]).is_err());
        assert_eq!("invoice".parse::<AgeBasis>().unwrap(), AgeBasis::InvoiceDate);
        assert!("issue".parse::<AgeBasis>().is_err());
    }

    /// The worked example in docs/aging.md, as of 2026-05-31:
    /// A1 1,000 due 2026-06-15 (not yet due)      → current
    /// A2   500 due 2026-05-01, 200 paid 05-10      → 30 days, 300 in 1-30
    /// A3   800 due 2026-03-31                      → 61 days, in 61-90
    /// A4   250 due 2026-01-31, credit note 50      → 120 days, 200 in 91+
    /// A5   100 due 2026-05-31 (due today)          → current
    /// A6   400 paid 2026-06-05, after the date     → still open, 1-30
    /// B1 (EUR) 300 due 2026-04-30, 350 paid        → 50 over-paid: credit
    /// B2 (EUR) 600 due 2026-04-15                  → 46 days, in 31-60
    fn worked_example() -> Book {
        let usd = |a: &str| Money::new(dec(a), Currency::USD);
        let eur = |a: &str| Money::new(dec(a), Currency::EUR);
        let inv = |n: &str, c: &str, due: &str, m: Money| Invoice::new(n, c, d("2026-01-01"), d(due), m);
        let pay = |id, c: &str, date: &str, amt: &str, cur, alloc: Vec<(&str, &str)>| Payment {
            id,
            client_id: c.into(),
            date: d(date),
            amount: dec(amt),
            currency: cur,
            method: PaymentMethod::BankTransfer,
            reference: String::new(),
            allocations: alloc.into_iter().map(|(i, a)| Allocation { invoice: i.into(), amount: dec(a) }).collect(),
            reverses: None,
        };
        Book::new(
            vec![Client::new("A", "Acme Ltd", Currency::USD), Client::new("B", "Bébé GmbH", Currency::EUR)],
            vec![
                inv("A1", "A", "2026-06-15", usd("1000")),
                inv("A2", "A", "2026-05-01", usd("500")),
                inv("A3", "A", "2026-03-31", usd("800")),
                inv("A4", "A", "2026-01-31", usd("250")),
                inv("A5", "A", "2026-05-31", usd("100")),
                inv("A6", "A", "2026-05-20", usd("400")),
                inv("B1", "B", "2026-04-30", eur("300")),
                inv("B2", "B", "2026-04-15", eur("600")),
            ],
            vec![
                pay(1, "A", "2026-05-10", "200", Currency::USD, vec![("A2", "200")]),
                pay(2, "A", "2026-06-05", "400", Currency::USD, vec![("A6", "400")]),
                pay(3, "B", "2026-05-02", "350", Currency::EUR, vec![("B1", "350")]),
                pay(4, "A", "2026-05-20", "75", Currency::USD, vec![]),
            ],
            vec![Adjustment {
                id: 1,
                invoice: "A4".into(),
                date: d("2026-02-10"),
                kind: AdjustmentKind::Credit,
                amount: dec("50"),
                reason: "short delivery".into(),
                reverses: None,
            }],
            vec![],
        )
    }

    #[test]
    fn worked_example_by_client() {
        let b = worked_example();
        let r = age_book(&b, d("2026-05-31"), &AgingOptions::default());
        assert_eq!(r.lines.len(), 2);
        let a = &r.lines[0];
        assert_eq!((a.client_id.as_str(), a.currency), ("A", Currency::USD));
        assert_eq!(a.buckets, decs(&["1100", "700", "0", "800", "200"]));
        assert_eq!(a.total, dec("2800"));
        let e = &r.lines[1];
        assert_eq!(e.buckets, decs(&["0", "0", "600", "0", "0"]));
        assert_eq!(r.credit.len(), 2);
        assert_eq!((r.credit[0].client_id.as_str(), r.credit[0].amount), ("A", dec("75")));
        assert_eq!((r.credit[1].client_id.as_str(), r.credit[1].amount), ("B", dec("50")));
        let eur = r.totals.iter().find(|t| t.currency == Currency::EUR).unwrap();
        assert_eq!((eur.total, eur.credit), (dec("600"), dec("50")), "credit is beside the total, not netted");
    }

    #[test]
    fn aging_as_of_an_earlier_date_ignores_later_entries() {
        let b = worked_example();
        let r = age_book(&b, d("2026-05-09"), &AgingOptions::default());
        let a = &r.lines[0];
        // A1, A5, A6 are not yet due; A2 is 8 days late and not yet paid;
        // A3 is 39 days late; A4 is 98.
        assert_eq!(a.buckets, decs(&["1500", "500", "800", "0", "200"]));
        assert!(r.credit.iter().all(|c| c.client_id != "A"), "the unallocated 75 arrives on 05-20");
    }

    #[test]
    fn aging_by_invoice_date_uses_the_issue_date() {
        let b = worked_example();
        let opts = AgingOptions { basis: AgeBasis::InvoiceDate, ..Default::default() };
        let r = age_book(&b, d("2026-05-31"), &opts);
        // Every invoice was issued 2026-01-01, 150 days before.
        assert_eq!(r.lines[0].buckets, decs(&["0", "0", "0", "0", "2800"]));
    }

    #[test]
    fn instalments_age_on_their_own_dates() {
        let mut b = worked_example();
        let mut a3 = b.invoice("A3").unwrap().clone();
        a3.plan = vec![
            Instalment { due: d("2026-03-31"), amount: dec("200") },
            Instalment { due: d("2026-05-15"), amount: dec("300") },
            Instalment { due: d("2026-06-30"), amount: dec("300") },
        ];
        b.upsert_invoice(a3);
        let r = age_book(&b, d("2026-05-31"), &AgingOptions::default());
        // A3's 800 is now 300 current, 300 in 1-30 (16 days), 200 in 61-90.
        assert_eq!(r.lines[0].buckets, decs(&["1400", "1000", "0", "200", "200"]));
        assert_eq!(r.lines[0].total, dec("2800"));
    }

    #[test]
    fn credit_matches_account_credit_and_totals_match_balances() {
        let b = worked_example();
        for day in ["2025-12-31", "2026-05-09", "2026-05-31", "2026-07-01"] {
            let r = age_book(&b, d(day), &AgingOptions::default());
            for c in b.clients() {
                let expect = account_credit(&b, &c.id, d(day));
                for m in expect.iter() {
                    let got = r.credit.iter().find(|l| l.client_id == c.id && l.currency == m.currency).unwrap();
                    assert_eq!(got.amount, m.amount);
                }
                assert_eq!(r.credit.iter().filter(|l| l.client_id == c.id).count(), expect.iter().count());
            }
            let open: Decimal = b.invoices().iter().map(|i| open_balance(&b, i, d(day))).sum();
            let aged: Decimal = r.totals.iter().map(|t| t.total).sum();
            assert_eq!(open, aged, "as of {day}");
        }
    }

    #[test]
    fn accounts_with_an_agency_are_flagged_and_totalled() {
        let mut b = worked_example();
        let mut n = Note::new(
            1,
            "B",
            d("2026-05-01").and_hms_opt(9, 0, 0).unwrap().and_utc(),
            d("2026-05-01"),
            "t",
            NoteKind::Internal,
            "x",
        );
        n.event = Some(AccountEvent::PlacedWithAgency { agency: "ARC".into() });
        b.add_note(n);
        let r = age_book(&b, d("2026-05-31"), &AgingOptions::default());
        assert_eq!(r.lines[0].agency, None);
        assert_eq!(r.lines[1].agency.as_deref(), Some("ARC"));
        let eur = r.totals.iter().find(|t| t.currency == Currency::EUR).unwrap();
        assert_eq!((eur.total, eur.with_agency), (dec("600"), dec("600")));
        let usd = r.totals.iter().find(|t| t.currency == Currency::USD).unwrap();
        assert_eq!(usd.with_agency, dec("0"));
        // Before the placement, nothing is with an agency.
        let r = age_book(&b, d("2026-04-30"), &AgingOptions::default());
        assert!(r.lines.iter().all(|l| l.agency.is_none()) && r.totals.iter().all(|t| t.with_agency.is_zero()));
    }

    #[test]
    fn currency_filter_keeps_one_currency() {
        let mut r = age_book(&worked_example(), d("2026-05-31"), &AgingOptions::default());
        r.retain_currency(Currency::EUR);
        assert_eq!(r.lines.len(), 1);
        assert_eq!(r.totals.len(), 1);
        assert_eq!(r.credit.len(), 1);
    }
}
