//! Large writes (imports) without one giant sled transaction.
//!
//! A sled transaction keeps every tree node it replaces until it commits,
//! so a million-invoice import in one transaction peaked at 6.4 GB; sled's
//! atomic batches (`Tree::apply_batch`) keep about 2.5 KB per key until the
//! store is closed, 3 GB for a million. A large write goes instead in three
//! steps, with plain inserts:
//!
//! 1. an undo journal (`dun.undo`): for every key the write touches, the
//!    value it had (or that it had none), written atomically and fsynced
//!    before anything else, stamped with the store's sequence;
//! 2. the records, tree by tree, one insert each, then a flush;
//! 3. one small final write, the `meta` record with the next sequence,
//!    flushed: this is the commit. Then the manifest, and the journal goes.
//!
//! A crash before step 3 leaves the journal and a `meta` sequence equal to
//! the journal's: on the next open the journal is played back (old values
//! restored, new keys removed, flushed) and the store is as before. A crash
//! after it finds `meta` one ahead: the write is whole, the journal is
//! dropped. Playing back is idempotent, so a crash during recovery is
//! recovered the same way. A write that fails without a crash (a full
//! disk) is played back at once by `Store::apply`, in the same process,
//! before the store writes anything else.
//!
//! Memory is bounded by design, not by the size of the write: the writes
//! come from a [`Source`] that produces them on demand, once for the
//! journal (keys only; one chunk buffered, at most [`STEP`] entries or
//! about [`CHUNK_BYTES`]) and once for the records (one encoded record at a
//! time); sled's own memory stays near its cache size with plain inserts.
//! Playback is not bounded that way: it reads the whole journal into memory
//! (for a million-record update import, hundreds of MB), checks every
//! chunk, then plays them back from the last, one decoded chunk at a time.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::codec::{self, CodecError};
use super::paths::{self, write_atomic_with};
use super::{sled_err, Result, StoreError, META_KEY};

pub const FILE: &str = "dun.undo";
const MAGIC: &[u8; 8] = b"DUNUNDO1";
/// Undo entries per journal chunk at most (the journal's write buffer and
/// its playback's memory).
const STEP: usize = 4096;
/// A chunk is also closed once its keys and old values pass this many
/// bytes: playback decodes a chunk as one codec record, which may not pass
/// [`codec::MAX_RECORD_BYTES`] (large client or index records would).
const CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// Batches with more records than this are written in stages.
pub const STAGED_ABOVE: usize = 4096;

/// Told each write to a tree in order: the key, the encoded record (None
/// removes the key; always None when only keys were asked for), and
/// whether the key is known to be absent from the store before the write
/// (its undo entry then needs no lookup).
pub(crate) type Visit<'f> = &'f mut dyn FnMut(&[u8], Option<&[u8]>, bool) -> Result<()>;

/// The writes of a large batch, produced on demand, as often as asked.
pub(crate) trait Source {
    /// Tells `f` every write to record tree `tree` (numbered as in
    /// `Trees::record_trees`), in order; `values`: whether the records are
    /// wanted (false: keys only, nothing is encoded).
    fn each(&self, tree: usize, values: bool, f: Visit<'_>) -> Result<()>;
}

/// One journal entry: tree number, key, the value before the write.
#[derive(Serialize, Deserialize)]
struct Undo(u8, Vec<u8>, Option<Vec<u8>>);

/// Writes `source` to `trees` in stages (see the module comment): the
/// journal, the records, a flush, then `meta_record` under `meta` as the
/// commit. `base_seq`: the store's sequence before the write.
pub(crate) fn write(
    dir: &Path,
    db: &sled::Db,
    meta: &sled::Tree,
    trees: &[&sled::Tree],
    base_seq: u64,
    source: &dyn Source,
    meta_record: Vec<u8>,
) -> Result<()> {
    write_journal(dir, base_seq, trees, source)?;
    write_records(dir, trees, source)?;
    #[cfg(test)]
    fail_point::flush()?;
    db.flush().map_err(sled_err(dir))?;
    meta.insert(META_KEY, meta_record).map_err(sled_err(dir))?;
    db.flush().map_err(sled_err(dir))?;
    // Committed. A journal left behind is dropped on the next open.
    let _ = drop_journal(dir);
    Ok(())
}

/// Writes the undo journal of `source`, chunk by chunk, atomically.
pub(crate) fn write_journal(dir: &Path, base_seq: u64, trees: &[&sled::Tree], source: &dyn Source) -> Result<()> {
    let path = dir.join(FILE);
    let io = |e: std::io::Error| {
        StoreError::Io(format!("cannot write the undo journal of the import: {}", paths::describe_io(&path, &e)))
    };
    write_atomic_with(
        &path,
        |out| {
            out.write_all(MAGIC).map_err(io)?;
            out.write_all(&base_seq.to_le_bytes()).map_err(io)?;
            let mut chunk: Vec<Undo> = Vec::with_capacity(STEP);
            let mut bytes = 0;
            let mut put = |chunk: &mut Vec<Undo>| -> Result<()> {
                let env = codec::encode(&*chunk).map_err(|e| StoreError::Invalid(e.to_string()))?;
                // Past the chunk bound by one entry at most: only a single
                // record too large to be read back gets here. Refused now,
                // before any record is written, not at recovery.
                if env.len() > codec::MAX_RECORD_BYTES {
                    return Err(StoreError::Invalid(format!(
                        "a record of the write is too large to be undone ({} bytes; at most {} bytes)",
                        env.len(),
                        codec::MAX_RECORD_BYTES
                    )));
                }
                out.write_all(&(env.len() as u32).to_le_bytes()).map_err(io)?;
                out.write_all(&env).map_err(io)?;
                chunk.clear();
                Ok(())
            };
            for (t, tree) in trees.iter().enumerate() {
                source.each(t, false, &mut |k, _, new| {
                    let old = if new { None } else { tree.get(k).map_err(sled_err(dir))?.map(|v| v.to_vec()) };
                    bytes += k.len() + old.as_ref().map_or(0, Vec::len);
                    chunk.push(Undo(t as u8, k.to_vec(), old));
                    if chunk.len() == STEP || bytes >= CHUNK_BYTES {
                        put(&mut chunk)?;
                        bytes = 0;
                    }
                    Ok(())
                })?;
            }
            if !chunk.is_empty() {
                put(&mut chunk)?;
            }
            Ok(())
        },
        io,
    )
}

/// Writes the records of `source`, one insert each (see the module comment
/// for why not sled's batches).
pub(crate) fn write_records(dir: &Path, trees: &[&sled::Tree], source: &dyn Source) -> Result<()> {
    for (t, tree) in trees.iter().enumerate() {
        source.each(t, true, &mut |k, v, _| {
            #[cfg(test)]
            fail_point::tick()?;
            match v {
                Some(v) => tree.insert(k, v),
                None => tree.remove(k),
            }
            .map(drop)
            .map_err(sled_err(dir))
        })?;
    }
    Ok(())
}

/// For tests: make the staged writer fail part-way, as a full disk would.
#[cfg(test)]
pub(crate) mod fail_point {
    use super::{Result, StoreError};
    use std::cell::Cell;

    thread_local! {
        /// Records this thread's staged writes may still insert; None: no limit.
        static LEFT: Cell<Option<usize>> = const { Cell::new(None) };
    }

    /// The next `n` records are written, the one after fails.
    pub(crate) fn fail_after(n: usize) {
        LEFT.with(|l| l.set(Some(n)));
    }

    thread_local! {
        /// Whether this thread's next staged write fails at its flush.
        static FLUSH: Cell<bool> = const { Cell::new(false) };
    }

    /// The next staged write fails at the flush after its records.
    pub(crate) fn fail_flush() {
        FLUSH.with(|f| f.set(true));
    }

    pub(super) fn flush() -> Result<()> {
        if FLUSH.with(|f| f.replace(false)) {
            return Err(StoreError::Io("no space left on device (test)".into()));
        }
        Ok(())
    }

    pub(super) fn tick() -> Result<()> {
        LEFT.with(|l| match l.get() {
            Some(0) => {
                l.set(None);
                Err(StoreError::Io("no space left on device (test)".into()))
            }
            Some(n) => {
                l.set(Some(n - 1));
                Ok(())
            }
            None => Ok(()),
        })
    }
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
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Recovered::Nothing),
        Err(e) => return Err(format!("cannot read the undo journal {}: {e}", path.display())),
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
    // A write that fails in the process that made it is played back there
    // (`Store::apply`), and a poisoned store writes nothing more: a journal
    // older than the store is of a write that committed and whose journal
    // could not be removed, however many writes came after.
    if seq > base {
        drop_journal(dir).map_err(|e| e.to_string())?;
        return Ok(Recovered::Committed);
    }
    if seq != base {
        return Err(damaged(&format!("it is for write {base}, the store is at {seq}")));
    }
    // Where each chunk is, all checked before anything is changed.
    let mut chunks = Vec::new();
    let mut at = 16;
    while at < bytes.len() {
        let len = bytes.get(at..at + 4).map(|b| u32::from_le_bytes(b.try_into().expect("four bytes")) as usize);
        let Some(end) = len.map(|l| at + 4 + l).filter(|&e| e <= bytes.len()) else {
            return Err(damaged("truncated"));
        };
        chunks.push(at + 4..end);
        at = end;
    }
    for range in &chunks {
        let part: Vec<Undo> = codec::decode(&bytes[range.clone()]).map_err(|e: CodecError| damaged(&e.to_string()))?;
        // A journal from a newer dun (the tree numbers are append only)
        // would otherwise stop part-way through playback.
        if let Some(Undo(t, ..)) = part.iter().find(|u| u.0 as usize >= trees.len()) {
            return Err(damaged(&format!("it names tree {t}, which this dun does not know")));
        }
    }
    // Newest first, so a key written twice ends at its value before the write.
    for range in chunks.into_iter().rev() {
        let part: Vec<Undo> = codec::decode(&bytes[range]).map_err(|e: CodecError| damaged(&e.to_string()))?;
        for Undo(t, k, old) in part.into_iter().rev() {
            let tree = trees.get(t as usize).ok_or_else(|| damaged("unknown tree"))?; // checked above
            match old {
                Some(v) => tree.insert(k, v).map(drop),
                None => tree.remove(k).map(drop),
            }
            .map_err(|e| e.to_string())?;
        }
    }
    db.flush().map_err(|e| e.to_string())?;
    drop_journal(dir).map_err(|e| e.to_string())?;
    Ok(Recovered::RolledBack)
}

/// Writes listed in full, for tests: per tree, its (key, record) pairs and
/// whether every key is new.
#[cfg(test)]
pub(crate) struct Listed(pub Vec<(Vec<KeyRecord>, bool)>);

#[cfg(test)]
pub(crate) type KeyRecord = (Vec<u8>, Vec<u8>);

#[cfg(test)]
impl Source for Listed {
    fn each(&self, tree: usize, values: bool, f: Visit<'_>) -> Result<()> {
        if let Some((writes, new)) = self.0.get(tree) {
            for (k, v) in writes {
                f(k, values.then_some(v.as_slice()), *new)?;
            }
        }
        Ok(())
    }
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
            let mut w = Vec::new();
            for mut inv in invoices(STAGED_ABOVE + 10, "C1") {
                inv.total = 7.into();
                w.push((inv.number.to_string().into_bytes(), codec::encode(&inv).unwrap()));
            }
            let writes = Listed(vec![(vec![], false), (w, false), (vec![], true)]);
            write_journal(&dir, s.meta().seq, &t, &writes).unwrap();
            write_records(&dir, &t, &writes).unwrap();
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
        // A journal of the write before the current one, or of one further
        // back (its removal failed, writes followed): committed, dropped.
        s.apply(Batch { clients: vec![Client::new("C2", "Beta", Currency::USD)], ..Default::default() }).unwrap();
        let before = s.counts();
        for back in [1, 2] {
            let t = s.trees().record_trees();
            write_journal(&dir, s.meta().seq - back, &t, &Listed(vec![])).unwrap();
            drop(s);
            s = Store::open(&dir).unwrap();
            assert!(!dir.join(FILE).exists());
            assert_eq!(s.counts(), before);
        }
    }

    /// A staged write that fails part-way (a full disk) is undone at once,
    /// in the same process: the small writes the same `Store` makes next
    /// (one, or two) commit on top of the book as it was, and the next open
    /// finds a whole store without the partial records. Without the undo
    /// the partial records stayed in sled: one later write left them for
    /// good (verify fails), two made the store refuse to open.
    #[test]
    fn a_failed_staged_write_is_undone_before_the_next_write() {
        for small_writes in [1, 2] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("book");
            let mut s = Store::open(&dir).unwrap();
            let c = Client::new("C1", "Acme", Currency::USD);
            s.apply(Batch { clients: vec![c], invoices: invoices(10, "C1"), ..Default::default() }).unwrap();
            let before = s.counts();
            let mut big = invoices(STAGED_ABOVE + 100, "C1");
            for inv in &mut big {
                inv.number = compact_str::format_compact!("B{}", inv.number);
            }
            fail_point::fail_after(STAGED_ABOVE / 2);
            assert!(s.apply(Batch { invoices: big, ..Default::default() }).is_err());
            assert!(!dir.join(FILE).exists(), "the journal was played back at once");
            assert!(!s.is_poisoned());
            for i in 0..small_writes {
                let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
                let inv = Invoice::new(format!("S{i}"), "C1", d, d, Money::new(5.into(), Currency::USD));
                s.apply(Batch { invoices: vec![inv], ..Default::default() }).unwrap();
            }
            drop(s);
            let s = Store::open(&dir).unwrap();
            assert!(s.verify().is_ok(), "{small_writes}: {:?}", s.verify().problems);
            assert!(s.invoice("BI000000").unwrap().is_none(), "a partial record is gone");
            assert_eq!(s.counts().invoices, before.invoices + small_writes);
            assert_eq!(s.client_invoice_numbers("C1").unwrap().len() as u64, before.invoices + small_writes);
        }
    }

    /// The undo of a staged write made by `Store::apply` (its `FromBook`
    /// source, its `had`/new flags): half the batch replaces invoices, some
    /// moving to another client, half is new; interrupted after its last
    /// record, the write is played back and every record, index entry and
    /// count is as before. An existing key journalled as new would be
    /// deleted by the playback.
    #[test]
    fn a_staged_write_of_replaced_and_moved_records_is_undone_exactly() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let mut s = Store::open(&dir).unwrap();
        let clients = vec![Client::new("C1", "Acme", Currency::USD), Client::new("C2", "Beta", Currency::USD)];
        let old = invoices(STAGED_ABOVE + 904, "C1");
        s.apply(Batch { clients, invoices: old.clone(), ..Default::default() }).unwrap();
        let before = (s.counts(), s.client_invoice_numbers("C1").unwrap(), s.client_invoice_numbers("C2").unwrap());
        let half = old.len() / 2;
        let mut batch: Vec<Invoice> = old[..half].to_vec();
        for (i, inv) in batch.iter_mut().enumerate() {
            inv.total = 7.into();
            if i % 3 == 0 {
                inv.client_id = "C2".into();
            }
        }
        let mut added = invoices(half, "C2");
        for inv in &mut added {
            inv.number = compact_str::format_compact!("N{}", inv.number);
        }
        batch.extend(added);
        // Every record written, then the flush before the commit fails.
        fail_point::fail_flush();
        assert!(s.apply(Batch { invoices: batch, ..Default::default() }).is_err());
        assert!(!s.is_poisoned());
        let after = (s.counts(), s.client_invoice_numbers("C1").unwrap(), s.client_invoice_numbers("C2").unwrap());
        assert_eq!(after, before);
        assert_eq!(s.invoice("I000003").unwrap().unwrap().client_id, "C1");
        assert_eq!(s.invoice("I000003").unwrap().unwrap().total, 100.into(), "a replaced record is restored");
        assert!(s.invoice("NI000001").unwrap().is_none(), "a new record is removed");
        assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
        drop(s);
        let s = Store::open(&dir).unwrap();
        assert_eq!(s.counts(), before.0);
        assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
    }

    /// A poisoned store (a failed write it could not undo) refuses every
    /// read of the book and every write, saying it must be opened again;
    /// opening it again works.
    #[test]
    fn a_poisoned_store_refuses_until_reopened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let mut s = Store::open(&dir).unwrap();
        let c = Client::new("C1", "Acme", Currency::USD);
        s.poisoned = Some("test".into());
        let e = s.apply(Batch { clients: vec![c.clone()], ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("opened again"), "{e}");
        assert!(s.book().is_err());
        drop(s);
        let mut s = Store::open(&dir).unwrap();
        s.apply(Batch { clients: vec![c], ..Default::default() }).unwrap();
        assert_eq!(s.counts().clients, 1);
    }

    /// The staged writer journals only the book's trees: a batch large
    /// enough to be staged that carries outbox entries is refused, not
    /// acknowledged with the entries lost.
    #[test]
    fn a_staged_batch_with_outbox_entries_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let mut s = Store::open(&dir).unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let entry = crate::domain::OutboxEntry {
            date: d,
            client_id: "C1".into(),
            level: 0,
            step_name: "Statement".into(),
            channel: "email".into(),
            to: "a@example.com".into(),
            subject: "Statement".into(),
            body: "Dear Acme,\n".into(),
            message_id: "m1@example.com".into(),
            invoices: vec![],
            attempts: 0,
            author: String::new(),
            queued_at: chrono::Utc::now(),
            state: crate::domain::OutboxState::Queued,
        };
        let batch = Batch {
            clients: vec![Client::new("C1", "Acme", Currency::USD)],
            invoices: invoices(STAGED_ABOVE + 1, "C1"),
            outbox: vec![entry],
            ..Default::default()
        };
        let before = s.counts();
        assert!(matches!(s.apply(batch), Err(StoreError::Invalid(m)) if m.contains("outbox")));
        assert_eq!(s.counts(), before);
        assert!(s.outbox(d).unwrap().is_empty());
        assert!(s.book().unwrap().invoices().is_empty(), "the book is as it was");
    }

    /// Journal chunks are bounded by bytes as well as entries: 4096 old
    /// values of 8 KB (32 MB, over the codec's record limit in one chunk)
    /// are played back after a crash, not refused as a damaged journal.
    #[test]
    fn large_old_values_are_journalled_in_chunks_that_play_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let key = |i: usize| format!("K{i:05}").into_bytes();
        {
            let s = Store::open(&dir).unwrap();
            let t = s.trees().record_trees();
            for i in 0..STEP {
                t[1].insert(key(i), vec![(i % 251) as u8; 8192]).unwrap();
            }
            s.db.flush().unwrap();
            let w = (0..STEP).map(|i| (key(i), b"new".to_vec())).collect();
            let writes = Listed(vec![(vec![], false), (w, false)]);
            write_journal(&dir, s.meta().seq, &t, &writes).unwrap();
            write_records(&dir, &t, &writes).unwrap();
            s.db.flush().unwrap();
            // Dropped here without the commit, as a crash would leave it.
        }
        let s = Store::open(&dir).unwrap();
        assert!(!dir.join(FILE).exists());
        let t = s.trees().record_trees();
        for i in [0, 1, STEP / 2, STEP - 1] {
            assert_eq!(t[1].get(key(i)).unwrap().unwrap().as_ref(), &vec![(i % 251) as u8; 8192][..]);
        }
    }

    /// A single record too large for a journal chunk to be read back is
    /// refused before anything is written.
    #[test]
    fn a_record_too_large_to_undo_is_refused_before_any_write() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let s = Store::open(&dir).unwrap();
        let t = s.trees().record_trees();
        t[1].insert(b"K", vec![1u8; codec::MAX_RECORD_BYTES + 1]).unwrap();
        let writes = Listed(vec![(vec![], false), (vec![(b"K".to_vec(), b"new".to_vec())], false)]);
        let e = write_journal(&dir, s.meta().seq, &t, &writes).unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
        assert!(!dir.join(FILE).exists());
    }

    /// Every chunk's tree numbers are checked before anything is played
    /// back: a journal whose first chunk (played last) names a tree this
    /// dun does not know is refused with the store untouched, not after
    /// the later chunks were already undone.
    #[test]
    fn a_journal_naming_an_unknown_tree_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let seq = {
            let mut s = Store::open(&dir).unwrap();
            let c = Client::new("C1", "Acme", Currency::USD);
            s.apply(Batch { clients: vec![c], invoices: invoices(10, "C1"), ..Default::default() }).unwrap();
            s.meta().seq
        };
        let mut journal = MAGIC.to_vec();
        journal.extend_from_slice(&seq.to_le_bytes());
        for chunk in [vec![Undo(7, b"x".to_vec(), None)], vec![Undo(1, b"I000003".to_vec(), None)]] {
            let env = codec::encode(&chunk).unwrap();
            journal.extend_from_slice(&(env.len() as u32).to_le_bytes());
            journal.extend_from_slice(&env);
        }
        fs::write(dir.join(FILE), &journal).unwrap();
        let e = Store::open(&dir).err().expect("the journal is refused");
        assert!(e.to_string().contains("tree"), "{e}");
        fs::remove_file(dir.join(FILE)).unwrap();
        let s = Store::open(&dir).unwrap();
        assert!(s.invoice("I000003").unwrap().is_some(), "no key was played back");
        assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
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

    /// The writer holds one encoded record at a time and streams its
    /// journal to disk: when the source hands over record i, record i-1 is
    /// already in the tree, and the journal's temp file has grown past its
    /// write buffer and one chunk before the last key is handed over. Collecting the
    /// writes first (as dun did, 4 GB for a million invoices) fails this.
    #[test]
    fn the_staged_writer_streams_records_and_journal() {
        struct Counting<'t> {
            tree: &'t sled::Tree,
            dir: &'t Path,
            n: usize,
        }
        let key = |i: usize| format!("{i:0200}").into_bytes();
        impl Source for Counting<'_> {
            fn each(&self, tree: usize, values: bool, f: Visit<'_>) -> Result<()> {
                if tree != 1 {
                    return Ok(());
                }
                let key = |i: usize| format!("{i:0200}").into_bytes();
                for i in 0..self.n {
                    if values && i > 0 {
                        assert!(self.tree.contains_key(key(i - 1)).unwrap(), "record {} is held, not written", i - 1);
                    }
                    if !values && i == self.n - 1 {
                        let tmp = self.dir.join(format!(".{FILE}.tmp"));
                        let len = fs::metadata(&tmp).map(|m| m.len()).unwrap_or(0) as usize;
                        // All but the write buffer and the chunk being filled.
                        let held = (1 << 20) + STEP * 220;
                        assert!(len + held >= i * 200, "the journal is held in memory ({len} bytes on disk)");
                    }
                    f(&key(i), values.then_some(b"record".as_slice()), true)?;
                }
                Ok(())
            }
        }
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let s = Store::open(&dir).unwrap();
        let t = s.trees().record_trees();
        // 16,000 keys of 200 bytes: a journal of about 3.4 MB.
        let source = Counting { tree: t[1], dir: &dir, n: 4 * STEP };
        write_journal(&dir, s.meta().seq, &t, &source).unwrap();
        write_records(&dir, &t, &source).unwrap();
        assert!(t[1].contains_key(key(4 * STEP - 1)).unwrap());
    }
}
