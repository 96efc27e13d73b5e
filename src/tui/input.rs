//! A one-line text field: the filter today, the fields of the logging forms
//! next. Owns its text and cursor; `event` reports what a key did so the
//! owner decides what follows (narrow the list, save the form, cancel).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// What a key did to the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The text changed.
    Changed,
    /// The cursor moved, nothing else.
    Moved,
    /// Enter.
    Submit,
    /// Esc or Ctrl-C.
    Cancel,
    /// Not a key for the field (the owner may use it: arrows up/down, Tab).
    Ignored,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    /// Cursor position in chars (0..=len).
    cursor: usize,
}

impl TextInput {
    pub fn new(text: &str) -> TextInput {
        TextInput { text: text.to_string(), cursor: text.chars().count() }
    }

    pub fn value(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte_at(&self, char_ix: usize) -> usize {
        self.text.char_indices().nth(char_ix).map_or(self.text.len(), |(b, _)| b)
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    /// Inserts pasted text at the cursor; line breaks and other control
    /// characters become spaces (one line field).
    pub fn paste(&mut self, s: &str) -> Outcome {
        let clean: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        if clean.is_empty() {
            return Outcome::Ignored;
        }
        let b = self.byte_at(self.cursor);
        self.text.insert_str(b, &clean);
        self.cursor += clean.chars().count();
        Outcome::Changed
    }

    /// The start of the word before the cursor (Ctrl-W, Alt-Backspace).
    fn word_start(&self) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i > 0 && chars[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !chars[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    }

    fn word_end(&self) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        i
    }

    fn delete(&mut self, from: usize, to: usize) -> Outcome {
        if from >= to {
            return Outcome::Moved;
        }
        let (a, b) = (self.byte_at(from), self.byte_at(to));
        self.text.replace_range(a..b, "");
        self.cursor = from;
        Outcome::Changed
    }

    /// Emacs-style editing, as in a shell: arrows, Home/End, Ctrl-A/E,
    /// Ctrl-B/F, Alt-B/F by word, Backspace/Delete, Ctrl-W and
    /// Alt-Backspace delete a word, Ctrl-U to the start, Ctrl-K to the end.
    pub fn event(&mut self, key: &KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Enter => Outcome::Submit,
            KeyCode::Esc => Outcome::Cancel,
            KeyCode::Char('c') if ctrl => Outcome::Cancel,
            KeyCode::Left if ctrl || alt => self.move_to(self.word_start()),
            KeyCode::Right if ctrl || alt => self.move_to(self.word_end()),
            KeyCode::Char('b') if alt => self.move_to(self.word_start()),
            KeyCode::Char('f') if alt => self.move_to(self.word_end()),
            KeyCode::Left => self.move_to(self.cursor.saturating_sub(1)),
            KeyCode::Char('b') if ctrl => self.move_to(self.cursor.saturating_sub(1)),
            KeyCode::Right => self.move_to((self.cursor + 1).min(self.len())),
            KeyCode::Char('f') if ctrl => self.move_to((self.cursor + 1).min(self.len())),
            KeyCode::Home => self.move_to(0),
            KeyCode::Char('a') if ctrl => self.move_to(0),
            KeyCode::End => self.move_to(self.len()),
            KeyCode::Char('e') if ctrl => self.move_to(self.len()),
            KeyCode::Backspace if alt || ctrl => self.delete(self.word_start(), self.cursor),
            KeyCode::Char('w') if ctrl => self.delete(self.word_start(), self.cursor),
            KeyCode::Char('h') if ctrl => self.delete(self.cursor.saturating_sub(1), self.cursor),
            KeyCode::Backspace => self.delete(self.cursor.saturating_sub(1), self.cursor),
            KeyCode::Delete => self.delete(self.cursor, (self.cursor + 1).min(self.len())),
            KeyCode::Char('d') if ctrl => self.delete(self.cursor, (self.cursor + 1).min(self.len())),
            KeyCode::Char('u') if ctrl => self.delete(0, self.cursor),
            KeyCode::Char('k') if ctrl => self.delete(self.cursor, self.len()),
            KeyCode::Char(c) if !ctrl && !alt && !c.is_control() => {
                let b = self.byte_at(self.cursor);
                self.text.insert(b, c);
                self.cursor += 1;
                Outcome::Changed
            }
            _ => Outcome::Ignored,
        }
    }

    fn move_to(&mut self, c: usize) -> Outcome {
        self.cursor = c.min(self.len());
        Outcome::Moved
    }

    /// The field as spans: text (made harmless) with the cursor drawn as a
    /// reversed cell, so it shows without moving the terminal's cursor.
    pub fn spans(&self, style: Style) -> Vec<Span<'static>> {
        let b = self.byte_at(self.cursor);
        let (before, rest) = self.text.split_at(b);
        let mut chars = rest.chars();
        let at = chars.next().map_or(" ".to_string(), |c| c.to_string());
        let after: String = chars.collect();
        let cur = style.add_modifier(Modifier::REVERSED);
        vec![
            Span::styled(crate::text::sanitize(before).into_owned(), style),
            Span::styled(crate::text::sanitize(&at).into_owned(), cur),
            Span::styled(crate::text::sanitize(&after).into_owned(), style),
        ]
    }

    pub fn line(&self, style: Style) -> Line<'static> {
        Line::from(self.spans(style))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }
    fn typed(s: &str) -> TextInput {
        let mut t = TextInput::default();
        for c in s.chars() {
            t.event(&k(KeyCode::Char(c)));
        }
        t
    }

    #[test]
    fn typing_moving_and_deleting_follow_the_cursor() {
        let mut t = typed("Müller GmbH");
        assert_eq!(t.cursor(), 11);
        t.event(&ctrl('w'));
        assert_eq!(t.value(), "Müller ");
        t.event(&k(KeyCode::Home));
        t.event(&k(KeyCode::Right));
        t.event(&k(KeyCode::Right));
        assert_eq!(t.event(&k(KeyCode::Backspace)), Outcome::Changed);
        assert_eq!(t.value(), "Mller ");
        t.event(&k(KeyCode::Char('ü')));
        assert_eq!(t.value(), "Müller ");
        t.event(&ctrl('k'));
        assert_eq!(t.value(), "Mü");
        t.event(&ctrl('u'));
        assert_eq!(t.value(), "");
        assert_eq!(t.event(&k(KeyCode::Backspace)), Outcome::Moved, "nothing to delete");
        assert_eq!(t.event(&k(KeyCode::Enter)), Outcome::Submit);
        assert_eq!(t.event(&k(KeyCode::Esc)), Outcome::Cancel);
        assert_eq!(t.event(&k(KeyCode::Up)), Outcome::Ignored);
    }

    #[test]
    fn paste_inserts_one_clean_line_at_the_cursor() {
        let mut t = typed("ab");
        t.event(&k(KeyCode::Left));
        t.paste("x\ny\x1b");
        assert_eq!(t.value(), "ax y b");
        assert_eq!(t.cursor(), 5);
    }

    #[test]
    fn cjk_and_combining_text_keep_cursor_and_bytes_in_step() {
        let mut t = typed("佐藤 商事");
        t.event(&KeyEvent::new(KeyCode::Left, KeyModifiers::CONTROL));
        assert_eq!(t.cursor(), 3);
        t.event(&k(KeyCode::Delete));
        assert_eq!(t.value(), "佐藤 事");
        let spans = t.spans(Style::default());
        assert_eq!(spans[1].content, "事");
    }
}
