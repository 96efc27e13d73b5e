//! Drawing a form: a small bordered panel, one line per field, the error or
//! the focused field's hint on the last line.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
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

impl Form {
    /// Rows the form needs: fields, the message line, and the border.
    pub fn height(&self) -> u16 {
        self.fields.len() as u16 + 3
    }

    /// Draws the form into `area` and returns where the cursor belongs.
    pub fn render(&self, area: Rect, buf: &mut Buffer, st: &FormStyles) -> Option<Position> {
        Clear.render(area, buf);
        let title = format!(" {} · {} ", self.kind.title(), text::sanitize(&self.ctx.client_name));
        let title = text::truncate(&title, area.width.saturating_sub(4) as usize);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(st.border)
            .title(Span::styled(title, st.label))
            .title_bottom(Line::from(Span::styled(" Enter save · Esc cancel · Tab next ", st.muted)));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.width < 10 || inner.height == 0 {
            return None;
        }
        let label_w = self.fields.iter().map(|f| text::width(f.label)).max().unwrap_or(0) + 2;
        let value_w = (inner.width as usize).saturating_sub(label_w + 1);
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let marker = if focused { "›" } else { " " };
            let mut spans = vec![Span::styled(
                format!("{marker}{}", text::pad_right(f.label, label_w - 1)),
                if focused { st.label.patch(st.focus) } else { st.label },
            )];
            if let Some(t) = f.text_field() {
                let (shown, col) = t.view(value_w);
                if focused {
                    cursor = Some(Position::new(inner.x + (label_w + col) as u16, inner.y + i as u16));
                }
                spans.push(Span::raw(shown));
            } else if let Some((options, picked)) = f.options() {
                for (k, (key, label)) in options.iter().enumerate() {
                    let style = if picked == Some(k) { st.picked } else { Style::default() };
                    spans.push(Span::styled(format!("[{key}] {label}"), style));
                    spans.push(Span::raw(" "));
                }
            }
            lines.push(Line::from(spans));
        }
        let message = match &self.error {
            Some(e) => Span::styled(format!("✗ {e}"), st.error),
            None => Span::styled(self.fields.get(self.focus).map(|f| f.hint).unwrap_or("").to_string(), st.muted),
        };
        lines.push(Line::from(message));
        Paragraph::new(lines).render(inner, buf);
        cursor
    }
}
