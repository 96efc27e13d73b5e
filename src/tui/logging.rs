//! Logging follow-ups from the interface (issue 6): opening a form on the
//! selection, handing the [`Command`] it makes to the ledger, undo,
//! `$EDITOR`, and drafts that survive a dropped connection. Nothing here
//! decides what is written: the ledger builds every command in the core,
//! as it does for the CLI.
//!
//! A save is durable before the screen says so: the ledger returns only
//! after the write is flushed, and only then is "saved" shown. If the write
//! fails, the form stays open with the typing intact and the error on it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::action::{Action, Effect};
use super::app::{App, Source, Status};
use super::entry::{Form, FormContext, FormKind, FormResult};
use crate::command::Command;
use crate::domain::Money;
use crate::drafts::Draft;
use crate::ledger::{LedgerError, Request};

/// The open form's latest state, shared with the signal thread so a hang-up
/// can save it even while the main loop is blocked.
pub type DraftSlot = Arc<Mutex<Option<Draft>>>;

/// The interface's side of logging: the undo stack of this session and the
/// draft slot. (Who writes and when is stamped by the ledger.)
#[derive(Default)]
pub struct Logbook {
    /// Note ids this session wrote, newest last: what `u` undoes.
    pub session: Vec<u64>,
    /// Note ids this session undid, newest last: what `U` redoes.
    pub undone: Vec<u64>,
    pub draft_slot: DraftSlot,
}

impl App {
    /// Keys while a form is open: all of them go to the form.
    pub(super) fn form_key(&mut self, key: KeyEvent) -> Effect {
        let Some(form) = self.form.as_mut() else { return Effect::None };
        let result = form.handle_key(&key);
        match result {
            FormResult::Continue => self.publish_draft(),
            FormResult::Cancel => {
                self.close_form();
                self.status = Some(Status::Info("cancelled; nothing was written".into()));
            }
            FormResult::Submit(command) => match self.write(command) {
                Ok(msg) => {
                    self.close_form();
                    self.status = Some(Status::Info(msg));
                }
                Err(e) => {
                    if let Some(f) = self.form.as_mut() {
                        f.error = Some(e);
                    }
                    self.publish_draft();
                }
            },
        }
        Effect::None
    }

    fn close_form(&mut self) {
        self.form = None;
        self.publish_draft();
        if let Some(dir) = self.data_dir() {
            crate::drafts::clear(&dir);
        }
    }

    /// Keeps the shared draft in step with the form.
    fn publish_draft(&self) {
        let draft = self.form.as_ref().map(|f| f.to_draft(Utc::now().to_rfc3339()));
        if let Ok(mut slot) = self.logbook.draft_slot.lock() {
            *slot = draft;
        }
    }

    fn data_dir(&self) -> Option<std::path::PathBuf> {
        match &self.source {
            Source::Ledger { dir, .. } => dir.clone(),
            Source::Memory(_) => None,
        }
    }

    /// The selected invoice (a book invoice index), if the view has one
    /// for the focused client.
    fn selected_invoice(&self) -> Option<usize> {
        self.selected_invoice_row().map(|r| self.model.invoice(self.book(), r).ix)
    }

    fn form_context(&self, with_invoice: bool) -> Option<FormContext> {
        let ci = self.focus?;
        let book = self.book();
        let client = book.clients().get(ci)?;
        let action = self.model.actions.iter().find(|a| a.client_id == client.id);
        let inv = if with_invoice { self.selected_invoice().map(|i| &book.invoices()[i]) } else { None };
        let overdue = action
            .and_then(|a| a.overdue.iter().find(|m| m.currency == client.currency).or(a.overdue.first()).copied())
            .or_else(|| {
                let row = self.model.client(book, ci);
                Some(Money::new(row.overdue.get(client.currency), client.currency)).filter(|m| !m.amount.is_zero())
            });
        Some(FormContext {
            client_id: client.id.clone(),
            client_name: client.name.clone(),
            invoice: inv.map(|i| i.number.to_string()),
            invoice_balance: inv
                .map(|i| Money::new(crate::receivables::open_balance(book, i, self.today()), i.currency)),
            overdue,
            action_invoices: action.map(|a| a.invoices.clone()).unwrap_or_default(),
            currency: client.currency,
            today: self.today(),
        })
    }

    /// The logging keys.
    pub(super) fn logging_action(&mut self, action: Action) -> Effect {
        if self.focus.is_none() {
            self.status = Some(Status::Error("select a client first".into()));
            return Effect::None;
        }
        let kind = match action {
            Action::LogCall => FormKind::Call,
            Action::LogEmail => FormKind::Email,
            Action::LogLetter => FormKind::Letter,
            Action::LogNote => FormKind::Note,
            Action::Promise => FormKind::Promise,
            Action::Dispute => FormKind::Dispute,
            Action::Snooze => FormKind::Snooze,
            Action::Payment => FormKind::Payment,
            Action::ApplyCredit => FormKind::ApplyCredit,
            Action::Done => FormKind::Done,
            Action::Hold => {
                let on_hold = self.focus.and_then(|c| self.book().clients().get(c)).is_some_and(|c| c.hold.is_some());
                match self.focus {
                    Some(c) if on_hold => return self.ask_release(c),
                    _ => FormKind::Hold,
                }
            }
            Action::Resolve => {
                let invoice = self.selected_invoice().map(|i| self.book().invoices()[i].number.to_string());
                return match self.focus {
                    Some(c) => self.ask_resolve(c, invoice),
                    None => Effect::None,
                };
            }
            Action::Undo => {
                return match self.focus {
                    Some(c) => self.ask_undo(c),
                    None => Effect::None,
                }
            }
            Action::Redo => {
                return match self.focus {
                    Some(c) => self.ask_redo(c),
                    None => Effect::None,
                }
            }
            Action::Editor => {
                self.open(FormKind::Note);
                return match &self.form {
                    Some(f) => {
                        let mut f = f.clone();
                        f.focus = f.fields.iter().position(|x| x.name == "text").unwrap_or(0);
                        let text = f.focused_text().unwrap_or_default();
                        self.form = Some(f);
                        Effect::Editor(text)
                    }
                    None => Effect::None,
                };
            }
            _ => return Effect::None,
        };
        self.open(kind);
        Effect::None
    }

    fn open(&mut self, kind: FormKind) {
        let needs_invoice = matches!(kind, FormKind::Dispute | FormKind::Payment | FormKind::Promise);
        let Some(ctx) = self.form_context(needs_invoice) else { return };
        match Form::open(kind, ctx) {
            Some(f) => {
                self.form = Some(f);
                self.publish_draft();
            }
            None => {
                self.status =
                    Some(Status::Error("select the invoice first (Enter on the client, or the Invoices screen)".into()))
            }
        }
    }

    /// `E` inside a form: the focused field goes to `$EDITOR`.
    pub(super) fn editor_for_form(&mut self) -> Effect {
        match self.form.as_ref().and_then(|f| f.focused_text()) {
            Some(text) => Effect::Editor(text),
            None => Effect::None,
        }
    }

    /// What came back from `$EDITOR` (None: the editor failed; say why).
    pub fn editor_done(&mut self, result: Result<String, String>) {
        if self.remind.preview.is_some() {
            self.preview_edited(result);
            return;
        }
        match result {
            Ok(text) => {
                if let Some(f) = self.form.as_mut() {
                    f.set_focused_text(&text);
                }
                self.publish_draft();
            }
            Err(e) => {
                if let Some(f) = self.form.as_mut() {
                    f.error = Some(e);
                }
            }
        }
    }

    /// Releases client `c`'s hold (asked first: `confirm.rs`).
    pub(super) fn release(&mut self, c: usize) -> Result<(), String> {
        let client = self.book().clients().get(c).map(|c| c.id.clone()).ok_or("no such client")?;
        self.write(Command::Release { client }).map(|_| ())
    }

    /// Resolves the dispute on `invoice` (asked first).
    pub(super) fn resolve(&mut self, invoice: &str) -> Result<(), String> {
        self.write(Command::Resolve { invoice: invoice.to_string(), remark: String::new() }).map(|_| ())
    }

    /// Undoes note `id` of this session with a reversing entry (asked
    /// first); the reversing entry is not itself on the undo stack.
    pub(super) fn undo_note(&mut self, id: u64) -> Result<(), String> {
        self.write(Command::Undo { note: id })?;
        self.logbook.session.pop();
        self.logbook.session.retain(|&n| n != id);
        self.logbook.undone.push(id);
        Ok(())
    }

    /// Redoes note `id`, undone in this session (asked first): the new
    /// entry goes on the undo stack like any other.
    pub(super) fn redo_note(&mut self, id: u64) -> Result<(), String> {
        self.write(Command::Redo { note: id })?;
        self.logbook.undone.retain(|&n| n != id);
        Ok(())
    }

    /// Hands `command` to the ledger (which builds it against the book as
    /// it is on disk, writes and flushes it before returning), remembers
    /// its note for undo, brings the shown book up to date, and refreshes
    /// the screens in view (the others when next shown). Returns what to
    /// show: "saved: ..." or why not.
    pub(super) fn write(&mut self, command: Command) -> Result<String, String> {
        let today = self.today();
        let shown = self.shown_invoices();
        let Source::Ledger { ledger, book, seq, .. } = &mut self.source else {
            return Err("this book is read-only here".into());
        };
        let applied = ledger.apply(Request::latest(today, command)).map_err(|e| match e {
            // A refusal says what is wrong with the input, as the CLI does.
            LedgerError::Command(e) => e.to_string(),
            other => format!("not saved: {other}"),
        })?;
        let mut msg = format!("saved: {}", applied.built.done);
        // Applied in place, every invoice keeps its position (and the
        // Invoices list its row: paying the selected invoice leaves the
        // selection on the next one, as before). Read again, the book may
        // hold them elsewhere.
        let read_again = applied.previous != *seq;
        if !read_again {
            crate::store::apply_to_book(book, applied.built.batch.clone());
        } else {
            // Someone else wrote since we last read: read it all again.
            match ledger.snapshot() {
                Ok(snap) => **book = snap.book,
                Err(e) => msg = format!("{msg}; but the book could not be read again ({e}): press R"),
            }
        }
        *seq = applied.seq;
        if let Some(id) = applied.note() {
            self.logbook.session.push(id);
        }
        if read_again {
            self.follow_invoices(shown);
        }
        self.after_write();
        Ok(msg)
    }

    /// Rebuilds what the screens show from the changed book: the day's list
    /// (a logged action moves the client on), summaries, and open lists.
    pub(super) fn after_write(&mut self) {
        let today = self.today();
        let actions = crate::rules::today(self.book(), &self.rules, today);
        self.model = super::model::Model::build(self.book(), today, actions);
        self.refresh_shown();
        self.sync_focus();
    }

    /// The whole book, read behind a first screen that showed only its
    /// open part (`shell::load`), as of write `seq`. Taken unless a write of
    /// this session came after `seq` (false: read it again).
    pub fn whole_book_arrived(&mut self, whole: crate::domain::Book, at: u64) -> bool {
        let shown = self.shown_invoices();
        let Source::Ledger { book, seq, .. } = &mut self.source else { return false };
        if at < *seq {
            return false;
        }
        **book = whole;
        *seq = at;
        if matches!(&self.status, Some(Status::Info(m)) if m == "reading the paid history…") {
            self.status = None;
        }
        self.follow_invoices(shown);
        self.after_write();
        true
    }

    /// `R`: reads the book again, for what others wrote since.
    pub(super) fn reload(&mut self) {
        let shown = self.shown_invoices();
        let Source::Ledger { ledger, book, seq, .. } = &mut self.source else { return };
        let result = ledger.latest().and_then(|latest| {
            if latest == *seq {
                return Ok(false);
            }
            let snap = ledger.snapshot()?;
            **book = snap.book;
            *seq = snap.seq;
            Ok(true)
        });
        self.status = Some(match result {
            Ok(true) => {
                self.follow_invoices(shown);
                self.after_write();
                Status::Info("read the book again: it had changed".into())
            }
            Ok(false) => Status::Info("the book is as shown: nothing changed".into()),
            Err(e) => Status::Error(format!("cannot read the book: {e}")),
        });
    }

    /// Reopens a form saved when the last session was cut off.
    pub fn restore_draft(&mut self, draft: &Draft) {
        let Some(ci) = self.book().client_index(&draft.client_id) else { return };
        self.focus = Some(ci);
        let Some(mut ctx) = self.form_context(false) else { return };
        if let Some(n) = &draft.invoice {
            if let Some(inv) = self.book().invoice(n) {
                ctx.invoice = Some(n.clone());
                ctx.invoice_balance =
                    Some(Money::new(crate::receivables::open_balance(self.book(), inv, self.today()), inv.currency));
            }
        }
        if let Some(form) = Form::from_draft(draft, ctx) {
            self.form = Some(form);
            self.publish_draft();
            let when = DateTime::parse_from_rfc3339(&draft.saved_at)
                .map(|t| t.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|_| draft.saved_at.clone());
            self.status =
                Some(Status::Info(format!("recovered unsaved {} from {when}: Enter saves, Esc discards", draft.form)));
        }
    }
}
