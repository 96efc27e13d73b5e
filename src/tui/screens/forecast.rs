//! Forecast: expected cash-in by week for the next eight weeks
//! (`receivables::forecast`: promises, plan instalments and each client's
//! paying habit), one currency at a time (`j`/`k` choose), with what is
//! overdue and unpromised shown apart. A bar chart of the weeks' totals
//! sits above the table when there is room; the table always shows.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Widget};
use rust_decimal::Decimal;

use super::{hint, move_delta, Cx, Hint, Outcome, Screen};
use crate::domain::money::format_amount;
use crate::domain::Currency;
use crate::receivables::forecast::{cash_in, CashForecast, Flows};
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, Side};
use crate::tui::keymap::Section;
use crate::tui::theme::Role;
use crate::tui::ui::fmt;

pub const WEEKS: usize = 8;

#[derive(Clone, Debug, Default)]
pub struct Forecast {
    pub data: Option<CashForecast>,
    /// The currencies, and which one is shown.
    pub currencies: Vec<Currency>,
    pub selected: usize,
}

impl Forecast {
    pub fn currency(&self) -> Option<Currency> {
        self.currencies.get(self.selected).copied()
    }
}

impl Screen for Forecast {
    fn title(&self, _app: &App) -> String {
        "Forecast".into()
    }

    fn section(&self) -> Section {
        Section::List
    }

    fn commands(&self, _app: &App) -> Vec<Hint> {
        vec![hint(Action::Down, "next currency"), hint(Action::Up, "previous currency")]
    }

    fn show(&mut self, cx: &Cx, _stale: bool) {
        self.build(cx);
    }

    /// Worked out again only if it was ever shown.
    fn refresh(&mut self, cx: &Cx) {
        if self.data.is_some() {
            self.build(cx);
        }
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome {
        let Some(d) = move_delta(action, cx.page) else { return Outcome::Ignored };
        let n = self.currencies.len() as isize;
        if n > 0 {
            self.selected = (self.selected as isize + d.signum()).clamp(0, n - 1) as usize;
        }
        Outcome::Done
    }

    fn selected(&self) -> usize {
        self.selected
    }

    fn focus(&self, _app: &App) -> Option<usize> {
        None
    }

    fn side(&self, _app: &App) -> Side {
        Side::None
    }

    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, _wide: bool) {
        draw(self, app, area, buf);
    }

    /// The whole book: no client is in focus here.
    fn logs(&self) -> bool {
        false
    }
}

impl Forecast {
    fn build(&mut self, cx: &Cx) {
        let f = cash_in(cx.book, cx.model.today, WEEKS);
        let keep = self.currency();
        self.currencies = f.currencies();
        self.selected = keep.and_then(|c| self.currencies.iter().position(|x| *x == c)).unwrap_or(0);
        self.data = Some(f);
    }
}

fn flows(f: &CashForecast, week: usize, cur: Currency) -> Flows {
    f.weeks[week].by_currency.get(&cur).copied().unwrap_or_default()
}

fn draw(s: &Forecast, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let Some(f) = &s.data else { return };
    let from = f.today.format("%a %d %b").to_string();
    crate::tui::ui::title(app, area, buf, "Forecast", &[format!("cash-in by week from {from}")]);
    if s.currencies.is_empty() {
        buf.set_stringn(
            area.x,
            area.y + 2,
            "Nothing is owed: nothing to expect.",
            usize::from(area.width),
            t.style(Role::Muted),
        );
        return;
    }
    let mut y = area.y + 1;
    let bottom = area.y + area.height;
    // One line per currency: expected in the weeks, overdue and unpromised
    // (apart: nothing says when it comes), later.
    for (i, cur) in s.currencies.iter().enumerate() {
        if y >= bottom {
            return;
        }
        let expected: Decimal = (0..f.weeks.len()).map(|w| flows(f, w, *cur).total()).sum();
        let overdue = f.overdue_unpromised.get(cur).copied().unwrap_or_default();
        let later = f.later.get(cur).map(Flows::total).unwrap_or_default();
        let sel = i == s.selected;
        let mark = if sel { "▶ " } else { "  " };
        let mut spans = vec![
            Span::styled(format!("{mark}{cur} "), if sel { t.style(Role::Title) } else { t.style(Role::Text) }),
            Span::styled(format!("expected {}", format_amount(expected)), t.style(Role::Ok)),
            Span::styled(" · overdue, unpromised ", t.style(Role::Muted)),
            Span::styled(format_amount(overdue), t.style(Role::Overdue4)),
        ];
        if !later.is_zero() {
            spans.push(Span::styled(format!(" · later {}", format_amount(later)), t.style(Role::Muted)));
        }
        // Wraps rather than cutting an amount.
        let line = Line::from(spans);
        let h = (line.width().div_ceil(usize::from(area.width.max(1))) as u16).max(1);
        let r = Rect { y, height: h.min(bottom - y), ..area };
        ratatui::widgets::Paragraph::new(line).wrap(ratatui::widgets::Wrap { trim: false }).render(r, buf);
        y += h;
    }
    let Some(cur) = s.currency() else { return };
    // The table of weeks: 1 header + the weeks.
    let table_h = 1 + f.weeks.len() as u16;
    let room = bottom.saturating_sub(y);
    if room < table_h {
        return;
    }
    // A chart of the weeks' totals when it gets at least 5 rows.
    let chart_h = room.saturating_sub(table_h + 1).min(12);
    if chart_h >= 5 {
        let scale = |d: Decimal| -> u64 { d.round().try_into().unwrap_or(0) };
        let bars: Vec<Bar> = (0..f.weeks.len())
            .map(|w| {
                let total = flows(f, w, cur).total();
                Bar::default()
                    .value(scale(total))
                    .text_value(fmt::whole(total))
                    .label(Line::from(f.weeks[w].start.format("%d %b").to_string()))
                    .style(t.style(Role::Ok))
                    .value_style(t.style(Role::Selection))
            })
            .collect();
        let n = f.weeks.len() as u16;
        let bar_w = (area.width.saturating_sub(n) / n).clamp(3, 12);
        BarChart::default()
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_w)
            .bar_gap(1)
            .render(Rect { y: y + 1, height: chart_h, ..area }, buf);
        y += chart_h + 1;
    }
    // Columns as wide as their largest amount; all four when they fit,
    // else the total with the promised part (the firmest).
    let cell = |d: Decimal| fmt::amount_or_blank(d);
    let widest = |get: &dyn Fn(&Flows) -> Decimal, title: &str| {
        (0..f.weeks.len())
            .map(|w| text::width(&cell(get(&flows(f, w, cur)))))
            .max()
            .unwrap_or(0)
            .max(text::width(title))
    };
    type Column = (&'static str, fn(&Flows) -> Decimal, Role);
    let cols: [Column; 4] = [
        ("promised", |x| x.promised, Role::Promise),
        ("plans", |x| x.planned, Role::Text),
        ("habit", |x| x.habit, Role::Muted),
        ("total", Flows::total, Role::Title),
    ];
    let week_w = 14;
    let widths: Vec<usize> = cols.iter().map(|(n, g, _)| widest(g, n)).collect();
    let all = week_w + widths.iter().map(|w| w + 2).sum::<usize>() <= usize::from(area.width);
    let keep: Vec<usize> = if all { vec![0, 1, 2, 3] } else { vec![0, 3] };
    let mut header = vec![Span::styled(text::pad_right(&format!("{cur} week"), week_w), t.style(Role::Header))];
    for &c in &keep {
        header.push(Span::styled(format!("  {}", text::pad_left(cols[c].0, widths[c])), t.style(Role::Header)));
    }
    buf.set_line(area.x, y, &Line::from(header), area.width);
    for w in 0..f.weeks.len() {
        let yy = y + 1 + w as u16;
        if yy >= bottom {
            break;
        }
        let fl = flows(f, w, cur);
        let wk = &f.weeks[w];
        let label = format!("{}–{}", wk.start.format("%d %b"), wk.end.format("%d %b"));
        let mut spans = vec![Span::styled(text::pad_right(&label, week_w), t.style(Role::Muted))];
        for &c in &keep {
            let v = cell((cols[c].1)(&fl));
            spans.push(Span::styled(format!("  {}", text::pad_left(&v, widths[c])), t.style(cols[c].2)));
        }
        buf.set_line(area.x, yy, &Line::from(spans), area.width);
    }
}
