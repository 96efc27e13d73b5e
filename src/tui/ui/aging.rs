//! Aging: open balances by bucket, per currency, for the book and per
//! client. A cell is selected with ←/→; Enter lists its invoices.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use rust_decimal::Decimal;

use super::fmt;
use crate::domain::money::format_amount;
use crate::text;
use crate::tui::app::App;
use crate::tui::model::Aging;
use crate::tui::theme::Role;

pub fn draw_list(app: &App, area: Rect, buf: &mut Buffer, _wide: bool) {
    let t = &app.theme;
    let s = &app.aging;
    let list = area;
    let titles = Aging::titles(&app.aging_bounds);
    let ncols = titles.len() + 1;
    // Columns as wide as the largest amount; cents when there is room,
    // whole units in a narrow pane.
    let widest = |f: &dyn Fn(Decimal) -> String| -> u16 {
        s.all.iter().map(|r| f(r.amounts.iter().sum())).map(|x| crate::text::width(&x) as u16).max().unwrap_or(0)
    };
    let with_cents = widest(&fmt::amount_or_blank).max(7) + 1;
    let cents = list.width >= 20 + (with_cents + 1) * ncols as u16;
    let amount_w: u16 = if cents { with_cents } else { widest(&fmt::whole).max(7) + 1 };
    let name_w = list.width.saturating_sub((amount_w + 1) * ncols as u16).max(8);
    let filter = if s.filter.is_empty() { String::new() } else { format!("filter: {}", s.filter) };
    let unit = if cents { String::new() } else { "whole units".into() };
    let heading = match app.aging_basis {
        crate::receivables::aging::AgeBasis::DueDate => "Aging by due date",
        crate::receivables::aging::AgeBasis::InvoiceDate => "Aging by invoice date",
    };
    super::title(app, list, buf, heading, &[super::position(s.list.selected, s.rows.len()), unit, filter]);
    if list.height < 3 {
        return;
    }
    // Header.
    let mut header = vec![Span::styled(text::pad_right("Client", usize::from(name_w)), t.style(Role::Header))];
    for (i, title) in titles.iter().chain(std::iter::once(&"total".to_string())).enumerate() {
        let style = t.style(if i < titles.len() { Role::bucket(i) } else { Role::Header }).patch(t.style(Role::Header));
        header.push(Span::raw(" "));
        header.push(Span::styled(text::pad_left(title, usize::from(amount_w)), style));
    }
    buf.set_line(list.x, list.y + 1, &Line::from(header), list.width);
    let body = Rect { y: list.y + 2, height: list.height - 2, ..list };
    if s.rows.is_empty() {
        let msg = if s.all.is_empty() { "Nothing is owed: no open invoices." } else { "No client matches the filter." };
        buf.set_stringn(body.x, body.y, msg, usize::from(body.width), t.style(Role::Muted));
    }
    let off = s.list.window(usize::from(body.height), s.rows.len());
    for (k, &ri) in s.rows.iter().enumerate().skip(off).take(usize::from(body.height)) {
        let row = &s.all[ri];
        let y = body.y + (k - off) as u16;
        let selected = k == s.list.selected;
        let name = match row.client {
            None => format!("ALL {}", row.currency),
            Some(c) => format!("{} {}", text::sanitize(&app.book().clients()[c].name), row.currency),
        };
        // The currency stays visible however the name is cut.
        let name = match row.client {
            None => name,
            Some(c) => {
                let n = text::sanitize(&app.book().clients()[c].name);
                format!("{} {}", text::truncate(&n, usize::from(name_w).saturating_sub(4)), row.currency)
            }
        };
        let row_style = if selected { t.style(Role::Title) } else { t.style(Role::Text) };
        let name_style = if row.client.is_none() { t.style(Role::Header) } else { row_style };
        let mut spans = vec![Span::styled(text::pad_right(&name, usize::from(name_w)), name_style)];
        let total: Decimal = row.amounts.iter().sum();
        for (i, a) in row.amounts.iter().chain(std::iter::once(&total)).enumerate() {
            let s_txt = if cents { fmt::amount_or_blank(*a) } else { fmt::whole(*a) };
            let mut style = if i < titles.len() { t.style(Role::bucket(i)) } else { row_style };
            if selected {
                style = style.patch(row_style);
                if i == s.col {
                    style = style.patch(t.style(Role::Selection));
                }
            }
            let s_txt = if selected && i == s.col && s_txt.is_empty() { "-".to_string() } else { s_txt };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(text::pad_left(&s_txt, usize::from(amount_w)), style));
        }
        buf.set_line(body.x, y, &Line::from(spans), body.width);
    }
}

/// The book's open totals per currency, beside the aging table.
pub fn book_summary(app: &App, side: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    super::title(app, side, buf, "The whole book", &[]);
    let mut y = side.y + 2;
    for r in app.aging.all.iter().filter(|r| r.client.is_none()) {
        if y >= side.y + side.height {
            return;
        }
        let total: Decimal = r.amounts.iter().sum();
        let line = format!("{}: {} open", r.currency, format_amount(total));
        buf.set_stringn(side.x, y, line, usize::from(side.width), t.style(Role::Text));
        y += 1;
    }
    if y + 1 < side.y + side.height {
        buf.set_stringn(
            side.x,
            y + 1,
            "Enter lists the invoices in the selected cell.",
            usize::from(side.width),
            t.style(Role::Muted),
        );
    }
}
