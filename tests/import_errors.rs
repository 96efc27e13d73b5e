//! Every class of bad input gets one exact, located message, and a file
//! with any error changes nothing.

mod io_support;
use io_support as common;

use common::*;
use dun::io::import::{Conflict, ImportOptions, MAX_ERRORS};
use dun::io::{native, notes, xero};

fn invoices_error(rel: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_clients(&dir.path().join("d"));
    let (file, text) = read_fixture(rel);
    native::invoices(store.book().unwrap(), &file, &text, ImportOptions::default()).unwrap_err().to_string()
}

#[test]
fn missing_column() {
    assert_eq!(
        invoices_error("native/invoices_missing_column.csv"),
        "tests/fixtures/native/invoices_missing_column.csv:1: missing column(s): due_date (the header must name \
         number,client_id,issue_date,due_date,currency,amount)\nnothing was imported"
    );
}

#[test]
fn unknown_client() {
    assert_eq!(
        invoices_error("native/invoices_unknown_client.csv"),
        "tests/fixtures/native/invoices_unknown_client.csv:3: column client_id: no such client (import clients \
         first) (value 'C9')\nnothing was imported"
    );
}

#[test]
fn impossible_date() {
    assert_eq!(
        invoices_error("native/invoices_bad_date.csv"),
        "tests/fixtures/native/invoices_bad_date.csv:2: column issue_date: '2026-02-30' is not a real date: \
         2026-02 has 28 days (value '2026-02-30')\nnothing was imported"
    );
}

#[test]
fn ambiguous_amount() {
    assert_eq!(
        invoices_error("native/invoices_bad_amount.csv"),
        "tests/fixtures/native/invoices_bad_amount.csv:2: column amount: commas must separate groups of three \
         digits (use a dot for decimals) (value '12,34.5')\nnothing was imported"
    );
}

#[test]
fn duplicate_invoice_number() {
    assert_eq!(
        invoices_error("native/invoices_duplicate_number.csv"),
        "tests/fixtures/native/invoices_duplicate_number.csv:3: column number: appears twice in this file (invoice \
         numbers are unique) (value 'I1')\nnothing was imported"
    );
}

#[test]
fn currency_mismatch() {
    assert_eq!(
        invoices_error("native/invoices_currency_mismatch.csv"),
        "tests/fixtures/native/invoices_currency_mismatch.csv:2: column currency: client C2 is billed in EUR \
         (value 'USD')\nnothing was imported"
    );
}

#[test]
fn errors_stop_at_a_sensible_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_clients(&dir.path().join("d"));
    let mut text = String::from("number,client_id,issue_date,due_date,currency,amount\n");
    for i in 0..100 {
        text.push_str(&format!("N{i},C1,2026-02-30,2026-03-01,USD,10\n"));
    }
    let errors = native::invoices(store.book().unwrap(), "many.csv", &text, ImportOptions::default()).unwrap_err();
    assert_eq!(errors.list.len(), MAX_ERRORS);
    let shown = errors.to_string();
    assert!(shown.starts_with("many.csv:2: column issue_date:"), "{shown}");
    assert!(shown.ends_with(&format!("(stopped after {MAX_ERRORS} errors)\nnothing was imported")), "{shown}");
}

#[test]
fn xero_duplicate_number_and_currency_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = dun::store::Store::open(&dir.path().join("d")).unwrap();
    let (file, text) = read_fixture("xero/sales_invoices_dmy.csv");
    import(&mut store, |b, ids| xero::invoices(b, &file, &text, ImportOptions::default(), ids));

    let (file, text) = read_fixture("xero/duplicate_number.csv");
    let mut ids = store.ids();
    let e = xero::invoices(store.book().unwrap(), &file, &text, ImportOptions::default(), &mut ids).unwrap_err();
    assert_eq!(
        e.to_string(),
        "tests/fixtures/xero/duplicate_number.csv:3: column ContactName: invoice number INV-0300 is used twice: line \
         2 has 'Bayside Club' here (rows of one invoice must agree) (value 'Ridgeway University')\nnothing was imported"
    );
    let (file, text) = read_fixture("xero/currency_mismatch.csv");
    let e = xero::invoices(store.book().unwrap(), &file, &text, ImportOptions::default(), &mut ids).unwrap_err();
    assert_eq!(
        e.to_string(),
        "tests/fixtures/xero/currency_mismatch.csv:2: column Currency: client BAYSIDE-CLUB (Bayside Club) is billed \
         in GBP (value 'EUR')\nnothing was imported"
    );
    let (file, text) = read_fixture("xero/lines_do_not_add_up.csv");
    let e = xero::invoices(store.book().unwrap(), &file, &text, ImportOptions::default(), &mut ids).unwrap_err();
    assert_eq!(
        e.to_string(),
        "tests/fixtures/xero/lines_do_not_add_up.csv:2: column Total: the line items of invoice INV-0500 add up to \
         100.00 plus tax 20.00, not to the Total (value '500.00')\nnothing was imported"
    );
}

#[test]
fn notes_errors_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_clients(&dir.path().join("d"));
    let (file, text) = read_fixture("native/notes_errors.csv");
    let mut ids = store.ids();
    let e = notes::notes(store.book().unwrap(), &file, &text, ImportOptions::default(), &mut ids).unwrap_err();
    let f = "tests/fixtures/native/notes_errors.csv";
    assert_eq!(
        e.to_string(),
        format!(
            "{f}:2: column kind: 'fax' is not a note kind (call, email, letter, sms, meeting, internal) (value 'fax')\n\
             {f}:3: column promise_amount: is empty, but promise_date is given (a promise needs both) (value '')\n\
             {f}:4: column client_id: no such client (import clients first) (value 'C7')\n\
             {f}:5: column timestamp: '2026-02-30' is not a real date: 2026-02 has 28 days (value '2026-02-30 10:00')\n\
             nothing was imported"
        )
    );
}

#[test]
fn a_file_with_one_bad_row_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(&dun(&data, &["import", "clients", fixture("native/clients.csv").to_str().unwrap()]));
    let before = counts(&data);
    let err =
        fails(&dun(&data, &["import", "invoices", fixture("native/invoices_good_then_bad.csv").to_str().unwrap()]));
    assert!(err.contains("invoices_good_then_bad.csv:5: column due_date: '2026-02-31' is not a real date"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(counts(&data), before, "three good rows must not have been written");
}

#[test]
fn dry_run_reports_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(&dun(&data, &["import", "clients", fixture("native/clients.csv").to_str().unwrap()]));
    let inv = fixture("native/invoices.csv");
    let before = counts(&data);
    let out = ok(&dun(&data, &["import", "invoices", inv.to_str().unwrap(), "--dry-run"]));
    assert_eq!(out, "dry run: 3 new, 0 updated, 0 skipped invoices; nothing was written\n");
    assert_eq!(counts(&data), before);
    ok(&dun(&data, &["import", "invoices", inv.to_str().unwrap()]));
    let out = ok(&dun(&data, &["import", "invoices", inv.to_str().unwrap(), "--dry-run", "--on-conflict", "update"]));
    assert_eq!(out, "dry run: 0 new, 3 updated, 0 skipped invoices; nothing was written\n");
}

#[test]
fn on_conflict_skip_update_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_clients(&dir.path().join("d"));
    let (file, text) = read_fixture("native/invoices.csv");
    let opts = |on_conflict| ImportOptions { on_conflict, ..Default::default() };
    assert_eq!(import(&mut store, |b, _| native::invoices(b, &file, &text, opts(Conflict::Skip))).0, 3);
    // Re-importing the same file is safe.
    let again = native::invoices(store.book().unwrap(), &file, &text, opts(Conflict::Skip)).unwrap();
    assert_eq!((again.new, again.updated, again.skipped), (0, 0, 3));
    assert!(again.batch.is_empty());
    let changed = text.replace("1200.00", "1300.00");
    let upd = import(&mut store, |b, _| native::invoices(b, &file, &changed, opts(Conflict::Update)));
    assert_eq!((upd.0, upd.1, upd.2), (0, 3, 0));
    assert_eq!(store.book().unwrap().invoice("I1").unwrap().total.to_string(), "1300.00");
    let e = native::invoices(store.book().unwrap(), &file, &text, opts(Conflict::Fail)).unwrap_err();
    assert!(
        e.to_string().starts_with(
            "tests/fixtures/native/invoices.csv:2: column number: already exists (--on-conflict fail) (value 'I1')"
        ),
        "{e}"
    );
    assert_eq!(store.counts().invoices, 3);
}

#[test]
fn notes_import_and_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_clients(&dir.path().join("d"));
    let (file, text) = read_fixture("native/invoices.csv");
    import(&mut store, |b, _| native::invoices(b, &file, &text, ImportOptions::default()));
    let (file, text) = read_fixture("native/notes.csv");
    let (new, _, skipped, _) =
        import(&mut store, |b, ids| notes::notes(b, &file, &text, ImportOptions::default(), ids));
    assert_eq!((new, skipped), (3, 0));
    let book = store.book().unwrap();
    let c1: Vec<_> = book.client_notes("C1").collect();
    // Appended in time order, not file order.
    assert_eq!(c1[0].text, "Sent a reminder for I1");
    let p = c1[1].promise.as_ref().unwrap();
    assert_eq!(
        (p.date.to_string(), p.amount.to_string(), p.invoices.clone()),
        ("2026-02-13".into(), "1200.00".into(), vec!["I1".to_string()])
    );
    assert_eq!(c1[1].outcome, Some(dun::domain::CallOutcome::Reached));
    let mut ids = store.ids();
    let again = notes::notes(store.book().unwrap(), &file, &text, ImportOptions::default(), &mut ids).unwrap();
    assert_eq!((again.new, again.skipped), (0, 3), "the same history is not logged twice");
}
