//! The store: the book on disk in sled, behind one API of commands and
//! queries. Nothing else in dun touches sled.
//!
//! Layout (one sled tree each): `clients` by id, `invoices` by number,
//! `payments`, `adjustments` and `notes` by big-endian u64 id (so key order is
//! log order), `meta` (schema version and the [`Meta`] record), and the
//! indexes `ix_client_invoices` (by client id: the client's invoice numbers
//! in byte order, one codec record) and `ix_client_notes` (client \0 note id).
//! `outbox` holds the mail outbox by day \0 client (see
//! [`crate::domain::outbox`]); it is not part of the in-memory [`Book`].
//!
//! Every write is a [`Batch`], checked against the in-memory book
//! (`writes.rs`) and applied in one sled transaction across all the trees
//! it touches (a large one, an import, in stages behind an undo journal:
//! see `staged.rs`), flushed to disk before [`Store::apply`] returns, then
//! recorded in the manifest (see `manifest.rs`) and published as the read
//! image for readers that do not take the lock (`image.rs`).
//!
//! Why so few index keys: every key costs sled memory and time on a large
//! import (a transaction kept about 5 KB per key written until it
//! committed), so `ix_client_invoices` holds one key per client; and the
//! in-memory [`Book`] answers "payments of an invoice", so no sled index is
//! kept for that (an earlier `ix_invoice_payments` tree, written but never
//! read, is gone).

pub mod codec;
pub mod facts;
pub mod image;
pub mod lock;
pub mod manifest;
pub mod paths;
pub mod schema;
mod staged;
mod verify;
mod writes;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::domain::{Adjustment, Book, Client, Invoice, Note, OutboxEntry, Payment};
use codec::CodecError;
use lock::DirLock;
use manifest::Manifest;
pub use verify::VerifyReport;

const SCHEMA_KEY: &[u8] = b"schema_version";
const META_KEY: &[u8] = b"meta";
/// The sled database lives in this subfolder of the data directory, beside
/// the lock, the manifest and the backups.
const DB_DIR: &str = "db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Locked(String),
    /// A read-only command pointed at a folder with no book (a typo in
    /// `--data` must not look like an empty book).
    #[error("no book at {0}. To start one: `dun import clients FILE` (or invoices), `dun client add`, or `dun demo` for a sample book; or check --data / $DUN_DATA")]
    NoBook(String),
    /// A folder that holds other things: dun never turns it into a book.
    #[error("{0} is not empty and holds no dun book; dun creates a book only in a new or empty folder (choose another --data DIR)")]
    NotABook(String),
    /// The book belongs to another user: files this process created there
    /// would lock its owner out.
    #[error("this book belongs to {owner}; run dun as {owner} (the book is {dir}; --allow-other-owner opens it anyway, and files dun creates there will belong to you)")]
    OtherOwner { dir: String, owner: String },
    #[error("{0}")]
    Schema(String),
    #[error("the store in {dir} has lost writes: it holds {found} of the {expected} writes recorded in its manifest (damaged log?). Nothing was changed; copy the folder aside, and restore a backup into a new folder (`dun restore FILE --data NEWDIR`) to compare: a backup older than the lost writes does not hold them either")]
    LostWrites { dir: String, found: u64, expected: u64 },
    #[error("damaged record in {tree} (key {key}): {err}. Run `dun verify` for a full report")]
    Corrupt { tree: &'static str, key: String, err: CodecError },
    #[error("{0}")]
    Invalid(String),
    #[error("{}", describe_sled_error(dir, err))]
    Sled { dir: String, err: sled::Error },
    #[error("{0}")]
    Io(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How [`Store::open_with`] treats the data folder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Make a new book when the folder is missing or empty (only commands
    /// that create one: import, client add, demo, restore). Otherwise such
    /// a folder is [`StoreError::NoBook`].
    pub create: bool,
    /// Open a book owned by another user (`--allow-other-owner`).
    pub any_owner: bool,
}

/// How many records of each kind the store holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub clients: u64,
    pub invoices: u64,
    pub payments: u64,
    pub adjustments: u64,
    pub notes: u64,
}

/// Bookkeeping kept in the `meta` tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Incremented by every applied batch.
    pub seq: u64,
    pub next_payment_id: u64,
    pub next_adjustment_id: u64,
    pub next_note_id: u64,
    pub counts: Counts,
}

/// A set of records written together or not at all. Clients and invoices
/// are inserted or replaced by key; payments, adjustments and notes are
/// append-only and need ids from [`Store::ids`]. Serialisable: a batch is
/// what a ledger reports back after a command, over a socket too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub clients: Vec<Client>,
    pub invoices: Vec<Invoice>,
    pub payments: Vec<Payment>,
    pub adjustments: Vec<Adjustment>,
    pub notes: Vec<Note>,
    /// Outbox records, inserted or replaced by key (not counted, not in the book).
    pub outbox: Vec<OutboxEntry>,
}

impl Batch {
    /// How many records of each kind the batch holds.
    pub fn counts(&self) -> Counts {
        Counts {
            clients: self.clients.len() as u64,
            invoices: self.invoices.len() as u64,
            payments: self.payments.len() as u64,
            adjustments: self.adjustments.len() as u64,
            notes: self.notes.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
            && self.invoices.is_empty()
            && self.payments.is_empty()
            && self.adjustments.is_empty()
            && self.notes.is_empty()
            && self.outbox.is_empty()
    }
}

/// Hands out ids for new append-only records: each one past the last the
/// store has written. Owned, so it can be used while the book is borrowed;
/// [`Store::apply`] refuses an id that is already taken.
#[derive(Debug, Clone)]
pub struct IdAlloc {
    payment: u64,
    adjustment: u64,
    note: u64,
}

impl IdAlloc {
    /// Counters all starting after `n` (for building batches in tests).
    pub fn starting_at(n: u64) -> IdAlloc {
        IdAlloc { payment: n, adjustment: n, note: n }
    }
    pub fn payment(&mut self) -> u64 {
        self.payment += 1;
        self.payment
    }
    pub fn adjustment(&mut self) -> u64 {
        self.adjustment += 1;
        self.adjustment
    }
    pub fn note(&mut self) -> u64 {
        self.note += 1;
        self.note
    }
}

pub(crate) struct Trees {
    meta: sled::Tree,
    clients: sled::Tree,
    invoices: sled::Tree,
    payments: sled::Tree,
    adjustments: sled::Tree,
    notes: sled::Tree,
    ix_client_invoices: sled::Tree,
    ix_client_notes: sled::Tree,
    outbox: sled::Tree,
}

impl Trees {
    /// Every tree but `meta`, in the order the staged writer and its undo
    /// journal number them (the journal stores these numbers: append only).
    fn record_trees(&self) -> [&sled::Tree; 7] {
        [
            &self.clients,
            &self.invoices,
            &self.payments,
            &self.adjustments,
            &self.notes,
            &self.ix_client_invoices,
            &self.ix_client_notes,
        ]
    }
}

pub struct Store {
    dir: PathBuf,
    db: sled::Db,
    t: Trees,
    meta: Meta,
    book: Option<Book>,
    /// How many images were published with sections copied from the one
    /// before (see [`Store::apply`]): for the tests, which must see that
    /// the cheap way is taken, not only that its result is right.
    copied_images: u64,
    /// Things the user should know that did not stop the work (a data
    /// folder others can read; a saved write whose manifest update
    /// failed). The shells take them with [`Store::take_warnings`]; any
    /// left when the store is dropped go to stderr, so none is lost.
    warnings: Vec<String>,
    /// Set when a write failed and could not be undone (or was committed
    /// but not flushed): what is in sled and what `meta` says may differ,
    /// so nothing more is read or written through this `Store`. Opening
    /// the store again recovers (see `staged.rs`).
    poisoned: Option<String>,
    _lock: DirLock,
}

impl Drop for Store {
    fn drop(&mut self) {
        for w in self.warnings.drain(..) {
            eprintln!("dun: warning: {}", crate::text::sanitize(&w));
        }
    }
}

fn sled_err(dir: &Path) -> impl Fn(sled::Error) -> StoreError + '_ {
    move |err| StoreError::Sled { dir: dir.display().to_string(), err }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io(paths::describe_io(path, &e))
}

pub(crate) fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

pub(crate) fn pair_key(a: &str, b: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(a.len() + 1 + b.len());
    k.extend_from_slice(a.as_bytes());
    k.push(0);
    k.extend_from_slice(b);
    k
}

impl Store {
    /// Opens the book in `dir`, creating one when the folder is missing or
    /// empty (for commands that create a book and for tests); see
    /// [`Store::open_with`].
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_with(dir, OpenOptions { create: true, any_owner: false })
    }

    /// Opens the book in `dir`; a folder without one is [`StoreError::NoBook`].
    pub fn open_existing(dir: &Path) -> Result<Store> {
        Store::open_with(dir, OpenOptions::default())
    }

    /// Opens the book in `dir`. A new book is made only in a folder that
    /// does not exist (created 0700) or is empty, and only with
    /// `opts.create`; a folder holding anything else is refused. Modes are
    /// changed only on files dun creates: a data folder others can read is
    /// reported in [`Store::take_warnings`], not changed. Fails clearly if
    /// the book belongs to another user, another process holds it, it was
    /// written by a newer dun, or writes have gone missing.
    pub fn open_with(dir: &Path, opts: OpenOptions) -> Result<Store> {
        Store::open_waiting(dir, opts, std::time::Duration::ZERO, |_| {})
    }

    /// [`Store::open_with`], waiting up to `wait` while another process
    /// holds the book; `waiting` is told (once, with the holder) when that
    /// begins.
    pub fn open_waiting(
        dir: &Path,
        opts: OpenOptions,
        wait: std::time::Duration,
        waiting: impl FnOnce(&str),
    ) -> Result<Store> {
        let shown = || dir.display().to_string();
        match paths::inspect(dir).map_err(io_err(dir))? {
            paths::DirState::Missing | paths::DirState::Empty if !opts.create => {
                return Err(StoreError::NoBook(shown()))
            }
            paths::DirState::Other => return Err(StoreError::NotABook(shown())),
            paths::DirState::Missing => paths::ensure_private_dir(dir).map_err(io_err(dir))?,
            paths::DirState::Empty | paths::DirState::Book => {}
        }
        if !opts.any_owner {
            if let Some(owner) = paths::other_owner(dir) {
                return Err(StoreError::OtherOwner { dir: shown(), owner });
            }
        }
        let mut warnings: Vec<String> = paths::exposure_warning(dir).into_iter().collect();
        let lock = DirLock::acquire_within(dir, wait, waiting).map_err(StoreError::Locked)?;
        let db_path = dir.join(DB_DIR);
        paths::clear_unfinished_snapshots(&db_path).map_err(io_err(&db_path))?;
        let fresh = !db_path.exists();
        let db = open_sled(&db_path).map_err(sled_err(dir))?;
        if fresh {
            // Everything in the new `db` folder is sled's, made just now by
            // this process: private whatever the caller's umask.
            std::fs::set_permissions(&db_path, std::os::unix::fs::PermissionsExt::from_mode(0o700))
                .map_err(io_err(&db_path))?;
            paths::make_new_tree_private(&db_path).map_err(io_err(&db_path))?;
        }
        let open = |name: &str| db.open_tree(name).map_err(sled_err(dir));
        let t = Trees {
            meta: open("meta")?,
            clients: open("clients")?,
            invoices: open("invoices")?,
            payments: open("payments")?,
            adjustments: open("adjustments")?,
            notes: open("notes")?,
            ix_client_invoices: open("ix_client_invoices")?,
            ix_client_notes: open("ix_client_notes")?,
            outbox: open("outbox")?,
        };
        // An import that a crash interrupted is undone (or, if it had
        // committed, its journal dropped) before anything else looks.
        let recover = |seq: u64, warnings: &mut Vec<String>| -> Result<(), StoreError> {
            if staged::recover(dir, &db, &t.record_trees(), seq).map_err(StoreError::Io)?
                == staged::Recovered::RolledBack
            {
                warnings.push("an import interrupted by a crash was undone; the book is as it was before it".into());
            }
            Ok(())
        };
        let version = t.meta.get(SCHEMA_KEY).map_err(sled_err(dir))?;
        let meta = match version {
            None => {
                let empty = t.clients.is_empty() && t.invoices.is_empty() && t.notes.is_empty();
                if !fresh && !empty {
                    return Err(StoreError::Schema(format!(
                        "{} holds data but no dun schema version: it is not a dun store, or it is damaged",
                        dir.display()
                    )));
                }
                t.meta.insert(SCHEMA_KEY, &schema::SCHEMA_VERSION.to_be_bytes()).map_err(sled_err(dir))?;
                let meta = Meta::default();
                t.meta
                    .insert(META_KEY, codec::encode(&meta).map_err(|e| StoreError::Invalid(e.to_string()))?)
                    .map_err(sled_err(dir))?;
                db.flush().map_err(sled_err(dir))?;
                recover(meta.seq, &mut warnings)?;
                // A new book is empty: readers can have its image at once.
                let _ = image::publish(dir, &Book::default(), meta.seq);
                meta
            }
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Schema("the store's schema version is damaged".into()))?;
                let steps = schema::check(found).map_err(StoreError::Schema)?;
                let raw = t.meta.get(META_KEY).map_err(sled_err(dir))?.ok_or_else(|| {
                    StoreError::Schema("the store's bookkeeping record is missing: it is damaged".into())
                })?;
                let meta = codec::decode::<Meta>(&raw).map_err(|err| StoreError::Corrupt {
                    tree: "meta",
                    key: "meta".into(),
                    err,
                })?;
                // The journal holds the bytes of the schema that wrote it:
                // played back after a migration, it would put old-shape
                // records into a store marked new. So it goes first.
                recover(meta.seq, &mut warnings)?;
                for step in steps {
                    step(&db).map_err(StoreError::Schema)?;
                }
                if found != schema::SCHEMA_VERSION {
                    t.meta.insert(SCHEMA_KEY, &schema::SCHEMA_VERSION.to_be_bytes()).map_err(sled_err(dir))?;
                    db.flush().map_err(sled_err(dir))?;
                }
                meta
            }
        };
        let manifest = Manifest::read(dir).map_err(StoreError::Schema)?;
        if let Some(m) = manifest {
            if meta.seq < m.seq {
                return Err(StoreError::LostWrites {
                    dir: dir.display().to_string(),
                    found: meta.seq,
                    expected: m.seq,
                });
            }
        }
        if manifest.map(|m| m.seq) != Some(meta.seq) {
            // Behind only: the store holds everything, so a failed update
            // costs nothing but the next open trying again.
            if let Err(e) = (Manifest { seq: meta.seq, counts: meta.counts }).write(dir) {
                warnings.push(format!(
                    "the manifest could not be brought up to date ({}); the book itself is fine",
                    paths::describe_io(&dir.join(manifest::FILE), &e)
                ));
            }
        }
        Ok(Store {
            dir: dir.to_path_buf(),
            db,
            t,
            meta,
            book: None,
            copied_images: 0,
            warnings,
            poisoned: None,
            _lock: lock,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Warnings collected since the last call (see the field's comment).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
    pub fn meta(&self) -> Meta {
        self.meta
    }
    pub fn counts(&self) -> Counts {
        self.meta.counts
    }

    /// How many read images this store published by copying the invoice,
    /// payment, adjustment and fact sections of the one before (see
    /// [`Store::apply`]).
    pub fn copied_images(&self) -> u64 {
        self.copied_images
    }

    /// Ids for new payments, adjustments and notes.
    pub fn ids(&self) -> IdAlloc {
        IdAlloc {
            payment: self.meta.next_payment_id,
            adjustment: self.meta.next_adjustment_id,
            note: self.meta.next_note_id,
        }
    }

    /// The whole book in memory, loaded on first use: from the read image
    /// when it is of this store's latest write (one file read, checked
    /// chunk by chunk), else from sled, and then the image is published
    /// again so the next reader finds it.
    pub fn book(&mut self) -> Result<&Book> {
        self.check_not_poisoned()?;
        if self.book.is_none() {
            let from_image = self.current_image().and_then(|im| im.book(image::Need::All).ok());
            let book = match from_image {
                Some(b) => b,
                None => {
                    let b = self.load_book()?;
                    self.publish(&b, None);
                    b
                }
            };
            self.book = Some(book);
        }
        Ok(self.book.as_ref().expect("loaded above"))
    }

    /// The read image of this store's latest write, if one is there and of
    /// this dun's schema: the image of the book at that write (only the
    /// lock holder publishes, and always its book at its sequence).
    fn current_image(&self) -> Option<image::Image> {
        image::Image::open(&self.dir).ok().filter(|im| im.seq == self.meta.seq && im.schema == schema::SCHEMA_VERSION)
    }

    /// Publishes the read image of `book` (this store's state at its
    /// current sequence). A failure leaves the store correct: the old image
    /// is withdrawn, so readers fall back to the store, and a warning says why.
    /// `prev`: the image of the book before a write that left its
    /// invoices, payments and adjustments alone, whose sections for them
    /// are copied (see [`image::encode_reusing`]). If that fails (the old
    /// image is damaged, say), the image is encoded in full.
    fn publish(&mut self, book: &Book, prev: Option<image::Image>) {
        let published = match image::publish_reusing(&self.dir, book, self.meta.seq, prev.as_ref()) {
            Ok(copied) => {
                self.copied_images += u64::from(copied);
                Ok(())
            }
            Err(_) if prev.is_some() => image::publish(&self.dir, book, self.meta.seq),
            Err(e) => Err(e),
        };
        // The old image stays mapped until the copy is written.
        drop(prev);
        if let Err(e) = published {
            let _ = image::withdraw(&self.dir);
            self.warnings.push(format!(
                "the read image could not be published ({}); commands that read will open the store until the next write",
                paths::describe_io(&self.dir.join(image::FILE), &e)
            ));
        }
    }

    /// The book, moved out of the store (loaded first if need be), for a
    /// caller that keeps it after closing the store.
    pub fn take_book(&mut self) -> Result<Book> {
        self.book()?;
        Ok(self.book.take().unwrap_or_default())
    }

    fn load_book(&self) -> Result<Book> {
        // Invoices, the biggest tree, decode on their own thread while this
        // one reads everything else: start-up time is what users feel every
        // morning, and the work splits cleanly.
        let c = self.meta.counts;
        let (invoices, rest) = std::thread::scope(|sc| {
            let inv = sc.spawn(|| self.scan::<Invoice>(&self.t.invoices, "invoices", c.invoices));
            let rest = (|| {
                Ok((
                    self.scan::<Client>(&self.t.clients, "clients", c.clients)?,
                    self.scan::<Payment>(&self.t.payments, "payments", c.payments)?,
                    self.scan::<Adjustment>(&self.t.adjustments, "adjustments", c.adjustments)?,
                    self.scan::<Note>(&self.t.notes, "notes", c.notes)?,
                ))
            })();
            (inv.join().unwrap_or_else(|_| Err(StoreError::Invalid("the invoice loader failed".into()))), rest)
        });
        let (clients, payments, adjustments, notes) = rest?;
        Ok(Book::new(clients, invoices?, payments, adjustments, notes))
    }

    /// Decodes every record of `tree` in key order. `expected` (from the
    /// meta record) only sizes the vector up front, so it is never copied
    /// as it grows; a wrong count costs nothing but a reallocation.
    fn scan<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &'static str,
        expected: u64,
    ) -> Result<Vec<T>> {
        // Not `tree.len()`: in sled that is a full scan of its own. Capped so
        // a damaged count cannot ask for an absurd allocation.
        let mut out = Vec::with_capacity(expected.min(1 << 24) as usize);
        for kv in tree.iter() {
            let (k, v) = kv.map_err(sled_err(&self.dir))?;
            let rec = codec::decode(&v).map_err(|err| StoreError::Corrupt { tree: name, key: show_key(&k), err })?;
            out.push(rec);
        }
        Ok(out)
    }

    pub fn client(&self, id: &str) -> Result<Option<Client>> {
        self.get(&self.t.clients, "clients", id.as_bytes())
    }
    pub fn invoice(&self, number: &str) -> Result<Option<Invoice>> {
        self.get(&self.t.invoices, "invoices", number.as_bytes())
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &'static str,
        key: &[u8],
    ) -> Result<Option<T>> {
        match tree.get(key).map_err(sled_err(&self.dir))? {
            None => Ok(None),
            Some(v) => {
                codec::decode(&v).map(Some).map_err(|err| StoreError::Corrupt { tree: name, key: show_key(key), err })
            }
        }
    }

    /// Numbers of a client's invoices, from the index, in byte order.
    pub fn client_invoice_numbers(&self, client_id: &str) -> Result<Vec<String>> {
        Ok(self.get(&self.t.ix_client_invoices, "ix_client_invoices", client_id.as_bytes())?.unwrap_or_default())
    }

    /// A client's notes in log order, from the index.
    pub fn client_notes(&self, client_id: &str) -> Result<Vec<Note>> {
        let prefix = pair_key(client_id, b"");
        let mut out = Vec::new();
        for kv in self.t.ix_client_notes.scan_prefix(&prefix) {
            let (k, _) = kv.map_err(sled_err(&self.dir))?;
            if let Some(n) = self.get::<Note>(&self.t.notes, "notes", &k[prefix.len()..])? {
                out.push(n);
            }
        }
        Ok(out)
    }

    /// Whether a failed write left this `Store` unusable: it must be
    /// dropped and the store opened again (see [`Store::apply`]).
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.is_some()
    }

    #[cfg(test)]
    pub(crate) fn poison_for_test(&mut self) {
        self.poisoned = Some("test".into());
    }

    fn check_not_poisoned(&self) -> Result<()> {
        match &self.poisoned {
            Some(why) => Err(StoreError::Io(format!(
                "a write to the store in {} failed and could not be made whole ({why}); nothing more is read or written until the store is opened again (restart dun or the server)",
                self.dir.display()
            ))),
            None => Ok(()),
        }
    }

    /// Writes `batch` atomically across all trees and flushes it to disk.
    /// Referential checks (an invoice's client exists, ids are fresh) happen
    /// against the in-memory book before anything is written; the records
    /// then move into the book and are written from it, so the book is
    /// ahead of the disk until the write commits, and is dropped if it
    /// fails. A failed write is undone at once (a staged one from its
    /// journal); if that fails too, or a committed write cannot be flushed,
    /// the `Store` is poisoned: every later `apply` and `book` fails until
    /// the store is opened again, which recovers it.
    pub fn apply(&mut self, mut batch: Batch) -> Result<()> {
        self.check_not_poisoned()?;
        if batch.is_empty() {
            return Ok(());
        }
        // The book is needed to check the batch, to write from and
        // afterwards to publish the read image.
        self.book()?;
        let checked = {
            let t = &self.t;
            let taken = |kind: writes::IdKind, id: u64| {
                let tree = match kind {
                    writes::IdKind::Payment => &t.payments,
                    writes::IdKind::Adjustment => &t.adjustments,
                    writes::IdKind::Note => &t.notes,
                };
                tree.contains_key(id_key(id)).map_err(sled_err(&self.dir))
            };
            writes::check(self.book.as_ref().expect("loaded above"), &batch, self.meta, &taken)?
        };
        let outbox = std::mem::take(&mut batch.outbox);
        let staged = checked.records() > staged::STAGED_ABOVE;
        if staged && !outbox.is_empty() {
            // The staged writer journals only the book's trees: the outbox
            // entries would be acknowledged and lost.
            return Err(StoreError::Invalid(format!(
                "a batch of {} records is written in stages, which cannot hold outbox entries ({} given); send them in a batch of their own",
                checked.records(),
                outbox.len()
            )));
        }
        // The records move into the book and are written from there: one
        // copy of a million invoices, not two. Until the write commits the
        // book is ahead of the store, so a failed write drops it (the next
        // use reads it again).
        let mut book = self.book.take().expect("loaded above");
        // The image of the book before this write (read now, before the
        // manifest moves on), mapped only until the next one is written: a
        // map kept for a server's life would hold ~100 MB of a large book's
        // pages, and fault if another program cut the file short.
        let prev = if leaves_records_alone(&book, &batch) { self.current_image() } else { None };
        let before = (book.clients().len(), book.invoices().len());
        let placed = writes::place(&mut book, batch);
        let mut meta = checked.meta;
        meta.counts.clients += (book.clients().len() - before.0) as u64;
        meta.counts.invoices += (book.invoices().len() - before.1) as u64;
        let meta_record = codec::encode(&meta).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let source = writes::FromBook { book: &book, checked: &checked, placed: &placed };
        let trees = self.t.record_trees();
        if staged {
            if let Err(e) =
                staged::write(&self.dir, &self.db, &self.t.meta, &trees, self.meta.seq, &source, meta_record)
            {
                return Err(self.undo_failed_write(e));
            }
        } else {
            // A transaction that fails has written nothing; one that
            // commits and then cannot be flushed is in sled but perhaps not
            // on disk, and `meta` here is behind it.
            self.write_at_once(&trees, &source, meta_record, &outbox)?;
            if let Err(e) = self.db.flush() {
                let e = sled_err(&self.dir)(e);
                self.poisoned = Some(format!("a committed write could not be flushed: {e}"));
                return Err(e);
            }
        }
        // The write is on disk from here on: it must be reported as saved.
        // A manifest left behind only weakens the lost-writes check until
        // the next open brings it up to date; failing here would make a
        // script retry, and duplicate, a write that was kept.
        if let Err(e) = (Manifest { seq: meta.seq, counts: meta.counts }).write(&self.dir) {
            self.warnings.push(format!(
                "the change was saved, but the manifest could not be updated ({}); dun updates it on the next open",
                paths::describe_io(&self.dir.join(manifest::FILE), &e)
            ));
        }
        self.meta = meta;
        self.publish(&book, prev);
        self.book = Some(book);
        Ok(())
    }

    /// A small write: one sled transaction across every tree it touches
    /// (the outbox too: its records are few, and a staged write refuses
    /// them). The caller flushes.
    fn write_at_once(
        &self,
        trees: &[&sled::Tree],
        writes: &writes::FromBook,
        meta_record: Vec<u8>,
        outbox: &[OutboxEntry],
    ) -> Result<()> {
        let t = &self.t;
        let mut meta_batch = sled::Batch::default();
        meta_batch.insert(META_KEY, meta_record);
        let mut batches = vec![meta_batch];
        for n in 0..trees.len() {
            let mut b = sled::Batch::default();
            staged::Source::each(writes, n, true, &mut |k, v, _| {
                match v {
                    Some(v) => b.insert(k, v),
                    None => b.remove(k),
                }
                Ok(())
            })?;
            batches.push(b);
        }
        let mut out = sled::Batch::default();
        for e in outbox {
            out.insert(e.key(), codec::encode(e).map_err(|e| StoreError::Invalid(e.to_string()))?);
        }
        batches.push(out);
        let mut all = vec![&t.meta];
        all.extend(trees);
        all.push(&t.outbox);
        all[..]
            .transaction(|views| {
                for (view, b) in views.iter().zip(batches.iter()) {
                    view.apply_batch(b)?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                TransactionError::Storage(err) => StoreError::Sled { dir: self.dir.display().to_string(), err },
                TransactionError::Abort(()) => StoreError::Invalid("the write was aborted".into()),
            })?;
        Ok(())
    }

    /// Undoes a staged write that failed part-way (a full disk), at once
    /// and in this process: the records written so far would otherwise
    /// stay in sled under the old sequence while this `Store` goes on
    /// writing, and the next open would keep them or refuse the store.
    /// Returns `failed`; poisons the store if the undo fails too.
    fn undo_failed_write(&mut self, failed: StoreError) -> StoreError {
        // The commit may have reached the `meta` tree and failed on its
        // flush: put the old record back before the journal is played.
        let undone = codec::encode(&self.meta)
            .map_err(|e| e.to_string())
            .and_then(|old| self.t.meta.insert(META_KEY, old).map(drop).map_err(|e| e.to_string()))
            .and_then(|()| staged::recover(&self.dir, &self.db, &self.t.record_trees(), self.meta.seq));
        if let Err(why) = undone {
            self.poisoned = Some(format!("{failed}; undoing it failed too: {why}"));
        }
        failed
    }

    /// The outbox records of a day, by client id.
    pub fn outbox(&self, date: chrono::NaiveDate) -> Result<Vec<OutboxEntry>> {
        let mut prefix = date.format("%Y-%m-%d").to_string().into_bytes();
        prefix.push(0);
        self.t
            .outbox
            .scan_prefix(&prefix)
            .map(|kv| {
                let (k, v) = kv.map_err(sled_err(&self.dir))?;
                codec::decode::<OutboxEntry>(&v).map_err(|err| StoreError::Corrupt {
                    tree: "outbox",
                    key: show_key(&k),
                    err,
                })
            })
            .collect()
    }

    /// Checks every record, count, index and reference; see [`VerifyReport`].
    pub fn verify(&self) -> VerifyReport {
        verify::run(self)
    }

    pub(crate) fn trees(&self) -> &Trees {
        &self.t
    }
}

use sled::Transactional;

/// Opens sled, waiting briefly if its own file lock is still held. Our
/// `dun.lock` is already ours, so no other dun process holds the store; a
/// held sled lock means a store this process just closed is still winding
/// down its background threads (sled releases the lock when the last one
/// ends, shortly after the `Db` is dropped).
fn open_sled(path: &Path) -> sled::Result<sled::Db> {
    let config = sled::Config::new()
        .path(path)
        // Flushing is explicit, after each batch; the background flusher
        // only adds writes the user was not told about.
        .flush_every_ms(None)
        // sled's default page cache is 1 GB; a large import would fill it
        // (sled's memory runs at about twice its cache: 290 MB at 128 MB
        // for a million inserts, 135 MB at 32 MB, at much the same speed).
        // Readers use the image, so the cache only serves writers.
        .cache_capacity(32 * 1024 * 1024);
    let mut waited = 0;
    loop {
        match config.open() {
            Err(sled::Error::Io(e)) if waited < 3000 && e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                waited += 20;
            }
            other => return other,
        }
    }
}

/// sled's errors are written for its developers; say what they mean for the
/// user's data. A damaged store is never answered with "restore a backup"
/// alone: the daily backup can be older than the store, and restoring it
/// would lose the writes since.
fn describe_sled_error(dir: &str, err: &sled::Error) -> String {
    match err {
        sled::Error::Corruption { .. } => format!(
            "the store's files in {dir} are damaged (the storage engine cannot read its log). Nothing was changed. \
             Copy the folder aside before anything else; `dun verify` says what can be read. A backup (in {dir}/backups) \
             holds the book as of its date only: restoring it loses every change made since"
        ),
        sled::Error::Io(e) => match e.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) => paths::no_space(Path::new(dir)),
            Some(libc::EACCES) | Some(libc::EPERM) => {
                let file = paths::first_inaccessible(Path::new(dir)).unwrap_or_else(|| PathBuf::from(dir));
                paths::describe_io(&file, e)
            }
            _ => format!("cannot read or write the store in {dir}: {}", paths::plain_os_error(e)),
        },
        other => format!("storage error in {dir}: {other}"),
    }
}

/// The book of the data folder `dir` and the sequence of the last write it
/// holds, for a reader: the one read path of [`crate::ledger::Embedded`]'s
/// snapshot (the interface's start-up). From the read image when it is
/// current and whole: no sled, no lock. Else it opens the store (which
/// publishes the image again), reads the book and closes it.
pub fn read_book(dir: &Path, opts: OpenOptions) -> Result<(Book, u64)> {
    if let Ok(image) = image::Image::open_current(dir) {
        if let Ok(book) = image.book(image::Need::All) {
            return Ok((book, image.seq));
        }
    }
    let mut store = Store::open_with(dir, opts)?;
    let book = store.take_book()?;
    Ok((book, store.meta().seq))
}

/// The open part of the book of `dir` and its sequence, from the current
/// read image, when that is all a view as of `as_of` needs (balances, aging,
/// the day's list: see [`image::Need::OpenAsOf`]); None otherwise, or when
/// the image is missing, stale or damaged (read the whole book then). The
/// interface starts from this and reads the whole book behind its first
/// screen (see `tui::shell`).
/// `min_closed`: only when the closed history holds at least that many
/// records (below it, reading everything at once costs next to nothing).
pub fn read_open_book(dir: &Path, as_of: chrono::NaiveDate, min_closed: u64) -> Option<(Book, u64)> {
    let image = image::Image::open_current(dir).ok()?;
    let need = image::Need::OpenAsOf(as_of);
    if image.is_empty() || !image.open_suffices(need) || image.closed_records() < min_closed {
        return None;
    }
    let book = image.book(need).ok()?;
    Some((book, image.seq))
}

/// Whether the read image of `book` after `batch` differs from the one
/// before it only in its clients and notes sections (see
/// [`image::encode_reusing`]): the batch holds no invoice, payment or
/// adjustment; no new client (a client's place in key order numbers the
/// facts); and no promise that becomes its client's first (which decides
/// the payments kept as history).
fn leaves_records_alone(book: &Book, batch: &Batch) -> bool {
    batch.invoices.is_empty()
        && batch.payments.is_empty()
        && batch.adjustments.is_empty()
        && batch.clients.iter().all(|c| book.client_index(&c.id).is_some())
        && batch
            .notes
            .iter()
            .filter(|n| n.promise.is_some())
            .all(|n| book.client_notes(&n.client_id).any(|earlier| earlier.promise.is_some() && earlier.date <= n.date))
}

/// Applies a batch that the store has written to an in-memory book, in the
/// same way [`Store::apply`] does for its own copy.
pub fn apply_to_book(book: &mut Book, batch: Batch) {
    writes::place(book, batch);
}

/// A key for messages: text when it is text, else its id.
pub(crate) fn show_key(k: &[u8]) -> String {
    if k.len() == 8 && !k.iter().all(|b| b.is_ascii_graphic()) {
        return u64::from_be_bytes(k.try_into().unwrap_or([0; 8])).to_string();
    }
    String::from_utf8_lossy(k).replace('\0', "/")
}
