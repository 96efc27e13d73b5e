//! What both faces need to send one message: the outbox record for a
//! planned message, where a letter's PDF goes, and the hand-off itself
//! (SMTP/sendmail/folder for an e-mail, a PDF file for a letter), and
//! [`send`]: the three commands around the hand-off (queue, sent, failed)
//! applied through whichever ledger the face holds.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::config::MailConfig;
use super::fields::Fields;
use super::outbox;
use super::plan::{Channel, Planned};
use super::templates::Rendered;
use super::transport::{self, Email, Transport};
use crate::command::{Command, CommandError};
use crate::domain::{NoteKind, OutboxEntry, OutboxState};
use crate::ledger::{Ledger, LedgerError, Request};
use crate::print::{pdf, statement};

/// Why letters of a served book need `[mail] letters_dir` (the CLI and the
/// interface refuse with it before anything is queued).
pub const SERVED_NEEDS_LETTERS_DIR: &str =
    "the book is served by dun serve, so letters cannot go in its data folder: set [mail] letters_dir in your config.toml";

/// Where letters are written: `[mail] letters_dir`, else `letters/` in the
/// data folder. Not for a `served` book: its data folder is the server's
/// (a collector cannot write there, and the server's account must not find
/// files of ours in it, nor one client's letters another's).
pub fn letters_dir(cfg: &MailConfig, data_dir: &Path, served: bool) -> Result<PathBuf, String> {
    match &cfg.letters_dir {
        Some(d) => Ok(PathBuf::from(d)),
        None if served => Err(SERVED_NEEDS_LETTERS_DIR.into()),
        None => Ok(data_dir.join("letters")),
    }
}

pub fn letter_path(dir: &Path, p: &Planned, date: NaiveDate) -> PathBuf {
    let safe: String = p
        .client_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    dir.join(format!("{date}-{safe}-level{}.pdf", p.step.level))
}

/// The outbox record of a planned message with this text, before it is
/// queued (the ledger fills in the author, the time and the attempt).
pub fn entry(cfg: &MailConfig, today: NaiveDate, p: &Planned, r: &Rendered, letter: Option<&Path>) -> OutboxEntry {
    let (channel, to) = match (p.channel, letter) {
        (Channel::Email, _) => (NoteKind::Email, p.to.clone()),
        (Channel::Letter, Some(path)) => (NoteKind::Letter, path.display().to_string()),
        (Channel::Letter, None) => (NoteKind::Letter, String::new()),
    };
    OutboxEntry {
        date: today,
        client_id: p.client_id.clone(),
        level: p.step.level,
        step_name: p.step.name.clone(),
        channel: channel.as_str().to_string(),
        to,
        subject: r.subject.clone(),
        body: r.body.clone(),
        message_id: outbox::message_id(today, &p.client_id, p.step.level, cfg.from_address()),
        invoices: p.invoices.clone(),
        attempts: 0,
        author: String::new(),
        queued_at: chrono::Utc::now(),
        state: OutboxState::Queued,
    }
}

/// Hands a queued message over: `Ok` with what the other side said, `Err`
/// with one line saying why not. The text sent is the queued one (the
/// user may have edited it), the layout of a letter from `fields`.
pub fn hand_off(
    cfg: &MailConfig,
    print: &pdf::Print,
    transport: Option<&Transport>,
    queued: &OutboxEntry,
    fields: &Fields,
) -> Result<String, String> {
    if queued.channel == NoteKind::Letter.as_str() {
        let rendered = Rendered { subject: queued.subject.clone(), body: queued.body.clone() };
        let doc = statement::letter(fields, &rendered, print.paper);
        let printed = pdf::print(&doc, print.font.as_deref())?;
        let path = PathBuf::from(&queued.to);
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::store::paths::ensure_private_dir(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        // A character the font cannot show is said with the result, so the
        // CLI prints it and the interface shows it.
        let warned = printed.warning.map(|w| format!("; warning: {w}")).unwrap_or_default();
        return crate::store::paths::write_atomic(&path, &printed.bytes)
            .map(|()| format!("PDF written{warned}"))
            .map_err(|e| format!("cannot write {}: {e}", path.display()));
    }
    let t = transport.ok_or_else(|| "no mail transport".to_string())?;
    let email = Email {
        to: queued.to.clone(),
        to_name: fields.contact.clone(),
        subject: queued.subject.clone(),
        body: queued.body.clone(),
        message_id: queued.message_id.clone(),
    };
    transport::mime(cfg, &email, std::time::SystemTime::now()).and_then(|msg| t.send(&msg, &queued.message_id))
}

/// How one message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Accepted (or the letter written), with what the other side said and
    /// the note that logs it.
    Sent { reply: String, note: Option<u64> },
    /// Accepted (or the letter written), but marking it sent failed (a
    /// server that went away before answering): the outbox keeps it
    /// queued, so its fate reads as unknown and nothing sends it again
    /// unless told to. `error` says why it was not recorded.
    SentUnrecorded { reply: String, error: String },
    /// Refused or not handed over: one line saying why. Marked failed;
    /// nothing logged; the next send tries it again.
    Failed(String),
    /// Already sent today: nothing was done.
    AlreadySent(String),
    /// An earlier attempt's fate is unknown: nothing was done.
    Unknown(String),
}

/// Sends (or writes) one message through the outbox, each step a command
/// through `ledger`: queue (durable before anything leaves; refused when
/// already sent today or of unknown fate), hand off, then mark it sent
/// (with its note) or failed. The text sent is `entry`'s. `Err` only when
/// nothing was handed off.
#[allow(clippy::too_many_arguments)]
pub fn send(
    ledger: &mut dyn Ledger,
    today: NaiveDate,
    cfg: &MailConfig,
    print: &pdf::Print,
    transport: Option<&Transport>,
    entry: OutboxEntry,
    fields: &Fields,
    resend_unknown: bool,
) -> Result<Delivered, LedgerError> {
    let queued = match ledger.apply(Request::latest(today, Command::QueueMessage { entry, resend_unknown })) {
        Ok(applied) => match applied.built.batch.outbox.into_iter().next() {
            Some(q) => q,
            None => return Ok(Delivered::Failed("the outbox entry was not written".into())),
        },
        Err(LedgerError::Command(CommandError::Conflict(msg))) if msg.starts_with(outbox::ALREADY_SENT) => {
            return Ok(Delivered::AlreadySent(msg))
        }
        Err(LedgerError::Command(CommandError::Conflict(msg))) if msg.starts_with(outbox::UNKNOWN) => {
            return Ok(Delivered::Unknown(msg))
        }
        Err(e) => return Err(e),
    };
    match hand_off(cfg, print, transport, &queued, fields) {
        // Once handed off, the message is out: a failure to record it
        // must not read as "not sent".
        Ok(reply) => {
            match ledger.apply(Request::latest(today, Command::MarkSent { entry: queued, reply: reply.clone() })) {
                Ok(applied) => Ok(Delivered::Sent { reply, note: applied.note() }),
                Err(e) => Ok(Delivered::SentUnrecorded { reply, error: e.to_string() }),
            }
        }
        Err(reason) => {
            ledger.apply(Request::latest(today, Command::MarkFailed { entry: queued, reply: reason.clone() }))?;
            Ok(Delivered::Failed(reason))
        }
    }
}

/// What both faces say of [`Delivered::SentUnrecorded`]: `what` is "sent
/// to" or "letter written to", the rest already made harmless.
pub fn unrecorded(what: &str, to: &str, reply: &str, error: &str) -> String {
    format!("{what} {to} ({reply}), but not recorded as sent: {error}; it shows as unknown until checked")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Applied, Embedded, Snapshot};
    use crate::mail::sample;
    use crate::store::{Batch, Store};

    #[test]
    fn a_served_books_letters_go_only_to_the_configured_folder() {
        let data = Path::new("/srv/book");
        let mut cfg = MailConfig::default();
        assert_eq!(letters_dir(&cfg, data, false).unwrap(), data.join("letters"));
        assert_eq!(letters_dir(&cfg, data, true).unwrap_err(), SERVED_NEEDS_LETTERS_DIR);
        cfg.letters_dir = Some("/home/ana/letters".into());
        assert_eq!(letters_dir(&cfg, data, true).unwrap(), Path::new("/home/ana/letters"));
    }

    /// A ledger that loses its server between the hand-off and the record.
    struct MarkSentFails(Embedded);

    impl Ledger for MarkSentFails {
        fn snapshot(&mut self) -> Result<Snapshot, LedgerError> {
            self.0.snapshot()
        }
        fn latest(&mut self) -> Result<u64, LedgerError> {
            self.0.latest()
        }
        fn apply(&mut self, r: Request) -> Result<Applied, LedgerError> {
            if matches!(r.command, Command::MarkSent { .. }) {
                return Err(LedgerError::Server("the server went away before answering".into()));
            }
            self.0.apply(r)
        }
    }

    #[test]
    fn a_message_handed_off_but_not_recorded_is_sent_unrecorded_and_not_sent_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        let book = sample::book();
        Store::open(&dir)
            .unwrap()
            .apply(Batch { clients: book.clients().to_vec(), invoices: book.invoices().to_vec(), ..Default::default() })
            .unwrap();
        let mut ledger = MarkSentFails(Embedded::new(&dir));
        let cfg = sample::mail_config();
        let outbox_dir = tmp.path().join("out");
        let transport = Transport::Folder(outbox_dir.clone());
        let print = pdf::Print { paper: pdf::Paper::A4, font: None };
        let today: NaiveDate = "2026-03-16".parse().unwrap();
        let entry = OutboxEntry {
            date: today,
            client_id: "C0001".into(),
            level: 2,
            step_name: "First reminder".into(),
            channel: NoteKind::Email.as_str().into(),
            to: "soren@example.com".into(),
            subject: "Payment reminder".into(),
            body: "Dear Søren,\n".into(),
            message_id: outbox::message_id(today, "C0001", 2, cfg.from_address()),
            invoices: vec!["INV-1001".into()],
            attempts: 0,
            author: String::new(),
            queued_at: chrono::Utc::now(),
            state: OutboxState::Queued,
        };
        let fields = sample::fields();
        let got = send(&mut ledger, today, &cfg, &print, Some(&transport), entry.clone(), &fields, false).unwrap();
        let Delivered::SentUnrecorded { reply, error } = got else { panic!("{got:?}") };
        assert!(reply.starts_with("written to"), "the hand-off's reply is kept: {reply}");
        assert!(error.contains("went away"), "{error}");
        assert_eq!(std::fs::read_dir(&outbox_dir).unwrap().count(), 1, "the message did go out");
        // Its record is still queued: the next send is refused as unknown.
        let again = send(&mut ledger, today, &cfg, &print, Some(&transport), entry, &fields, false).unwrap();
        assert!(matches!(&again, Delivered::Unknown(m) if m.starts_with(outbox::UNKNOWN)), "{again:?}");
        assert_eq!(std::fs::read_dir(&outbox_dir).unwrap().count(), 1, "nothing went twice");
    }
}
