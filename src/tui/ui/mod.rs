//! Drawing the frame: `impl Widget for &App` renders every frame from
//! borrowed state (nothing is cloned or recomputed per frame beyond the
//! visible rows). The body is the current screen's own drawing
//! (`screens`); this module draws what they share: the tab bar, the
//! detail pane beside a list, the form, the status line and help.
//!
//! Layout: a tab bar, the body, and one status line. At [`WIDE`] columns
//! and more the body shows a list and its detail side by side; below
//! [`MIN_W`]×[`MIN_H`] a clear "too small" message replaces everything.

pub mod detail;
pub mod fmt;
pub mod table;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::action::Action;
use super::app::{App, Side, Status};
use super::keymap::{Group, Section};
use super::screens::{self, Hint};
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
        self.screen().draw(self, body, buf, wide);
        if let Some(form) = &self.form {
            draw_form(self, form, body, buf);
        }
        if let Some(p) = &self.remind.preview {
            screens::remind::draw(self, p, body, buf);
        }
        status_line(self, bottom, buf);
        if self.help {
            help(self, area, buf);
        }
    }
}

/// Draws a screen's list into an area.
pub type DrawList<'a> = &'a dyn Fn(Rect, &mut Buffer);

/// The logging form, docked at the bottom of the body over the list, so the
/// selection it was opened on stays in view above it.
fn draw_form(app: &App, form: &super::entry::Form, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let w = body.width.min(100);
    let h = form.height(w).min(body.height);
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
            draw_list(area, buf);
        }
        return;
    }
    // The list keeps the 80 columns it has in a narrow terminal (its
    // columns are laid out for that), and more as the terminal grows; the
    // detail gets the rest.
    let list_w = (area.width * 55 / 100).max(80).min(area.width.saturating_sub(40));
    let [l, rule_area, r] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Length(1), Constraint::Min(20)]).areas(area);
    draw_list(l, buf);
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
        Side::Note(i) => screens::notes::note_full(app, &app.theme, &app.book().notes()[i], area, buf, scroll),
        Side::Book => screens::aging::book_summary(app, area, buf),
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
    let date = format!(" {} ", app.today().format("%a %Y-%m-%d"));
    let date_w = crate::text::width(&date);
    // Padded tabs when they leave room for the date, else tighter ones.
    let line = |pad: &str| {
        let mut spans = vec![Span::styled(" dun ", t.style(Role::Title))];
        for info in &screens::TABS {
            let tab = info.tab;
            let key = app.keymap.first_label(Action::Jump(tab));
            let title = app.screens.tab(tab).title(app);
            let label = if key.is_empty() { format!("{pad}{title}{pad}") } else { format!("{pad}{key} {title}{pad}") };
            let style = if tab == app.tab { t.style(Role::TabActive) } else { t.style(Role::Tab) };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(label, style));
        }
        Line::from(spans)
    };
    let mut tabs = line(" ");
    if tabs.width() + date_w >= usize::from(area.width) {
        tabs = line("");
    }
    buf.set_line(area.x, area.y, &tabs, area.width);
    let w = date_w as u16;
    if tabs.width() as u16 + w < area.width {
        buf.set_string(area.x + area.width - w, area.y, &date, t.style(Role::Header));
    }
}

/// The hints for the current view: the screen's own keys (or the detail
/// pane's), then the way back, help and quit.
fn hints(app: &App) -> Vec<Hint> {
    let has_side = !matches!(app.side(), Side::None);
    let mut h = if app.in_detail() {
        let mut h = match app.side() {
            Side::Client(_) => screens::Screen::commands(&app.screens.detail, app),
            Side::None | Side::Book | Side::Invoice(_) | Side::Note(_) => vec![screens::hint(Action::Down, "scroll")],
        };
        h.push(screens::hint(Action::NextPane, "back to the list"));
        h
    } else {
        app.screen().commands(app)
    };
    // The logging keys of the day's work, wherever a client is in focus.
    if app.focus.is_some() && (app.in_detail() || app.screen().logs()) {
        h.extend([
            screens::hint(Action::LogCall, "call"),
            screens::hint(Action::Promise, "promise"),
            screens::hint(Action::Payment, "pay"),
            screens::hint(Action::Done, "done"),
            screens::hint(Action::Dispute, "dispute"),
        ]);
    }
    if has_side && !app.in_detail() {
        h.push(screens::hint(Action::NextPane, "detail"));
    }
    if !app.back.is_empty() && !h.iter().any(|x| x.action == Action::Back) {
        h.push(screens::hint(Action::Back, "back"));
    }
    h.extend([screens::hint(Action::Help, "help"), screens::hint(Action::Quit, "quit")]);
    h
}

fn status_line(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let line = if let Some(c) = &app.confirm {
        // The question always ends in "? y/n", however long the name.
        let q = c.question();
        let q = if crate::text::width(&q) > usize::from(area.width) {
            let what = crate::text::truncate(&c.what, usize::from(area.width).saturating_sub(6));
            format!("{what}? y/n")
        } else {
            q
        };
        Line::from(Span::styled(q, t.style(Role::Key)))
    } else if let Some(p) = &app.picker {
        let (head, items, tail) = p.line(usize::from(area.width));
        let mut spans = vec![Span::styled(head, t.style(Role::Key))];
        for (label, chosen) in items {
            spans.push(Span::raw(" "));
            let shown = if chosen { format!("[{label}]") } else { format!(" {label} ") };
            spans.push(Span::styled(shown, t.style(if chosen { Role::Selection } else { Role::Text })));
        }
        spans.push(Span::styled(tail, t.style(Role::Muted)));
        Line::from(spans)
    } else if app.remind.preview.is_some() && app.status.is_none() {
        screens::remind::hint_line(app)
    } else if app.form.is_some() && app.status.is_none() {
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
        let section = app.section();
        // How long a hint stays as the line gets short: quit and the
        // screen's other keys go first (last first), then the logging keys;
        // the screen's main key, the pane and back stay, and help always,
        // so every other key can be found.
        let rank = |i: usize, a: Action| match a {
            Action::Help => 3,
            _ if i == 0 => 2,
            Action::NextPane | Action::Back => 2,
            Action::LogCall | Action::Promise | Action::Payment | Action::Done | Action::Dispute => 1,
            _ => 0,
        };
        let mut items: Vec<(String, &'static str, u8)> = hints(app)
            .into_iter()
            .enumerate()
            .filter_map(|(i, Hint { action, label })| {
                let key = app.keymap.label_in(section, action);
                (!key.is_empty()).then_some((key, label, rank(i, action)))
            })
            .collect();
        let prefix = if app.filter().is_empty() {
            String::new()
        } else {
            format!("filter: {}  ", crate::text::sanitize(app.filter()))
        };
        let width = |items: &[(String, &str, u8)]| {
            crate::text::width(&prefix)
                + items.iter().map(|(k, l, _)| crate::text::width(k) + 1 + crate::text::width(l)).sum::<usize>()
                + 2 * items.len().saturating_sub(1)
        };
        while width(&items) > usize::from(area.width) {
            let low = items.iter().map(|x| x.2).filter(|&r| r < 3).min();
            match low.and_then(|low| items.iter().rposition(|x| x.2 == low)) {
                Some(i) => {
                    items.remove(i);
                }
                None => break,
            }
        }
        let mut spans = Vec::new();
        if !prefix.is_empty() {
            spans.push(Span::styled(prefix, t.style(Role::Key)));
        }
        for (i, (key, label, _)) in items.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled("  ", t.style(Role::Muted)));
            }
            spans.push(Span::styled(key, t.style(Role::Key)));
            spans.push(Span::styled(format!(" {label}"), t.style(Role::Muted)));
        }
        Line::from(spans)
    };
    buf.set_line(area.x, area.y, &line, area.width);
}

/// The lines of help for where the user is: navigation, logging, and this
/// screen's own keys, each with the keys that work here.
pub fn help_sections(app: &App) -> Vec<(String, Vec<(String, String)>)> {
    let km = &app.keymap;
    let section = app.section();
    let owned = |v: Vec<(String, &'static str)>| v.into_iter().map(|(k, d)| (k, d.to_string())).collect::<Vec<_>>();
    let nav = owned(km.group_lines(section, |b| b.group == Group::Navigation));
    let log = owned(km.group_lines(section, |b| b.group == Group::Logging));
    let mut own: Vec<(String, String)> = Vec::new();
    let commands = if app.remind.preview.is_some() {
        // The preview has the keys: its own section says them all.
        vec![]
    } else if app.in_detail() {
        match app.side() {
            Side::Client(_) => screens::Screen::commands(&app.screens.detail, app),
            Side::None | Side::Book | Side::Invoice(_) | Side::Note(_) => vec![],
        }
    } else {
        app.screen().commands(app)
    };
    for b in super::keymap::bindables().filter(|b| b.group == Group::Screen && b.section == section) {
        let keys: Vec<String> = km.keys_in(section, b.action).iter().map(|k| k.label()).collect();
        let keys = if keys.is_empty() { "(unbound)".to_string() } else { keys.join(" ") };
        own.push((keys, b.desc.to_string()));
    }
    for c in commands {
        if own.iter().any(|(_, d)| d == c.label) {
            continue;
        }
        let keys: Vec<String> = km.keys_in(section, c.action).iter().map(|k| k.label()).collect();
        if !keys.is_empty() && !nav.iter().chain(log.iter()).any(|(k, d)| *k == keys.join(" ") && d == c.label) {
            own.push((keys.join(" "), c.label.to_string()));
        }
    }
    let here = if app.remind.preview.is_some() {
        "the message preview".to_string()
    } else if app.in_detail() {
        "the detail pane".to_string()
    } else {
        let t = app.screen().title(app);
        if t.is_empty() {
            "this screen".into()
        } else {
            format!("this screen ({})", crate::text::sanitize(&t))
        }
    };
    let mut out = vec![("Navigation".to_string(), nav), ("Logging".to_string(), log)];
    if section != Section::Global && !own.is_empty() {
        out.push((format!("Keys of {here}"), own));
    }
    out
}

/// The help overlay: the keys in force, grouped (navigation, logging, this
/// screen); long descriptions wrap, and the move keys scroll.
fn help(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let sections = help_sections(app);
    let key_w =
        sections.iter().flat_map(|(_, l)| l.iter()).map(|(k, _)| crate::text::width(k)).max().unwrap_or(4).min(16);
    let w = area.width.saturating_sub(4).min(100);
    let h = area.height.saturating_sub(2);
    let rect = Rect { x: area.x + (area.width - w) / 2, y: area.y + 1, width: w, height: h };
    Clear.render(rect, buf);
    let inner_w = usize::from(w.saturating_sub(2));
    let desc_w = inner_w.saturating_sub(key_w + 2).max(8);
    let mut text: Vec<Line> = Vec::new();
    for (title, lines) in &sections {
        if !text.is_empty() {
            text.push(Line::from(""));
        }
        text.push(Line::from(Span::styled(title.clone(), t.style(Role::Header))));
        for (k, d) in lines {
            // Descriptions wrap under themselves, never cut.
            let wrapped = textwrap_words(d, desc_w);
            for (i, part) in wrapped.into_iter().enumerate() {
                let key = if i == 0 { crate::text::pad_right(k, key_w) } else { " ".repeat(key_w) };
                text.push(Line::from(vec![
                    Span::styled(key, t.style(Role::Key)),
                    Span::raw("  "),
                    Span::styled(part, t.style(Role::Text)),
                ]));
            }
        }
    }
    let visible = usize::from(h.saturating_sub(2));
    let max_scroll = text.len().saturating_sub(visible) as u16;
    let scroll = app.help_scroll.min(max_scroll);
    let more = if max_scroll > scroll { " · j/k scroll" } else { "" };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(format!(" keys here (any other key closes){more} "), t.style(Role::Title)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    Paragraph::new(text).scroll((scroll, 0)).render(inner, buf);
}

/// Splits `s` into lines of at most `width` columns at spaces (a word
/// longer than the line is cut into pieces, never dropped).
pub fn textwrap_words(s: &str, width: usize) -> Vec<String> {
    use crate::text::width as w;
    let width = width.max(1);
    let mut out = vec![String::new()];
    for word in s.split(' ').filter(|x| !x.is_empty()) {
        let cur = out.last_mut().expect("one line at least");
        let sep = usize::from(!cur.is_empty());
        if w(cur) + sep + w(word) <= width {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
        } else if w(word) <= width {
            out.push(word.to_string());
        } else {
            if !cur.is_empty() {
                out.push(String::new());
            }
            for ch in word.chars() {
                let line = out.last_mut().expect("one line at least");
                if w(line) + w(ch.encode_utf8(&mut [0; 4])) > width && !line.is_empty() {
                    out.push(String::new());
                }
                out.last_mut().expect("one line at least").push(ch);
            }
        }
    }
    out
}
