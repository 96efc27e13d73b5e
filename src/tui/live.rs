//! Live screens: with a team server, what colleagues write shows up here
//! as it happens. The shell follows the server (`server::client::follow`)
//! and hands each commit to [`App::colleague_wrote`], which reads the book
//! again and rebuilds the lists in place: the screen, the selected client,
//! the scroll and any half-typed form stay as they were. When the change
//! touches the selected account, the status line says who changed what,
//! and the account's detail keeps a mark of it ("• ben just now").

use super::action::Tab;
use super::app::{App, Source, Status, View};
use crate::server::client::News;
use crate::server::protocol::Change;

/// Who last changed an account, and when (a colleague, through the server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub author: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl App {
    /// "• ben just now", "• ben 5 min ago", "• ben 10:42": the last change a
    /// colleague made to `client` in this session, for its detail.
    pub fn mark_of(&self, client: &str) -> Option<String> {
        let m = self.marks.get(client)?;
        let secs = ((self.now)() - m.at).num_seconds();
        let when = match secs {
            ..=59 => "just now".to_string(),
            60..=3599 => format!("{} min ago", secs / 60),
            _ => m.at.with_timezone(&self.tz).format("%H:%M").to_string(),
        };
        Some(format!("• {} {when}", crate::text::sanitize(&m.author)))
    }

    /// Takes one piece of news from the server. `me` is the user the
    /// server knows this interface as (their own writes need no marker).
    pub fn server_news(&mut self, news: News, me: &str) {
        match news {
            News::Change(change) => self.colleague_wrote(&change, me),
            News::Connected { again: true, .. } => {
                self.read_again();
                self.status = Some(Status::Info("reconnected to the dun server; the book is up to date".into()));
            }
            News::Connected { again: false, .. } => {}
            News::Lost(why) => {
                self.status = Some(Status::Error(format!(
                    "lost the dun server ({}); reconnecting, changes are shown again once it is back",
                    crate::text::sanitize(&why)
                )));
            }
        }
    }

    /// Someone wrote to the book through the server.
    pub fn colleague_wrote(&mut self, change: &Change, me: &str) {
        let Source::Ledger { seq, .. } = &self.source else { return };
        if change.seq <= *seq {
            // This interface's own write, or one it has already read.
            return;
        }
        self.read_again();
        if change.author == me {
            return;
        }
        for id in &change.clients {
            self.marks.insert(id.clone(), Mark { author: change.author.clone(), at: change.at });
        }
        let focused = self.focus.and_then(|i| self.book().clients().get(i)).map(|c| (c.id.clone(), c.name.clone()));
        if let Some((id, name)) = focused {
            if change.clients.contains(&id) {
                let at = change.at.with_timezone(&self.tz).format("%H:%M");
                self.status = Some(Status::Info(format!(
                    "● {} changed {} at {at}: {}",
                    crate::text::sanitize(&change.author),
                    crate::text::sanitize(&name),
                    crate::text::sanitize(&change.summary)
                )));
            }
        }
    }

    /// Reads the book again through the ledger and rebuilds the lists,
    /// keeping the user's place: on the day's list the selection follows
    /// its client when the list reorders (a colleague's call moves the
    /// account down or off the list; the selection does not jump to
    /// another client under the user's hands).
    fn read_again(&mut self) {
        let kept = self.focus.and_then(|i| self.book().clients().get(i)).map(|c| c.id.clone());
        let shown = self.shown_invoices();
        let Source::Ledger { ledger, book, seq, .. } = &mut self.source else { return };
        match ledger.snapshot() {
            Ok(snap) => {
                **book = snap.book;
                *seq = snap.seq;
                self.follow_invoices(shown);
                self.after_write();
            }
            Err(e) => {
                self.status = Some(Status::Error(format!("cannot read the book: {e}")));
                return;
            }
        }
        if let (Some(id), View::Tab(Tab::Today)) = (kept, self.view) {
            let today = &mut self.screens.today;
            if let Some(pos) = today.rows.iter().position(|&i| self.model.actions[i].client_id == id) {
                today.list.selected = pos;
                self.sync_focus();
            }
        }
    }
}
