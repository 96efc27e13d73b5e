//! Notes: the follow-up timeline, newest first, with the selected note in
//! full beneath (or beside) the list.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{hint, list_moves, Cx, Hint, Outcome, Screen};
use crate::domain::money::format_amount;
use crate::domain::{AccountEvent, Note};
use crate::tui::action::Action;
use crate::tui::app::{fuzzy_match, App, ListState, Scope, Side, View};
use crate::tui::keymap::Section;
use crate::tui::theme::{Role, Theme};
use crate::tui::ui::fmt;
use crate::tui::ui::table::{self, col, ColSpec};

#[derive(Clone, Debug)]
pub struct Notes {
    /// Indexes into `book.notes()`, newest first.
    pub rows: Vec<usize>,
    pub list: ListState,
    pub filter: String,
    pub scope: Scope,
}

impl Default for Notes {
    fn default() -> Self {
        Notes { rows: vec![], list: ListState::default(), filter: String::new(), scope: Scope::Book }
    }
}

impl Screen for Notes {
    fn title(&self, _app: &App) -> String {
        "Notes".into()
    }

    fn section(&self) -> Section {
        Section::List
    }

    fn commands(&self, _app: &App) -> Vec<Hint> {
        let h = vec![
            hint(Action::Enter, "client"),
            hint(Action::ToggleScope, "client/book"),
            hint(Action::Filter, "filter"),
        ];
        super::with_next_match(h, &self.filter)
    }

    fn show(&mut self, cx: &Cx, _stale: bool) {
        let scope = cx.focus.map_or(self.scope, Scope::Client);
        if scope != self.scope {
            self.scope = scope;
            self.list = ListState::default();
        }
        self.refresh(cx);
    }

    fn refresh(&mut self, cx: &Cx) {
        let book = cx.book;
        let f = self.filter.as_str();
        let mut rows: Vec<usize> = match self.scope {
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
                fuzzy_match(f, &n.text) || book.client(&n.client_id).is_some_and(|c| fuzzy_match(f, &c.name))
            });
        }
        rows.sort_by(|&a, &b| {
            let (na, nb) = (&book.notes()[a], &book.notes()[b]);
            (nb.date, nb.at, nb.id).cmp(&(na.date, na.at, na.id))
        });
        self.rows = rows;
        self.list.clamp(self.rows.len());
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome {
        match action {
            Action::Enter => cx.focus.map_or(Outcome::Done, |c| Outcome::Open(View::Client(c))),
            Action::ToggleScope => {
                self.scope = match (self.scope, cx.focus) {
                    (Scope::Book, Some(c)) => Scope::Client(c),
                    _ => Scope::Book,
                };
                self.list = ListState::default();
                self.refresh(cx);
                Outcome::Done
            }
            _ => list_moves(&mut self.list, self.rows.len(), action, cx, !self.filter.is_empty()),
        }
    }

    super::filtered_list!();

    fn focus(&self, app: &App) -> Option<usize> {
        self.rows.get(self.list.selected).and_then(|&i| app.book().client_index(&app.book().notes()[i].client_id))
    }

    fn side(&self, _app: &App) -> Side {
        self.rows.get(self.list.selected).map_or(Side::None, |&i| Side::Note(i))
    }

    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
        crate::tui::ui::list_screen(app, area, buf, wide, &|r, b| draw_list(self, app, r, b, wide));
    }
}

const COLS: [ColSpec; 7] = [
    col("Date", 10, false, 0),
    col("Client", 16, false, 0),
    col("Kind", 8, false, 0),
    col("Outcome", 12, false, 1),
    col("By", 8, false, 2),
    col("P", 1, false, 0),
    col("Note", 0, false, 0),
];

/// What a note says beyond its text: promise, event, undo.
pub fn extras(n: &Note) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = &n.promise {
        let on = if p.invoices.is_empty() { "the account".to_string() } else { p.invoices.join(", ") };
        out.push(format!("promise: {} {} by {} for {on}", format_amount(p.amount), p.currency, fmt::date(p.date)));
    }
    if let Some(e) = &n.event {
        out.push(match e {
            AccountEvent::Dispute { invoice, reason } => format!("dispute on {invoice}: {reason}"),
            AccountEvent::Resolve { invoice } => format!("dispute resolved on {invoice}"),
            AccountEvent::Hold { reason } => format!("account on hold: {reason}"),
            AccountEvent::Unhold => "hold released".into(),
            AccountEvent::Released { reason, since } => {
                format!("hold released (on hold since {}: {reason})", fmt::date(*since))
            }
            AccountEvent::Resolved { invoice, .. } => format!("dispute resolved on {invoice}"),
            AccountEvent::Snooze { until } => format!("snoozed until {}", fmt::date(*until)),
            AccountEvent::Unsnooze => "snooze lifted".into(),
            AccountEvent::Payment { payment_id } => format!("payment #{payment_id}"),
            AccountEvent::Adjustment { adjustment_id } => format!("adjustment #{adjustment_id}"),
            AccountEvent::PlacedWithAgency { agency } => format!("placed with agency: {agency}"),
            AccountEvent::Recalled => "recalled from the agency".into(),
            AccountEvent::LateReason { reason } => format!("late because: {}", reason.describe()),
        });
    }
    if let Some(c) = &n.completes {
        out.push(format!("completes level {} for {}", c.level, c.invoices.join(", ")));
    }
    if let Some(d) = n.next_follow_up {
        out.push(format!("follow up {}", fmt::date(d)));
    }
    if let Some(r) = n.reverses {
        out.push(format!("undoes note #{r}"));
    }
    out
}

fn draw_list(s: &Notes, app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
    let t = &app.theme;
    let list = area;
    let who = match s.scope {
        Scope::Client(c) => app.book().clients()[c].name.clone(),
        Scope::Book => "whole book".into(),
    };
    let filter = super::filter_fact(&s.filter);
    let position = crate::tui::ui::position(s.list.selected, s.rows.len());
    crate::tui::ui::title(app, list, buf, "Notes", &[who, position, filter]);
    // Narrow: the selected note in full under the list (wide: beside it).
    let preview_h = if !wide && list.height > 10 { 5 } else { 0 };
    let body = Rect { y: list.y + 1, height: list.height.saturating_sub(1 + preview_h), ..list };
    let spec: Vec<ColSpec> = COLS.iter().filter(|c| s.scope == Scope::Book || c.title != "Client").cloned().collect();
    let book_scope = s.scope == Scope::Book;
    let reversed = &app.model.reversed;
    table::draw(buf, body, t, &spec, 16, &s.list, s.rows.len(), true, "No notes yet.", &|i| {
        let n = &app.book().notes()[s.rows[i]];
        let undone = reversed.contains(&n.id);
        let style = if undone { t.style(Role::Muted) } else { t.style(Role::Text) };
        let client = app.book().client(&n.client_id).map(|c| c.name.clone()).unwrap_or_default();
        let mut cells = vec![
            (fmt::date(n.date), t.style(Role::Muted)),
            (client, style),
            (n.kind.as_str().to_string(), style),
            (n.outcome.map(|o| o.as_str().to_string()).unwrap_or_default(), style),
            (n.author.clone(), t.style(Role::Muted)),
            (if n.promise.is_some() { "P".into() } else { String::new() }, t.style(Role::Promise)),
            (if undone { format!("(undone) {}", n.text) } else { n.text.clone() }, style),
        ];
        if !book_scope {
            cells.remove(1);
        }
        cells
    });
    if preview_h > 0 {
        if let Some(&i) = s.rows.get(s.list.selected) {
            let r = Rect { y: list.y + list.height - preview_h, height: preview_h, ..list };
            note_full(app, t, &app.book().notes()[i], r, buf, 0);
        }
    }
}

/// One note in full: when, who, what, and its promise or event.
pub fn note_full(app: &App, t: &Theme, n: &Note, area: Rect, buf: &mut Buffer, scroll: u16) {
    let local = n.at.with_timezone(&app.tz).format("%Y-%m-%d %H:%M");
    let client = app.book().client(&n.client_id).map(|c| c.name.clone()).unwrap_or_default();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", n.kind), t.style(Role::Title)),
        Span::styled(crate::text::sanitize(&client).into_owned(), t.style(Role::Text)),
        Span::styled(
            format!(" · {} · {local} · {}", fmt::date(n.date), crate::text::sanitize(&n.author)),
            t.style(Role::Muted),
        ),
    ])];
    lines.push(Line::from(Span::styled(crate::text::sanitize(&n.text).into_owned(), t.style(Role::Text))));
    for e in extras(n) {
        let role = if e.starts_with("promise") {
            Role::Promise
        } else if e.starts_with("dispute") {
            Role::Dispute
        } else {
            Role::Muted
        };
        lines.push(Line::from(Span::styled(crate::text::sanitize(&e).into_owned(), t.style(role))));
    }
    let scroll = scroll.min(lines.len().saturating_sub(1) as u16);
    Paragraph::new(lines).wrap(Wrap { trim: true }).scroll((scroll, 0)).render(area, buf);
}
