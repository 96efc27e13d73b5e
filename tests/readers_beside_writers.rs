//! Readers are never refused and writers wait their turn: a loop of
//! read-only commands runs beside two loops of writes, all real `dun`
//! processes on one book. Every command must succeed, and every write that
//! was acknowledged must be in the book afterwards. Nothing here is timed:
//! the loops run a fixed number of writes, and the reader runs until both
//! writers are done.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use common::{dun, dun_ok};

const WRITES: usize = 12;
const TODAY: &str = "2026-06-15";

/// Logs WRITES notes for `client`; returns the note ids dun acknowledged.
fn writer(dir: &Path, client: &str, tag: &str) -> Vec<u64> {
    let mut ids = Vec::new();
    for i in 0..WRITES {
        let text = format!("{tag} {i}");
        let out = dun(dir, &["--today", TODAY, "log", client, "--kind", "email", "--text", &text]);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "write {tag} {i} was refused: {err}");
        let id = err
            .split("(note #")
            .nth(1)
            .and_then(|s| s.split(')').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no note id in {err:?}"));
        ids.push(id);
    }
    ids
}

#[test]
fn a_reader_loop_beside_two_writer_loops_is_never_refused_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("book");
    dun_ok(&dir, &["--today", TODAY, "demo", "--no-tui"]);
    // The first command of the day takes the daily backup (under the lock);
    // do it now so the loops below read the image from the start.
    dun_ok(&dir, &["--today", TODAY, "client", "list"]);
    let done = AtomicBool::new(false);
    let (reads, a, b) = thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut reads = 0;
            let commands: [&[&str]; 3] = [
                &["--today", TODAY, "today", "--format", "csv"],
                &["--today", TODAY, "aging", "--by-client", "--format", "csv"],
                &["--today", TODAY, "client", "notes", "C000001"],
            ];
            while !done.load(Ordering::SeqCst) || reads < 3 {
                let args = commands[reads % commands.len()];
                let out = dun(&dir, args);
                assert!(out.status.success(), "reader refused: dun {args:?}: {}", String::from_utf8_lossy(&out.stderr));
                reads += 1;
            }
            reads
        });
        let a = s.spawn(|| writer(&dir, "C000001", "alpha"));
        let b = s.spawn(|| writer(&dir, "C000002", "beta"));
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        done.store(true, Ordering::SeqCst);
        (reader.join().unwrap(), a, b)
    });
    assert!(reads >= 3);
    // Every acknowledged write is there, once, read through the image.
    for (client, ids, tag) in [("C000001", &a, "alpha"), ("C000002", &b, "beta")] {
        let notes = dun_ok(&dir, &["--today", TODAY, "client", "notes", client, "--format", "csv"]);
        for (i, id) in ids.iter().enumerate() {
            let line = notes.lines().find(|l| l.starts_with(&format!("{id},")));
            let line = line.unwrap_or_else(|| panic!("acknowledged note #{id} of {client} is missing:\n{notes}"));
            assert!(line.contains(&format!("{tag} {i}")), "{line}");
        }
    }
    // And the store agrees with the image.
    dun_ok(&dir, &["verify"]);
}
