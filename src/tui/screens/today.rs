//! Today: the rules engine's list, most important first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{hint, list_moves, Cx, Hint, Outcome, Screen};
use crate::domain::{Currency, Totals};
use crate::rules::{Action as Chase, ActionKind};
use crate::tui::action::Action;
use crate::tui::app::{fuzzy_match, App, ListState, Side, View};
use crate::tui::keymap::Section;
use crate::tui::theme::Role;
use crate::tui::ui::fmt;
use crate::tui::ui::table::{self, col, ColSpec};

#[derive(Clone, Debug, Default)]
pub struct Today {
    /// Indexes into the day's actions that pass the filter.
    pub rows: Vec<usize>,
    pub list: ListState,
    pub filter: String,
    /// Only the accounts the user owns.
    pub mine: bool,
    /// Contacts logged today (not undone), by kind: the day's progress.
    pub done: Vec<(crate::domain::NoteKind, usize)>,
    /// Accounts marked (space) to preview and send together (`r`).
    pub marked: std::collections::BTreeSet<String>,
    /// What the header and the columns say of the whole list.
    pub summary: Summary,
}

/// What the header and the table's columns say of the whole day's list,
/// worked out with the rows (`refresh`), not at every frame: on a large
/// book the list has 50,000 actions, and formatting every amount to find
/// the widest was most of each frame's time, the first one's included.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Actions per kind, in `ActionKind::ALL` order.
    by_kind: [usize; ActionKind::ALL.len()],
    /// Overdue totals of the list, per currency.
    pub overdue: Totals,
    /// The widths of the widest overdue amount and level as the table
    /// shows them (None: an empty list).
    pub amount_w: Option<usize>,
    pub level_w: Option<usize>,
}

/// What an overdue amount's width depends on besides its size: the first
/// currency, the sign and the number of amounts (`fmt::first_money`).
type WidthKind = (Option<Currency>, bool, usize);

impl Summary {
    fn of(actions: &[Chase]) -> Summary {
        let mut s = Summary::default();
        // An amount's text is wider the larger it is (two decimals, and its
        // currency and the count of other currencies after it): per
        // currency, sign and count, only the largest can be the widest.
        let mut widest: Vec<(WidthKind, &Chase)> = Vec::new();
        let mut levels: Vec<(u8, &str)> = Vec::new();
        for a in actions {
            if let Some(k) = ActionKind::ALL.iter().position(|k| *k == a.kind) {
                s.by_kind[k] += 1;
            }
            for m in &a.overdue {
                s.overdue.add(*m);
            }
            let first = a.overdue.first();
            let key = (first.map(|m| m.currency), first.is_some_and(|m| m.amount.is_sign_negative()), a.overdue.len());
            let size = |a: &Chase| a.overdue.first().map(|m| m.amount.abs());
            match widest.iter_mut().find(|(k, _)| *k == key) {
                Some((_, w)) => {
                    if size(a) > size(w) {
                        *w = a;
                    }
                }
                None => widest.push((key, a)),
            }
            if !levels.contains(&(a.level, a.level_name.as_str())) {
                levels.push((a.level, a.level_name.as_str()));
            }
        }
        s.amount_w = widest.iter().map(|(_, a)| crate::text::width(&fmt::first_money(&a.overdue))).max();
        s.level_w = levels.iter().map(|(l, name)| crate::text::width(&format!("{l} {name}"))).max();
        s
    }

    fn count(&self, kind: ActionKind) -> usize {
        ActionKind::ALL.iter().position(|k| *k == kind).map_or(0, |k| self.by_kind[k])
    }
}

impl Screen for Today {
    fn title(&self, _app: &App) -> String {
        "Today".into()
    }

    fn section(&self) -> Section {
        Section::List
    }

    fn commands(&self, _app: &App) -> Vec<Hint> {
        let h = vec![
            hint(Action::Enter, "open"),
            hint(Action::Filter, "filter"),
            hint(Action::Mine, if self.mine { "everyone" } else { "mine" }),
            hint(Action::Remind, if self.marked.is_empty() { "remind" } else { "remind marked" }),
            hint(Action::Mark, "mark"),
        ];
        super::with_next_match(h, &self.filter)
    }

    fn refresh(&mut self, cx: &Cx) {
        let f = &self.filter;
        let m = cx.model;
        self.rows = (0..m.actions.len())
            .filter(|&i| {
                let a = &m.actions[i];
                let owned = !self.mine || cx.book.client(&a.client_id).is_some_and(|c| c.owner == cx.me);
                owned && (f.is_empty() || fuzzy_match(f, &a.client_name) || fuzzy_match(f, &a.client_id))
            })
            .collect();
        self.list.clamp(self.rows.len());
        self.summary = Summary::of(&m.actions);
        // A mark lasts while the account is on the list (a sent reminder moves it off).
        self.marked.retain(|id| m.actions.iter().any(|a| &a.client_id == id));
        self.done.clear();
        let today = cx.model.today;
        for n in cx.book.notes().iter().filter(|n| n.date == today) {
            if !n.kind.is_contact() || n.reverses.is_some() || cx.model.reversed.contains(&n.id) {
                continue;
            }
            match self.done.iter_mut().find(|(k, _)| *k == n.kind) {
                Some((_, c)) => *c += 1,
                None => self.done.push((n.kind, 1)),
            }
        }
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome {
        match action {
            Action::Enter => cx.focus.map_or(Outcome::Done, |c| Outcome::Open(View::Client(c))),
            Action::Mark => {
                let Some(a) = self.rows.get(self.list.selected).map(|&i| &cx.model.actions[i]) else {
                    return Outcome::Done;
                };
                if !self.marked.remove(&a.client_id) {
                    self.marked.insert(a.client_id.clone());
                }
                self.list.step(1, self.rows.len());
                Outcome::Done
            }
            Action::Mine => {
                self.mine = !self.mine;
                self.list.selected = 0;
                self.refresh(cx);
                Outcome::Done
            }
            _ => list_moves(&mut self.list, self.rows.len(), action, cx, !self.filter.is_empty()),
        }
    }

    super::filtered_list!();

    fn focus(&self, app: &App) -> Option<usize> {
        let m = &app.model;
        self.rows.get(self.list.selected).and_then(|&i| app.book().client_index(&m.actions[i].client_id))
    }

    fn side(&self, app: &App) -> Side {
        app.focus.map_or(Side::None, Side::Client)
    }

    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
        draw(self, app, area, buf, wide)
    }
}

const COLS: [ColSpec; 5] = [
    col("Action", 12, false, 0),
    col("Client", 0, false, 0),
    col("Level", 17, false, 1),
    col("Overdue", 17, true, 0),
    col("Days", 4, true, 0),
];

fn draw(s: &Today, app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
    let t = &app.theme;
    let m = &app.model;
    // Header: the day, counts per kind, overdue totals.
    let kinds = [ActionKind::Reminder, ActionKind::Call, ActionKind::Escalation];
    let mut spans = vec![
        Span::styled(app.today().format("%A %e %B %Y").to_string(), t.style(Role::Title)),
        Span::styled(format!(" · {} to chase: ", m.actions.len()), t.style(Role::Muted)),
    ];
    for (i, k) in kinds.iter().enumerate() {
        let n = s.summary.count(*k);
        if i > 0 {
            spans.push(Span::styled(", ", t.style(Role::Muted)));
        }
        spans.push(Span::styled(format!("{n} {}", k.as_str()), t.style(fmt::kind_role(*k))));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    if area.height < 4 {
        return;
    }
    // Every currency stays: the totals wrap onto a second row when needed.
    let overdue = Line::from(vec![
        Span::styled("overdue on the list: ", t.style(Role::Muted)),
        Span::styled(fmt::totals(&s.summary.overdue), t.style(Role::Text)),
    ]);
    let rows = (overdue.width().div_ceil(usize::from(area.width.max(1))) as u16).clamp(1, 2);
    Paragraph::new(overdue).wrap(Wrap { trim: true }).render(Rect { y: area.y + 1, height: rows, ..area }, buf);
    let mut top = 1 + rows;
    // The day's progress, when the list keeps room for itself.
    if area.height >= 16 {
        let p = progress(s, app);
        let h = (p.width().div_ceil(usize::from(area.width.max(1))) as u16).clamp(1, 2);
        Paragraph::new(p).wrap(Wrap { trim: true }).render(Rect { y: area.y + top, height: h, ..area }, buf);
        top += h;
    }
    let top = top.min(area.height);

    let rest = Rect { y: area.y + top, height: area.height - top, ..area };
    crate::tui::ui::list_screen(app, rest, buf, wide, &|r, b| draw_list(s, app, r, b, wide));
}

/// The list of actions and the why line of the selected one.
fn draw_list(s: &Today, app: &App, list: Rect, buf: &mut Buffer, wide: bool) {
    let t = &app.theme;
    let m = &app.model;
    // The why line of the selected action sits under the list.
    // Not when the client's pane is beside the list: its "next" line says
    // the same, and repeating it costs bytes on every move.
    let why_h = if list.height > 8 && !wide { 3 } else { 0 };
    let table_area = Rect { height: list.height.saturating_sub(1 + why_h), y: list.y + 1, ..list };
    let filter = super::filter_fact(&s.filter);
    let ui = crate::tui::ui::title;
    let whose = if s.mine { format!("mine ({})", crate::text::sanitize(&app.me)) } else { String::new() };
    let marked = if s.marked.is_empty() { String::new() } else { format!("{} marked", s.marked.len()) };
    ui(app, list, buf, "Today", &[crate::tui::ui::position(s.list.selected, s.rows.len()), filter, whose, marked]);
    let empty = if m.actions.is_empty() {
        "Nothing to chase today: no client needs a reminder, a call or an escalation."
    } else {
        "No action matches the filter (Esc clears it)."
    };
    // The Overdue column is as wide as its widest amount (never cut, and no
    // wider), and spare width goes to the Level column first, up to its
    // longest name (the client column keeps at least 24), so "Collection
    // agency" reads whole at 120 columns beside the client pane too.
    let mut cols = COLS.to_vec();
    if let Some(aw) = s.summary.amount_w {
        cols[3].width = (aw as u16).max(crate::text::width(cols[3].title) as u16);
    }
    let fixed: u16 = cols.iter().map(|c| c.width + 1).sum();
    let spare = table_area.width.saturating_sub(fixed + 24);
    if let Some(lw) = s.summary.level_w {
        cols[2].width += (lw as u16).saturating_sub(cols[2].width).min(spare);
    }
    table::draw(buf, table_area, t, &cols, 14, &s.list, s.rows.len(), true, empty, &|i| {
        let a = &m.actions[s.rows[i]];
        // A marked row shows ✓ in place of its kind's sign.
        let marker = fmt::kind_marker(a.kind);
        let marker = if s.marked.contains(&a.client_id) { format!("✓{}", &marker[1..]) } else { marker.to_string() };
        vec![
            (marker, t.style(fmt::kind_role(a.kind))),
            (a.client_name.clone(), t.style(Role::Text)),
            // Plain like its neighbours: a row that changes look less often
            // costs fewer bytes when the selection moves over it.
            (format!("{} {}", a.level, a.level_name), t.style(Role::Text)),
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

/// "done today 3 (2 call, 1 email) · still to do 13 (…)": contacts logged
/// today (not undone), and the day's list by action.
fn progress(s: &Today, app: &App) -> Line<'static> {
    let t = &app.theme;
    let done = &s.done;
    let n_done: usize = done.iter().map(|(_, c)| c).sum();
    let done_by: Vec<String> = done.iter().map(|(k, c)| format!("{c} {}", k.as_str())).collect();
    let m = &app.model;
    let kinds = [ActionKind::Reminder, ActionKind::Call, ActionKind::Escalation, ActionKind::ApplyCredit];
    let to_do: Vec<String> = kinds
        .iter()
        .map(|k| (k, s.summary.count(*k)))
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| format!("{c} {}", k.as_str()))
        .collect();
    let mut spans =
        vec![Span::styled("done today ", t.style(Role::Muted)), Span::styled(n_done.to_string(), t.style(Role::Ok))];
    if !done_by.is_empty() {
        spans.push(Span::styled(format!(" ({})", done_by.join(", ")), t.style(Role::Muted)));
    }
    spans.push(Span::styled(" · still to do ", t.style(Role::Muted)));
    spans.push(Span::styled(m.actions.len().to_string(), t.style(Role::Text)));
    if !to_do.is_empty() {
        spans.push(Span::styled(format!(" ({})", to_do.join(", ")), t.style(Role::Muted)));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use rust_decimal::Decimal;

    fn chase(level: u8, name: &str, overdue: Vec<Money>) -> Chase {
        Chase {
            client_id: "C1".into(),
            client_name: "x".into(),
            kind: ActionKind::Reminder,
            level,
            level_name: name.into(),
            overdue,
            days_overdue: 1,
            invoices: vec![],
            reason: String::new(),
            score: Decimal::ZERO,
        }
    }

    /// The widths worked out from the largest amount of each kind are those
    /// of the widest action of all, on every stretch of a list mixing signs,
    /// currencies, rounding edges and other currencies after the first.
    #[test]
    fn the_widest_amount_and_level_are_the_widest_of_every_action() {
        let amounts = [
            "0",
            "0.004",
            "-0.004",
            "0.005",
            "9.995",
            "99.994",
            "999.995",
            "-999.995",
            "1000",
            "-3",
            "123456.78",
            "99999.999",
            "-1000000",
        ];
        let mut list = vec![chase(0, "Broken promise", vec![])];
        for (i, a) in amounts.iter().enumerate() {
            for (j, cur) in [Currency::USD, Currency::EUR].into_iter().enumerate() {
                let mut overdue = vec![Money::new(a.parse().unwrap(), cur)];
                overdue.extend((0..(i + j) % 3).map(|_| Money::new(Decimal::ONE, Currency::GBP)));
                list.push(chase((i % 4) as u8 + 1, ["First", "Second reminder", "Call", "Final"][i % 4], overdue));
            }
        }
        for from in 0..list.len() {
            for to in from..=list.len() {
                let part = &list[from..to];
                let s = Summary::of(part);
                let amount_w = part.iter().map(|a| crate::text::width(&fmt::first_money(&a.overdue))).max();
                let level_w = part.iter().map(|a| crate::text::width(&format!("{} {}", a.level, a.level_name))).max();
                assert_eq!((s.amount_w, s.level_w), (amount_w, level_w), "actions {from}..{to}");
            }
        }
    }
}
