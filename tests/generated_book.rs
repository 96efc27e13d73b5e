//! A book from the shared generator (`gen_book.py`), through every path of
//! this module: native import, export, `import book`, backup and restore
//! all hold the same book. Skipped with a note when the generator is not
//! there, unless DUN_REQUIRE_SHARED=1 (CI), which makes that a failure.

mod io_support;
use io_support as common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

fn generator() -> Option<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_book.py");
    [beside, PathBuf::from("/work/shared/bench/gen_book.py")].into_iter().find(|p| p.exists())
}

#[test]
fn a_generated_book_survives_every_path() {
    let Some(gen) = generator() else {
        if std::env::var("DUN_REQUIRE_SHARED").as_deref() == Ok("1") {
            panic!("gen_book.py not found beside the checkout, and DUN_REQUIRE_SHARED=1");
        }
        eprintln!("note: gen_book.py not found; skipping the generated-book test");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    let status = Command::new("python3")
        .arg(&gen)
        .arg(&book)
        .args(["--invoices", "3000"])
        .status()
        .expect("python3 runs the generator");
    assert!(status.success());
    let lines = |f: &str| std::fs::read_to_string(book.join(f)).unwrap().lines().count() as u64 - 1;

    let a = tmp.path().join("a");
    for kind in ["clients", "invoices", "payments"] {
        ok(&dun(&a, &["import", kind, book.join(format!("{kind}.csv")).to_str().unwrap()]));
    }
    let c = counts(&a);
    assert_eq!(
        (c.clients, c.invoices, c.payments),
        (lines("clients.csv"), lines("invoices.csv"), lines("payments.csv"))
    );
    // Importing the same files again changes nothing.
    let again = ok(&dun(&a, &["import", "payments", book.join("payments.csv").to_str().unwrap()]));
    assert!(again.starts_with(&format!("imported payments: 0 new, 0 updated, {} skipped", c.payments)), "{again}");
    assert_eq!(counts(&a), c);

    let (e1, e2, b) = (tmp.path().join("e1"), tmp.path().join("e2"), tmp.path().join("b"));
    ok(&dun(&a, &["export", e1.to_str().unwrap()]));
    ok(&dun(&b, &["import", "book", e1.to_str().unwrap()]));
    ok(&dun(&b, &["export", e2.to_str().unwrap()]));
    for f in ["clients.csv", "invoices.csv", "payments.csv", "allocations.csv", "export.json"] {
        assert!(std::fs::read(e1.join(f)).unwrap() == std::fs::read(e2.join(f)).unwrap(), "{f} differs");
    }
    // The same open balances, client by client.
    let list = |d: &std::path::Path| ok(&dun(d, &["client", "list", "--format", "csv"]));
    assert_eq!(list(&a), list(&b));

    let file = tmp.path().join("book.backup");
    ok(&dun(&a, &["backup", file.to_str().unwrap()]));
    let r = tmp.path().join("r");
    ok(&dun(&r, &["restore", file.to_str().unwrap()]));
    assert_eq!(list(&a), list(&r));
}
