//! The client's end of the socket: finding the server of a book,
//! connecting (hello, welcome), and asking.

use std::io::ErrorKind;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use super::frame::{self, FrameError, Kind};
use super::protocol::{self, Change, Hello, Refusal, Request, Response, ServerStatus, Welcome};
use crate::domain::Book;
use crate::store::codec;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no dun server is listening on {0}")]
    NoServer(PathBuf),
    /// The server's own words (a refusal at connect, a dropped connection).
    #[error("{0}")]
    Server(String),
    #[error("{}", .0.message)]
    Refused(Refusal),
    #[error("the connection to the dun server on {socket} was lost: {source}")]
    Lost { socket: PathBuf, source: FrameError },
    #[error("cannot reach the dun server on {socket}: {source}")]
    Connect { socket: PathBuf, source: std::io::Error },
    #[error("the dun server sent something this dun does not understand: {0}")]
    Protocol(String),
}

impl ClientError {
    /// Whether the server went away (restarted, killed): worth reconnecting.
    pub fn is_outage(&self) -> bool {
        matches!(self, ClientError::NoServer(_) | ClientError::Lost { .. })
    }
}

/// An open, welcomed connection.
pub struct Connection {
    stream: UnixStream,
    socket: PathBuf,
    pub welcome: Welcome,
}

/// The server for the book in `dir`: the one on `explicit` (`--socket`,
/// `DUN_SOCKET`), which must answer, else the one on the book's own socket
/// if it answers. `Ok(None)`: no server; use the store directly.
pub fn locate(dir: &Path, explicit: Option<&Path>) -> Result<Option<Connection>, ClientError> {
    if let Some(socket) = explicit {
        return Connection::open(socket).map(Some);
    }
    match Connection::open(&super::default_socket(dir)) {
        Ok(c) => Ok(Some(c)),
        // Nothing there, or a socket left by a server that stopped.
        Err(ClientError::NoServer(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Connection {
    pub fn open(socket: &Path) -> Result<Connection, ClientError> {
        let mut stream = match UnixStream::connect(socket) {
            Ok(s) => s,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
                return Err(ClientError::NoServer(socket.to_path_buf()))
            }
            Err(e) => return Err(ClientError::Connect { socket: socket.to_path_buf(), source: e }),
        };
        let lost = |source| ClientError::Lost { socket: socket.to_path_buf(), source };
        frame::write_frame(&mut stream, Kind::Hello, &Hello::ours().encode()).map_err(|e| lost(e.into()))?;
        let mut conn = Connection {
            stream,
            socket: socket.to_path_buf(),
            welcome: Welcome {
                user: String::new(),
                role: super::team::Role::Viewer,
                server_version: String::new(),
                seq: 0,
                rules: None,
                data_dir: String::new(),
            },
        };
        match conn.receive()? {
            Response::Welcome(w) => conn.welcome = w,
            other => return Err(ClientError::Protocol(format!("expected a welcome, got {}", name(&other)))),
        }
        Ok(conn)
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    pub fn receive(&mut self) -> Result<Response<'static>, ClientError> {
        let f = frame::read_frame(&mut self.stream, protocol::MAX_RESPONSE)
            .map_err(|source| ClientError::Lost { socket: self.socket.clone(), source })?;
        match f.kind {
            Kind::Text => {
                Err(ClientError::Server(crate::text::sanitize(&String::from_utf8_lossy(&f.body)).into_owned()))
            }
            Kind::Message => match codec::decode_message::<Response<'static>>(&f.body) {
                Ok(Response::Refused(r)) => Err(ClientError::Refused(r)),
                Ok(r) => Ok(r),
                Err(e) => Err(ClientError::Protocol(e.to_string())),
            },
            Kind::Hello => Err(ClientError::Protocol("a hello from the server".into())),
        }
    }

    /// Sends a request without waiting for the answer ([`Connection::receive`]).
    pub fn send(&mut self, req: &Request) -> Result<(), ClientError> {
        let bytes = codec::encode(req).map_err(|e| ClientError::Protocol(e.to_string()))?;
        frame::write_frame(&mut self.stream, Kind::Message, &bytes)
            .map_err(|e| ClientError::Lost { socket: self.socket.clone(), source: e.into() })
    }

    pub fn request(&mut self, req: &Request) -> Result<Response<'static>, ClientError> {
        self.send(req)?;
        self.receive()
    }

    /// The whole book as the server has it, and its sequence.
    pub fn snapshot(&mut self) -> Result<(u64, Book), ClientError> {
        match self.request(&Request::Snapshot)? {
            Response::Snapshot(s) => Ok(s.into_book()),
            other => Err(ClientError::Protocol(format!("expected a snapshot, got {}", name(&other)))),
        }
    }

    pub fn status(&mut self) -> Result<ServerStatus, ClientError> {
        match self.request(&Request::Status)? {
            Response::Status(s) => Ok(s),
            other => Err(ClientError::Protocol(format!("expected the status, got {}", name(&other)))),
        }
    }

    /// Turns this connection into a stream of commits, from the returned sequence on.
    pub fn watch(mut self) -> Result<(u64, Watcher), ClientError> {
        match self.request(&Request::Watch)? {
            Response::Watching { seq } => Ok((seq, Watcher { conn: self })),
            other => Err(ClientError::Protocol(format!("expected watching, got {}", name(&other)))),
        }
    }
}

/// A connection that only receives commits.
pub struct Watcher {
    conn: Connection,
}

impl Watcher {
    /// Blocks until the next commit; an error means the server went away.
    pub fn next_change(&mut self) -> Result<Change, ClientError> {
        match self.conn.receive()? {
            Response::Committed(c) => Ok(c),
            other => Err(ClientError::Protocol(format!("expected a commit, got {}", name(&other)))),
        }
    }
}

pub(crate) fn name(r: &Response<'_>) -> &'static str {
    match r {
        Response::Welcome(_) => "a welcome",
        Response::Snapshot(_) => "a snapshot",
        Response::Status(_) => "the status",
        Response::Watching { .. } => "watching",
        Response::Committed(_) => "a commit",
        Response::Refused(_) => "a refusal",
        Response::Latest { .. } => "the sequence",
        Response::Applied(_) => "the result of a write",
        Response::Failed(_) => "a failure",
        Response::Backup(_) => "a backup",
        Response::Verified(_) => "a store check",
        Response::Outbox(_) => "the outbox",
        Response::FeeTerms(_) => "the fee terms",
        Response::Team(_) => "the team",
    }
}

/// What a [`follow`] thread reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum News {
    /// Watching, from this sequence on. `again`: after an outage, so the
    /// book may have changed meanwhile (read it again) and the user is told.
    Connected { seq: u64, again: bool },
    /// Someone wrote to the book.
    Change(Change),
    /// The server went away; retrying. Said once per outage.
    Lost(String),
}

/// How often a follower retries a server that went away.
const RETRY: std::time::Duration = std::time::Duration::from_millis(300);

/// Follows the server on `socket` on a thread of its own: every commit, and
/// every outage and reconnection, arrive on the returned channel. The thread
/// ends when the receiver is dropped (noticed at the next news) or when the
/// server refuses the connection outright (the user was removed from the
/// team: reported as `Lost`, then the channel closes).
pub fn follow(socket: PathBuf) -> std::sync::mpsc::Receiver<News> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("dun-follow".into()).spawn(move || {
        let mut again = false;
        let mut said_lost = false;
        loop {
            match Connection::open(&socket).and_then(Connection::watch) {
                Ok((seq, mut watcher)) => {
                    if tx.send(News::Connected { seq, again }).is_err() {
                        return;
                    }
                    loop {
                        match watcher.next_change() {
                            Ok(c) => {
                                if tx.send(News::Change(c)).is_err() {
                                    return;
                                }
                            }
                            Err(e) => {
                                if tx.send(News::Lost(e.to_string())).is_err() {
                                    return;
                                }
                                said_lost = true;
                                break;
                            }
                        }
                    }
                }
                Err(e) if e.is_outage() => {
                    if !said_lost {
                        if tx.send(News::Lost(e.to_string())).is_err() {
                            return;
                        }
                        said_lost = true;
                    }
                }
                Err(e) => {
                    let _ = tx.send(News::Lost(e.to_string()));
                    return;
                }
            }
            again = true;
            std::thread::sleep(RETRY);
        }
    });
    if let Err(e) = spawned {
        // No thread: the interface still works, it only stops being live.
        let (tx, rx) = std::sync::mpsc::channel();
        let _ = tx.send(News::Lost(format!("cannot follow the server: {e}")));
        return rx;
    }
    rx
}
