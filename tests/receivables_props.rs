//! Invariants of the receivables math over random books and dates.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

use dun::domain::*;
use dun::receivables::aging::{age_book, age_invoice, AgeBasis, AgingOptions, Buckets};
use dun::receivables::allocate::allocate_payment;
use dun::receivables::plan::open_parts;
use dun::receivables::{account_credit, invoice_state, open_balance};

const CURRENCIES: [Currency; 2] = [Currency::USD, Currency::EUR];

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}
fn day(n: i64) -> NaiveDate {
    if n >= 0 {
        base() + Days::new(n as u64)
    } else {
        base() - Days::new((-n) as u64)
    }
}
fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

#[derive(Clone, Debug)]
struct InvSpec {
    client: usize,
    other_currency: bool,
    issued: i64,
    terms: i64,
    total: i64,
    /// Instalment shares (relative weights) and day offsets after issue.
    plan: Vec<(i64, i64)>,
    /// How much of the total the plan leaves out (as if set after a part-payment).
    plan_short: i64,
}

#[derive(Clone, Debug)]
struct PaySpec {
    client: usize,
    date: i64,
    /// (invoice index, cents) — applied only if that invoice is the client's.
    allocs: Vec<(usize, i64)>,
    extra: i64,
    reverse: bool,
}

#[derive(Clone, Debug)]
struct AdjSpec {
    invoice: usize,
    date: i64,
    kind: u8,
    amount: i64,
}

fn inv_spec() -> impl Strategy<Value = InvSpec> {
    (
        0usize..4,
        prop::bool::weighted(0.2),
        0i64..300,
        0i64..90,
        1i64..500_000,
        prop::collection::vec((1i64..10, 0i64..200), 0..4),
        0i64..100,
    )
        .prop_map(|(client, other_currency, issued, terms, total, plan, plan_short)| InvSpec {
            client,
            other_currency,
            issued,
            terms,
            total,
            plan,
            plan_short,
        })
}

fn pay_spec() -> impl Strategy<Value = PaySpec> {
    (
        0usize..4,
        0i64..400,
        prop::collection::vec((0usize..30, 1i64..300_000), 0..3),
        0i64..20_000,
        prop::bool::weighted(0.1),
    )
        .prop_map(|(client, date, allocs, extra, reverse)| PaySpec { client, date, allocs, extra, reverse })
}

fn adj_spec() -> impl Strategy<Value = AdjSpec> {
    (0usize..30, 0i64..400, 0u8..3, 1i64..100_000).prop_map(|(invoice, date, kind, amount)| AdjSpec {
        invoice,
        date,
        kind,
        amount,
    })
}

#[derive(Clone, Debug)]
struct Spec {
    invoices: Vec<InvSpec>,
    payments: Vec<PaySpec>,
    adjustments: Vec<AdjSpec>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(inv_spec(), 0..30),
        prop::collection::vec(pay_spec(), 0..25),
        prop::collection::vec(adj_spec(), 0..10),
    )
        .prop_map(|(invoices, payments, adjustments)| Spec { invoices, payments, adjustments })
}

fn build(s: &Spec) -> Book {
    let clients: Vec<Client> =
        (0..4).map(|i| Client::new(format!("C{i}"), format!("Client {i}"), CURRENCIES[i % 2])).collect();
    let mut invoices = Vec::new();
    for (i, v) in s.invoices.iter().enumerate() {
        let home = CURRENCIES[v.client % 2];
        let cur = if v.other_currency { CURRENCIES[(v.client + 1) % 2] } else { home };
        let mut inv = Invoice::new(
            format!("I{i:02}"),
            format!("C{}", v.client),
            day(v.issued),
            day(v.issued + v.terms),
            Money::new(cents(v.total), cur),
        );
        if !v.plan.is_empty() {
            let covered = (v.total - v.total * v.plan_short / 100).max(1);
            let weight: i64 = v.plan.iter().map(|p| p.0).sum();
            let mut left = covered;
            let mut dues: Vec<i64> = v.plan.iter().map(|p| p.1).collect();
            dues.sort();
            dues.dedup();
            for (k, due) in dues.iter().enumerate() {
                let amt = if k + 1 == dues.len() { left } else { covered * v.plan[k].0 / weight };
                left -= amt;
                inv.plan.push(Instalment { due: day(v.issued + due), amount: cents(amt) });
            }
        }
        invoices.push(inv);
    }
    let mut payments = Vec::new();
    for (i, p) in s.payments.iter().enumerate() {
        let cur = CURRENCIES[p.client % 2];
        let allocs: Vec<Allocation> = p
            .allocs
            .iter()
            .filter(|(ix, _)| {
                invoices
                    .get(*ix)
                    .is_some_and(|inv: &Invoice| inv.client_id == format!("C{}", p.client) && inv.currency == cur)
            })
            .map(|(ix, a)| Allocation { invoice: invoices[*ix].number.to_string(), amount: cents(*a) })
            .collect();
        let sign = if p.reverse { Decimal::NEGATIVE_ONE } else { Decimal::ONE };
        let allocated: Decimal = allocs.iter().map(|a| a.amount).sum();
        payments.push(Payment {
            id: i as u64 + 1,
            client_id: format!("C{}", p.client),
            date: day(p.date),
            amount: sign * (allocated + cents(p.extra)),
            currency: cur,
            method: PaymentMethod::BankTransfer,
            reference: String::new(),
            allocations: allocs.into_iter().map(|a| Allocation { amount: sign * a.amount, ..a }).collect(),
            reverses: None,
        });
    }
    let mut adjustments = Vec::new();
    for (i, a) in s.adjustments.iter().enumerate() {
        let Some(inv) = invoices.get(a.invoice) else { continue };
        adjustments.push(Adjustment {
            id: i as u64 + 1,
            invoice: inv.number.to_string(),
            date: day(a.date),
            kind: [AdjustmentKind::Credit, AdjustmentKind::WriteOff, AdjustmentKind::Fee][a.kind as usize],
            amount: cents(a.amount),
            reason: String::new(),
            reverses: None,
        });
    }
    Book::new(clients, invoices, payments, adjustments, vec![])
}

fn options() -> Vec<AgingOptions> {
    vec![
        AgingOptions::default(),
        AgingOptions { buckets: Buckets::new(&[7, 14, 45, 120, 365]).unwrap(), basis: AgeBasis::DueDate },
        AgingOptions { buckets: Buckets::new(&[30]).unwrap(), basis: AgeBasis::InvoiceDate },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every open invoice is in exactly one bucket row, and the buckets of
    /// every row, every currency and every invoice add up to the open balance.
    #[test]
    fn bucket_totals_equal_open_balance(s in spec(), as_of in -20i64..450) {
        let book = build(&s);
        let as_of = day(as_of);
        for opts in options() {
            let r = age_book(&book, as_of, &opts);
            for line in &r.lines {
                prop_assert_eq!(line.buckets.iter().copied().sum::<Decimal>(), line.total);
                let expect: Decimal = book
                    .client_invoices(&line.client_id)
                    .filter(|i| i.currency == line.currency)
                    .map(|i| open_balance(&book, i, as_of))
                    .sum();
                prop_assert_eq!(line.total, expect);
                prop_assert!(!line.total.is_zero());
            }
            for c in CURRENCIES {
                let open: Decimal = book.invoices().iter().filter(|i| i.currency == c).map(|i| open_balance(&book, i, as_of)).sum();
                let t = r.totals.iter().find(|t| t.currency == c);
                prop_assert_eq!(t.map(|t| t.total).unwrap_or_default(), open);
                if let Some(t) = t {
                    prop_assert_eq!(t.buckets.iter().copied().sum::<Decimal>(), t.total);
                }
                let lines_total: Decimal = r.lines.iter().filter(|l| l.currency == c).map(|l| l.total).sum();
                prop_assert_eq!(lines_total, open);
            }
            for inv in book.invoices() {
                let b = age_invoice(&book, inv, as_of, &opts);
                prop_assert_eq!(b.len(), opts.buckets.len());
                prop_assert!(b.iter().all(|x| *x >= Decimal::ZERO));
                prop_assert_eq!(b.iter().copied().sum::<Decimal>(), open_balance(&book, inv, as_of));
                let parts: Decimal = open_parts(&book, inv, as_of).iter().map(|p| p.open).sum();
                prop_assert_eq!(parts, open_balance(&book, inv, as_of));
            }
            // Credit is never netted: it matches the per-client credit exactly.
            for cl in book.clients() {
                let credit = account_credit(&book, &cl.id, as_of);
                for c in CURRENCIES {
                    let got = r.credit.iter().find(|x| x.client_id == cl.id && x.currency == c).map(|x| x.amount);
                    prop_assert_eq!(got.unwrap_or_default(), credit.get(c));
                }
            }
        }
    }

    /// Adding entries dated after D changes nothing about the book as of D.
    #[test]
    fn balance_as_of_d_ignores_later_entries(s in spec(), later in spec(), as_of in -20i64..450) {
        let book = build(&s);
        let as_of_d = day(as_of);
        let mut grown = book.clone();
        let extra = build(&later);
        let mut id = 1000;
        for p in extra.payments() {
            id += 1;
            let date = as_of_d + Days::new(1 + (p.date - base()).num_days().unsigned_abs() % 60);
            grown.add_payment(Payment { id, date, ..p.clone() });
        }
        for a in extra.adjustments() {
            id += 1;
            let date = as_of_d + Days::new(1 + (a.date - base()).num_days().unsigned_abs() % 60);
            grown.add_adjustment(Adjustment { id, date, ..a.clone() });
        }
        for inv in book.invoices() {
            prop_assert_eq!(invoice_state(&book, inv, as_of_d), invoice_state(&grown, inv, as_of_d));
            prop_assert_eq!(open_balance(&book, inv, as_of_d), open_balance(&grown, inv, as_of_d));
        }
        for cl in book.clients() {
            prop_assert_eq!(account_credit(&book, &cl.id, as_of_d), account_credit(&grown, &cl.id, as_of_d));
        }
        for opts in options() {
            prop_assert_eq!(age_book(&book, as_of_d, &opts), age_book(&grown, as_of_d, &opts));
        }
    }

    /// A payment's allocations never take an invoice below zero; whatever is
    /// not allocated shows up as credit on the account, to the cent.
    #[test]
    fn allocation_never_overpays_and_the_rest_is_credit(
        s in spec(),
        client in 0usize..4,
        amount in 1i64..1_000_000,
        date in 0i64..450,
        target in prop::option::of(0usize..30),
    ) {
        let mut book = build(&s);
        let date = day(date);
        let client_id = format!("C{client}");
        let cur = CURRENCIES[client % 2];
        let target = target.and_then(|t| book.invoices().get(t)).map(|i| i.number.clone());
        let before: Vec<(String, Decimal)> =
            book.invoices().iter().map(|i| (i.number.to_string(), invoice_state(&book, i, date).balance)).collect();
        let credit_before = account_credit(&book, &client_id, date).get(cur);
        let allocs = allocate_payment(&book, &client_id, Money::new(cents(amount), cur), date, target.as_deref());
        let allocated: Decimal = allocs.iter().map(|a| a.amount).sum();
        prop_assert!(allocated <= cents(amount));
        for a in &allocs {
            prop_assert!(a.amount > Decimal::ZERO);
            let inv = book.invoice(&a.invoice).unwrap();
            prop_assert_eq!(&inv.client_id, &client_id);
            prop_assert_eq!(inv.currency, cur);
        }
        book.add_payment(Payment {
            id: 9999,
            client_id: client_id.clone(),
            date,
            amount: cents(amount),
            currency: cur,
            method: PaymentMethod::Cash,
            reference: String::new(),
            allocations: allocs,
            reverses: None,
        });
        for (number, was) in before {
            let inv = book.invoice(&number).unwrap();
            let now = invoice_state(&book, inv, date).balance;
            if was >= Decimal::ZERO {
                prop_assert!(now >= Decimal::ZERO, "{} went from {} to {}", number, was, now);
            } else {
                prop_assert_eq!(now, was, "an over-paid invoice gets nothing more");
            }
        }
        let credit_after = account_credit(&book, &client_id, date).get(cur);
        prop_assert_eq!(credit_after - credit_before, cents(amount) - allocated);
    }
}
