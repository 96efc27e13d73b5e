//! The interface's shared state and the routing of [`Action`]s: the current
//! screen's component (`screens`) gets an action first, then its global
//! meaning applies. Pure: no terminal, no clock, no store. The shell
//! (`shell.rs`) turns events into actions and performs the [`Effect`]s that
//! come back.

use std::cell::Cell;

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, Effect, Pane, Tab};
use super::input::{Outcome as InputOutcome, TextInput};
use super::keymap::{Keymap, Section};
use super::model::{Model, Rows};
use super::screens::{self, Cx, Outcome, Screen, Screens};
use super::theme::Theme;
use crate::domain::Book;
use crate::ledger::{Ledger, LedgerError};
use crate::rules::Action as Chase;

pub use super::screens::aging::AgingRow;
pub use super::screens::clients::ClientSort;
pub use super::screens::invoices::StatusFilter;

/// Where the user is. Tabs are the five screens; the others are reached
/// by drilling in and left with Back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Tab(Tab),
    /// A client's detail (book client index).
    Client(usize),
    /// One invoice (invoice row index).
    Invoice(usize),
}

/// A scrolling list: the selected row, and the first row shown (kept by
/// the draw so the selection stays in view at any height).
#[derive(Clone, Debug, Default)]
pub struct ListState {
    pub selected: usize,
    pub offset: Cell<usize>,
}

impl ListState {
    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }
    /// The first visible row for a window of `height` rows, moved as little
    /// as possible to show the selection.
    pub fn window(&self, height: usize, len: usize) -> usize {
        let mut off = self.offset.get();
        if height == 0 {
            return off;
        }
        if self.selected < off {
            off = self.selected;
        } else if self.selected >= off + height {
            off = self.selected + 1 - height;
        }
        off = off.min(len.saturating_sub(height));
        self.offset.set(off);
        off
    }
    pub fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let s = self.selected as isize + delta;
        self.selected = s.clamp(0, len as isize - 1) as usize;
    }
}

/// The numbers of the invoices shown by the view and the way back, and of
/// the one selected on the Invoices tab.
pub(super) struct ShownInvoices(Vec<Option<String>>, Option<String>);

/// Whose invoices or notes are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Client(usize),
    Book,
}

/// What a list screen's detail pane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    None,
    /// The whole book (aging's book rows).
    Book,
    Client(usize),
    Invoice(usize),
    /// A note (index into `book.notes()`).
    Note(usize),
}

/// A one-line message for the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Info(String),
    Error(String),
}

/// Where the book comes from: a [`Ledger`] in the running program, or a
/// plain value in tests.
pub enum Source {
    Memory(Box<Book>),
    /// The book as of write `seq`, read through `ledger`, which every write
    /// goes through. The embedded ledger opens the store only for a read or
    /// a write, so the folder is not locked while the interface sits open:
    /// a cron job's `dun today`, or a colleague's dun, can use the book
    /// meanwhile. `dir` is where drafts are kept.
    Ledger {
        ledger: Box<dyn Ledger>,
        book: Box<Book>,
        seq: u64,
        dir: Option<std::path::PathBuf>,
    },
}

impl Source {
    pub fn book(&self) -> &Book {
        match self {
            Source::Memory(b) => b,
            Source::Ledger { book, .. } => book,
        }
    }

    /// Reads the book through `ledger`.
    pub fn from_ledger(mut ledger: Box<dyn Ledger>, dir: Option<std::path::PathBuf>) -> Result<Source, LedgerError> {
        let snap = ledger.snapshot()?;
        Ok(Source::Ledger { ledger, book: Box::new(snap.book), seq: snap.seq, dir })
    }
}

/// The whole interface state.
pub struct App {
    pub source: Source,
    pub model: Model,
    pub theme: Theme,
    pub keymap: Keymap,
    pub aging_bounds: Vec<u32>,
    pub view: View,
    pub back: Vec<View>,
    /// The tab last shown (highlighted in the tab bar while drilled in).
    pub tab: Tab,
    /// The client the current selection belongs to.
    pub focus: Option<usize>,
    /// Which pane of a list screen has the keys.
    pub pane: Pane,
    /// Scroll of a text detail pane (an invoice, a note).
    pub detail_scroll: u16,
    /// Each screen's own state, keys and drawing.
    pub screens: Screens,
    /// Typing into the filter of the current screen.
    pub filter_input: Option<TextInput>,
    pub help: bool,
    pub help_scroll: u16,
    pub status: Option<Status>,
    /// Who this user is to the book: the team server's name for them, else
    /// the OS user. Owner of "my" accounts.
    pub me: String,
    /// The client an `A` is waiting to be confirmed for.
    pub assigning: Option<String>,
    /// This user's role on a served book (None: no server, no roles).
    pub role: Option<crate::server::team::Role>,
    /// The team's members (team.toml), offered when assigning.
    pub team: Vec<String>,
    /// The assign picker, while open (`assign.rs`).
    pub picker: Option<super::assign::Picker>,
    /// The last change a colleague made to each account, by client id
    /// (`live.rs`): shown on the account's detail as "• ben just now".
    pub marks: std::collections::HashMap<String, super::live::Mark>,
    /// The clock the marks' ages are told by (tests fix it).
    pub now: fn() -> chrono::DateTime<chrono::Utc>,
    /// Terminal size, for page moves (the draw adapts on its own).
    pub size: (u16, u16),
    /// Where note times are shown: the local offset, set by the shell
    /// (UTC in tests, so snapshots do not depend on the machine).
    pub tz: chrono::FixedOffset,
    /// The ladder in force (the shell sets the data directory's rules).
    pub rules: crate::rules::Rules,
    /// Age by due date (default) or invoice date: `[aging] by` in the config.
    pub aging_basis: crate::receivables::aging::AgeBasis,
    /// The logging form being filled in, if any: it takes every key.
    pub form: Option<super::entry::Form>,
    /// A question waiting for y/n before a write (`confirm.rs`).
    pub confirm: Option<super::confirm::Confirm>,
    /// Author, clock, undo stack and draft slot for logging.
    pub logbook: super::logging::Logbook,
    /// The message preview (`r`) and what it renders and sends with.
    pub remind: super::screens::remind::Remind,
}

impl From<Book> for Source {
    fn from(b: Book) -> Source {
        Source::Memory(Box::new(b))
    }
}

impl From<crate::store::Store> for Source {
    /// For tests: the book of an open store, which is closed; writes go
    /// through an embedded ledger on its folder. A store that cannot load
    /// its book gives an empty book.
    fn from(mut s: crate::store::Store) -> Source {
        let dir = s.dir().to_path_buf();
        let seq = s.meta().seq;
        let book = s.take_book().unwrap_or_default();
        drop(s);
        let ledger = Box::new(crate::ledger::Embedded::new(&dir));
        Source::Ledger { ledger, book: Box::new(book), seq, dir: Some(dir) }
    }
}

/// Subsequence match, ignoring case and accents: "acm" matches "Acme Ltd",
/// "c12" matches "C000123", "muller" matches "Müller".
pub fn fuzzy_match(pattern: &str, text: &str) -> bool {
    let mut it = text.chars().flat_map(char::to_lowercase).map(fold);
    pattern.chars().flat_map(char::to_lowercase).filter(|c| !c.is_whitespace()).map(fold).all(|p| it.any(|c| c == p))
}

/// The base letter of common accented Latin letters, so people can type
/// names the way their keyboard allows.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' | 'ā' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ł' | 'ľ' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ř' => 'r',
        'ś' | 'š' | 'ş' => 's',
        'ť' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ů' | 'ū' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => c,
    }
}

impl App {
    /// The interface on `book` as of `today`, showing `actions` on Today.
    pub fn new(
        source: impl Into<Source>,
        today: NaiveDate,
        actions: Vec<Chase>,
        theme: Theme,
        keymap: Keymap,
        bounds: Vec<u32>,
    ) -> App {
        let source = source.into();
        let model = Model::build(source.book(), today, actions);
        let mut app = App {
            source,
            model,
            theme,
            keymap,
            aging_bounds: bounds,
            view: View::Tab(Tab::Today),
            back: Vec::new(),
            tab: Tab::Today,
            focus: None,
            pane: Pane::List,
            detail_scroll: 0,
            screens: Screens::default(),
            filter_input: None,
            help: false,
            help_scroll: 0,
            status: None,
            size: (80, 24),
            tz: chrono::FixedOffset::east_opt(0).expect("zero offset is valid"),
            rules: crate::rules::Rules::default(),
            aging_basis: Default::default(),
            form: None,
            confirm: None,
            logbook: super::logging::Logbook::default(),
            remind: Default::default(),
            me: crate::user_name(),
            assigning: None,
            role: None,
            team: Vec::new(),
            picker: None,
            marks: Default::default(),
            now: chrono::Utc::now,
        };
        app.refresh_shown();
        app.sync_focus();
        app
    }

    pub fn book(&self) -> &Book {
        self.source.book()
    }

    /// The whole book's rows, built on the first call (see `model.rs`).
    pub fn rows(&self) -> &Rows {
        self.model.rows(self.source.book())
    }

    pub fn today(&self) -> NaiveDate {
        self.model.today
    }

    /// Whether the screen is too small to show anything but a message:
    /// keys typed then would go blind into a hidden form or list.
    pub fn too_small(&self) -> bool {
        self.size.0 < super::ui::MIN_W || self.size.1 < super::ui::MIN_H
    }

    /// A key from the terminal: text while filtering or in a form, else the
    /// key map (the screen's section first, then the global keys).
    pub fn on_key(&mut self, key: KeyEvent) -> Effect {
        if key.kind == KeyEventKind::Release {
            return Effect::None;
        }
        if self.too_small() {
            // Only leaving works while nothing can be seen.
            return match self.keymap.action_for(&key) {
                Some(Action::Quit) => Effect::Quit,
                Some(Action::Suspend) => Effect::Suspend,
                _ => Effect::None,
            };
        }
        self.status = None;
        if self.picker.is_some() {
            return self.picker_key(key);
        }
        if self.confirm.is_some() {
            let yes = matches!(key.code, KeyCode::Char('y' | 'Y')) && !key.modifiers.contains(KeyModifiers::CONTROL);
            return self.confirm_key(yes);
        }
        if self.help {
            return match self.keymap.action_for(&key) {
                Some(Action::Down) => {
                    self.help_scroll = self.help_scroll.saturating_add(1);
                    Effect::None
                }
                Some(Action::Up) => {
                    self.help_scroll = self.help_scroll.saturating_sub(1);
                    Effect::None
                }
                Some(Action::Quit) if key.modifiers.contains(KeyModifiers::CONTROL) => Effect::Quit,
                _ => {
                    self.help = false;
                    Effect::None
                }
            };
        }
        if self.remind.preview.is_some() {
            return self.preview_key(key);
        }
        if self.form.is_some() {
            return self.form_section_key(key);
        }
        if self.filter_input.is_some() {
            self.filter_key(key);
            return Effect::None;
        }
        for action in self.keymap.actions_for(self.section(), &key).into_iter().flatten() {
            if let Some(effect) = self.try_update(action) {
                return effect;
            }
        }
        Effect::None
    }

    /// A key in an open form: the form section's keys (save, cancel, field
    /// moves, editor) as configured, everything else typed into the field.
    fn form_section_key(&mut self, key: KeyEvent) -> Effect {
        let canonical = |code: KeyCode, m: KeyModifiers| KeyEvent::new(code, m);
        let key = match self.keymap.form_action(&key) {
            Some(Action::FormEditor) => return self.editor_for_form(),
            Some(Action::FormSave) => canonical(KeyCode::Enter, KeyModifiers::NONE),
            Some(Action::FormCancel) => canonical(KeyCode::Esc, KeyModifiers::NONE),
            Some(Action::FormNext) => canonical(KeyCode::Tab, KeyModifiers::NONE),
            Some(Action::FormPrev) => canonical(KeyCode::BackTab, KeyModifiers::SHIFT),
            _ => {
                // A control key rebound away from the form does nothing.
                if matches!(
                    key.code,
                    KeyCode::Enter | KeyCode::Esc | KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down
                ) {
                    return Effect::None;
                }
                key
            }
        };
        self.form_key(key)
    }

    /// Text entry into the current screen's filter: the list narrows as
    /// you type; Enter keeps the filter, Esc drops it; ↑/↓ still move.
    fn filter_key(&mut self, key: KeyEvent) {
        let Some(input) = self.filter_input.as_mut() else { return };
        match input.event(&key) {
            InputOutcome::Changed => {
                let f = input.value().to_string();
                self.set_filter(f);
            }
            InputOutcome::Submit => self.filter_input = None,
            InputOutcome::Cancel => {
                self.filter_input = None;
                self.set_filter(String::new());
            }
            InputOutcome::Moved => {}
            InputOutcome::Ignored => match key.code {
                KeyCode::Down => {
                    self.update(Action::Down);
                }
                KeyCode::Up => {
                    self.update(Action::Up);
                }
                _ => {}
            },
        }
    }

    /// Pasted text (bracketed paste) goes to the field being typed in.
    pub fn on_paste(&mut self, text: &str) {
        if self.remind.preview.is_some() {
            self.preview_paste(text);
            return;
        }
        if let Some(form) = self.form.as_mut() {
            form.paste(text);
            return;
        }
        if let Some(input) = self.filter_input.as_mut() {
            if input.paste(text) == InputOutcome::Changed {
                let f = input.value().to_string();
                self.set_filter(f);
            }
        }
    }

    pub fn is_filtering(&self) -> bool {
        self.filter_input.is_some()
    }

    /// The component of the current view.
    pub fn screen(&self) -> &dyn Screen {
        self.screens.view(self.view)
    }

    /// The key-map section in force: the screen's, or the client section
    /// while a list's detail pane has the keys.
    pub fn section(&self) -> Section {
        if self.remind.preview.is_some() {
            Section::Preview
        } else if self.in_detail() {
            Section::Client
        } else {
            self.screen().section()
        }
    }

    /// The screens and what their updates may read, borrowed apart.
    fn parts(&mut self) -> (&mut Screens, Cx<'_>) {
        let cx = Cx {
            book: self.source.book(),
            model: &self.model,
            bounds: &self.aging_bounds,
            basis: self.aging_basis,
            focus: self.focus,
            me: &self.me,
            page: usize::from(self.size.1.saturating_sub(7)).max(1),
        };
        (&mut self.screens, cx)
    }

    /// Applies one action. Returns what the shell must do.
    pub fn update(&mut self, action: Action) -> Effect {
        self.try_update(action).unwrap_or(Effect::None)
    }

    /// Applies one action; None when it means nothing here (the key may
    /// then have another meaning: see `on_key`).
    fn try_update(&mut self, action: Action) -> Option<Effect> {
        if action != Action::Assign {
            // Any other key cancels a pending assignment.
            self.assigning = None;
        }
        let outcome = self.offer_to_screen(action);
        let effect = match outcome {
            Outcome::Ignored => return self.global(action),
            Outcome::Done => Effect::None,
            Outcome::Say(s) => {
                self.status = Some(s);
                Effect::None
            }
            Outcome::Open(v) => {
                self.drill(v);
                Effect::None
            }
            Outcome::ShowInvoices { scope, bucket } => {
                self.screens.stale.take(View::Tab(Tab::Invoices));
                let (screens, cx) = self.parts();
                screens.invoices.show_bucket(scope, bucket, &cx);
                self.push(View::Tab(Tab::Invoices));
                Effect::None
            }
        };
        self.sync_focus();
        Some(effect)
    }

    /// The current screen's (or detail pane's) answer to an action.
    fn offer_to_screen(&mut self, action: Action) -> Outcome {
        if self.in_detail() {
            return match self.side() {
                Side::Client(_) => {
                    let (screens, cx) = self.parts();
                    screens.detail.handle(action, &cx)
                }
                Side::None | Side::Book | Side::Invoice(_) | Side::Note(_) => {
                    match screens::move_delta(action, usize::from(self.size.1.saturating_sub(7))) {
                        Some(d) => {
                            let s = (i64::from(self.detail_scroll) + d as i64).clamp(0, i64::from(u16::MAX));
                            self.detail_scroll = s as u16;
                            Outcome::Done
                        }
                        None => Outcome::Ignored,
                    }
                }
            };
        }
        let view = self.view;
        let (screens, cx) = self.parts();
        screens.view_mut(view).handle(action, &cx)
    }

    /// What an action means on every screen.
    fn global(&mut self, action: Action) -> Option<Effect> {
        match action {
            Action::Quit => return Some(Effect::Quit),
            Action::Suspend => return Some(Effect::Suspend),
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
            }
            Action::NextPane | Action::PrevPane => self.toggle_pane(),
            Action::NextTab | Action::PrevTab => {
                let n = screens::TABS.len() as isize;
                let i = screens::tab_index(self.tab) as isize + if action == Action::NextTab { 1 } else { -1 };
                self.jump(screens::TABS[i.rem_euclid(n) as usize].tab);
            }
            Action::Jump(t) => self.jump(t),
            Action::Back => {
                if self.in_detail() {
                    self.pane = Pane::List;
                } else if !self.filter().is_empty() {
                    self.set_filter(String::new());
                } else if let Some(v) = self.back.pop() {
                    self.show_view(v);
                }
            }
            Action::Filter => {
                if self.screen().filter().is_some() {
                    // The filter narrows the list, so the list takes the keys.
                    self.pane = Pane::List;
                    self.filter_input = Some(TextInput::new(self.filter()));
                } else {
                    self.status = Some(Status::Info("nothing to filter here; Esc goes back".into()));
                }
            }
            Action::CopyEmail | Action::CopyPhone => return Some(self.copy(action == Action::CopyEmail)),
            Action::LogCall
            | Action::LogEmail
            | Action::LogLetter
            | Action::LogNote
            | Action::Promise
            | Action::Dispute
            | Action::Resolve
            | Action::Snooze
            | Action::Hold
            | Action::Payment
            | Action::ApplyCredit
            | Action::Done
            | Action::Editor
            | Action::Undo
            | Action::Redo => {
                if !self.in_detail() && !self.screen().logs() {
                    self.status =
                        Some(Status::Info("logging works on a client: open one from Today or Clients".into()));
                    return Some(Effect::None);
                }
                return Some(self.logging_action(action));
            }
            Action::Assign => self.assign(),
            Action::Remind => return Some(self.open_preview()),
            Action::Reload => self.reload(),
            // A screen's own keys mean nothing where the screen declines them.
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::HalfPageDown
            | Action::HalfPageUp
            | Action::PageDown
            | Action::PageUp
            | Action::Left
            | Action::Right
            | Action::Enter
            | Action::NextMatch
            | Action::PrevMatch
            | Action::Sort
            | Action::ReverseSort
            | Action::CycleStatus
            | Action::ToggleScope
            | Action::Mine
            | Action::Mark
            | Action::PreviewSend
            | Action::PreviewSave
            | Action::PreviewEdit
            | Action::PreviewClose
            | Action::FormSave
            | Action::FormCancel
            | Action::FormNext
            | Action::FormPrev
            | Action::FormEditor => return None,
        }
        self.sync_focus();
        Some(Effect::None)
    }

    /// What the detail pane of the current list screen shows.
    pub fn side(&self) -> Side {
        match self.view {
            View::Tab(t) => self.screens.tab(t).side(self),
            View::Client(_) | View::Invoice(_) => Side::None,
        }
    }

    /// Whether the keys go to the detail pane of a list screen.
    pub fn in_detail(&self) -> bool {
        self.pane == Pane::Detail && matches!(self.view, View::Tab(_))
    }

    fn toggle_pane(&mut self) {
        if self.in_detail() {
            self.pane = Pane::List;
            return;
        }
        match self.side() {
            Side::None => {}
            Side::Book => self.pane = Pane::Detail,
            Side::Client(c) => {
                self.load_detail(c);
                self.pane = Pane::Detail;
            }
            Side::Invoice(_) | Side::Note(_) => {
                self.detail_scroll = 0;
                self.pane = Pane::Detail;
            }
        }
    }

    fn copy(&mut self, email: bool) -> Effect {
        let Some(c) = self.focus.map(|i| &self.book().clients()[i]) else {
            self.status = Some(Status::Error("select a client first".into()));
            return Effect::None;
        };
        let (what, value) = if email { ("email", c.email.trim()) } else { ("phone", c.phone.trim()) };
        if value.is_empty() {
            self.status = Some(Status::Error(format!("no {what} on file for {}", crate::text::sanitize(&c.name))));
            return Effect::None;
        }
        let value = crate::text::sanitize(value).into_owned();
        self.status = Some(Status::Info(format!("copied {value} to the clipboard")));
        Effect::Copy(value)
    }

    fn jump(&mut self, t: Tab) {
        self.back.clear();
        self.pane = Pane::List;
        let stale = self.screens.stale.take(View::Tab(t));
        let (screens, cx) = self.parts();
        screens.tab_mut(t).show(&cx, stale);
        self.view = View::Tab(t);
        self.tab = t;
    }

    fn push(&mut self, v: View) {
        self.back.push(self.view);
        self.view = v;
        if let View::Tab(t) = v {
            self.tab = t;
        }
    }

    /// Back to an earlier view, its state as it was left (a client view
    /// reloads when the pane showed another client meanwhile).
    fn show_view(&mut self, v: View) {
        self.view = v;
        match v {
            View::Tab(t) => self.tab = t,
            View::Client(c) => {
                if self.screens.detail.client != Some(c) {
                    self.load_detail(c);
                }
            }
            View::Invoice(_) => {}
        }
        self.freshen(v);
    }

    /// Drill into a client or an invoice.
    fn drill(&mut self, v: View) {
        match v {
            View::Client(c) => self.load_detail(c),
            View::Invoice(_) => {
                let stale = self.screens.stale.take(v);
                let (screens, cx) = self.parts();
                screens.invoice.show(&cx, stale);
            }
            View::Tab(_) => {}
        }
        self.push(v);
    }

    /// The client's open invoices, most overdue first, for the detail.
    pub(super) fn load_detail(&mut self, c: usize) {
        self.screens.stale.take(View::Client(c));
        let (screens, cx) = self.parts();
        screens.detail.load(c, &cx);
    }

    /// The filter text of the current screen ("" where there is none).
    pub fn filter(&self) -> &str {
        self.screen().filter().unwrap_or("")
    }

    fn set_filter(&mut self, f: String) {
        let view = self.view;
        let (screens, cx) = self.parts();
        screens.view_mut(view).set_filter(f, &cx);
        self.sync_focus();
    }

    /// The model was built again (the book changed, or the app starts):
    /// the screens in view take the new rows now, every other one when it
    /// is next shown (`screens::Stale`). So the first screen waits only for
    /// its own rows, and a write on the day's list does not sort the whole
    /// book's invoices again.
    pub fn refresh_shown(&mut self) {
        self.screens.stale.mark_all();
        self.freshen_shown();
    }

    /// The screens in view, up to date with the model: the view's, and the
    /// client in the detail pane of a list when it has the keys.
    fn freshen_shown(&mut self) {
        self.freshen(self.view);
        if self.pane == Pane::Detail && self.screens.stale.take_detail() {
            let (screens, cx) = self.parts();
            screens.detail.refresh(&cx);
        }
    }

    /// Refreshes view `v`'s screen if its rows predate the model.
    fn freshen(&mut self, v: View) {
        if self.screens.stale.take(v) {
            let (screens, cx) = self.parts();
            screens.view_mut(v).refresh(&cx);
        }
    }

    /// The invoices the view and the way back show, by number: taken
    /// before the book is read again (see [`App::follow_invoices`]).
    pub(super) fn shown_invoices(&self) -> ShownInvoices {
        let book = self.book();
        let number = |v: &View| match v {
            View::Invoice(r) => book.invoices().get(*r).map(|i| i.number.to_string()),
            View::Tab(_) | View::Client(_) => None,
        };
        // A selection still waiting to be put back (the list has not been
        // shown since the last read) is the one to keep: the rows are of
        // an older book.
        let invoices = &self.screens.invoices;
        // A row's index is its invoice's position in the book it was built
        // from, which is this one: every read of the book again goes
        // through here first (a write applied in place moves no invoice).
        let listed = invoices.follow.clone().or_else(|| {
            let r = *invoices.rows.get(invoices.list.selected)?;
            book.invoices().get(r).map(|i| i.number.to_string())
        });
        ShownInvoices(std::iter::once(&self.view).chain(&self.back).map(number).collect(), listed)
    }

    /// The book was read again (the whole book after its open part, a
    /// colleague's change, a reload): it may hold its invoices at other
    /// positions, and a view of an invoice is by position, so each follows
    /// its invoice's number. One that is gone leaves for the tab.
    pub(super) fn follow_invoices(&mut self, shown: ShownInvoices) {
        let book = self.source.book();
        let tab = View::Tab(self.tab);
        for (v, number) in std::iter::once(&mut self.view).chain(self.back.iter_mut()).zip(shown.0) {
            if let (View::Invoice(_), Some(number)) = (&v, number) {
                *v = book.invoice_index(&number).map_or(tab, View::Invoice);
            }
        }
        self.screens.invoices.follow = shown.1;
    }

    /// Keeps `focus` on the client of the current selection (of rows
    /// brought up to date first: every change of view ends here, so no
    /// screen is shown with rows from before the book changed).
    pub(super) fn sync_focus(&mut self) {
        self.freshen_shown();
        if let Some(f) = self.screen().focus(self) {
            self.focus = Some(f);
        }
    }

    /// The selected invoice row of the view (or of the client in the detail
    /// pane), if it belongs to the focused client.
    pub fn selected_invoice_row(&self) -> Option<usize> {
        let row = if self.in_detail() {
            match self.side() {
                Side::Client(_) => self.screens.detail.selected_invoice(self),
                Side::None | Side::Book | Side::Invoice(_) | Side::Note(_) => None,
            }
        } else {
            self.screen().selected_invoice(self)
        }?;
        (self.model.invoice(self.book(), row).client == self.focus).then_some(row)
    }

    /// Selection of the current list, for tests and the draw.
    pub fn selected_row(&self) -> usize {
        self.screen().selected()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_is_an_ordered_case_insensitive_subsequence() {
        assert!(fuzzy_match("acm", "Acme Industrial Ltd"));
        assert!(fuzzy_match("ail", "Acme Industrial Ltd"));
        assert!(!fuzzy_match("lia", "Acme Ltd"));
        assert!(fuzzy_match("c12", "C000123"));
        assert!(fuzzy_match("müll", "Müller Bäckerei GmbH"));
        assert!(fuzzy_match("muller", "Müller Bäckerei GmbH"));
        assert!(fuzzy_match("lodz", "Łódź Logistics"));
        assert!(fuzzy_match("", "anything"));
        assert!(fuzzy_match("佐藤", "佐藤商事株式会社"));
    }

    #[test]
    fn list_window_keeps_the_selection_visible() {
        let mut l = ListState::default();
        assert_eq!(l.window(5, 100), 0);
        l.selected = 7;
        assert_eq!(l.window(5, 100), 3);
        l.selected = 5;
        assert_eq!(l.window(5, 100), 3);
        l.selected = 1;
        assert_eq!(l.window(5, 100), 1);
        l.selected = 99;
        assert_eq!(l.window(5, 100), 95);
        l.step(1, 100);
        assert_eq!(l.selected, 99);
        l.step(-1000, 100);
        assert_eq!(l.selected, 0);
    }
}
