//! What client and server say to each other, inside the frames of
//! `frame.rs`.
//!
//! A conversation: the client sends `Hello` (magic, protocol version, its
//! dun version); the server answers a [`Response::Welcome`] naming the user
//! it saw and their role, or a `Text` frame saying why not (the protocol
//! does not match, the user is not on the team) and closes. Then requests
//! and responses alternate; after [`Request::Watch`] the server only pushes
//! [`Response::Committed`], one per write to the book.
//!
//! `Hello` and `Text` keep their shape across versions, so a client and a
//! server of different versions always get as far as a clear message.
//! Everything else is the codec's envelope (versioned, checksummed) and may
//! change when [`PROTOCOL`] does.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::team::Role;
use crate::domain::{Adjustment, Book, Client, Invoice, Note, Payment};

/// Bumped whenever a request or response changes shape.
pub const PROTOCOL: u32 = 2;
const MAGIC: &[u8; 4] = b"dun\0";

/// The most a client may send in one frame (commands are small; an import
/// of a large book is the biggest).
pub const MAX_REQUEST: usize = 256 * 1024 * 1024;
/// The most a client accepts in one frame (a snapshot holds a whole book).
pub const MAX_RESPONSE: usize = crate::store::codec::MAX_MESSAGE_BYTES;

/// The client's first frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    pub protocol: u32,
    /// The client's dun version, for messages and the log.
    pub version: String,
}

impl Hello {
    pub fn ours() -> Hello {
        Hello { protocol: PROTOCOL, version: env!("CARGO_PKG_VERSION").to_string() }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&self.protocol.to_be_bytes());
        out.extend_from_slice(self.version.as_bytes());
        out
    }

    pub fn decode(body: &[u8]) -> Result<Hello, String> {
        if body.len() < 8 || &body[..4] != MAGIC {
            return Err("the first message is not a dun hello".into());
        }
        let protocol = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
        let version: String = String::from_utf8_lossy(&body[8..]).chars().take(40).collect();
        Ok(Hello { protocol, version })
    }
}

/// The server's answer to a hello from another protocol version.
pub fn mismatch_message(client: &Hello) -> String {
    let theirs = crate::text::sanitize(&client.version);
    let ours = env!("CARGO_PKG_VERSION");
    if client.protocol < PROTOCOL {
        format!(
            "this dun ({theirs}, protocol {}) is older than the server's (dun {ours}, protocol {PROTOCOL}): install dun {ours} to use this book",
            client.protocol
        )
    } else {
        format!(
            "this dun ({theirs}, protocol {}) is newer than the server's (dun {ours}, protocol {PROTOCOL}): ask whoever runs `dun serve` to upgrade it, or use dun {ours}",
            client.protocol
        )
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Request {
    /// The whole book and its sequence.
    Snapshot,
    /// The server, who is connected, and the last write.
    Status,
    /// From now on, push a [`Response::Committed`] for each write.
    Watch,
    /// The sequence of the last write.
    Latest,
    /// Apply a command as the connected user ([`Response::Applied`] or
    /// [`Response::Failed`]); the role it needs depends on the command.
    Apply(Box<crate::ledger::Request>),
    // Protocol 2: what the commands that used to open the store ask for.
    /// A consistent backup of the book, made by the server under its lock
    /// and sent back whole: the client writes the file (see docs/team.md,
    /// "Backups"). Admins only.
    Backup,
    /// Check every record, count and index of the store (`dun verify`).
    Verify,
    /// The outbox records of one day (`dun remind --dry-run`).
    Outbox { date: chrono::NaiveDate },
    /// The late-fee terms the server judges `ChargeFee` by (its `--config`).
    FeeTerms,
    /// Who is on the team (team.toml's users, and the members of its
    /// groups), for the interface's assign picker.
    Team,
    /// The book as a command that only reads needs it: `open_as_of: Some(d)`
    /// is the store's `Need::OpenAsOf(d)` (open items, every client and
    /// note, the payments that can still matter), much less than the whole
    /// book; `None` is everything. Answered with a [`Response::Snapshot`].
    Read { open_as_of: Option<chrono::NaiveDate> },
}

impl Request {
    /// The least role that may make this request.
    pub fn needs(&self) -> Role {
        match self {
            Request::Snapshot
            | Request::Status
            | Request::Watch
            | Request::Latest
            | Request::Outbox { .. }
            | Request::FeeTerms
            | Request::Team
            | Request::Read { .. } => Role::Viewer,
            // Both read every record under the store's lock (verify takes
            // 11-20 s on a million invoices), so every colleague's write
            // waits: maintenance, not a read anyone may loop.
            Request::Backup | Request::Verify => Role::Admin,
            // Checked against the command and the book when it is applied.
            Request::Apply(_) => Role::Viewer,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Response<'a> {
    Welcome(Welcome),
    Snapshot(Snapshot<'a>),
    Status(ServerStatus),
    /// Watching from this sequence on.
    Watching {
        seq: u64,
    },
    Committed(Change),
    Refused(Refusal),
    Latest {
        seq: u64,
    },
    Applied(crate::ledger::Applied),
    Failed(Failure),
    Backup(BackupFile),
    Verified(Verified),
    Outbox(Vec<crate::domain::OutboxEntry>),
    FeeTerms(Option<crate::domain::LateFeePolicy>),
    Team(Vec<Member>),
}

/// A backup made by the server: the file's bytes (`io::backup`'s format)
/// and what they hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    pub counts: crate::store::Counts,
    pub crc32: u32,
    pub bytes: Vec<u8>,
}

/// What `Store::verify` found on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    pub counts: crate::store::Counts,
    pub problems: Vec<String>,
}

/// Someone on the team, as the server resolves team.toml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user: String,
    pub role: Role,
}

/// Why a command was not applied (nothing was written).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Failure {
    Command(crate::command::CommandError),
    Stale { expected: u64, found: u64 },
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// The OS user the server saw connect (from the kernel).
    pub user: String,
    pub role: Role,
    pub server_version: String,
    pub seq: u64,
    /// The book's rules.toml as the server reads it (`None`: the built-in
    /// ladder): clients work out the day's list with the book's ladder
    /// even when they cannot read its folder.
    pub rules: Option<String>,
    /// The book's data folder on the server (absolute). A client that can
    /// read it (the same account, a laptop) reads the published read image
    /// there instead of asking for a snapshot.
    pub data_dir: String,
}

/// The book's records, borrowed on the server and owned once decoded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot<'a> {
    pub seq: u64,
    pub clients: Cow<'a, [Client]>,
    pub invoices: Cow<'a, [Invoice]>,
    pub payments: Cow<'a, [Payment]>,
    pub adjustments: Cow<'a, [Adjustment]>,
    pub notes: Cow<'a, [Note]>,
}

impl<'a> Snapshot<'a> {
    pub fn of(seq: u64, book: &'a Book) -> Snapshot<'a> {
        Snapshot {
            seq,
            clients: Cow::Borrowed(book.clients()),
            invoices: Cow::Borrowed(book.invoices()),
            payments: Cow::Borrowed(book.payments()),
            adjustments: Cow::Borrowed(book.adjustments()),
            notes: Cow::Borrowed(book.notes()),
        }
    }

    pub fn into_book(self) -> (u64, Book) {
        let book = Book::new(
            self.clients.into_owned(),
            self.invoices.into_owned(),
            self.payments.into_owned(),
            self.adjustments.into_owned(),
            self.notes.into_owned(),
        );
        (self.seq, book)
    }
}

/// One write to the book, as pushed to watchers and kept for `dun status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// The OS user who made it.
    pub author: String,
    /// The accounts it touched (client ids).
    pub clients: Vec<String>,
    /// What it was, in a few words ("1 note", "1 payment, 1 note").
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub pid: i32,
    pub since: DateTime<Utc>,
    /// Watching for changes (an open interface) rather than running a command.
    pub watching: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    pub pid: u32,
    pub version: String,
    pub since: DateTime<Utc>,
    pub data_dir: String,
    pub socket: String,
    pub seq: u64,
    pub sessions: Vec<Session>,
    pub last_write: Option<Change>,
}

/// A request the server would not carry out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub message: String,
    /// Set when the user's role is the reason: the role it needs.
    pub needs: Option<Role>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec;

    #[test]
    fn hello_round_trip_and_garbage() {
        let h = Hello::ours();
        assert_eq!(Hello::decode(&h.encode()).unwrap(), h);
        assert!(Hello::decode(b"GET / HTTP/1.1").is_err());
        assert!(Hello::decode(b"dun").is_err());
    }

    #[test]
    fn mismatch_names_both_versions() {
        let old = Hello { protocol: 0, version: "0.0.9".into() };
        let m = mismatch_message(&old);
        assert!(m.contains("0.0.9") && m.contains("older") && m.contains(env!("CARGO_PKG_VERSION")), "{m}");
        let new = Hello { protocol: PROTOCOL + 1, version: "9.0\u{1b}[2J".into() };
        let m = mismatch_message(&new);
        assert!(m.contains("newer") && !m.contains('\u{1b}'), "{m}");
    }

    #[test]
    fn commands_with_amounts_cross_the_socket() {
        use crate::command::{ClientFields, Command, NoteInput, PaymentInput, PromiseInput};
        use rust_decimal::Decimal;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let amount = Decimal::new(123_450, 2);
        let mut note = NoteInput::new(crate::domain::NoteKind::Call, "promised");
        note.promise = Some(PromiseInput { date: day, amount: Some(amount), invoices: vec![] });
        let commands = [
            Command::Pay {
                client: None,
                payment: PaymentInput {
                    amount,
                    date: day,
                    method: crate::domain::PaymentMethod::DEFAULTS[0].clone(),
                    reference: String::new(),
                    invoice: Some("I-1".into()),
                },
            },
            Command::Adjust {
                kind: crate::domain::AdjustmentKind::Credit,
                invoice: "I-1".into(),
                amount,
                reason: "goodwill".into(),
                date: None,
            },
            Command::Log { client: "C1".into(), note },
            Command::ApplyCredit { client: "C1".into(), invoice: None, amount: Some(amount) },
            Command::UpdateClient {
                id: "C1".into(),
                fields: ClientFields { credit_limit: Some(amount), ..Default::default() },
                add_missing: false,
            },
        ];
        for command in commands {
            let req = Request::Apply(Box::new(crate::ledger::Request::latest(day, command.clone())));
            let back: Request = codec::decode_message(&codec::encode(&req).unwrap()).unwrap();
            let Request::Apply(back) = back else { panic!("not an apply") };
            assert_eq!(back.command, command);
        }
    }

    #[test]
    fn snapshot_round_trips_through_the_codec() {
        let mut ids = crate::store::IdAlloc::starting_at(0);
        let batch = crate::demo::build(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), &mut ids);
        let book = Book::new(batch.clients, batch.invoices, batch.payments, batch.adjustments, batch.notes);
        let bytes = codec::encode(&Response::Snapshot(Snapshot::of(7, &book))).unwrap();
        let Response::Snapshot(s) = codec::decode_message::<Response<'static>>(&bytes).unwrap() else {
            panic!("not a snapshot")
        };
        let (seq, back) = s.into_book();
        assert_eq!(seq, 7);
        assert_eq!(back.clients(), book.clients());
        assert_eq!(back.invoices(), book.invoices());
        assert_eq!(back.notes(), book.notes());
    }
}
