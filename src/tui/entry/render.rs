//! Drawing a form: a small bordered panel, one line per field, the error or
//! the focused field's hint on the last line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::Form;
use crate::text;

/// The styles a form uses; the interface fills them from its theme. The
/// defaults work without colour (NO_COLOR, monochrome).
#[derive(Clone, Copy, Debug)]
pub struct FormStyles {
    pub border: Style,
    pub label: Style,
    pub focus: Style,
    pub picked: Style,
    pub error: Style,
    pub muted: Style,
}

impl Default for FormStyles {
    fn default() -> Self {
        FormStyles {
            border: Style::default(),
            label: Style::default().add_modifier(Modifier::BOLD),
            focus: Style::default().add_modifier(Modifier::UNDERLINED),
            picked: Style::default().add_modifier(Modifier::REVERSED),
            error: Style::default().add_modifier(Modifier::BOLD),
            muted: Style::default().add_modifier(Modifier::DIM),
        }
    }
}

/// What the form's message line says, and how.
enum Message {
    Error(String),
    Preview(String),
    Warning(String),
    Hint(String),
}

impl Form {
    /// Rows the form needs at `width` columns: fields, the message (a long
    /// error wraps onto as many lines as it takes), and the border.
    pub fn height(&self, width: u16) -> u16 {
        self.fields.len() as u16 + self.message_lines(width.saturating_sub(2)).len().max(1) as u16 + 2
    }

    fn message(&self) -> Message {
        match (&self.error, self.preview(), self.over_balance()) {
            (Some(e), _, _) => Message::Error(format!("✗ {e}")),
            (None, Some(p), _) => Message::Preview(p),
            (None, None, Some(w)) => Message::Warning(w),
            (None, None, None) => Message::Hint(self.fields.get(self.focus).map(|f| f.hint).unwrap_or("").to_string()),
        }
    }

    /// The message wrapped at `width` columns, at spaces.
    fn message_lines(&self, width: u16) -> Vec<String> {
        let (Message::Error(m) | Message::Preview(m) | Message::Warning(m) | Message::Hint(m)) = self.message();
        crate::tui::ui::textwrap_words(&m, usize::from(width.max(1)))
    }

    /// Draws the form into `area`. The cursor is a reversed cell, so the
    /// form draws as a plain widget and the terminal's cursor stays hidden.
    pub fn render(&self, area: Rect, buf: &mut Buffer, st: &FormStyles) {
        Clear.render(area, buf);
        // The form names what it acts on: the invoice, then the client.
        let title = match &self.ctx.invoice {
            Some(n) => {
                format!(" {} {} · {} ", self.kind.title(), text::sanitize(n), text::sanitize(&self.ctx.client_name))
            }
            None => format!(" {} · {} ", self.kind.title(), text::sanitize(&self.ctx.client_name)),
        };
        let title = text::truncate(&title, area.width.saturating_sub(4) as usize);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(st.border)
            .title(Span::styled(title, st.label))
            .title_bottom(Line::from(Span::styled(" Enter save · Esc cancel · Tab next ", st.muted)));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.width < 10 || inner.height == 0 {
            return;
        }
        let label_w = self.fields.iter().map(|f| text::width(f.label)).max().unwrap_or(0) + 2;
        let value_w = (inner.width as usize).saturating_sub(label_w + 1);
        let mut lines = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let marker = if focused { "›" } else { " " };
            let mut spans = vec![Span::styled(
                format!("{marker}{}", text::pad_right(f.label, label_w - 1)),
                if focused { st.label.patch(st.focus) } else { st.label },
            )];
            if let Some(t) = f.text_field() {
                let (shown, col) = window(t.value(), t.cursor(), value_w);
                if focused {
                    let (before, at, after) = split_at_column(&shown, col);
                    spans.push(Span::raw(before));
                    spans.push(Span::styled(at, st.picked));
                    spans.push(Span::raw(after));
                } else {
                    spans.push(Span::raw(shown));
                }
            } else if let Some((options, picked)) = f.options() {
                for (k, (key, label)) in options.iter().enumerate() {
                    let style = if picked == Some(k) { st.picked } else { Style::default() };
                    spans.push(Span::styled(format!("[{key}] {label}"), style));
                    spans.push(Span::raw(" "));
                }
            }
            lines.push(Line::from(spans));
        }
        let style = match self.message() {
            Message::Error(_) | Message::Warning(_) => st.error,
            Message::Preview(_) => st.label,
            Message::Hint(_) => st.muted,
        };
        // The message wraps below the fields; when the terminal leaves
        // fewer rows than it needs, the last one shown ends in "…".
        let mut message = self.message_lines(inner.width);
        let room = usize::from(inner.height).saturating_sub(lines.len()).max(1);
        if message.len() > room {
            message.truncate(room);
            let last = message.last_mut().expect("room is at least one line");
            *last = text::truncate(&format!("{last} …"), usize::from(inner.width));
        }
        // With no room below the fields at all, the message takes the last
        // row: an error is never hidden behind the fields.
        let fields_h = (usize::from(inner.height).saturating_sub(message.len())) as u16;
        Paragraph::new(lines).render(Rect { height: fields_h, ..inner }, buf);
        let shown: Vec<Line> = message.into_iter().map(|m| Line::from(Span::styled(m, style))).collect();
        Paragraph::new(shown).render(Rect { y: inner.y + fields_h, height: inner.height - fields_h, ..inner }, buf);
    }
}

impl Form {
    /// A typed date, resolved as it is typed: "fri → Fri 04 Dec 2026".
    pub fn preview(&self) -> Option<String> {
        let f = self.fields.get(self.focus)?;
        let is_date = ["promise_date", "next", "until", "date"].contains(&f.name);
        let v = f.text_field()?.value().trim().to_string();
        if !is_date || v.is_empty() {
            return None;
        }
        let d = crate::domain::dates::parse_relative(&v, self.ctx.today).ok()?;
        Some(format!("{} → {}", text::sanitize(&v), d.format("%a %d %b %Y")))
    }

    /// A warning when a promise or payment is more than what is owed.
    pub fn over_balance(&self) -> Option<String> {
        let name = ["amount", "promise_amount"].into_iter().find(|n| self.field(n).is_some())?;
        let v = self.field(name)?.text_field()?.value().trim().to_string();
        let amount = crate::domain::money::parse_amount(&v).ok()?;
        let (owed, what) = match (self.ctx.invoice_balance, self.ctx.overdue) {
            (Some(b), _) => (b, "the invoice's balance"),
            (None, Some(o)) => (o, "the overdue total"),
            (None, None) => return None,
        };
        (amount > owed.amount).then(|| {
            format!(
                "⚠ {} is more than {what} ({} {})",
                crate::domain::money::format_amount(amount),
                crate::domain::money::format_amount(owed.amount),
                owed.currency
            )
        })
    }
}

/// Splits shown text at a display column: before, the cell at it (a space
/// past the end), after.
fn split_at_column(s: &str, col: usize) -> (String, String, String) {
    use unicode_width::UnicodeWidthChar;
    let mut before = String::new();
    let mut w = 0;
    let mut rest = s.chars();
    for c in rest.by_ref() {
        if w >= col {
            let after: String = rest.collect();
            return (before, c.to_string(), after);
        }
        w += c.width().unwrap_or(0);
        before.push(c);
    }
    (before, " ".to_string(), String::new())
}

/// The part of `text` to show in `width` columns, scrolled so the cursor
/// (a char index) is visible, and the cursor's column within it. Measured in
/// display columns, so CJK and emoji scroll correctly.
pub fn window(text: &str, cursor: usize, width: usize) -> (String, usize) {
    use unicode_width::UnicodeWidthChar;
    let chars: Vec<char> = text.chars().collect();
    let cursor = cursor.min(chars.len());
    let w = |c: &char| c.width().unwrap_or(0);
    let width = width.max(1);
    let mut start = cursor;
    let mut used = 1; // room for the cursor itself
    while start > 0 && used + w(&chars[start - 1]) <= width {
        start -= 1;
        used += w(&chars[start]);
    }
    let mut out = String::new();
    let mut cols = 0;
    let mut cursor_col = None;
    for (i, c) in chars.iter().enumerate().skip(start) {
        if i == cursor {
            cursor_col = Some(cols);
        }
        if cols + w(c) > width {
            break;
        }
        out.push(*c);
        cols += w(c);
    }
    let col = cursor_col.unwrap_or(cols).min(width.saturating_sub(1));
    (text::sanitize(&out).into_owned(), col)
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn the_window_scrolls_to_keep_the_cursor_visible() {
        let t = "佐藤商事 owes 1,200";
        let (shown, col) = window(t, t.chars().count(), 8);
        assert!(crate::text::width(&shown) <= 8);
        assert!(shown.ends_with(",200"), "{shown}");
        assert_eq!(col, 7);
        assert_eq!(window("", 0, 10), (String::new(), 0));
        let (shown, col) = window("abcdef", 0, 3);
        assert_eq!((shown.as_str(), col), ("abc", 0));
    }
}
