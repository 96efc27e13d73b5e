//! Backups: one file holding a consistent snapshot of the whole book, and
//! the daily automatic copy kept in the data folder's `backups/`.
//!
//! The file (documented in docs/import-export.md):
//!
//! ```text
//! dun-backup 1\n
//! schema 1 clients C invoices I payments P adjustments A notes N bytes B crc32 XXXXXXXX\n
//! body: B bytes of records, each [kind: u8][length: u32 LE][record envelope]
//! ```
//!
//! Each record is the store's own envelope (`store::codec`: version byte,
//! checksum, bincode), so a damaged record is caught on its own, and the
//! CRC-32 over the whole body catches anything else, including a lost or
//! extra record. Records come in a fixed order (clients by id, invoices by
//! number, the rest by id), so the same book always gives the same body:
//! restore re-reads the restored store and checks it gives this checksum.
//!
//! The snapshot is taken from a [`Store`], which holds the data folder's
//! lock for as long as it is open: no other process can be halfway through
//! a write while the backup is read.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::export::sorted;
use crate::domain::{Adjustment, Book, Client, Invoice, Note, Payment};
use crate::store::paths::{describe_io, ensure_private_dir, write_atomic};
use crate::store::{codec, schema, Batch, Counts, Store};

pub const MAGIC: &str = "dun-backup 1";
/// The subfolder of the data folder that holds the daily backups.
pub const DAILY_DIR: &str = "backups";

const CLIENT: u8 = b'C';
const INVOICE: u8 = b'I';
const PAYMENT: u8 = b'P';
const ADJUSTMENT: u8 = b'A';
const NOTE: u8 = b'N';

/// What a backup file says about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    pub schema: u32,
    pub counts: Counts,
    pub bytes: u64,
    pub crc32: u32,
}

fn header(info: &BackupInfo) -> String {
    let c = &info.counts;
    format!(
        "{MAGIC}\nschema {} clients {} invoices {} payments {} adjustments {} notes {} bytes {} crc32 {:08x}\n",
        info.schema, c.clients, c.invoices, c.payments, c.adjustments, c.notes, info.bytes, info.crc32
    )
}

/// The backup file for a book: pure, and the same book always gives the
/// same bytes.
pub fn snapshot(book: &Book) -> Result<(BackupInfo, Vec<u8>), String> {
    let s = sorted(book);
    let mut body = Vec::with_capacity(256 * (book.invoices().len() + book.payments().len() + 16));
    let mut put = |kind: u8, env: Result<Vec<u8>, codec::CodecError>| -> Result<(), String> {
        let env = env.map_err(|e| e.to_string())?;
        body.push(kind);
        body.extend_from_slice(&(env.len() as u32).to_le_bytes());
        body.extend_from_slice(&env);
        Ok(())
    };
    for c in &s.clients {
        put(CLIENT, codec::encode(*c))?;
    }
    for i in &s.invoices {
        put(INVOICE, codec::encode(*i))?;
    }
    for p in &s.payments {
        put(PAYMENT, codec::encode(*p))?;
    }
    for a in &s.adjustments {
        put(ADJUSTMENT, codec::encode(*a))?;
    }
    for n in &s.notes {
        put(NOTE, codec::encode(*n))?;
    }
    let info = BackupInfo {
        schema: schema::SCHEMA_VERSION,
        counts: super::export::counts(book),
        bytes: body.len() as u64,
        crc32: crc32fast::hash(&body),
    };
    let mut out = header(&info).into_bytes();
    out.extend_from_slice(&body);
    Ok((info, out))
}

/// Reads a backup file's bytes back into records, checking the header, the
/// checksum, every record envelope and the counts. Says what is wrong.
pub fn parse(bytes: &[u8]) -> Result<(BackupInfo, Batch), String> {
    let line_end = |from: usize| bytes[from..].iter().position(|&b| b == b'\n').map(|p| from + p);
    let first = line_end(0).filter(|&e| e <= 64).ok_or("it is not a dun backup (no header)")?;
    if &bytes[..first] != MAGIC.as_bytes() {
        if bytes.starts_with(b"dun-backup ") {
            return Err(format!(
                "it is a dun backup in a format this dun does not know ('{}')",
                String::from_utf8_lossy(&bytes[..first])
            ));
        }
        return Err("it is not a dun backup (the first line should be 'dun-backup 1')".into());
    }
    let second = line_end(first + 1).filter(|&e| e - first <= 512).ok_or("its header is damaged")?;
    let head = std::str::from_utf8(&bytes[first + 1..second]).map_err(|_| "its header is damaged")?;
    let words: Vec<&str> = head.split(' ').collect();
    let field = |name: &str| -> Result<&str, String> {
        words
            .chunks(2)
            .find(|kv| kv[0] == name && kv.len() == 2)
            .map(|kv| kv[1])
            .ok_or_else(|| format!("its header is damaged (no {name})"))
    };
    let num = |name: &str| -> Result<u64, String> {
        field(name)?.parse::<u64>().map_err(|_| format!("its header is damaged ({name} is not a number)"))
    };
    let info = BackupInfo {
        schema: num("schema")? as u32,
        counts: Counts {
            clients: num("clients")?,
            invoices: num("invoices")?,
            payments: num("payments")?,
            adjustments: num("adjustments")?,
            notes: num("notes")?,
        },
        bytes: num("bytes")?,
        crc32: u32::from_str_radix(field("crc32")?, 16).map_err(|_| "its header is damaged (crc32)".to_string())?,
    };
    if info.schema > schema::SCHEMA_VERSION {
        return Err(format!(
            "it was written by a newer dun (schema version {}); this dun understands up to version {}",
            info.schema,
            schema::SCHEMA_VERSION
        ));
    }
    // A schema-1 backup holds clients without an address: read as their
    // old shape below. Anything older is refused rather than guessed at.
    if info.schema != schema::SCHEMA_VERSION && info.schema != 1 {
        return Err(format!(
            "it holds schema version {}, and this dun restores versions 1 to {}",
            info.schema,
            schema::SCHEMA_VERSION
        ));
    }
    let body = &bytes[second + 1..];
    if body.len() as u64 != info.bytes {
        return Err(format!(
            "it is damaged: the header promises {} bytes of records but the file holds {} (truncated or appended to?)",
            info.bytes,
            body.len()
        ));
    }
    let crc = crc32fast::hash(body);
    if crc != info.crc32 {
        return Err(format!(
            "it is damaged: its checksum does not match (recorded {:08x}, computed {crc:08x})",
            info.crc32
        ));
    }
    let mut batch = Batch::default();
    let mut at = 0usize;
    let mut n = 0u64;
    while at < body.len() {
        if body.len() - at < 5 {
            return Err(format!("it is damaged: record {} is cut short", n + 1));
        }
        let kind = body[at];
        let len = u32::from_le_bytes([body[at + 1], body[at + 2], body[at + 3], body[at + 4]]) as usize;
        at += 5;
        let env = body.get(at..at + len).ok_or_else(|| format!("it is damaged: record {} is cut short", n + 1))?;
        at += len;
        n += 1;
        let bad = |e: codec::CodecError| format!("it is damaged: record {n}: {e}");
        match kind {
            CLIENT if info.schema == 1 => {
                batch.clients.push(codec::decode::<crate::domain::client::ClientV1>(env).map_err(bad)?.into())
            }
            CLIENT => batch.clients.push(codec::decode::<Client>(env).map_err(bad)?),
            INVOICE => batch.invoices.push(codec::decode::<Invoice>(env).map_err(bad)?),
            PAYMENT => batch.payments.push(codec::decode::<Payment>(env).map_err(bad)?),
            ADJUSTMENT => batch.adjustments.push(codec::decode::<Adjustment>(env).map_err(bad)?),
            NOTE => batch.notes.push(codec::decode::<Note>(env).map_err(bad)?),
            k => return Err(format!("it is damaged: record {n} has an unknown kind {k}")),
        }
    }
    let found = batch.counts();
    if found != info.counts {
        return Err(format!("it is damaged: the header counts {:?} but it holds {found:?}", info.counts));
    }
    Ok((info, batch))
}

/// Writes a backup of the store to `path` (private, replaced atomically).
pub fn write(store: &mut Store, path: &Path) -> Result<BackupInfo, String> {
    let book = store.book().map_err(|e| format!("cannot read the book to back it up: {e}"))?;
    let (info, bytes) = snapshot(book)?;
    write_file(path, &bytes)?;
    Ok(info)
}

/// Writes the bytes of a backup to `path` (private, replaced atomically):
/// a backup made here, or one a team server made and sent.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    // Only the file the user named is made: a missing folder is most often
    // a typo, and creating a tree of folders (as root, perhaps) is not ours to do.
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(format!(
                "the folder {} does not exist; dun backup writes only the file you name (create the folder first)",
                parent.display()
            ));
        }
    }
    write_atomic(path, bytes).map_err(|e| format!("cannot write the backup: {}", describe_io(path, &e)))
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub info: BackupInfo,
}

/// Restores the backup in `file` into `dir`, which must be missing or
/// empty, then checks the result: `Store::verify`, the counts, and that the
/// restored store snapshots to the same checksum. On any failure the
/// half-made folder is emptied again.
pub fn restore(file: &Path, dir: &Path) -> Result<Restored, String> {
    let bytes = fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let (info, batch) = parse(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty; restore goes into a new or empty folder only, so no book is ever overwritten",
                dir.display()
            ));
        }
    }
    // The restored store is backed up again and must give the same checksum;
    // records of an older schema come back in today's shape, so for those
    // the expected checksum is that of the converted records.
    let expected = if info.schema == schema::SCHEMA_VERSION {
        info.crc32
    } else {
        let b = &batch;
        let book = Book::new(
            b.clients.clone(),
            b.invoices.clone(),
            b.payments.clone(),
            b.adjustments.clone(),
            b.notes.clone(),
        );
        snapshot(&book)?.0.crc32
    };
    let result = restore_into(dir, batch, &info, expected);
    if result.is_err() {
        // The folder was empty before: everything in it is ours.
        if let Ok(entries) = fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                let _ = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
            }
        }
    }
    result.map(|()| Restored { info })
}

fn restore_into(dir: &Path, batch: Batch, info: &BackupInfo, expected_crc: u32) -> Result<(), String> {
    {
        let mut store = Store::open(dir).map_err(|e| e.to_string())?;
        store.apply(batch).map_err(|e| format!("cannot write the restored book: {e}"))?;
    }
    // Re-open, so what is checked is what reached the disk.
    let mut store = Store::open(dir).map_err(|e| e.to_string())?;
    let report = store.verify();
    if !report.is_ok() {
        return Err(format!("the restored store does not verify: {}", report.problems.join("; ")));
    }
    if report.counts != info.counts {
        return Err(format!("the restored store holds {:?}, the backup {:?}", report.counts, info.counts));
    }
    let book = store.book().map_err(|e| e.to_string())?;
    let (again, _) = snapshot(book)?;
    if again.crc32 != expected_crc {
        return Err(format!(
            "the restored store does not give back the backup's checksum ({:08x} against {:08x})",
            again.crc32, expected_crc
        ));
    }
    Ok(())
}

fn daily_name(day: NaiveDate) -> String {
    format!("dun-{day}.backup")
}

fn daily_day(name: &str) -> Option<NaiveDate> {
    name.strip_prefix("dun-")?.strip_suffix(".backup")?.parse().ok()
}

/// The daily automatic backup, called by the shells after opening the
/// store: on the first open of `today` it writes `backups/dun-today.backup`
/// in the data folder and keeps the newest `keep_days` such files (by
/// count, not age, so a long holiday does not delete them all). `today`
/// must be the real date: the shells skip this on `--today` runs. Returns the
/// file written, or None when there was nothing to do (already done today,
/// turned off with `keep_days = 0`, or an empty book).
pub fn daily(store: &mut Store, today: NaiveDate, keep_days: u32) -> Result<Option<PathBuf>, String> {
    if keep_days == 0 || store.counts() == Counts::default() || daily_done(store.dir(), today) {
        return Ok(None);
    }
    let dir = store.dir().to_path_buf();
    let book = store.book().map_err(|e| format!("cannot read the book to back it up: {e}"))?;
    daily_from_book(book, &dir, today, keep_days)
}

/// Whether today's daily backup is already in `data_dir`.
pub fn daily_done(data_dir: &Path, today: NaiveDate) -> bool {
    data_dir.join(DAILY_DIR).join(daily_name(today)).exists()
}

/// [`daily`] from a book already in memory (the interface's, on a thread of
/// its own, so the first screen does not wait for the backup). The book
/// must be the store's as read from disk: everything in it was flushed.
pub fn daily_from_book(
    book: &Book,
    data_dir: &Path,
    today: NaiveDate,
    keep_days: u32,
) -> Result<Option<PathBuf>, String> {
    if keep_days == 0 || daily_done(data_dir, today) || (book.clients().is_empty() && book.invoices().is_empty()) {
        return Ok(None);
    }
    let dir = data_dir.join(DAILY_DIR);
    let path = dir.join(daily_name(today));
    ensure_private_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let (_, bytes) = snapshot(book)?;
    write_atomic(&path, &bytes).map_err(|e| describe_io(&path, &e))?;
    // Files named after a later day were left by planning runs of an older
    // dun; they are not counted, so they can never push a real one out.
    let mut days: Vec<NaiveDate> = fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(daily_day))
        .filter(|d| *d <= today)
        .collect();
    days.sort_unstable();
    let excess = days.len().saturating_sub(keep_days as usize);
    for day in &days[..excess] {
        let _ = fs::remove_file(dir.join(daily_name(*day)));
    }
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_names_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(daily_day(&daily_name(d)), Some(d));
        assert_eq!(daily_day("dun-2026-02-30.backup"), None);
        assert_eq!(daily_day("notes.txt"), None);
    }

    #[test]
    fn every_damaged_byte_and_every_truncation_is_refused_without_panicking() {
        use crate::domain::{Client, Currency, Invoice, Money};
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let book = Book::new(
            vec![Client::new("C1", "Acme", Currency::USD)],
            vec![Invoice::new("I1", "C1", d, d, Money::new(rust_decimal::Decimal::new(12345, 2), Currency::USD))],
            vec![],
            vec![],
            vec![],
        );
        let (_, good) = snapshot(&book).unwrap();
        assert!(parse(&good).is_ok());
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            assert!(parse(&bad).is_err(), "a flipped bit at byte {i} went unnoticed");
            assert!(parse(&good[..i]).is_err(), "a file cut at byte {i} went unnoticed");
        }
    }

    #[test]
    fn an_empty_book_snapshots_and_parses() {
        let (info, bytes) = snapshot(&Book::default()).unwrap();
        assert_eq!(info.bytes, 0);
        assert!(bytes.starts_with(b"dun-backup 1\nschema "));
        let (again, batch) = parse(&bytes).unwrap();
        assert_eq!(again, info);
        assert!(batch.is_empty());
        assert!(parse(b"hello\n").unwrap_err().contains("not a dun backup"));
        assert!(parse(b"").unwrap_err().contains("not a dun backup"));
        assert!(parse(b"dun-backup 2\n").unwrap_err().contains("does not know"));
    }
}
