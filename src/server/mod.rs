//! `dun serve`: one process owns the book and serves everyone else over a
//! Unix socket, the way tmux and PostgreSQL do.
//!
//! The server is the only process that opens the store. Each connection is
//! a session on its own thread: the kernel says who connected
//! ([`peer::peer_cred`]), `team.toml` says what they may do ([`team`]), and
//! every write is built and applied here, one at a time, so ids, authors and
//! sequence numbers are decided in one place. Each commit is pushed to the
//! sessions that watch (open interfaces).
//!
//! Modules: `frame` (bytes on the socket), `protocol` (what is said),
//! `peer` (who is there), `team` (who may do what), `lifecycle` (socket,
//! pid file, stale files), `client` (the other end).

pub mod client;
pub mod frame;
pub mod lifecycle;
pub mod peer;
pub mod protocol;
pub mod remote;
pub mod roles;
pub mod team;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::image::{Image, Need};
use crate::store::{codec, Store};
use frame::{FrameError, Kind};
use peer::OsUser;
use protocol::{Change, Hello, Refusal, Request, Response, ServerStatus, Session, Snapshot, Welcome};
use team::Role;

/// How long a client has to say hello after connecting.
const HELLO_DEADLINE: Duration = Duration::from_secs(5);

/// What `dun serve` was asked to do.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub data_dir: PathBuf,
    pub socket: Option<PathBuf>,
    /// The config whose fee terms commands are judged by (`--config`).
    pub config: Option<PathBuf>,
}

/// A line in the server's log (stderr: the journal under systemd).
pub fn log(msg: &str) {
    let line = format!("{} dun serve: {}\n", Utc::now().format("%Y-%m-%dT%H:%M:%SZ"), crate::text::sanitize(msg));
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// What every session shares.
struct Shared {
    dir: PathBuf,
    socket: PathBuf,
    started: DateTime<Utc>,
    /// Taken out for the moment of a write (the ledger holds it then).
    store: Mutex<Option<Store>>,
    /// Where the ladder and fee terms of a command come from.
    session: crate::session::Session,
    sessions: Mutex<BTreeMap<u64, Session>>,
    watchers: Mutex<Vec<mpsc::Sender<Change>>>,
    last_write: Mutex<Option<Change>>,
    next_session: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A session that panicked must not take the whole server with it; the
    // data behind these locks is never left half-changed by a panic (the
    // store's writes are transactions).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the server until SIGTERM or SIGINT.
pub fn serve(opts: &ServeOptions) -> anyhow::Result<()> {
    let dir = &opts.data_dir;
    lifecycle::check_folder(dir, "the data folder", false).map_err(anyhow::Error::msg)?;
    if let Some(team) = team::Team::load(dir).map_err(anyhow::Error::msg)? {
        let groups: Vec<&str> = team.group_names().map(|(n, _)| n).collect();
        log(&format!("team from {} (groups: {})", team.path.display(), groups.join(", ")));
    } else {
        log(&format!("no {} in {}: only this account may connect", team::FILE_NAME, dir.display()));
    }
    let mut store = Store::open(dir).map_err(|e| match e {
        crate::store::StoreError::Locked(m) => anyhow::anyhow!("{m}; is a server already running for this book?"),
        e => anyhow::anyhow!("cannot open the book in {}: {e}", dir.display()),
    })?;
    store.book().map_err(|e| anyhow::anyhow!("cannot load the book in {}: {e}", dir.display()))?;
    let socket = lifecycle::socket_path(dir, opts.socket.as_deref());
    // Written before the socket answers, so whoever sees the socket finds the pid.
    let pid = lifecycle::PidFile::write(dir, &socket).map_err(anyhow::Error::msg)?;
    let (listener, notes) = match lifecycle::bind(&socket) {
        Ok(l) => l,
        Err(e) => {
            pid.remove();
            anyhow::bail!(e)
        }
    };
    for n in notes {
        log(&n);
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    let shared = Arc::new(Shared {
        dir: dir.clone(),
        socket: socket.clone(),
        started: Utc::now(),
        store: Mutex::new(Some(store)),
        session: crate::session::Session::new(Some(dir), None, opts.config.clone(), None, false)?,
        sessions: Mutex::new(BTreeMap::new()),
        watchers: Mutex::new(Vec::new()),
        last_write: Mutex::new(None),
        next_session: AtomicU64::new(1),
    });
    if let Some(store) = lock(&shared.store).as_mut() {
        daily_backup(&shared.session, store);
    }
    log(&format!("serving {} (pid {}, seq {})", dir.display(), std::process::id(), seq(&shared)));
    let result = accept_loop(&listener, &shared, &stop);
    // Taking the store waits for the write in flight, if any; no other
    // starts after this, and the process ends with the store closed.
    let store = lock(&shared.store);
    let _ = std::fs::remove_file(&socket);
    pid.remove();
    log(&format!("stopped at seq {}", store.as_ref().map_or(0, |s| s.meta().seq)));
    // The lock is kept until the process ends: no session starts a write
    // between here and exit.
    std::mem::forget(store);
    result
}

fn accept_loop(listener: &UnixListener, shared: &Arc<Shared>, stop: &AtomicBool) -> anyhow::Result<()> {
    while !stop.load(Ordering::SeqCst) {
        // Poll with a timeout so a signal is noticed within a fifth of a second.
        let mut pfd = libc::pollfd { fd: listener.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: poll reads and writes only our one pollfd.
        let rc = unsafe { libc::poll(&mut pfd, 1, 200) };
        if rc <= 0 {
            continue;
        }
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                let spawned =
                    std::thread::Builder::new().name("dun-session".into()).spawn(move || session(stream, &shared));
                if let Err(e) = spawned {
                    log(&format!("cannot start a session: {e}"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                log(&format!("accept failed: {e}"));
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    log("stopping (signal)");
    Ok(())
}

/// Who a session is, for the log.
struct Who {
    user: OsUser,
    pid: i32,
}

impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (uid {}, pid {})", self.user.name, self.user.uid, self.pid)
    }
}

fn send(stream: &mut UnixStream, response: &Response<'_>) -> std::io::Result<()> {
    let bytes = codec::encode(response).map_err(|e| std::io::Error::other(e.to_string()))?;
    frame::write_frame(stream, Kind::Message, &bytes)
}

fn send_text(stream: &mut UnixStream, text: &str) {
    let _ = frame::write_frame(stream, Kind::Text, text.as_bytes());
}

fn session(mut stream: UnixStream, shared: &Shared) {
    let cred = match peer::peer_cred(&stream) {
        Ok(c) => c,
        Err(e) => {
            log(&format!("refused a connection whose peer cannot be told: {e}"));
            return;
        }
    };
    let user = peer::user_by_uid(cred.uid).unwrap_or(OsUser {
        name: format!("uid {}", cred.uid),
        uid: cred.uid,
        gid: cred.gid,
    });
    let who = Who { user, pid: cred.pid };
    let _ = stream.set_read_timeout(Some(HELLO_DEADLINE));
    let hello = match frame::read_frame(&mut stream, 4096) {
        Ok(f) if f.kind == Kind::Hello => Hello::decode(&f.body),
        Ok(f) => Err(format!("the first message is a {:?} frame, not a hello", f.kind)),
        Err(e) => Err(e.to_string()),
    };
    let _ = stream.set_read_timeout(None);
    let hello = match hello {
        Ok(h) => h,
        Err(e) => {
            log(&format!("refused {who}: {e}"));
            send_text(&mut stream, &format!("refused: {e}"));
            return;
        }
    };
    if hello.protocol != protocol::PROTOCOL {
        let m = protocol::mismatch_message(&hello);
        log(&format!("refused {who}: {m}"));
        send_text(&mut stream, &m);
        return;
    }
    let role = match team::admit(&shared.dir, &who.user) {
        Ok(r) => r,
        Err(m) => {
            log(&format!("refused {who}: {m}"));
            send_text(&mut stream, &m);
            return;
        }
    };
    let seq = seq(shared);
    let welcome = Welcome {
        user: who.user.name.clone(),
        role,
        server_version: env!("CARGO_PKG_VERSION").to_string(),
        seq,
        rules: std::fs::read_to_string(shared.dir.join(crate::rules::file::RULES_FILE)).ok(),
        data_dir: std::fs::canonicalize(&shared.dir).unwrap_or_else(|_| shared.dir.clone()).display().to_string(),
    };
    if send(&mut stream, &Response::Welcome(welcome)).is_err() {
        return;
    }
    let id = shared.next_session.fetch_add(1, Ordering::SeqCst);
    lock(&shared.sessions)
        .insert(id, Session { user: who.user.name.clone(), role, pid: who.pid, since: Utc::now(), watching: false });
    log(&format!("{who} connected as {role}"));
    let end = serve_requests(&mut stream, shared, &who, role, id);
    lock(&shared.sessions).remove(&id);
    match end {
        Ok(()) => log(&format!("{who} disconnected")),
        Err(e) => {
            log(&format!("dropped {who}: {e}"));
            send_text(&mut stream, &format!("the server dropped this connection: {e}"));
        }
    }
}

/// Answers requests until the client hangs up (`Ok`) or sends something
/// that is not a request (`Err`, logged by the caller).
fn serve_requests(stream: &mut UnixStream, shared: &Shared, who: &Who, role: Role, id: u64) -> Result<(), String> {
    loop {
        let f = match frame::read_frame(stream, protocol::MAX_REQUEST) {
            Ok(f) => f,
            Err(FrameError::Closed) => return Ok(()),
            Err(e) => return Err(format!("malformed message: {e}")),
        };
        if f.kind != Kind::Message {
            return Err(format!("malformed message: a {:?} frame where a request belongs", f.kind));
        }
        let request: Request = codec::decode_message(&f.body).map_err(|e| format!("malformed request: {e}"))?;
        if role < request.needs() {
            let refusal = Refusal {
                message: format!("{} is a {role} on this book; that needs the {} role", who.user.name, request.needs()),
                needs: Some(request.needs()),
            };
            send(stream, &Response::Refused(refusal)).map_err(|e| e.to_string())?;
            continue;
        }
        match request {
            Request::Snapshot => {
                let mut slot = lock(&shared.store);
                let store = slot.as_mut().ok_or("the server has lost its book")?;
                let seq = store.meta().seq;
                let book = store.book().map_err(|e| e.to_string())?;
                // Encoded under the lock, sent after it: a slow reader must not hold up writers.
                let bytes = codec::encode(&Response::Snapshot(Snapshot::of(seq, book))).map_err(|e| e.to_string())?;
                drop(slot);
                frame::write_frame(stream, Kind::Message, &bytes).map_err(|e| e.to_string())?;
            }
            Request::Read { open_as_of } => {
                let need = open_as_of.map_or(Need::All, Need::OpenAsOf);
                let mut slot = lock(&shared.store);
                let store = slot.as_mut().ok_or("the server has lost its book")?;
                let seq = store.meta().seq;
                // The part asked for, from the image the store publishes
                // after each write (current under this lock); the whole
                // book if the image cannot be read.
                let part = Image::open_current(&shared.dir).ok().and_then(|im| im.book(need).ok());
                let bytes = match &part {
                    Some(book) => codec::encode(&Response::Snapshot(Snapshot::of(seq, book))),
                    None => {
                        codec::encode(&Response::Snapshot(Snapshot::of(seq, store.book().map_err(|e| e.to_string())?)))
                    }
                }
                .map_err(|e| e.to_string())?;
                drop(slot);
                frame::write_frame(stream, Kind::Message, &bytes).map_err(|e| e.to_string())?;
            }
            Request::Status => {
                let status = status(shared);
                send(stream, &Response::Status(status)).map_err(|e| e.to_string())?;
            }
            Request::Watch => return watch(stream, shared, id),
            Request::Latest => {
                send(stream, &Response::Latest { seq: seq(shared) }).map_err(|e| e.to_string())?;
            }
            Request::Apply(req) => {
                let response = apply(shared, who, role, *req);
                send(stream, &response).map_err(|e| e.to_string())?;
            }
            Request::Backup => {
                let response = with_store(shared, |store| {
                    let book = store.book().map_err(|e| format!("cannot read the book to back it up: {e}"))?;
                    let (info, bytes) = crate::io::backup::snapshot(book)?;
                    Ok(Response::Backup(protocol::BackupFile { counts: info.counts, crc32: info.crc32, bytes }))
                });
                if let Response::Backup(b) = &response {
                    log(&format!("{who} took a backup ({} bytes, crc32 {:08x})", b.bytes.len(), b.crc32));
                }
                send(stream, &response).map_err(|e| e.to_string())?;
            }
            Request::Verify => {
                let response = with_store(shared, |store| {
                    let report = store.verify();
                    Ok(Response::Verified(protocol::Verified { counts: report.counts, problems: report.problems }))
                });
                if let Response::Verified(v) = &response {
                    log(&format!("{who} verified the store: {} problem(s)", v.problems.len()));
                }
                send(stream, &response).map_err(|e| e.to_string())?;
            }
            Request::Outbox { date } => {
                let response = with_store(shared, |store| {
                    store.outbox(date).map(Response::Outbox).map_err(|e| format!("cannot read the outbox: {e}"))
                });
                send(stream, &response).map_err(|e| e.to_string())?;
            }
            Request::FeeTerms => {
                let response = match shared.session.fee_terms() {
                    Ok(terms) => Response::FeeTerms(terms),
                    Err(e) => Response::Failed(protocol::Failure::Other(format!("the server's fee terms: {e:#}"))),
                };
                send(stream, &response).map_err(|e| e.to_string())?;
            }
            Request::Team => {
                let members = match team::Team::load(&shared.dir) {
                    Ok(Some(t)) => t.members(),
                    // Without a team file only the server's account may connect.
                    Ok(None) => vec![(who.user.name.clone(), role)],
                    Err(e) => {
                        let failure = protocol::Failure::Other(e);
                        send(stream, &Response::Failed(failure)).map_err(|e| e.to_string())?;
                        continue;
                    }
                };
                let members = members.into_iter().map(|(user, role)| protocol::Member { user, role }).collect();
                send(stream, &Response::Team(members)).map_err(|e| e.to_string())?;
            }
        }
    }
}

/// Runs `f` on the server's store, under its lock (no write is halfway
/// through meanwhile); an error becomes a [`protocol::Failure`].
fn with_store(shared: &Shared, f: impl FnOnce(&mut Store) -> Result<Response<'static>, String>) -> Response<'static> {
    let mut slot = lock(&shared.store);
    match slot.as_mut() {
        Some(store) => f(store).unwrap_or_else(|e| Response::Failed(protocol::Failure::Other(e))),
        None => Response::Failed(protocol::Failure::Other("the server has lost its book; see its log".into())),
    }
}

fn status(shared: &Shared) -> ServerStatus {
    ServerStatus {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        since: shared.started,
        data_dir: shared.dir.display().to_string(),
        socket: shared.socket.display().to_string(),
        seq: seq(shared),
        sessions: lock(&shared.sessions).values().cloned().collect(),
        last_write: lock(&shared.last_write).clone(),
    }
}

/// Pushes each commit to the client until it hangs up.
fn watch(stream: &mut UnixStream, shared: &Shared, id: u64) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let seq = {
        // Registered under the store's lock, so no commit falls between the
        // sequence reported here and the first one pushed.
        let store = lock(&shared.store);
        lock(&shared.watchers).push(tx);
        store.as_ref().map_or(0, |s| s.meta().seq)
    };
    if let Some(s) = lock(&shared.sessions).get_mut(&id) {
        s.watching = true;
    }
    send(stream, &Response::Watching { seq }).map_err(|e| e.to_string())?;
    loop {
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(change) => {
                if send(stream, &Response::Committed(change)).is_err() {
                    return Ok(());
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if hung_up(stream) {
                    return Ok(());
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

/// Whether a watching client has closed its end (it sends nothing while watching).
fn hung_up(stream: &UnixStream) -> bool {
    let mut pfd = libc::pollfd { fd: stream.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: poll with a zero timeout on our one pollfd.
    let rc = unsafe { libc::poll(&mut pfd, 1, 0) };
    rc > 0 && pfd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
}

fn seq(shared: &Shared) -> u64 {
    lock(&shared.store).as_ref().map_or(0, |s| s.meta().seq)
}

/// Applies one command as `who`: checks the role it needs against the book
/// as it is, then builds and writes it through the embedded ledger with the
/// kernel's user name as its author. Writes are one at a time (the store's
/// lock), and each commit is pushed to the watchers before the next starts,
/// so they see them in order.
fn apply(shared: &Shared, who: &Who, role: Role, req: crate::ledger::Request) -> Response<'static> {
    use crate::ledger::{Ledger as _, LedgerError};
    use protocol::Failure;
    let mut slot = lock(&shared.store);
    let Some(mut store) = slot.take() else {
        return Response::Failed(Failure::Other("the server has lost its book; see its log".into()));
    };
    let needs = match store.book() {
        Ok(book) => roles::needs(&req.command, &who.user.name, book),
        Err(e) => {
            *slot = Some(store);
            return Response::Failed(Failure::Other(format!("the server cannot read its book: {e}")));
        }
    };
    if role < needs {
        *slot = Some(store);
        let message = format!(
            "{} is a {role} on this book; that change needs the {needs} role (see {} on the server)",
            who.user.name,
            team::FILE_NAME
        );
        log(&format!("refused a write by {who}: {message}"));
        return Response::Refused(Refusal { message, needs: Some(needs) });
    }
    let mut ledger = shared.session.ledger_over(store).with_author(who.user.name.clone(), Utc::now);
    let result = ledger.apply(req);
    // The ledger gives back the store it was given, unless a write that
    // failed and could not be undone poisoned it (it refuses everything
    // then): opened again here, which recovers it, rather than serve nothing.
    *slot = ledger.into_store();
    debug_assert!(slot.as_ref().is_none_or(|s| !s.is_poisoned()), "the ledger kept a poisoned store");
    if slot.is_none() {
        match Store::open(&shared.dir) {
            Ok(s) => *slot = Some(s),
            Err(e) => log(&format!("cannot reopen the book after a write: {e}")),
        }
    }
    if result.is_ok() {
        if let Some(store) = slot.as_mut() {
            daily_backup(&shared.session, store);
        }
    }
    match result {
        Ok(applied) => {
            let change = change_of(&applied);
            log(&format!("{who} wrote seq {}: {} ({})", applied.seq, change.summary, change.clients.join(", ")));
            publish(shared, change);
            Response::Applied(applied)
        }
        Err(e) => {
            log(&format!("refused a write by {who}: {e}"));
            Response::Failed(match e {
                LedgerError::Command(c) => Failure::Command(c),
                LedgerError::Stale { expected, found } => Failure::Stale { expected, found },
                other => Failure::Other(other.to_string()),
            })
        }
    }
}

/// The daily backup in the data folder's `backups/` (`[backup] keep_days`
/// of the server's config), which a client of a served book never takes:
/// at start, and after the first write of each day. A failure is logged;
/// the write it follows was saved all the same.
fn daily_backup(session: &crate::session::Session, store: &mut Store) {
    let today = chrono::Local::now().date_naive();
    if crate::io::backup::daily_done(store.dir(), today) {
        return;
    }
    match crate::io::backup::daily(store, today, session.backup_keep_days()) {
        Ok(Some(path)) => log(&format!("daily backup written to {}", path.display())),
        Ok(None) => {}
        Err(e) => log(&format!("the daily backup failed: {e}")),
    }
}

/// What a write was, for watchers, the log and `dun status`.
fn change_of(applied: &crate::ledger::Applied) -> Change {
    let b = &applied.built.batch;
    let mut clients: Vec<String> = b
        .notes
        .iter()
        .map(|n| n.client_id.clone())
        .chain(b.payments.iter().map(|p| p.client_id.clone()))
        .chain(b.clients.iter().map(|c| c.id.clone()))
        .chain(b.invoices.iter().map(|i| i.client_id.to_string()))
        .collect();
    clients.sort();
    clients.dedup();
    // An import names thousands: the count says enough.
    if clients.len() > 20 {
        clients = vec![format!("{} accounts", clients.len())];
    }
    Change {
        seq: applied.seq,
        at: applied.stamp.at,
        author: applied.stamp.author.clone(),
        clients,
        summary: applied.built.done.clone(),
    }
}

/// Records a commit for `dun status` and pushes it to every watcher,
/// dropping the ones that have gone.
fn publish(shared: &Shared, change: Change) {
    lock(&shared.watchers).retain(|tx| tx.send(change.clone()).is_ok());
    *lock(&shared.last_write) = Some(change);
}

/// The default socket of the book in `dir` (for clients looking for a server).
pub fn default_socket(dir: &Path) -> PathBuf {
    dir.join(lifecycle::SOCKET_NAME)
}
