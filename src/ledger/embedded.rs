//! The ledger in this process: today's sled [`Store`] behind the
//! [`Ledger`] trait. Two ways to hold the store:
//! - [`Embedded::new`]: opened for each read or write and closed again, so
//!   a data folder is not locked while the interface sits open (a cron
//!   job's `dun today`, or a colleague's dun, can use it meanwhile);
//! - [`Embedded::over`]: a store the caller opened, kept for the ledger's
//!   life (one CLI command, one open).
//!
//! Either way a write is: open (waiting briefly if another dun has the
//! folder), check the expected sequence, stamp, build against the book as
//! it is on disk, allocate ids from the store's counters, write and flush.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Applied, Expect, Ledger, LedgerError, Request, Snapshot};
use crate::command::{self, Command, Policy, Stamp};
use crate::session::Session;
use crate::store::{OpenOptions, Store, StoreError};

pub struct Embedded {
    dir: PathBuf,
    /// Kept open between calls ([`Embedded::over`]), else opened per call.
    held: Option<Store>,
    keep_open: bool,
    policy: Option<Policy>,
    /// Where the ladder and fee terms are read from when a command first
    /// needs them (and `policy` was not given).
    session: Option<Session>,
    author: String,
    clock: fn() -> DateTime<Utc>,
    /// How long to wait for a folder another dun holds.
    wait: Duration,
    /// How the store is opened: an existing book only, unless told.
    open: OpenOptions,
}

impl Embedded {
    /// A ledger on the data folder `dir`, opening the store for each call.
    pub fn new(dir: &Path) -> Embedded {
        Embedded {
            dir: dir.to_path_buf(),
            held: None,
            keep_open: false,
            policy: None,
            session: None,
            author: crate::user_name(),
            clock: Utc::now,
            wait: Duration::from_secs(3),
            open: OpenOptions::default(),
        }
    }

    /// Open the store with these options (a book of another owner).
    pub fn opening(mut self, open: OpenOptions) -> Embedded {
        self.open = open;
        self
    }

    /// A ledger over an open store, kept open until the ledger is dropped.
    pub fn over(store: Store) -> Embedded {
        let mut e = Embedded::new(store.dir());
        e.held = Some(store);
        e.keep_open = true;
        e
    }

    /// Judge commands by this ladder and these fee terms.
    pub fn with_policy(mut self, policy: Policy) -> Embedded {
        self.policy = Some(policy);
        self
    }

    /// Read the ladder and fee terms from `session` when a command first
    /// needs them (so a broken rules.toml only stops "mark done").
    pub fn loading_policy(mut self, session: Session) -> Embedded {
        self.session = Some(session);
        self
    }

    /// Stamp writes with this author and clock (tests fix them; a server
    /// sets the peer's user name).
    pub fn with_author(mut self, author: impl Into<String>, clock: fn() -> DateTime<Utc>) -> Embedded {
        self.author = author.into();
        self.clock = clock;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Gives the store back (a CLI command that goes on reading).
    pub fn into_store(mut self) -> Option<Store> {
        self.held.take()
    }

    /// The store, opened if it is not held. A folder held by another dun
    /// (a cron report, a colleague's save: a fraction of a second) is
    /// waited for, up to `wait`.
    fn store(&mut self) -> Result<Store, StoreError> {
        if let Some(s) = self.held.take() {
            return Ok(s);
        }
        // Quietly: the interface is on the screen.
        Store::open_waiting(&self.dir, self.open, self.wait, |_| {})
    }

    /// Keeps the store for the next call, unless a failed write poisoned
    /// it: dropped then, so the next call opens it again, which recovers it.
    fn put_back(&mut self, store: Store) {
        if self.keep_open && !store.is_poisoned() {
            self.held = Some(store);
        }
    }

    fn policy_for(&mut self, cmd: &Command) -> Result<Policy, LedgerError> {
        if let Some(p) = &self.policy {
            return Ok(p.clone());
        }
        let mut p = Policy::default();
        if let Some(s) = &self.session {
            let err = |e: anyhow::Error| LedgerError::Policy(format!("{e:#}"));
            match cmd {
                Command::MarkDone { .. } => p.rules = s.rules().map_err(err)?,
                Command::ChargeFee { .. } => p.fees = s.fee_terms().map_err(err)?,
                _ => {}
            }
        }
        Ok(p)
    }

    fn write(&mut self, store: &mut Store, request: Request) -> Result<Applied, LedgerError> {
        let Request { command: mut cmd, expect, today } = request;
        let previous = store.meta().seq;
        // The outbox is not in the book: whether a message may go is decided
        // here, under the write lock, so two runs cannot both send it.
        if let Command::QueueMessage { entry, resend_unknown } = &mut cmd {
            let existing = store.outbox(entry.date)?.into_iter().find(|e| e.key() == entry.key());
            crate::mail::outbox::admit(existing.as_ref(), entry, *resend_unknown)?;
        }
        if let Expect::Seq(expected) = expect {
            if expected != previous {
                return Err(LedgerError::Stale { expected, found: previous });
            }
        }
        let policy = self.policy_for(&cmd)?;
        let stamp = Stamp { date: today, at: (self.clock)(), author: self.author.clone() };
        let mut ids = store.ids();
        let bulk = matches!(cmd, Command::Import { .. });
        let mut built = command::build(store.book()?, &policy, &stamp, &mut ids, cmd)?;
        let counts = built.batch.counts();
        if bulk {
            // A million records are not copied to be sent back: the face
            // reads a snapshot after an import.
            store.apply(std::mem::take(&mut built.batch))?;
        } else {
            store.apply(built.batch.clone())?;
        }
        Ok(Applied { seq: store.meta().seq, previous, built, counts, stamp })
    }
}

impl Ledger for Embedded {
    fn snapshot(&mut self) -> Result<Snapshot, LedgerError> {
        if let Some(mut store) = self.held.take() {
            let r = store.take_book().map(|book| Snapshot { seq: store.meta().seq, book });
            self.held = Some(store);
            return Ok(r?);
        }
        let (book, seq) = crate::store::read_book(&self.dir, self.open)?;
        Ok(Snapshot { seq, book })
    }

    fn latest(&mut self) -> Result<u64, LedgerError> {
        if let Some(s) = &self.held {
            return Ok(s.meta().seq);
        }
        // The manifest is written after every flushed write: reading it
        // needs neither sled nor the lock.
        match crate::store::manifest::Manifest::read(&self.dir).map_err(StoreError::Io)? {
            Some(m) => Ok(m.seq),
            None => Ok(self.store().map(|s| s.meta().seq)?),
        }
    }

    fn apply(&mut self, request: Request) -> Result<Applied, LedgerError> {
        let mut store = self.store()?;
        let result = self.write(&mut store, request);
        self.put_back(store);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::ClientFields;

    /// A held store that a failed write poisoned is not kept: the next
    /// write opens the store again and succeeds.
    #[test]
    fn a_poisoned_store_is_dropped_and_opened_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let mut store = Store::open(&dir).unwrap();
        store.poison_for_test();
        let mut ledger = Embedded::over(store);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let add = |id: &str| {
            let fields = ClientFields { name: Some("Acme".into()), ..Default::default() };
            Request::latest(day, Command::AddClient { id: id.into(), fields })
        };
        let e = ledger.apply(add("C1")).expect_err("the poisoned store refuses");
        assert!(e.to_string().contains("opened again"), "{e}");
        ledger.apply(add("C1")).unwrap();
        let store = ledger.into_store().expect("kept open");
        assert_eq!(store.counts().clients, 1);
    }
}
