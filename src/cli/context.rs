//! What every command needs: where the data is, what day it is, how to print.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::NaiveDate;

use super::{Format, GlobalArgs};
use crate::store::{paths, Store};

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
        Ok(Ctx { data_dir, today, format, global: g.clone(), left_for_exit: Default::default() })
    }

    /// Opens the store and, on the first open of the day, keeps the daily
    /// backup (`[backup] keep_days`, default 7) so a damaged store is never
    /// the only copy. A failed backup is reported but does not stop the
    /// command: the user still needs to reach their book.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        let mut store = self.open_store_without_backup()?;
        if let Err(e) = crate::io::backup::daily(&mut store, self.today, self.backup_keep_days()) {
            eprintln!("dun: warning: the daily backup failed: {e}");
        }
        Ok(store)
    }

    /// Opens the store and leaves the daily backup to the caller (the
    /// interface takes it on a thread of its own after the first screen).
    pub fn open_store_without_backup(&self) -> anyhow::Result<Store> {
        Store::open(&self.data_dir).with_context(|| format!("cannot open the book in {}", self.data_dir.display()))
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
