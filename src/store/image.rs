//! The published read image: what readers need, in one file beside the
//! store, so read-only commands and the interface's start-up never open
//! sled or take the write lock.
//!
//! Whoever commits a write (the store, holding the lock) publishes the image
//! after the flush and the manifest: temp file, fsync, rename, fsync of the
//! folder, so a reader sees the previous image or the new one, never half.
//! The image is stamped with the store's sequence; a reader uses it only when
//! that equals the manifest's, and otherwise (missing, stale after a crash
//! between manifest and image, damaged) falls back to the store.
//!
//! Layout (all integers little-endian):
//! ```text
//! 0   magic "DUNIMAGE"
//! 8   image format (u32, 3)     12  schema version (u32)
//! 16  store sequence (u64)      24  closed_through (i32 days from CE, or i32::MIN)
//! 28  facts_through (i32 days from CE, or i32::MIN)
//! 32  section count N (u32)
//! 36  N × { kind u32, records u64, offset u64, length u64 }
//! ..  crc32 of every byte above
//! then the sections, each a run of chunks: { length u32, codec envelope }
//! ```
//! Older formats (1: no facts; 2: open invoices in number order) are
//! refused as [`ImageError::Format`]: the reader falls back to the store,
//! which publishes a current image.
//! A chunk is a codec envelope (version byte, crc32, bincode payload) of up
//! to [`CHUNK`] records, so every byte is checksummed, a chunk stays under the
//! codec's record limit, and chunks decode on several threads.
//!
//! Open items and closed history are separate sections. The open invoices
//! are stored client by client (clients in key order, each one's by
//! number), the order the day's list and the interface walk them; every
//! other section is in key order, and a reader of the whole book sorts the
//! open invoices back into number order before merging. An invoice is
//! closed when everything applied to it, at any date, leaves nothing owed;
//! its adjustments go with it, and so do payments whose every allocation is
//! to a closed invoice, with nothing left as credit, dated before the
//! client's first promise (a promise counts payments made after it).
//! `closed_through` is the latest date of anything closed: as of that day or
//! later, closed history changes no balance, so aging and the day's list
//! decode only the open sections (on the generated book, a third of it).
//!
//! Two more sections hold facts the writer works out (`facts.rs`): each
//! open invoice's client, currency, dates and final balance, and each
//! payment's credit left. Aging as of `facts_through` or later (the latest
//! payment or adjustment of the open part) reads those, the clients and the
//! notes, and decodes no invoice or payment at all.
//!
//! A write of notes and existing clients only, with no promise that
//! becomes its client's first (see `Store::apply`), copies every other
//! section from the image it replaces, each chunk's checksum
//! checked on the way, instead of splitting and encoding the whole book
//! again: the bytes are the same as a full encode's.
//!
//! The file is read through a memory map: sections are checked and decoded
//! straight from the page cache, with no buffer to allocate and zero first
//! (that zeroing was a quarter of `aging` on a 1M book). Writers never
//! change an image in place (they rename a new one over it), so the mapped
//! file does not change under a reader.
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::codec::{self, CodecError};
use super::facts::{self, CreditFact, InvoiceFact};
use super::manifest::Manifest;
use super::paths::write_atomic_with;
use crate::domain::{Adjustment, Book, Client, Invoice, Note, Payment};

pub const FILE: &str = "dun.image";
const MAGIC: &[u8; 8] = b"DUNIMAGE";
pub const IMAGE_FORMAT: u32 = 3;
/// Records per chunk: small enough that a chunk stays far below the codec's
/// 16 MB record limit, large enough that the per-chunk cost is noise.
const CHUNK: usize = 2048;
/// A chunk whose encoding passes this is split in two before it is written.
const CHUNK_BYTES: usize = 4 * 1024 * 1024;
const FIXED: usize = 36;
const ENTRY: usize = 28;
/// More sections than this in a header means the header is damaged.
const MAX_SECTIONS: usize = 64;

/// What a section holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
enum Kind {
    Clients = 1,
    OpenInvoices = 2,
    OpenPayments = 3,
    OpenAdjustments = 4,
    Notes = 5,
    ClosedInvoices = 6,
    ClosedPayments = 7,
    ClosedAdjustments = 8,
    InvoiceFacts = 9,
    CreditFacts = 10,
}

/// How much of the book a reader needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Everything (listings, exports, key figures, history).
    All,
    /// Balances, aging and the day's list as of a date: open items, every
    /// client and note, and the payments that can still matter.
    OpenAsOf(NaiveDate),
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("no read image")]
    Missing,
    #[error("cannot read the read image {path}: {err}")]
    Io { path: PathBuf, err: std::io::Error },
    #[error("the read image is damaged: {0}")]
    Damaged(String),
    #[error("the read image has format {0}, which this dun does not read")]
    Format(u32),
    /// Written for another store schema (before a migration): rebuilt from
    /// the store, never read.
    #[error("the read image is of store schema {0}, this dun's is {schema}", schema = super::schema::SCHEMA_VERSION)]
    Schema(u32),
    #[error("the read image is of write {image}, the store is at write {store}")]
    Stale { image: u64, store: u64 },
    #[error("cannot read the manifest: {0}")]
    Manifest(String),
}

impl From<CodecError> for ImageError {
    fn from(e: CodecError) -> Self {
        ImageError::Damaged(e.to_string())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Section {
    kind: u32,
    records: u64,
    offset: u64,
    len: u64,
}

/// An image file checked down to its header: sections are read and
/// verified only when asked for.
#[derive(Debug)]
pub struct Image {
    map: memmap2::Mmap,
    pub seq: u64,
    pub schema: u32,
    closed_through: Option<NaiveDate>,
    facts_through: Option<NaiveDate>,
    sections: Vec<Section>,
}

fn days(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date_at(b: &[u8], at: usize) -> Option<NaiveDate> {
    let d = u32_at(b, at) as i32;
    if d == i32::MIN {
        None
    } else {
        NaiveDate::from_num_days_from_ce_opt(d)
    }
}

impl Image {
    /// Opens the image in `dir` and checks its header; the sections are not
    /// read yet.
    pub fn open(dir: &Path) -> Result<Image, ImageError> {
        let path = dir.join(FILE);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ImageError::Missing),
            Err(err) => return Err(ImageError::Io { path, err }),
        };
        let io = |err| ImageError::Io { path: path.clone(), err };
        let size = file.metadata().map_err(io)?.len();
        if size < FIXED as u64 {
            return Err(ImageError::Damaged("shorter than its header".into()));
        }
        // SAFETY: the map is only read, and dun never writes an image in
        // place (a new one is renamed over it, so this map keeps the old
        // file). That is the only guarantee: a file cut short before it is
        // mapped is caught below (every section must lie inside the mapped
        // size), but another program truncating the file after this makes
        // a read of the lost pages fault (SIGBUS).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        if map.len() as u64 != size {
            return Err(ImageError::Damaged("changed while being opened".into()));
        }
        let fixed = &map[..FIXED];
        if &fixed[..8] != MAGIC {
            return Err(ImageError::Damaged("not a dun read image".into()));
        }
        let format = u32_at(fixed, 8);
        if format != IMAGE_FORMAT {
            return Err(ImageError::Format(format));
        }
        let n = u32_at(fixed, 32) as usize;
        if n > MAX_SECTIONS {
            return Err(ImageError::Damaged(format!("header claims {n} sections")));
        }
        let Some(header) = map.get(..FIXED + n * ENTRY + 4) else {
            return Err(ImageError::Damaged("shorter than its section table".into()));
        };
        let body = header.len() - 4;
        if crc32fast::hash(&header[..body]) != u32_at(header, body) {
            return Err(ImageError::Damaged("header checksum does not match".into()));
        }
        let sections: Vec<Section> = (0..n)
            .map(|i| {
                let at = FIXED + i * ENTRY;
                Section {
                    kind: u32_at(header, at),
                    records: u64_at(header, at + 4),
                    offset: u64_at(header, at + 12),
                    len: u64_at(header, at + 20),
                }
            })
            .collect();
        if sections.iter().any(|s| s.offset.checked_add(s.len).is_none_or(|end| end > size)) {
            return Err(ImageError::Damaged("a section runs past the end of the file (torn write?)".into()));
        }
        Ok(Image {
            seq: u64_at(fixed, 16),
            schema: u32_at(fixed, 12),
            closed_through: date_at(fixed, 24),
            facts_through: date_at(fixed, 28),
            sections,
            map,
        })
    }

    /// Opens the image and checks that it is of the store's latest write
    /// (the manifest's sequence) and of this dun's schema.
    pub fn open_current(dir: &Path) -> Result<Image, ImageError> {
        let image = Image::open(dir)?;
        let store = Manifest::read(dir).map_err(ImageError::Manifest)?.map(|m| m.seq).unwrap_or(0);
        if image.seq != store {
            return Err(ImageError::Stale { image: image.seq, store });
        }
        if image.schema != super::schema::SCHEMA_VERSION {
            return Err(ImageError::Schema(image.schema));
        }
        Ok(image)
    }

    /// Whether the book holds no clients and no invoices.
    pub fn is_empty(&self) -> bool {
        let kinds = [Kind::Clients, Kind::OpenInvoices, Kind::ClosedInvoices].map(|k| k as u32);
        self.sections.iter().filter(|s| kinds.contains(&s.kind)).all(|s| s.records == 0)
    }

    /// How many records the closed sections hold.
    pub fn closed_records(&self) -> u64 {
        let kinds = [Kind::ClosedInvoices, Kind::ClosedPayments, Kind::ClosedAdjustments].map(|k| k as u32);
        self.sections.iter().filter(|s| kinds.contains(&s.kind)).map(|s| s.records).sum()
    }

    /// The latest date of anything in the closed sections.
    pub fn closed_through(&self) -> Option<NaiveDate> {
        self.closed_through
    }

    /// Whether `need` can be met from the open sections alone.
    pub fn open_suffices(&self, need: Need) -> bool {
        match need {
            Need::All => false,
            Need::OpenAsOf(d) => self.closed_through.is_none_or(|c| d >= c),
        }
    }

    /// The book, or as much of it as `need` asks for, every chunk checked.
    pub fn book(&self, need: Need) -> Result<Book, ImageError> {
        let open_only = self.open_suffices(need);
        std::thread::scope(|sc| {
            // Invoices are most of the bytes: they decode beside the rest.
            let invoices = sc.spawn(|| -> Result<Vec<Invoice>, ImageError> {
                let mut open = self.section::<Invoice>(Kind::OpenInvoices)?;
                if open_only {
                    return Ok(open);
                }
                open.sort_unstable_by(|a, b| a.number.cmp(&b.number));
                let closed = self.section::<Invoice>(Kind::ClosedInvoices)?;
                Ok(merge_by(open, closed, |a, b| a.number < b.number))
            });
            let clients = self.section::<Client>(Kind::Clients)?;
            let notes = self.section::<Note>(Kind::Notes)?;
            let mut payments = self.section::<Payment>(Kind::OpenPayments)?;
            let mut adjustments = self.section::<Adjustment>(Kind::OpenAdjustments)?;
            if !open_only {
                payments = merge_by(payments, self.section(Kind::ClosedPayments)?, |a, b| a.id < b.id);
                adjustments = merge_by(adjustments, self.section(Kind::ClosedAdjustments)?, |a, b| a.id < b.id);
            }
            let invoices = invoices.join().map_err(|_| ImageError::Damaged("the invoice decoder failed".into()))??;
            Ok(Book::new(clients, invoices, payments, adjustments, notes))
        })
    }

    /// Aging as of `as_of` from the facts (see `facts.rs`): clients, notes
    /// and the facts are decoded, no invoice or payment. None when the
    /// facts do not hold for that day (closed history or a payment after
    /// it), or the image has none: read the book then.
    pub fn aging(
        &self,
        as_of: NaiveDate,
        opts: &crate::receivables::aging::AgingOptions,
    ) -> Result<Option<crate::receivables::aging::AgingReport>, ImageError> {
        let holds = self.facts_through.is_some_and(|t| as_of >= t);
        if !holds || !self.open_suffices(Need::OpenAsOf(as_of)) {
            return Ok(None);
        }
        let (invoices, rest) = std::thread::scope(|sc| {
            let invoices = sc.spawn(|| self.section::<InvoiceFact>(Kind::InvoiceFacts));
            let rest = (|| {
                Ok::<_, ImageError>((
                    self.section::<Client>(Kind::Clients)?,
                    self.section::<Note>(Kind::Notes)?,
                    self.section::<CreditFact>(Kind::CreditFacts)?,
                ))
            })();
            (invoices.join().unwrap_or_else(|_| Err(ImageError::Damaged("the fact decoder failed".into()))), rest)
        });
        let (clients, notes, credit) = rest?;
        let book = Book::new(clients, vec![], vec![], vec![], notes);
        match facts::aging(&book, &invoices?, &credit, as_of, opts) {
            Some(r) => Ok(Some(r)),
            None => Err(ImageError::Damaged("a fact names a client the image does not hold".into())),
        }
    }

    fn has(&self, kind: Kind) -> bool {
        self.sections.iter().any(|s| s.kind == kind as u32)
    }

    /// The chunks (codec envelopes, not yet checked) of section `s`, of
    /// `kind`: each is its length (u32) and then its bytes.
    fn chunks(&self, s: &Section, kind: Kind) -> Result<Vec<&[u8]>, ImageError> {
        let bytes = &self.map[s.offset as usize..(s.offset + s.len) as usize];
        let mut chunks = Vec::new();
        let mut at = 0usize;
        while at < bytes.len() {
            let len = bytes.get(at..at + 4).map(|b| u32_at(b, 0) as usize);
            let end = len.and_then(|l| (at + 4).checked_add(l)).filter(|&e| e <= bytes.len());
            let Some(end) = end else {
                return Err(ImageError::Damaged(format!("section {kind:?} has a truncated chunk")));
            };
            chunks.push(&bytes[at + 4..end]);
            at = end;
        }
        Ok(chunks)
    }

    /// Records in a section: its chunks read in one go and decoded on as
    /// many threads as it is worth.
    fn section<T: DeserializeOwned + Send>(&self, kind: Kind) -> Result<Vec<T>, ImageError> {
        let Some(s) = self.sections.iter().find(|s| s.kind == kind as u32) else {
            return Err(ImageError::Damaged(format!("section {kind:?} is missing")));
        };
        let chunks = self.chunks(s, kind)?;
        // Each chunk says how many records it holds, so each thread decodes
        // its run of chunks straight into its own part of one vector: no
        // second vector per thread to be copied into the first (on a large
        // book that copy was tens of megabytes of fresh pages).
        let counts = chunks.iter().map(|c| codec::vec_len(c)).collect::<Result<Vec<usize>, _>>()?;
        let total = counts.iter().try_fold(0usize, |t, &n| t.checked_add(n));
        // Each record takes at least one byte, so the header's count (which
        // is checksummed) bounds what is allocated.
        if s.records > s.len || total.is_none_or(|t| t as u64 != s.records) {
            return Err(ImageError::Damaged(format!(
                "section {kind:?} holds {total:?} records by its chunks, its header says {}",
                s.records
            )));
        }
        let total = s.records as usize;
        let threads =
            if chunks.len() < 8 { 1 } else { std::thread::available_parallelism().map_or(1, |n| n.get()).min(4) };
        let mut out: Vec<T> = Vec::with_capacity(total);
        // Runs of whole chunks, about the same number of records each.
        let mut jobs = Vec::with_capacity(threads);
        let mut slots = &mut out.spare_capacity_mut()[..total];
        let (mut from, mut done) = (0usize, 0usize);
        for t in 1..=threads {
            let goal = total * t / threads;
            let mut to = from;
            let mut n = 0usize;
            while to < chunks.len() && (done + n < goal || t == threads) {
                n += counts[to];
                to += 1;
            }
            let (mine, rest) = std::mem::take(&mut slots).split_at_mut(n);
            slots = rest;
            jobs.push((&chunks[from..to], &counts[from..to], mine));
            (from, done) = (to, done + n);
        }
        let runs: Vec<usize> = jobs.iter().map(|j| j.2.len()).collect();
        // On an error a run drops what it decoded (each chunk drops its own
        // records, the run those of its earlier chunks): a damaged image
        // on the way to reading the store instead leaks nothing.
        let fill = |(chunks, counts, slots): (&[&[u8]], &[usize], &mut [std::mem::MaybeUninit<T>])| {
            let mut written = 0usize;
            for (c, &n) in chunks.iter().zip(counts) {
                if let Err(e) = codec::decode_vec_into_slots(c, &mut slots[written..written + n]) {
                    for slot in &mut slots[..written] {
                        // SAFETY: the earlier chunks of this run came back
                        // Ok, so they wrote these slots; dropped once here.
                        unsafe { slot.assume_init_drop() };
                    }
                    return Err(e);
                }
                written += n;
            }
            Ok::<(), CodecError>(())
        };
        let mut jobs = jobs.into_iter();
        let first = jobs.next();
        let mut results: Vec<Result<(), CodecError>> = std::thread::scope(|sc| {
            let handles: Vec<_> = jobs.map(|job| sc.spawn(move || fill(job))).collect();
            let mut results: Vec<_> = first.into_iter().map(fill).collect();
            results.extend(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err(CodecError::Decode("decoder thread failed".into())))),
            );
            results
        });
        if let Some(bad) = results.iter().position(|r| r.is_err()) {
            let slots = out.spare_capacity_mut();
            let mut from = 0usize;
            for (r, &n) in results.iter().zip(&runs) {
                if r.is_ok() {
                    for slot in &mut slots[from..from + n] {
                        // SAFETY: this run came back Ok, so it wrote all of
                        // its slots; `out` never owned them, so this is the
                        // one drop.
                        unsafe { slot.assume_init_drop() };
                    }
                }
                from += n;
            }
            return Err(results.swap_remove(bad).unwrap_err().into());
        }
        // SAFETY: the runs cover slots 0..total once each (split_at_mut), and
        // every run came back Ok, which `decode_vec_into_slots` returns only
        // after writing every slot it was given.
        unsafe { out.set_len(total) };
        Ok(out)
    }
}

/// Merges two lists sorted by `less` into one sorted list.
fn merge_by<T>(a: Vec<T>, b: Vec<T>, less: impl Fn(&T, &T) -> bool) -> Vec<T> {
    if b.is_empty() {
        return a;
    }
    if a.is_empty() {
        return b;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => {
                if less(y, x) {
                    out.extend(b.next());
                } else {
                    out.extend(a.next());
                }
            }
            (Some(_), None) => {
                out.extend(a);
                break;
            }
            (None, _) => {
                out.extend(b);
                break;
            }
        }
    }
    out
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"))
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"))
}

/// Indices of `items` in key order (the order the store keeps them in),
/// without sorting when they already are, as they are when loaded.
fn key_order<T, K: Ord + ?Sized>(items: &[T], key: impl Fn(&T) -> &K) -> Vec<u32> {
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    if !items.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
        order.sort_by(|&a, &b| key(&items[a as usize]).cmp(key(&items[b as usize])));
    }
    order
}

/// The open invoices client by client: clients in key order (`clients`),
/// each one's invoices by number, then those of clients the book does not
/// hold, by number (`numbers`: every invoice in number order). The day's
/// list and the interface walk the open invoices client by client: in this
/// order the walk reads one stretch of memory after another instead of
/// jumping across the whole vector for every client.
fn open_by_client(book: &Book, clients: &[u32], numbers: &[u32], closed: &[bool]) -> Option<Vec<u32>> {
    let mut rank = vec![0u32; numbers.len()];
    for (r, &i) in numbers.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    let open = closed.iter().filter(|c| !**c).count();
    let mut out = Vec::with_capacity(open);
    let mut mine = Vec::new();
    for &c in clients {
        mine.clear();
        let id = &book.clients()[c as usize].id;
        mine.extend(book.client_invoices(id).filter_map(|inv| book.position_of(inv)).filter(|&i| !closed[i]));
        mine.sort_unstable_by_key(|&i| rank[i]);
        out.extend(mine.iter().map(|&i| i as u32));
    }
    out.extend(
        numbers
            .iter()
            .filter(|&&i| !closed[i as usize] && book.client_index(&book.invoices()[i as usize].client_id).is_none()),
    );
    let mut seen = vec![false; closed.len()];
    let once = out.iter().all(|&i| !std::mem::replace(&mut seen[i as usize], true));
    (once && out.len() == open).then_some(out)
}

/// Which records are closed history (see the module comment).
struct Split {
    invoice_closed: Vec<bool>,
    payment_closed: Vec<bool>,
    adjustment_closed: Vec<bool>,
    closed_through: Option<NaiveDate>,
}

fn split(book: &Book) -> Split {
    let mut closed_through: Option<NaiveDate> = None;
    let note_date = |d: NaiveDate, ct: &mut Option<NaiveDate>| *ct = (*ct).max(Some(d));
    let invoices = book.invoices();
    let mut invoice_closed = vec![false; invoices.len()];
    let mut closed_numbers: rustc_hash::FxHashSet<&str> = Default::default();
    for (i, inv) in invoices.iter().enumerate() {
        // Everything applied to it, at any date, leaves nothing owed (an
        // overflow counts as open).
        if facts::final_balance(book, i) == Some(Decimal::ZERO) {
            invoice_closed[i] = true;
            closed_numbers.insert(&inv.number);
            // Due dates do not matter: a settled invoice owes nothing once
            // it is issued and everything applied to it is dated.
            note_date(inv.issue_date, &mut closed_through);
        }
    }
    let mut first_promise: rustc_hash::FxHashMap<&str, NaiveDate> = Default::default();
    for n in book.notes() {
        if n.promise.is_some() {
            let e = first_promise.entry(&n.client_id).or_insert(n.date);
            *e = (*e).min(n.date);
        }
    }
    let payment_closed: Vec<bool> = book
        .payments()
        .iter()
        .map(|p| {
            let allocated = p.allocations.iter().try_fold(Decimal::ZERO, |s, a| s.checked_add(a.amount));
            let closed = !p.allocations.is_empty()
                && allocated == Some(p.amount)
                && p.allocations.iter().all(|a| closed_numbers.contains(a.invoice.as_str()))
                && first_promise.get(p.client_id.as_str()).is_none_or(|&d| p.date < d);
            if closed {
                note_date(p.date, &mut closed_through);
            }
            closed
        })
        .collect();
    let adjustment_closed: Vec<bool> = book
        .adjustments()
        .iter()
        .map(|a| {
            let closed = closed_numbers.contains(a.invoice.as_str());
            if closed {
                note_date(a.date, &mut closed_through);
            }
            closed
        })
        .collect();
    Split { invoice_closed, payment_closed, adjustment_closed, closed_through }
}

/// The image as it is written: to its file through a buffer, counted, so
/// sections are placed by offset without holding the image in memory.
struct Out<'w, W> {
    w: &'w mut W,
    len: u64,
}

impl<W: Write> Out<'_, W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.w.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }
}

/// Appends one section of the records of `items` at `order` whose flag in
/// `pick` is `want`.
fn put_section<T: Serialize, W: Write>(
    out: &mut Out<'_, W>,
    table: &mut Vec<Section>,
    kind: Kind,
    items: &[T],
    order: &[u32],
    pick: Option<(&[bool], bool)>,
) -> std::io::Result<()> {
    let offset = out.len;
    let chosen: Vec<&T> = order
        .iter()
        .filter(|&&i| pick.is_none_or(|(flags, want)| flags[i as usize] == want))
        .map(|&i| &items[i as usize])
        .collect();
    for chunk in chosen.chunks(CHUNK) {
        put_chunk(out, chunk)?;
    }
    table.push(Section { kind: kind as u32, records: chosen.len() as u64, offset, len: out.len - offset });
    Ok(())
}

fn put_chunk<T: Serialize, W: Write>(out: &mut Out<'_, W>, chunk: &[&T]) -> std::io::Result<()> {
    let env = codec::encode(&chunk).map_err(std::io::Error::other)?;
    if env.len() > CHUNK_BYTES && chunk.len() > 1 {
        let (a, b) = chunk.split_at(chunk.len() / 2);
        put_chunk(out, a)?;
        return put_chunk(out, b);
    }
    if env.len() > u32::MAX as usize {
        return Err(std::io::Error::other(CodecError::Encode("an image chunk is over 4 GB".into())));
    }
    out.put(&(env.len() as u32).to_le_bytes())?;
    out.put(&env)
}

/// The sections a write that leaves every invoice, payment and adjustment
/// alone also leaves alone, byte for byte (see [`encode_reusing`]).
const RECORD_KINDS: [Kind; 8] = [
    Kind::OpenInvoices,
    Kind::OpenPayments,
    Kind::OpenAdjustments,
    Kind::ClosedInvoices,
    Kind::ClosedPayments,
    Kind::ClosedAdjustments,
    Kind::InvoiceFacts,
    Kind::CreditFacts,
];

/// Writes the image of `book` at store sequence `seq` into `w`: the
/// sections as they are encoded, then the header at the start (`w` is a
/// fresh file or buffer). Nothing the size of the image is held.
pub fn encode<W: Write + Seek>(book: &Book, seq: u64, w: &mut W) -> std::io::Result<()> {
    encode_reusing(book, seq, None, w).map(|_| ())
}

/// [`encode`], with every section but the clients and the notes copied
/// from `prev` when given: the image of the book before a write that
/// changed only notes and existing clients, and no client's first
/// promise (which decides which payments are history). Those sections
/// are then the same bytes a full encode writes (the tests check it), and
/// a note logged on a million-invoice book does not split and encode the
/// million invoices again. The caller vouches for `prev` (see
/// `Store::apply`); one without every one of those sections, or holding
/// other counts of invoices, payments or adjustments than `book`, is not
/// used. Every copied chunk's checksum is checked on the way: a damaged
/// section is an error (the caller then encodes in full), never carried on.
pub(crate) fn encode_reusing<W: Write + Seek>(
    book: &Book,
    seq: u64,
    prev: Option<&Image>,
    w: &mut W,
) -> std::io::Result<bool> {
    let kinds = 10;
    let header_len = FIXED + kinds * ENTRY + 4;
    let records = |p: &Image, kinds: [Kind; 2]| -> u64 {
        p.sections.iter().filter(|s| kinds.iter().any(|&k| s.kind == k as u32)).map(|s| s.records).sum()
    };
    let prev = prev.filter(|p| {
        RECORD_KINDS.iter().all(|&k| p.has(k))
            && records(p, [Kind::OpenInvoices, Kind::ClosedInvoices]) == book.invoices().len() as u64
            && records(p, [Kind::OpenPayments, Kind::ClosedPayments]) == book.payments().len() as u64
            && records(p, [Kind::OpenAdjustments, Kind::ClosedAdjustments]) == book.adjustments().len() as u64
    });
    let mut out = Out { w, len: 0 };
    out.put(&vec![0u8; header_len])?;
    let mut table = Vec::with_capacity(kinds);
    let clients = key_order(book.clients(), |c| c.id.as_str());
    let (closed_through, facts_through) = match prev {
        Some(p) => {
            // In the order a full encode writes them.
            put_section(&mut out, &mut table, Kind::Clients, book.clients(), &clients, None)?;
            for k in [Kind::OpenInvoices, Kind::OpenPayments, Kind::OpenAdjustments] {
                copy_section(&mut out, &mut table, p, k)?;
            }
            let notes = key_order(book.notes(), |n| &n.id);
            put_section(&mut out, &mut table, Kind::Notes, book.notes(), &notes, None)?;
            for &k in &RECORD_KINDS[3..] {
                copy_section(&mut out, &mut table, p, k)?;
            }
            (p.closed_through, p.facts_through)
        }
        None => encode_sections(book, &clients, &mut out, &mut table)?,
    };
    let mut header = vec![0u8; header_len];
    let h = &mut header[..];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&IMAGE_FORMAT.to_le_bytes());
    h[12..16].copy_from_slice(&super::schema::SCHEMA_VERSION.to_le_bytes());
    h[16..24].copy_from_slice(&seq.to_le_bytes());
    h[24..28].copy_from_slice(&closed_through.map_or(i32::MIN, days).to_le_bytes());
    h[28..32].copy_from_slice(&facts_through.map_or(i32::MIN, days).to_le_bytes());
    h[32..36].copy_from_slice(&(table.len() as u32).to_le_bytes());
    for (i, s) in table.iter().enumerate() {
        let at = FIXED + i * ENTRY;
        h[at..at + 4].copy_from_slice(&s.kind.to_le_bytes());
        h[at + 4..at + 12].copy_from_slice(&s.records.to_le_bytes());
        h[at + 12..at + 20].copy_from_slice(&s.offset.to_le_bytes());
        h[at + 20..at + 28].copy_from_slice(&s.len.to_le_bytes());
    }
    let body = header_len - 4;
    let crc = crc32fast::hash(&h[..body]);
    h[body..].copy_from_slice(&crc.to_le_bytes());
    out.w.seek(SeekFrom::Start(0))?;
    out.w.write_all(&header)?;
    Ok(prev.is_some())
}

/// Appends `prev`'s section of `kind` as it is (only its place in the
/// file changes), each chunk's checksum checked first.
fn copy_section<W: Write>(
    out: &mut Out<'_, W>,
    table: &mut Vec<Section>,
    prev: &Image,
    kind: Kind,
) -> std::io::Result<()> {
    let Some(s) = prev.sections.iter().find(|s| s.kind == kind as u32) else {
        return Err(std::io::Error::other(format!("the previous read image has no section {kind:?}")));
    };
    let damaged = |e: String| std::io::Error::other(format!("the previous read image is damaged: {e}"));
    let chunks = prev.chunks(s, kind).map_err(|e| damaged(e.to_string()))?;
    for c in chunks {
        codec::check(c).map_err(|e| damaged(format!("section {kind:?}: {e}")))?;
    }
    let offset = out.len;
    out.put(&prev.map[s.offset as usize..(s.offset + s.len) as usize])?;
    table.push(Section { kind: s.kind, records: s.records, offset, len: s.len });
    Ok(())
}

/// Every section of `book`, worked out and encoded; gives the image's
/// `closed_through` and `facts_through`.
fn encode_sections<W: Write>(
    book: &Book,
    clients: &[u32],
    out: &mut Out<'_, W>,
    table: &mut Vec<Section>,
) -> std::io::Result<(Option<NaiveDate>, Option<NaiveDate>)> {
    let sp = split(book);
    let invoices = key_order(book.invoices(), |i| i.number.as_str());
    let payments = key_order(book.payments(), |p| &p.id);
    let adjustments = key_order(book.adjustments(), |a| &a.id);
    let notes = key_order(book.notes(), |n| &n.id);
    put_section(out, table, Kind::Clients, book.clients(), clients, None)?;
    // Number order if the book's lists by client do not hold every open
    // invoice exactly once (they always should).
    let by_client = open_by_client(book, clients, &invoices, &sp.invoice_closed)
        .unwrap_or_else(|| invoices.iter().copied().filter(|&i| !sp.invoice_closed[i as usize]).collect());
    put_section(out, table, Kind::OpenInvoices, book.invoices(), &by_client, None)?;
    put_section(out, table, Kind::OpenPayments, book.payments(), &payments, Some((&sp.payment_closed, false)))?;
    put_section(
        out,
        table,
        Kind::OpenAdjustments,
        book.adjustments(),
        &adjustments,
        Some((&sp.adjustment_closed, false)),
    )?;
    put_section(out, table, Kind::Notes, book.notes(), &notes, None)?;
    put_section(out, table, Kind::ClosedInvoices, book.invoices(), &invoices, Some((&sp.invoice_closed, true)))?;
    put_section(out, table, Kind::ClosedPayments, book.payments(), &payments, Some((&sp.payment_closed, true)))?;
    put_section(
        out,
        table,
        Kind::ClosedAdjustments,
        book.adjustments(),
        &adjustments,
        Some((&sp.adjustment_closed, true)),
    )?;
    // A client's position in the image is its place in key order.
    let mut image_pos = vec![0u32; clients.len()];
    for (at, &c) in clients.iter().enumerate() {
        image_pos[c as usize] = at as u32;
    }
    let image_client = |id: &str| book.client_index(id).map(|c| image_pos[c]);
    let open = |flags: &[bool]| flags.iter().map(|c| !c).collect::<Vec<bool>>();
    let facts = facts::build(
        book,
        &open(&sp.invoice_closed),
        &open(&sp.payment_closed),
        &open(&sp.adjustment_closed),
        &invoices,
        &payments,
        &image_client,
    );
    // Without facts (a record names a missing client, a sum overflows) the
    // sections are empty, `facts_through` says none, and readers decode the
    // records. With facts but no payment or adjustment, they hold any day.
    let facts_through = facts.as_ref().map(|f| f.through.unwrap_or(NaiveDate::MIN));
    let (fi, fc) = facts.map(|f| (f.invoices, f.credit)).unwrap_or_default();
    let all = |n: usize| (0..n as u32).collect::<Vec<u32>>();
    put_section(out, table, Kind::InvoiceFacts, &fi, &all(fi.len()), None)?;
    put_section(out, table, Kind::CreditFacts, &fc, &all(fc.len()), None)?;
    Ok((sp.closed_through, facts_through))
}

/// Publishes the image of `book` at `seq` in `dir`, atomically, written
/// to its temp file as it is encoded.
pub fn publish(dir: &Path, book: &Book, seq: u64) -> std::io::Result<()> {
    publish_reusing(dir, book, seq, None).map(|_| ())
}

/// [`publish`] through [`encode_reusing`], saying whether sections were
/// copied. `prev` may be the image this replaces: a map of it stays
/// readable after the rename.
pub(crate) fn publish_reusing(dir: &Path, book: &Book, seq: u64, prev: Option<&Image>) -> std::io::Result<bool> {
    let mut copied = false;
    write_atomic_with(&dir.join(FILE), |f| encode_reusing(book, seq, prev, f).map(|c| copied = c), |e| e)?;
    Ok(copied)
}

/// Removes the image (a reader then falls back to the store).
pub fn withdraw(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(dir.join(FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receivables::aging::{age_book, AgeBasis, AgingOptions};
    use crate::store::IdAlloc;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn demo_book(today: NaiveDate) -> Book {
        let b = crate::demo::build(today, &mut IdAlloc::starting_at(0));
        Book::new(b.clients, b.invoices, b.payments, b.adjustments, b.notes)
    }

    fn publish_and_open(book: &Book, seq: u64) -> (tempfile::TempDir, Image) {
        let dir = tempfile::tempdir().unwrap();
        publish(dir.path(), book, seq).unwrap();
        let im = Image::open(dir.path()).unwrap();
        (dir, im)
    }

    #[test]
    fn the_whole_book_comes_back_in_key_order() {
        let book = demo_book(day("2026-06-15"));
        let (_d, im) = publish_and_open(&book, 7);
        assert_eq!(im.seq, 7);
        let back = im.book(Need::All).unwrap();
        let mut invoices = book.invoices().to_vec();
        invoices.sort_by(|a, b| a.number.cmp(&b.number));
        assert_eq!(back.invoices(), &invoices[..]);
        assert_eq!(back.clients(), book.clients());
        assert_eq!(back.payments(), book.payments());
        assert_eq!(back.adjustments(), book.adjustments());
        assert_eq!(back.notes(), book.notes());
    }

    #[test]
    fn open_sections_give_the_same_aging_and_day_list() {
        let today = day("2026-06-15");
        let book = demo_book(today);
        let (_d, im) = publish_and_open(&book, 1);
        let ct = im.closed_through().expect("the demo book has settled invoices");
        assert!(ct <= today, "closed history ends by the demo's today ({ct})");
        let open = im.book(Need::OpenAsOf(today)).unwrap();
        assert!(open.invoices().len() < book.invoices().len(), "paid invoices are left out");
        let opts = AgingOptions::default();
        for as_of in [today, day("2026-07-01"), day("2027-01-01")] {
            assert_eq!(age_book(&open, as_of, &opts), age_book(&book, as_of, &opts));
        }
        let rules = crate::rules::Rules::default();
        assert_eq!(crate::rules::today(&open, &rules, today), crate::rules::today(&book, &rules, today));
        // Aging from the facts alone, on both bases, once they hold.
        let through = im.facts_through.expect("the demo book has facts");
        assert!(through <= today);
        for basis in [AgeBasis::DueDate, AgeBasis::InvoiceDate] {
            let opts = AgingOptions { basis, ..AgingOptions::default() };
            for as_of in [through.max(ct), today, day("2026-07-01"), day("2027-01-01")] {
                let facts = im.aging(as_of, &opts).unwrap().expect("facts hold");
                assert_eq!(facts, age_book(&book, as_of, &opts), "{basis:?} as of {as_of}");
            }
        }
        assert_eq!(im.aging(through.min(ct).pred_opt().unwrap(), &opts).unwrap(), None, "too early for the facts");
        // Before the closed history ends, the whole book is read.
        let before = ct.pred_opt().unwrap();
        assert!(!im.open_suffices(Need::OpenAsOf(before)));
        assert_eq!(im.book(Need::OpenAsOf(before)).unwrap().invoices().len(), book.invoices().len());
    }

    /// Plans, over-payments, money on account, an agency placement and a
    /// second currency: aging from the facts is aging from the records.
    #[test]
    fn facts_age_like_the_records() {
        use crate::domain::{AccountEvent, Allocation, Currency, Instalment, Money, NoteKind, Payment, PaymentMethod};
        let today = day("2026-06-15");
        let mut book = demo_book(today);
        let c0 = book.clients()[0].id.clone();
        let c1 = book.clients()[1].id.clone();
        let mut plan =
            Invoice::new("ZP-1", &c0, day("2026-01-10"), day("2026-02-10"), Money::new(900.into(), Currency::USD));
        plan.plan = vec![
            Instalment { due: day("2026-02-10"), amount: 300.into() },
            Instalment { due: day("2026-04-10"), amount: 300.into() },
            Instalment { due: day("2026-08-10"), amount: 300.into() },
        ];
        book.upsert_invoice(plan);
        book.upsert_invoice(Invoice::new(
            "ZO-1",
            &c1,
            day("2026-03-01"),
            day("2026-03-31"),
            Money::new(50.into(), Currency::EUR),
        ));
        let pay = |id: u64, client: &str, date: &str, amount: i64, to: Vec<Allocation>, currency| Payment {
            id,
            client_id: client.into(),
            date: day(date),
            amount: amount.into(),
            currency,
            method: PaymentMethod::Cash,
            reference: String::new(),
            allocations: to,
            reverses: None,
        };
        book.add_payment(pay(
            9001,
            &c0,
            "2026-03-01",
            350,
            vec![Allocation { invoice: "ZP-1".into(), amount: 350.into() }],
            Currency::USD,
        ));
        book.add_payment(pay(
            9002,
            &c1,
            "2026-04-01",
            80,
            vec![Allocation { invoice: "ZO-1".into(), amount: 80.into() }],
            Currency::EUR,
        ));
        book.add_payment(pay(9003, &c1, "2026-05-01", 25, vec![], Currency::USD));
        let mut placed =
            crate::domain::Note::new(9004, &c0, chrono::Utc::now(), day("2026-05-02"), "t", NoteKind::Internal, "x");
        placed.event = Some(AccountEvent::PlacedWithAgency { agency: "ARC".into() });
        book.add_note(placed);
        let (_d, im) = publish_and_open(&book, 2);
        let through = im.facts_through.unwrap();
        for basis in [AgeBasis::DueDate, AgeBasis::InvoiceDate] {
            let opts = AgingOptions { basis, ..AgingOptions::default() };
            for as_of in [through.max(im.closed_through().unwrap()), today, day("2027-01-01")] {
                let want = age_book(&book, as_of, &opts);
                assert!(want.lines.iter().any(|l| l.agency.is_some()), "the placement shows");
                assert!(want.credit.len() >= 2, "over-payment and money on account show");
                assert_eq!(im.aging(as_of, &opts).unwrap(), Some(want), "{basis:?} as of {as_of}");
            }
        }
    }

    /// The open part comes client by client (clients in key order, each
    /// one's invoices by number, then those of a client the book does not
    /// hold), holds every open invoice once, and gives the same day's list
    /// and aging; the whole book still comes back in number order.
    #[test]
    fn open_invoices_come_client_by_client() {
        use crate::domain::{Currency, Money};
        let today = day("2026-06-15");
        let mut book = demo_book(today);
        book.upsert_invoice(Invoice::new(
            "A-000",
            "NOBODY",
            day("2026-01-01"),
            day("2026-02-01"),
            Money::new(5.into(), Currency::USD),
        ));
        book.upsert_invoice(Invoice::new(
            "ZZ-9",
            book.clients()[0].id.clone(),
            day("2026-01-01"),
            day("2026-02-01"),
            Money::new(7.into(), Currency::USD),
        ));
        let (_d, im) = publish_and_open(&book, 1);
        let open = im.book(Need::OpenAsOf(today)).unwrap();
        let mut ids: Vec<&str> = book.clients().iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        let key =
            |inv: &Invoice| (ids.binary_search(&inv.client_id.as_str()).unwrap_or(usize::MAX), inv.number.clone());
        let keys: Vec<_> = open.invoices().iter().map(key).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "client by client, then by number: {keys:?}");
        assert_eq!(open.invoices().last().map(|i| i.number.as_str()), Some("A-000"), "a missing client's come last");
        let mut want: Vec<&str> = book
            .invoices()
            .iter()
            .filter(|i| crate::store::facts::final_balance(&book, book.position_of(i).unwrap()) != Some(Decimal::ZERO))
            .map(|i| i.number.as_str())
            .collect();
        let mut got: Vec<&str> = open.invoices().iter().map(|i| i.number.as_str()).collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "every open invoice, once");
        let rules = crate::rules::Rules::default();
        for as_of in [today, day("2026-07-01")] {
            assert_eq!(crate::rules::today(&open, &rules, as_of), crate::rules::today(&book, &rules, as_of));
            let opts = AgingOptions::default();
            assert_eq!(age_book(&open, as_of, &opts), age_book(&book, as_of, &opts));
        }
        let all = im.book(Need::All).unwrap();
        assert!(all.invoices().windows(2).all(|w| w[0].number < w[1].number), "the whole book by number");
        assert_eq!(all.invoices().len(), book.invoices().len());
    }

    /// With the image of the book before a change of notes and clients
    /// only, the record sections are copied and the result is the full
    /// encode's bytes. A previous image holding other counts of records is
    /// not used; one of the same counts is copied as it is, stale bytes
    /// and all, which shows the copy is real (the store never asks for
    /// that: see `Store::apply` and tests/store_integrity.rs).
    #[test]
    fn copied_sections_give_the_bytes_of_a_full_encode() {
        use crate::domain::{NoteKind, Payment, PaymentMethod};
        let encoded = |book: &Book, prev: Option<&Image>, copies: bool| {
            let mut w = std::io::Cursor::new(Vec::new());
            assert_eq!(encode_reusing(book, 9, prev, &mut w).unwrap(), copies, "copied?");
            w.into_inner()
        };
        let mut book = demo_book(day("2026-06-15"));
        let (_d, prev) = publish_and_open(&book, 8);
        let c0 = book.clients()[0].clone();
        let note =
            crate::domain::Note::new(90_001, &c0.id, chrono::Utc::now(), day("2026-06-15"), "t", NoteKind::Call, "x");
        book.add_note(note);
        let mut snoozed = c0.clone();
        snoozed.snoozed_until = Some(day("2026-07-01"));
        book.upsert_client(snoozed);
        assert_eq!(encoded(&book, Some(&prev), true), encoded(&book, None, false));
        let (_d2, prev) = publish_and_open(&book, 9);
        let mut edited = book.invoices().iter().find(|i| i.client_id == c0.id).unwrap().clone();
        let number = edited.number.to_string();
        let mut paid = book.clone();
        paid.add_payment(Payment {
            id: 90_002,
            client_id: c0.id.clone(),
            date: day("2026-06-15"),
            amount: 1.into(),
            currency: c0.currency,
            method: PaymentMethod::Cash,
            reference: String::new(),
            allocations: vec![crate::domain::Allocation { invoice: number, amount: 1.into() }],
            reverses: None,
        });
        assert_eq!(encoded(&paid, Some(&prev), false), encoded(&paid, None, false), "not copied: a payment more");
        edited.total += rust_decimal::Decimal::ONE;
        book.upsert_invoice(edited);
        assert_ne!(encoded(&book, Some(&prev), true), encoded(&book, None, false), "the old total was copied");
    }

    #[test]
    fn every_damaged_byte_is_caught() {
        let book = demo_book(day("2026-06-15"));
        let (dir, _) = publish_and_open(&book, 3);
        let path = dir.path().join(FILE);
        let good = std::fs::read(&path).unwrap();
        // A spread of positions over the header and every section.
        let step = (good.len() / 97).max(1);
        for at in (0..good.len()).step_by(step) {
            let mut bad = good.clone();
            bad[at] ^= 0x40;
            std::fs::write(&path, &bad).unwrap();
            // Every section: the records, and the facts aging reads.
            let read = Image::open(dir.path()).and_then(|im| {
                im.book(Need::All)?;
                im.aging(day("2099-01-01"), &AgingOptions::default())?.ok_or(ImageError::Missing)
            });
            assert!(read.is_err(), "a flipped bit at byte {at} of {} went unnoticed", good.len());
        }
        for cut in [0, 10, good.len() / 2, good.len() - 1] {
            std::fs::write(&path, &good[..cut]).unwrap();
            assert!(Image::open(dir.path()).and_then(|im| im.book(Need::All)).is_err(), "cut at {cut}");
        }
    }

    /// An image of an older format (format 1 had no facts) is refused, and
    /// the store publishes a current one the next time it loads the book.
    #[test]
    fn an_older_format_is_ignored_and_rebuilt() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let b = demo_book(day("2026-06-15"));
        {
            let mut s = crate::store::Store::open(&dir).unwrap();
            let batch = crate::store::Batch { clients: b.clients().to_vec(), ..Default::default() };
            s.apply(batch).unwrap();
        }
        let path = dir.join(FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(Image::open_current(&dir), Err(ImageError::Format(1))));
        let mut s = crate::store::Store::open(&dir).unwrap();
        assert_eq!(s.book().unwrap().clients().len(), b.clients().len());
        let im = Image::open_current(&dir).expect("published again in the current format");
        assert_eq!(im.book(Need::All).unwrap().clients(), b.clients());
    }

    #[test]
    fn a_stale_image_is_refused() {
        let book = demo_book(day("2026-06-15"));
        let (dir, _) = publish_and_open(&book, 4);
        Manifest { seq: 5, counts: Default::default() }.write(dir.path()).unwrap();
        assert!(matches!(Image::open_current(dir.path()), Err(ImageError::Stale { image: 4, store: 5 })));
        Manifest { seq: 4, counts: Default::default() }.write(dir.path()).unwrap();
        assert!(Image::open_current(dir.path()).is_ok());
        withdraw(dir.path()).unwrap();
        assert!(matches!(Image::open_current(dir.path()), Err(ImageError::Missing)));
    }

    #[test]
    fn big_records_split_into_chunks_under_the_codec_limit() {
        let mut c = Client::new("C1", "x".repeat(3 << 20), crate::domain::Currency::USD);
        c.contact = "y".repeat(1 << 20);
        let clients: Vec<Client> = (0..4)
            .map(|i| {
                let mut c = c.clone();
                c.id = format!("C{i}");
                c
            })
            .collect();
        let book = Book::new(clients, vec![], vec![], vec![], vec![]);
        let (_d, im) = publish_and_open(&book, 1);
        assert_eq!(im.book(Need::All).unwrap().clients(), book.clients());
    }

    /// A book of `n` open invoices over 37 clients, so the open part (in
    /// client order) is not in number order; the first `big` invoices of
    /// the first client carry a 1.5 MB reference, so their chunk passes
    /// CHUNK_BYTES and is split: the chunks are uneven.
    fn many_open_invoices(n: usize, big: usize) -> Book {
        use crate::domain::{Currency, Money};
        let clients: Vec<Client> =
            (0..37).map(|c| Client::new(format!("C{c:02}"), format!("Client {c}"), Currency::USD)).collect();
        let invoices: Vec<Invoice> = (0..n)
            .map(|i| {
                let mut inv = Invoice::new(
                    format!("INV-{i:06}"),
                    format!("C{:02}", i % 37),
                    day("2026-01-01"),
                    day("2026-02-01"),
                    Money::new((i as i64 + 1).into(), Currency::USD),
                );
                if i % 37 == 0 && i / 37 < big {
                    inv.reference = "r".repeat(3 << 19);
                }
                inv
            })
            .collect();
        Book::new(clients, invoices, vec![], vec![], vec![])
    }

    /// Where each chunk of a section starts in the file, and its length.
    fn chunks_of(im: &Image, kind: Kind) -> Vec<(usize, usize)> {
        let s = im.sections.iter().find(|s| s.kind == kind as u32).unwrap();
        let (mut at, end) = (s.offset as usize, (s.offset + s.len) as usize);
        let mut out = Vec::new();
        while at < end {
            let len = u32_at(&im.map, at) as usize;
            out.push((at + 4, len));
            at += 4 + len;
        }
        out
    }

    /// More than 8 uneven chunks: the section is decoded on several
    /// threads (when the machine has them) into one vector, and the whole
    /// book comes back exactly.
    #[test]
    fn many_uneven_chunks_decode_into_the_same_book() {
        let book = many_open_invoices(20_000, 3);
        let (_d, im) = publish_and_open(&book, 1);
        let counts: Vec<usize> = chunks_of(&im, Kind::OpenInvoices)
            .iter()
            .map(|&(at, len)| codec::vec_len(&im.map[at..at + len]).unwrap())
            .collect();
        assert!(counts.len() > 8, "{counts:?}");
        assert!(counts.iter().any(|&c| c < CHUNK / 2), "a big record split a chunk: {counts:?}");
        let back = im.book(Need::All).unwrap();
        assert_eq!(back.invoices(), book.invoices());
        assert_eq!(back.clients(), book.clients());
        assert_eq!(back.payments(), book.payments());
        let open = im.book(Need::OpenAsOf(day("2026-06-15"))).unwrap();
        assert_eq!(open.invoices().len(), book.invoices().len());
    }

    /// A chunk whose record count lies under a valid checksum: changed (the
    /// counts no longer add up to the header's) or swapped with another
    /// chunk's (they do, but the records do not fit the slots).
    #[test]
    fn forged_chunk_counts_are_refused() {
        let book = many_open_invoices(2_500, 0);
        let (dir, im) = publish_and_open(&book, 1);
        let chunks = chunks_of(&im, Kind::OpenInvoices);
        drop(im);
        assert_eq!(chunks.len(), 2);
        let path = dir.path().join(FILE);
        let good = std::fs::read(&path).unwrap();
        // Both counts are over 250, so bincode writes each as 0xFB and a u16.
        let count = |bytes: &[u8], (at, _): (usize, usize)| {
            assert_eq!(bytes[at + 5], 0xFB);
            u16::from_le_bytes([bytes[at + 6], bytes[at + 7]])
        };
        let set = |bytes: &mut Vec<u8>, (at, len): (usize, usize), n: u16| {
            bytes[at + 6..at + 8].copy_from_slice(&n.to_le_bytes());
            let crc = crc32fast::hash(&bytes[at + 5..at + len]);
            bytes[at + 1..at + 5].copy_from_slice(&crc.to_le_bytes());
        };
        let (a, b) = (count(&good, chunks[0]), count(&good, chunks[1]));
        assert_eq!((a, b), (2048, 452));
        let mut changed = good.clone();
        set(&mut changed, chunks[0], a - 1);
        let mut swapped = good.clone();
        set(&mut swapped, chunks[0], b);
        set(&mut swapped, chunks[1], a);
        for (what, bytes) in [("changed", changed), ("swapped", swapped)] {
            std::fs::write(&path, &bytes).unwrap();
            let im = Image::open(dir.path()).expect("the header is intact");
            for need in [Need::All, Need::OpenAsOf(day("2026-06-15"))] {
                assert!(matches!(im.book(need), Err(ImageError::Damaged(_))), "{what} count, {need:?}");
            }
        }
    }

    /// An invoice that counts its drops (bincode encodes a newtype as what
    /// it wraps, so it decodes from an invoice section).
    #[derive(serde::Deserialize)]
    struct CountedInvoice(#[allow(dead_code)] Invoice);

    static INVOICE_DROPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    impl Drop for CountedInvoice {
        fn drop(&mut self) {
            INVOICE_DROPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A damaged last chunk: every record the other chunks (and threads)
    /// decoded is dropped, none leaked.
    #[test]
    fn a_damaged_chunk_drops_what_was_decoded() {
        let book = many_open_invoices(20_000, 0);
        let (dir, im) = publish_and_open(&book, 1);
        let chunks = chunks_of(&im, Kind::OpenInvoices);
        let last = codec::vec_len(&im.map[chunks[chunks.len() - 1].0..][..chunks[chunks.len() - 1].1]).unwrap();
        drop(im);
        let path = dir.path().join(FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let (at, len) = chunks[chunks.len() - 1];
        bytes[at + len - 1] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        let im = Image::open(dir.path()).unwrap();
        let before = INVOICE_DROPS.load(std::sync::atomic::Ordering::Relaxed);
        assert!(matches!(im.section::<CountedInvoice>(Kind::OpenInvoices), Err(ImageError::Damaged(_))));
        let dropped = INVOICE_DROPS.load(std::sync::atomic::Ordering::Relaxed) - before;
        assert_eq!(dropped, book.invoices().len() - last, "{} chunks", chunks.len());
    }
}
