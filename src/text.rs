//! Text from the book on its way to a terminal: made harmless and measured
//! by display width (accents, CJK and emoji), not bytes or chars.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Replaces control characters (C0, C1, DEL) and bidi overrides with visible
/// stand-ins, so an imported name can never move the cursor, change colours
/// or reverse the text around it.
pub fn sanitize(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\t' || c == '\n' || c == '\r' {
            out.push(' ');
        } else if (c as u32) < 0x20 {
            // Control Pictures block: ␛ for ESC and so on.
            out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'));
        } else if needs_escape(c) {
            out.push('\u{FFFD}');
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`sanitize`] for a message of several lines: line breaks are kept,
/// everything else is neutralised the same way. For errors and warnings,
/// which quote values from files and arguments.
pub fn sanitize_lines(s: &str) -> String {
    s.split('\n').map(|l| sanitize(l).into_owned()).collect::<Vec<_>>().join("\n")
}

fn needs_escape(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7F..=0x9F).contains(&u)
        // bidi embeddings, overrides and isolates
        || (0x202A..=0x202E).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || u == 0x200E
        || u == 0x200F
        || u == 0x061C
}

/// Columns the text takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, ending with `…` when it was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > max - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Which side of its columns text is set against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Pads `s` with spaces into `out` to exactly `w` columns, cut with `…`
/// when longer. One width pass when it fits, as nearly every cell does,
/// and no copy of `s`: tables of a million rows are built from this.
pub fn pad_into(out: &mut String, s: &str, w: usize, align: Align) {
    let sw = width(s);
    let cut;
    let (t, tw) = if sw <= w {
        (s, sw)
    } else {
        cut = truncate(s, w);
        (cut.as_str(), width(&cut))
    };
    let fill = w.saturating_sub(tw);
    if align == Align::Right {
        out.extend(std::iter::repeat_n(' ', fill));
    }
    out.push_str(t);
    if align == Align::Left {
        out.extend(std::iter::repeat_n(' ', fill));
    }
}

/// Pads `s` with spaces to exactly `w` columns (truncating if longer).
pub fn pad_right(s: &str, w: usize) -> String {
    let mut out = String::with_capacity(s.len().max(w));
    pad_into(&mut out, s, w, Align::Left);
    out
}

/// Right-aligns `s` in `w` columns (truncating if longer).
pub fn pad_left(s: &str, w: usize) -> String {
    let mut out = String::with_capacity(s.len().max(w));
    pad_into(&mut out, s, w, Align::Right);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_neutralised() {
        assert_eq!(sanitize("Acme\x1b[31m Ltd"), "Acme␛[31m Ltd");
        assert_eq!(sanitize("a\u{202E}b"), "a\u{FFFD}b");
        assert_eq!(sanitize("a\u{9B}b"), "a\u{FFFD}b");
        assert_eq!(sanitize("Müller 佐藤 ☕"), "Müller 佐藤 ☕");
        assert_eq!(sanitize_lines("a\x1b]52;c;aGk=\x07\nb\rc\x08"), "a␛]52;c;aGk=␇\nb c␈");
    }

    #[test]
    fn widths_and_truncation_follow_display_columns() {
        assert_eq!(width("佐藤"), 4);
        assert_eq!(width("Café"), 4);
        assert_eq!(truncate("佐藤商事株式会社", 7), "佐藤商…");
        assert_eq!(width(&truncate("佐藤商事株式会社", 7)), 7);
        assert_eq!(pad_right("佐藤", 6), "佐藤  ");
        assert_eq!(pad_left("ab", 4), "  ab");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
