//! One screen, one component: each screen keeps its state, answers its
//! keys, names them for the hint line and help ([`Screen::commands`]) and
//! draws itself, behind the [`Screen`] trait (in the manner of gitui's
//! `Component`). `App` keeps what every screen shares (the book, the model,
//! the focused client, the pane, the form, the status line) and routes keys:
//! the current screen first, then the global meaning.
//!
//! Adding a tab: its file here, a `Tab` variant, and its registration below
//! (a `TABS` entry and the field of [`Screens`]); every `match` on a tab or
//! view is exhaustive, so the compiler lists what else needs a word.

/// What the list screens repeat (each has `rows`, a `list` selection and
/// a `filter`): the selection and filter of the [`Screen`] trait. A new
/// filter starts at the first row and rebuilds the rows, or does what the
/// closure given says after storing the text.
macro_rules! filtered_list {
    () => {
        $crate::tui::screens::filtered_list!(|s: &mut Self, cx: &Cx| {
            s.list.selected = 0;
            s.refresh(cx);
        });
    };
    ($then:expr) => {
        fn selected(&self) -> usize {
            self.list.selected
        }

        fn filter(&self) -> Option<&str> {
            Some(&self.filter)
        }

        fn set_filter(&mut self, f: String, cx: &Cx) {
            self.filter = f;
            let then: fn(&mut Self, &Cx) = $then;
            then(self, cx);
        }
    };
}
pub(crate) use filtered_list;

pub mod aging;
pub mod client;
pub mod clients;
pub mod forecast;
pub mod invoice;
pub mod invoices;
pub mod notes;
pub mod remind;
pub mod today;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::action::{Action, Tab};
use super::app::{App, ListState, Scope, Side, Status, View};
use super::keymap::Section;
use super::model::{Model, Rows};
use crate::domain::{Book, Currency};

/// A tab's registration: its place in the tab bar (the order here), its
/// name in `[keys]`, what help says about its jump key, and the default keys.
pub struct TabInfo {
    pub tab: Tab,
    pub name: &'static str,
    pub desc: &'static str,
    pub keys: &'static [&'static str],
}

pub const TABS: [TabInfo; 6] = [
    TabInfo { tab: Tab::Today, name: "today", desc: "Today screen", keys: &["1"] },
    TabInfo { tab: Tab::Clients, name: "clients", desc: "Clients screen", keys: &["2"] },
    TabInfo { tab: Tab::Invoices, name: "invoices", desc: "Invoices screen", keys: &["3"] },
    TabInfo { tab: Tab::Aging, name: "aging", desc: "Aging screen", keys: &["4"] },
    TabInfo { tab: Tab::Notes, name: "notes", desc: "Notes screen", keys: &["5"] },
    TabInfo { tab: Tab::Forecast, name: "forecast", desc: "Forecast screen", keys: &["6"] },
];

/// The position of `tab` in the tab bar.
pub fn tab_index(tab: Tab) -> usize {
    TABS.iter().position(|t| t.tab == tab).unwrap_or(0)
}

/// Every screen's state.
#[derive(Default)]
pub struct Screens {
    pub today: today::Today,
    pub clients: clients::Clients,
    pub invoices: invoices::Invoices,
    pub aging: aging::AgingScreen,
    pub notes: notes::Notes,
    pub forecast: forecast::Forecast,
    /// The client view; also the client shown in a list's detail pane.
    pub detail: client::ClientView,
    pub invoice: invoice::InvoiceView,
    /// Which screens' rows predate the model.
    pub stale: Stale,
}

/// The screens whose rows were built from an earlier model: the book
/// changed while they were out of view. Only the screens in view are
/// refreshed when the book changes (`App::refresh_shown`); the others
/// here, when they are next shown. Refreshing every screen after each
/// change (and at start-up) sorted and filtered every list of the book,
/// hundreds of thousands of rows on a large book, for screens no one was
/// looking at.
#[derive(Clone, Debug, Default)]
pub struct Stale([bool; Stale::SLOTS]);

impl Stale {
    /// A slot per tab, then the client view's (also the detail pane's),
    /// then the invoice view's.
    const SLOTS: usize = TABS.len() + 2;
    const CLIENT: usize = TABS.len();
    const INVOICE: usize = TABS.len() + 1;

    fn slot(v: View) -> usize {
        match v {
            View::Tab(t) => tab_index(t),
            View::Client(_) => Self::CLIENT,
            View::Invoice(_) => Self::INVOICE,
        }
    }

    /// Every screen: the model was built again.
    pub fn mark_all(&mut self) {
        self.0 = [true; Self::SLOTS];
    }

    /// Whether view `v`'s screen was stale; it is not any more (the caller
    /// refreshes it).
    pub fn take(&mut self, v: View) -> bool {
        std::mem::replace(&mut self.0[Self::slot(v)], false)
    }

    /// Whether the client view's screen, which a list's detail pane shows
    /// too, was stale; as [`Stale::take`].
    pub fn take_detail(&mut self) -> bool {
        std::mem::replace(&mut self.0[Self::CLIENT], false)
    }
}

impl Screens {
    pub fn tab(&self, t: Tab) -> &dyn Screen {
        match t {
            Tab::Today => &self.today,
            Tab::Clients => &self.clients,
            Tab::Invoices => &self.invoices,
            Tab::Aging => &self.aging,
            Tab::Notes => &self.notes,
            Tab::Forecast => &self.forecast,
        }
    }

    pub fn tab_mut(&mut self, t: Tab) -> &mut dyn Screen {
        match t {
            Tab::Today => &mut self.today,
            Tab::Clients => &mut self.clients,
            Tab::Invoices => &mut self.invoices,
            Tab::Aging => &mut self.aging,
            Tab::Notes => &mut self.notes,
            Tab::Forecast => &mut self.forecast,
        }
    }

    pub fn view(&self, v: View) -> &dyn Screen {
        match v {
            View::Tab(t) => self.tab(t),
            View::Client(_) => &self.detail,
            View::Invoice(_) => &self.invoice,
        }
    }

    pub fn view_mut(&mut self, v: View) -> &mut dyn Screen {
        match v {
            View::Tab(t) => self.tab_mut(t),
            View::Client(_) => &mut self.detail,
            View::Invoice(_) => &mut self.invoice,
        }
    }
}

/// What a screen's update may read of the shared state.
pub struct Cx<'a> {
    pub book: &'a Book,
    pub model: &'a Model,
    pub bounds: &'a [u32],
    pub basis: crate::receivables::aging::AgeBasis,
    /// The client the current selection belongs to.
    pub focus: Option<usize>,
    /// Rows of a page move.
    pub page: usize,
    /// The user, as owner of "my" accounts.
    pub me: &'a str,
}

impl Cx<'_> {
    /// The whole book's rows (built on the first call: see `model.rs`).
    pub fn rows(&self) -> &Rows {
        self.model.rows(self.book)
    }
}

/// What a screen did with an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not this screen's: the key's global meaning applies.
    Ignored,
    Done,
    Say(Status),
    /// Drill into another view (a client, an invoice).
    Open(View),
    /// The aging drill-down: the invoices of a cell.
    ShowInvoices {
        scope: Scope,
        bucket: Option<(Currency, usize)>,
    },
}

/// One of a screen's keys, as the hint line and help name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    pub action: Action,
    pub label: &'static str,
}

pub const fn hint(action: Action, label: &'static str) -> Hint {
    Hint { action, label }
}

/// A screen: its state, its keys, their names, its drawing.
pub trait Screen {
    fn title(&self, app: &App) -> String;
    /// Its section of the key map (looked up before the global keys).
    fn section(&self) -> Section;
    /// Its own keys with what they do here, most useful first: the hint
    /// line shows them (as many as fit) and help lists them all.
    fn commands(&self, app: &App) -> Vec<Hint>;
    /// Rebuilds the rows from the model (after a write or a reload).
    fn refresh(&mut self, cx: &Cx);
    /// Shown from the tab bar: brings the rows up to date and starts on
    /// the focused client where that helps. `stale`: the book changed since
    /// the screen was last refreshed (a screen that keeps rows across visits
    /// must build them again; the others refresh on every show anyway).
    fn show(&mut self, cx: &Cx, _stale: bool) {
        self.refresh(cx);
    }
    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome;
    /// The selected row (for tests and the draw).
    fn selected(&self) -> usize {
        0
    }
    /// The filter text, if the screen can be filtered.
    fn filter(&self) -> Option<&str> {
        None
    }
    fn set_filter(&mut self, _f: String, _cx: &Cx) {}
    /// The client the selection belongs to.
    fn focus(&self, app: &App) -> Option<usize>;
    /// What the detail pane beside (or instead of) the list shows.
    fn side(&self, _app: &App) -> Side {
        Side::None
    }
    /// The selected invoice row, when the screen has one.
    fn selected_invoice(&self, _app: &App) -> Option<usize> {
        None
    }
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, wide: bool);
    /// Whether the logging keys work here (on the client in focus).
    fn logs(&self) -> bool {
        true
    }
}

/// The moves every list answers, as a number of rows.
pub fn move_delta(action: Action, page: usize) -> Option<isize> {
    let page = page.max(1) as isize;
    Some(match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::HalfPageDown => (page / 2).max(1),
        Action::HalfPageUp => -(page / 2).max(1),
        Action::PageDown => page,
        Action::PageUp => -page,
        Action::Top => isize::MIN / 2,
        Action::Bottom => isize::MAX / 2,
        _ => return None,
    })
}

/// A list's moves and, while a filter is on, `n`/`N` (every row shown
/// matches, so the next match is the next row, wrapping round).
pub fn list_moves(list: &mut ListState, len: usize, action: Action, cx: &Cx, filtered: bool) -> Outcome {
    if let Some(d) = move_delta(action, cx.page) {
        list.step(d, len);
        return Outcome::Done;
    }
    match action {
        Action::NextMatch | Action::PrevMatch if filtered && len > 0 => {
            let d = if action == Action::NextMatch { 1 } else { len - 1 };
            list.selected = (list.selected + d) % len;
            Outcome::Done
        }
        _ => Outcome::Ignored,
    }
}

/// A list's hints, with "next match" while a filter is on.
pub fn with_next_match(mut hints: Vec<Hint>, filter: &str) -> Vec<Hint> {
    if !filter.is_empty() {
        hints.push(hint(Action::NextMatch, "next match"));
    }
    hints
}

/// "filter: …" for a title, empty without one.
pub fn filter_fact(f: &str) -> String {
    if f.is_empty() {
        String::new()
    } else {
        format!("filter: {f}")
    }
}
