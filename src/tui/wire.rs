//! Fewer bytes per frame over a slow link (SSH). ratatui finds the cells
//! that changed; how they are written is up to the backend, and the stock
//! one spends most of a frame on escape sequences: a full cursor jump for
//! every run (`ESC [ row ; col H`), both colours in 256-colour form at
//! every change (`ESC [ 38;5;8;49 m`), a four-part reset after every
//! frame and a "hide cursor" before every frame. [`GapFill`] writes the
//! same picture with:
//!
//! - the shortest cursor move (`\r\n`, index, line feeds then a column,
//!   a relative step or a column-only move where they are shorter than a
//!   jump), or no move at all: a short unchanged gap is written through
//!   from a copy of the screen when that costs less than jumping over it;
//! - one SGR sequence per change of look holding only what changed, the
//!   16 colours in their short form (`ESC [ 90 m`), a reset only where it
//!   is shorter than switching attributes off one by one;
//! - erase to end of line (`ESC [ K`) for a row whose tail became blank,
//!   and erase characters (`ESC [ n X`) for a blank run, both on the
//!   default background only;
//! - "hide cursor" only when it is not hidden already, and a frame with no
//!   changes sends nothing (not even the synchronized-update brackets).
//!
//! [`encode`] is pure (old screen + changed cells in, bytes out), so the
//! bytes per selection move are tested without a terminal
//! (tests/tui_bytes.rs); benches/tui_bytes.sh measures them over tmux
//! against hledger-ui.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::{Position, Rect, Size};
use ratatui::style::{Color, Modifier};

/// Terminals that support it show a frame whole, never half drawn.
const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";

/// The longest unchanged gap considered for writing through (longer ones
/// always cost more than a jump).
const MAX_GAP: u16 = 12;

/// What the terminal will draw the next character with.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    fn of(c: &Cell) -> Pen {
        Pen { fg: c.fg, bg: c.bg, underline: c.underline_color, modifier: c.modifier }
    }
}

fn width(c: &Cell) -> u16 {
    crate::text::width(c.symbol()) as u16
}

fn one_wide(c: &Cell) -> bool {
    width(c) == 1 && c.diff_option == CellDiffOption::None
}

/// A cell that erase-to-end-of-line reproduces with background `bg`.
fn blank(c: &Cell, bg: Color) -> bool {
    c.symbol() == " "
        && c.bg == bg
        && c.diff_option == CellDiffOption::None
        && !c.modifier.intersects(Modifier::REVERSED | Modifier::UNDERLINED | Modifier::CROSSED_OUT)
}

/// The palette index of a colour (the 16 named ones are 0..16).
fn palette(c: Color) -> Option<u8> {
    Some(match c {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => i,
        Color::Reset | Color::Rgb(..) => return None,
    })
}

fn color(c: Color, fg: bool, out: &mut Vec<String>) {
    let (base, bright, ext, reset) = if fg { (30, 90, 38, 39) } else { (40, 100, 48, 49) };
    out.push(match (c, palette(c)) {
        (_, Some(i)) if i < 8 => (base + i).to_string(),
        (_, Some(i)) if i < 16 => (bright + i - 8).to_string(),
        (_, Some(i)) => format!("{ext};5;{i}"),
        (Color::Rgb(r, g, b), None) => format!("{ext};2;{r};{g};{b}"),
        _ => reset.to_string(),
    });
}

fn underline_color(c: Color, out: &mut Vec<String>) {
    // The underline colour has no short form.
    out.push(match (c, palette(c)) {
        (_, Some(i)) => format!("58;5;{i}"),
        (Color::Rgb(r, g, b), None) => format!("58;2;{r};{g};{b}"),
        _ => "59".to_string(),
    });
}

const ON: [(Modifier, &str); 9] = [
    (Modifier::BOLD, "1"),
    (Modifier::DIM, "2"),
    (Modifier::ITALIC, "3"),
    (Modifier::UNDERLINED, "4"),
    (Modifier::SLOW_BLINK, "5"),
    (Modifier::RAPID_BLINK, "6"),
    (Modifier::REVERSED, "7"),
    (Modifier::HIDDEN, "8"),
    (Modifier::CROSSED_OUT, "9"),
];

/// SGR parameters that change `from` into `to` without a reset.
fn changes(from: &Pen, to: &Pen) -> Vec<String> {
    let mut p = Vec::new();
    let removed = from.modifier - to.modifier;
    let mut add = to.modifier - from.modifier;
    // 22 ends both bold and dim, 25 both blinks: put back the one kept.
    if removed.intersects(Modifier::BOLD | Modifier::DIM) {
        p.push("22".to_string());
        add |= to.modifier & (Modifier::BOLD | Modifier::DIM);
    }
    if removed.contains(Modifier::ITALIC) {
        p.push("23".to_string());
    }
    if removed.contains(Modifier::UNDERLINED) {
        p.push("24".to_string());
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        p.push("25".to_string());
        add |= to.modifier & (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK);
    }
    if removed.contains(Modifier::REVERSED) {
        p.push("27".to_string());
    }
    if removed.contains(Modifier::HIDDEN) {
        p.push("28".to_string());
    }
    if removed.contains(Modifier::CROSSED_OUT) {
        p.push("29".to_string());
    }
    for (m, code) in ON {
        if add.contains(m) {
            p.push(code.to_string());
        }
    }
    if from.fg != to.fg {
        color(to.fg, true, &mut p);
    }
    if from.bg != to.bg {
        color(to.bg, false, &mut p);
    }
    if from.underline != to.underline {
        underline_color(to.underline, &mut p);
    }
    p
}

/// The shortest SGR sequence from one pen to another (empty when equal).
fn sgr(from: &Pen, to: &Pen) -> Vec<u8> {
    if from == to {
        return Vec::new();
    }
    let step = changes(from, to).join(";");
    let reset = if *to == Pen::default() {
        String::new()
    } else {
        let mut p = vec!["0".to_string()];
        p.extend(changes(&Pen::default(), to));
        p.join(";")
    };
    let params = if reset.len() < step.len() { reset } else { step };
    format!("\x1b[{params}m").into_bytes()
}

/// The shortest way to move the cursor from `from` (None: unknown) to
/// (x, y), 0-based.
fn move_to(from: Option<(u16, u16)>, x: u16, y: u16) -> Vec<u8> {
    let mut best = if x == 0 { format!("\x1b[{}H", y + 1) } else { format!("\x1b[{};{}H", y + 1, x + 1) };
    if y == 0 && x == 0 {
        best = "\x1b[H".to_string();
    }
    let Some((cx, cy)) = from else { return best.into_bytes() };
    if (cx, cy) == (x, y) {
        return Vec::new();
    }
    let mut options = Vec::new();
    if cy == y {
        options.push(format!("\x1b[{}G", x + 1));
        if x > cx {
            let n = x - cx;
            options.push(if n == 1 { "\x1b[C".to_string() } else { format!("\x1b[{n}C") });
        } else {
            let n = cx - x;
            options.push(if n == 1 { "\x1b[D".to_string() } else { format!("\x1b[{n}D") });
        }
        if x == 0 {
            options.push("\r".to_string());
        }
    } else {
        // A row step, then a column step.
        let rows = if y > cy { format!("\x1b[{}B", y - cy) } else { format!("\x1b[{}A", cy - y) };
        let rows = rows.replace("[1B", "[B").replace("[1A", "[A");
        let cols = if x == cx {
            String::new()
        } else if x > cx {
            format!("\x1b[{}C", x - cx).replace("[1C", "[C")
        } else {
            format!("\x1b[{}D", cx - x).replace("[1D", "[D")
        };
        // Index (ESC D) steps down a row in the same column, one byte
        // shorter than ESC [ B, and is never translated the way a line feed can be.
        if y == cy + 1 {
            options.push(format!("\x1bD{cols}"));
        }
        options.push(rows + &cols);
    }
    if y > cy {
        let down = y - cy;
        // Line feeds, then the column named outright: right whether or not
        // the terminal (or the tty) turns a line feed into CR LF.
        if x > 0 {
            options.push(format!("{}\x1b[{}G", "\n".repeat(usize::from(down)), x + 1));
        }
        // Line feeds only where the column is 0 anyway: a terminal left
        // translating LF to CRLF then does the same thing.
        if x == 0 {
            options.push(format!("\r{}", "\n".repeat(usize::from(down))));
        }
        if x > 0 {
            options.push(format!("\r{}\x1b[{x}C", "\n".repeat(usize::from(down))).replace("[1C", "[C"));
        }
    }
    for o in options {
        if o.len() < best.len() {
            best = o;
        }
    }
    best.into_bytes()
}

/// The bytes that turn a terminal showing `shown` into the next frame,
/// given the cells that changed (in row-major order, as ratatui's diff
/// yields them); `shown` is updated to what the terminal then shows. A
/// space looks the same in any foreground colour, bold or not: such a
/// change is not sent, and a space is written with whatever pen is in
/// hand. Starts and ends with the default pen and an unknown cursor.
pub fn encode(shown: &mut Buffer, changed: &[(u16, u16, Cell)]) -> Vec<u8> {
    let changed: Vec<(u16, u16, Cell)> = changed
        .iter()
        .filter(|(x, y, c)| shown.cell((*x, *y)).is_none_or(|old| !looks_alike(old, c)))
        .cloned()
        .collect();
    for (x, y, c) in &changed {
        if let Some(slot) = shown.cell_mut((*x, *y)) {
            *slot = c.clone();
        }
    }
    let screen: &Buffer = shown;
    let changed = &changed[..];
    let cursor: Option<(u16, u16)> = None;
    let mut out = Vec::new();
    let mut cursor = cursor;
    let mut pen = Pen::default();
    let w = screen.area.width;
    let at = |x: u16, y: u16| screen.cell((x, y));
    let mut i = 0;
    while i < changed.len() {
        let y = changed[i].1;
        let end = changed[i..].iter().position(|c| c.1 != y).map_or(changed.len(), |n| i + n);
        let row = &changed[i..end];
        i = end;

        // Where the row's blank tail starts (cells erase-to-end-of-line
        // reproduces), never inside a wide character.
        let tail_bg = at(w.saturating_sub(1), y).map(|c| c.bg).unwrap_or_default();
        let mut tail = w;
        while tail > 0 && at(tail - 1, y).is_some_and(|c| blank(c, tail_bg)) {
            tail -= 1;
        }
        if tail > 0 && at(tail - 1, y).is_some_and(|c| width(c) > 1) {
            tail += 1;
        }
        let in_tail: Vec<u16> = row.iter().filter(|c| c.0 >= tail).map(|c| c.0).collect();
        // Erasing is used on the default background only: a terminal
        // without background-colour erase (GNU screen by default) would
        // leave holes in a coloured bar.
        let erase = tail_bg == Color::Reset
            && match (in_tail.first(), in_tail.last()) {
                (Some(&first), Some(&last)) => in_tail.len() >= 3 || usize::from(last - first + 1) != in_tail.len(),
                _ => false,
            };

        let writes = if erase { row.iter().take_while(|c| c.0 < tail).count() } else { row.len() };
        let mut k = 0;
        while k < writes {
            let (x, _, cell) = &row[k];
            let (x, cell) = (*x, cell);
            let target = pen_for(&pen, cell);
            if cursor != Some((x, y)) {
                let jump = move_to(cursor, x, y);
                let jump_cost = jump.len() + sgr(&pen, &target).len();
                let mut through = None;
                if let Some((cx, cy)) = cursor {
                    if cy == y && cx < x && x - cx <= MAX_GAP {
                        let gap: Vec<&Cell> = (cx..x).filter_map(|gx| at(gx, y)).collect();
                        if gap.len() == usize::from(x - cx) && gap.iter().all(|g| one_wide(g)) {
                            let mut bytes = Vec::new();
                            let mut p = pen;
                            for g in gap {
                                let q = pen_for(&p, g);
                                bytes.extend(sgr(&p, &q));
                                p = q;
                                bytes.extend(g.symbol().as_bytes());
                            }
                            let target = pen_for(&p, cell);
                            if bytes.len() + sgr(&p, &target).len() < jump_cost {
                                through = Some((bytes, p));
                            }
                        }
                    }
                }
                match through {
                    Some((bytes, p)) => {
                        out.extend(bytes);
                        pen = p;
                    }
                    None => out.extend(jump),
                }
            }
            let target = pen_for(&pen, cell);
            out.extend(sgr(&pen, &target));
            pen = target;
            // A run of blanks: erase characters (ECH, the cursor stays)
            // when that and the step past them cost less than the spaces.
            let run = row[k..writes]
                .iter()
                .enumerate()
                .take_while(|(n, c)| c.0 == x + *n as u16 && plain_space(&c.2) && c.2.bg == cell.bg)
                .count();
            let more = k + run < writes || erase;
            if plain_space(cell) && cell.bg == Color::Reset && run >= if more { 9 } else { 5 } {
                out.extend(format!("\x1b[{run}X").into_bytes());
                cursor = Some((x, y));
                k += run;
                continue;
            }
            k += 1;
            out.extend(cell.symbol().as_bytes());
            let next = x + width(cell);
            // Past the last column the cursor waits to wrap: where it is
            // then differs between terminals.
            cursor = if next >= w { None } else { Some((next, y)) };
        }

        if erase {
            let from = match cursor {
                Some((cx, cy)) if cy == y && cx >= tail && cx <= in_tail[0] => cx,
                _ => in_tail[0],
            };
            out.extend(move_to(cursor, from, y));
            // Erasing fills with the background only.
            let target = Pen { bg: tail_bg, ..pen };
            let target = Pen { modifier: target.modifier - Modifier::REVERSED, ..target };
            out.extend(sgr(&pen, &target));
            pen = target;
            out.extend(b"\x1b[K");
            cursor = Some((from, y));
        }
    }
    out.extend(sgr(&pen, &Pen::default()));
    out
}

/// Attributes that show on a space.
const SHOWS_ON_SPACE: Modifier = Modifier::REVERSED.union(Modifier::UNDERLINED).union(Modifier::CROSSED_OUT);

fn plain_space(c: &Cell) -> bool {
    c.symbol() == " " && c.diff_option == CellDiffOption::None && !c.modifier.intersects(SHOWS_ON_SPACE)
}

/// Two cells a viewer cannot tell apart.
fn looks_alike(a: &Cell, b: &Cell) -> bool {
    a == b || (plain_space(a) && plain_space(b) && a.bg == b.bg)
}

/// The pen to write `c` with, given the pen in hand: a space needs only
/// the right background.
fn pen_for(pen: &Pen, c: &Cell) -> Pen {
    if plain_space(c) && pen.bg == c.bg && !pen.modifier.intersects(SHOWS_ON_SPACE) {
        *pen
    } else {
        Pen::of(c)
    }
}

/// A backend that writes frames with [`encode`] to a crossterm backend
/// (which still does everything else: cursor, clearing, size).
pub struct GapFill<B: Backend<Error = io::Error> + Write> {
    inner: B,
    /// What the terminal shows.
    screen: Buffer,
    /// Whether the cursor is known to be hidden.
    hidden: bool,
}

impl<B: Backend<Error = io::Error> + Write> GapFill<B> {
    pub fn new(inner: B) -> GapFill<B> {
        let size = inner.size().unwrap_or_default();
        GapFill { inner, screen: Buffer::empty(Rect::new(0, 0, size.width, size.height)), hidden: false }
    }

    fn reset(&mut self) {
        let size = self.inner.size().unwrap_or_default();
        self.screen = Buffer::empty(Rect::new(0, 0, size.width, size.height));
        // The shell shows and hides the cursor itself around a clear.
        self.hidden = false;
    }
}

impl<B: Backend<Error = io::Error> + Write> Backend for GapFill<B> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let changed: Vec<(u16, u16, Cell)> = content.map(|(x, y, c)| (x, y, c.clone())).collect();
        if changed.is_empty() {
            return Ok(());
        }
        if changed.iter().any(|(x, y, _)| self.screen.cell((*x, *y)).is_none()) {
            self.reset();
        }
        // Where the cursor is between frames is not tracked: whatever the
        // shell wrote directly may have moved it.
        let bytes = encode(&mut self.screen, &changed);
        if bytes.is_empty() {
            return Ok(());
        }
        let mut frame = Vec::with_capacity(bytes.len() + BEGIN_SYNC.len() + END_SYNC.len());
        frame.extend(BEGIN_SYNC);
        frame.extend(bytes);
        frame.extend(END_SYNC);
        self.inner.write_all(&frame)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.hidden {
            return Ok(());
        }
        self.hidden = true;
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.hidden = false;
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.reset();
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        // What a partial clear leaves is not tracked: start from blank.
        self.reset();
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

impl<B: Backend<Error = io::Error> + Write> Write for GapFill<B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Raw bytes may show or hide the cursor.
        self.hidden = false;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    /// A small terminal: applies the sequences `encode` writes.
    fn replay(screen: &mut Buffer, bytes: &[u8]) {
        let text = std::str::from_utf8(bytes).unwrap();
        let mut chars = text.chars().peekable();
        let (mut x, mut y) = (0u16, 0u16);
        let mut pen = Pen::default();
        while let Some(c) = chars.next() {
            match c {
                '\r' => x = 0,
                '\n' => y += 1,
                '\x1b' => {
                    if chars.peek() == Some(&'D') {
                        chars.next();
                        y += 1;
                        continue;
                    }
                    assert_eq!(chars.next(), Some('['));
                    let mut params = String::new();
                    let fin = loop {
                        let c = chars.next().unwrap();
                        if c.is_ascii_alphabetic() {
                            break c;
                        }
                        params.push(c);
                    };
                    let nums: Vec<u16> = params.split(';').map(|p| p.parse().unwrap_or(0)).collect();
                    let n = nums[0].max(1);
                    match fin {
                        'H' => {
                            y = nums[0].max(1) - 1;
                            x = nums.get(1).copied().unwrap_or(1).max(1) - 1;
                        }
                        'G' => x = n - 1,
                        'C' => x += n,
                        'D' => x -= n,
                        'B' => y += n,
                        'A' => y -= n,
                        'K' => {
                            for ex in x..screen.area.width {
                                let cell = &mut screen[(ex, y)];
                                cell.reset();
                                cell.bg = pen.bg;
                            }
                        }
                        'X' => {
                            for ex in x..(x + n).min(screen.area.width) {
                                let cell = &mut screen[(ex, y)];
                                cell.reset();
                                cell.bg = pen.bg;
                            }
                        }
                        'm' => pen = apply_sgr(pen, &params),
                        other => panic!("unexpected sequence {other}"),
                    }
                }
                c => {
                    let cell = &mut screen[(x, y)];
                    cell.set_char(c);
                    cell.fg = pen.fg;
                    cell.bg = pen.bg;
                    cell.underline_color = pen.underline;
                    cell.modifier = pen.modifier;
                    x += crate::text::width(&c.to_string()) as u16;
                }
            }
        }
        assert_eq!(pen, Pen::default(), "a frame ends with the default pen");
    }

    fn apply_sgr(mut pen: Pen, params: &str) -> Pen {
        let nums: Vec<u16> =
            if params.is_empty() { vec![0] } else { params.split(';').map(|p| p.parse().unwrap()).collect() };
        let mut i = 0;
        let palette = |n: u16| Color::Indexed(n as u8);
        while i < nums.len() {
            let n = nums[i];
            match n {
                0 => pen = Pen::default(),
                1..=9 => pen.modifier |= ON[usize::from(n - 1)].0,
                22 => pen.modifier -= Modifier::BOLD | Modifier::DIM,
                23 => pen.modifier -= Modifier::ITALIC,
                24 => pen.modifier -= Modifier::UNDERLINED,
                25 => pen.modifier -= Modifier::SLOW_BLINK | Modifier::RAPID_BLINK,
                27 => pen.modifier -= Modifier::REVERSED,
                28 => pen.modifier -= Modifier::HIDDEN,
                29 => pen.modifier -= Modifier::CROSSED_OUT,
                30..=37 => pen.fg = palette(n - 30),
                90..=97 => pen.fg = palette(n - 90 + 8),
                39 => pen.fg = Color::Reset,
                40..=47 => pen.bg = palette(n - 40),
                100..=107 => pen.bg = palette(n - 100 + 8),
                49 => pen.bg = Color::Reset,
                59 => pen.underline = Color::Reset,
                38 | 48 | 58 => {
                    let c = if nums[i + 1] == 5 {
                        i += 2;
                        palette(nums[i])
                    } else {
                        i += 4;
                        Color::Rgb(nums[i - 2] as u8, nums[i - 1] as u8, nums[i] as u8)
                    };
                    match n {
                        38 => pen.fg = c,
                        48 => pen.bg = c,
                        _ => pen.underline = c,
                    }
                }
                other => panic!("unexpected SGR {other}"),
            }
            i += 1;
        }
        pen
    }

    /// Named colours and their palette index look the same.
    fn norm(c: Color) -> Color {
        palette(c).map_or(c, Color::Indexed)
    }

    fn same_picture(a: &Buffer, b: &Buffer) {
        for y in 0..a.area.height {
            let mut covered = 0;
            for x in 0..a.area.width {
                let (p, q) = (&a[(x, y)], &b[(x, y)]);
                if covered > 0 {
                    // The right half of a wide character.
                    covered -= 1;
                    continue;
                }
                covered = width(p).saturating_sub(1);
                assert_eq!(p.symbol(), q.symbol(), "symbol at {x},{y}");
                if p.symbol() != " " || p.modifier.contains(Modifier::REVERSED) {
                    assert_eq!(norm(p.fg), norm(q.fg), "fg at {x},{y}");
                    assert_eq!(p.modifier, q.modifier, "modifier at {x},{y}");
                }
                assert_eq!(norm(p.bg), norm(q.bg), "bg at {x},{y}");
            }
        }
    }

    fn frame(old: &Buffer, new: &Buffer) -> Vec<u8> {
        let changed: Vec<(u16, u16, Cell)> = old.diff(new).into_iter().map(|(x, y, c)| (x, y, c.clone())).collect();
        encode(&mut old.clone(), &changed)
    }

    fn check(old: &Buffer, new: &Buffer) -> usize {
        let bytes = frame(old, new);
        let mut shown = old.clone();
        replay(&mut shown, &bytes);
        same_picture(new, &shown);
        bytes.len()
    }

    #[test]
    fn short_gaps_are_written_through_long_ones_jumped() {
        let mut old = Buffer::empty(Rect::new(0, 0, 30, 2));
        old.set_string(0, 0, "abcdefghijklmnopqrstuvwxyz0123", Style::default());
        let mut new = old.clone();
        new.set_string(0, 0, "A", Style::default());
        new.set_string(3, 0, "D", Style::default());
        new.set_string(25, 0, "Z", Style::default());
        let bytes = frame(&old, &new);
        assert_eq!(String::from_utf8(bytes).unwrap(), "\x1b[HAbcD\x1b[26GZ");
        check(&old, &new);
    }

    #[test]
    fn colours_take_their_short_form_and_only_what_changed_is_sent() {
        let old = Buffer::empty(Rect::new(0, 0, 10, 1));
        let mut new = old.clone();
        new.set_string(0, 0, "ab", Style::default().fg(Color::DarkGray));
        new.set_string(2, 0, "cd", Style::default().fg(Color::Red).add_modifier(Modifier::BOLD));
        new.set_string(4, 0, "ef", Style::default().fg(Color::Indexed(8)));
        let bytes = String::from_utf8(frame(&old, &new)).unwrap();
        assert_eq!(bytes, "\x1b[H\x1b[90mab\x1b[1;31mcd\x1b[0;90mef\x1b[m");
        check(&old, &new);
    }

    #[test]
    fn a_step_down_is_an_index_or_line_feeds_and_a_column() {
        let mut old = Buffer::empty(Rect::new(0, 0, 100, 14));
        for y in 0..14 {
            old.set_string(0, y, "x".repeat(100), Style::default());
        }
        let mut new = old.clone();
        new.set_string(25, 10, "b", Style::default());
        new.set_string(30, 11, "d", Style::default());
        new.set_string(90, 13, "c", Style::default());
        let bytes = String::from_utf8(frame(&old, &new)).unwrap();
        // One row down: index (ESC D) and a column step; two rows down and
        // far across: line feeds and the column named outright.
        assert_eq!(bytes, "\x1b[11;26Hb\x1bD\x1b[4Cd\n\n\x1b[91Gc");
        check(&old, &new);
    }

    #[test]
    fn a_blank_tail_is_erased_to_the_end_of_the_line() {
        let mut old = Buffer::empty(Rect::new(0, 0, 40, 2));
        old.set_string(0, 1, "a long line of text that gets shorter", Style::default());
        let mut new = Buffer::empty(Rect::new(0, 0, 40, 2));
        new.set_string(0, 1, "a long line", Style::default());
        let bytes = String::from_utf8(frame(&old, &new)).unwrap();
        assert_eq!(bytes, "\x1b[2;13H\x1b[K");
        check(&old, &new);
    }

    #[test]
    fn a_run_of_blanks_is_erased_in_place() {
        let mut old = Buffer::empty(Rect::new(0, 0, 40, 1));
        old.set_string(0, 0, "abcdefghijklmnopqrstuvwxyz0123456789ABCD", Style::default());
        let mut new = old.clone();
        new.set_string(2, 0, "            ", Style::default());
        let bytes = String::from_utf8(frame(&old, &new)).unwrap();
        assert_eq!(bytes, "\x1b[1;3H\x1b[12X");
        check(&old, &new);
        // On a coloured background, spaces are written: erasing would leave
        // holes where the terminal has no background-colour erase.
        let mut bar = old.clone();
        bar.set_string(2, 0, "            ", Style::default().bg(Color::Cyan));
        let bytes = String::from_utf8(frame(&old, &bar)).unwrap();
        assert!(!bytes.contains('X') && !bytes.contains('K') && bytes.contains("            "), "{bytes:?}");
        check(&old, &bar);
        // Spaces that only change colour look the same: nothing to send.
        let mut grey = new.clone();
        grey.set_string(2, 0, "            ", Style::default().fg(Color::DarkGray).add_modifier(Modifier::BOLD));
        assert!(frame(&new, &grey).is_empty());
    }

    #[test]
    fn wide_characters_and_styles_survive_the_round_trip() {
        let mut old = Buffer::empty(Rect::new(0, 0, 20, 3));
        old.set_string(0, 0, "北京星辰 ab", Style::default().fg(Color::Cyan));
        old.set_string(0, 1, "xxxxxxxxxxxxxxxxxxxx", Style::default().bg(Color::Blue));
        let mut new = Buffer::empty(Rect::new(0, 0, 20, 3));
        new.set_string(0, 0, "a北京 星", Style::default().add_modifier(Modifier::REVERSED));
        new.set_string(2, 1, "yy", Style::default().bg(Color::Rgb(1, 2, 3)).add_modifier(Modifier::DIM));
        new.set_string(18, 2, "佐", Style::default().fg(Color::Indexed(200)));
        check(&old, &new);
        check(&new, &old);
    }
}
