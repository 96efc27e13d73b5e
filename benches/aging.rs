//! Where the time of `dun aging --by-client` goes on the 100,000-invoice
//! book: opening the store and loading the book, versus the aging itself.
//! (benches/aging.sh times the whole process.)
//!
//! DUN_BENCH_INVOICES changes the book size (default 100000).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};

use dun::io::import::ImportOptions;
use dun::io::native;
use dun::receivables::aging::{age_book, AgingOptions};
use dun::receivables::kpi::{book_kpis, Period};
use dun::store::Store;

fn gen_book_script() -> Option<PathBuf> {
    [Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_book.py"), "/work/shared/bench/gen_book.py".into()]
        .into_iter()
        .find(|p| p.exists())
}

/// Generates the book and imports it the way `dun import` does.
fn build_store(dir: &Path) -> PathBuf {
    let script = gen_book_script().expect("gen_book.py not found in ../shared/bench or /work/shared/bench");
    let n = std::env::var("DUN_BENCH_INVOICES").unwrap_or_else(|_| "100000".into());
    let book = dir.join("book");
    let ok = Command::new("python3").arg(script).arg(&book).args(["--invoices", &n]).status().expect("python3");
    assert!(ok.success());
    let data = dir.join("data");
    let mut store = Store::open(&data).unwrap();
    let opts = ImportOptions::default();
    for kind in ["clients", "invoices", "payments"] {
        let file = book.join(format!("{kind}.csv"));
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.display().to_string();
        let mut ids = store.ids();
        let b = store.book().unwrap();
        let plan = match kind {
            "clients" => native::clients(b, &name, &text, opts),
            "invoices" => native::invoices(b, &name, &text, opts),
            _ => native::payments(b, &name, &text, opts, &mut ids),
        }
        .unwrap_or_else(|e| panic!("{e}"));
        store.apply(plan.batch).unwrap();
    }
    data
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let data = build_store(tmp.path());
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let opts = AgingOptions::default();

    let mut g = c.benchmark_group("aging_100k");
    g.sample_size(10);
    g.bench_function("store_open", |b| b.iter(|| Store::open(&data).unwrap().counts().invoices));
    g.bench_function("store_open_and_load_book", |b| {
        b.iter(|| {
            let mut s = Store::open(&data).unwrap();
            s.book().unwrap().invoices().len()
        })
    });
    let mut store = Store::open(&data).unwrap();
    let book = store.book().unwrap();
    g.bench_function("age_book_by_client", |b| b.iter(|| age_book(book, as_of, &opts).lines.len()));
    g.bench_function("book_kpis_90_days", |b| b.iter(|| book_kpis(book, as_of, Period::ending(as_of, 90)).len()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
