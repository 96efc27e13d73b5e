//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dun::domain::Book;
use dun::io::import::{Errors, ImportOptions, Plan};
use dun::store::{Counts, IdAlloc, Store};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// The fixture's text and the name errors will carry for it.
pub fn read_fixture(rel: &str) -> (String, String) {
    let text = std::fs::read_to_string(fixture(rel)).unwrap();
    (format!("tests/fixtures/{rel}"), text)
}

/// Runs the dun binary with `--data dir --today 2026-11-25` and the args.
pub fn dun(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dun"))
        .arg("--data")
        .arg(dir)
        .args(["--today", "2026-11-25"])
        .args(args)
        .env("HOME", dir.parent().unwrap_or(dir))
        .env_remove("DUN_DATA")
        .output()
        .expect("run dun")
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "dun failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn fails(out: &Output) -> String {
    assert!(!out.status.success(), "dun should have failed: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn counts(dir: &Path) -> Counts {
    Store::open(dir).unwrap().counts()
}

/// A store in `dir` holding the native fixture clients.
pub fn store_with_clients(dir: &Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    let (file, text) = read_fixture("native/clients.csv");
    let plan = dun::io::native::clients(store.book().unwrap(), &file, &text, ImportOptions::default()).unwrap();
    store.apply(plan.batch).unwrap();
    store
}

/// Plans an import against the store's book and applies it; the plan must
/// succeed. Returns (new, updated, skipped, warnings).
pub fn import(
    store: &mut Store,
    f: impl FnOnce(&Book, &mut IdAlloc) -> Result<Plan, Errors>,
) -> (usize, usize, usize, Vec<String>) {
    let mut ids = store.ids();
    let plan = f(store.book().unwrap(), &mut ids).unwrap_or_else(|e| panic!("{e}"));
    let summary = (plan.new, plan.updated, plan.skipped, plan.warnings.clone());
    store.apply(plan.batch).unwrap();
    summary
}

pub fn book(store: &mut Store) -> &Book {
    store.book().unwrap()
}
