//! A plain, fast table: fixed-width columns measured in display columns
//! (accents, CJK and emoji keep their alignment), one flexible column that
//! takes the rest, optional columns dropped when the pane is narrow, and
//! only the visible rows built. Names are cut with an ellipsis.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::text;
use crate::tui::app::ListState;
use crate::tui::theme::{Role, Theme};

/// One column: its title, width, alignment, and when it may be dropped
/// (0 = never; higher numbers go first when space runs out).
#[derive(Clone, Debug)]
pub struct ColSpec {
    pub title: &'static str,
    pub width: u16,
    pub right: bool,
    pub drop: u8,
}

pub const fn col(title: &'static str, width: u16, right: bool, drop: u8) -> ColSpec {
    ColSpec { title, width, right, drop }
}

/// The columns that fit: indexes into the spec and their widths. The flex
/// column (width 0 in the spec) gets what is left, and at least `flex_min`.
pub fn fit(spec: &[ColSpec], avail: u16, flex_min: u16) -> Vec<(usize, u16)> {
    let mut keep: Vec<usize> = (0..spec.len()).collect();
    loop {
        let fixed: u16 = keep.iter().map(|&i| spec[i].width).sum();
        let seps = keep.len().saturating_sub(1) as u16;
        let has_flex = keep.iter().any(|&i| spec[i].width == 0);
        let need = fixed + seps + if has_flex { flex_min } else { 0 };
        if need <= avail {
            break;
        }
        let worst = keep.iter().enumerate().filter(|(_, &i)| spec[i].drop > 0).max_by_key(|(_, &i)| (spec[i].drop, i));
        match worst {
            Some((pos, _)) => {
                keep.remove(pos);
            }
            None => break,
        }
    }
    let fixed: u16 = keep.iter().map(|&i| spec[i].width).sum();
    let seps = keep.len().saturating_sub(1) as u16;
    let flex = avail.saturating_sub(fixed + seps);
    keep.into_iter().map(|i| (i, if spec[i].width == 0 { flex } else { spec[i].width })).collect()
}

/// A cell: its text and style.
pub type CellText = (String, Style);

/// Draws the header and the visible rows. `row` builds the cells of one
/// row (all spec columns, in spec order); only visible rows are built.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    buf: &mut Buffer,
    area: Rect,
    theme: &Theme,
    spec: &[ColSpec],
    flex_min: u16,
    list: &ListState,
    len: usize,
    highlight: bool,
    empty: &str,
    row: &dyn Fn(usize) -> Vec<CellText>,
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let cols = fit(spec, area.width, flex_min);
    let header: Vec<CellText> = spec.iter().map(|c| (c.title.to_string(), theme.style(Role::Header))).collect();
    draw_line(buf, area.x, area.y, area.width, &cols, spec, &header, None);
    let body = Rect { y: area.y + 1, height: area.height - 1, ..area };
    if len == 0 {
        if body.height > 0 {
            buf.set_stringn(body.x, body.y, empty, usize::from(body.width), theme.style(Role::Muted));
        }
        return;
    }
    let off = list.window(usize::from(body.height), len);
    for (k, i) in (off..len).take(usize::from(body.height)).enumerate() {
        let cells = row(i);
        let sel = (highlight && i == list.selected).then(|| theme.style(Role::Selection));
        draw_line(buf, body.x, body.y + k as u16, body.width, &cols, spec, &cells, sel);
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_line(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    width: u16,
    cols: &[(usize, u16)],
    spec: &[ColSpec],
    cells: &[CellText],
    sel: Option<Style>,
) {
    if let Some(s) = sel {
        buf.set_style(Rect { x, y, width, height: 1 }, s);
    }
    let mut cx = x;
    for (n, &(i, w)) in cols.iter().enumerate() {
        if n > 0 {
            cx += 1;
        }
        if w == 0 {
            continue;
        }
        let (t, style) = cells.get(i).cloned().unwrap_or_default();
        let t = text::sanitize(&t);
        let s = if spec[i].right { text::pad_left(&t, usize::from(w)) } else { text::pad_right(&t, usize::from(w)) };
        let style = match sel {
            Some(sel) => style.patch(sel),
            None => style,
        };
        let room = (x + width).saturating_sub(cx);
        buf.set_stringn(cx, y, &s, usize::from(room.min(w)), style);
        cx += w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_panes_drop_optional_columns_and_keep_the_flex_one_readable() {
        let spec = [col("Name", 0, false, 0), col("A", 10, true, 0), col("B", 10, true, 2), col("C", 10, true, 1)];
        let all = fit(&spec, 80, 12);
        assert_eq!(all, vec![(0, 47), (1, 10), (2, 10), (3, 10)]);
        let some = fit(&spec, 40, 12);
        assert_eq!(some, vec![(0, 18), (1, 10), (3, 10)]);
    }
}
