//! `dun today` on the 100,000-invoice book from ../shared/bench/gen_book.py:
//! the engine alone on a loaded book, loading the book from the store, and
//! the whole process as a user runs it (`dun today --format csv`).
//!
//! Run: `cargo bench --bench today`. Without gen_book.py the bench prints a
//! note and does nothing, unless DUN_REQUIRE_SHARED=1 (then it fails).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, Criterion};

const AS_OF: &str = "2026-11-22";
const INVOICES: &str = "100000";

fn gen_book_script() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_book.py");
    [local, PathBuf::from("/work/shared/bench/gen_book.py")].into_iter().find(|p| p.exists())
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run command");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Generates the book and imports it into a fresh data directory.
fn prepare(tmp: &Path) -> Option<PathBuf> {
    let Some(script) = gen_book_script() else {
        if std::env::var("DUN_REQUIRE_SHARED").as_deref() == Ok("1") {
            panic!("gen_book.py not found and DUN_REQUIRE_SHARED=1");
        }
        eprintln!("note: ../shared/bench/gen_book.py not found; skipping the today benchmark");
        return None;
    };
    let csv = tmp.join("csv");
    run(Command::new("python3").arg(&script).arg(&csv).args(["--invoices", INVOICES, "--as-of", AS_OF]));
    let data = tmp.join("data");
    for kind in ["clients", "invoices", "payments"] {
        run(Command::new(env!("CARGO_BIN_EXE_dun"))
            .arg("--data")
            .arg(&data)
            .args(["--today", AS_OF, "import", kind])
            .arg(csv.join(format!("{kind}.csv"))));
    }
    Some(data)
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let Some(data) = prepare(tmp.path()) else { return };
    let today: chrono::NaiveDate = AS_OF.parse().unwrap();
    let rules = dun::rules::Rules::default();

    let mut g = c.benchmark_group("today_100k");
    g.sample_size(10);
    {
        let mut store = dun::store::Store::open(&data).expect("open store");
        let book = store.book().expect("load book");
        let n = dun::rules::today(book, &rules, today).len();
        eprintln!("{} invoices, {} clients, {n} actions", book.invoices().len(), book.clients().len());
        g.bench_function("engine (rules::today on a loaded book)", |b| {
            b.iter(|| dun::rules::today(book, &rules, today))
        });
    }
    g.bench_function("open store + load book", |b| {
        b.iter(|| {
            let mut store = dun::store::Store::open(&data).expect("open store");
            store.book().expect("load book").invoices().len()
        })
    });
    g.bench_function("whole process: dun today --format csv", |b| {
        b.iter(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_dun"))
                .arg("--data")
                .arg(&data)
                .args(["--today", AS_OF, "today", "--format", "csv"])
                .stdout(Stdio::null())
                .status()
                .expect("run dun today");
            assert!(status.success());
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
