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

    fn receive(&mut self) -> Result<Response<'static>, ClientError> {
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

    pub fn request(&mut self, req: &Request) -> Result<Response<'static>, ClientError> {
        let bytes = codec::encode(req).map_err(|e| ClientError::Protocol(e.to_string()))?;
        frame::write_frame(&mut self.stream, Kind::Message, &bytes)
            .map_err(|e| ClientError::Lost { socket: self.socket.clone(), source: e.into() })?;
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

fn name(r: &Response<'_>) -> &'static str {
    match r {
        Response::Welcome(_) => "a welcome",
        Response::Snapshot(_) => "a snapshot",
        Response::Status(_) => "the status",
        Response::Watching { .. } => "watching",
        Response::Committed(_) => "a commit",
        Response::Refused(_) => "a refusal",
    }
}
