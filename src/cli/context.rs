//! What every command needs: the [`Session`] (data folder, today, config,
//! how to open the book), how to print, the ledger for writes, and the
//! read image for reads.

use std::ops::Deref;

use super::{Format, GlobalArgs};
use crate::command::Command;
use crate::domain::{Book, OutboxEntry};
use crate::ledger::{Applied, Embedded, Expect, Ledger as _, Request};
use crate::server::remote::Remote;
use crate::session::Session;
use crate::store::image::{Image, ImageError, Need};
use crate::store::{paths, Store, StoreError};

pub use crate::session::DEFAULT_WAIT_SECS;

pub struct Ctx {
    pub session: Session,
    pub format: Format,
    pub global: GlobalArgs,
    /// Stores that were only read, left for the process's exit to reclaim.
    left_for_exit: std::cell::RefCell<Vec<Store>>,
    /// Books that were only read, and a command's other results, likewise.
    values_left: std::cell::RefCell<Vec<Box<dyn std::any::Any>>>,
    /// The book's server (`dun serve`), once looked for.
    server: std::cell::OnceCell<Option<std::cell::RefCell<Remote>>>,
    served: std::cell::OnceCell<Option<Served>>,
}

/// What the server told this command when it connected.
pub struct Served {
    pub user: String,
    pub role: crate::server::team::Role,
    pub rules: anyhow::Result<crate::rules::Rules>,
}

impl Deref for Ctx {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

impl Ctx {
    pub fn new(g: &GlobalArgs) -> anyhow::Result<Ctx> {
        let mut session =
            Session::new(g.data.as_deref(), g.today, g.config.clone(), g.theme.clone(), g.allow_other_owner)?;
        session.wait = std::time::Duration::from_secs(g.wait.unwrap_or(DEFAULT_WAIT_SECS));
        session.socket = g.socket.clone();
        let format = match g.format {
            Some(super::FormatArg::Csv) => Format::Csv,
            Some(super::FormatArg::Json) => Format::Json,
            _ => Format::Table,
        };
        Ok(Ctx {
            session,
            format,
            global: g.clone(),
            left_for_exit: Default::default(),
            values_left: Default::default(),
            server: Default::default(),
            served: Default::default(),
        })
    }

    /// The book's server, when one is running: `--socket` / `DUN_SOCKET`
    /// (which must answer), else one listening in the data folder. Looked
    /// for once, at the first read or write; with a server, every read and
    /// write of this command goes through it. Held while the command
    /// writes (see [`Writer`]): what else a command needs to know of the
    /// server (its user, role, ladder) is kept aside in [`Ctx::served`].
    pub fn server(&self) -> anyhow::Result<Option<std::cell::RefMut<'_, Remote>>> {
        self.find_server()?;
        Ok(self.server.get().and_then(|s| s.as_ref()).map(|r| r.borrow_mut()))
    }

    fn find_server(&self) -> anyhow::Result<()> {
        if self.server.get().is_none() {
            let found = self.session.server()?;
            let info = found.as_ref().map(|r| Served { user: r.user().to_string(), role: r.role(), rules: r.rules() });
            let _ = self.served.set(info);
            let _ = self.server.set(found.map(std::cell::RefCell::new));
        }
        Ok(())
    }

    /// Who the server knows us as, our role, and its ladder, when a server runs.
    pub fn served(&self) -> anyhow::Result<Option<&Served>> {
        self.find_server()?;
        Ok(self.served.get().and_then(|s| s.as_ref()))
    }

    /// The ladder in force: the server's for a served book, else the data folder's.
    pub fn rules(&self) -> anyhow::Result<crate::rules::Rules> {
        if let Some(s) = self.served()? {
            return s.rules.as_ref().map(Clone::clone).map_err(|e| anyhow::anyhow!("{e:#}"));
        }
        self.session.rules()
    }

    /// The book-wide late-fee terms: the server's for a served book (it
    /// charges fees by them), else `[fees]` of this config.
    pub fn fee_terms(&self) -> anyhow::Result<Option<crate::domain::LateFeePolicy>> {
        if let Some(mut r) = self.server()? {
            return Ok(r.fee_terms()?);
        }
        self.session.fee_terms()
    }

    /// Who "me" is: the user the server saw connect, else this process's user.
    pub fn me(&self) -> anyhow::Result<String> {
        Ok(match self.served()? {
            Some(s) => s.user.clone(),
            None => crate::user_name(),
        })
    }

    /// Opens the store in this process, which a book served by `dun serve`
    /// does not allow: the server has it, and may run as another user.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        if let Some(r) = self.server()? {
            anyhow::bail!(
                "the book is served by dun serve on {}, and this command opens the book itself: run it on the server as the account that runs dun serve, with the server stopped",
                r.socket().display()
            );
        }
        self.session.open_store()
    }

    /// The book and where to write, for a command that reads the book,
    /// then writes a series of commands (`remind --send`): the server's
    /// snapshot and a connection of its own to the server, else the store
    /// opened here (with the daily backup) and a ledger over it.
    pub fn book_and_writer(&self) -> anyhow::Result<(Book, Box<dyn crate::ledger::Ledger>)> {
        if self.served()?.is_some() {
            if let Some(mut r) = self.session.server()? {
                let book = r.snapshot()?.book;
                return Ok((book, Box::new(r)));
            }
        }
        let mut store = self.open_store()?;
        // A copy: the ledger goes on writing through the store, whose own
        // book must stay as loaded (it is kept current by each write).
        let book = store.book()?.clone();
        Ok((book, Box::new(self.session.ledger_over(store))))
    }

    /// The book and the outbox records of `date` (`remind --dry-run`).
    pub fn book_and_outbox(&self, date: chrono::NaiveDate) -> anyhow::Result<(Book, Vec<OutboxEntry>)> {
        if let Some(mut r) = self.server()? {
            let outbox = r.outbox(date)?;
            return Ok((r.snapshot()?.book, outbox));
        }
        let mut store = self.open_store()?;
        let outbox = store.outbox(date)?;
        let book = store.take_book()?;
        self.done_reading(store);
        Ok((book, outbox))
    }

    /// Applies one command through the ledger (opening the store, with the
    /// daily backup) and says what was saved on stderr.
    pub fn write(&self, command: Command) -> anyhow::Result<Applied> {
        if let Some(mut remote) = self.server()? {
            let applied = remote.apply(Request::latest(self.today, command))?;
            self.say_saved(&applied);
            return Ok(applied);
        }
        let ledger = self.session.ledger_over(self.open_store()?);
        self.write_with(ledger, Expect::Latest, command)
    }

    /// Applies a command through a ledger the caller set up (over a store
    /// it read from, with `expect` its sequence; or with a policy).
    pub fn write_with(&self, mut ledger: Embedded, expect: Expect, command: Command) -> anyhow::Result<Applied> {
        let applied = ledger.apply(Request { command, expect, today: self.today })?;
        self.say_saved(&applied);
        Ok(applied)
    }

    fn say_saved(&self, applied: &Applied) {
        // The summary holds typed text (names, reasons): escaped for the terminal.
        let done = crate::text::sanitize(&applied.built.done);
        match applied.note() {
            Some(n) => eprintln!("saved: {done} (note #{n})"),
            None => eprintln!("saved: {done}"),
        }
    }

    /// The book for a command that only reads it: from the published read
    /// image, without opening the store or taking its lock, so a reader is
    /// never refused because someone is writing. `need` says how much is
    /// decoded. When the image is missing, stale or damaged, the store is
    /// opened instead (waiting for a writer, as writers do), which also
    /// publishes the image again.
    pub fn read_book(&self, need: Need) -> anyhow::Result<Book> {
        let image = self.current_image()?;
        self.read_book_from(image, need)
    }

    /// The read image, when a reader may use it: no team server, the
    /// folder's owner checked (the same refusals and warnings as opening the
    /// store: a reader of the image must not learn less about the folder than
    /// a writer), no daily backup due, and the image current and whole.
    /// `Ok(None)`: read through [`Ctx::read_book_from`], which knows why.
    pub fn current_image(&self) -> anyhow::Result<Option<Image>> {
        if self.server()?.is_some() {
            return Ok(None);
        }
        if !self.global.allow_other_owner {
            if let Some(owner) = paths::other_owner(&self.data_dir) {
                let dir = self.data_dir.display().to_string();
                return Err(StoreError::OtherOwner { dir, owner }.into());
            }
        }
        if let Some(w) = paths::exposure_warning(&self.data_dir) {
            eprintln!("dun: warning: {}", crate::text::sanitize(&w));
        }
        // The first command of the day keeps the daily backup, as before
        // there was an image: that takes the store (and its lock), once.
        let backup_due = || {
            self.backup_day().is_some_and(|day| !crate::io::backup::daily_done(&self.data_dir, day))
                && self.backup_keep_days() > 0
        };
        match Image::open_current(&self.data_dir) {
            Ok(im) if im.is_empty() || !backup_due() => Ok(Some(im)),
            Ok(_) => Ok(None),
            Err(e @ (ImageError::Damaged(_) | ImageError::Io { .. })) => {
                eprintln!("dun: note: {e}; reading the store instead");
                Ok(None)
            }
            Err(_) => Ok(None),
        }
    }

    /// The book from `image` (from [`Ctx::current_image`]), else from the
    /// team server or the store.
    pub fn read_book_from(&self, image: Option<Image>, need: Need) -> anyhow::Result<Book> {
        // With a team server, the book is the server's (the user may not
        // even be able to read the folder).
        if let Some(mut r) = self.server()? {
            // Its read image when this process can read the server's
            // folder, else only the part this command needs.
            if let Some(book) = r.read_image(need) {
                return Ok(book);
            }
            return Ok(r.read(need)?);
        }
        if let Some(im) = image {
            match im.book(need) {
                Ok(book) => return Ok(book),
                Err(e) => eprintln!("dun: note: {e}; reading the store instead"),
            }
        }
        let mut store = self.open_store()?;
        let book = store.take_book()?;
        self.done_reading(store);
        Ok(book)
    }

    /// Ends a command that only read `book` (see [`Ctx::done_reading`]).
    pub fn done_with(&self, book: Book) {
        self.leave_for_exit(book);
    }

    /// Ends a command's use of `value` (a large result, already printed)
    /// the same way: reclaimed by the OS at exit, dropped by an in-process
    /// caller (see [`Ctx::done_reading`]).
    pub fn leave_for_exit<T: 'static>(&self, value: T) {
        self.values_left.borrow_mut().push(Box::new(value));
    }

    /// `[payments] methods`: the user's payment methods beyond the default
    /// set (none when the config cannot be read; it was checked up front).
    pub fn payment_methods(&self) -> Vec<String> {
        crate::config::Config::load(self.global.config.as_deref()).map(|c| c.payments.methods).unwrap_or_default()
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
