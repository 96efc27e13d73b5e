//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the real `dun` binary with `--data dir` and the given arguments.
pub fn dun(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dun"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .env_remove("DUN_DATA")
        .env("NO_COLOR", "1")
        .output()
        .expect("run dun")
}

/// Runs dun and insists it succeeds; returns stdout.
pub fn dun_ok(dir: &Path, args: &[&str]) -> String {
    let out = dun(dir, args);
    assert!(
        out.status.success(),
        "dun {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs dun and insists it fails; returns stderr.
pub fn dun_err(dir: &Path, args: &[&str]) -> String {
    let out = dun(dir, args);
    assert!(!out.status.success(), "dun {args:?} should have failed: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).expect("utf-8 output")
}

/// The shared book generator, if it is beside the checkout.
pub fn gen_book_script() -> Option<PathBuf> {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_book.py"),
        PathBuf::from("/work/shared/bench/gen_book.py"),
    ];
    let found = candidates.into_iter().find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("DUN_REQUIRE_SHARED").is_none(),
            "DUN_REQUIRE_SHARED is set but ../shared/bench/gen_book.py is missing"
        );
        eprintln!("note: ../shared/bench/gen_book.py not found; skipping");
    }
    found
}

/// Writes a generated book of `n` invoices into `out`; None if the
/// generator is not available (and not required).
pub fn gen_book(out: &Path, n: usize) -> Option<()> {
    let script = gen_book_script()?;
    let status = Command::new("python3")
        .arg(script)
        .arg(out)
        .args(["--invoices", &n.to_string()])
        .status()
        .expect("run python3");
    assert!(status.success(), "gen_book.py failed");
    Some(())
}

/// Data rows in a CSV file (lines minus the header).
pub fn csv_rows(path: &Path) -> usize {
    let mut rdr = csv::Reader::from_path(path).expect("open csv");
    rdr.records().count()
}
