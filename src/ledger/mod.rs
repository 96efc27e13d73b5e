//! The ledger: the one way a change reaches the book. A face hands it a
//! [`Command`]; the ledger stamps it (who, when), builds it against the
//! current book with [`crate::command::build`], allocates ids and writes
//! the batch, all under its write lock; then reports what was written.
//!
//! Like atuin's record `Store` (a local SQLite store, or a proxy to its
//! daemon), [`Ledger`] has two homes that callers cannot tell apart:
//! [`Embedded`] (sled in this process) and, with `dun serve`, a remote one
//! that sends the command over a Unix socket to the process that owns the
//! book. So the trait is object-safe (`Box<dyn Ledger>`), and what crosses
//! it ([`Command`], [`Expect`], [`Applied`], [`crate::command::CommandError`])
//! is serde data.
//!
//! ## The contract
//! - [`Ledger::snapshot`]: the book and the sequence number of the last
//!   write it includes. Sequence numbers only grow, one per write.
//! - [`Ledger::apply`]`(request)`: the ledger stamps the command with its
//!   author and the instant (the business day, the `--today` a face works
//!   in, comes with the [`Request`]). With [`Expect::Latest`] the
//!   command is built against the book as it is at the moment of the write,
//!   whatever the caller last read. That is safe because a command carries
//!   intent, not records: "dispute I-7" is checked again against the
//!   current I-7, and ids are allocated under the lock. With
//!   [`Expect::Seq`]`(n)` the write is refused with [`LedgerError::Stale`]
//!   unless the ledger is still at `n`: for a command decided on what the
//!   caller read (an import planned row by row against a snapshot), where
//!   a write in between would make the plan wrong. Nothing is written on
//!   any error.
//! - [`Applied`] says which sequence the write made and which it followed
//!   (`previous`): a face holding a book at `previous` applies
//!   `built.batch` to it and is current; any other face reads a snapshot.
//! - [`Ledger::latest`]: the current sequence, cheaply, without reading the
//!   book. A face polls it to learn of others' writes (a remote ledger
//!   pushes them).

mod embedded;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::command::{Built, Command, CommandError, Stamp};
use crate::domain::Book;
use crate::store::{Counts, StoreError};

pub use embedded::Embedded;

/// The book as of one write.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub seq: u64,
    pub book: Book,
}

/// Which book a command may be built against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expect {
    /// The book as it is at the moment of the write.
    Latest,
    /// Only the book at this sequence; refused with [`LedgerError::Stale`]
    /// if anything was written since.
    Seq(u64),
}

/// A command and what it may be built against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub command: Command,
    pub expect: Expect,
    /// The business day the entry belongs to (the face's `--today`, else
    /// its local date): the day the rules engine reasons in.
    pub today: NaiveDate,
}

impl Request {
    /// Build against the book as it is when the write happens.
    pub fn latest(today: NaiveDate, command: Command) -> Request {
        Request { command, expect: Expect::Latest, today }
    }
    /// Build only against the book at `seq`.
    pub fn at(seq: u64, today: NaiveDate, command: Command) -> Request {
        Request { command, expect: Expect::Seq(seq), today }
    }
}

/// What a write did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    /// The sequence this write made.
    pub seq: u64,
    /// The sequence it was built on (`seq - 1`).
    pub previous: u64,
    /// The records written, the audit note's id and the one-line summary.
    /// For an import the records are not sent back (`built.batch` is
    /// empty; see `counts`): a face reads a snapshot instead.
    pub built: Built,
    /// How many records of each kind were written.
    pub counts: Counts,
    /// Who wrote it and when, as the ledger stamped it.
    pub stamp: Stamp,
}

impl Applied {
    /// The note that records the entry (what `Command::Undo` takes).
    pub fn note(&self) -> Option<u64> {
        self.built.note
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The command was refused: nothing was written.
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the book changed while you were working (it is at write {found}, not {expected}); nothing was written: read it again and retry"
    )]
    Stale { expected: u64, found: u64 },
    /// The ladder or the fee terms a command needs could not be read.
    #[error("{0}")]
    Policy(String),
    /// From a remote ledger: the server refused (the user's role), could
    /// not be reached, or went away before answering.
    #[error("{0}")]
    Server(String),
}

/// A book that commands are applied to: see the module note for the
/// contract. `Send`, so a server can own one per connection thread.
pub trait Ledger: Send {
    fn snapshot(&mut self) -> Result<Snapshot, LedgerError>;
    fn latest(&mut self) -> Result<u64, LedgerError>;
    fn apply(&mut self, request: Request) -> Result<Applied, LedgerError>;
}
