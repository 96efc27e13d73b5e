//! What every command needs: where the data is, what day it is, how to print.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::{Format, GlobalArgs};
use crate::domain::Book;
use crate::store::image::{Image, ImageError, Need};
use crate::store::{paths, OpenOptions, Store, StoreError};

/// How long a writer waits for another by default (`--wait`): far longer
/// than any write but an import of a big file, short enough that a stuck
/// process is reported.
pub const DEFAULT_WAIT_SECS: u64 = 30;

pub struct Ctx {
    pub data_dir: PathBuf,
    /// `--today`, else the local date: the only place the CLI reads the clock.
    pub today: NaiveDate,
    pub format: Format,
    pub global: GlobalArgs,
    /// Stores that were only read, left for the process's exit to reclaim.
    left_for_exit: std::cell::RefCell<Vec<Store>>,
    /// Books that were only read, likewise.
    books_left: std::cell::RefCell<Vec<Book>>,
}

impl Ctx {
    pub fn new(g: &GlobalArgs) -> anyhow::Result<Ctx> {
        let data_dir = paths::resolve_data_dir(g.data.as_deref()).map_err(anyhow::Error::msg)?;
        let today = g.today.unwrap_or_else(|| chrono::Local::now().date_naive());
        let format = match g.format {
            Some(super::FormatArg::Csv) => Format::Csv,
            Some(super::FormatArg::Json) => Format::Json,
            _ => Format::Table,
        };
        // Read once up front, for every command: a missing `--config FILE`
        // or a misspelt key is an error even for commands that do not use
        // the setting, so a typo never silently does nothing.
        crate::config::Config::load(g.config.as_deref()).map_err(anyhow::Error::msg)?;
        Ok(Ctx {
            data_dir,
            today,
            format,
            global: g.clone(),
            left_for_exit: Default::default(),
            books_left: Default::default(),
        })
    }

    /// Opens the existing book (a folder without one is an error with a
    /// hint) and, on the first open of the real day, keeps the daily
    /// backup (`[backup] keep_days`, default 7) so a damaged store is never
    /// the only copy. A failed backup is reported but does not stop the
    /// command: the user still needs to reach their book.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        self.open_and_back_up(false)
    }

    /// [`Ctx::open_store`] for the commands that may start a book (import,
    /// client add, demo): a missing or empty folder gets a new one.
    pub fn open_or_create_store(&self) -> anyhow::Result<Store> {
        self.open_and_back_up(true)
    }

    fn open_and_back_up(&self, create: bool) -> anyhow::Result<Store> {
        let mut store = self.open_with(create)?;
        if let Some(day) = self.backup_day() {
            if let Err(e) = crate::io::backup::daily(&mut store, day, self.backup_keep_days()) {
                eprintln!("dun: warning: the daily backup failed: {}", crate::text::sanitize(&e));
            }
        }
        Ok(store)
    }

    /// Opens the existing book and leaves the daily backup to the caller
    /// (the interface takes it on a thread of its own after the first screen).
    pub fn open_store_without_backup(&self) -> anyhow::Result<Store> {
        self.open_with(false)
    }

    fn open_with(&self, create: bool) -> anyhow::Result<Store> {
        let opts = OpenOptions { create, any_owner: self.global.allow_other_owner };
        let wait = std::time::Duration::from_secs(self.global.wait.unwrap_or(DEFAULT_WAIT_SECS));
        let dir = self.data_dir.display();
        let waiting = |who: &str| {
            eprintln!(
                "dun: the book in {dir} is in use by another dun process{}; waiting up to {} s (--wait)",
                crate::text::sanitize(who),
                wait.as_secs()
            );
        };
        let mut store = Store::open_waiting(&self.data_dir, opts, wait, waiting).map_err(|e| match e {
            // Already a whole sentence naming the folder.
            e @ (StoreError::NoBook(_) | StoreError::NotABook(_) | StoreError::OtherOwner { .. }) => {
                anyhow::Error::new(e)
            }
            e => anyhow::Error::new(e).context(format!("cannot open the book in {}", self.data_dir.display())),
        })?;
        for w in store.take_warnings() {
            eprintln!("dun: warning: {}", crate::text::sanitize(&w));
        }
        Ok(store)
    }

    /// The day the daily backup is named after: the real date, and none at
    /// all on a `--today` run. Planning runs must never write or prune real
    /// backups (a pretend date would name one, and keep-N pruning would then
    /// delete the real ones).
    pub fn backup_day(&self) -> Option<NaiveDate> {
        self.global.today.is_none().then_some(self.today)
    }

    /// The book for a command that only reads it: from the published read
    /// image, without opening the store or taking its lock, so a reader is
    /// never refused because someone is writing. `need` says how much is
    /// decoded. When the image is missing, stale or damaged, the store is
    /// opened instead (waiting for a writer, as writers do), which also
    /// publishes the image again.
    pub fn read_book(&self, need: Need) -> anyhow::Result<Book> {
        // The first command of the day keeps the daily backup, as before
        // there was an image: that takes the store (and its lock), once.
        let backup_due = || {
            self.backup_day().is_some_and(|day| !crate::io::backup::daily_done(&self.data_dir, day))
                && self.backup_keep_days() > 0
        };
        let read = Image::open_current(&self.data_dir).and_then(|im| {
            if !im.is_empty() && backup_due() {
                Err(ImageError::Missing)
            } else {
                im.book(need)
            }
        });
        match read {
            Ok(book) => return Ok(book),
            Err(e @ (ImageError::Damaged(_) | ImageError::Io { .. })) => {
                eprintln!("dun: note: {e}; reading the store instead");
            }
            Err(_) => {}
        }
        let mut store = self.open_store()?;
        let book = store.take_book()?;
        self.done_reading(store);
        Ok(book)
    }

    /// Ends a command that only read `book` (see [`Ctx::done_reading`]).
    pub fn done_with(&self, book: Book) {
        self.books_left.borrow_mut().push(book);
    }

    /// `[backup] keep_days` from the config (the default when it cannot be read).
    pub fn backup_keep_days(&self) -> u32 {
        crate::config::Config::load(self.global.config.as_deref())
            .map(|c| c.backup.keep_days)
            .unwrap_or(crate::config::BackupConfig::default().keep_days)
    }

    /// Ends a command that only read `store`. Freeing a large book and
    /// sled's page cache one allocation at a time is a tenth of a read
    /// command on a 100k book, and the OS reclaims it all at exit anyway;
    /// so when the process is about to end, [`super::main`] skips that work
    /// by forgetting the `Ctx` that holds these stores. Everything the store
    /// wrote (in `open`, or a batch) was flushed before it returned, and the
    /// directory lock is a flock the OS releases with the process. A caller
    /// that runs commands in process ([`super::run`]) drops the `Ctx`, so the
    /// stores are closed and unlocked as usual.
    pub fn done_reading(&self, store: Store) {
        self.left_for_exit.borrow_mut().push(store);
    }
}
