//! `dun export DIR`: the whole book in documented files (docs/import-export.md),
//! readable by people and spreadsheets and read back in full by
//! `dun import book DIR` (see `export_read.rs`).
//!
//! Building the files is pure (a book in, named byte buffers out) so the
//! round trip can be property-tested without a disk; [`write_dir`] is the
//! only part that touches the file system.
//!
//! CSV cells that a spreadsheet would run as a formula (beginning `=`, `+`,
//! `-`, `@`, tab or carriage return, and not a number) get a leading `'`,
//! as OWASP advises; so does any cell that already begins with `'`, which
//! makes the escape reversible: reading strips exactly one leading `'`.
//! Negative amounts are numbers and stay as they are.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{AccountEvent, Adjustment, AdjustmentKind, Book, Client, Invoice, Note, Payment};
use crate::store::paths::{ensure_private_dir, write_atomic};
use crate::store::Counts;

/// The version of the export layout, written in `export.json`.
pub const EXPORT_VERSION: u32 = 1;
pub const MANIFEST: &str = "export.json";
pub const BOOK_JSON: &str = "book.json";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
}

/// `export.json`: what the folder holds, so a reader can check it is whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportManifest {
    pub dun_export: u32,
    pub format: ExportFormat,
    pub counts: Counts,
    pub files: Vec<String>,
}

pub const CLIENTS_COLUMNS: [&str; 21] = [
    "id",
    "name",
    "contact",
    "email",
    "phone",
    "terms_days",
    "currency",
    "credit_limit",
    "payment_run_days",
    "tags",
    "owner",
    "hold_reason",
    "hold_since",
    "snoozed_until",
    "late_fee",
    "late_fee_fixed",
    "late_fee_percent",
    "late_fee_annual_rate",
    "late_fee_grace_days",
    "discount_percent",
    "discount_days",
];
/// What an export writes: [`CLIENTS_COLUMNS`] (what a read requires, so
/// exports made before the address was kept still read) and the address,
/// a list of lines.
pub const CLIENTS_COLUMNS_WRITTEN: [&str; 22] = {
    let mut all = [""; 22];
    let mut i = 0;
    while i < 21 {
        all[i] = CLIENTS_COLUMNS[i];
        i += 1;
    }
    all[21] = "address";
    all
};
pub const INVOICES_COLUMNS: [&str; 12] = [
    "number",
    "client_id",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "reference",
    "dispute_reason",
    "dispute_since",
    "excluded",
    "discount_percent",
    "discount_days",
];
pub const LINES_COLUMNS: [&str; 5] = ["invoice_number", "description", "quantity", "unit_price", "tax_rate"];
pub const INSTALMENTS_COLUMNS: [&str; 3] = ["invoice_number", "due", "amount"];
pub const PAYMENTS_COLUMNS: [&str; 8] =
    ["id", "date", "client_id", "amount", "currency", "method", "reference", "reverses"];
pub const ALLOCATIONS_COLUMNS: [&str; 3] = ["payment_id", "invoice_number", "amount"];
pub const ADJUSTMENTS_COLUMNS: [&str; 7] = ["id", "date", "invoice_number", "kind", "amount", "reason", "reverses"];
pub const NOTES_COLUMNS: [&str; 22] = [
    "id",
    "client_id",
    "timestamp",
    "date",
    "author",
    "kind",
    "outcome",
    "text",
    "promise_date",
    "promise_amount",
    "promise_currency",
    "promise_invoices",
    "next_follow_up",
    "completes_level",
    "completes_invoices",
    "event",
    "event_invoice",
    "event_reason",
    "event_until",
    "event_ref",
    "supersedes",
    "reverses",
];
pub const LADDER_COLUMNS: [&str; 5] = ["client_id", "level", "completed_on", "note_id", "invoices"];

/// The CSV files in the order they are written and read.
pub const CSV_FILES: [&str; 9] = [
    "clients.csv",
    "invoices.csv",
    "invoice_lines.csv",
    "instalments.csv",
    "payments.csv",
    "allocations.csv",
    "adjustments.csv",
    "notes.csv",
    "ladder.csv",
];

/// Whether a cell is a plain number (`-12.50`, `7`): those are never
/// escaped, so amounts stay numbers in a spreadsheet.
pub fn is_number(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Escapes a cell against spreadsheet formula injection, reversibly.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_number(s) => format!("'{s}").into(),
        Some('\'') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Undoes [`neutralise`].
pub fn restore(s: &str) -> &str {
    s.strip_prefix('\'').unwrap_or(s)
}

pub fn dec(d: Decimal) -> String {
    d.to_string()
}
pub fn opt_dec(d: Option<Decimal>) -> String {
    d.map(dec).unwrap_or_default()
}
pub fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}
/// A list of free text as a JSON array (empty list: empty cell), so no
/// element can be confused with a separator.
pub fn text_list(v: &[String]) -> String {
    if v.is_empty() {
        String::new()
    } else {
        serde_json::to_string(v).unwrap_or_default()
    }
}
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
pub fn adjustment_kind(k: AdjustmentKind) -> &'static str {
    k.as_str()
}

/// One client's place on the escalation ladder, derived from the log: the
/// last level a (not undone, not corrected) note completed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderState {
    pub client_id: String,
    pub level: u8,
    pub completed_on: chrono::NaiveDate,
    pub note_id: u64,
    pub invoices: Vec<String>,
}

pub fn ladder(book: &Book) -> Vec<LadderState> {
    let gone: HashSet<u64> = book.notes().iter().flat_map(|n| n.reverses.into_iter().chain(n.supersedes)).collect();
    let mut notes: Vec<&Note> = book.notes().iter().collect();
    notes.sort_by_key(|n| n.id);
    let mut last: HashMap<&str, LadderState> = HashMap::new();
    for n in notes {
        if gone.contains(&n.id) {
            continue;
        }
        if let Some(c) = &n.completes {
            last.insert(
                &n.client_id,
                LadderState {
                    client_id: n.client_id.clone(),
                    level: c.level,
                    completed_on: n.date,
                    note_id: n.id,
                    invoices: c.invoices.clone(),
                },
            );
        }
    }
    let mut out: Vec<LadderState> = last.into_values().collect();
    out.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    out
}

/// The book's records in export order: clients by id, invoices by number,
/// the append-only records by id. The same book always exports the same.
pub struct Sorted<'a> {
    pub clients: Vec<&'a Client>,
    pub invoices: Vec<&'a Invoice>,
    pub payments: Vec<&'a Payment>,
    pub adjustments: Vec<&'a Adjustment>,
    pub notes: Vec<&'a Note>,
}

pub fn sorted(book: &Book) -> Sorted<'_> {
    let mut s = Sorted {
        clients: book.clients().iter().collect(),
        invoices: book.invoices().iter().collect(),
        payments: book.payments().iter().collect(),
        adjustments: book.adjustments().iter().collect(),
        notes: book.notes().iter().collect(),
    };
    s.clients.sort_by(|a, b| a.id.cmp(&b.id));
    s.invoices.sort_by(|a, b| a.number.cmp(&b.number));
    s.payments.sort_by_key(|p| p.id);
    s.adjustments.sort_by_key(|a| a.id);
    s.notes.sort_by_key(|n| n.id);
    s
}

pub fn counts(book: &Book) -> Counts {
    Counts {
        clients: book.clients().len() as u64,
        invoices: book.invoices().len() as u64,
        payments: book.payments().len() as u64,
        adjustments: book.adjustments().len() as u64,
        notes: book.notes().len() as u64,
    }
}

struct Sheet {
    w: csv::Writer<Vec<u8>>,
}

impl Sheet {
    fn new(columns: &[&str]) -> Sheet {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        // Column names are fixed ASCII: nothing to escape, cannot fail.
        let _ = w.write_record(columns);
        Sheet { w }
    }
    fn row(&mut self, cells: &[String]) -> std::io::Result<()> {
        self.w.write_record(cells.iter().map(|c| neutralise(c).into_owned())).map_err(std::io::Error::other)
    }
    fn finish(self) -> std::io::Result<Vec<u8>> {
        self.w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
    }
}

fn event_cells(e: &Option<AccountEvent>) -> [String; 5] {
    let s = |x: &str| x.to_string();
    let e = match e {
        None => return Default::default(),
        Some(e) => e,
    };
    match e {
        AccountEvent::Dispute { invoice, reason } => [s("dispute"), invoice.clone(), reason.clone(), s(""), s("")],
        AccountEvent::Resolve { invoice } => [s("resolve"), invoice.clone(), s(""), s(""), s("")],
        AccountEvent::Hold { reason } => [s("hold"), s(""), reason.clone(), s(""), s("")],
        AccountEvent::Unhold => [s("unhold"), s(""), s(""), s(""), s("")],
        AccountEvent::Snooze { until } => [s("snooze"), s(""), s(""), until.to_string(), s("")],
        AccountEvent::Unsnooze => [s("unsnooze"), s(""), s(""), s(""), s("")],
        AccountEvent::Payment { payment_id } => [s("payment"), s(""), s(""), s(""), payment_id.to_string()],
        AccountEvent::Adjustment { adjustment_id } => [s("adjustment"), s(""), s(""), s(""), adjustment_id.to_string()],
        AccountEvent::PlacedWithAgency { agency } => [s("agency"), s(""), agency.clone(), s(""), s("")],
        AccountEvent::Recalled => [s("recall"), s(""), s(""), s(""), s("")],
        AccountEvent::LateReason { reason } => [s("late_reason"), s(""), s(reason.as_str()), s(""), s("")],
        // The hold or dispute as it was: its reason, and its date in event_until.
        AccountEvent::Released { reason, since } => [s("unhold"), s(""), reason.clone(), since.to_string(), s("")],
        AccountEvent::Resolved { invoice, reason, since } => {
            [s("resolve"), invoice.clone(), reason.clone(), since.to_string(), s("")]
        }
    }
}

/// The export as named files: CSV sheets or one `book.json`, plus the
/// `export.json` manifest.
pub fn files(book: &Book, format: ExportFormat) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let s = sorted(book);
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    match format {
        ExportFormat::Json => {
            let doc = BookJson {
                dun_export: EXPORT_VERSION,
                clients: s.clients.into_iter().cloned().collect(),
                invoices: s.invoices.into_iter().cloned().collect(),
                payments: s.payments.into_iter().cloned().collect(),
                adjustments: s.adjustments.into_iter().cloned().collect(),
                notes: s.notes.into_iter().cloned().collect(),
                ladder: ladder(book),
            };
            let mut bytes = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?;
            bytes.push(b'\n');
            out.push((BOOK_JSON.into(), bytes));
        }
        ExportFormat::Csv => {
            let mut clients = Sheet::new(&CLIENTS_COLUMNS_WRITTEN);
            for c in &s.clients {
                let lf = c.late_fee.as_ref();
                clients.row(&[
                    c.id.clone(),
                    c.name.clone(),
                    c.contact.clone(),
                    c.email.clone(),
                    c.phone.clone(),
                    c.terms_days.to_string(),
                    c.currency.to_string(),
                    opt_dec(c.credit_limit),
                    c.payment_run_days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" "),
                    text_list(&c.tags),
                    c.owner.clone(),
                    c.hold.as_ref().map(|h| h.reason.clone()).unwrap_or_default(),
                    opt(c.hold.as_ref().map(|h| h.since)),
                    opt(c.snoozed_until),
                    if lf.is_some() { "custom".into() } else { String::new() },
                    opt_dec(lf.and_then(|l| l.fixed)),
                    opt_dec(lf.and_then(|l| l.percent)),
                    opt_dec(lf.and_then(|l| l.annual_rate)),
                    opt(lf.map(|l| l.grace_days)),
                    opt_dec(c.discount.as_ref().map(|d| d.percent)),
                    opt(c.discount.as_ref().map(|d| d.days)),
                    text_list(&c.address),
                ])?;
            }
            let mut invoices = Sheet::new(&INVOICES_COLUMNS);
            let mut lines = Sheet::new(&LINES_COLUMNS);
            let mut instalments = Sheet::new(&INSTALMENTS_COLUMNS);
            for i in &s.invoices {
                invoices.row(&[
                    i.number.to_string(),
                    i.client_id.to_string(),
                    i.issue_date.to_string(),
                    i.due_date.to_string(),
                    i.currency.to_string(),
                    dec(i.total),
                    i.reference.clone(),
                    i.dispute.as_ref().map(|d| d.reason.clone()).unwrap_or_default(),
                    opt(i.dispute.as_ref().map(|d| d.since)),
                    i.excluded.to_string(),
                    opt_dec(i.discount.as_ref().map(|d| d.percent)),
                    opt(i.discount.as_ref().map(|d| d.days)),
                ])?;
                for l in &i.lines {
                    lines.row(&[
                        i.number.to_string(),
                        l.description.clone(),
                        dec(l.quantity),
                        dec(l.unit_price),
                        opt_dec(l.tax_rate),
                    ])?;
                }
                for p in &i.plan {
                    instalments.row(&[i.number.to_string(), p.due.to_string(), dec(p.amount)])?;
                }
            }
            let mut payments = Sheet::new(&PAYMENTS_COLUMNS);
            let mut allocations = Sheet::new(&ALLOCATIONS_COLUMNS);
            for p in &s.payments {
                payments.row(&[
                    p.id.to_string(),
                    p.date.to_string(),
                    p.client_id.clone(),
                    dec(p.amount),
                    p.currency.to_string(),
                    p.method.as_str().to_string(),
                    p.reference.clone(),
                    opt(p.reverses),
                ])?;
                for a in &p.allocations {
                    allocations.row(&[p.id.to_string(), a.invoice.clone(), dec(a.amount)])?;
                }
            }
            let mut adjustments = Sheet::new(&ADJUSTMENTS_COLUMNS);
            for a in &s.adjustments {
                adjustments.row(&[
                    a.id.to_string(),
                    a.date.to_string(),
                    a.invoice.clone(),
                    adjustment_kind(a.kind).to_string(),
                    dec(a.amount),
                    a.reason.clone(),
                    opt(a.reverses),
                ])?;
            }
            let mut notes = Sheet::new(&NOTES_COLUMNS);
            for n in &s.notes {
                let p = n.promise.as_ref();
                let [event, event_invoice, event_reason, event_until, event_ref] = event_cells(&n.event);
                notes.row(&[
                    n.id.to_string(),
                    n.client_id.clone(),
                    timestamp(n.at),
                    n.date.to_string(),
                    n.author.clone(),
                    n.kind.as_str().to_string(),
                    n.outcome.map(|o| o.as_str().to_string()).unwrap_or_default(),
                    n.text.clone(),
                    opt(p.map(|p| p.date)),
                    opt_dec(p.map(|p| p.amount)),
                    opt(p.map(|p| p.currency)),
                    p.map(|p| text_list(&p.invoices)).unwrap_or_default(),
                    opt(n.next_follow_up),
                    opt(n.completes.as_ref().map(|c| c.level)),
                    n.completes.as_ref().map(|c| text_list(&c.invoices)).unwrap_or_default(),
                    event,
                    event_invoice,
                    event_reason,
                    event_until,
                    event_ref,
                    opt(n.supersedes),
                    opt(n.reverses),
                ])?;
            }
            let mut ladder_sheet = Sheet::new(&LADDER_COLUMNS);
            for l in ladder(book) {
                ladder_sheet.row(&[
                    l.client_id,
                    l.level.to_string(),
                    l.completed_on.to_string(),
                    l.note_id.to_string(),
                    text_list(&l.invoices),
                ])?;
            }
            for (name, sheet) in CSV_FILES.iter().zip([
                clients,
                invoices,
                lines,
                instalments,
                payments,
                allocations,
                adjustments,
                notes,
                ladder_sheet,
            ]) {
                out.push((name.to_string(), sheet.finish()?));
            }
        }
    }
    let manifest = ExportManifest {
        dun_export: EXPORT_VERSION,
        format,
        counts: counts(book),
        files: out.iter().map(|(n, _)| n.clone()).collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    out.push((MANIFEST.into(), bytes));
    Ok(out)
}

/// `book.json`: the records exactly as dun holds them (amounts as strings,
/// so they stay exact), plus the derived ladder state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BookJson {
    pub dun_export: u32,
    pub clients: Vec<Client>,
    pub invoices: Vec<Invoice>,
    pub payments: Vec<Payment>,
    pub adjustments: Vec<Adjustment>,
    pub notes: Vec<Note>,
    #[serde(default)]
    pub ladder: Vec<LadderState>,
}

/// Writes the files into `dir`, private (0600 in a 0700 folder). The folder
/// must be new, empty, or hold an earlier export (which is replaced).
pub fn write_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let empty = entries.next().is_none();
        if !empty && !dir.join(MANIFEST).exists() {
            return Err(format!(
                "{} is not empty and holds no earlier dun export; choose a new or empty folder",
                dir.display()
            ));
        }
    }
    ensure_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // A previous export in the other format would leave stale files beside
    // the new manifest; remove the ones dun wrote.
    for name in CSV_FILES.iter().chain([BOOK_JSON].iter()) {
        if !files.iter().any(|(n, _)| n == name) {
            let _ = fs::remove_file(dir.join(name));
        }
    }
    // The manifest goes last: a folder with a manifest is a whole export.
    let _ = fs::remove_file(dir.join(MANIFEST));
    for (name, bytes) in files {
        write_atomic(&dir.join(name), bytes).map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_restored() {
        for (raw, cell) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+44 20 7946 0000", "'+44 20 7946 0000"),
            ("-x", "'-x"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("'quoted", "''quoted"),
            ("-12.50", "-12.50"),
            ("-7", "-7"),
            ("12.5", "12.5"),
            ("plain", "plain"),
            ("", ""),
            ("-", "'-"),
            ("-1.", "'-1."),
        ] {
            assert_eq!(neutralise(raw), cell, "{raw:?}");
            assert_eq!(restore(&neutralise(raw)), raw, "{raw:?}");
        }
    }
}
