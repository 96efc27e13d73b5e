//! A writer killed with SIGKILL at an arbitrary moment leaves the store as it
//! was before a batch or after it, never halfway (in the style of sled's own
//! crash tests: the test binary re-runs itself as the child).

use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use dun::domain::*;
use dun::store::{Batch, Store};

const PER_BATCH: usize = 200;
const CHILD_ENV: &str = "DUN_CRASH_WRITER_DIR";

fn writer(dir: &str) -> ! {
    let mut s = Store::open(std::path::Path::new(dir)).expect("child opens store");
    let start = s.counts().clients as usize;
    let due = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
    for i in start.. {
        let cid = format!("C{i:06}");
        let mut b = Batch { clients: vec![Client::new(&cid, "Crash Test Ltd", Currency::EUR)], ..Default::default() };
        for k in 0..PER_BATCH {
            b.invoices.push(Invoice::new(
                format!("I{i:06}-{k:03}"),
                &cid,
                due,
                due,
                Money::new(Decimal::new(12345, 2), Currency::EUR),
            ));
        }
        s.apply(b).expect("apply");
        println!("batch {i}");
    }
    unreachable!()
}

#[test]
fn a_killed_writer_leaves_whole_batches() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        writer(&dir);
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("book");
    let mut written = 0;
    for round in 0..6u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "a_killed_writer_leaves_whole_batches", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Different moments each round, so kills land in different phases.
        std::thread::sleep(Duration::from_millis(150 + round * 97));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let mut s = Store::open(&dir).expect("store reopens after a kill");
        let c = s.counts();
        assert_eq!(c.invoices, c.clients * PER_BATCH as u64, "round {round}: a batch was half written: {c:?}");
        let book = s.book().unwrap();
        assert_eq!(book.invoices().len() as u64, c.invoices);
        for cl in book.clients() {
            assert_eq!(book.client_invoices(&cl.id).count(), PER_BATCH, "client {} is incomplete", cl.id);
        }
        let report = s.verify();
        assert!(report.is_ok(), "round {round}: {:?}", report.problems);
        written = c.clients;
    }
    // The test means something only if the writer got somewhere.
    assert!(written >= 3, "the writer wrote only {written} batches");
}
