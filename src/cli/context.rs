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
        Ok(Ctx { data_dir, today, format, global: g.clone() })
    }

    /// Opens the store and, on the first open of the day, keeps the daily
    /// backup (`[backup] keep_days`, default 7) so a damaged store is never
    /// the only copy. A failed backup is reported but does not stop the
    /// command: the user still needs to reach their book.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        let mut store = Store::open(&self.data_dir)
            .with_context(|| format!("cannot open the book in {}", self.data_dir.display()))?;
        let keep = crate::config::Config::load(self.global.config.as_deref())
            .map(|c| c.backup.keep_days)
            .unwrap_or(crate::config::BackupConfig::default().keep_days);
        if let Err(e) = crate::io::backup::daily(&mut store, self.today, keep) {
            eprintln!("dun: warning: the daily backup failed: {e}");
        }
        Ok(store)
    }
}
