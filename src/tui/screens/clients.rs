//! Clients: every account with its position, sortable and filterable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{hint, list_moves, Cx, Hint, Outcome, Screen};
use crate::tui::action::Action;
use crate::tui::app::{fuzzy_match, App, ListState, Side, View};
use crate::tui::keymap::Section;
use crate::tui::theme::Role;
use crate::tui::ui::fmt;
use crate::tui::ui::table::{self, col, ColSpec};

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

#[derive(Clone, Debug)]
pub struct Clients {
    pub rows: Vec<usize>,
    pub list: ListState,
    pub filter: String,
    pub sort: ClientSort,
    pub descending: bool,
}

impl Default for Clients {
    fn default() -> Self {
        Clients {
            rows: vec![],
            list: ListState::default(),
            filter: String::new(),
            sort: ClientSort::Name,
            descending: false,
        }
    }
}

/// Whether client `ci` matches a filter (name or id).
pub fn client_matches(cx: &Cx, ci: usize, pattern: &str) -> bool {
    let c = &cx.book.clients()[ci];
    pattern.is_empty() || fuzzy_match(pattern, &c.name) || fuzzy_match(pattern, &c.id)
}

impl Screen for Clients {
    fn title(&self, _app: &App) -> String {
        "Clients".into()
    }

    fn section(&self) -> Section {
        Section::List
    }

    fn commands(&self, _app: &App) -> Vec<Hint> {
        let h = vec![
            hint(Action::Enter, "open"),
            hint(Action::Filter, "filter"),
            hint(Action::Sort, "sort"),
            hint(Action::ReverseSort, "reverse"),
            hint(Action::CopyEmail, "copy email"),
        ];
        super::with_next_match(h, &self.filter)
    }

    fn refresh(&mut self, cx: &Cx) {
        let f = &self.filter;
        let mut rows: Vec<usize> = (0..cx.book.clients().len()).filter(|&i| client_matches(cx, i, f)).collect();
        let m = cx.model;
        let r = cx.rows();
        let book = cx.book;
        let name = |i: usize| book.clients()[i].name.to_lowercase();
        match self.sort {
            ClientSort::Name => rows.sort_by_cached_key(|&i| name(i)),
            ClientSort::Balance => rows.sort_by_key(|&i| (r.clients[i].balance_key(), std::cmp::Reverse(i))),
            ClientSort::Overdue => rows.sort_by_key(|&i| (r.clients[i].overdue_key(), std::cmp::Reverse(i))),
            ClientSort::Oldest => rows.sort_by_key(|&i| (r.clients[i].oldest_days, std::cmp::Reverse(i))),
            ClientSort::NextAction => rows.sort_by_key(|&i| {
                // Most severe first when descending; clients with no action last.
                let a = r.clients[i].next_action.map(|a| (m.actions[a].kind, m.actions[a].level));
                (a, std::cmp::Reverse(i))
            }),
            ClientSort::LastContact => {
                rows.sort_by_key(|&i| (r.clients[i].last_contact.map(|l| l.0), std::cmp::Reverse(i)))
            }
        }
        if self.descending {
            rows.reverse();
        }
        self.rows = rows;
        self.list.clamp(self.rows.len());
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome {
        match action {
            Action::Enter => cx.focus.map_or(Outcome::Done, |c| Outcome::Open(View::Client(c))),
            Action::Sort | Action::ReverseSort => {
                if action == Action::ReverseSort {
                    self.descending = !self.descending;
                } else {
                    let i = ClientSort::ALL.iter().position(|s| *s == self.sort).unwrap_or(0);
                    self.sort = ClientSort::ALL[(i + 1) % ClientSort::ALL.len()];
                    // Money and age read best largest first; names A to Z.
                    self.descending = !matches!(self.sort, ClientSort::Name);
                }
                let keep = self.rows.get(self.list.selected).copied();
                self.refresh(cx);
                if let Some(p) = keep.and_then(|c| self.rows.iter().position(|&r| r == c)) {
                    self.list.selected = p;
                }
                Outcome::Done
            }
            _ => list_moves(&mut self.list, self.rows.len(), action, cx, !self.filter.is_empty()),
        }
    }

    super::filtered_list!();

    fn focus(&self, _app: &App) -> Option<usize> {
        self.rows.get(self.list.selected).copied()
    }

    fn side(&self, app: &App) -> Side {
        app.focus.map_or(Side::None, Side::Client)
    }

    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
        crate::tui::ui::list_screen(app, area, buf, wide, &|r, b| draw_list(self, app, r, b));
    }
}

const COLS: [ColSpec; 9] = [
    col("Client", 0, false, 0),
    col("Flags", 6, false, 0),
    col("Id", 8, false, 4),
    col("Cur", 3, false, 0),
    col("Balance", 12, true, 0),
    col("Overdue", 12, true, 0),
    col("Days", 4, true, 0),
    col("Next", 10, false, 0),
    col("Last contact", 13, false, 5),
];

fn draw_list(s: &Clients, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let m = app.rows();
    let list = area;
    let arrow = if s.descending { "↓" } else { "↑" };
    let filter = super::filter_fact(&s.filter);
    let sort = format!("sort: {} {arrow}", s.sort.title());
    let count = if s.rows.len() == m.clients.len() {
        crate::tui::ui::position(s.list.selected, s.rows.len())
    } else {
        format!("{} of {}", crate::tui::ui::position(s.list.selected, s.rows.len()), m.clients.len())
    };
    crate::tui::ui::title(app, list, buf, "Clients", &[count, sort, filter]);
    let body = Rect { y: list.y + 1, height: list.height.saturating_sub(1), ..list };
    let clients = app.book().clients();
    table::draw(
        buf,
        body,
        t,
        &COLS,
        // Names first: the id column only shows when the name has room.
        20,
        &s.list,
        s.rows.len(),
        true,
        "No client matches (Esc clears the filter).",
        &|i| {
            let ci = s.rows[i];
            let c = &clients[ci];
            let r = &m.clients[ci];
            let name_style = if r.on_hold || r.with_agency {
                t.style(Role::Hold)
            } else if r.snoozed {
                t.style(Role::Muted)
            } else {
                t.style(Role::Text)
            };
            // Flags have a column of their own: a long name never hides them.
            let flag = if r.with_agency {
                "agency"
            } else if r.on_hold {
                "hold"
            } else if r.snoozed {
                "snooze"
            } else {
                ""
            };
            let (next, next_style) = match r.next_action.map(|a| &app.model.actions[a]) {
                Some(a) => (fmt::kind_short(a.kind).to_string(), t.style(fmt::kind_role(a.kind))),
                None => (String::new(), t.style(Role::Muted)),
            };
            let last = r
                .last_contact
                .map(|(d, k)| format!("{} {}", fmt::short_date(d, app.model.today), fmt::note_kind(k)))
                .unwrap_or_default();
            let days = if r.oldest_days > 0 { r.oldest_days.to_string() } else { String::new() };
            vec![
                (c.name.clone(), name_style),
                (flag.to_string(), name_style),
                (c.id.clone(), t.style(Role::Muted)),
                (r.home_currency.to_string(), t.style(Role::Muted)),
                (fmt::home_amount(&r.balance, r.home_currency), t.style(Role::Text)),
                (
                    fmt::home_amount(&r.overdue, r.home_currency),
                    t.style(fmt::days_role(r.oldest_days, &app.aging_bounds)),
                ),
                (days, t.style(fmt::days_role(r.oldest_days, &app.aging_bounds))),
                (next, next_style),
                (last, t.style(Role::Muted)),
            ]
        },
    );
}
