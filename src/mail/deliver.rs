//! What both faces need to send one message: the outbox record for a
//! planned message, where a letter's PDF goes, and the hand-off itself
//! (SMTP/sendmail/folder for an e-mail, a PDF file for a letter). The
//! commands around the hand-off (queue, sent, failed) are the face's to
//! apply through its ledger.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::config::MailConfig;
use super::fields::Fields;
use super::outbox;
use super::plan::{Channel, Planned};
use super::templates::Rendered;
use super::transport::{self, Email, Transport};
use crate::domain::{NoteKind, OutboxEntry, OutboxState};
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
    paper: pdf::Paper,
    transport: Option<&Transport>,
    queued: &OutboxEntry,
    fields: &Fields,
) -> Result<String, String> {
    if queued.channel == NoteKind::Letter.as_str() {
        let rendered = Rendered { subject: queued.subject.clone(), body: queued.body.clone() };
        let doc = statement::letter(fields, &rendered, paper);
        let path = PathBuf::from(&queued.to);
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::store::paths::ensure_private_dir(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        return crate::store::paths::write_atomic(&path, &pdf::render(&doc))
            .map(|()| "PDF written".to_string())
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
