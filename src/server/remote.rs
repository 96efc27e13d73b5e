//! The ledger of a book served by `dun serve`: the second implementation of
//! [`Ledger`] beside [`crate::ledger::Embedded`]. It sends commands, not
//! batches: the server builds each one against its own current book and
//! stamps it with the user the kernel saw, so nothing here decides an id,
//! an author or a sequence.
//!
//! When the server goes away (restarted, killed) the next call waits for it
//! to come back, says so, and carries on. A read is simply asked again. A
//! write is sent again only when it never left this process; a write whose
//! answer was lost is never repeated (it may have been saved): the caller
//! is told so and decides.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::client::{ClientError, Connection};
use super::protocol::{BackupFile, Failure, Member, Request as Wire, Response, Verified};
use super::team::Role;
use crate::domain::{LateFeePolicy, OutboxEntry};
use crate::ledger::{Applied, Ledger, LedgerError, Request, Snapshot};

/// How long a call waits for a server that is not answering.
pub const WAIT_FOR_SERVER: Duration = Duration::from_secs(15);

pub struct Remote {
    socket: PathBuf,
    conn: Option<Connection>,
    user: String,
    role: Role,
    /// The book's rules.toml from the last welcome (kept across outages).
    rules_text: Option<String>,
    /// The book's folder on the server (from the welcome).
    data_dir: PathBuf,
    /// Where "lost the server" / "reconnected" go (stderr for the CLI; the
    /// interface's status line).
    notice: Box<dyn FnMut(&str) + Send>,
    wait: Duration,
}

impl Remote {
    /// Connects to the server on `socket`, waiting up to
    /// [`WAIT_FOR_SERVER`] (and saying so) while it does not answer: it may
    /// be restarting.
    pub fn open(socket: &Path) -> Result<Remote, LedgerError> {
        let mut r = Remote {
            socket: socket.to_path_buf(),
            conn: None,
            user: String::new(),
            role: Role::Viewer,
            rules_text: None,
            data_dir: PathBuf::new(),
            notice: Box::new(|m| eprintln!("dun: {}", crate::text::sanitize(m))),
            wait: WAIT_FOR_SERVER,
        };
        r.connect(false)?;
        Ok(r)
    }

    /// A ledger over an open connection.
    pub fn new(conn: Connection) -> Remote {
        Remote {
            socket: conn.socket().to_path_buf(),
            user: conn.welcome.user.clone(),
            role: conn.welcome.role,
            rules_text: conn.welcome.rules.clone(),
            data_dir: PathBuf::from(&conn.welcome.data_dir),
            conn: Some(conn),
            notice: Box::new(|m| eprintln!("dun: {}", crate::text::sanitize(m))),
            wait: WAIT_FOR_SERVER,
        }
    }

    /// Say outages and reconnections through `f` instead of stderr.
    pub fn on_notice(mut self, f: impl FnMut(&str) + Send + 'static) -> Remote {
        self.notice = Box::new(f);
        self
    }

    /// Wait at most this long for a server that is not answering.
    pub fn waiting(mut self, wait: Duration) -> Remote {
        self.wait = wait;
        self
    }

    /// The OS user the server saw connect: the author of what this ledger writes.
    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The book's data folder on the server.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The book as of the server's last write, from the read image the
    /// server publishes in its data folder, when this process can read it
    /// (the server's own account; a laptop's `dun serve`): no snapshot
    /// crosses the socket. `None` when the folder is closed to us, or the
    /// image is missing, behind the manifest or damaged: ask for a snapshot.
    pub fn read_image(&self, need: crate::store::image::Need) -> Option<crate::domain::Book> {
        self.image_at(need).map(|(_, book)| book)
    }

    /// [`Remote::read_image`] with the sequence of the write it is of.
    fn image_at(&self, need: crate::store::image::Need) -> Option<(u64, crate::domain::Book)> {
        if self.data_dir.as_os_str().is_empty() {
            return None;
        }
        let image = crate::store::image::Image::open_current(&self.data_dir).ok()?;
        let book = image.book(need).ok()?;
        Some((image.seq, book))
    }

    /// The book's ladder, as the server has it.
    pub fn rules(&self) -> anyhow::Result<crate::rules::Rules> {
        match self.rules_text.as_deref() {
            None => Ok(crate::rules::Rules::default()),
            Some(t) => crate::rules::file::parse(t)
                .map_err(|e| anyhow::anyhow!("the book's rules.toml (on the server) does not parse: {e}")),
        }
    }

    /// The connection, reconnecting (and saying so) if it was lost.
    fn conn(&mut self) -> Result<&mut Connection, LedgerError> {
        if self.conn.is_none() {
            self.connect(true)?;
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }

    fn connect(&mut self, again: bool) -> Result<(), LedgerError> {
        {
            let deadline = Instant::now() + self.wait;
            let mut said = false;
            let conn = loop {
                match Connection::open(&self.socket) {
                    Ok(c) => break c,
                    Err(e) if e.is_outage() && Instant::now() < deadline => {
                        if !said {
                            (self.notice)(&format!(
                                "the dun server on {} is not answering; waiting up to {} s for it",
                                self.socket.display(),
                                self.wait.as_secs()
                            ));
                            said = true;
                        }
                        std::thread::sleep(Duration::from_millis(200));
                    }
                    Err(e) => return Err(server_error(e)),
                }
            };
            if again || said {
                (self.notice)(&format!("reconnected to the dun server on {}", self.socket.display()));
            }
            self.role = conn.welcome.role;
            self.user = conn.welcome.user.clone();
            self.rules_text = conn.welcome.rules.clone();
            self.data_dir = PathBuf::from(&conn.welcome.data_dir);
            self.conn = Some(conn);
        }
        Ok(())
    }

    /// Asks something that is safe to ask twice, once more after an outage.
    fn ask(&mut self, req: &Wire) -> Result<Response<'static>, LedgerError> {
        for attempt in 0..2 {
            match self.conn()?.request(req) {
                Ok(r) => return Ok(r),
                Err(e) if e.is_outage() && attempt == 0 => {
                    (self.notice)(&format!("lost the dun server on {}: {e}", self.socket.display()));
                    self.conn = None;
                }
                Err(e) => {
                    if e.is_outage() {
                        self.conn = None;
                    }
                    return Err(server_error(e));
                }
            }
        }
        unreachable!("the loop returns on its second attempt")
    }
}

/// The questions beside the [`Ledger`] trait: what the commands that
/// used to open the store ask the server for. Each is safe to ask twice.
impl Remote {
    fn ask_for<T>(
        &mut self,
        req: &Wire,
        what: &str,
        pick: impl FnOnce(Response<'static>) -> Option<T>,
    ) -> Result<T, LedgerError> {
        match self.ask(req)? {
            Response::Failed(Failure::Other(m)) => Err(LedgerError::Server(m)),
            r => {
                let got = super::client::name(&r);
                pick(r)
                    .ok_or_else(|| LedgerError::Server(format!("the dun server answered {got} where {what} belongs")))
            }
        }
    }

    /// A backup of the book, made by the server (admins only).
    pub fn backup(&mut self) -> Result<BackupFile, LedgerError> {
        self.ask_for(&Wire::Backup, "a backup", |r| match r {
            Response::Backup(b) => Some(b),
            _ => None,
        })
    }

    /// The book as a command that only reads it needs it (see
    /// [`Wire::Read`]): only open items for a day's list, say.
    pub fn read(&mut self, need: crate::store::image::Need) -> Result<crate::domain::Book, LedgerError> {
        let open_as_of = match need {
            crate::store::image::Need::All => None,
            crate::store::image::Need::OpenAsOf(d) => Some(d),
        };
        self.ask_for(&Wire::Read { open_as_of }, "the book", |r| match r {
            Response::Snapshot(s) => Some(s.into_book().1),
            _ => None,
        })
    }

    /// The server's check of its store.
    pub fn verify(&mut self) -> Result<Verified, LedgerError> {
        self.ask_for(&Wire::Verify, "a store check", |r| match r {
            Response::Verified(v) => Some(v),
            _ => None,
        })
    }

    /// The outbox records of `date`.
    pub fn outbox(&mut self, date: chrono::NaiveDate) -> Result<Vec<OutboxEntry>, LedgerError> {
        self.ask_for(&Wire::Outbox { date }, "the outbox", |r| match r {
            Response::Outbox(o) => Some(o),
            _ => None,
        })
    }

    /// The late-fee terms the server charges fees by.
    pub fn fee_terms(&mut self) -> Result<Option<LateFeePolicy>, LedgerError> {
        self.ask_for(&Wire::FeeTerms, "the fee terms", |r| match r {
            Response::FeeTerms(t) => Some(t),
            _ => None,
        })
    }

    /// Who is on the team, with their roles.
    pub fn team(&mut self) -> Result<Vec<Member>, LedgerError> {
        self.ask_for(&Wire::Team, "the team", |r| match r {
            Response::Team(t) => Some(t),
            _ => None,
        })
    }
}

fn server_error(e: ClientError) -> LedgerError {
    LedgerError::Server(e.to_string())
}

fn unexpected(what: &str, r: &Response<'_>) -> LedgerError {
    LedgerError::Server(format!("the dun server answered {} where {what} belongs", super::client::name(r)))
}

impl Ledger for Remote {
    fn snapshot(&mut self) -> Result<Snapshot, LedgerError> {
        // The server's published image, when this process can read it.
        if let Some((seq, book)) = self.image_at(crate::store::image::Need::All) {
            return Ok(Snapshot { seq, book });
        }
        match self.ask(&Wire::Snapshot)? {
            Response::Snapshot(s) => {
                let (seq, book) = s.into_book();
                Ok(Snapshot { seq, book })
            }
            other => Err(unexpected("a snapshot", &other)),
        }
    }

    fn latest(&mut self) -> Result<u64, LedgerError> {
        match self.ask(&Wire::Latest)? {
            Response::Latest { seq } => Ok(seq),
            other => Err(unexpected("the sequence", &other)),
        }
    }

    fn apply(&mut self, request: Request) -> Result<Applied, LedgerError> {
        let wire = Wire::Apply(Box::new(request));
        // Sent again only if it could not be sent at all.
        let sent = match self.conn()?.send(&wire) {
            Ok(()) => Ok(()),
            Err(e) if e.is_outage() => {
                (self.notice)(&format!("lost the dun server on {}: {e}", self.socket.display()));
                self.conn = None;
                self.conn()?.send(&wire)
            }
            Err(e) => Err(e),
        };
        sent.map_err(server_error)?;
        match self.conn()?.receive() {
            Ok(Response::Applied(a)) => Ok(a),
            Ok(Response::Failed(f)) => Err(match f {
                Failure::Command(e) => LedgerError::Command(e),
                Failure::Stale { expected, found } => LedgerError::Stale { expected, found },
                Failure::Other(m) => LedgerError::Server(m),
            }),
            Ok(other) => Err(unexpected("the result of a write", &other)),
            Err(e) if e.is_outage() => {
                self.conn = None;
                (self.notice)(&format!("lost the dun server on {}: {e}", self.socket.display()));
                Err(LedgerError::Server(format!(
                    "the dun server on {} went away before confirming this change: it may or may not have been saved; check before making it again",
                    self.socket.display()
                )))
            }
            Err(e) => Err(server_error(e)),
        }
    }
}
