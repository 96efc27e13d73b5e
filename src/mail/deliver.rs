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

/// Where `remind --send` writes letters: `[mail] letters_dir`, else
/// `letters/` in the data folder.
pub fn letters_dir(cfg: &MailConfig, data_dir: &Path) -> PathBuf {
    cfg.letters_dir.as_ref().map(PathBuf::from).unwrap_or_else(|| data_dir.join("letters"))
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
/// (with its note) or failed. The text sent is `entry`'s.
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
        Ok(reply) => {
            let applied =
                ledger.apply(Request::latest(today, Command::MarkSent { entry: queued, reply: reply.clone() }))?;
            Ok(Delivered::Sent { reply, note: applied.note() })
        }
        Err(reason) => {
            ledger.apply(Request::latest(today, Command::MarkFailed { entry: queued, reply: reason.clone() }))?;
            Ok(Delivered::Failed(reason))
        }
    }
}
