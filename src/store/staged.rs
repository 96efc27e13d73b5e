//! Large writes (imports) without one giant sled transaction.
//!
//! A sled transaction keeps every tree node it replaces until it commits,
//! so a million-invoice import in one transaction peaked at 6.4 GB. A
//! large batch is written instead in three steps:
//!
//! 1. an undo journal (`dun.undo`): for every key the batch writes, the
//!    value it had (or that it had none), written atomically and fsynced
//!    before anything else, stamped with the store's sequence;
//! 2. the records, tree by tree, in small sled batches, then a flush;
//! 3. one small final write, the `meta` record with the next sequence,
//!    flushed: this is the commit. Then the manifest, and the journal goes.
//!
//! A crash before step 3 leaves the journal and a `meta` sequence equal to
//! the journal's: on the next open the journal is played back (old values
//! restored, new keys removed, flushed) and the store is as before. A crash
//! after it finds `meta` one ahead: the write is whole, the journal is
//! dropped. Playing back is idempotent, so a crash during recovery is
//! recovered the same way. Memory is the batch's encoded records and the
//! journal's keys, never sled's copy of every replaced node.

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::codec::{self, CodecError};
use super::paths::write_atomic;

pub const FILE: &str = "dun.undo";
const MAGIC: &[u8; 8] = b"DUNUNDO1";
/// Keys per sled batch (and per journal chunk): sled's per-batch garbage is
/// freed between batches, so this bounds it.
const STEP: usize = 4096;
/// Batches with more records than this are written in stages.
pub const STAGED_ABOVE: usize = 4096;

/// The writes to one tree, in order. `None` removes the key.
#[derive(Default)]
pub(crate) struct TreeWrites {
    pub ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl TreeWrites {
    pub fn insert(&mut self, key: impl AsRef<[u8]>, value: impl Into<Vec<u8>>) {
        self.ops.push((key.as_ref().to_vec(), Some(value.into())));
    }
    pub fn remove(&mut self, key: impl AsRef<[u8]>) {
        self.ops.push((key.as_ref().to_vec(), None));
    }
    pub fn to_batch(&self) -> sled::Batch {
        let mut b = sled::Batch::default();
        for (k, v) in &self.ops {
            match v {
                Some(v) => b.insert(k.as_slice(), v.as_slice()),
                None => b.remove(k.as_slice()),
            }
        }
        b
    }
}

/// One journal entry: tree number, key, the value before the write.
#[derive(Serialize, Deserialize)]
struct Undo(u8, Vec<u8>, Option<Vec<u8>>);

/// Writes the journal for `writes` (tree number, the writes, whether every
/// key is known to be new so its old value need not be looked up).
pub(crate) fn write_journal(
    dir: &Path,
    base_seq: u64,
    trees: &[&sled::Tree],
    writes: &[(&TreeWrites, bool)],
) -> Result<(), String> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&base_seq.to_le_bytes());
    let mut chunk: Vec<Undo> = Vec::with_capacity(STEP);
    let flush = |chunk: &mut Vec<Undo>, out: &mut Vec<u8>| -> Result<(), String> {
        let env = codec::encode(chunk).map_err(|e| e.to_string())?;
        out.extend_from_slice(&(env.len() as u32).to_le_bytes());
        out.extend_from_slice(&env);
        chunk.clear();
        Ok(())
    };
    for (t, (w, all_new)) in writes.iter().enumerate() {
        for (k, _) in &w.ops {
            let old = if *all_new { None } else { trees[t].get(k).map_err(|e| e.to_string())?.map(|v| v.to_vec()) };
            chunk.push(Undo(t as u8, k.clone(), old));
            if chunk.len() == STEP {
                flush(&mut chunk, &mut out)?;
            }
        }
    }
    if !chunk.is_empty() {
        flush(&mut chunk, &mut out)?;
    }
    write_atomic(&dir.join(FILE), &out).map_err(|e| format!("cannot write the undo journal: {e}"))
}

/// Applies `writes` to `tree` in small batches.
pub(crate) fn apply_in_steps(tree: &sled::Tree, writes: &TreeWrites) -> sled::Result<()> {
    for part in writes.ops.chunks(STEP) {
        let mut b = sled::Batch::default();
        for (k, v) in part {
            match v {
                Some(v) => b.insert(k.as_slice(), v.as_slice()),
                None => b.remove(k.as_slice()),
            }
        }
        tree.apply_batch(b)?;
    }
    Ok(())
}

/// Removes the journal once the write it guards has committed.
pub(crate) fn drop_journal(dir: &Path) -> std::io::Result<()> {
    match fs::remove_file(dir.join(FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => fs::File::open(dir)?.sync_all(),
    }
}

/// What [`recover`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Recovered {
    Nothing,
    /// The staged write had committed; only its journal was left.
    Committed,
    /// The staged write had not committed: it was undone.
    RolledBack,
}

/// Finishes or undoes a staged write that a crash interrupted. `seq` is the
/// store's committed sequence (its `meta` record).
pub(crate) fn recover(dir: &Path, db: &sled::Db, trees: &[&sled::Tree], seq: u64) -> Result<Recovered, String> {
    let path = dir.join(FILE);
    let file = match fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Recovered::Nothing),
        Err(e) => return Err(format!("cannot read the undo journal {}: {e}", path.display())),
    };
    let bytes = {
        let len = file.metadata().map_err(|e| e.to_string())?.len() as usize;
        let mut b = vec![0u8; len];
        file.read_exact_at(&mut b, 0).map_err(|e| e.to_string())?;
        b
    };
    let damaged = |why: &str| {
        format!(
            "the undo journal {} of an interrupted import is damaged ({why}); the store cannot be made whole from it. Restore the latest backup (dun restore)",
            path.display()
        )
    };
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(damaged("no header"));
    }
    let base = u64::from_le_bytes(bytes[8..16].try_into().expect("eight bytes"));
    if seq == base + 1 {
        drop_journal(dir).map_err(|e| e.to_string())?;
        return Ok(Recovered::Committed);
    }
    if seq != base {
        return Err(damaged(&format!("it is for write {base}, the store is at {seq}")));
    }
    let mut undo: Vec<Undo> = Vec::new();
    let mut at = 16;
    while at < bytes.len() {
        let len = bytes.get(at..at + 4).map(|b| u32::from_le_bytes(b.try_into().expect("four bytes")) as usize);
        let Some(end) = len.map(|l| at + 4 + l).filter(|&e| e <= bytes.len()) else {
            return Err(damaged("truncated"));
        };
        let part: Vec<Undo> = codec::decode(&bytes[at + 4..end]).map_err(|e: CodecError| damaged(&e.to_string()))?;
        undo.extend(part);
        at = end;
    }
    // Newest first, so a key written twice ends at its value before the write.
    for part in undo.rchunks(STEP) {
        let mut batches: Vec<sled::Batch> = (0..trees.len()).map(|_| sled::Batch::default()).collect();
        for Undo(t, k, old) in part.iter().rev() {
            let b = batches.get_mut(*t as usize).ok_or_else(|| damaged("unknown tree"))?;
            match old {
                Some(v) => b.insert(k.as_slice(), v.as_slice()),
                None => b.remove(k.as_slice()),
            }
        }
        for (tree, b) in trees.iter().zip(batches) {
            tree.apply_batch(b).map_err(|e| e.to_string())?;
        }
    }
    db.flush().map_err(|e| e.to_string())?;
    drop_journal(dir).map_err(|e| e.to_string())?;
    Ok(Recovered::RolledBack)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Client, Currency, Invoice, Money};
    use crate::store::{Batch, Store};
    use chrono::NaiveDate;

    fn invoices(n: usize, client: &str) -> Vec<Invoice> {
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        (0..n).map(|i| Invoice::new(format!("I{i:06}"), client, d, d, Money::new(100.into(), Currency::USD))).collect()
    }

    /// A crash after the records but before the commit: the next open
    /// plays the journal back and the book is as it was, replaced records
    /// included; a journal left after the commit is only dropped.
    #[test]
    fn an_uncommitted_staged_write_is_undone_on_open() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        {
            let mut s = Store::open(&dir).unwrap();
            let c = Client::new("C1", "Acme", Currency::USD);
            s.apply(Batch { clients: vec![c], invoices: invoices(10, "C1"), ..Default::default() }).unwrap();
        }
        let before = Store::open(&dir).unwrap().counts();
        {
            let s = Store::open(&dir).unwrap();
            let t = s.trees().record_trees();
            // Replace the ten invoices (new totals) and add many more.
            let mut w = TreeWrites::default();
            for mut inv in invoices(STAGED_ABOVE + 10, "C1") {
                inv.total = 7.into();
                w.insert(inv.number.as_bytes(), codec::encode(&inv).unwrap());
            }
            let empty = TreeWrites::default();
            let writes = [(&empty, false), (&w, false), (&empty, true)];
            write_journal(&dir, s.meta().seq, &t, &writes).unwrap();
            apply_in_steps(t[1], &w).unwrap();
            s.db.flush().unwrap();
            // Dropped here without the commit, as a crash would leave it.
        }
        let mut s = Store::open(&dir).unwrap();
        assert!(!dir.join(FILE).exists(), "the journal is gone after recovery");
        assert!(s.take_warnings().iter().any(|w| w.contains("was undone")));
        assert_eq!(s.counts(), before);
        assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
        assert_eq!(s.invoice("I000003").unwrap().unwrap().total, 100.into(), "a replaced record is restored");
        assert!(s.invoice(&format!("I{:06}", STAGED_ABOVE)).unwrap().is_none(), "a new record is removed");
        // A journal of the write before the current one: committed, dropped.
        let t = s.trees().record_trees();
        write_journal(&dir, s.meta().seq - 1, &t, &[]).unwrap();
        drop(s);
        let s = Store::open(&dir).unwrap();
        assert!(!dir.join(FILE).exists());
        assert_eq!(s.counts(), before);
    }

    #[test]
    fn a_large_batch_is_written_in_stages_and_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let mut s = Store::open(&dir).unwrap();
        let c = Client::new("C1", "Acme", Currency::USD);
        let n = STAGED_ABOVE * 2;
        s.apply(Batch { clients: vec![c], invoices: invoices(n, "C1"), ..Default::default() }).unwrap();
        assert!(!dir.join(FILE).exists());
        assert_eq!(s.counts().invoices, n as u64);
        assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
        drop(s);
        let mut s = Store::open(&dir).unwrap();
        assert_eq!(s.book().unwrap().client_invoices("C1").count(), n);
    }
}
