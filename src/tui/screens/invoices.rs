//! Invoices: of the selected client, or of the whole book, by status.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{hint, list_moves, Cx, Hint, Outcome, Screen};
use crate::domain::money::format_amount;
use crate::domain::Currency;
use crate::receivables::aging::AgeBasis;
use crate::tui::action::Action;
use crate::tui::app::{fuzzy_match, App, ListState, Scope, Side, View};
use crate::tui::keymap::Section;
use crate::tui::model::{bucket_of, Aging, InvoiceRow};
use crate::tui::theme::{Role, Theme};
use crate::tui::ui::fmt;
use crate::tui::ui::table::{self, col, ColSpec};

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

#[derive(Clone, Debug)]
pub struct Invoices {
    pub rows: Vec<usize>,
    pub list: ListState,
    pub filter: String,
    pub scope: Scope,
    pub status: StatusFilter,
    /// Set by a drill-down from the aging table: currency and bucket (a
    /// bucket past the last is the row total: every open invoice).
    pub bucket: Option<(Currency, usize)>,
    /// The invoice the selection was on when the book was read again (the
    /// paid history arriving, a colleague's change): rows are positions in
    /// the book, so the next refresh puts the selection back on this
    /// number instead of on whatever invoice now has its place.
    pub follow: Option<String>,
}

impl Default for Invoices {
    fn default() -> Self {
        Invoices {
            rows: vec![],
            list: ListState::default(),
            filter: String::new(),
            scope: Scope::Book,
            status: StatusFilter::All,
            bucket: None,
            follow: None,
        }
    }
}

impl Invoices {
    /// A new scope, status or bucket is a new list: the selection starts
    /// at its top, never on a row of the old one.
    fn rescope(&mut self, cx: &Cx) {
        self.list = ListState::default();
        self.follow = None;
        self.refresh(cx);
    }

    /// The aging drill-down: exactly the invoices of one cell.
    pub fn show_bucket(&mut self, scope: Scope, bucket: Option<(Currency, usize)>, cx: &Cx) {
        self.scope = scope;
        self.bucket = bucket;
        self.status = StatusFilter::All;
        self.filter.clear();
        self.rescope(cx);
    }
}

impl Screen for Invoices {
    fn title(&self, _app: &App) -> String {
        "Invoices".into()
    }

    fn section(&self) -> Section {
        Section::List
    }

    fn commands(&self, _app: &App) -> Vec<Hint> {
        let h = vec![
            hint(Action::Enter, "open"),
            hint(Action::CycleStatus, "status"),
            hint(Action::ToggleScope, "client/book"),
            hint(Action::Filter, "filter"),
        ];
        super::with_next_match(h, &self.filter)
    }

    fn show(&mut self, cx: &Cx, _stale: bool) {
        let scope = cx.focus.map_or(self.scope, Scope::Client);
        if scope != self.scope || self.bucket.is_some() {
            self.scope = scope;
            self.bucket = None;
            self.rescope(cx);
        } else {
            self.refresh(cx);
        }
    }

    fn refresh(&mut self, cx: &Cx) {
        let s = &*self;
        let m = cx.model;
        let book = cx.book;
        // One client's invoices need only that client's rows; the whole
        // book's list needs the whole book's (built here on first need).
        let base: Vec<usize> = match s.scope {
            Scope::Client(c) => m.client_invoices(book, c),
            Scope::Book => (0..cx.rows().invoices.len()).collect(),
        };
        let bounds = cx.bounds;
        let n_buckets = Aging::bucket_count(bounds);
        let f = s.filter.as_str();
        let mut rows: Vec<usize> = base
            .into_iter()
            .filter(|&r| {
                let row = &m.invoice(book, r);
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
                                let from = match cx.basis {
                                    AgeBasis::DueDate => inv.due_date,
                                    AgeBasis::InvoiceDate => inv.issue_date,
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
            // The whole book: most overdue first, then newest, then by
            // number. The number, not the position, breaks ties: the open
            // part read first is in client order and the whole book that
            // replaces it in number order, and the list must not reorder
            // under the cursor when it arrives. The keys are gathered
            // once: on a large book, looking each invoice up again at every
            // comparison was a tenth of the first screen.
            use std::cmp::Reverse;
            let invoices = book.invoices();
            let mut keyed: Vec<(Reverse<i64>, Reverse<chrono::NaiveDate>, &str, usize)> = rows
                .iter()
                .map(|&r| {
                    let row = &m.invoice(book, r);
                    let inv = &invoices[row.ix];
                    (Reverse(row.days_overdue), Reverse(inv.issue_date), inv.number.as_str(), r)
                })
                .collect();
            keyed.sort_unstable();
            rows.clear();
            rows.extend(keyed.into_iter().map(|k| k.3));
        }
        self.rows = rows;
        if let Some(number) = self.follow.take() {
            // A row's index is its invoice's position in the book.
            if let Some(at) = self.rows.iter().position(|&r| book.invoices()[r].number == number) {
                self.list.selected = at;
            }
        }
        self.list.clamp(self.rows.len());
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome {
        match action {
            Action::Enter => {
                self.rows.get(self.list.selected).map_or(Outcome::Done, |&r| Outcome::Open(View::Invoice(r)))
            }
            Action::CycleStatus => {
                let i = StatusFilter::ALL.iter().position(|s| *s == self.status).unwrap_or(0);
                self.status = StatusFilter::ALL[(i + 1) % StatusFilter::ALL.len()];
                self.bucket = None;
                self.rescope(cx);
                Outcome::Done
            }
            Action::ToggleScope => {
                self.scope = match (self.scope, cx.focus) {
                    (Scope::Book, Some(c)) => Scope::Client(c),
                    _ => Scope::Book,
                };
                self.bucket = None;
                self.rescope(cx);
                Outcome::Done
            }
            _ => list_moves(&mut self.list, self.rows.len(), action, cx, !self.filter.is_empty()),
        }
    }

    super::filtered_list!(|s: &mut Self, cx: &Cx| s.rescope(cx));

    fn focus(&self, app: &App) -> Option<usize> {
        self.rows.get(self.list.selected).and_then(|&r| app.model.invoice(app.book(), r).client)
    }

    fn side(&self, _app: &App) -> Side {
        self.rows.get(self.list.selected).map_or(Side::None, |&r| Side::Invoice(r))
    }

    fn selected_invoice(&self, _app: &App) -> Option<usize> {
        self.rows.get(self.list.selected).copied()
    }

    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
        crate::tui::ui::list_screen(app, area, buf, wide, &|r, b| draw_list(self, app, r, b));
    }
}

const COLS: [ColSpec; 11] = [
    col("Number", 11, false, 0),
    col("Client", 0, false, 0),
    col("Issued", 10, false, 3),
    col("Due", 10, false, 0),
    col("Cur", 3, false, 0),
    col("Total", 12, true, 2),
    col("Balance", 12, true, 0),
    col("Days", 4, true, 0),
    col("Lvl", 3, true, 1),
    col("Flags", 5, false, 0),
    col("Status", 11, false, 4),
];

/// Flags read without colour: D disputed, P promised, X excluded.
pub fn flags(r: &InvoiceRow) -> String {
    format!(
        "{}{}{}",
        if r.disputed { 'D' } else { '·' },
        if r.promised { 'P' } else { '·' },
        if r.excluded { 'X' } else { '·' }
    )
}

pub fn flags_role(r: &InvoiceRow) -> Role {
    if r.disputed {
        Role::Dispute
    } else if r.promised {
        Role::Promise
    } else {
        Role::Muted
    }
}

fn draw_list(s: &Invoices, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let list = area;
    let who = match s.scope {
        Scope::Client(c) => app.book().clients()[c].name.clone(),
        Scope::Book => "whole book".into(),
    };
    let bucket = s
        .bucket
        .map(|(cur, b)| {
            let titles = Aging::titles(&app.aging_bounds);
            format!("{cur} {}", titles.get(b).map_or("all open", String::as_str))
        })
        .unwrap_or_default();
    let filter = super::filter_fact(&s.filter);
    let position = crate::tui::ui::position(s.list.selected, s.rows.len());
    crate::tui::ui::title(
        app,
        list,
        buf,
        "Invoices",
        &[who, format!("status: {}", s.status.title()), bucket, position, filter],
    );
    let body = Rect { y: list.y + 1, height: list.height.saturating_sub(1), ..list };
    // The client column only helps when the list spans several clients.
    let spec: Vec<ColSpec> = COLS
        .iter()
        .filter(|c| s.scope == Scope::Book || c.title != "Client")
        .cloned()
        .map(|mut c| {
            if s.scope != Scope::Book && c.title == "Number" {
                c.width = 0;
            }
            c
        })
        .collect();
    let book_scope = s.scope == Scope::Book;
    table::draw(
        buf,
        body,
        t,
        &spec,
        12,
        &s.list,
        s.rows.len(),
        true,
        "No invoice here (f changes the status filter, a the scope).",
        &|i| {
            let mut cells = row_cells(app, t, s.rows[i]);
            if !book_scope {
                cells.remove(1);
            }
            cells
        },
    );
}

/// The cells of one invoice row, in `COLS` order.
pub fn row_cells(app: &App, t: &Theme, r: usize) -> Vec<table::CellText> {
    let row = &app.model.invoice(app.book(), r);
    let inv = &app.book().invoices()[row.ix];
    let client = row.client.map(|c| app.book().clients()[c].name.clone()).unwrap_or_else(|| inv.client_id.to_string());
    let days_role = if row.is_open() { fmt::days_role(row.days_overdue, &app.aging_bounds) } else { Role::Muted };
    let status = if row.is_open() && row.days_overdue > 0 { "overdue" } else { row.status.as_str() };
    vec![
        (inv.number.to_string(), t.style(Role::Text)),
        (client, t.style(Role::Text)),
        (fmt::date(inv.issue_date), t.style(Role::Muted)),
        (fmt::date(inv.due_date), t.style(Role::Text)),
        (inv.currency.to_string(), t.style(Role::Muted)),
        (format_amount(inv.total), t.style(Role::Text)),
        (fmt::amount_or_blank(row.balance), t.style(days_role)),
        (if row.is_overdue() { row.days_overdue.to_string() } else { String::new() }, t.style(days_role)),
        (row.level.map(|l| l.to_string()).unwrap_or_default(), t.style(Role::Muted)),
        (flags(row), t.style(flags_role(row))),
        (status.to_string(), t.style(Role::Muted)),
    ]
}
