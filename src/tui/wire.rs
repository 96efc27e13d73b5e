//! Fewer bytes per frame over a slow link (SSH): ratatui sends only the
//! cells that changed, but each run of changed cells starts with a cursor
//! jump (`ESC [ row ; col H`, 6–8 bytes). When two runs on a row are a few
//! unchanged cells apart and those cells look like the cell before them,
//! writing them again (1 byte each, no style change) is cheaper than the
//! jump. [`GapFill`] keeps a copy of what the terminal shows to know them.
//!
//! Measured with benches/tui_bytes.sh; see docs/performance.md.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};

/// Unchanged cells written through rather than jumped over (a jump costs
/// 6–8 bytes; a cell of the same style costs its character).
const MAX_GAP: u16 = 5;

/// A backend that fills short unchanged gaps from its copy of the screen.
pub struct GapFill<B: Backend> {
    inner: B,
    screen: Buffer,
}

impl<B: Backend> GapFill<B> {
    pub fn new(inner: B) -> GapFill<B> {
        let size = inner.size().unwrap_or_default();
        GapFill { inner, screen: Buffer::empty(Rect::new(0, 0, size.width, size.height)) }
    }

    fn reset(&mut self) {
        let size = self.inner.size().unwrap_or_default();
        self.screen = Buffer::empty(Rect::new(0, 0, size.width, size.height));
    }
}

fn same_look(a: &Cell, b: &Cell) -> bool {
    a.fg == b.fg && a.bg == b.bg && a.modifier == b.modifier && a.underline_color == b.underline_color
}

fn one_wide(c: &Cell) -> bool {
    crate::text::width(c.symbol()) == 1 && c.diff_option == ratatui::buffer::CellDiffOption::None
}

/// The cells to send: `changed`, in order, with short gaps between two on
/// the same row filled from `screen` (which already holds the new frame).
pub fn fill_gaps(screen: &Buffer, changed: Vec<(u16, u16, Cell)>) -> Vec<(u16, u16, Cell)> {
    let mut out: Vec<(u16, u16, Cell)> = Vec::with_capacity(changed.len());
    for (x, y, cell) in changed {
        if let Some((px, py, prev)) = out.last() {
            let (px, py) = (*px, *py);
            let next = px + 1;
            if py == y && x > next && x - next <= MAX_GAP && one_wide(prev) {
                let gap: Vec<&Cell> = (next..x).filter_map(|gx| screen.cell((gx, y))).collect();
                let prev = prev.clone();
                if gap.len() == usize::from(x - next) && gap.iter().all(|g| one_wide(g) && same_look(g, &prev)) {
                    for (i, g) in gap.into_iter().enumerate() {
                        out.push((next + i as u16, y, g.clone()));
                    }
                }
            }
        }
        out.push((x, y, cell));
    }
    out
}

impl<B: Backend> Backend for GapFill<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let changed: Vec<(u16, u16, Cell)> = content.map(|(x, y, c)| (x, y, c.clone())).collect();
        for (x, y, c) in &changed {
            if let Some(slot) = self.screen.cell_mut((*x, *y)) {
                *slot = c.clone();
            }
        }
        let cells = fill_gaps(&self.screen, changed);
        self.inner.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.reset();
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        // What a partial clear leaves is not tracked: start from blank.
        self.reset();
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

impl<B: Backend + Write> Write for GapFill<B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Style};

    fn cell(s: &str) -> Cell {
        let mut c = Cell::default();
        c.set_symbol(s);
        c
    }

    #[test]
    fn short_gaps_of_the_same_look_are_written_long_ones_jumped() {
        let mut screen = Buffer::empty(Rect::new(0, 0, 20, 2));
        screen.set_string(0, 0, "abcdefghijklmnopqrst", Style::default());
        let changed = vec![(0, 0, cell("a")), (3, 0, cell("d")), (15, 0, cell("p")), (1, 1, cell("x"))];
        let out = fill_gaps(&screen, changed);
        let xs: Vec<(u16, u16)> = out.iter().map(|(x, y, _)| (*x, *y)).collect();
        assert_eq!(xs, vec![(0, 0), (1, 0), (2, 0), (3, 0), (15, 0), (1, 1)]);
        assert_eq!(out[1].2.symbol(), "b", "the gap is what the screen shows");
    }

    #[test]
    fn a_gap_of_another_style_or_a_wide_character_is_jumped() {
        let mut screen = Buffer::empty(Rect::new(0, 0, 20, 1));
        screen.set_string(0, 0, "ab", Style::default());
        screen.set_string(2, 0, "c", Style::default().fg(Color::Red));
        screen.set_string(5, 0, "佐", Style::default());
        let out = fill_gaps(&screen, vec![(1, 0, cell("b")), (3, 0, cell("d"))]);
        assert_eq!(out.len(), 2, "the red cell would cost a colour change");
        let out = fill_gaps(&screen, vec![(4, 0, cell("e")), (8, 0, cell("f"))]);
        assert_eq!(out.len(), 2, "never half a wide character");
    }
}
