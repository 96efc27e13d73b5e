//! Invoices: of the selected client, or of the whole book, by status.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::fmt;
use super::table::{self, col, ColSpec};
use crate::domain::money::format_amount;
use crate::tui::app::{App, Scope};
use crate::tui::model::{Aging, InvoiceRow};
use crate::tui::theme::{Role, Theme};

const COLS: [ColSpec; 11] = [
    col("Number", 11, false, 0),
    col("Client", 0, false, 0),
    col("Issued", 10, false, 3),
    col("Due", 10, false, 0),
    col("Cur", 3, false, 0),
    col("Total", 12, true, 2),
    col("Balance", 12, true, 0),
    col("Days", 4, true, 0),
    col("Lvl", 3, true, 1),
    col("Flags", 5, false, 0),
    col("Status", 11, false, 4),
];

/// Flags read without colour: D disputed, P promised, X excluded.
pub fn flags(r: &InvoiceRow) -> String {
    format!(
        "{}{}{}",
        if r.disputed { 'D' } else { '·' },
        if r.promised { 'P' } else { '·' },
        if r.excluded { 'X' } else { '·' }
    )
}

pub fn flags_role(r: &InvoiceRow) -> Role {
    if r.disputed {
        Role::Dispute
    } else if r.promised {
        Role::Promise
    } else {
        Role::Muted
    }
}

pub fn draw_list(app: &App, area: Rect, buf: &mut Buffer, _wide: bool) {
    let t = &app.theme;
    let s = &app.invoices;
    let list = area;
    let who = match s.scope {
        Scope::Client(c) => app.book().clients()[c].name.clone(),
        Scope::Book => "whole book".into(),
    };
    let bucket = s
        .bucket
        .map(|(cur, b)| {
            let titles = Aging::titles(&app.aging_bounds);
            format!("{cur} {}", titles.get(b).map_or("all open", String::as_str))
        })
        .unwrap_or_default();
    let filter = if s.filter.is_empty() { String::new() } else { format!("filter: {}", s.filter) };
    super::title(
        app,
        list,
        buf,
        "Invoices",
        &[who, format!("status: {}", s.status.title()), bucket, super::position(s.list.selected, s.rows.len()), filter],
    );
    let body = Rect { y: list.y + 1, height: list.height.saturating_sub(1), ..list };
    // The client column only helps when the list spans several clients.
    let spec: Vec<ColSpec> = COLS
        .iter()
        .filter(|c| s.scope == Scope::Book || c.title != "Client")
        .cloned()
        .map(|mut c| {
            if s.scope != Scope::Book && c.title == "Number" {
                c.width = 0;
            }
            c
        })
        .collect();
    let book_scope = s.scope == Scope::Book;
    table::draw(
        buf,
        body,
        t,
        &spec,
        12,
        &s.list,
        s.rows.len(),
        true,
        "No invoice here (f changes the status filter, a the scope).",
        &|i| {
            let mut cells = row_cells(app, t, s.rows[i]);
            if !book_scope {
                cells.remove(1);
            }
            cells
        },
    );
}

/// The cells of one invoice row, in `COLS` order.
pub fn row_cells(app: &App, t: &Theme, r: usize) -> Vec<table::CellText> {
    let m = &app.model;
    let row = &m.invoices[r];
    let inv = &app.book().invoices()[row.ix];
    let client = row.client.map(|c| app.book().clients()[c].name.clone()).unwrap_or_else(|| inv.client_id.clone());
    let days_role = if row.is_open() { fmt::days_role(row.days_overdue, &app.aging_bounds) } else { Role::Muted };
    let status = if row.is_open() && row.days_overdue > 0 { "overdue" } else { row.status.as_str() };
    vec![
        (inv.number.clone(), t.style(Role::Text)),
        (client, t.style(Role::Text)),
        (fmt::date(inv.issue_date), t.style(Role::Muted)),
        (fmt::date(inv.due_date), t.style(Role::Text)),
        (inv.currency.to_string(), t.style(Role::Muted)),
        (format_amount(inv.total), t.style(Role::Text)),
        (fmt::amount_or_blank(row.balance), t.style(days_role)),
        (if row.is_overdue() { row.days_overdue.to_string() } else { String::new() }, t.style(days_role)),
        (row.level.map(|l| l.to_string()).unwrap_or_default(), t.style(Role::Muted)),
        (flags(row), t.style(flags_role(row))),
        (status.to_string(), t.style(Role::Muted)),
    ]
}
