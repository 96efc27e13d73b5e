//! Text from the book on its way to a terminal: made harmless and measured
//! by display width (accents, CJK and emoji), not bytes or chars.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Replaces control characters (C0, C1, DEL) and bidi overrides with visible
/// stand-ins, so an imported name can never move the cursor, change colours
/// or reverse the text around it.
pub fn sanitize(s: &str) -> std::borrow::Cow<'_, str> {
    if !escapable(s.as_bytes(), true) {
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

/// Whether UTF-8 text holds a DEL, a C1 control or a bidi control: the
/// characters a terminal acts on that are not C0 controls (JSON escapes
/// those itself).
pub fn has_c1_or_bidi(utf8: &[u8]) -> bool {
    escapable(utf8, false)
}

/// Whether UTF-8 text holds a character [`needs_escape`] names (leaving out
/// C0 controls unless `c0`), read from the bytes without decoding: most
/// text is clean, and the day's list on a large book is half a million
/// cells. The encodings: DEL 7F; C1 U+0080..9F C2 80..9F; U+061C D8 9C;
/// U+200E/F E2 80 8E/8F; U+202A..E E2 80 AA..AE; U+2066..9 E2 81 A6..A9.
fn escapable(b: &[u8], c0: bool) -> bool {
    // Printable ASCII needs nothing: the text is read 16 bytes at a time,
    // a run of printable ASCII passed in one check (one vector instruction),
    // and only a run holding anything else is looked at byte by byte.
    const RUN: usize = 16;
    let printable = |x: u8| x.wrapping_sub(0x20) < 0x5F;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let escapes_at = |i: usize| match b[i] {
        0x00..=0x1F => c0,
        0x7F => true,
        0xC2 => (0x80..=0x9F).contains(&at(i + 1)),
        0xD8 => at(i + 1) == 0x9C,
        0xE2 => matches!((at(i + 1), at(i + 2)), (0x80, 0x8E | 0x8F | 0xAA..=0xAE) | (0x81, 0xA6..=0xA9)),
        _ => false,
    };
    let mut from = 0;
    for run in b.chunks_exact(RUN) {
        // No early exit within a run, so that the check is one vector
        // instruction, not sixteen branches.
        let odd = run.iter().fold(false, |odd, &x| odd | !printable(x));
        if odd && (from..from + RUN).any(escapes_at) {
            return true;
        }
        from += RUN;
    }
    (from..b.len()).any(escapes_at)
}

/// The characters a terminal acts on: C0 controls, DEL, C1 controls and
/// the bidi controls. The one list: [`sanitize`], the byte check and the
/// JSON writer's escapes all read it.
pub(crate) fn needs_escape(c: char) -> bool {
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
    // Printable ASCII is one column a character; text of it and of the
    // Latin-1 letters, dashes, quotes and mathematical signs (the day's
    // reasons say "≥30") is the sum of its characters' widths, as none of
    // them takes part in a sequence measured as a whole (emoji, keycaps,
    // ligatures). Anything else is measured as a whole.
    //
    // Printable ASCII is counted 16 bytes at a time (one vector check, as
    // in `escapable`): a table of the day's list on a large book measures
    // half a million cells, and decoding each character of them was a
    // seventh of `dun today`.
    const RUN: usize = 16;
    let printable = |x: u8| x.wrapping_sub(0x20) < 0x5F;
    let b = s.as_bytes();
    let mut w = 0;
    let mut i = 0;
    loop {
        while let Some(run) = b.get(i..i + RUN) {
            if !run.iter().fold(true, |all, &x| all & printable(x)) {
                break;
            }
            w += RUN;
            i += RUN;
        }
        // `i` is on a character boundary: it only ever moves past whole
        // characters.
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else { return w };
        match c {
            ' '..='~' => w += 1,
            '\u{A0}'..='\u{FF}' | '\u{2013}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{2200}'..='\u{22FF}' => {
                w += c.width().unwrap_or(0)
            }
            _ => return UnicodeWidthStr::width(s),
        }
        i += c.len_utf8();
    }
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
    pad_measured_into(out, s, width(s), w, align)
}

/// [`pad_into`] for a caller that has measured `s` already (`sw` is
/// [`width`]`(s)`): a table measures every cell for its column widths first.
pub fn pad_measured_into(out: &mut String, s: &str, sw: usize, w: usize, align: Align) {
    let cut;
    let (t, tw) = if sw <= w {
        (s, sw)
    } else {
        cut = truncate(s, w);
        (cut.as_str(), width(&cut))
    };
    let fill = w.saturating_sub(tw);
    if align == Align::Right {
        push_spaces(out, fill);
    }
    out.push_str(t);
    if align == Align::Left {
        push_spaces(out, fill);
    }
}

/// `n` spaces, copied in runs of up to 64: one capacity check and one copy
/// per run, not per space (a padded table of the day's list on a large
/// book is ten million of them).
fn push_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let run = n.min(SPACES.len());
        out.push_str(&SPACES[..run]);
        n -= run;
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

    /// The byte-level check agrees with the character rule for every
    /// character, alone and between other text.
    #[test]
    fn the_byte_check_finds_exactly_the_characters_to_escape() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let alone = c.encode_utf8(&mut buf).as_bytes().to_vec();
            let c0 = (c as u32) < 0x20;
            assert_eq!(escapable(&alone, true), needs_escape(c), "{:X}", c as u32);
            assert_eq!(has_c1_or_bidi(&alone), needs_escape(c) && !c0, "{:X}", c as u32);
            let framed = format!("é{c}\u{2028}");
            assert_eq!(escapable(framed.as_bytes(), true), needs_escape(c), "{:X} framed", c as u32);
            let s = c.to_string();
            if !needs_escape(c) {
                assert!(matches!(sanitize(&s), std::borrow::Cow::Borrowed(_)), "{:X}", c as u32);
            }
            assert_eq!(width(&s), UnicodeWidthStr::width(s.as_str()), "{:X}", c as u32);
        }
        // Anywhere in a longer text, across the 16-byte runs.
        let probes = [
            '\x1b', '\x7f', '\u{85}', '\u{9F}', '\u{61C}', '\u{200F}', '\u{202E}', '\u{2069}', '≥', 'é', '\u{2028}',
            '\u{2070}', '\u{A0}', '佐',
        ];
        for c in probes {
            for before in 0..40 {
                for tail in ["", "x", "≥ and more text after it"] {
                    let s = format!("{}{c}{tail}", "a".repeat(before));
                    assert_eq!(escapable(s.as_bytes(), true), needs_escape(c), "{:X} after {before}", c as u32);
                    let two = format!("é{s}");
                    assert_eq!(escapable(two.as_bytes(), true), needs_escape(c), "{:X} after é{before}", c as u32);
                }
            }
        }
        assert_eq!(sanitize("plain ascii, ≥30: Letter"), "plain ascii, ≥30: Letter");
        assert!(matches!(sanitize("≥30 café 佐藤"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(sanitize("a\u{200F}b\u{2069}c\u{61C}d\u{85}"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}");
        assert_eq!(width("abc def"), 7);
        assert_eq!(width("a\u{1b}b"), UnicodeWidthStr::width("a\u{1b}b"));
    }

    /// The characters measured one by one measure the same in every pair
    /// with each other and with any character, as the whole text does.
    #[test]
    fn widths_summed_by_character_agree_with_the_whole_text() {
        let simple: Vec<char> = (' '..='~')
            .chain('\u{A0}'..='\u{FF}')
            .chain('\u{2013}'..='\u{2027}')
            .chain('\u{2030}'..='\u{205E}')
            .chain('\u{2200}'..='\u{22FF}')
            .collect();
        for a in &simple {
            for b in simple.iter().copied().chain([
                '\u{FE0F}',
                '\u{20E3}',
                '\u{200D}',
                '\u{338}',
                '\u{301}',
                '\u{1F3FB}',
                '佐',
            ]) {
                let s: String = [*a, b].iter().collect();
                assert_eq!(width(&s), UnicodeWidthStr::width(s.as_str()), "{:X} {:X}", *a as u32, b as u32);
                let s: String = [b, *a].iter().collect();
                assert_eq!(width(&s), UnicodeWidthStr::width(s.as_str()), "{:X} {:X}", b as u32, *a as u32);
            }
        }
        let reason = "catching up: no reminder sent yet; 94 days overdue (INV-0042; ≥1: First reminder before Collection agency)";
        assert_eq!(width(reason), UnicodeWidthStr::width(reason));
        assert_eq!(width("1\u{FE0F}\u{20E3} Müller"), UnicodeWidthStr::width("1\u{FE0F}\u{20E3} Müller"));
        // Anywhere in a longer text, across the 16-byte runs of ASCII.
        for c in ['é', '≥', '佐', '\u{1b}', '\u{7f}', '\u{301}', '\u{FE0F}', '\u{1F3FB}', 'x'] {
            for before in 0..40 {
                for after in [0, 1, 15, 16, 17, 33] {
                    let s = format!("{}{c}{}", "a".repeat(before), "b".repeat(after));
                    assert_eq!(width(&s), UnicodeWidthStr::width(s.as_str()), "{:X} at {before}+{after}", c as u32);
                }
            }
        }
    }

    #[test]
    fn widths_and_truncation_follow_display_columns() {
        assert_eq!(width("佐藤"), 4);
        assert_eq!(width("Café"), 4);
        assert_eq!(truncate("佐藤商事株式会社", 7), "佐藤商…");
        assert_eq!(width(&truncate("佐藤商事株式会社", 7)), 7);
        assert_eq!(pad_right("佐藤", 6), "佐藤  ");
        assert_eq!(pad_left("ab", 4), "  ab");
        // Longer than one run of spaces.
        for w in [63, 64, 65, 129, 200] {
            assert_eq!(pad_right("ab", w), format!("ab{}", " ".repeat(w - 2)));
            assert_eq!(pad_left("ab", w), format!("{}ab", " ".repeat(w - 2)));
        }
        assert_eq!(truncate("abc", 3), "abc");
    }
}
