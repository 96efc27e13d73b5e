//! Native `notes.csv`, for migrating a follow-up history into dun:
//! `client_id,timestamp,author,kind,text,promise_date,promise_amount`, and
//! optionally `outcome,next_follow_up,promise_invoices,completes_level`.
//! `completes_level` (a ladder level number) records that the note took
//! that step for the client's invoices overdue on the note's day, so a
//! migrated history is not asked to catch up (docs/rules.md).
//!
//! A timestamp is RFC 3339 (`2026-03-02T09:30:00Z`, `…+01:00`), or
//! `YYYY-MM-DD HH:MM[:SS]` in UTC, or a bare date (midnight UTC). The note's
//! business day is the date as written. Notes are appended in timestamp
//! order, so the log reads in time order whatever order the file is in.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;

use super::import::{Conflict, Errors, ImportOptions, Plan};
use super::native::{split_list, Cells, Table};
use crate::domain::dates::{parse_iso, parse_with_order, DateOrder};
use crate::domain::{Book, CallOutcome, Note, NoteKind, Promise};
use crate::store::IdAlloc;

pub const REQUIRED: [&str; 7] = ["client_id", "timestamp", "author", "kind", "text", "promise_date", "promise_amount"];

/// Parses a note timestamp into (UTC instant, business day as written).
pub fn parse_timestamp(s: &str, order: Option<DateOrder>) -> Result<(DateTime<Utc>, NaiveDate), String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok((t.with_timezone(&Utc), t.date_naive()));
    }
    let bad = || format!("'{s}' is not a timestamp (use 2026-03-02T09:30:00Z, 2026-03-02 09:30 or 2026-03-02)");
    let (date_part, time_part) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let date = match order {
        Some(o) => parse_with_order(date_part, o)?,
        None => parse_iso(date_part)?,
    };
    let time = match time_part {
        None => NaiveTime::MIN,
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
            .map_err(|_| bad())?,
    };
    Ok((NaiveDateTime::new(date, time).and_utc(), date))
}

pub fn notes(book: &Book, file: &str, text: &str, opts: ImportOptions<'_>, ids: &mut IdAlloc) -> Result<Plan, Errors> {
    let mut errors = Errors::default();
    let Some(t) = Table::parse(file, text, &REQUIRED, opts.delimiter, &mut errors) else {
        return Err(errors);
    };
    // What is already in the log, so re-importing the same file is safe.
    let existing: HashSet<(&str, DateTime<Utc>, NoteKind, &str)> =
        book.notes().iter().map(|n| (n.client_id.as_str(), n.at, n.kind, n.text.as_str())).collect();
    let mut seen: HashSet<(String, DateTime<Utc>, NoteKind, String)> = HashSet::new();
    let mut plan = Plan::default();
    let mut out: Vec<Note> = Vec::new();
    for (i, (line, row)) in t.rows.iter().enumerate() {
        opts.tick(i + 1, t.rows.len());
        if errors.full() {
            break;
        }
        let mut c = Cells { t: &t, row, line: *line, errors: &mut errors, opts };
        let client_id = c.required("client_id");
        let stamp = c
            .required("timestamp")
            .and_then(|v| parse_timestamp(&v, opts.date_order).map_err(|m| c.fail("timestamp", &v, m)).ok());
        let author = c.required("author");
        let kind = c.required("kind").and_then(|v| v.parse::<NoteKind>().map_err(|m| c.fail("kind", &v, m)).ok());
        let text = c.text("text");
        let outcome = match c.text("outcome") {
            v if v.is_empty() => Some(None),
            v => v.parse::<CallOutcome>().map(Some).map_err(|m| c.fail("outcome", &v, m)).ok(),
        };
        let next = match c.text("next_follow_up") {
            v if v.is_empty() => Some(None),
            _ => c.date("next_follow_up").map(Some),
        };
        let completes_level = match c.text("completes_level") {
            v if v.is_empty() => Some(None),
            v => match v.parse::<u8>() {
                Ok(l) if (1..=crate::rules::file::MAX_LEVELS as u8).contains(&l) => Some(Some(l)),
                _ => {
                    c.fail("completes_level", &v, "must be a ladder level number from 1 to 20 (or empty)");
                    None
                }
            },
        };
        let (pdate, pamount) = (c.text("promise_date"), c.text("promise_amount"));
        let promise_parts = match (pdate.is_empty(), pamount.is_empty()) {
            (true, true) => Some(None),
            (false, false) => match (c.date("promise_date"), c.money("promise_amount")) {
                (Some(d), Some(a)) if a > Decimal::ZERO => Some(Some((d, a))),
                (Some(_), Some(a)) => {
                    c.fail("promise_amount", &a.to_string(), "a promised amount must be more than zero");
                    None
                }
                _ => None,
            },
            (true, false) => {
                c.fail("promise_date", "", "is empty, but promise_amount is given (a promise needs both)");
                None
            }
            (false, true) => {
                c.fail("promise_amount", "", "is empty, but promise_date is given (a promise needs both)");
                None
            }
        };
        let (Some(client_id), Some((at, date)), Some(author), Some(kind), Some(outcome), Some(next), Some(promise)) =
            (client_id, stamp, author, kind, outcome, next, promise_parts)
        else {
            continue;
        };
        let Some(completes_level) = completes_level else { continue };
        let Some(client) = book.client(&client_id) else {
            c.fail("client_id", &client_id, "no such client (import clients first)");
            continue;
        };
        let promise = match promise {
            None => None,
            Some((pd, amount)) => {
                let invoices = split_list(&c.text("promise_invoices"));
                let mut ok = true;
                for n in &invoices {
                    match book.invoice(n) {
                        Some(inv) if inv.client_id == client_id => {}
                        Some(_) => {
                            c.fail("promise_invoices", n, format!("is an invoice of another client than {client_id}"));
                            ok = false;
                        }
                        None => {
                            c.fail("promise_invoices", n, "no such invoice");
                            ok = false;
                        }
                    }
                }
                if !ok {
                    continue;
                }
                Some(Promise { date: pd, amount, currency: client.currency, invoices })
            }
        };
        if !seen.insert((client_id.clone(), at, kind, text.clone())) {
            c.fail("timestamp", &at.to_rfc3339(), "the same note (client, timestamp, kind and text) appears twice");
            continue;
        }
        if existing.contains(&(client_id.as_str(), at, kind, text.as_str())) {
            match opts.on_conflict {
                Conflict::Fail => {
                    c.fail("timestamp", &at.to_rfc3339(), "this note is already in the log (--on-conflict fail)")
                }
                // Notes are append-only: an existing one is never rewritten.
                Conflict::Skip | Conflict::Update => plan.skipped += 1,
            }
            continue;
        }
        out.push(Note {
            id: 0,
            client_id,
            at,
            date,
            author,
            kind,
            outcome,
            text,
            promise,
            next_follow_up: next,
            completes: completes_level.map(|level| crate::domain::Completion {
                level,
                invoices: book
                    .client_invoices(&client.id)
                    .filter(|i| i.due_date < date && i.issue_date <= date)
                    .map(|i| i.number.to_string())
                    .collect(),
            }),
            event: None,
            supersedes: None,
            reverses: None,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if opts.on_conflict == Conflict::Update && plan.skipped > 0 {
        plan.warnings.push(format!("{} notes were already in the log; notes are never rewritten", plan.skipped));
    }
    out.sort_by_key(|n| n.at);
    for mut n in out {
        n.id = ids.note();
        plan.new += 1;
        plan.batch.notes.push(n);
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_accepted_form() {
        let (at, d) = parse_timestamp("2026-03-02T09:30:00+01:00", None).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-02T08:30:00+00:00");
        assert_eq!(d.to_string(), "2026-03-02");
        let (at, _) = parse_timestamp("2026-03-02 09:30", None).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-02T09:30:00+00:00");
        let (at, d) = parse_timestamp("02/03/2026", Some(DateOrder::Dmy)).unwrap();
        assert_eq!((at.to_rfc3339().as_str(), d.to_string().as_str()), ("2026-03-02T00:00:00+00:00", "2026-03-02"));
        assert!(parse_timestamp("2026-02-30 10:00", None).unwrap_err().contains("not a real date"));
        assert!(parse_timestamp("2026-03-02 25:00", None).unwrap_err().contains("not a timestamp"));
    }
}
