//! Xero's sales-invoice layout: several rows per invoice, part-paid
//! invoices, both date orders, and the refusal to guess.

mod io_support;
use io_support as common;

use chrono::NaiveDate;
use common::*;
use dun::domain::dates::DateOrder;
use dun::domain::{Client, Currency};
use dun::io::export::{files, ExportFormat};
use dun::io::import::{Conflict, ImportOptions};
use dun::io::xero;
use dun::receivables::open_balance;
use dun::store::{Batch, Store};
use rust_decimal::Decimal;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn opts() -> ImportOptions<'static> {
    ImportOptions { today: Some(today()), ..Default::default() }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn imported(rel: &str, o: ImportOptions<'static>) -> (tempfile::TempDir, Store, Vec<String>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("d")).unwrap();
    let (file, text) = read_fixture(rel);
    let (new, _, skipped, warnings) = import(&mut store, |b, ids| xero::invoices(b, &file, &text, o, ids));
    assert_eq!(new, 4);
    (dir, store, warnings, skipped)
}

#[test]
fn day_first_export_with_multi_line_and_part_paid_invoices() {
    let (_dir, mut store, warnings, skipped) = imported("xero/sales_invoices_dmy.csv", opts());
    assert_eq!(skipped, 3, "a draft, a voided invoice and a credit note are left out");
    assert_eq!(
        warnings,
        [
            "3 new client(s) created from ContactName",
            "3 payment(s) recorded for amounts Xero shows as paid (dated the day of the import)",
            "1 credit(s) recorded for amounts Xero settled other than by payment",
            "1 credit note(s) left out (this import reads invoices)",
            "1 draft or unapproved invoice(s) left out",
            "1 voided or deleted invoice(s) left out",
        ]
    );
    let book = store.book().unwrap();
    let mut ids: Vec<&str> = book.clients().iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["BAYSIDE-CLUB", "MARINE-SYSTEMS-LTD", "RIDGEWAY-UNIVERSITY"]);
    let bayside = book.client("BAYSIDE-CLUB").unwrap();
    assert_eq!((bayside.name.as_str(), bayside.email.as_str()), ("Bayside Club", "accounts@bayside.example"));
    assert_eq!((bayside.currency, bayside.terms_days), (Currency::GBP, 30));

    // Two line rows plus the tax, adding up to Xero's Total.
    let inv1 = book.invoice("INV-0001").unwrap();
    let descriptions: Vec<&str> = inv1.lines.iter().map(|l| l.description.as_str()).collect();
    assert_eq!(descriptions, ["Consulting, March", "Travel", "Tax"]);
    assert_eq!(inv1.lines.iter().map(|l| l.total()).sum::<Decimal>(), inv1.total);
    assert_eq!(inv1.total, dec("1542.60"));
    assert_eq!(inv1.reference, "PO 4471");
    assert_eq!(
        (inv1.issue_date.to_string(), inv1.due_date.to_string()),
        ("2026-03-14".to_string(), "2026-04-13".to_string())
    );
    assert_eq!(book.invoice("INV-0003").unwrap().lines.len(), 4);
    // VAT-inclusive prices already add up: no tax line.
    assert_eq!(book.invoice("INV-0006").unwrap().lines.len(), 1);

    // Balances match InvoiceAmountDue.
    for (number, due) in [("INV-0001", "1042.60"), ("INV-0002", "0"), ("INV-0003", "1259.94"), ("INV-0006", "250.00")] {
        let inv = book.invoice(number).unwrap();
        assert_eq!(open_balance(book, inv, today()), dec(due), "{number}");
    }
    let paid: Vec<(String, Decimal, NaiveDate)> =
        book.payments().iter().map(|p| (p.allocations[0].invoice.clone(), p.amount, p.date)).collect();
    assert_eq!(
        paid,
        [
            ("INV-0001".to_string(), dec("500.00"), today()),
            ("INV-0002".to_string(), dec("300.00"), today()),
            ("INV-0006".to_string(), dec("100.00"), today()),
        ]
    );
    let credit = &book.adjustments()[0];
    assert_eq!((credit.invoice.as_str(), credit.amount), ("INV-0006", dec("50.00")));
    assert!(store.verify().is_ok());
}

#[test]
fn month_first_template_with_stars_and_shuffled_columns_gives_the_same_book() {
    let (_d1, mut dmy, _, _) = imported("xero/sales_invoices_dmy.csv", opts());
    let (_d2, mut mdy, _, _) = imported("xero/sales_invoices_mdy.csv", opts());
    assert_eq!(
        files(dmy.book().unwrap(), ExportFormat::Csv).unwrap(),
        files(mdy.book().unwrap(), ExportFormat::Csv).unwrap()
    );
}

#[test]
fn an_ambiguous_file_is_refused_unless_the_order_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("d")).unwrap();
    let (file, text) = read_fixture("xero/ambiguous_dates.csv");
    let mut ids = store.ids();
    let e = xero::invoices(store.book().unwrap(), &file, &text, opts(), &mut ids).unwrap_err();
    assert_eq!(
        e.to_string(),
        "tests/fixtures/xero/ambiguous_dates.csv:2: column InvoiceDate: is ambiguous: no date in the file has a day \
         above 12, so day/month and month/day cannot be told apart; give --date-format dmy or --date-format mdy \
         (value '03/04/2026')\nnothing was imported"
    );
    for (order, issued) in [(DateOrder::Dmy, "2026-04-03"), (DateOrder::Mdy, "2026-03-04")] {
        let plan = xero::invoices(
            store.book().unwrap(),
            &file,
            &text,
            ImportOptions { date_order: Some(order), ..opts() },
            &mut ids,
        )
        .unwrap();
        assert_eq!(plan.batch.invoices[0].issue_date.to_string(), issued);
    }
}

#[test]
fn a_file_mixing_date_orders_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("d")).unwrap();
    let (file, text) = read_fixture("xero/mixed_orders.csv");
    let e = xero::invoices(&Default::default(), &file, &text, opts(), &mut store.ids()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "tests/fixtures/xero/mixed_orders.csv:3: column InvoiceDate: is month-first, but line 2 column InvoiceDate \
         ('14/03/2026') is day-first: the file mixes date orders (value '03/14/2026')\nnothing was imported"
    );
}

#[test]
fn reimport_skips_and_update_catches_up_with_payments_made_since() {
    let (_dir, mut store, _, _) = imported("xero/sales_invoices_dmy.csv", opts());
    let (file, text) = read_fixture("xero/sales_invoices_dmy.csv");
    let mut ids = store.ids();
    let again = xero::invoices(store.book().unwrap(), &file, &text, opts(), &mut ids).unwrap();
    assert_eq!((again.new, again.updated, again.skipped), (0, 0, 7));
    assert!(again.batch.is_empty(), "nothing is written twice");

    // Since the first import, Ridgeway paid 259.94 of INV-0003 in Xero.
    let later = text.replace(
        "20/01/2026,19/02/2026,,1259.94,209.99,0.00,1259.94",
        "20/01/2026,19/02/2026,,1259.94,209.99,259.94,1000.00",
    );
    assert_ne!(later, text);
    let o = ImportOptions { on_conflict: Conflict::Update, ..opts() };
    let (new, updated, _, _) = import(&mut store, |b, ids| xero::invoices(b, &file, &later, o, ids));
    assert_eq!((new, updated), (0, 4));
    let book = store.book().unwrap();
    let inv = book.invoice("INV-0003").unwrap();
    assert_eq!(open_balance(book, inv, today()), dec("1000.00"));
    assert_eq!(book.payments().len(), 4, "one catch-up payment, none repeated");
    assert_eq!(open_balance(book, book.invoice("INV-0001").unwrap(), today()), dec("1042.60"));
}

#[test]
fn contacts_are_matched_to_existing_clients_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("d")).unwrap();
    let mut c = Client::new("C000042", "BAYSIDE  club", Currency::GBP);
    c.email = "kept@bayside.example".into();
    store.apply(Batch { clients: vec![c], ..Default::default() }).unwrap();
    let (file, text) = read_fixture("xero/sales_invoices_dmy.csv");
    import(&mut store, |b, ids| xero::invoices(b, &file, &text, opts(), ids));
    let book = store.book().unwrap();
    assert_eq!(book.invoice("INV-0001").unwrap().client_id, "C000042");
    assert_eq!(book.client("C000042").unwrap().email, "kept@bayside.example", "an existing client is left alone");
    assert_eq!(book.clients().len(), 3);
}

#[test]
fn the_cli_prints_a_summary_and_the_notes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let file = fixture("xero/sales_invoices_dmy.csv");
    let out = dun(&data, &["import", "invoices", "--from", "xero", file.to_str().unwrap()]);
    let stdout = ok(&out);
    assert!(stdout.starts_with("imported invoices: 4 new, 0 updated, 3 skipped ("), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("note: 3 new client(s) created from ContactName"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no progress bar when stderr is not a terminal: {stderr:?}");
    let err = fails(&dun(&data, &["import", "payments", "--from", "xero", file.to_str().unwrap()]));
    assert!(err.contains("the Xero layout holds invoices"), "{err}");
}
