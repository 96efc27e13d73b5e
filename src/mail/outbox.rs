//! The outbox's decisions, pure: whether a message may be queued (never
//! twice on a day; a fate unknown waits for the user), and after the
//! hand-off either the `Sent` record together with the note that logs the
//! message (so the ladder marks the step done) or the `Failed` record with
//! the reason. The commands `QueueMessage`, `MarkSent` and `MarkFailed`
//! (src/command) are built from these; the ledger calls [`admit`] under its
//! write lock.

use chrono::{DateTime, NaiveDate, Utc};

use crate::command::CommandError;
use crate::domain::{Completion, Note, NoteKind, OutboxEntry, OutboxState};
use crate::store::{Batch, IdAlloc};

/// What to do with a message, given what the outbox holds for its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Send,
    /// Sent earlier today: nothing to do.
    AlreadySent,
    /// Queued and not heard back: an earlier run stopped, or a send is in
    /// progress now.
    Unknown,
}

pub fn decide(existing: Option<&OutboxEntry>, resend_unknown: bool) -> Decision {
    match existing.map(|e| &e.state) {
        None | Some(OutboxState::Failed { .. }) => Decision::Send,
        Some(OutboxState::Sent { .. }) => Decision::AlreadySent,
        Some(OutboxState::Queued) if resend_unknown => Decision::Send,
        Some(OutboxState::Queued) => Decision::Unknown,
    }
}

/// Whether `entry` may be queued given what the outbox holds for its key
/// (the ledger calls this under its write lock); counts the attempt. The
/// refusal says what happened to the earlier one, for the user.
pub fn admit(
    existing: Option<&OutboxEntry>,
    entry: &mut OutboxEntry,
    resend_unknown: bool,
) -> Result<(), CommandError> {
    match decide(existing, resend_unknown) {
        Decision::Send => {
            entry.attempts = existing.map_or(0, |e| e.attempts) + 1;
            Ok(())
        }
        Decision::AlreadySent => Err(CommandError::Conflict(format!(
            "{ALREADY_SENT}: {}",
            existing.map(|e| e.subject.as_str()).unwrap_or_default()
        ))),
        Decision::Unknown => {
            let e = existing.expect("an unknown fate has a queued record");
            // A colleague sending the same account's message right now
            // leaves the same record as a dun that stopped mid-send: say
            // both, and whose it is, rather than claim either.
            Err(CommandError::Conflict(format!(
                "{UNKNOWN} whether the {} to {} that {} queued at {} UTC arrived: it is being sent now, or dun stopped before hearing back; check, then rerun with --resend-unknown to send it again",
                e.channel,
                e.to,
                e.author,
                e.queued_at.format("%H:%M")
            )))
        }
    }
}

/// How [`admit`]'s refusals begin, so a face can count them.
pub const ALREADY_SENT: &str = "already sent today";
pub const UNKNOWN: &str = "UNKNOWN";

/// A message id unique to the day, client and step, the same on every
/// attempt: `dun.2026-03-16.C1.2@example.com`.
pub fn message_id(date: NaiveDate, client_id: &str, level: u8, from_address: &str) -> String {
    let domain = from_address.rsplit_once('@').map(|(_, d)| d).filter(|d| !d.is_empty()).unwrap_or("dun.invalid");
    let safe: String = client_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    format!("dun.{date}.{safe}.{level}@{domain}")
}

/// The text of the note that logs a sent message: who got what, the
/// message id, then the text as sent.
pub fn note_text(e: &OutboxEntry) -> String {
    let how =
        if e.channel == "letter" { format!("Letter written to {}", e.to) } else { format!("E-mail sent to {}", e.to) };
    format!(
        "{how}: {}\nStep: {} (level {})\nMessage-ID: <{}>\n\n{}",
        e.subject, e.step_name, e.level, e.message_id, e.body
    )
}

/// The `Sent` record and the note that logs the message, completing its
/// step for its invoices.
pub fn sent(queued: &OutboxEntry, ids: &mut IdAlloc, author: &str, at: DateTime<Utc>, reply: &str) -> Batch {
    let kind = if queued.channel == "letter" { NoteKind::Letter } else { NoteKind::Email };
    let mut n = Note::new(ids.note(), &queued.client_id, at, queued.date, author, kind, note_text(queued));
    if queued.level > 0 {
        n.completes = Some(Completion { level: queued.level, invoices: queued.invoices.clone() });
    }
    let mut e = queued.clone();
    e.state = OutboxState::Sent { at, reply: reply.to_string(), note: n.id };
    Batch { notes: vec![n], outbox: vec![e], ..Default::default() }
}

/// The `Failed` record: nothing is logged, the step stays due.
pub fn failed(queued: &OutboxEntry, at: DateTime<Utc>, reply: &str) -> Batch {
    let mut e = queued.clone();
    e.state = OutboxState::Failed { at, reply: reply.to_string() };
    Batch { outbox: vec![e], ..Default::default() }
}

/// What `undo` of a note that logged a sent message must say: the note is
/// reversed (the step is due again), the message is not recalled.
pub fn undo_warning(note: &Note) -> Option<String> {
    if !matches!(note.kind, NoteKind::Email | NoteKind::Letter) {
        return None;
    }
    let first = note.text.lines().next()?;
    let to = first.strip_prefix("E-mail sent to ").or_else(|| first.strip_prefix("Letter written to "))?;
    let to = to.split(": ").next().unwrap_or(to);
    let what = if note.kind == NoteKind::Email { "e-mail" } else { "letter" };
    Some(format!(
        "note #{} is undone and its step is due again, but the {what} to {to} was already sent: undo does not unsend it",
        note.id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued() -> OutboxEntry {
        OutboxEntry {
            date: "2026-03-16".parse().unwrap(),
            client_id: "C1".into(),
            level: 2,
            step_name: "First reminder".into(),
            channel: "email".into(),
            to: "a@x.org".into(),
            subject: "Payment reminder".into(),
            body: "Dear A,\n".into(),
            message_id: message_id("2026-03-16".parse().unwrap(), "C 1", 2, "ar@example.com"),
            invoices: vec!["I1".into()],
            attempts: 0,
            author: "me".into(),
            queued_at: chrono::Utc::now(),
            state: OutboxState::Queued,
        }
    }

    #[test]
    fn a_message_goes_once_and_an_unknown_fate_waits() {
        let at = chrono::Utc::now();
        let mut q = queued();
        admit(None, &mut q, false).unwrap();
        assert_eq!(q.message_id, "dun.2026-03-16.C_1.2@example.com");
        assert_eq!((q.attempts, decide(Some(&q), false)), (1, Decision::Unknown));
        let e = admit(Some(&q), &mut queued(), false).unwrap_err().to_string();
        assert!(e.starts_with(UNKNOWN) && e.contains("--resend-unknown"), "{e}");
        assert!(e.contains("that me queued at") && e.contains("being sent now"), "whose, and both causes: {e}");
        assert_eq!(decide(Some(&q), true), Decision::Send);
        let mut ids = IdAlloc::starting_at(10);
        let b = sent(&q, &mut ids, "me", at, "250 OK");
        let e = &b.outbox[0];
        assert_eq!(decide(Some(e), true), Decision::AlreadySent, "sent is final, whatever the flag");
        assert!(admit(Some(e), &mut queued(), true).unwrap_err().to_string().starts_with(ALREADY_SENT));
        let n = &b.notes[0];
        assert_eq!(n.kind, NoteKind::Email);
        assert_eq!(n.completes, Some(Completion { level: 2, invoices: vec!["I1".into()] }));
        assert!(n.text.contains("Message-ID: <dun.2026-03-16.C_1.2@example.com>"));
        assert!(n.text.ends_with("Dear A,\n"), "the text as sent");
        assert!(matches!(e.state, OutboxState::Sent { note, .. } if note == n.id));
        assert!(undo_warning(n).unwrap().contains("does not unsend"));
        let f = failed(&q, at, "550 no such user").outbox.remove(0);
        assert_eq!(decide(Some(&f), false), Decision::Send, "a refused message may be tried again");
        let mut again = queued();
        admit(Some(&f), &mut again, false).unwrap();
        assert_eq!((again.attempts, again.message_id.as_str()), (2, q.message_id.as_str()));
    }
}
