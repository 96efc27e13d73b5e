//! What every command needs: where the data is, what day it is, how to print.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::{Format, GlobalArgs};
use crate::store::{paths, OpenOptions, Store, StoreError};

pub struct Ctx {
    pub data_dir: PathBuf,
    /// `--today`, else the local date: the only place the CLI reads the clock.
    pub today: NaiveDate,
    pub format: Format,
    pub global: GlobalArgs,
    /// Stores that were only read, left for the process's exit to reclaim.
    left_for_exit: std::cell::RefCell<Vec<Store>>,
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
        Ok(Ctx { data_dir, today, format, global: g.clone(), left_for_exit: Default::default() })
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
        let mut store = Store::open_with(&self.data_dir, opts).map_err(|e| match e {
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
