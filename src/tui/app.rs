//! The interface's state and the update function that applies [`Action`]s
//! to it. Pure: no terminal, no clock, no store. The shell (`run.rs`) turns
//! events into actions and performs the [`Effect`]s that come back.

use std::cell::Cell;

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use rust_decimal::Decimal;

use super::action::{Action, Effect, Pane, Tab};
use super::input::{Outcome, TextInput};
use super::keymap::Keymap;
use super::model::{aging, bucket_of, Aging, Model};
use super::theme::Theme;
use crate::domain::{Book, Currency};
use crate::rules::Action as Chase;

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
    fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let s = self.selected as isize + delta;
        self.selected = s.clamp(0, len as isize - 1) as usize;
    }
}

/// Sortable columns of the Clients table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientSort {
    Name,
    Balance,
    Overdue,
    Oldest,
    NextAction,
    LastContact,
}

impl ClientSort {
    pub const ALL: [ClientSort; 6] = [
        ClientSort::Name,
        ClientSort::Balance,
        ClientSort::Overdue,
        ClientSort::Oldest,
        ClientSort::NextAction,
        ClientSort::LastContact,
    ];
    pub fn title(self) -> &'static str {
        match self {
            ClientSort::Name => "name",
            ClientSort::Balance => "balance",
            ClientSort::Overdue => "overdue",
            ClientSort::Oldest => "days",
            ClientSort::NextAction => "next action",
            ClientSort::LastContact => "last contact",
        }
    }
}

/// The invoice status filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Open,
    Overdue,
    Disputed,
    Paid,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 5] =
        [StatusFilter::All, StatusFilter::Open, StatusFilter::Overdue, StatusFilter::Disputed, StatusFilter::Paid];
    pub fn title(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Open => "open",
            StatusFilter::Overdue => "overdue",
            StatusFilter::Disputed => "disputed",
            StatusFilter::Paid => "paid",
        }
    }
}

/// Whose invoices or notes are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Client(usize),
    Book,
}

#[derive(Clone, Debug, Default)]
pub struct TodayState {
    /// Indexes into the day's actions that pass the filter.
    pub rows: Vec<usize>,
    pub list: ListState,
    pub filter: String,
}

#[derive(Clone, Debug)]
pub struct ClientsState {
    pub rows: Vec<usize>,
    pub list: ListState,
    pub filter: String,
    pub sort: ClientSort,
    pub descending: bool,
}

#[derive(Clone, Debug)]
pub struct InvoicesState {
    pub rows: Vec<usize>,
    pub list: ListState,
    pub filter: String,
    pub scope: Scope,
    pub status: StatusFilter,
    /// Set by a drill-down from the aging table: currency and bucket (a
    /// bucket past the last is the row total: every open invoice).
    pub bucket: Option<(Currency, usize)>,
}

/// One row of the aging table: the whole book (client None) or one client.
#[derive(Clone, Debug)]
pub struct AgingRow {
    pub client: Option<usize>,
    pub currency: Currency,
    pub amounts: Vec<Decimal>,
}

#[derive(Clone, Debug)]
pub struct AgingState {
    /// Built on first visit: the book's rows first, then one per client and currency.
    pub all: Vec<AgingRow>,
    pub built: bool,
    pub rows: Vec<usize>,
    pub list: ListState,
    pub col: usize,
    pub filter: String,
}

#[derive(Clone, Debug)]
pub struct NotesState {
    /// Indexes into `book.notes()`, newest first.
    pub rows: Vec<usize>,
    pub list: ListState,
    pub filter: String,
    pub scope: Scope,
}

#[derive(Clone, Debug, Default)]
pub struct DetailState {
    /// Open invoices of the client (invoice row indexes).
    pub rows: Vec<usize>,
    pub list: ListState,
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

/// Where the book lives: the store's own copy in the running program (no
/// second copy of a large book; the store keeps it in step with every
/// durable write), or a plain value in tests.
pub enum Source {
    Memory(Box<Book>),
    /// The book of a data directory, read at start-up. The store itself is
    /// closed between writes, so the directory is not locked while the
    /// interface sits open: a cron job's `dun today`, or a colleague's dun,
    /// can use the book meanwhile. Each write reopens the store, reloads the
    /// book first if someone else wrote since (`seq`), writes, and closes.
    Dir {
        dir: std::path::PathBuf,
        book: Box<Book>,
        seq: u64,
    },
}

impl Source {
    pub fn book(&self) -> &Book {
        match self {
            Source::Memory(b) => b,
            Source::Dir { book, .. } => book,
        }
    }

    /// Takes the book out of an open store and closes it.
    pub fn from_store(mut store: crate::store::Store) -> Result<Source, crate::store::StoreError> {
        let book = store.take_book()?;
        let seq = store.meta().seq;
        Ok(Source::Dir { dir: store.dir().to_path_buf(), book: Box::new(book), seq })
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
    pub today: TodayState,
    pub clients: ClientsState,
    pub invoices: InvoicesState,
    pub aging: AgingState,
    pub notes: NotesState,
    pub detail: DetailState,
    /// Typing into the filter of the current screen.
    pub filter_input: Option<TextInput>,
    pub help: bool,
    pub help_scroll: u16,
    pub status: Option<Status>,
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
    /// Author, clock, undo stack and draft slot for logging.
    pub logbook: super::logging::Logbook,
}

impl From<Book> for Source {
    fn from(b: Book) -> Source {
        Source::Memory(Box::new(b))
    }
}

impl From<crate::store::Store> for Source {
    /// For tests and callers that have a store with its book loaded; a
    /// store that cannot load its book gives an empty book (use
    /// [`Source::from_store`] to see the error).
    fn from(s: crate::store::Store) -> Source {
        let dir = s.dir().to_path_buf();
        Source::from_store(s).unwrap_or(Source::Dir { dir, book: Box::default(), seq: 0 })
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
            today: TodayState::default(),
            clients: ClientsState {
                rows: vec![],
                list: ListState::default(),
                filter: String::new(),
                sort: ClientSort::Name,
                descending: false,
            },
            invoices: InvoicesState {
                rows: vec![],
                list: ListState::default(),
                filter: String::new(),
                scope: Scope::Book,
                status: StatusFilter::All,
                bucket: None,
            },
            aging: AgingState {
                all: vec![],
                built: false,
                rows: vec![],
                list: ListState::default(),
                col: 0,
                filter: String::new(),
            },
            notes: NotesState { rows: vec![], list: ListState::default(), filter: String::new(), scope: Scope::Book },
            detail: DetailState::default(),
            filter_input: None,
            help: false,
            help_scroll: 0,
            status: None,
            size: (80, 24),
            tz: chrono::FixedOffset::east_opt(0).expect("zero offset is valid"),
            rules: crate::rules::Rules::default(),
            aging_basis: Default::default(),
            form: None,
            logbook: super::logging::Logbook::default(),
        };
        app.refresh_today();
        app.refresh_clients();
        app.sync_focus();
        app
    }

    pub fn book(&self) -> &Book {
        self.source.book()
    }

    pub fn today(&self) -> NaiveDate {
        self.model.today
    }

    /// A key from the terminal: text while filtering, else the key map.
    pub fn on_key(&mut self, key: KeyEvent) -> Effect {
        if key.kind == KeyEventKind::Release {
            return Effect::None;
        }
        self.status = None;
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
        if self.form.is_some() {
            if key.code == KeyCode::Char('x') && key.modifiers.contains(KeyModifiers::CONTROL) {
                return self.editor_for_form();
            }
            return self.form_key(key);
        }
        if self.filter_input.is_some() {
            self.filter_key(key);
            return Effect::None;
        }
        match self.keymap.action_for(&key) {
            Some(a) => self.update(a),
            None => Effect::None,
        }
    }

    /// Text entry into the current screen's filter: the list narrows as
    /// you type; Enter keeps the filter, Esc drops it; ↑/↓ still move.
    fn filter_key(&mut self, key: KeyEvent) {
        let Some(input) = self.filter_input.as_mut() else { return };
        match input.event(&key) {
            Outcome::Changed => {
                let f = input.value().to_string();
                self.set_filter(f);
            }
            Outcome::Submit => self.filter_input = None,
            Outcome::Cancel => {
                self.filter_input = None;
                self.set_filter(String::new());
            }
            Outcome::Moved => {}
            Outcome::Ignored => match key.code {
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
        if let Some(form) = self.form.as_mut() {
            form.paste(text);
            return;
        }
        if let Some(input) = self.filter_input.as_mut() {
            if input.paste(text) == Outcome::Changed {
                let f = input.value().to_string();
                self.set_filter(f);
            }
        }
    }

    pub fn is_filtering(&self) -> bool {
        self.filter_input.is_some()
    }

    /// Applies one action. Returns what the shell must do.
    pub fn update(&mut self, action: Action) -> Effect {
        // On Aging, h and l keep their vim meaning (move between bucket
        // columns); logging happens on the other screens.
        let action = match (self.view, action) {
            (View::Tab(Tab::Aging), Action::Hold) if !self.in_detail() => Action::Left,
            (View::Tab(Tab::Aging), Action::LogLetter) if !self.in_detail() => Action::Right,
            _ => action,
        };
        let page = usize::from(self.size.1.saturating_sub(7)).max(1);
        match action {
            Action::Quit => return Effect::Quit,
            Action::Suspend => return Effect::Suspend,
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::HalfPageDown => self.move_by((page / 2).max(1) as isize),
            Action::HalfPageUp => self.move_by(-((page / 2).max(1) as isize)),
            Action::PageDown => self.move_by(page as isize),
            Action::PageUp => self.move_by(-(page as isize)),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Left | Action::Right => {
                if self.view == View::Tab(Tab::Aging) {
                    let n = Aging::bucket_count(&self.aging_bounds) + 1;
                    self.aging.col = if action == Action::Left {
                        self.aging.col.saturating_sub(1)
                    } else {
                        (self.aging.col + 1).min(n - 1)
                    };
                }
            }
            Action::NextPane | Action::PrevPane => self.toggle_pane(),
            Action::NextTab | Action::PrevTab => {
                let i = self.tab.index() as isize + if action == Action::NextTab { 1 } else { -1 };
                let t = Tab::ALL[i.rem_euclid(Tab::ALL.len() as isize) as usize];
                self.jump(t);
            }
            Action::Jump(t) => self.jump(t),
            Action::Enter => self.enter(),
            Action::Back => {
                if self.in_detail() {
                    self.pane = Pane::List;
                } else if !self.filter().is_empty() {
                    self.set_filter(String::new());
                } else if let Some(v) = self.back.pop() {
                    self.view = v;
                    if let View::Tab(t) = v {
                        self.tab = t;
                    }
                }
            }
            Action::Filter => {
                if matches!(self.view, View::Tab(_)) {
                    // The filter narrows the list, so the list takes the keys.
                    self.pane = Pane::List;
                    self.filter_input = Some(TextInput::new(self.filter()));
                } else {
                    self.status = Some(Status::Info("nothing to filter here; Esc goes back".into()));
                }
            }
            Action::Sort | Action::ReverseSort => self.sort(action == Action::ReverseSort),
            Action::CycleStatus => {
                if self.view == View::Tab(Tab::Invoices) {
                    let i = StatusFilter::ALL.iter().position(|s| *s == self.invoices.status).unwrap_or(0);
                    self.invoices.status = StatusFilter::ALL[(i + 1) % StatusFilter::ALL.len()];
                    self.invoices.bucket = None;
                    self.invoices.list.selected = 0;
                    self.refresh_invoices();
                }
            }
            Action::ToggleScope => match self.view {
                View::Tab(Tab::Invoices) => {
                    self.invoices.scope = self.flip_scope(self.invoices.scope);
                    self.invoices.bucket = None;
                    self.invoices.list.selected = 0;
                    self.refresh_invoices();
                }
                View::Tab(Tab::Notes) => {
                    self.notes.scope = self.flip_scope(self.notes.scope);
                    self.notes.list.selected = 0;
                    self.refresh_notes();
                }
                _ => {}
            },
            Action::CopyEmail | Action::CopyPhone => return self.copy(action == Action::CopyEmail),
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
            | Action::Done
            | Action::Editor
            | Action::Undo => return self.logging_action(action),
            Action::Reload => self.reload(),
        }
        self.sync_focus();
        Effect::None
    }

    /// What the detail pane of the current list screen shows.
    pub fn side(&self) -> Side {
        match self.view {
            View::Tab(Tab::Today) | View::Tab(Tab::Clients) => self.focus.map_or(Side::None, Side::Client),
            View::Tab(Tab::Invoices) => {
                self.invoices.rows.get(self.invoices.list.selected).map_or(Side::None, |&r| Side::Invoice(r))
            }
            View::Tab(Tab::Aging) => match self.aging.rows.get(self.aging.list.selected) {
                Some(&i) => self.aging.all[i].client.map_or(Side::Book, Side::Client),
                None => Side::None,
            },
            View::Tab(Tab::Notes) => {
                self.notes.rows.get(self.notes.list.selected).map_or(Side::None, |&i| Side::Note(i))
            }
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
            Side::None | Side::Book => {}
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

    fn flip_scope(&self, s: Scope) -> Scope {
        match (s, self.focus) {
            (Scope::Book, Some(c)) => Scope::Client(c),
            _ => Scope::Book,
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
        if t == Tab::Invoices {
            self.invoices.bucket = None;
            if let Some(c) = self.focus {
                self.invoices.scope = Scope::Client(c);
            }
            self.refresh_invoices();
        }
        if t == Tab::Notes {
            if let Some(c) = self.focus {
                self.notes.scope = Scope::Client(c);
            }
            self.refresh_notes();
        }
        if t == Tab::Aging {
            self.build_aging();
        }
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

    /// Drill in from the current selection.
    fn enter(&mut self) {
        if self.in_detail() {
            if let Side::Client(_) = self.side() {
                if let Some(&r) = self.detail.rows.get(self.detail.list.selected) {
                    self.push(View::Invoice(r));
                }
            }
            return;
        }
        match self.view {
            View::Tab(Tab::Today) | View::Tab(Tab::Clients) | View::Tab(Tab::Notes) => {
                if let Some(c) = self.focus {
                    self.open_client(c);
                }
            }
            View::Tab(Tab::Invoices) => {
                if let Some(&r) = self.invoices.rows.get(self.invoices.list.selected) {
                    self.push(View::Invoice(r));
                }
            }
            View::Tab(Tab::Aging) => {
                let Some(row) = self.aging.rows.get(self.aging.list.selected).map(|&i| self.aging.all[i].clone())
                else {
                    return;
                };
                self.invoices.scope = row.client.map_or(Scope::Book, Scope::Client);
                self.invoices.bucket = Some((row.currency, self.aging.col));
                self.invoices.status = StatusFilter::All;
                self.invoices.filter.clear();
                self.invoices.list = ListState::default();
                self.refresh_invoices();
                self.push(View::Tab(Tab::Invoices));
            }
            View::Client(_) => {
                if let Some(&r) = self.detail.rows.get(self.detail.list.selected) {
                    self.push(View::Invoice(r));
                }
            }
            View::Invoice(r) => {
                if let Some(c) = self.model.invoices[r].client {
                    self.open_client(c);
                }
            }
        }
    }

    fn open_client(&mut self, c: usize) {
        self.load_detail(c);
        self.push(View::Client(c));
    }

    /// The client's open invoices, most overdue first, for the detail.
    pub(super) fn load_detail(&mut self, c: usize) {
        self.detail.rows =
            self.model.by_client[c].iter().copied().filter(|&r| self.model.invoices[r].is_open()).collect();
        self.detail.rows.sort_by_key(|&r| std::cmp::Reverse(self.model.invoices[r].days_overdue));
        self.detail.list = ListState::default();
    }

    fn move_by(&mut self, delta: isize) {
        if self.in_detail() {
            match self.side() {
                Side::Client(_) => self.detail.list.step(delta, self.detail.rows.len()),
                _ => {
                    let s = (i64::from(self.detail_scroll) + delta as i64).clamp(0, i64::from(u16::MAX));
                    self.detail_scroll = s as u16;
                }
            }
            return;
        }
        match self.view {
            View::Tab(Tab::Today) => self.today.list.step(delta, self.today.rows.len()),
            View::Tab(Tab::Clients) => self.clients.list.step(delta, self.clients.rows.len()),
            View::Tab(Tab::Invoices) => self.invoices.list.step(delta, self.invoices.rows.len()),
            View::Tab(Tab::Aging) => self.aging.list.step(delta, self.aging.rows.len()),
            View::Tab(Tab::Notes) => self.notes.list.step(delta, self.notes.rows.len()),
            View::Client(_) => self.detail.list.step(delta, self.detail.rows.len()),
            View::Invoice(_) => {}
        }
    }

    /// The filter text of the current screen.
    pub fn filter(&self) -> &str {
        match self.view {
            View::Tab(Tab::Today) => &self.today.filter,
            View::Tab(Tab::Clients) => &self.clients.filter,
            View::Tab(Tab::Invoices) => &self.invoices.filter,
            View::Tab(Tab::Aging) => &self.aging.filter,
            View::Tab(Tab::Notes) => &self.notes.filter,
            _ => "",
        }
    }

    fn set_filter(&mut self, f: String) {
        match self.view {
            View::Tab(Tab::Today) => {
                self.today.filter = f;
                self.today.list.selected = 0;
                self.refresh_today();
            }
            View::Tab(Tab::Clients) => {
                self.clients.filter = f;
                self.clients.list.selected = 0;
                self.refresh_clients();
            }
            View::Tab(Tab::Invoices) => {
                self.invoices.filter = f;
                self.invoices.list.selected = 0;
                self.refresh_invoices();
            }
            View::Tab(Tab::Aging) => {
                self.aging.filter = f;
                self.aging.list.selected = 0;
                self.refresh_aging();
            }
            View::Tab(Tab::Notes) => {
                self.notes.filter = f;
                self.notes.list.selected = 0;
                self.refresh_notes();
            }
            _ => {}
        }
        self.sync_focus();
    }

    fn client_matches(&self, ci: usize, pattern: &str) -> bool {
        let c = &self.book().clients()[ci];
        pattern.is_empty() || fuzzy_match(pattern, &c.name) || fuzzy_match(pattern, &c.id)
    }

    pub fn refresh_today(&mut self) {
        let f = self.today.filter.clone();
        self.today.rows = (0..self.model.actions.len())
            .filter(|&i| {
                let a = &self.model.actions[i];
                f.is_empty() || fuzzy_match(&f, &a.client_name) || fuzzy_match(&f, &a.client_id)
            })
            .collect();
        self.today.list.clamp(self.today.rows.len());
    }

    pub fn refresh_clients(&mut self) {
        let f = self.clients.filter.clone();
        let mut rows: Vec<usize> = (0..self.model.clients.len()).filter(|&i| self.client_matches(i, &f)).collect();
        let m = &self.model;
        let book = self.book();
        let name = |i: usize| book.clients()[i].name.to_lowercase();
        match self.clients.sort {
            ClientSort::Name => rows.sort_by_cached_key(|&i| name(i)),
            ClientSort::Balance => rows.sort_by_key(|&i| (m.clients[i].balance_key(), std::cmp::Reverse(i))),
            ClientSort::Overdue => rows.sort_by_key(|&i| (m.clients[i].overdue_key(), std::cmp::Reverse(i))),
            ClientSort::Oldest => rows.sort_by_key(|&i| (m.clients[i].oldest_days, std::cmp::Reverse(i))),
            ClientSort::NextAction => rows.sort_by_key(|&i| {
                // Most severe first when descending; clients with no action last.
                let a = m.clients[i].next_action.map(|a| (m.actions[a].kind, m.actions[a].level));
                (a, std::cmp::Reverse(i))
            }),
            ClientSort::LastContact => {
                rows.sort_by_key(|&i| (m.clients[i].last_contact.map(|l| l.0), std::cmp::Reverse(i)))
            }
        }
        if self.clients.descending {
            rows.reverse();
        }
        self.clients.rows = rows;
        self.clients.list.clamp(self.clients.rows.len());
    }

    pub fn refresh_invoices(&mut self) {
        let s = &self.invoices;
        let m = &self.model;
        let book = self.book();
        let base: Box<dyn Iterator<Item = usize>> = match s.scope {
            Scope::Client(c) => Box::new(m.by_client[c].iter().copied()),
            Scope::Book => Box::new(0..m.invoices.len()),
        };
        let bounds = &self.aging_bounds;
        let n_buckets = Aging::bucket_count(bounds);
        let f = s.filter.as_str();
        let mut rows: Vec<usize> = base
            .filter(|&r| {
                let row = &m.invoices[r];
                let inv = &book.invoices()[row.ix];
                let status_ok = match s.status {
                    StatusFilter::All => true,
                    StatusFilter::Open => row.is_open(),
                    StatusFilter::Overdue => row.is_overdue(),
                    StatusFilter::Disputed => row.disputed,
                    StatusFilter::Paid => !row.is_open() && inv.issue_date <= m.today,
                };
                let bucket_ok = match s.bucket {
                    None => true,
                    Some((cur, b)) => {
                        row.is_open()
                            && inv.currency == cur
                            && (b >= n_buckets || {
                                let from = match self.aging_basis {
                                    crate::receivables::aging::AgeBasis::DueDate => inv.due_date,
                                    crate::receivables::aging::AgeBasis::InvoiceDate => inv.issue_date,
                                };
                                bucket_of((m.today - from).num_days(), bounds) == b
                            })
                    }
                };
                let text_ok = f.is_empty()
                    || fuzzy_match(f, &inv.number)
                    || row.client.is_some_and(|c| fuzzy_match(f, &book.clients()[c].name));
                status_ok && bucket_ok && text_ok
            })
            .collect();
        if s.scope == Scope::Book {
            // The whole book: most overdue first, then newest.
            rows.sort_by(|&a, &b| {
                let (ra, rb) = (&m.invoices[a], &m.invoices[b]);
                rb.days_overdue
                    .cmp(&ra.days_overdue)
                    .then_with(|| book.invoices()[rb.ix].issue_date.cmp(&book.invoices()[ra.ix].issue_date))
            });
        }
        self.invoices.rows = rows;
        self.invoices.list.clamp(self.invoices.rows.len());
    }

    pub fn refresh_notes(&mut self) {
        let book = self.book();
        let f = self.notes.filter.as_str();
        let mut rows: Vec<usize> = match self.notes.scope {
            Scope::Client(c) => {
                let id = &book.clients()[c].id;
                // The log is in id order, so a note's index is found by id.
                let notes = book.notes();
                book.client_notes(id)
                    .filter_map(|n| {
                        notes
                            .binary_search_by_key(&n.id, |x| x.id)
                            .ok()
                            .or_else(|| notes.iter().position(|x| x.id == n.id))
                    })
                    .collect()
            }
            Scope::Book => (0..book.notes().len()).collect(),
        };
        if !f.is_empty() {
            rows.retain(|&i| {
                let n = &book.notes()[i];
                fuzzy_match(f, &n.text)
                    || self.model.client_ix.get(&n.client_id).is_some_and(|&c| fuzzy_match(f, &book.clients()[c].name))
            });
        }
        rows.sort_by(|&a, &b| {
            let (na, nb) = (&book.notes()[a], &book.notes()[b]);
            (nb.date, nb.at, nb.id).cmp(&(na.date, na.at, na.id))
        });
        self.notes.rows = rows;
        self.notes.list.clamp(self.notes.rows.len());
    }

    /// The aging table is built on the first visit, not at start-up: the
    /// first screen does not need it.
    fn build_aging(&mut self) {
        if !self.aging.built {
            let book = self.book();
            let today = self.model.today;
            let bounds = &self.aging_bounds;
            let basis = self.aging_basis;
            let mut all: Vec<AgingRow> = aging(book, book.invoices().iter(), today, bounds, basis)
                .rows
                .into_iter()
                .map(|(currency, amounts)| AgingRow { client: None, currency, amounts })
                .collect();
            let mut per_client: Vec<AgingRow> = Vec::new();
            for (ci, c) in book.clients().iter().enumerate() {
                if self.model.clients[ci].open_invoices == 0 {
                    continue;
                }
                for (currency, amounts) in aging(book, book.client_invoices(&c.id), today, bounds, basis).rows {
                    per_client.push(AgingRow { client: Some(ci), currency, amounts });
                }
            }
            // Worst first: the most in the oldest buckets.
            per_client.sort_by(|a, b| {
                let key = |r: &AgingRow| r.amounts.iter().rev().cloned().collect::<Vec<Decimal>>();
                key(b).cmp(&key(a))
            });
            all.extend(per_client);
            self.aging.all = all;
            self.aging.built = true;
        }
        self.refresh_aging();
    }

    fn refresh_aging(&mut self) {
        let f = self.aging.filter.clone();
        self.aging.rows = (0..self.aging.all.len())
            .filter(|&i| match self.aging.all[i].client {
                None => f.is_empty(),
                Some(c) => self.client_matches(c, &f),
            })
            .collect();
        self.aging.list.clamp(self.aging.rows.len());
    }

    fn sort(&mut self, reverse: bool) {
        if self.view != View::Tab(Tab::Clients) {
            self.status = Some(Status::Info("sorting works on the Clients screen".into()));
            return;
        }
        if reverse {
            self.clients.descending = !self.clients.descending;
        } else {
            let i = ClientSort::ALL.iter().position(|s| *s == self.clients.sort).unwrap_or(0);
            self.clients.sort = ClientSort::ALL[(i + 1) % ClientSort::ALL.len()];
            // Money and age read best largest first; names A to Z.
            self.clients.descending = !matches!(self.clients.sort, ClientSort::Name);
        }
        let keep = self.focus;
        self.refresh_clients();
        if let Some(c) = keep {
            if let Some(p) = self.clients.rows.iter().position(|&r| r == c) {
                self.clients.list.selected = p;
            }
        }
    }

    /// Keeps `focus` on the client of the current selection.
    pub(super) fn sync_focus(&mut self) {
        let f = match self.view {
            View::Tab(Tab::Today) => self
                .today
                .rows
                .get(self.today.list.selected)
                .and_then(|&i| self.model.client_ix.get(&self.model.actions[i].client_id).copied()),
            View::Tab(Tab::Clients) => self.clients.rows.get(self.clients.list.selected).copied(),
            View::Tab(Tab::Invoices) => {
                self.invoices.rows.get(self.invoices.list.selected).and_then(|&r| self.model.invoices[r].client)
            }
            View::Tab(Tab::Aging) => {
                self.aging.rows.get(self.aging.list.selected).and_then(|&i| self.aging.all[i].client)
            }
            View::Tab(Tab::Notes) => self
                .notes
                .rows
                .get(self.notes.list.selected)
                .and_then(|&i| self.model.client_ix.get(&self.book().notes()[i].client_id).copied()),
            View::Client(c) => Some(c),
            View::Invoice(r) => self.model.invoices[r].client,
        };
        if f.is_some() {
            self.focus = f;
        }
    }

    /// Selection of the current list, for tests and the draw.
    pub fn selected_row(&self) -> usize {
        match self.view {
            View::Tab(Tab::Today) => self.today.list.selected,
            View::Tab(Tab::Clients) => self.clients.list.selected,
            View::Tab(Tab::Invoices) => self.invoices.list.selected,
            View::Tab(Tab::Aging) => self.aging.list.selected,
            View::Tab(Tab::Notes) => self.notes.list.selected,
            View::Client(_) => self.detail.list.selected,
            View::Invoice(_) => 0,
        }
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
