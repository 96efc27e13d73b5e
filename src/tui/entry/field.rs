//! A one-line text field with the editing keys people expect from a shell:
//! arrows, Home/End, Ctrl-A/E, Alt-B/F (word), Ctrl-W and Alt-Backspace
//! (delete word), Ctrl-U/Ctrl-K (kill to start/end), and bracketed paste.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_width::UnicodeWidthChar;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextField {
    chars: Vec<char>,
    /// Cursor position as a char index (0..=len).
    cursor: usize,
}

impl TextField {
    pub fn with(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let cursor = chars.len();
        TextField { chars, cursor }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn set(&mut self, text: &str) {
        *self = TextField::with(text);
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Inserts pasted text; line breaks become spaces (one-line field) and
    /// other control characters are dropped.
    pub fn paste(&mut self, s: &str) {
        for c in s.chars() {
            let c = if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c };
            if !c.is_control() {
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
        }
    }

    /// Applies an editing key. Returns false for keys it does not use
    /// (Tab, Enter, Esc...), which the form handles.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if ctrl => match c {
                'a' => self.cursor = 0,
                'e' => self.cursor = self.chars.len(),
                'b' => self.cursor = self.cursor.saturating_sub(1),
                'f' => self.cursor = (self.cursor + 1).min(self.chars.len()),
                'w' => self.delete_word_back(),
                'h' => self.backspace(),
                'u' => {
                    self.chars.drain(..self.cursor);
                    self.cursor = 0;
                }
                'k' => self.chars.truncate(self.cursor),
                'd' => {
                    if self.cursor < self.chars.len() {
                        self.chars.remove(self.cursor);
                    }
                }
                _ => return false,
            },
            KeyCode::Char(c) if alt => match c {
                'b' => self.cursor = self.word_start(self.cursor),
                'f' => self.cursor = self.word_end(self.cursor),
                'd' => {
                    let end = self.word_end(self.cursor);
                    self.chars.drain(self.cursor..end);
                }
                _ => return false,
            },
            KeyCode::Char(c) => {
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if alt || ctrl => self.delete_word_back(),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => {
                if self.cursor < self.chars.len() {
                    self.chars.remove(self.cursor);
                }
            }
            KeyCode::Left if ctrl || alt => self.cursor = self.word_start(self.cursor),
            KeyCode::Right if ctrl || alt => self.cursor = self.word_end(self.cursor),
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.chars.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.chars.len(),
            _ => return false,
        }
        true
    }

    fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            self.chars.remove(self.cursor);
        }
    }

    fn delete_word_back(&mut self) {
        let start = self.word_start(self.cursor);
        self.chars.drain(start..self.cursor);
        self.cursor = start;
    }

    fn word_start(&self, mut i: usize) -> usize {
        while i > 0 && self.chars[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !self.chars[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    }

    fn word_end(&self, mut i: usize) -> usize {
        let n = self.chars.len();
        while i < n && self.chars[i].is_whitespace() {
            i += 1;
        }
        while i < n && !self.chars[i].is_whitespace() {
            i += 1;
        }
        i
    }

    /// The part of the text to show in `width` columns, scrolled so the
    /// cursor is visible, and the cursor's column within it.
    pub fn view(&self, width: usize) -> (String, usize) {
        let w = |c: &char| c.width().unwrap_or(0);
        let width = width.max(1);
        // Start far enough left that the cursor fits, measured in columns.
        let mut start = self.cursor;
        let mut used = 1; // room for the cursor itself
        while start > 0 && used + w(&self.chars[start - 1]) <= width {
            start -= 1;
            used += w(&self.chars[start]);
        }
        let mut out = String::new();
        let mut cols = 0;
        let mut cursor_col = 0;
        for (i, c) in self.chars.iter().enumerate().skip(start) {
            if i == self.cursor {
                cursor_col = cols;
            }
            if cols + w(c) > width {
                break;
            }
            out.push(*c);
            cols += w(c);
        }
        if self.cursor >= self.chars.len() {
            cursor_col = cols.min(width.saturating_sub(1));
        }
        (crate::text::sanitize(&out).into_owned(), cursor_col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }
    fn typed(s: &str) -> TextField {
        let mut f = TextField::default();
        for c in s.chars() {
            f.handle(&key(KeyCode::Char(c)));
        }
        f
    }

    #[test]
    fn editing_keys() {
        let mut f = typed("called them today");
        f.handle(&ctrl('w'));
        assert_eq!(f.text(), "called them ");
        f.handle(&ctrl('w'));
        assert_eq!(f.text(), "called ");
        f.handle(&key(KeyCode::Home));
        f.handle(&key(KeyCode::Char('I')));
        f.handle(&key(KeyCode::Char(' ')));
        assert_eq!(f.text(), "I called ");
        f.handle(&ctrl('k'));
        assert_eq!(f.text(), "I ");
        f.handle(&key(KeyCode::End));
        f.handle(&key(KeyCode::Backspace));
        assert_eq!(f.text(), "I");
        f.paste("\tpaid\nin full\x1b");
        assert_eq!(f.text(), "I paid in full");
        f.handle(&KeyEvent::new(KeyCode::Left, KeyModifiers::CONTROL));
        assert_eq!(f.cursor(), 10);
        f.handle(&ctrl('u'));
        assert_eq!(f.text(), "full");
        assert!(!f.handle(&key(KeyCode::Enter)));
    }

    #[test]
    fn view_scrolls_to_keep_the_cursor_visible() {
        let f = typed("佐藤商事 owes 1,200");
        let (shown, col) = f.view(8);
        assert!(crate::text::width(&shown) <= 8);
        assert!(shown.ends_with("1,200") || shown.ends_with(",200"), "{shown}");
        assert_eq!(col, 7);
        let f = TextField::with("");
        assert_eq!(f.view(10), (String::new(), 0));
    }
}
