//! The client detail view (the place a person sits while on the phone):
//! contacts, terms, the next action, the aging row, open invoices and the
//! latest notes on one screen. Also the invoice view.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use rust_decimal::Decimal;

use super::fmt;
use super::table::{self, col, ColSpec};
use crate::domain::money::format_amount;
use crate::text::sanitize;
use crate::tui::app::{App, ListState};
use crate::tui::model::{aging, Aging};
use crate::tui::theme::Role;

const OPEN_COLS: [ColSpec; 8] = [
    col("Number", 11, false, 0),
    col("Due", 10, false, 4),
    col("Cur", 3, false, 2),
    col("Total", 12, true, 3),
    col("Balance", 12, true, 0),
    col("Days", 4, true, 0),
    col("Lvl", 3, true, 1),
    col("Flags", 5, false, 0),
];

fn s(text: impl AsRef<str>) -> String {
    sanitize(text.as_ref()).into_owned()
}

/// Draws client `c`. `full` is the detail view itself (open invoices are
/// selectable, two columns when wide); otherwise it is the side pane of a list.
pub fn client(app: &App, c: usize, area: Rect, buf: &mut Buffer, wide: bool, full: bool) {
    let t = &app.theme;
    let m = &app.model;
    let cl = &app.book().clients()[c];
    let row = &m.client(app.book(), c);
    let muted = t.style(Role::Muted);
    let text = t.style(Role::Text);

    let mut info: Vec<Line> = Vec::new();
    let mut head =
        vec![Span::styled(s(&cl.name), t.style(Role::Title)), Span::styled(format!("  {}", s(&cl.id)), text)];
    // A colleague changed it meanwhile (a served book): who, and how long ago.
    if let Some(mark) = app.mark_of(&cl.id) {
        head.push(Span::styled(format!("  {mark}"), t.style(Role::Key)));
    }
    if let Some(h) = &cl.hold {
        head.push(Span::styled(
            format!("  [on hold since {}: {}]", fmt::date(h.since), s(&h.reason)),
            t.style(Role::Hold),
        ));
    }
    if row.snoozed {
        if let Some(u) = cl.snoozed_until {
            head.push(Span::styled(format!("  [snoozed until {}]", fmt::date(u)), t.style(Role::Hold)));
        }
    }
    let book = app.book();
    if let Some(p) = crate::receivables::placement(book, &cl.id, m.today) {
        head.push(Span::styled(
            format!("  [with agency {} since {}]", s(&p.agency), fmt::date(p.since)),
            t.style(Role::Hold),
        ));
    }
    if let Some((r, d)) = crate::receivables::agency::latest_late_reason(book, &cl.id, m.today) {
        head.push(Span::styled(format!("  late: {} ({})", r.describe(), fmt::date(d)), muted));
    }
    info.push(Line::from(head));
    let contact =
        [s(&cl.contact), s(&cl.email), s(&cl.phone)].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>();
    info.push(Line::from(vec![
        Span::styled("contact ", muted),
        Span::styled(if contact.is_empty() { "none on file".into() } else { contact.join(" · ") }, text),
    ]));
    // Credit use goes in the terms line only when the picture below (the
    // bar and its figures) has no room: said once either way.
    let credit = crate::receivables::credit_use(book, cl, m.today);
    let terms_line = |with_credit: bool| {
        let mut terms = vec![format!("{} days", cl.terms_days)];
        if let Some(u) = &credit {
            if with_credit {
                // Balance against limit, and how far over it is.
                terms.push(format!("limit used {}", u.describe()));
            }
        } else if let Some(l) = cl.credit_limit {
            terms.push(format!("limit {} {}", format_amount(l), cl.currency));
        }
        if !cl.payment_run_days.is_empty() {
            let days: Vec<String> = cl.payment_run_days.iter().map(u8::to_string).collect();
            terms.push(format!("pays on the {}", days.join(", ")));
        }
        if !cl.owner.is_empty() {
            terms.push(format!("owner {}", s(&cl.owner)));
        }
        if !cl.tags.is_empty() {
            terms.push(s(cl.tags.join(" ")));
        }
        Line::from(vec![Span::styled("terms ", muted), Span::styled(terms.join(" · "), text)])
    };
    let terms_at = info.len();
    info.push(terms_line(false));
    let owes = vec![Span::styled("owes ", muted), Span::styled(fmt::totals(&row.balance), text)];
    let overdue = vec![
        Span::styled("overdue ", muted),
        Span::styled(fmt::totals(&row.overdue), t.style(fmt::days_role(row.oldest_days, &app.aging_bounds))),
    ];
    let both =
        Line::from(owes.iter().cloned().chain([Span::raw("  ")]).chain(overdue.iter().cloned()).collect::<Vec<_>>());
    if both.width() <= usize::from(area.width) {
        info.push(both);
    } else {
        // Two lines rather than an amount broken from its currency.
        info.push(Line::from(owes));
        info.push(Line::from(overdue));
    }
    match row.next_action.map(|a| &m.actions[a]) {
        Some(a) => info.push(Line::from(vec![
            Span::styled("next ", muted),
            Span::styled(fmt::kind_marker(a.kind), t.style(fmt::kind_role(a.kind))),
            Span::styled(format!(" · {} {} · ", a.level, s(&a.level_name)), text),
            Span::styled(s(&a.reason), muted),
        ])),
        None => info.push(Line::from(vec![Span::styled("next ", muted), Span::styled("nothing due today", muted)])),
    }

    // The aging row, per currency.
    let bounds = &app.aging_bounds;
    let ag = aging(app.book(), app.book().client_invoices(&cl.id), m.today, bounds, app.aging_basis);
    let titles = Aging::titles(bounds);
    // Cents when the row fits, whole units in a narrow side pane.
    let widest = |f: &dyn Fn(Decimal) -> String| {
        ag.rows
            .iter()
            .map(|(_, v)| crate::text::width(&f(v.iter().sum())))
            .chain(titles.iter().map(|t| crate::text::width(t)))
            .max()
            .unwrap_or(5)
            + 1
    };
    let ncols = titles.len() + 1;
    let with_cents = widest(&|d| format_amount(d));
    let cents = 5 + ncols * with_cents <= usize::from(area.width);
    let cw = if cents { with_cents } else { widest(&fmt::whole) };
    let amount = |d: Decimal| if cents { fmt::amount_or_blank(d) } else { fmt::whole(d) };
    let mut aging_lines = vec![Line::from(
        std::iter::once(Span::styled(crate::text::pad_right("aging", 5), t.style(Role::Header)))
            .chain(titles.iter().chain(std::iter::once(&"total".to_string())).enumerate().map(|(i, x)| {
                let r = if i < titles.len() { Role::bucket(i) } else { Role::Header };
                Span::styled(format!(" {}", crate::text::pad_left(x, cw - 1)), t.style(r).patch(t.style(Role::Header)))
            }))
            .collect::<Vec<_>>(),
    )];
    for (cur, amounts) in &ag.rows {
        let total: Decimal = amounts.iter().sum();
        let mut spans = vec![Span::styled(format!("{cur:<5}"), muted)];
        for (i, a) in amounts.iter().chain(std::iter::once(&total)).enumerate() {
            let r = if i < titles.len() { Role::bucket(i) } else { Role::Text };
            spans.push(Span::styled(format!(" {}", crate::text::pad_left(&amount(*a), cw - 1)), t.style(r)));
        }
        aging_lines.push(Line::from(spans));
    }
    // A narrow side pane: the buckets alone (the owes line has the total),
    // in whole units, in columns as wide as the pane allows, so moving
    // from one client to the next changes only the figures.
    let narrow_cw = usize::from(area.width).saturating_sub(4) / titles.len().max(1);
    let title_w = titles.iter().map(|x| crate::text::width(x)).max().unwrap_or(5);
    let whole_w = ag.rows.iter().flat_map(|(_, v)| v.iter()).map(|a| crate::text::width(&fmt::whole(*a))).max();
    let narrow = 5 + ncols * cw > usize::from(area.width) && title_w <= narrow_cw && whole_w.unwrap_or(0) < narrow_cw;
    if ag.rows.is_empty() {
        aging_lines.push(Line::from(Span::styled("nothing open", muted)));
    } else if narrow {
        aging_lines.clear();
        aging_lines.push(Line::from(
            std::iter::once(Span::raw("    "))
                .chain(titles.iter().enumerate().map(|(i, x)| {
                    Span::styled(
                        crate::text::pad_left(x, narrow_cw),
                        t.style(Role::bucket(i)).patch(t.style(Role::Header)),
                    )
                }))
                .collect::<Vec<_>>(),
        ));
        for (cur, amounts) in &ag.rows {
            let mut spans = vec![Span::styled(format!("{cur:<4}"), muted)];
            for (i, a) in amounts.iter().enumerate() {
                spans.push(Span::styled(crate::text::pad_left(&fmt::whole(*a), narrow_cw), t.style(Role::bucket(i))));
            }
            aging_lines.push(Line::from(spans));
        }
    } else if 5 + ncols * cw > usize::from(area.width) {
        // Too narrow even for that: one "bucket amount" pair after another.
        aging_lines.clear();
        for (cur, amounts) in &ag.rows {
            let mut spans = vec![Span::styled(format!("aging {cur}"), t.style(Role::Header))];
            for (i, a) in amounts.iter().enumerate().filter(|(_, a)| !a.is_zero()) {
                spans.push(Span::styled(format!(" · {} ", titles[i]), muted));
                spans.push(Span::styled(format_amount(*a), t.style(Role::bucket(i))));
            }
            aging_lines.push(Line::from(spans));
        }
    }

    // Latest notes, newest first.
    let reversed = &m.reversed;
    let mut notes: Vec<&crate::domain::Note> = app.book().client_notes(&cl.id).collect();
    notes.sort_by_key(|n| std::cmp::Reverse((n.date, n.at, n.id)));
    let note_lines: Vec<Line> = notes
        .iter()
        .take(8)
        .map(|n| {
            let style = if reversed.contains(&n.id) { muted } else { text };
            let mut spans = vec![
                Span::styled(format!("{} ", fmt::date(n.date)), muted),
                Span::styled(format!("{} ", n.kind), t.style(Role::Key)),
            ];
            if let Some(o) = n.outcome {
                spans.push(Span::styled(format!("{} ", o.as_str()), style));
            }
            // Marked in words, not only dimmed: it reads the same without colour.
            if reversed.contains(&n.id) {
                spans.push(Span::styled("(undone) ", muted));
            }
            spans.push(Span::styled(s(&n.text), style));
            for e in crate::tui::screens::notes::extras(n) {
                let r = if e.starts_with("promise") { Role::Promise } else { Role::Muted };
                spans.push(Span::styled(format!(" · {}", s(e)), t.style(r)));
            }
            Line::from(spans)
        })
        .collect();

    let (left, right) = if full && wide {
        let [l, _, r] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Length(1), Constraint::Min(30)]).areas(area);
        (l, Some(r))
    } else {
        (area, None)
    };
    // Long lines wrap rather than being cut: the why and the terms matter.
    let lw = usize::from(left.width.max(1));
    let rows = |lines: &[Line]| lines.iter().map(|l| l.width().max(1).div_ceil(lw)).sum::<usize>() as u16;
    let aging_rows = rows(&aging_lines);
    let heights = |info: &[Line]| {
        let info_h = rows(info).min(left.height / 2);
        let y = left.y + info_h + u16::from(left.height > info_h + 1);
        let aging_h = aging_rows.min((left.y + left.height).saturating_sub(y));
        (info_h, y, aging_h)
    };
    let (mut info_h, mut y, mut aging_h) = heights(&info);
    // Pictures, when the rest keeps room for the invoices and notes.
    let pictured = (left.y + left.height).saturating_sub(y + aging_h + 1) > 9;
    if credit.is_some() && !pictured {
        info[terms_at] = terms_line(true);
        (info_h, y, aging_h) = heights(&info);
    }
    Paragraph::new(info).wrap(Wrap { trim: true }).render(Rect { height: info_h, ..left }, buf);
    // The narrow table's header starts with blanks that must stay.
    Paragraph::new(aging_lines).wrap(Wrap { trim: !narrow }).render(Rect { y, height: aging_h, ..left }, buf);
    y += aging_h + 1;

    // How long the client took to pay, and how much of its credit limit is used.
    if pictured {
        // The client view draws the days-to-pay sparkline; a list's side
        // pane only its figures (fewer bytes per move over SSH), in rows
        // kept for every client, so nothing below shifts from one to the next.
        let drawn = pictures(app, c, credit.as_ref(), Rect { y, height: if full { 4 } else { 3 }, ..left }, buf, full);
        if !full {
            y += 4;
        } else if drawn > 0 {
            y += drawn + 1;
        }
    }

    // Open invoices: selectable in the detail view.
    let inv_area = match right {
        Some(r) => r,
        None => {
            let rest = (left.y + left.height).saturating_sub(y);
            let notes_h = if note_lines.is_empty() { 2 } else { (note_lines.len() as u16 + 1).min(rest / 2).max(3) };
            Rect { y, height: rest.saturating_sub(notes_h), ..left }
        }
    };
    let notes_area = match right {
        Some(_) => Rect { y, height: (left.y + left.height).saturating_sub(y), ..left },
        None => Rect {
            y: inv_area.y + inv_area.height,
            height: (left.y + left.height).saturating_sub(inv_area.y + inv_area.height),
            ..left
        },
    };
    if let Some(r) = right {
        for yy in r.y..r.y + r.height {
            buf.set_string(r.x - 1, yy, "│", t.style(Role::Border));
        }
    }
    let open: &[usize] = if full { &app.screens.detail.rows } else { &[] };
    let side_rows: Vec<usize>;
    let open = if full {
        open
    } else {
        side_rows = m.open_invoices(app.book(), c);
        &side_rows
    };
    if inv_area.height >= 2 {
        super::title(app, inv_area, buf, "Open invoices", &[open.len().to_string()]);
        let body = Rect { y: inv_area.y + 1, height: inv_area.height - 1, ..inv_area };
        let fresh = ListState::default();
        let list = if full { &app.screens.detail.list } else { &fresh };
        table::draw(buf, body, t, &OPEN_COLS, 10, list, open.len(), full, "none", &|i| {
            let row = &m.invoice(app.book(), open[i]);
            let inv = &app.book().invoices()[row.ix];
            let role = fmt::days_role(row.days_overdue, bounds);
            vec![
                (inv.number.to_string(), text),
                (fmt::date(inv.due_date), text),
                (inv.currency.to_string(), muted),
                (format_amount(inv.total), muted),
                (format_amount(row.balance), t.style(role)),
                (if row.days_overdue > 0 { row.days_overdue.to_string() } else { String::new() }, t.style(role)),
                // In the balance's style: a row changes look once, not three times.
                (row.level.map(|l| l.to_string()).unwrap_or_default(), t.style(role)),
                (crate::tui::screens::invoices::flags(row), t.style(crate::tui::screens::invoices::flags_role(row))),
            ]
        });
    }
    if notes_area.height >= 2 {
        super::title(app, notes_area, buf, "Latest notes", &[notes.len().to_string()]);
        let body = Rect { y: notes_area.y + 1, height: notes_area.height - 1, ..notes_area };
        let lines =
            if note_lines.is_empty() { vec![Line::from(Span::styled("no notes yet", muted))] } else { note_lines };
        Paragraph::new(lines).wrap(Wrap { trim: true }).render(body, buf);
    }
}

/// One invoice: amounts, dates, dispute, lines, payments and credits.
pub fn invoice(app: &App, r: usize, area: Rect, buf: &mut Buffer, scroll: u16) {
    let t = &app.theme;
    let row = &app.model.invoice(app.book(), r);
    let inv = &app.book().invoices()[row.ix];
    let muted = t.style(Role::Muted);
    let text = t.style(Role::Text);
    let client = row.client.map(|c| app.book().clients()[c].name.clone()).unwrap_or_else(|| inv.client_id.to_string());
    let role = fmt::days_role(row.days_overdue, &app.aging_bounds);
    let status =
        if row.is_overdue() { format!("overdue {} days", row.days_overdue) } else { row.status.as_str().to_string() };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("Invoice {}", s(&inv.number)), t.style(Role::Title)),
            Span::styled(format!("  {}", s(&client)), text),
        ]),
        Line::from(vec![
            Span::styled("issued ", muted),
            Span::styled(fmt::date(inv.issue_date), text),
            Span::styled("  due ", muted),
            Span::styled(fmt::date(inv.due_date), text),
            Span::styled("  ", muted),
            Span::styled(status, t.style(if row.is_open() { role } else { Role::Muted })),
        ]),
        Line::from(vec![
            Span::styled("total ", muted),
            Span::styled(format!("{} {}", format_amount(inv.total), inv.currency), text),
            Span::styled("  balance ", muted),
            Span::styled(format!("{} {}", format_amount(row.balance), inv.currency), t.style(role)),
        ]),
    ];
    let mut facts = Vec::new();
    if !inv.reference.is_empty() {
        facts.push(format!("reference {}", s(&inv.reference)));
    }
    if let Some(l) = row.level {
        facts.push(format!("level {l} reached"));
    }
    if row.promised {
        facts.push("payment promised".into());
    }
    if inv.excluded {
        facts.push("excluded from chasing".into());
    }
    if !facts.is_empty() {
        lines.push(Line::from(Span::styled(facts.join(" · "), muted)));
    }
    if let Some(d) = &inv.dispute {
        lines.push(Line::from(Span::styled(
            format!("disputed since {}: {}", fmt::date(d.since), s(&d.reason)),
            t.style(Role::Dispute),
        )));
    }
    if !inv.lines.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Lines", t.style(Role::Header))));
        for l in &inv.lines {
            lines.push(Line::from(vec![
                Span::styled(format!("{} × {} ", l.quantity, format_amount(l.unit_price)), muted),
                Span::styled(s(&l.description), text),
                Span::styled(format!("  {}", format_amount(l.total())), text),
            ]));
        }
    }
    let allocs: Vec<_> = app.book().invoice_allocations(&inv.number).collect();
    let adjs: Vec<_> = app.book().invoice_adjustments(&inv.number).collect();
    if !allocs.is_empty() || !adjs.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Payments and adjustments", t.style(Role::Header))));
        for (p, a) in allocs {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", fmt::date(p.date)), muted),
                Span::styled(format!("payment {} {} ", format_amount(a.amount), p.currency), t.style(Role::Ok)),
                Span::styled(format!("{} {}", p.method.as_str(), s(&p.reference)), muted),
            ]));
        }
        for a in adjs {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", fmt::date(a.date)), muted),
                Span::styled(format!("{} {} ", a.kind.as_str(), format_amount(a.amount)), text),
                Span::styled(s(&a.reason), muted),
            ]));
        }
    }
    let scroll = scroll.min(lines.len().saturating_sub(1) as u16);
    Paragraph::new(lines).wrap(Wrap { trim: true }).scroll((scroll, 0)).render(area, buf);
}

/// Days to pay of the client's paid invoices (oldest first, the last 24),
/// as a sparkline, and its credit limit in use, as a bar (both only with
/// `pictures`; a side pane has the figures alone). Text says what both
/// show (average, latest, "OVER LIMIT"), so they read without colour.
/// Returns the rows drawn.
/// `credit`: the client's credit use, worked out once by the caller (it
/// sums every open invoice of the client).
pub fn pictures(
    app: &App,
    c: usize,
    credit: Option<&crate::receivables::CreditUse>,
    area: Rect,
    buf: &mut Buffer,
    sparkline: bool,
) -> u16 {
    use ratatui::widgets::{LineGauge, Sparkline};
    let t = &app.theme;
    let book = app.book();
    let cl = &book.clients()[c];
    let today = app.model.today;
    let mut y = area.y;
    let mut paid: Vec<(chrono::NaiveDate, i64)> = book
        .client_invoices(&cl.id)
        .filter_map(|i| crate::receivables::kpi::days_to_pay(book, i, today).map(|d| (i.issue_date, d)))
        .collect();
    paid.sort();
    let days: Vec<u64> = paid.iter().rev().take(24).rev().map(|(_, d)| (*d).max(0) as u64).collect();
    let label_w = 12u16;
    let room = area.width.saturating_sub(label_w);
    let end = area.y + area.height;
    if !days.is_empty() && y < end {
        let avg = days.iter().sum::<u64>() / days.len() as u64;
        let last = days.last().copied().unwrap_or(0);
        // The count last: it changes length most, and moves nothing after it.
        let facts = format!("avg {avg} · last {last} · {} paid", days.len());
        let fw = crate::text::width(&facts) as u16;
        buf.set_stringn(area.x, y, "days to pay ", usize::from(label_w), t.style(Role::Muted));
        let spark = |x: u16, y: u16, w: u16, buf: &mut Buffer| {
            let data = &days[days.len() - usize::from(w)..];
            Sparkline::default().data(data).style(t.style(Role::Call)).render(Rect { x, y, width: w, height: 1 }, buf);
        };
        let beside = if sparkline { room.saturating_sub(fw + 1).min(days.len() as u16) } else { 0 };
        if beside >= (days.len() as u16).min(8) || (!sparkline && fw <= room) {
            spark(area.x + label_w, y, beside, buf);
            let x = area.x + label_w + beside + u16::from(beside > 0);
            buf.set_string(x, y, &facts, t.style(Role::Text));
        } else {
            // The facts go under the picture rather than lose a figure.
            if sparkline {
                spark(area.x + label_w, y, room.min(days.len() as u16), buf);
            }
            if y + 1 < end {
                y += 1;
                let x = if fw <= room { area.x + label_w } else { area.x };
                buf.set_stringn(x, y, &facts, usize::from(area.width), t.style(Role::Text));
            }
        }
        y += 1;
    }
    if let Some(cu) = credit {
        if y < area.y + area.height && cu.limit > Decimal::ZERO {
            use rust_decimal::prelude::ToPrimitive;
            // A display ratio only: the amounts themselves stay decimal.
            let ratio = (cu.balance / cu.limit).clamp(Decimal::ZERO, Decimal::ONE).to_f64().unwrap_or(0.0);
            let pct = (cu.balance * Decimal::from(100) / cu.limit).round();
            let over = cu.over();
            // A side pane's owes line has the balance already: there, the
            // limit is what is new (fewer figures to redraw per client).
            let figures = if !sparkline && app.model.client(book, c).balance.get(cu.currency) == cu.balance {
                let by =
                    if over { format!(" (over by {})", format_amount(cu.balance - cu.limit)) } else { String::new() };
                format!("{pct}% of {} {}{by}", format_amount(cu.limit), cu.currency)
            } else {
                format!("{pct}% · {}", cu.describe())
            };
            // A space from the bar; the label has its own.
            let gap = if sparkline { " " } else { "" };
            let facts = format!("{gap}{figures}{}", if over { " OVER LIMIT" } else { "" });
            let fw = crate::text::width(&facts) as u16;
            // A list's side pane shows the figures only, as it does for the
            // days to pay: a bar redrawn for every client costs three bytes a cell.
            let bar_w = if sparkline { area.width.saturating_sub(label_w).min(30) } else { 0 };
            buf.set_stringn(area.x, y, "credit used ", usize::from(label_w), t.style(Role::Muted));
            if bar_w > 0 {
                LineGauge::default()
                    .ratio(ratio)
                    .label("")
                    .filled_symbol("█")
                    .unfilled_symbol("░")
                    .filled_style(t.style(if over { Role::Error } else { Role::Ok }))
                    .unfilled_style(t.style(Role::Muted))
                    .render(Rect { x: area.x + label_w, y, width: bar_w, height: 1 }, buf);
            }
            // The facts go beside the bar, or under it rather than lose an amount.
            let role = if over { Role::Error } else { Role::Text };
            if label_w + bar_w + fw <= area.width {
                buf.set_string(area.x + label_w + bar_w, y, &facts, t.style(role));
            } else if y + 1 < area.y + area.height {
                let facts = facts.trim_start();
                let x =
                    if label_w + crate::text::width(facts) as u16 <= area.width { area.x + label_w } else { area.x };
                buf.set_stringn(x, y + 1, facts, usize::from(area.width), t.style(role));
                y += 1;
            }
            y += 1;
        }
    }
    y - area.y
}
