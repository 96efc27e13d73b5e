//! What every face needs before it can do anything: where the book is,
//! what day it is, and which config file is in force; and from those, the
//! store (for reading), the [`Ledger`](crate::ledger::Ledger) (for
//! writing), the ladder and the fee terms. Both faces start from a
//! `Session`: the CLI builds one from its arguments and hands it to the
//! interface, so `tui` needs nothing from `cli`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::command::Policy;
use crate::config::{BackupConfig, Config};
use crate::ledger::Embedded;
use crate::store::{paths, OpenOptions, Store, StoreError};

/// How long a writer waits for another by default (`--wait`): far longer
/// than any write but an import of a big file, short enough that a stuck
/// process is reported.
pub const DEFAULT_WAIT_SECS: u64 = 30;

#[derive(Clone, Debug)]
pub struct Session {
    pub data_dir: PathBuf,
    /// `--today`, else the local date: the only place a face reads the
    /// calendar (the ledger reads the clock for the instant of a write).
    pub today: NaiveDate,
    /// Whether `today` is a pretend date (`--today`): such runs never
    /// write or prune backups.
    pub pretend_today: bool,
    /// `--config FILE`, else the default place.
    pub config_path: Option<PathBuf>,
    /// `--theme`, for the interface.
    pub theme: Option<String>,
    /// `--allow-other-owner`: open a book that belongs to another user.
    pub any_owner: bool,
    /// `--wait`: how long opening the store waits for another dun.
    pub wait: std::time::Duration,
    /// `--socket` / `DUN_SOCKET`: where the book's server listens when
    /// that is not in the data folder (see [`Session::server`]).
    pub socket: Option<PathBuf>,
}

impl Session {
    /// A session on `data` (else `$DUN_DATA`, else the default folder) as
    /// of `today` (else the local date). The config file is read once up
    /// front: a missing `--config FILE` or a misspelt key is an error even
    /// for commands that do not use the setting, so a typo never silently
    /// does nothing.
    pub fn new(
        data: Option<&Path>,
        today: Option<NaiveDate>,
        config_path: Option<PathBuf>,
        theme: Option<String>,
        any_owner: bool,
    ) -> anyhow::Result<Session> {
        let data_dir = paths::resolve_data_dir(data).map_err(anyhow::Error::msg)?;
        let pretend_today = today.is_some();
        let today = today.unwrap_or_else(|| chrono::Local::now().date_naive());
        Config::load(config_path.as_deref()).map_err(anyhow::Error::msg)?;
        let wait = std::time::Duration::from_secs(DEFAULT_WAIT_SECS);
        Ok(Session { data_dir, today, pretend_today, config_path, theme, any_owner, wait, socket: None })
    }

    /// How this session opens an existing book (`create`: or starts one).
    pub fn open_options(&self, create: bool) -> OpenOptions {
        OpenOptions { create, any_owner: self.any_owner }
    }

    /// The config file in force (defaults when there is none).
    pub fn config(&self) -> anyhow::Result<Config> {
        Config::load(self.config_path.as_deref()).map_err(anyhow::Error::msg)
    }

    /// The ladder in force for the data folder; an invalid rules.toml is an
    /// error, never a silent fall-back.
    pub fn rules(&self) -> anyhow::Result<crate::rules::Rules> {
        crate::rules::file::load(&self.data_dir)
            .map_err(|e| anyhow::anyhow!("{e}\n(fix the file, or check it with `dun rules check`)"))
    }

    /// The book-wide late-fee terms (`[fees]` in config.toml), if any.
    pub fn fee_terms(&self) -> anyhow::Result<Option<crate::domain::LateFeePolicy>> {
        fee_terms(&self.config()?)
    }

    /// The ladder and fee terms, as a ledger judges commands by them.
    pub fn policy(&self) -> anyhow::Result<Policy> {
        Ok(Policy { rules: self.rules()?, fees: self.fee_terms()? })
    }

    /// Opens the existing book (a folder without one is an error with a
    /// hint) and, on the first open of the real day, keeps the daily
    /// backup (`[backup] keep_days`, default 7) so a damaged store is never
    /// the only copy. A failed backup is reported but does not stop the
    /// command: the user still needs to reach their book.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        self.open_and_back_up(false)
    }

    /// [`Session::open_store`] for the commands that may start a book
    /// (import, client add, demo): a missing or empty folder gets a new one.
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
        let dir = self.data_dir.display();
        let waiting = |who: &str| {
            eprintln!(
                "dun: the book in {dir} is in use by another dun process{}; waiting up to {} s (--wait)",
                crate::text::sanitize(who),
                self.wait.as_secs()
            );
        };
        let opts = self.open_options(create);
        let mut store = Store::open_waiting(&self.data_dir, opts, self.wait, waiting).map_err(|e| match e {
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
        (!self.pretend_today).then_some(self.today)
    }

    /// A ledger that opens the store for each read or write and closes it
    /// again (the interface: the folder is not locked while it sits open).
    /// The ladder and fee terms are read when a command first needs them.
    pub fn ledger(&self) -> Embedded {
        Embedded::new(&self.data_dir).opening(self.open_options(false)).loading_policy(self.clone())
    }

    /// The book's server (`dun serve`), when one is running: the one on
    /// [`Session::socket`], which must answer (waiting a little while it
    /// restarts), else one listening in the data folder. With a server,
    /// every read and write goes through it: this process never opens the
    /// store.
    pub fn server(&self) -> anyhow::Result<Option<crate::server::remote::Remote>> {
        use crate::server::remote::Remote;
        Ok(match &self.socket {
            Some(socket) => Some(Remote::open(socket)?),
            None => crate::server::client::locate(&self.data_dir, None)?.map(Remote::new),
        })
    }

    /// The ledger a face works through: the server's when one is running,
    /// else the store in this process.
    pub fn shared_ledger(&self) -> anyhow::Result<Box<dyn crate::ledger::Ledger>> {
        Ok(match self.server()? {
            Some(remote) => Box::new(remote),
            None => Box::new(self.ledger()),
        })
    }

    /// A ledger over a store this session already opened (the CLI: one
    /// command, one open).
    pub fn ledger_over(&self, store: Store) -> Embedded {
        Embedded::over(store).loading_policy(self.clone())
    }

    /// `[backup] keep_days` from the config (the default when it cannot be read).
    pub fn backup_keep_days(&self) -> u32 {
        self.config().map(|c| c.backup.keep_days).unwrap_or(BackupConfig::default().keep_days)
    }
}

/// The book-wide late-fee terms of a config.
pub fn fee_terms(cfg: &Config) -> anyhow::Result<Option<crate::domain::LateFeePolicy>> {
    let f = &cfg.fees;
    crate::receivables::fees::parse_policy(
        f.fixed.as_deref(),
        f.percent.as_deref(),
        f.annual_rate.as_deref(),
        f.grace_days,
    )
    .map_err(anyhow::Error::msg)
}
