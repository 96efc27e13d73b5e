//! A key that changes or reverses data without a form (release a hold,
//! resolve a dispute, undo) asks first, in one line on the status line that
//! names the client and what will happen: "undo payment 500.00 EUR from
//! Wayne Logistics? y/n". `y` does it, any other key does nothing. The
//! saved message repeats the same words.
//!
//! Undo works on the client on screen: `u` takes back this session's last
//! entry for that client, and says which client has the last entry when it
//! is someone else's. `U` (or Ctrl-R) redoes what `u` took back last for
//! that client, through the same command as `dun redo`.

use super::action::Effect;
use super::app::{App, Status};
use crate::domain::money::format_amount;
use crate::domain::{AccountEvent, Book, Note};

/// What waits for `y`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Release the focused client's hold.
    Release { client: usize },
    /// Resolve the dispute on this invoice (number).
    Resolve { client: usize, invoice: String },
    /// Undo this note (id) of the session.
    Undo { client: usize, note: u64 },
    /// Redo this note (id), undone in this session.
    Redo { client: usize, note: u64 },
}

/// A question on the status line and what `y` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    /// "release the hold on Wayne Logistics (since 2026-10-01: in administration)"
    pub what: String,
    pub pending: Pending,
}

impl Confirm {
    pub fn question(&self) -> String {
        format!("{}? y/n", self.what)
    }
}

/// What redoing the undone `n` will do, in words: "redo payment 500.00 EUR
/// from X".
pub fn describe_redo(book: &Book, n: &Note, client: &str) -> String {
    let s = |t: &str| crate::text::sanitize(t).into_owned();
    match &n.event {
        Some(AccountEvent::Payment { payment_id }) => match book.payment(*payment_id) {
            Some(p) => format!("redo payment {} {} from {client}", format_amount(p.amount), p.currency),
            None => format!("redo payment #{payment_id} from {client}"),
        },
        Some(AccountEvent::Dispute { invoice, reason }) => {
            format!("redo the dispute on {} of {client} ({})", s(invoice), s(reason))
        }
        Some(AccountEvent::Resolve { invoice } | AccountEvent::Resolved { invoice, .. }) => {
            format!("redo the resolution of {}'s dispute ({client})", s(invoice))
        }
        Some(AccountEvent::Hold { reason }) => format!("redo the hold on {client} ({}): chasing stops", s(reason)),
        Some(AccountEvent::Unhold | AccountEvent::Released { .. }) => {
            format!("redo the release of {client}'s hold: chasing resumes")
        }
        Some(AccountEvent::Snooze { until }) => format!("redo the snooze of {client} until {until}"),
        Some(AccountEvent::Unsnooze) => format!("redo lifting {client}'s snooze"),
        Some(AccountEvent::Adjustment { adjustment_id }) => format!("redo adjustment #{adjustment_id} of {client}"),
        Some(AccountEvent::PlacedWithAgency { agency }) => format!("redo placing {client} with {}", s(agency)),
        Some(AccountEvent::Recalled) => format!("redo the recall of {client} from the agency"),
        Some(AccountEvent::LateReason { .. }) => format!("redo the reason for lateness noted on {client}"),
        None => match &n.promise {
            Some(p) => {
                format!("redo the promise of {} {} by {} from {client}", format_amount(p.amount), p.currency, p.date)
            }
            None => format!("redo the {} note on {client} ({})", n.kind, n.date),
        },
    }
}

/// What undoing `n` will do, in words: "undo payment 500.00 EUR from X".
pub fn describe_undo(book: &Book, n: &Note, client: &str) -> String {
    match &n.event {
        Some(AccountEvent::Payment { payment_id }) => match book.payment(*payment_id) {
            Some(p) => format!("undo payment {} {} from {client}", format_amount(p.amount), p.currency),
            None => format!("undo payment #{payment_id} from {client}"),
        },
        Some(AccountEvent::Dispute { invoice, .. }) => format!("undo the dispute on {invoice} of {client}"),
        Some(AccountEvent::Resolve { invoice } | AccountEvent::Resolved { invoice, .. }) => {
            format!("undo the resolution of {invoice}'s dispute ({client}): it is disputed again")
        }
        Some(AccountEvent::Hold { .. }) => format!("undo the hold on {client}: chasing resumes"),
        Some(AccountEvent::Unhold | AccountEvent::Released { .. }) => {
            format!("undo the release of {client}'s hold: back on hold")
        }
        Some(AccountEvent::Snooze { until }) => format!("undo the snooze of {client} until {until}"),
        Some(AccountEvent::Unsnooze) => format!("undo lifting {client}'s snooze"),
        Some(AccountEvent::Adjustment { adjustment_id }) => format!("undo adjustment #{adjustment_id} of {client}"),
        Some(AccountEvent::PlacedWithAgency { agency }) => {
            format!("undo placing {client} with {}", crate::text::sanitize(agency))
        }
        Some(AccountEvent::Recalled) => format!("undo the recall of {client} from the agency"),
        Some(AccountEvent::LateReason { .. }) => format!("undo the reason for lateness noted on {client}"),
        None => match &n.promise {
            Some(p) => {
                format!("undo the promise of {} {} by {} from {client}", format_amount(p.amount), p.currency, p.date)
            }
            // A sent e-mail or letter: the undo cannot recall it, and says so first.
            None => match crate::mail::outbox::undo_warning(n) {
                Some(_) => format!(
                    "undo the {} note on {client} ({}): the step is due again, but what was sent stays sent",
                    n.kind, n.date
                ),
                None => format!("undo the {} note on {client} ({})", n.kind, n.date),
            },
        },
    }
}

impl App {
    fn client_name(&self, c: usize) -> String {
        self.book().clients().get(c).map(|c| crate::text::sanitize(&c.name).into_owned()).unwrap_or_default()
    }

    /// Asks before a write.
    pub(super) fn ask(&mut self, what: String, pending: Pending) -> Effect {
        self.confirm = Some(Confirm { what, pending });
        Effect::None
    }

    /// `h` on a client on hold.
    pub(super) fn ask_release(&mut self, client: usize) -> Effect {
        let name = self.client_name(client);
        let since = self
            .book()
            .clients()
            .get(client)
            .and_then(|c| c.hold.as_ref())
            .map(|h| format!(" (on hold since {}: {})", h.since, crate::text::sanitize(&h.reason)))
            .unwrap_or_default();
        self.ask(format!("release the hold on {name}{since}"), Pending::Release { client })
    }

    /// `D` on a disputed invoice.
    pub(super) fn ask_resolve(&mut self, client: usize, invoice: Option<String>) -> Effect {
        let Some(invoice) = invoice else {
            self.status =
                Some(Status::Error("select the disputed invoice first (Enter on the client, then pick it)".into()));
            return Effect::None;
        };
        let name = self.client_name(client);
        self.ask(format!("resolve the dispute on {invoice} of {name}"), Pending::Resolve { client, invoice })
    }

    /// `u`: the last entry of this session for the client on screen.
    pub(super) fn ask_undo(&mut self, client: usize) -> Effect {
        let book = self.book();
        let Some(cl) = book.clients().get(client) else { return Effect::None };
        let mine = self
            .logbook
            .session
            .iter()
            .rev()
            .filter_map(|&id| book.note(id))
            .find(|n| n.client_id == cl.id && !self.model.reversed.contains(&n.id));
        let name = crate::text::sanitize(&cl.name).into_owned();
        match mine {
            Some(n) => {
                let what = describe_undo(book, n, &name);
                let note = n.id;
                self.ask(what, Pending::Undo { client, note })
            }
            None => {
                let other = self
                    .logbook
                    .session
                    .iter()
                    .rev()
                    .filter_map(|&id| book.note(id))
                    .find(|n| !self.model.reversed.contains(&n.id))
                    .and_then(|n| book.client(&n.client_id))
                    .map(|c| crate::text::sanitize(&c.name).into_owned());
                let msg = match other {
                    Some(o) => format!(
                        "nothing of this session to undo for {name}; the last entry is for {o}: open {o} to undo it"
                    ),
                    None => "nothing of this session to undo".to_string(),
                };
                self.status = Some(Status::Error(msg));
                Effect::None
            }
        }
    }

    /// `U`: the last entry this session undid for the client on screen.
    pub(super) fn ask_redo(&mut self, client: usize) -> Effect {
        let book = self.book();
        let Some(cl) = book.clients().get(client) else { return Effect::None };
        let name = crate::text::sanitize(&cl.name).into_owned();
        let undone = self
            .logbook
            .undone
            .iter()
            .rev()
            .filter_map(|&id| book.note(id))
            .find(|n| n.client_id == cl.id && crate::command::redo_target(book, n.id).is_ok());
        match undone {
            Some(n) => {
                let what = describe_redo(book, n, &name);
                let note = n.id;
                self.ask(what, Pending::Redo { client, note })
            }
            None => {
                self.status = Some(Status::Error(format!("nothing this session undid to redo for {name}")));
                Effect::None
            }
        }
    }

    /// The answer to the question: `y` does it, anything else does not.
    pub(super) fn confirm_key(&mut self, yes: bool) -> Effect {
        let Some(c) = self.confirm.take() else { return Effect::None };
        if !yes {
            self.status = Some(Status::Info(format!("not done: {}; nothing was written", c.what)));
            return Effect::None;
        }
        let result = match &c.pending {
            Pending::Release { client } => self.release(*client),
            Pending::Resolve { invoice, .. } => self.resolve(invoice),
            Pending::Undo { note, .. } => self.undo_note(*note),
            Pending::Redo { note, .. } => self.redo_note(*note),
        };
        self.status = Some(match result {
            Ok(()) => Status::Info(format!("saved: {}", past(&c.what))),
            Err(e) => Status::Error(e),
        });
        Effect::None
    }
}

/// "undo payment …" → "undid payment …", "release the hold" → "released the hold".
fn past(what: &str) -> String {
    for (now, then) in [("undo ", "undid "), ("redo ", "redid "), ("release ", "released "), ("resolve ", "resolved ")]
    {
        if let Some(rest) = what.strip_prefix(now) {
            return format!("{then}{rest}");
        }
    }
    what.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saved_message_says_what_the_question_said() {
        assert_eq!(past("undo payment 500.00 EUR from Wayne"), "undid payment 500.00 EUR from Wayne");
        assert_eq!(past("release the hold on Wayne"), "released the hold on Wayne");
        assert_eq!(past("resolve the dispute on INV-1 of Wayne"), "resolved the dispute on INV-1 of Wayne");
    }
}
