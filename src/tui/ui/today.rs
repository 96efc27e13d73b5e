//! Today: the rules engine's list, most important first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::fmt;
use super::table::{self, col, ColSpec};
use crate::rules::ActionKind;
use crate::tui::app::App;
use crate::tui::theme::Role;

const COLS: [ColSpec; 5] = [
    col("Action", 12, false, 0),
    col("Client", 0, false, 0),
    col("Level", 17, false, 1),
    col("Overdue", 17, true, 0),
    col("Days", 4, true, 0),
];

pub fn draw(app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
    let t = &app.theme;
    let m = &app.model;
    // Header: the day, counts per kind, overdue totals.
    let kinds = [ActionKind::Reminder, ActionKind::Call, ActionKind::Escalation];
    let mut spans = vec![
        Span::styled(app.today().format("%A %e %B %Y").to_string(), t.style(Role::Title)),
        Span::styled(format!(" · {} to chase: ", m.actions.len()), t.style(Role::Muted)),
    ];
    for (i, k) in kinds.iter().enumerate() {
        let n = m.actions.iter().filter(|a| a.kind == *k).count();
        if i > 0 {
            spans.push(Span::styled(", ", t.style(Role::Muted)));
        }
        spans.push(Span::styled(format!("{n} {}", k.as_str()), t.style(fmt::kind_role(*k))));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    if area.height < 4 {
        return;
    }
    let overdue = Line::from(vec![
        Span::styled("overdue on the list: ", t.style(Role::Muted)),
        Span::styled(fmt::totals(&m.action_overdue()), t.style(Role::Text)),
    ]);
    buf.set_line(area.x, area.y + 1, &overdue, area.width);

    let rest = Rect { y: area.y + 2, height: area.height - 2, ..area };
    super::list_screen(app, rest, buf, wide, draw_list);
}

/// The list of actions and the why line of the selected one.
fn draw_list(app: &App, list: Rect, buf: &mut Buffer, _wide: bool) {
    let t = &app.theme;
    let m = &app.model;
    // The why line of the selected action sits under the list.
    let why_h = if list.height > 8 { 3 } else { 0 };
    let table_area = Rect { height: list.height.saturating_sub(1 + why_h), y: list.y + 1, ..list };
    let s = &app.today;
    let filter = if s.filter.is_empty() { String::new() } else { format!("filter: {}", s.filter) };
    super::title(app, list, buf, "Today", &[super::position(s.list.selected, s.rows.len()), filter]);
    let empty = if m.actions.is_empty() {
        "Nothing to chase today: no client needs a reminder, a call or an escalation."
    } else {
        "No action matches the filter (Esc clears it)."
    };
    table::draw(buf, table_area, t, &COLS, 14, &s.list, s.rows.len(), true, empty, &|i| {
        let a = &m.actions[s.rows[i]];
        vec![
            (fmt::kind_marker(a.kind).to_string(), t.style(fmt::kind_role(a.kind))),
            (a.client_name.clone(), t.style(Role::Text)),
            (format!("{} {}", a.level, a.level_name), t.style(Role::Muted)),
            (fmt::first_money(&a.overdue), t.style(Role::Text)),
            (a.days_overdue.to_string(), t.style(fmt::days_role(a.days_overdue, &app.aging_bounds))),
        ]
    });
    if why_h > 0 {
        if let Some(a) = s.rows.get(s.list.selected).map(|&i| &m.actions[i]) {
            let why = Rect { y: list.y + list.height - why_h, height: why_h, ..list };
            let text = Line::from(vec![
                Span::styled("why: ", t.style(Role::Key)),
                Span::styled(crate::text::sanitize(&a.reason).into_owned(), t.style(Role::Text)),
                Span::styled(format!("  ({})", a.invoices.join(", ")), t.style(Role::Muted)),
            ]);
            Paragraph::new(text).wrap(Wrap { trim: true }).render(why, buf);
        }
    }
}
