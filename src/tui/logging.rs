//! Logging follow-ups from the interface (issue 6): opening a form on the
//! selection, saving what it says through `followup` and the store, undo,
//! `$EDITOR`, and drafts that survive a dropped connection.
//!
//! A save is durable before the screen says so: `Store::apply` returns only
//! after the write is flushed, and only then is "saved" shown. If the write
//! fails, the form stays open with the typing intact and the error on it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::action::{Action, Effect};
use super::app::{App, Source, Status};
use super::entry::{Form, FormContext, FormKind, FormResult, Intent};
use crate::domain::{Money, NoteKind};
use crate::drafts::Draft;
use crate::followup::{self, NoteInput, Stamp};
use crate::rules::ActionKind;

/// The open form's latest state, shared with the signal thread so a hang-up
/// can save it even while the main loop is blocked.
pub type DraftSlot = Arc<Mutex<Option<Draft>>>;

/// What the interface needs to write: who writes, what time it is (read by
/// the shell; tests fix it), and the undo stack of this session.
pub struct Logbook {
    pub author: String,
    pub clock: fn() -> DateTime<Utc>,
    /// Note ids this session wrote, newest last: what `u` undoes.
    pub session: Vec<u64>,
    pub draft_slot: DraftSlot,
}

impl Default for Logbook {
    fn default() -> Self {
        Logbook { author: crate::user_name(), clock: Utc::now, session: Vec::new(), draft_slot: DraftSlot::default() }
    }
}

/// Opens the store for one write, waiting a little if another dun (a cron
/// report, a colleague's save) has it at that moment: those hold it for a
/// fraction of a second.
fn open_for_write(dir: &std::path::Path) -> Result<crate::store::Store, crate::store::StoreError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        match crate::store::Store::open(dir) {
            Err(crate::store::StoreError::Locked(_)) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
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
            FormResult::Submit(intent) => match self.save(intent) {
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
        let draft = self.form.as_ref().map(|f| f.to_draft((self.logbook.clock)().to_rfc3339()));
        if let Ok(mut slot) = self.logbook.draft_slot.lock() {
            *slot = draft;
        }
    }

    fn data_dir(&self) -> Option<std::path::PathBuf> {
        match &self.source {
            Source::Dir { dir, .. } => Some(dir.clone()),
            Source::Memory(_) => None,
        }
    }

    /// The selected invoice (a book invoice index), if the view has one
    /// for the focused client.
    fn selected_invoice(&self) -> Option<usize> {
        self.selected_invoice_row().map(|r| self.model.invoices[r].ix)
    }

    fn form_context(&self, with_invoice: bool) -> Option<FormContext> {
        let ci = self.focus?;
        let book = self.book();
        let client = book.clients().get(ci)?;
        let action = self.model.actions.iter().find(|a| a.client_id == client.id);
        let inv = if with_invoice { self.selected_invoice().map(|i| &book.invoices()[i]) } else { None };
        let row = &self.model.clients.iter().find(|r| r.ix == ci);
        let overdue = action
            .and_then(|a| a.overdue.iter().find(|m| m.currency == client.currency).or(a.overdue.first()).copied())
            .or_else(|| {
                row.map(|r| Money::new(r.overdue.get(client.currency), client.currency)).filter(|m| !m.amount.is_zero())
            });
        Some(FormContext {
            client_id: client.id.clone(),
            client_name: client.name.clone(),
            invoice: inv.map(|i| i.number.clone()),
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
            Action::Done => FormKind::Done,
            Action::Hold => {
                let on_hold = self.focus.and_then(|c| self.book().clients().get(c)).is_some_and(|c| c.hold.is_some());
                if on_hold {
                    return self
                        .quick(|book, ids, stamp, client, _| followup::unhold(book, ids, stamp, client), "released");
                }
                FormKind::Hold
            }
            Action::Resolve => {
                return self.quick(
                    |book, ids, stamp, _, invoice| match invoice {
                        Some(n) => followup::resolve(book, ids, stamp, n, ""),
                        None => Err("select the disputed invoice first (Enter on the client, then pick it)".into()),
                    },
                    "dispute resolved",
                );
            }
            Action::Undo => return self.undo(),
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

    /// A write with no form (release a hold, resolve a dispute).
    fn quick(
        &mut self,
        build: impl FnOnce(
            &crate::domain::Book,
            &mut crate::store::IdAlloc,
            &Stamp,
            &str,
            Option<&str>,
        ) -> Result<crate::store::Batch, String>,
        done: &str,
    ) -> Effect {
        let client = self.focus.and_then(|c| self.book().clients().get(c)).map(|c| c.id.clone());
        let invoice = self.selected_invoice().map(|i| self.book().invoices()[i].number.clone());
        let Some(client) = client else { return Effect::None };
        let result = self.write(|book, ids, stamp| build(book, ids, stamp, &client, invoice.as_deref()));
        self.status = Some(match result {
            Ok(()) => Status::Info(format!("saved: {done}")),
            Err(e) => Status::Error(e),
        });
        Effect::None
    }

    /// `u`: undoes this session's last entry with a reversing entry.
    fn undo(&mut self) -> Effect {
        let Some(&id) = self.logbook.session.last() else {
            self.status = Some(Status::Error("nothing of this session to undo".into()));
            return Effect::None;
        };
        let result = self.write(|book, ids, stamp| followup::undo(book, ids, stamp, id));
        self.status = Some(match result {
            Ok(()) => {
                // The reversing entry is not itself undoable from the stack.
                self.logbook.session.pop();
                self.logbook.session.pop();
                Status::Info(format!("saved: undid entry #{id}"))
            }
            Err(e) => Status::Error(e),
        });
        Effect::None
    }

    fn save(&mut self, intent: Intent) -> Result<String, String> {
        let rules = self.rules.clone();
        let msg = match &intent {
            Intent::Log { note, .. } if note.promise.is_some() => "saved: promise to pay logged",
            Intent::Log { note, .. } => match note.kind {
                NoteKind::Call => "saved: call logged",
                NoteKind::Email => "saved: email logged",
                NoteKind::Letter => "saved: letter logged",
                _ => "saved: note logged",
            },
            Intent::Dispute { .. } => "saved: invoice disputed",
            Intent::Snooze { .. } => "saved: client snoozed",
            Intent::Hold { .. } => "saved: client on hold",
            Intent::Payment { .. } => "saved: payment recorded",
            Intent::Done { .. } => "saved: action done",
        };
        let action_kind = match &intent {
            Intent::Done { client_id, .. } => {
                self.model.actions.iter().find(|a| &a.client_id == client_id).map(|a| a.kind)
            }
            _ => None,
        };
        self.write(move |book, ids, stamp| match intent {
            Intent::Log { client_id, note } => followup::log_note(book, ids, stamp, &client_id, note),
            Intent::Dispute { invoice, reason } => followup::dispute(book, ids, stamp, &invoice, &reason),
            Intent::Snooze { client_id, until, text } => {
                let mut b = followup::snooze(book, ids, stamp, &client_id, until)?;
                if !text.trim().is_empty() {
                    if let Some(n) = b.notes.first_mut() {
                        n.text = format!("{}: {}", n.text, text.trim());
                    }
                }
                Ok(b)
            }
            Intent::Hold { client_id, reason } => followup::hold(book, ids, stamp, &client_id, &reason),
            Intent::Payment { client_id, payment } => followup::record_payment(book, ids, stamp, &client_id, payment),
            Intent::Done { client_id, text } => {
                let kind = match action_kind {
                    Some(ActionKind::Call) => NoteKind::Call,
                    Some(ActionKind::Escalation) => NoteKind::Letter,
                    _ => NoteKind::Email,
                };
                followup::mark_done(book, &rules, ids, stamp, &client_id, NoteInput::new(kind, text), &[])
            }
        })?;
        Ok(msg.to_string())
    }

    /// Builds a batch from the book as it is, writes it (flushed before
    /// this returns), remembers its note for undo, and refreshes every
    /// screen from the new book.
    fn write(
        &mut self,
        build: impl FnOnce(&crate::domain::Book, &mut crate::store::IdAlloc, &Stamp) -> Result<crate::store::Batch, String>,
    ) -> Result<(), String> {
        let stamp = Stamp { date: self.today(), at: (self.logbook.clock)(), author: self.logbook.author.clone() };
        let Source::Dir { dir, book, seq } = &mut self.source else {
            return Err("this book is read-only here".into());
        };
        let mut store = open_for_write(dir).map_err(|e| format!("not saved: {e}"))?;
        if store.meta().seq != *seq {
            // Someone else wrote since we last looked: build on their book.
            **book = store.take_book().map_err(|e| format!("not saved: {e}"))?;
        }
        let mut ids = store.ids();
        let batch = build(book, &mut ids, &stamp)?;
        let note = batch.notes.first().map(|n| n.id);
        store.apply(batch.clone()).map_err(|e| format!("not saved: {e}"))?;
        *seq = store.meta().seq;
        drop(store);
        crate::store::apply_to_book(book, batch);
        if let Some(id) = note {
            self.logbook.session.push(id);
        }
        self.after_write();
        Ok(())
    }

    /// Rebuilds what the screens show from the changed book: the day's list
    /// (a logged action moves the client on), summaries, and open lists.
    pub(super) fn after_write(&mut self) {
        let today = self.today();
        let actions = crate::rules::today(self.book(), &self.rules, today);
        self.model = super::model::Model::build(self.book(), today, actions);
        self.refresh_all();
        self.sync_focus();
    }

    /// `R`: reads the book again, for what others wrote since.
    pub(super) fn reload(&mut self) {
        let Source::Dir { dir, book, seq } = &mut self.source else { return };
        let result = open_for_write(dir).and_then(|mut store| {
            let moved = store.meta().seq != *seq;
            if moved {
                **book = store.take_book()?;
                *seq = store.meta().seq;
            }
            Ok(moved)
        });
        self.status = Some(match result {
            Ok(true) => {
                self.after_write();
                Status::Info("read the book again: it had changed".into())
            }
            Ok(false) => Status::Info("the book is as shown: nothing changed".into()),
            Err(e) => Status::Error(format!("cannot read the book: {e}")),
        });
    }

    /// Reopens a form saved when the last session was cut off.
    pub fn restore_draft(&mut self, draft: &Draft) {
        let Some(&ci) = self.model.client_ix.get(&draft.client_id) else { return };
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
