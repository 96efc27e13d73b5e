//! Drawing: `impl Widget for &App` renders every frame from borrowed state
//! (nothing is cloned or recomputed per frame beyond the visible rows).
//!
//! Layout: a tab bar, the body, and one status line. At [`WIDE`] columns
//! and more the body shows a list and its detail side by side; below
//! [`MIN_W`]×[`MIN_H`] a clear "too small" message replaces everything.

mod aging;
mod clients;
mod detail;
pub mod fmt;
mod invoices;
mod notes;
pub mod table;
mod today;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::action::{Action, Tab};
use super::app::{App, Side, Status, View};
use super::theme::Role;

pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 15;
/// From this width on, lists show their detail beside them.
pub const WIDE: u16 = 120;

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_W || area.height < MIN_H {
            too_small(self, area, buf);
            return;
        }
        let [top, body, bottom] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
        tab_bar(self, top, buf);
        let wide = area.width >= WIDE;
        match self.view {
            View::Tab(Tab::Today) => today::draw(self, body, buf, wide),
            View::Tab(Tab::Clients) => list_screen(self, body, buf, wide, clients::draw_list),
            View::Tab(Tab::Invoices) => list_screen(self, body, buf, wide, invoices::draw_list),
            View::Tab(Tab::Aging) => list_screen(self, body, buf, wide, aging::draw_list),
            View::Tab(Tab::Notes) => list_screen(self, body, buf, wide, notes::draw_list),
            View::Client(c) => detail::client(self, c, body, buf, wide, true),
            View::Invoice(r) => detail::invoice(self, r, body, buf, 0),
        }
        if let Some(form) = &self.form {
            draw_form(self, form, body, buf);
        }
        status_line(self, bottom, buf);
        if self.help {
            help(self, area, buf);
        }
    }
}

type DrawList = fn(&App, Rect, &mut Buffer, bool);

/// The logging form, docked at the bottom of the body over the list, so the
/// selection it was opened on stays in view above it.
fn draw_form(app: &App, form: &super::entry::Form, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let h = form.height().min(body.height);
    let w = body.width.min(100);
    let area = Rect::new(body.x, body.y + body.height - h, w, h);
    let styles = super::entry::FormStyles {
        border: t.style(Role::Key),
        label: t.style(Role::Header),
        focus: t.style(Role::Key),
        picked: t.style(Role::Selection),
        error: t.style(Role::Error),
        muted: t.style(Role::Muted),
    };
    form.render(area, buf, &styles);
}

/// A list screen: the list and the detail of its selection, side by side
/// when wide, else whichever pane has the keys (Tab switches).
pub fn list_screen(app: &App, area: Rect, buf: &mut Buffer, wide: bool, draw_list: DrawList) {
    if !wide {
        if app.in_detail() {
            draw_side(app, area, buf);
        } else {
            draw_list(app, area, buf, wide);
        }
        return;
    }
    // The list keeps the 80 columns it has in a narrow terminal (its
    // columns are laid out for that), and more as the terminal grows; the
    // detail gets the rest.
    let list_w = (area.width * 55 / 100).max(80).min(area.width.saturating_sub(40));
    let [l, rule_area, r] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Length(1), Constraint::Min(20)]).areas(area);
    draw_list(app, l, buf, wide);
    // The rule lights up on the side that has the keys.
    let (sym, style) =
        if app.in_detail() { ("┃", app.theme.style(Role::Key)) } else { ("│", app.theme.style(Role::Border)) };
    for y in rule_area.y..rule_area.y + rule_area.height {
        buf.set_string(rule_area.x, y, sym, style);
    }
    draw_side(app, r, buf);
}

/// The detail of the current selection.
fn draw_side(app: &App, area: Rect, buf: &mut Buffer) {
    let focused = app.in_detail();
    let scroll = if focused { app.detail_scroll } else { 0 };
    match app.side() {
        Side::Client(c) => detail::client(app, c, area, buf, false, focused),
        Side::Invoice(r) => detail::invoice(app, r, area, buf, scroll),
        Side::Note(i) => notes::note_full(app, &app.theme, &app.book().notes()[i], area, buf, scroll),
        Side::Book => aging::book_summary(app, area, buf),
        Side::None => title(app, area, buf, "Nothing selected", &[]),
    }
}

/// A pane's title line: bold title, then muted facts.
pub fn title(app: &App, area: Rect, buf: &mut Buffer, title: &str, facts: &[String]) {
    let mut spans = vec![Span::styled(crate::text::sanitize(title).into_owned(), app.theme.style(Role::Title))];
    for f in facts.iter().filter(|f| !f.is_empty()) {
        spans.push(Span::styled(" · ", app.theme.style(Role::Muted)));
        spans.push(Span::styled(crate::text::sanitize(f).into_owned(), app.theme.style(Role::Muted)));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// "12/340" for the title of a long list.
pub fn position(selected: usize, len: usize) -> String {
    if len == 0 {
        "0".into()
    } else {
        format!("{}/{}", selected + 1, len)
    }
}

fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let msg = format!("terminal too small ({}×{}), need at least {MIN_W}×{MIN_H}", area.width, area.height);
    let p = Paragraph::new(msg).style(app.theme.style(Role::Error)).wrap(Wrap { trim: true });
    let y = area.y + area.height / 2;
    let h = area.height.saturating_sub(area.height / 2).min(3);
    p.render(Rect { x: area.x, y, width: area.width, height: h }, buf);
}

fn tab_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" dun ", t.style(Role::Title))];
    for tab in Tab::ALL {
        let key = app.keymap.first_label(Action::Jump(tab));
        let label = if key.is_empty() { format!(" {} ", tab.title()) } else { format!(" {key} {} ", tab.title()) };
        let style = if tab == app.tab { t.style(Role::TabActive) } else { t.style(Role::Tab) };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(label, style));
    }
    let line = Line::from(spans);
    buf.set_line(area.x, area.y, &line, area.width);
    let date = format!(" {} ", app.today().format("%a %Y-%m-%d"));
    let w = crate::text::width(&date) as u16;
    if line.width() as u16 + w < area.width {
        buf.set_string(area.x + area.width - w, area.y, &date, t.style(Role::Header));
    }
}

/// The hints for the current view: (action, label), first key in force.
fn hints(app: &App) -> Vec<(Action, &'static str)> {
    let has_side = !matches!(app.side(), Side::None | Side::Book);
    let mut h = if app.in_detail() {
        let mut h = vec![];
        if let Side::Client(_) = app.side() {
            h.extend([(Action::Down, "invoices"), (Action::Enter, "open invoice"), (Action::CopyEmail, "copy email")]);
        } else {
            h.push((Action::Down, "scroll"));
        }
        h.push((Action::NextPane, "back to the list"));
        h
    } else {
        match app.view {
            View::Tab(Tab::Today) => vec![(Action::Enter, "open"), (Action::Filter, "filter")],
            View::Tab(Tab::Clients) => vec![
                (Action::Enter, "open"),
                (Action::Filter, "filter"),
                (Action::Sort, "sort"),
                (Action::ReverseSort, "reverse"),
                (Action::CopyEmail, "copy email"),
            ],
            View::Tab(Tab::Invoices) => vec![
                (Action::Enter, "open"),
                (Action::CycleStatus, "status"),
                (Action::ToggleScope, "client/book"),
                (Action::Filter, "filter"),
            ],
            View::Tab(Tab::Aging) => {
                vec![(Action::Right, "bucket"), (Action::Enter, "invoices"), (Action::Filter, "filter")]
            }
            View::Tab(Tab::Notes) => {
                vec![(Action::Enter, "client"), (Action::ToggleScope, "client/book"), (Action::Filter, "filter")]
            }
            View::Client(_) => vec![
                (Action::Enter, "invoice"),
                (Action::CopyEmail, "copy email"),
                (Action::CopyPhone, "copy phone"),
                (Action::Back, "back"),
            ],
            View::Invoice(_) => vec![(Action::Enter, "client"), (Action::Back, "back")],
        }
    };
    if has_side && !app.in_detail() {
        h.push((Action::NextPane, "detail"));
    }
    if !app.back.is_empty() && !h.iter().any(|(a, _)| *a == Action::Back) {
        h.push((Action::Back, "back"));
    }
    h.extend([(Action::Help, "help"), (Action::Quit, "quit")]);
    h
}

fn status_line(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let line = if app.form.is_some() && app.status.is_none() {
        Line::from(Span::styled(
            "enter save · esc cancel · tab next field · ctrl-x edit in $EDITOR",
            t.style(Role::Muted),
        ))
    } else if let Some(input) = &app.filter_input {
        let mut spans = vec![Span::styled("/", t.style(Role::Key))];
        spans.extend(input.spans(t.style(Role::Text)));
        spans.push(Span::styled("  enter keeps · esc clears", t.style(Role::Muted)));
        Line::from(spans)
    } else if let Some(s) = &app.status {
        match s {
            Status::Info(m) => Line::from(Span::styled(crate::text::sanitize(m).into_owned(), t.style(Role::Ok))),
            Status::Error(m) => Line::from(Span::styled(crate::text::sanitize(m).into_owned(), t.style(Role::Error))),
        }
    } else {
        let mut spans = Vec::new();
        for (a, label) in hints(app) {
            let key = app.keymap.first_label(a);
            if key.is_empty() {
                continue;
            }
            if !spans.is_empty() {
                spans.push(Span::styled("  ", t.style(Role::Muted)));
            }
            spans.push(Span::styled(key, t.style(Role::Key)));
            spans.push(Span::styled(format!(" {label}"), t.style(Role::Muted)));
        }
        if !app.filter().is_empty() {
            spans.insert(
                0,
                Span::styled(format!("filter: {}  ", crate::text::sanitize(app.filter())), t.style(Role::Key)),
            );
        }
        Line::from(spans)
    };
    buf.set_line(area.x, area.y, &line, area.width);
}

/// The help overlay: every action with the keys bound to it now, in two
/// columns when they fit, scrollable with the move keys otherwise.
fn help(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let lines = app.keymap.help_lines();
    let key_w = lines.iter().map(|(k, _)| crate::text::width(k)).max().unwrap_or(4).min(16);
    let desc_w = lines.iter().map(|(_, d)| crate::text::width(d)).max().unwrap_or(10);
    let max_w = area.width.saturating_sub(4);
    let h = area.height.saturating_sub(2);
    let inner_max = usize::from(max_w.saturating_sub(2));
    // Two columns when one would not fit the height and each column still
    // gets at least 14 columns of description.
    let half = inner_max.saturating_sub(2) / 2;
    let desc_w = if half >= key_w + 2 + 14 { desc_w.min(half - key_w - 2) } else { desc_w };
    let entry_w = key_w + 2 + desc_w;
    let two = inner_max >= 2 * entry_w + 2 && lines.len() > usize::from(h.saturating_sub(2));
    let rows = if two { lines.len().div_ceil(2) } else { lines.len() };
    // As wide as the content (and the title), no wider.
    let content_w = if two { 2 * entry_w + 2 } else { entry_w } + 2;
    let w = (content_w.max(48) as u16).min(max_w);
    let rect = Rect { x: area.x + (area.width - w) / 2, y: area.y + 1, width: w, height: h };
    Clear.render(rect, buf);
    let visible = usize::from(h.saturating_sub(2));
    let max_scroll = rows.saturating_sub(visible) as u16;
    let scroll = app.help_scroll.min(max_scroll);
    let more = if max_scroll > scroll { " · j/k scroll, more below" } else { "" };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(format!(" keys in force (any other key closes){more} "), t.style(Role::Title)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let entry = |i: usize| -> Vec<Span> {
        match lines.get(i) {
            Some((k, d)) => vec![
                Span::styled(crate::text::pad_right(k, key_w), t.style(Role::Key)),
                Span::raw("  "),
                Span::styled(crate::text::pad_right(d, desc_w), t.style(Role::Text)),
            ],
            None => vec![],
        }
    };
    let text: Vec<Line> = (0..rows)
        .map(|r| {
            let mut spans = entry(r);
            if two {
                spans.push(Span::raw("  "));
                spans.extend(entry(r + rows));
            }
            Line::from(spans)
        })
        .collect();
    Paragraph::new(text).scroll((scroll, 0)).render(inner, buf);
}
