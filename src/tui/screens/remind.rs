//! The message preview: `r` on Today or a client opens the message the
//! account's step calls for, rendered by the same templates and fields as
//! `dun remind` and `dun letter` ([`MailSetup`]). In the preview the user
//! edits it in `$EDITOR`, sends it, saves it as a file, or closes it.
//!
//! Sending goes the way `remind --send` goes ([`deliver::send`]: queued in
//! the outbox, handed over, marked sent with its note or failed, each a
//! command through the ledger), with the text as shown, edits included.
//! With accounts marked on Today (space), `r` previews them together and
//! `s` sends them all after one question that says how many go to whom;
//! each message's fate is one line, and a failure does not stop the rest.
//! A letter (an escalation) is written as a PDF, as `remind --send` does.
//!
//! It is modal, like a logging form: while it is open it has the keys
//! (the `preview` section of the key map).

use std::path::{Path, PathBuf};

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::domain::Book;
use crate::mail::deliver::{self, Delivered};
use crate::mail::fields::Fields;
use crate::mail::plan::{self, Channel, Planned};
use crate::mail::setup::MailSetup;
use crate::mail::templates::Rendered;
use crate::mail::transport::{self, Email, Transport};
use crate::tui::action::{Action, Effect, Tab};
use crate::tui::app::{App, Source, Status, View};
use crate::tui::input::{Outcome as InputOutcome, TextInput};
use crate::tui::keymap::Section;
use crate::tui::theme::Role;

/// The interface's mail state: what it renders and sends with, and the
/// preview when one is open.
#[derive(Default)]
pub struct Remind {
    /// Config and templates, set by the shell from the config in use;
    /// without one, the built-in templates and an empty `[mail]`.
    pub setup: Option<MailSetup>,
    /// Why the config in use cannot word a message (`[mail] paper`,
    /// `[fees]`...): said when `r` is pressed, never replaced by defaults.
    pub setup_error: Option<String>,
    pub preview: Option<Preview>,
    /// The book is served by `dun serve`: its data folder is the server's,
    /// so letters go only to `[mail] letters_dir` ([`deliver::letters_dir`]).
    pub served: bool,
}

/// One message in the preview.
pub struct Item {
    pub planned: Planned,
    pub fields: Fields,
    /// The text as it will be sent (edits included).
    pub rendered: Rendered,
    pub edited: bool,
    /// Sent (or already sent today): sending again does nothing.
    pub sent: bool,
    /// What the last send or save did, one line.
    pub outcome: Option<Status>,
}

/// What the preview is waiting for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    View,
    /// "send … ? y/n": `y` sends, any other key does not.
    Confirm(String),
    /// The file name to save the selected message as.
    SavePath(TextInput),
}

pub struct Preview {
    pub items: Vec<Item>,
    /// Marked accounts that get no message (a call is due, or nothing).
    pub skipped: Vec<String>,
    pub selected: usize,
    pub scroll: u16,
    pub mode: Mode,
    /// The latest word for the user, at the foot of the preview.
    pub message: Option<Status>,
}

impl Preview {
    pub fn item(&self) -> Option<&Item> {
        self.items.get(self.selected)
    }

    fn sendable(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| !i.sent && i.planned.problem.is_none())
    }

    /// The question before a send: client, recipient and step for one
    /// message; how many go to whom for several. None: nothing to send.
    pub fn question(&self) -> Option<String> {
        let go: Vec<&Item> = self.sendable().collect();
        let unsent = self.items.iter().filter(|i| !i.sent && i.planned.problem.is_some()).count();
        if go.is_empty() {
            return None;
        }
        let clean = |s: &str| crate::text::sanitize(s).into_owned();
        if self.items.len() == 1 {
            let i = go[0];
            let p = &i.planned;
            return Some(match p.channel {
                Channel::Email => {
                    format!("send the {} to {} <{}>", clean(&p.step.name), clean(&p.client_name), clean(&p.to))
                }
                Channel::Letter => format!(
                    "write the {} to {} as a PDF letter (logged as sent)",
                    clean(&p.step.name),
                    clean(&p.client_name)
                ),
            });
        }
        let mails: Vec<&Item> = go.iter().copied().filter(|i| i.planned.channel == Channel::Email).collect();
        let letters = go.len() - mails.len();
        let mut parts = Vec::new();
        if !mails.is_empty() {
            let mut to: Vec<String> = mails.iter().take(2).map(|i| clean(&i.planned.to)).collect();
            if mails.len() > 2 {
                to.push(format!("+{}", mails.len() - 2));
            }
            let what = if mails.len() == 1 { "reminder" } else { "reminders" };
            parts.push(format!("send {} {what} to {}", mails.len(), to.join(", ")));
        }
        if letters > 0 {
            let verb = if mails.is_empty() { "write" } else { "and write" };
            parts.push(format!("{verb} {letters} letter{} as PDF", if letters == 1 { "" } else { "s" }));
        }
        let mut q = parts.join(" ");
        if unsent > 0 {
            let verb = if unsent == 1 { "stays" } else { "stay" };
            q.push_str(&format!(" ({unsent} without an e-mail address {verb} unsent)"));
        }
        Some(q)
    }
}

/// The text the editor gets and gives back: the subject line, a blank
/// line, the body.
pub fn editable(r: &Rendered) -> String {
    format!("Subject: {}\n\n{}", r.subject, r.body)
}

/// Reads the editor's text back. The first line must stay `Subject: …`:
/// anything else is refused rather than guessed at.
pub fn parse_edited(text: &str) -> Result<Rendered, String> {
    let text = text.replace("\r\n", "\n");
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let subject: String =
        first.strip_prefix("Subject:").map(str::trim).unwrap_or("").chars().filter(|c| !c.is_control()).collect();
    if subject.is_empty() {
        return Err("not changed: the first line must be `Subject: …` with a subject".into());
    }
    let body = rest.strip_prefix('\n').unwrap_or(rest).trim_end();
    if body.is_empty() {
        return Err("not changed: the message has no text".into());
    }
    Ok(Rendered { subject, body: format!("{body}\n") })
}

fn client_label(book: &Book, id: &str) -> String {
    let name = book.client(id).map(|c| c.name.as_str()).unwrap_or(id);
    crate::text::sanitize(name).into_owned()
}

impl App {
    /// `r`: the message of the focused account, or of every account marked
    /// on Today.
    pub(crate) fn open_preview(&mut self) -> Effect {
        let on_today = self.view == View::Tab(Tab::Today) && !self.in_detail();
        let marked = &self.screens.today.marked;
        let ids: Vec<String> = if on_today && !marked.is_empty() {
            // In the list's order.
            self.model.actions.iter().filter(|a| marked.contains(&a.client_id)).map(|a| a.client_id.clone()).collect()
        } else {
            match self.focus.and_then(|c| self.book().clients().get(c)) {
                Some(c) => vec![c.id.clone()],
                None => {
                    self.status = Some(Status::Error("select a client first".into()));
                    return Effect::None;
                }
            }
        };
        if let Some(e) = &self.remind.setup_error {
            self.status = Some(Status::Error(format!("in the config file: {e}")));
            return Effect::None;
        }
        if self.remind.setup.is_none() {
            match MailSetup::new(crate::config::Config::default(), None) {
                Ok(s) => self.remind.setup = Some(s),
                Err(e) => {
                    self.status = Some(Status::Error(e));
                    return Effect::None;
                }
            }
        }
        let Some(setup) = self.remind.setup.as_ref() else { return Effect::None };
        let book = self.source.book();
        let today = self.model.today;
        let mut items = Vec::new();
        let mut skipped = Vec::new();
        for id in &ids {
            let name = client_label(book, id);
            let Some(a) = self.model.actions.iter().find(|a| &a.client_id == id) else {
                skipped.push(format!("{name}: nothing is due today, no message"));
                continue;
            };
            let Some(p) = plan::for_action(book, &self.rules, &setup.templates, a) else {
                skipped.push(format!(
                    "{name}: today's step is a {} ({}), no message",
                    a.kind,
                    crate::text::sanitize(&a.level_name)
                ));
                continue;
            };
            // A template naming an unknown field stops everything, as in the CLI.
            let rendered = setup.check_used(std::slice::from_ref(&p)).and_then(|()| setup.render(book, today, &p));
            match rendered {
                Ok((fields, rendered)) => {
                    items.push(Item { planned: p, fields, rendered, edited: false, sent: false, outcome: None })
                }
                Err(e) => {
                    self.status = Some(Status::Error(crate::text::sanitize_lines(&e).replace('\n', "; ")));
                    return Effect::None;
                }
            }
        }
        if items.is_empty() {
            self.status = Some(Status::Info(skipped.join("; ")));
            return Effect::None;
        }
        self.remind.preview = Some(Preview { items, skipped, selected: 0, scroll: 0, mode: Mode::View, message: None });
        Effect::None
    }

    /// Pasted text while the preview asks for a file name.
    pub(crate) fn preview_paste(&mut self, text: &str) {
        if let Some(Mode::SavePath(input)) = self.remind.preview.as_mut().map(|p| &mut p.mode) {
            input.paste(text);
        }
    }

    /// A key while the preview is open.
    pub(crate) fn preview_key(&mut self, key: KeyEvent) -> Effect {
        let Some(p) = self.remind.preview.as_mut() else { return Effect::None };
        match std::mem::replace(&mut p.mode, Mode::View) {
            Mode::SavePath(mut input) => {
                match input.event(&key) {
                    InputOutcome::Submit => {
                        let path = input.value().trim().to_string();
                        self.save_selected(&path);
                    }
                    InputOutcome::Cancel => p.message = Some(Status::Info("not saved".into())),
                    _ => p.mode = Mode::SavePath(input),
                }
                return Effect::None;
            }
            Mode::Confirm(q) => {
                let yes =
                    matches!(key.code, KeyCode::Char('y' | 'Y')) && !key.modifiers.contains(KeyModifiers::CONTROL);
                if yes {
                    let n = p.sendable().count();
                    p.message = Some(Status::Info(format!("sending {n} message{}…", if n == 1 { "" } else { "s" })));
                    return Effect::Deliver;
                } else {
                    p.message = Some(Status::Info(format!("not done: {q}; nothing was sent")));
                }
                return Effect::None;
            }
            Mode::View => {}
        }
        for action in self.keymap.actions_for(Section::Preview, &key).into_iter().flatten() {
            if action == Action::PreviewSave {
                let name = match self.remind.preview.as_ref().and_then(|p| p.item()) {
                    Some(i) => self.default_file(i),
                    None => return Effect::None,
                };
                if let Some(p) = self.remind.preview.as_mut() {
                    p.mode = Mode::SavePath(TextInput::new(&name));
                }
                return Effect::None;
            }
            // Letters with nowhere to go are refused before anything is
            // queued, as `remind --send` refuses them.
            let no_letters_dir = match (action, self.remind.setup.as_ref(), self.mail_data_dir()) {
                (Action::PreviewSend, Some(s), Some(dir)) => {
                    deliver::letters_dir(&s.config.mail, &dir, self.remind.served).err()
                }
                _ => None,
            };
            let Some(p) = self.remind.preview.as_mut() else { return Effect::None };
            let lines = p.item().map_or(0, |i| wrapped_lines(&i.rendered.body, self.size.0.saturating_sub(2)));
            let page = self.size.1.saturating_sub(12).max(1);
            match action {
                Action::PreviewClose => {
                    let sent = p.items.iter().filter(|i| i.sent).count();
                    self.remind.preview = None;
                    self.status = Some(Status::Info(if sent == 0 {
                        "closed; nothing was sent".into()
                    } else {
                        format!("closed; {sent} sent")
                    }));
                }
                Action::PreviewSend
                    if no_letters_dir.is_some() && p.sendable().any(|i| i.planned.channel == Channel::Letter) =>
                {
                    p.message = no_letters_dir.map(Status::Error);
                }
                Action::PreviewSend => match p.question() {
                    Some(q) => p.mode = Mode::Confirm(q),
                    None => p.message = Some(Status::Error(nothing_to_send(p))),
                },
                Action::PreviewEdit => match p.item() {
                    Some(i) if i.sent => {
                        p.message = Some(Status::Error("already sent: an edit would change nothing".into()))
                    }
                    Some(i) => return Effect::Editor(editable(&i.rendered)),
                    None => {}
                },
                Action::Down => p.scroll = (p.scroll + 1).min(lines.saturating_sub(1)),
                Action::Up => p.scroll = p.scroll.saturating_sub(1),
                Action::PageDown | Action::HalfPageDown => p.scroll = (p.scroll + page).min(lines.saturating_sub(1)),
                Action::PageUp | Action::HalfPageUp => p.scroll = p.scroll.saturating_sub(page),
                Action::Top => p.scroll = 0,
                Action::Bottom => p.scroll = lines.saturating_sub(1),
                Action::NextPane | Action::PrevPane => {
                    let n = p.items.len();
                    p.selected =
                        if action == Action::NextPane { (p.selected + 1) % n } else { (p.selected + n - 1) % n };
                    p.scroll = 0;
                }
                Action::Help => {
                    self.help = true;
                    self.help_scroll = 0;
                }
                Action::Quit => return Effect::Quit,
                Action::Suspend => return Effect::Suspend,
                _ => continue,
            }
            return Effect::None;
        }
        Effect::None
    }

    /// A file name to start from: the letters folder for a letter (as
    /// `remind --send` names it), else `DATE-CLIENT-STEP.eml` here.
    fn default_file(&self, i: &Item) -> String {
        let today = self.today();
        let letters = match (i.planned.channel, self.mail_data_dir(), self.remind.setup.as_ref()) {
            (Channel::Letter, Some(dir), Some(s)) => {
                deliver::letters_dir(&s.config.mail, &dir, self.remind.served).ok()
            }
            _ => None,
        };
        match (i.planned.channel, letters) {
            (Channel::Letter, Some(dir)) => deliver::letter_path(&dir, &i.planned, today).display().to_string(),
            // A served book without `[mail] letters_dir`: here, not in the server's folder.
            (Channel::Letter, None) => deliver::letter_path(Path::new(""), &i.planned, today).display().to_string(),
            _ => deliver::letter_path(Path::new(""), &i.planned, today).with_extension("eml").display().to_string(),
        }
    }

    fn mail_data_dir(&self) -> Option<PathBuf> {
        match &self.source {
            Source::Ledger { dir, .. } => dir.clone(),
            Source::Memory(_) => None,
        }
    }

    /// What came back from `$EDITOR` for the selected message.
    pub(crate) fn preview_edited(&mut self, result: Result<String, String>) {
        let Some(p) = self.remind.preview.as_mut() else { return };
        let sel = p.selected;
        let Some(item) = p.items.get_mut(sel) else { return };
        p.message = Some(match result.and_then(|t| parse_edited(&t)) {
            Ok(r) if r == item.rendered => Status::Info("unchanged".into()),
            Ok(r) => {
                item.rendered = r;
                item.edited = true;
                Status::Info("edited: s sends the text as shown".into())
            }
            Err(e) => Status::Error(e),
        });
    }

    /// After `y` to the question (and a frame that says "sending…"): every
    /// message not yet sent goes, in order, through the outbox; a failure
    /// is one line and the rest goes on.
    pub fn deliver_now(&mut self) {
        let idx: Vec<usize> = match &self.remind.preview {
            Some(p) => {
                (0..p.items.len()).filter(|&i| !p.items[i].sent && p.items[i].planned.problem.is_none()).collect()
            }
            None => return,
        };
        let (sent, failed, unknown) = self.deliver_items(&idx, None);
        if let Some(p) = self.remind.preview.as_mut() {
            let unsent = p.items.iter().filter(|i| i.planned.problem.is_some()).count();
            let mut msg = format!("{sent} sent, {failed} failed");
            if unknown > 0 {
                msg.push_str(&format!(", {unknown} unknown"));
            }
            if unsent > 0 {
                msg.push_str(&format!(", {unsent} without an e-mail address not sent"));
            }
            p.message = Some(if failed + unknown > 0 { Status::Error(msg) } else { Status::Info(msg) });
        }
    }

    /// Delivers the items `idx` (a letter to `letter_out` when given), then
    /// reads the book again so the list moves on. Returns (sent, failed,
    /// unknown: of an earlier attempt, or out but not recorded).
    fn deliver_items(&mut self, idx: &[usize], letter_out: Option<&Path>) -> (usize, usize, usize) {
        let today = self.today();
        // Taken before the book is read again below.
        let shown = self.shown_invoices();
        let data_dir = self.mail_data_dir();
        let (Some(setup), Some(p)) = (self.remind.setup.as_ref(), self.remind.preview.as_mut()) else {
            return (0, 0, 0);
        };
        let Source::Ledger { ledger, book, seq, .. } = &mut self.source else {
            p.message = Some(Status::Error("this book is read-only here; nothing was sent".into()));
            return (0, 0, 0);
        };
        let mail = &setup.config.mail;
        let needs_mail = idx.iter().any(|&i| p.items[i].planned.channel == Channel::Email);
        let transport = if needs_mail { Some(Transport::from_config(mail)) } else { None };
        let (mut sent, mut failed, mut unknown) = (0, 0, 0);
        let mut notes = Vec::new();
        for &i in idx {
            let item = &mut p.items[i];
            let pl = &item.planned;
            let transport = match (&transport, pl.channel) {
                (Some(Err(e)), Channel::Email) => {
                    failed += 1;
                    item.outcome = Some(Status::Error(format!("not sent: {e}")));
                    continue;
                }
                (Some(Ok(t)), _) => Some(t),
                _ => None,
            };
            let letter = match (pl.channel, letter_out, &data_dir) {
                (Channel::Email, _, _) => None,
                (_, Some(out), _) => Some(out.to_path_buf()),
                (_, None, Some(dir)) => match deliver::letters_dir(mail, dir, self.remind.served) {
                    Ok(d) => Some(deliver::letter_path(&d, pl, today)),
                    Err(e) => {
                        // Not queued: `s` refuses first; this is the rule kept.
                        failed += 1;
                        item.outcome = Some(Status::Error(format!("not sent: {e}")));
                        continue;
                    }
                },
                (_, None, None) => Some(deliver::letter_path(Path::new("letters"), pl, today)),
            };
            let entry = deliver::entry(mail, today, pl, &item.rendered, letter.as_deref());
            let to = crate::text::sanitize(&entry.to).into_owned();
            let result =
                deliver::send(ledger.as_mut(), today, mail, &setup.print, transport, entry, &item.fields, false);
            item.outcome = Some(match result {
                Ok(Delivered::Sent { reply, note }) => {
                    sent += 1;
                    item.sent = true;
                    notes.extend(note);
                    let what = if pl.channel == Channel::Email { "sent to" } else { "letter written to" };
                    Status::Info(format!("{what} {to} ({})", crate::text::sanitize(&reply)))
                }
                Ok(Delivered::AlreadySent(m)) => {
                    item.sent = true;
                    Status::Info(crate::text::sanitize(&m).into_owned())
                }
                Ok(Delivered::SentUnrecorded { reply, error }) => {
                    // Out: `s` must not offer it again (the outbox would
                    // refuse it as unknown anyway).
                    unknown += 1;
                    item.sent = true;
                    let what = if pl.channel == Channel::Email { "sent to" } else { "letter written to" };
                    let (reply, error) = (crate::text::sanitize(&reply), crate::text::sanitize(&error));
                    Status::Error(deliver::unrecorded(what, &to, &reply, &error))
                }
                Ok(Delivered::Failed(r)) => {
                    failed += 1;
                    Status::Error(format!("FAILED to {to}: {}", crate::text::sanitize(&r)))
                }
                Ok(Delivered::Unknown(m)) => {
                    unknown += 1;
                    Status::Error(crate::text::sanitize(&m).into_owned())
                }
                Err(e) => {
                    failed += 1;
                    Status::Error(format!("not sent: {}", crate::text::sanitize(&e.to_string())))
                }
            });
        }
        // The outbox and the notes changed: read the book as it now is.
        match ledger.snapshot() {
            Ok(snap) => {
                **book = snap.book;
                *seq = snap.seq;
            }
            Err(e) => {
                p.message = Some(Status::Error(format!("sent, but the book could not be read again ({e}): press R")))
            }
        }
        self.logbook.session.extend(notes);
        // A sent account's mark has done its work.
        if let Some(p) = &self.remind.preview {
            for i in p.items.iter().filter(|i| i.sent) {
                self.screens.today.marked.remove(&i.planned.client_id);
            }
        }
        self.follow_invoices(shown);
        self.after_write();
        (sent, failed, unknown)
    }

    /// Saves the selected message as `path`: an e-mail as `.eml` (the MIME
    /// message as it would be sent) or text; a letter as its PDF, through
    /// the outbox and logged like `dun letter --out`, or as text. Nothing
    /// is overwritten.
    fn save_selected(&mut self, path: &str) {
        let Some(p) = self.remind.preview.as_mut() else { return };
        let sel = p.selected;
        if path.is_empty() {
            p.message = Some(Status::Error("not saved: no file name".into()));
            return;
        }
        let path = PathBuf::from(path);
        let shown = crate::text::sanitize(&path.display().to_string()).into_owned();
        if path.exists() {
            p.message = Some(Status::Error(format!("not saved: {shown} exists (choose another name)")));
            return;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        let Some(item) = p.items.get(sel) else { return };
        let letter = item.planned.channel == Channel::Letter;
        if letter && ext == "pdf" {
            if item.sent {
                p.message = Some(Status::Error("this letter is already written and logged today".into()));
                return;
            }
            let (sent, _, _) = self.deliver_items(&[sel], Some(&path));
            if let Some(p) = self.remind.preview.as_mut() {
                p.message = p.items.get(sel).and_then(|i| i.outcome.clone());
                if sent == 1 {
                    p.message = Some(Status::Info(format!("saved {shown} and logged the letter")));
                }
            }
            return;
        }
        let bytes = if ext == "eml" && !letter {
            let Some(setup) = self.remind.setup.as_ref() else { return };
            let email = Email {
                to: item.planned.to.clone(),
                to_name: item.fields.contact.clone(),
                subject: item.rendered.subject.clone(),
                body: item.rendered.body.clone(),
                message_id: crate::mail::outbox::message_id(
                    self.model.today,
                    &item.planned.client_id,
                    item.planned.step.level,
                    setup.config.mail.from_address(),
                ),
            };
            match transport::mime(&setup.config.mail, &email, std::time::SystemTime::now()) {
                Ok(m) => m.formatted(),
                Err(e) => {
                    p.message = Some(Status::Error(format!("not saved: {}", crate::text::sanitize(&e))));
                    return;
                }
            }
        } else {
            editable(&item.rendered).into_bytes()
        };
        p.message = Some(match crate::store::paths::write_atomic(&path, &bytes) {
            Ok(()) => Status::Info(format!("saved {shown}; not sent, nothing logged")),
            Err(e) => Status::Error(format!("not saved: {shown}: {e}")),
        });
    }
}

/// Rows the body takes wrapped at `width` columns (the scroll's end).
fn wrapped_lines(body: &str, width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let n: usize = body.lines().map(|l| crate::text::width(l).div_ceil(w).max(1)).sum();
    n.min(usize::from(u16::MAX)) as u16
}

fn nothing_to_send(p: &Preview) -> String {
    match p.item() {
        Some(i) if i.planned.problem.is_some() => format!(
            "not sent: {} has no e-mail address; w saves it as a file to print",
            crate::text::sanitize(&i.planned.client_name)
        ),
        _ => "nothing left to send: everything here has gone".into(),
    }
}

/// The keys of the preview, for the status line.
pub fn hint_line(app: &App) -> Line<'static> {
    let t = &app.theme;
    let multi = app.remind.preview.as_ref().is_some_and(|p| p.items.len() > 1);
    let mut hints = vec![
        (Action::PreviewSend, if multi { "send all" } else { "send" }),
        (Action::PreviewEdit, "edit"),
        (Action::PreviewSave, "save"),
    ];
    if multi {
        hints.push((Action::NextPane, "next"));
    }
    hints.extend([(Action::Down, "scroll"), (Action::PreviewClose, "close"), (Action::Help, "help")]);
    let mut spans = Vec::new();
    for (a, label) in hints {
        let key = app.keymap.label_in(Section::Preview, a);
        if key.is_empty() {
            continue;
        }
        if !spans.is_empty() {
            spans.push(Span::styled("  ", t.style(Role::Muted)));
        }
        spans.push(Span::styled(key, t.style(Role::Key)));
        spans.push(Span::styled(format!(" {label}"), t.style(Role::Muted)));
    }
    Line::from(spans)
}

fn status_span(s: &Status, app: &App) -> Span<'static> {
    match s {
        Status::Info(m) => Span::styled(crate::text::sanitize(m).into_owned(), app.theme.style(Role::Ok)),
        Status::Error(m) => Span::styled(crate::text::sanitize(m).into_owned(), app.theme.style(Role::Error)),
    }
}

/// The preview over the body: the batch (one line per message, with its
/// fate), the selected message's recipient, step and subject, its text,
/// and at the foot the question, the file name being typed, or the latest
/// word.
pub fn draw(app: &App, p: &Preview, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    Clear.render(body, buf);
    let Some(item) = p.item() else { return };
    let kind = if item.planned.channel == Channel::Letter { "Letter" } else { "E-mail" };
    let name = crate::text::sanitize(&item.planned.client_name).into_owned();
    let mut title = format!(" {kind} to {name} ");
    if p.items.len() > 1 {
        title = format!(" {kind} to {name} · {} of {} ", p.selected + 1, p.items.len());
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Key))
        .title(Span::styled(title, t.style(Role::Title)));
    let inner = block.inner(body);
    block.render(body, buf);
    if inner.height < 4 || inner.width < 10 {
        return;
    }
    let w = usize::from(inner.width);
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let mut put = |y: &mut u16, line: Line| {
        if *y < bottom {
            buf.set_line(inner.x, *y, &line, inner.width);
            *y += 1;
        }
    };
    // The batch: one line each, at most a third of the space.
    if p.items.len() > 1 || !p.skipped.is_empty() {
        let room = usize::from(inner.height / 3).max(1);
        let total = p.items.len() + p.skipped.len();
        let first = p.selected.saturating_sub(room.saturating_sub(1)).min(total.saturating_sub(room));
        let mut rows: Vec<Line> = Vec::new();
        for (i, it) in p.items.iter().enumerate() {
            let pl = &it.planned;
            let to = match pl.channel {
                Channel::Letter => "PDF letter".to_string(),
                Channel::Email if pl.to.is_empty() => "(no address)".to_string(),
                Channel::Email => pl.to.clone(),
            };
            let head = format!(
                "{} {} → {} · {}",
                if i == p.selected { "›" } else { " " },
                crate::text::sanitize(&pl.client_name),
                crate::text::sanitize(&to),
                crate::text::sanitize(&pl.step.name)
            );
            let fate = match (&it.outcome, &pl.problem) {
                (Some(s), _) => status_span(s, app),
                (None, Some(prob)) => {
                    Span::styled(format!("not sent: {}", crate::text::sanitize(prob)), t.style(Role::Error))
                }
                (None, None) if it.edited => Span::styled("edited".to_string(), t.style(Role::Muted)),
                (None, None) => Span::raw(""),
            };
            let style = if i == p.selected { t.style(Role::Selection) } else { t.style(Role::Text) };
            // The fate gets what the head leaves, and at least half the line.
            let fate_w = crate::text::width(&fate.content).min(w / 2);
            let head = crate::text::truncate(&head, w.saturating_sub(fate_w + 2));
            let fate_room = w.saturating_sub(crate::text::width(&head) + 2);
            let fate = Span::styled(crate::text::truncate(&fate.content, fate_room), fate.style);
            rows.push(Line::from(vec![Span::styled(head, style), Span::raw("  "), fate]));
        }
        for s in &p.skipped {
            rows.push(Line::from(Span::styled(format!("  {}", crate::text::sanitize(s)), t.style(Role::Muted))));
        }
        for line in rows.into_iter().skip(first).take(room) {
            put(&mut y, line);
        }
        put(&mut y, Line::from(Span::styled("─".repeat(w), t.style(Role::Border))));
    }
    let pl = &item.planned;
    let to = match (pl.channel, &pl.problem) {
        (Channel::Letter, _) => "a PDF letter to print (a letter of demand must be provable)".to_string(),
        (Channel::Email, Some(prob)) => format!("nobody: {prob}"),
        (Channel::Email, None) => format!("{} <{}>", item.fields.contact, pl.to),
    };
    let label = |k: &str| Span::styled(format!("{k:<9}"), t.style(Role::Header));
    put(
        &mut y,
        Line::from(vec![label("To:"), Span::styled(crate::text::sanitize(&to).into_owned(), t.style(Role::Text))]),
    );
    let step = format!("{} {} · {}", pl.step.level, pl.step.name, pl.invoices.join(", "));
    put(
        &mut y,
        Line::from(vec![label("Step:"), Span::styled(crate::text::sanitize(&step).into_owned(), t.style(Role::Muted))]),
    );
    let mut subject = vec![
        label("Subject:"),
        Span::styled(crate::text::sanitize(&item.rendered.subject).into_owned(), t.style(Role::Text)),
    ];
    if item.edited {
        subject.push(Span::styled("  (edited)", t.style(Role::Muted)));
    }
    put(&mut y, Line::from(subject));
    y += 1;
    // The foot: one line, two for a long question.
    let question = match &p.mode {
        Mode::Confirm(q) => Some(format!("{q}? y/n")),
        _ => None,
    };
    let foot_h: u16 = if question.as_ref().is_some_and(|q| crate::text::width(q) > w) { 2 } else { 1 };
    // The text, wrapped and scrolled.
    let text_h = bottom.saturating_sub(y + foot_h);
    let text: Vec<Line> = item
        .rendered
        .body
        .lines()
        .map(|l| Line::from(Span::styled(crate::text::sanitize(l).into_owned(), t.style(Role::Text))))
        .collect();
    let text = Paragraph::new(text).wrap(Wrap { trim: false }).scroll((p.scroll, 0));
    text.render(Rect { y: y.min(bottom), height: text_h, ..inner }, buf);
    let foot = Rect { y: bottom.saturating_sub(foot_h), height: foot_h, ..inner };
    if let Some(q) = question {
        Clear.render(foot, buf);
        Paragraph::new(Line::from(Span::styled(q, t.style(Role::Key)))).wrap(Wrap { trim: true }).render(foot, buf);
        return;
    }
    let line = match &p.mode {
        Mode::Confirm(_) => Line::from(""),
        Mode::SavePath(input) => {
            let mut spans = vec![Span::styled("save as: ", t.style(Role::Key))];
            spans.extend(input.spans(t.style(Role::Text)));
            Line::from(spans)
        }
        Mode::View => match p.message.as_ref().or(item.outcome.as_ref()) {
            Some(s) => Line::from(status_span(s, app)),
            None => {
                let total = usize::from(wrapped_lines(&item.rendered.body, inner.width));
                let more = total.saturating_sub(usize::from(p.scroll) + usize::from(text_h));
                if more > 0 {
                    Line::from(Span::styled(format!("… {more} more lines (j/↓ scrolls)"), t.style(Role::Muted)))
                } else {
                    Line::from("")
                }
            }
        },
    };
    Clear.render(foot, buf);
    buf.set_line(foot.x, foot.y, &line, foot.width);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edited_text_keeps_its_subject_line_or_is_refused() {
        let r = parse_edited("Subject: Hello  \n\nDear A,\nPay.\n\n\n").unwrap();
        assert_eq!(r, Rendered { subject: "Hello".into(), body: "Dear A,\nPay.\n".into() });
        assert_eq!(parse_edited(&editable(&r)).unwrap(), r, "what the editor gets comes back unchanged");
        assert!(parse_edited("Dear A,\n").unwrap_err().contains("Subject"));
        assert!(parse_edited("Subject:\n\nx").unwrap_err().contains("Subject"));
        assert!(parse_edited("Subject: x\n\n  \n").unwrap_err().contains("no text"));
    }
}
