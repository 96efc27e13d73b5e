//! Aging: open balances by bucket, per currency, for the book and per
//! client. A cell is selected with ←/→; Enter lists its invoices.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use rust_decimal::Decimal;

use super::{hint, list_moves, Cx, Hint, Outcome, Screen};
use crate::domain::money::format_amount;
use crate::domain::Currency;
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, ListState, Scope, Side};
use crate::tui::keymap::Section;
use crate::tui::model::{aging, Aging};
use crate::tui::theme::Role;
use crate::tui::ui::fmt;

/// One row of the aging table: the whole book (client None) or one client.
#[derive(Clone, Debug)]
pub struct AgingRow {
    pub client: Option<usize>,
    pub currency: Currency,
    pub amounts: Vec<Decimal>,
}

#[derive(Clone, Debug, Default)]
pub struct AgingScreen {
    /// Built on first visit: the book's rows first, then one per client and currency.
    pub all: Vec<AgingRow>,
    pub built: bool,
    pub rows: Vec<usize>,
    pub list: ListState,
    pub col: usize,
    pub filter: String,
}

impl AgingScreen {
    /// The table is built on the first visit, not at start-up: the first
    /// screen does not need it.
    fn build(&mut self, cx: &Cx) {
        let book = cx.book;
        let mut all: Vec<AgingRow> = aging(book, book.invoices().iter(), cx.model.today, cx.bounds, cx.basis)
            .rows
            .into_iter()
            .map(|(currency, amounts)| AgingRow { client: None, currency, amounts })
            .collect();
        let mut per_client: Vec<AgingRow> = Vec::new();
        let rows = cx.rows();
        for (ci, c) in book.clients().iter().enumerate() {
            if rows.clients[ci].open_invoices == 0 {
                continue;
            }
            for (currency, amounts) in
                aging(book, book.client_invoices(&c.id), cx.model.today, cx.bounds, cx.basis).rows
            {
                per_client.push(AgingRow { client: Some(ci), currency, amounts });
            }
        }
        // Worst first: the most in the oldest buckets.
        per_client.sort_by(|a, b| {
            let key = |r: &AgingRow| r.amounts.iter().rev().cloned().collect::<Vec<Decimal>>();
            key(b).cmp(&key(a))
        });
        all.extend(per_client);
        self.all = all;
        self.built = true;
    }

    fn narrow(&mut self, cx: &Cx) {
        let f = &self.filter;
        let all = &self.all;
        self.rows = (0..all.len())
            .filter(|&i| match all[i].client {
                None => f.is_empty(),
                Some(c) => super::clients::client_matches(cx, c, f),
            })
            .collect();
        self.list.clamp(self.rows.len());
    }
}

impl Screen for AgingScreen {
    fn title(&self, _app: &App) -> String {
        "Aging".into()
    }

    fn section(&self) -> Section {
        Section::Aging
    }

    fn commands(&self, _app: &App) -> Vec<Hint> {
        vec![
            hint(Action::Right, "bucket →"),
            hint(Action::Left, "bucket ←"),
            hint(Action::Enter, "invoices"),
            hint(Action::Filter, "filter"),
        ]
    }

    /// Built on the first visit, and again when the book changed since.
    fn show(&mut self, cx: &Cx, stale: bool) {
        if !self.built || stale {
            self.build(cx);
        }
        self.narrow(cx);
    }

    /// The book changed: built again if it was ever shown.
    fn refresh(&mut self, cx: &Cx) {
        if self.built {
            self.build(cx);
            self.narrow(cx);
        }
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome {
        match action {
            Action::Left => {
                self.col = self.col.saturating_sub(1);
                Outcome::Done
            }
            Action::Right => {
                let n = Aging::bucket_count(cx.bounds) + 1;
                self.col = (self.col + 1).min(n - 1);
                Outcome::Done
            }
            Action::Enter => match self.rows.get(self.list.selected).map(|&i| &self.all[i]) {
                Some(row) => Outcome::ShowInvoices {
                    scope: row.client.map_or(Scope::Book, Scope::Client),
                    bucket: Some((row.currency, self.col)),
                },
                None => Outcome::Done,
            },
            _ => list_moves(&mut self.list, self.rows.len(), action, cx, !self.filter.is_empty()),
        }
    }

    super::filtered_list!(|s: &mut Self, cx: &Cx| {
        s.list.selected = 0;
        if !s.built {
            s.build(cx);
        }
        s.narrow(cx);
    });

    fn focus(&self, _app: &App) -> Option<usize> {
        self.rows.get(self.list.selected).and_then(|&i| self.all[i].client)
    }

    fn side(&self, _app: &App) -> Side {
        match self.rows.get(self.list.selected) {
            Some(&i) => self.all[i].client.map_or(Side::Book, Side::Client),
            None => Side::None,
        }
    }

    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
        crate::tui::ui::list_screen(app, area, buf, wide, &|r, b| draw_list(self, app, r, b));
    }
}

fn draw_list(s: &AgingScreen, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
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
    let filter = super::filter_fact(&s.filter);
    let unit = if cents { String::new() } else { "whole units".into() };
    let heading = match app.aging_basis {
        crate::receivables::aging::AgeBasis::DueDate => "Aging by due date",
        crate::receivables::aging::AgeBasis::InvoiceDate => "Aging by invoice date",
    };
    let position = crate::tui::ui::position(s.list.selected, s.rows.len());
    crate::tui::ui::title(app, list, buf, heading, &[position, unit, filter]);
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

/// The book's open totals per currency, beside the aging table (Tab shows
/// it in a narrow terminal), each with a bar chart of its buckets: the
/// bucket's name under each bar and its amount on it, so it reads without
/// colour.
pub fn book_summary(app: &App, side: Rect, buf: &mut Buffer) {
    use ratatui::widgets::{Bar, BarChart, BarGroup, Widget};
    let t = &app.theme;
    crate::tui::ui::title(app, side, buf, "The whole book", &["Enter lists a cell's invoices".into()]);
    let titles = Aging::titles(&app.aging_bounds);
    let rows: Vec<&AgingRow> = app.screens.aging.all.iter().filter(|r| r.client.is_none()).collect();
    let mut y = side.y + 2;
    let bottom = side.y + side.height;
    let chart_h =
        if rows.is_empty() { 0 } else { (bottom.saturating_sub(y) / rows.len() as u16).saturating_sub(2).clamp(0, 10) };
    for r in rows {
        if y >= bottom {
            return;
        }
        let total: Decimal = r.amounts.iter().sum();
        let line = format!("{}: {} open", r.currency, format_amount(total));
        buf.set_stringn(side.x, y, line, usize::from(side.width), t.style(Role::Header));
        y += 1;
        if chart_h < 4 || y + chart_h > bottom {
            continue;
        }
        let n = r.amounts.len() as u16;
        let bar_w = (side.width.saturating_sub(n) / n.max(1)).clamp(3, 12);
        let bars: Vec<Bar> = r
            .amounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Bar::default()
                    .value(a.round().try_into().unwrap_or(0))
                    .text_value(fmt::whole(*a))
                    .label(Line::from(titles.get(i).cloned().unwrap_or_default()))
                    .style(t.style(Role::bucket(i)))
                    .value_style(t.style(Role::Selection))
            })
            .collect();
        BarChart::default()
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_w)
            .bar_gap(1)
            .render(Rect { y, height: chart_h, ..side }, buf);
        y += chart_h + 1;
    }
}
