//! The store's promises: atomic, durable, versioned, private, locked, and
//! honest about damage.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use dun::domain::*;
use dun::store::{Batch, Store, StoreError};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn client(id: &str) -> Client {
    Client::new(id, format!("Client {id}"), Currency::USD)
}

fn invoice(n: &str, c: &str) -> Invoice {
    Invoice::new(n, c, d("2026-01-01"), d("2026-01-31"), Money::new(Decimal::from(100), Currency::USD))
}

#[test]
fn writes_survive_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(tmp.path()).unwrap();
        let mut ids = s.ids();
        let pay = Payment {
            id: ids.payment(),
            client_id: "C1".into(),
            date: d("2026-02-01"),
            amount: Decimal::from(40),
            currency: Currency::USD,
            method: PaymentMethod::Card,
            reference: "R1".into(),
            allocations: vec![Allocation { invoice: "I1".into(), amount: Decimal::from(40) }],
            reverses: None,
        };
        s.apply(Batch {
            clients: vec![client("C1")],
            invoices: vec![invoice("I1", "C1")],
            payments: vec![pay],
            ..Default::default()
        })
        .unwrap();
    }
    let mut s = Store::open(tmp.path()).unwrap();
    assert_eq!(s.counts().clients, 1);
    assert_eq!(s.counts().payments, 1);
    let book = s.book().unwrap();
    let inv = book.invoice("I1").unwrap();
    assert_eq!(dun::receivables::open_balance(book, inv, d("2026-03-01")), Decimal::from(60));
    assert_eq!(s.client_invoice_numbers("C1").unwrap(), vec!["I1".to_string()]);
    assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
}

#[test]
fn a_failing_batch_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Store::open(tmp.path()).unwrap();
    s.apply(Batch { clients: vec![client("C1")], ..Default::default() }).unwrap();
    let before = s.meta();
    // A new client and a good invoice, plus one invoice for a client that does
    // not exist: the whole batch must be refused.
    let err = s
        .apply(Batch {
            clients: vec![client("C2")],
            invoices: vec![invoice("I1", "C2"), invoice("I2", "NOPE")],
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("NOPE"), "{err}");
    assert_eq!(s.meta(), before);
    drop(s);
    let s = Store::open(tmp.path()).unwrap();
    assert!(s.client("C2").unwrap().is_none());
    assert!(s.invoice("I1").unwrap().is_none());
    assert!(s.verify().is_ok());
}

#[test]
fn ids_cannot_be_reused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Store::open(tmp.path()).unwrap();
    let mut ids = s.ids();
    let note = |id| {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap();
        Note::new(id, "C1", at, d("2026-01-01"), "me", NoteKind::Internal, "x")
    };
    let id = ids.note();
    s.apply(Batch { clients: vec![client("C1")], notes: vec![note(id)], ..Default::default() }).unwrap();
    let err = s.apply(Batch { notes: vec![note(id)], ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("already taken"), "{err}");
}

/// sled releases its file lock from a background thread shortly after the
/// last handle is dropped, so opening it right after a `Store` closed can
/// briefly fail; wait that out (as `Store::open` does).
fn open_raw_sled(path: &Path) -> sled::Db {
    for _ in 0..150 {
        match sled::open(path) {
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.unwrap(),
        }
    }
    panic!("sled's lock on {} was never released", path.display())
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    Store::open(tmp.path()).unwrap();
    {
        let db = open_raw_sled(&tmp.path().join("db"));
        db.open_tree("meta").unwrap().insert("schema_version", &99u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let err = Store::open(tmp.path()).err().expect("must refuse");
    assert!(matches!(err, StoreError::Schema(_)));
    let msg = err.to_string();
    assert!(msg.contains("newer dun") && msg.contains("99"), "{msg}");
}

#[test]
fn a_foreign_sled_database_is_not_taken_for_a_book() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let db = open_raw_sled(&tmp.path().join("db"));
        db.open_tree("clients").unwrap().insert("x", "garbage").unwrap();
        db.flush().unwrap();
    }
    let msg = Store::open(tmp.path()).err().expect("must refuse").to_string();
    assert!(msg.contains("not a dun store"), "{msg}");
}

#[test]
fn a_second_process_gets_a_message_naming_the_directory_and_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let _held = Store::open(tmp.path()).unwrap();
    let msg = Store::open(tmp.path()).err().expect("must be locked").to_string();
    assert!(msg.contains(&tmp.path().display().to_string()), "{msg}");
    assert!(msg.contains(&format!("pid {}", std::process::id())), "{msg}");
    // And through the binary, as a user would see it: a writer told not to
    // wait is refused, naming the holder.
    let err = common::dun_err(tmp.path(), &["--wait", "0", "client", "add", "C1", "Acme"]);
    assert!(err.contains("in use by another dun process"), "{err}");
    assert!(!err.contains("WouldBlock"), "no OS error dump: {err}");
    // A reader is not refused: it reads the published image.
    common::dun_ok(tmp.path(), &["client", "list"]);
}

#[test]
fn data_files_are_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested/book");
    let mut s = Store::open(&dir).unwrap();
    s.apply(Batch { clients: vec![client("C1")], ..Default::default() }).unwrap();
    drop(s);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    fn walk(p: &Path, check: &dyn Fn(&Path)) {
        for e in std::fs::read_dir(p).unwrap() {
            let e = e.unwrap();
            check(&e.path());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), check);
            }
        }
    }
    walk(&dir, &|p| {
        let m = mode(p);
        if p.is_dir() {
            assert_eq!(m, 0o700, "{}", p.display());
        } else {
            assert_eq!(m, 0o600, "{}", p.display());
        }
    });
}

#[test]
fn lost_writes_are_detected_not_silently_accepted() {
    // Simulates sled dropping the tail of its log: the database goes back to
    // an older state while the manifest remembers the newer one.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("book");
    let old = tmp.path().join("old-db");
    {
        let mut s = Store::open(&dir).unwrap();
        s.apply(Batch { clients: vec![client("C1")], ..Default::default() }).unwrap();
    }
    copy_dir(&dir.join("db"), &old);
    {
        let mut s = Store::open(&dir).unwrap();
        s.apply(Batch { clients: vec![client("C2")], ..Default::default() }).unwrap();
    }
    std::fs::remove_dir_all(dir.join("db")).unwrap();
    copy_dir(&old, &dir.join("db"));
    let err = Store::open(&dir).err().expect("must notice");
    assert!(matches!(err, StoreError::LostWrites { found: 1, expected: 2, .. }), "{err}");
    let msg = common::dun_err(&dir, &["verify"]);
    assert!(msg.contains("lost writes"), "{msg}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn one_flipped_byte_is_reported_by_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for i in 1..=20 {
        common::dun_ok(dir, &["client", "add", &format!("C{i}"), &format!("Flipme Client {i:02}")]);
    }
    assert!(common::dun_ok(dir, &["verify"]).starts_with("ok: 20 clients"));
    let db = dir.join("db/db");
    let mut bytes = std::fs::read(&db).unwrap();
    let needle = b"Flipme Client 07";
    let pos = bytes.windows(needle.len()).rposition(|w| w == needle).expect("record text is in the log");
    bytes[pos + 3] ^= 0x01;
    std::fs::write(&db, &bytes).unwrap();
    let out = common::dun(dir, &["verify"]);
    assert!(!out.status.success(), "verify must fail on a damaged store");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("damaged") || err.contains("problem"), "{err}");
}

#[test]
fn importing_the_10k_book_keeps_every_record() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("book");
    if common::gen_book(&src, 10_000).is_none() {
        return;
    }
    let data = tmp.path().join("data");
    for kind in ["clients", "invoices", "payments"] {
        let file = src.join(format!("{kind}.csv"));
        common::dun_ok(&data, &["import", kind, file.to_str().unwrap()]);
    }
    let out = common::dun_ok(&data, &["verify"]);
    let expect = format!(
        "ok: {} clients, {} invoices, {} payments,",
        common::csv_rows(&src.join("clients.csv")),
        common::csv_rows(&src.join("invoices.csv")),
        common::csv_rows(&src.join("payments.csv"))
    );
    assert!(out.starts_with(&expect), "{out} vs {expect}");
    // Importing again changes nothing (skip is the default).
    let again = common::dun_ok(&data, &["import", "payments", src.join("payments.csv").to_str().unwrap()]);
    assert!(again.contains("0 new"), "{again}");
    assert!(common::dun_ok(&data, &["verify"]).starts_with(&expect));
}

#[test]
fn the_client_invoice_index_follows_moves_within_and_across_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Store::open(tmp.path()).unwrap();
    s.apply(Batch {
        clients: vec![client("C1"), client("C2")],
        invoices: vec![invoice("I3", "C1"), invoice("I1", "C1"), invoice("I2", "C2")],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.client_invoice_numbers("C1").unwrap(), ["I1", "I3"]);
    assert_eq!(s.client_invoice_numbers("C2").unwrap(), ["I2"]);
    // I2 moves to C1 and back again in one batch; I3 moves to C2 for good.
    s.apply(Batch {
        invoices: vec![invoice("I2", "C1"), invoice("I3", "C2"), invoice("I2", "C2")],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.client_invoice_numbers("C1").unwrap(), ["I1"]);
    assert_eq!(s.client_invoice_numbers("C2").unwrap(), ["I2", "I3"]);
    s.apply(Batch { invoices: vec![invoice("I1", "C2")], ..Default::default() }).unwrap();
    assert!(s.client_invoice_numbers("C1").unwrap().is_empty());
    assert!(s.client_invoice_numbers("C9").unwrap().is_empty());
    assert_eq!(s.counts().invoices, 3);
    assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
}

/// After every write the published read image is, byte for byte, the one a
/// full encode of the store's book gives, whichever way the store wrote it:
/// a write of notes and existing clients only copies the invoice, payment
/// and fact sections from the image before it (and the test sees that it
/// did), every other write encodes them again. The writes below take both
/// ways, including each that must not copy: an invoice changed, a payment,
/// an adjustment, a new client (it renumbers the facts' clients) and a
/// promise earlier than its client's first (it moves payments out of the
/// history).
#[test]
fn the_published_image_is_always_the_full_encode_of_the_book() {
    use dun::store::image;
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Store::open(tmp.path()).unwrap();
    let note = |s: &Store, client: &str, date: &str, promise: Option<&str>| {
        let mut n = Note::new(s.ids().note(), client, chrono::Utc::now(), d(date), "t", NoteKind::Call, "rang");
        n.promise = promise.map(|p| Promise {
            date: d(p),
            amount: Decimal::from(10),
            currency: Currency::USD,
            invoices: vec![],
        });
        n
    };
    let paid = |s: &Store, client: &str, inv: &str, date: &str| Payment {
        id: s.ids().payment(),
        client_id: client.into(),
        date: d(date),
        amount: Decimal::from(100),
        currency: Currency::USD,
        method: PaymentMethod::Card,
        reference: String::new(),
        allocations: vec![Allocation { invoice: inv.into(), amount: Decimal::from(100) }],
        reverses: None,
    };
    let notes = |n: Note| Batch { notes: vec![n], ..Default::default() };
    // Applies `batch`; then the image must be the full encode, and copied
    // or not as `copied` says.
    let write = |s: &mut Store, batch: Batch, what: &str, copied: bool| {
        let before = s.copied_images();
        s.apply(batch).unwrap();
        assert_eq!(s.copied_images() - before, u64::from(copied), "after {what}: sections copied?");
        let seq = s.meta().seq;
        let mut full = std::io::Cursor::new(Vec::new());
        image::encode(s.book().unwrap(), seq, &mut full).unwrap();
        let published = std::fs::read(tmp.path().join(image::FILE)).unwrap();
        assert!(published == full.into_inner(), "after {what}, the published image is not the book's");
    };
    let first = Batch {
        clients: vec![client("C1"), client("C3")],
        // I4 stays open: the facts name its client by place.
        invoices: vec![invoice("I1", "C1"), invoice("I2", "C1"), invoice("I3", "C3"), invoice("I4", "C3")],
        ..Default::default()
    };
    write(&mut s, first, "the first invoices", false);
    let p = paid(&s, "C1", "I1", "2026-02-01");
    write(&mut s, Batch { payments: vec![p], ..Default::default() }, "a payment", false);
    let n = note(&s, "C1", "2026-02-10", None);
    write(&mut s, notes(n), "a plain note", true);
    let n = note(&s, "C1", "2026-03-01", Some("2026-03-15"));
    write(&mut s, notes(n), "the client's first promise", false);
    let n = note(&s, "C1", "2026-03-20", Some("2026-04-01"));
    write(&mut s, notes(n), "a later promise", true);
    // A payment before any promise is history; a promise dated before it
    // brings it back into the open part.
    let p = paid(&s, "C3", "I3", "2026-02-05");
    write(&mut s, Batch { payments: vec![p], ..Default::default() }, "a second payment", false);
    let n = note(&s, "C3", "2026-03-01", Some("2026-03-10"));
    write(&mut s, notes(n), "a first promise after a settled payment", false);
    let n = note(&s, "C3", "2026-01-15", Some("2026-01-20"));
    write(&mut s, notes(n), "a promise before the client's first", false);
    let mut c1 = s.book().unwrap().client("C1").unwrap().clone();
    c1.snoozed_until = Some(d("2026-05-01"));
    let n = note(&s, "C1", "2026-04-02", None);
    write(&mut s, Batch { clients: vec![c1], notes: vec![n], ..Default::default() }, "a changed client", true);
    let mut i4 = s.book().unwrap().invoice("I4").unwrap().clone();
    i4.dispute = Some(Dispute { reason: "damaged".into(), since: d("2026-04-03") });
    write(&mut s, Batch { invoices: vec![i4], ..Default::default() }, "an invoice disputed", false);
    let adj = Adjustment {
        id: s.ids().adjustment(),
        invoice: "I4".into(),
        date: d("2026-04-04"),
        kind: AdjustmentKind::Credit,
        amount: Decimal::from(100),
        reason: "credit note".into(),
        reverses: None,
    };
    write(&mut s, Batch { adjustments: vec![adj], ..Default::default() }, "an adjustment closing I4", false);
    let n = note(&s, "C2", "2026-04-05", None);
    write(&mut s, Batch { clients: vec![client("C2")], notes: vec![n], ..Default::default() }, "a new client", false);
    // And from a store opened again, which reads its book from the image.
    drop(s);
    let mut s = Store::open(tmp.path()).unwrap();
    let n = note(&s, "C2", "2026-04-06", None);
    write(&mut s, notes(n), "a note after reopening", true);
    // A damaged byte in a section a note's write would copy (the facts,
    // last in the file, which a read of the whole book does not check):
    // the image is encoded in full instead, not carried on damaged.
    let path = tmp.path().join(image::FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() - 2;
    bytes[at] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let n = note(&s, "C2", "2026-04-07", None);
    write(&mut s, notes(n), "a note over a damaged image", false);
    assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
}
