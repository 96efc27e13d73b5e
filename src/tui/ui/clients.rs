//! Clients: every account with its position, sortable and filterable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::fmt;
use super::table::{self, col, ColSpec};
use crate::tui::app::App;
use crate::tui::theme::Role;

const COLS: [ColSpec; 8] = [
    col("Client", 0, false, 0),
    col("Id", 8, false, 4),
    col("Cur", 3, false, 0),
    col("Balance", 12, true, 0),
    col("Overdue", 12, true, 0),
    col("Days", 4, true, 0),
    col("Next", 10, false, 0),
    col("Last contact", 13, false, 0),
];

pub fn draw_list(app: &App, area: Rect, buf: &mut Buffer, _wide: bool) {
    let t = &app.theme;
    let m = &app.model;
    let s = &app.clients;
    let list = area;
    let arrow = if s.descending { "↓" } else { "↑" };
    let filter = if s.filter.is_empty() { String::new() } else { format!("filter: {}", s.filter) };
    let sort = format!("sort: {} {arrow}", s.sort.title());
    let count = if s.rows.len() == m.clients.len() {
        super::position(s.list.selected, s.rows.len())
    } else {
        format!("{} of {}", super::position(s.list.selected, s.rows.len()), m.clients.len())
    };
    super::title(app, list, buf, "Clients", &[count, sort, filter]);
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
            let name_style = if r.on_hold {
                t.style(Role::Hold)
            } else if r.snoozed {
                t.style(Role::Muted)
            } else {
                t.style(Role::Text)
            };
            let mut name = c.name.clone();
            if r.on_hold {
                name.push_str(" [hold]");
            } else if r.snoozed {
                name.push_str(" [snoozed]");
            }
            let (next, next_style) = match r.next_action.map(|a| &m.actions[a]) {
                Some(a) => (fmt::kind_short(a.kind).to_string(), t.style(fmt::kind_role(a.kind))),
                None => (String::new(), t.style(Role::Muted)),
            };
            let last = r
                .last_contact
                .map(|(d, k)| format!("{} {}", fmt::short_date(d, m.today), fmt::note_kind(k)))
                .unwrap_or_default();
            let days = if r.oldest_days > 0 { r.oldest_days.to_string() } else { String::new() };
            vec![
                (name, name_style),
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
