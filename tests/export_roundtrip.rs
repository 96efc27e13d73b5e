//! export → import → export is the identity, for any book: every field of
//! every record survives, in CSV and in JSON, and formula-looking text is
//! neutralised in the files without being changed in the book.

mod io_support;
use io_support as common;

use chrono::{DateTime, NaiveDate, Utc};
use common::*;
use dun::domain::terms::{DiscountTerms, Instalment, LateFeePolicy};
use dun::domain::*;
use dun::io::export::{files, ExportFormat};
use dun::io::export_read::from_files;
use dun::store::Batch;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[=+@'\\-\t ]?[a-zA-Z0-9 ,;\"'\n\r]{0,8}",
        Just(String::new()),
        Just("-12.50".to_string()),
    ]
}
/// Invoice numbers as `domain::validate::invoice_number` allows them: no
/// control characters, no blank at either end, but formula-looking starts.
fn invoice_number() -> impl Strategy<Value = String> {
    "[=+@'\\-A-Za-z0-9][a-zA-Z0-9 ,;\"'#é佐]{0,8}"
}
fn dec() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000_000i64..1_000_000_000_000, 0u32..=6).prop_map(|(m, s)| Decimal::new(m, s))
}
fn date() -> impl Strategy<Value = NaiveDate> {
    (0i32..30_000).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(700_000 + d).unwrap())
}
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_000_000_000, prop_oneof![Just(0u32), 0u32..1_000_000_000])
        .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).unwrap())
}
fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["USD", "EUR", "GBP", "JPY"]).prop_map(|c| c.parse().unwrap())
}
fn texts() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 0..3)
}

fn client(i: usize) -> impl Strategy<Value = Client> {
    (
        ("[A-Za-z0-9._-]{0,6}", text(), text(), text(), text(), 0u32..=3650, currency()),
        (
            prop::option::of(dec()),
            prop::collection::vec(1u8..=31, 0..3),
            texts(),
            text(),
            prop::option::of((text(), date())),
            prop::option::of(date()),
            prop::option::of((prop::option::of(dec()), prop::option::of(dec()), prop::option::of(dec()), 0u32..100)),
            prop::option::of((dec(), 0u32..100)),
            texts(),
        ),
    )
        .prop_map(move |((id, name, contact, email, phone, terms_days, currency), rest)| {
            let (credit_limit, payment_run_days, tags, owner, hold, snoozed_until, late_fee, discount, address) = rest;
            Client {
                id: format!("{id}{i}"),
                name,
                contact,
                email,
                phone,
                terms_days,
                currency,
                credit_limit,
                payment_run_days,
                tags,
                owner,
                hold: hold.map(|(reason, since)| Hold { reason, since }),
                snoozed_until,
                late_fee: late_fee.map(|(fixed, percent, annual_rate, grace_days)| LateFeePolicy {
                    fixed,
                    percent,
                    annual_rate,
                    grace_days,
                }),
                discount: discount.map(|(percent, days)| DiscountTerms { percent, days }),
                address,
            }
        })
}

fn line() -> impl Strategy<Value = LineItem> {
    (text(), dec(), dec(), prop::option::of(dec())).prop_map(|(description, quantity, unit_price, tax_rate)| LineItem {
        description,
        quantity,
        unit_price,
        tax_rate,
    })
}

fn invoice(i: usize) -> impl Strategy<Value = (usize, Invoice)> {
    (
        (
            any::<usize>(),
            invoice_number(),
            date(),
            date(),
            currency(),
            prop::collection::vec(line(), 0..3),
            dec(),
            text(),
        ),
        (
            prop::option::of((text(), date())),
            any::<bool>(),
            prop::collection::vec((date(), dec()), 0..3),
            prop::option::of((dec(), 0u32..100)),
        ),
    )
        .prop_map(move |((ci, number, issue_date, due_date, currency, lines, total, reference), rest)| {
            let (dispute, excluded, plan, discount) = rest;
            (
                ci,
                Invoice {
                    number: format!("{number}/{i}").into(),
                    client_id: Default::default(),
                    issue_date,
                    due_date,
                    currency,
                    lines,
                    total,
                    reference,
                    dispute: dispute.map(|(reason, since)| Dispute { reason, since }),
                    excluded,
                    plan: plan.into_iter().map(|(due, amount)| Instalment { due, amount }).collect(),
                    discount: discount.map(|(percent, days)| DiscountTerms { percent, days }),
                },
            )
        })
}

fn method() -> impl Strategy<Value = PaymentMethod> {
    prop::sample::select({
        let mut m = PaymentMethod::DEFAULTS.to_vec();
        m.push(PaymentMethod::Named("Klarna".into()));
        m
    })
}

#[derive(Debug, Clone)]
struct PaymentSeed {
    client: usize,
    date: NaiveDate,
    amount: Decimal,
    currency: Currency,
    method: PaymentMethod,
    reference: String,
    allocations: Vec<(usize, Decimal)>,
    reverses: Option<u64>,
}

fn payment() -> impl Strategy<Value = PaymentSeed> {
    (
        any::<usize>(),
        date(),
        dec(),
        currency(),
        method(),
        text(),
        prop::collection::vec((any::<usize>(), dec()), 0..3),
        prop::option::of(1u64..50),
    )
        .prop_map(|(client, date, amount, currency, method, reference, allocations, reverses)| PaymentSeed {
            client,
            date,
            amount,
            currency,
            method,
            reference,
            allocations,
            reverses,
        })
}

fn adjustment() -> impl Strategy<Value = (usize, Adjustment)> {
    (
        any::<usize>(),
        date(),
        prop::sample::select(vec![
            AdjustmentKind::Credit,
            AdjustmentKind::WriteOff,
            AdjustmentKind::Fee,
            AdjustmentKind::Discount,
        ]),
        dec(),
        text(),
        prop::option::of(1u64..50),
    )
        .prop_map(|(inv, date, kind, amount, reason, reverses)| {
            (inv, Adjustment { id: 0, invoice: String::new(), date, kind, amount, reason, reverses })
        })
}

fn event() -> impl Strategy<Value = Option<AccountEvent>> {
    prop::option::of(prop_oneof![
        (text(), text()).prop_map(|(invoice, reason)| AccountEvent::Dispute { invoice, reason }),
        text().prop_map(|invoice| AccountEvent::Resolve { invoice }),
        text().prop_map(|reason| AccountEvent::Hold { reason }),
        Just(AccountEvent::Unhold),
        date().prop_map(|until| AccountEvent::Snooze { until }),
        Just(AccountEvent::Unsnooze),
        (1u64..99).prop_map(|payment_id| AccountEvent::Payment { payment_id }),
        (1u64..99).prop_map(|adjustment_id| AccountEvent::Adjustment { adjustment_id }),
        Just(AccountEvent::PlacedWithAgency { agency: "Debt Recovery Ltd".into() }),
        Just(AccountEvent::Recalled),
        prop::sample::select(LateReason::ALL.to_vec()).prop_map(|reason| AccountEvent::LateReason { reason }),
        (text(), date()).prop_map(|(reason, since)| AccountEvent::Released { reason, since }),
        (text(), text(), date()).prop_map(|(invoice, reason, since)| AccountEvent::Resolved { invoice, reason, since }),
    ])
}

fn note() -> impl Strategy<Value = (usize, Note)> {
    (
        (any::<usize>(), instant(), date(), text(), prop::sample::select(NoteKind::ALL.to_vec())),
        (
            prop::option::of(prop::sample::select(CallOutcome::ALL.to_vec())),
            text(),
            prop::option::of((date(), dec(), currency(), texts())),
            prop::option::of(date()),
            prop::option::of((any::<u8>(), texts())),
            event(),
            prop::option::of(1u64..50),
            prop::option::of(1u64..50),
        ),
    )
        .prop_map(|((client, at, date, author, kind), rest)| {
            let (outcome, text, promise, next_follow_up, completes, event, supersedes, reverses) = rest;
            (
                client,
                Note {
                    id: 0,
                    client_id: String::new(),
                    at,
                    date,
                    author,
                    kind,
                    outcome,
                    text,
                    promise: promise.map(|(date, amount, currency, invoices)| Promise {
                        date,
                        amount,
                        currency,
                        invoices,
                    }),
                    next_follow_up,
                    completes: completes.map(|(level, invoices)| Completion { level, invoices }),
                    event,
                    supersedes,
                    reverses,
                },
            )
        })
}

/// A book whose references all hold (invoices name real clients, and so on).
fn book() -> impl Strategy<Value = Batch> {
    (1usize..5, 0usize..6, 0usize..5, 0usize..4, 0usize..6)
        .prop_flat_map(|(nc, ni, np, na, nn)| {
            (
                (0..nc).map(client).collect::<Vec<_>>(),
                (0..ni).map(invoice).collect::<Vec<_>>(),
                prop::collection::vec(payment(), np),
                prop::collection::vec(adjustment(), na),
                prop::collection::vec(note(), nn),
            )
        })
        .prop_map(|(clients, invoices, payments, adjustments, notes)| {
            let cid = |i: usize| clients[i % clients.len()].id.clone();
            let invoices: Vec<Invoice> =
                invoices.into_iter().map(|(ci, inv)| Invoice { client_id: cid(ci).into(), ..inv }).collect();
            let number = |i: usize| invoices.get(i % invoices.len().max(1)).map(|inv| inv.number.to_string());
            let payments = payments
                .into_iter()
                .enumerate()
                .map(|(k, p)| Payment {
                    id: k as u64 + 1,
                    client_id: cid(p.client),
                    date: p.date,
                    amount: p.amount,
                    currency: p.currency,
                    method: p.method,
                    reference: p.reference,
                    allocations: p
                        .allocations
                        .into_iter()
                        .filter_map(|(i, amount)| number(i).map(|invoice| Allocation { invoice, amount }))
                        .collect(),
                    reverses: p.reverses,
                })
                .collect();
            let adjustments = adjustments
                .into_iter()
                .enumerate()
                .filter_map(|(k, (i, a))| number(i).map(|invoice| Adjustment { id: k as u64 + 1, invoice, ..a }))
                .collect();
            let notes = notes
                .into_iter()
                .enumerate()
                .map(|(k, (ci, n))| Note { id: k as u64 + 1, client_id: cid(ci), ..n })
                .collect();
            Batch { clients, invoices, payments, adjustments, notes, outbox: Vec::new() }
        })
}

fn to_book(b: Batch) -> Book {
    Book::new(b.clients, b.invoices, b.payments, b.adjustments, b.notes)
}

/// Every record of a book, in export order, for comparing two books.
type Records = (Vec<Client>, Vec<Invoice>, Vec<Payment>, Vec<Adjustment>, Vec<Note>);

fn sorted_records(b: &Book) -> Records {
    let s = dun::io::export::sorted(b);
    (
        s.clients.into_iter().cloned().collect(),
        s.invoices.into_iter().cloned().collect(),
        s.payments.into_iter().cloned().collect(),
        s.adjustments.into_iter().cloned().collect(),
        s.notes.into_iter().cloned().collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn export_import_export_is_identity(batch in book(), json in any::<bool>()) {
        let format = if json { ExportFormat::Json } else { ExportFormat::Csv };
        let original = to_book(batch);
        let first = files(&original, format).unwrap();
        let read = from_files("", &first).unwrap_or_else(|e| panic!("{e}"));
        let again = to_book(read);
        prop_assert_eq!(sorted_records(&again), sorted_records(&original));
        let second = files(&again, format).unwrap();
        prop_assert_eq!(first, second);
    }
}

#[test]
fn formula_cells_are_neutralised_in_the_files() {
    let mut c = Client::new("C1", "=HYPERLINK(\"http://evil\",\"click\")", Currency::USD);
    c.phone = "+44 20 7946 0000".into();
    c.owner = "@admin".into();
    let inv = Invoice::new(
        "-INV1",
        "C1",
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
        Money::new("100.00".parse().unwrap(), Currency::USD),
    );
    let undo = Payment {
        id: 1,
        client_id: "C1".into(),
        date: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        amount: "-40.00".parse().unwrap(),
        currency: Currency::USD,
        method: PaymentMethod::Cash,
        reference: "'already quoted".into(),
        allocations: vec![Allocation { invoice: "-INV1".into(), amount: "-40.00".parse().unwrap() }],
        reverses: None,
    };
    let book = Book::new(vec![c], vec![inv], vec![undo], vec![], vec![]);
    let out = files(&book, ExportFormat::Csv).unwrap();
    let get = |name: &str| String::from_utf8(out.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap();
    let clients = get("clients.csv");
    assert!(clients.contains(r#"C1,"'=HYPERLINK(""http://evil"",""click"")",,,'+44 20 7946 0000,30,USD"#), "{clients}");
    assert!(clients.contains(",'@admin,"), "{clients}");
    assert_eq!(get("payments.csv"), "id,date,client_id,amount,currency,method,reference,reverses\n1,2026-02-01,C1,-40.00,USD,cash,''already quoted,\n");
    assert_eq!(get("allocations.csv"), "payment_id,invoice_number,amount\n1,'-INV1,-40.00\n");
    let back = to_book(from_files("", &out).unwrap());
    assert_eq!(back.clients()[0].name, "=HYPERLINK(\"http://evil\",\"click\")");
    assert_eq!(back.payments()[0].reference, "'already quoted");
    assert_eq!(back.invoices()[0].number, "-INV1");
}

#[test]
fn the_demo_book_round_trips_through_the_store_and_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    ok(&dun(&a, &["demo", "--no-tui"]));
    for format in ["csv", "json"] {
        let (e1, e2) = (dir.path().join(format!("{format}1")), dir.path().join(format!("{format}2")));
        let b = b.join(format);
        ok(&dun(&a, &["export", e1.to_str().unwrap(), "--format", format]));
        let out = ok(&dun(&b, &["import", "book", e1.to_str().unwrap()]));
        assert!(out.starts_with("imported book from "), "{out}");
        ok(&dun(&b, &["export", e2.to_str().unwrap(), "--format", format]));
        let names: Vec<_> = std::fs::read_dir(&e1).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(names.len() >= 2);
        for name in names {
            let (x, y) = (std::fs::read(e1.join(&name)).unwrap(), std::fs::read(e2.join(&name)).unwrap());
            assert!(x == y, "{format}: {name:?} differs after export → import → export");
        }
        assert_eq!(counts(&a), counts(&b));
        // A second import into a book that is not empty is refused.
        let err = fails(&dun(&b, &["import", "book", e1.to_str().unwrap()]));
        assert!(err.contains("already holds a book"), "{err}");
    }
    let notes = std::fs::read_to_string(dir.path().join("csv1/notes.csv")).unwrap();
    assert!(notes.lines().count() > 10, "the demo's history is exported");
    let ladder = std::fs::read_to_string(dir.path().join("csv1/ladder.csv")).unwrap();
    assert!(ladder.starts_with("client_id,level,completed_on,note_id,invoices\n"));
}

#[test]
fn a_damaged_export_is_refused_with_a_location() {
    let c = Client::new("C1", "Acme", Currency::USD);
    let mut out = files(&Book::new(vec![c], vec![], vec![], vec![], vec![]), ExportFormat::Csv).unwrap();
    let clients = out.iter_mut().find(|(n, _)| n == "clients.csv").unwrap();
    clients.1 = String::from_utf8(clients.1.clone()).unwrap().replace(",30,USD,", ",thirty,USD,").into_bytes();
    let e = from_files("exp", &out).unwrap_err().to_string();
    assert_eq!(
        e,
        "exp/clients.csv:2: column terms_days: is not a number of days (value 'thirty')\nnothing was imported"
    );
    let mut out = files(&Book::default(), ExportFormat::Csv).unwrap();
    out.retain(|(n, _)| n != "notes.csv");
    let e = from_files("exp", &out).unwrap_err().to_string();
    assert_eq!(e, "exp/notes.csv:0: is missing from the export\nnothing was imported");
}

#[test]
fn exported_sheets_feed_the_native_importers() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, e) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("e"));
    ok(&dun(&a, &["demo", "--no-tui"]));
    ok(&dun(&a, &["export", e.to_str().unwrap()]));
    for kind in ["clients", "invoices", "notes"] {
        let out = ok(&dun(&b, &["import", kind, e.join(format!("{kind}.csv")).to_str().unwrap()]));
        assert!(out.starts_with(&format!("imported {kind}: ")), "{out}");
    }
    let (ca, cb) = (counts(&a), counts(&b));
    assert_eq!((ca.clients, ca.invoices, ca.notes), (cb.clients, cb.invoices, cb.notes));
    let mut store = dun::store::Store::open(&b).unwrap();
    let book = store.book().unwrap();
    assert!(book.clients().iter().all(|c| !c.phone.starts_with('\'')), "the formula escape is undone");
    assert!(book.clients().iter().any(|c| c.phone.starts_with('+')));
}
