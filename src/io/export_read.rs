//! Reads an export folder (`dun export DIR`) back into a [`Batch`] with every
//! field and id as it was: the path behind `dun import book DIR`, which
//! loads a whole book into an empty store. Like every importer it checks
//! everything first and reports located errors; nothing half-read is
//! returned.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::export::{
    restore, BookJson, ExportFormat, ExportManifest, ADJUSTMENTS_COLUMNS, ALLOCATIONS_COLUMNS, BOOK_JSON,
    CLIENTS_COLUMNS, EXPORT_VERSION, INSTALMENTS_COLUMNS, INVOICES_COLUMNS, LINES_COLUMNS, MANIFEST, NOTES_COLUMNS,
    PAYMENTS_COLUMNS,
};
use super::import::{Errors, ImportError};
use super::native::LineCounter;
use crate::domain::dates::parse_iso;
use crate::domain::terms::{DiscountTerms, Instalment, LateFeePolicy};
use crate::domain::LateReason;
use crate::domain::{
    AccountEvent, Adjustment, AdjustmentKind, Allocation, CallOutcome, Client, Completion, Currency, Dispute, Hold,
    Invoice, LineItem, Note, NoteKind, Payment, PaymentMethod, Promise,
};
use crate::store::Batch;

fn located(file: &str, line: u64, column: &str, value: &str, message: impl Into<String>) -> ImportError {
    ImportError { file: file.into(), line, column: column.into(), value: value.into(), message: message.into() }
}

/// Reads the export in `dir`.
pub fn read_dir(dir: &Path) -> Result<Batch, Errors> {
    let mut errors = Errors::default();
    let mut files = Vec::new();
    let manifest_path = dir.join(MANIFEST);
    let manifest = match std::fs::read(&manifest_path) {
        Ok(b) => b,
        Err(e) => {
            errors.push(located(
                &manifest_path.display().to_string(),
                0,
                "",
                "",
                format!("cannot read it ({e}): {} is not a dun export folder", dir.display()),
            ));
            return Err(errors);
        }
    };
    files.push((MANIFEST.to_string(), manifest));
    let names: Vec<String> = match serde_json::from_slice::<ExportManifest>(&files[0].1) {
        Ok(m) => m.files,
        Err(_) => Vec::new(), // from_files reports the damaged manifest
    };
    for name in names {
        // Only plain names: a damaged or hostile manifest must not read
        // files outside the folder.
        if name.contains('/') || name.contains('\\') || name.starts_with('.') {
            errors.push(located(MANIFEST, 0, "files", &name, "is not a file name in the export folder"));
            continue;
        }
        match std::fs::read(dir.join(&name)) {
            Ok(b) => files.push((name, b)),
            Err(e) => {
                errors.push(located(&dir.join(&name).display().to_string(), 0, "", "", format!("cannot read it: {e}")))
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    from_files(&dir.display().to_string(), &files)
}

/// Reads an export from named file contents; `dir` names them in messages.
pub fn from_files(dir: &str, files: &[(String, Vec<u8>)]) -> Result<Batch, Errors> {
    let mut errors = Errors::default();
    let path = |name: &str| if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") };
    let get = |name: &str| files.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice());
    let Some(manifest_bytes) = get(MANIFEST) else {
        errors.push(located(&path(MANIFEST), 0, "", "", "is missing: this is not a dun export folder"));
        return Err(errors);
    };
    let manifest: ExportManifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            errors.push(located(&path(MANIFEST), e.line() as u64, "", "", format!("is damaged: {e}")));
            return Err(errors);
        }
    };
    if manifest.dun_export > EXPORT_VERSION {
        errors.push(located(
            &path(MANIFEST),
            0,
            "dun_export",
            &manifest.dun_export.to_string(),
            format!("was written by a newer dun (this one reads export version {EXPORT_VERSION})"),
        ));
        return Err(errors);
    }
    let batch = match manifest.format {
        ExportFormat::Json => {
            let Some(bytes) = get(BOOK_JSON) else {
                errors.push(located(&path(BOOK_JSON), 0, "", "", "is missing"));
                return Err(errors);
            };
            match serde_json::from_slice::<BookJson>(bytes) {
                Ok(b) => {
                    let batch = Batch {
                        clients: b.clients,
                        invoices: b.invoices,
                        payments: b.payments,
                        adjustments: b.adjustments,
                        notes: b.notes,
                        outbox: Vec::new(),
                    };
                    check_json(&path(BOOK_JSON), &batch, &mut errors);
                    batch
                }
                Err(e) => {
                    errors.push(located(
                        &path(BOOK_JSON),
                        e.line() as u64,
                        "",
                        "",
                        format!("does not read as a dun book: {e}"),
                    ));
                    return Err(errors);
                }
            }
        }
        ExportFormat::Csv => read_csv(&path, &get, &mut errors),
    };
    if errors.is_empty() {
        let found = batch.counts();
        if found != manifest.counts {
            errors.push(located(
                &path(MANIFEST),
                0,
                "counts",
                "",
                format!("records {:?} but the files hold {:?}: the export is incomplete", manifest.counts, found),
            ));
        }
    }
    if errors.is_empty() {
        Ok(batch)
    } else {
        Err(errors)
    }
}

/// One CSV sheet of an export, cells unescaped, errors located.
struct Sheet {
    file: String,
    cols: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Sheet {
    fn open(file: String, bytes: Option<&[u8]>, columns: &[&str], errors: &mut Errors) -> Option<Sheet> {
        let Some(bytes) = bytes else {
            errors.push(located(&file, 0, "", "", "is missing from the export"));
            return None;
        };
        let mut rdr = csv::ReaderBuilder::new().from_reader(bytes);
        let header = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                errors.push(located(&file, 1, "", "", format!("cannot read the header row: {e}")));
                return None;
            }
        };
        let cols: HashMap<String, usize> = header.iter().enumerate().map(|(i, h)| (h.to_string(), i)).collect();
        let missing: Vec<&str> = columns.iter().copied().filter(|c| !cols.contains_key(*c)).collect();
        if !missing.is_empty() {
            errors.push(located(&file, 1, "", "", format!("missing column(s): {}", missing.join(", "))));
            return None;
        }
        let mut rows = Vec::new();
        let mut lines = LineCounter::new(bytes);
        for rec in rdr.records() {
            match rec {
                Ok(r) => rows.push((r.position().map(|p| lines.line_at(p.byte())).unwrap_or(0), r)),
                Err(e) => {
                    let line = e.position().map(|p| lines.line_at(p.byte())).unwrap_or(0);
                    errors.push(located(&file, line, "", "", e.to_string()));
                }
            }
        }
        Some(Sheet { file, cols, rows })
    }
}

/// Reads the cells of one row; a bad cell records an error and yields a
/// default, which is never used because any error fails the whole read.
struct Cell<'a> {
    s: &'a Sheet,
    row: &'a csv::StringRecord,
    line: u64,
    errors: &'a mut Errors,
}

impl Cell<'_> {
    fn raw(&self, col: &str) -> &str {
        restore(self.s.cols.get(col).and_then(|&i| self.row.get(i)).unwrap_or(""))
    }
    fn fail(&mut self, col: &str, message: impl Into<String>) {
        let v = self.raw(col).to_string();
        self.errors.push(located(&self.s.file, self.line, col, &v, message));
    }
    fn text(&self, col: &str) -> String {
        self.raw(col).to_string()
    }
    fn parse<T: FromStr>(&mut self, col: &str, what: &str) -> Option<T> {
        match self.raw(col).parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.fail(col, format!("is not {what}"));
                None
            }
        }
    }
    fn opt<T: FromStr>(&mut self, col: &str, what: &str) -> Option<T> {
        if self.raw(col).is_empty() {
            None
        } else {
            self.parse(col, what)
        }
    }
    fn dec(&mut self, col: &str) -> Decimal {
        self.parse(col, "an exact decimal amount").unwrap_or_default()
    }
    fn opt_dec(&mut self, col: &str) -> Option<Decimal> {
        self.opt(col, "an exact decimal amount")
    }
    fn id(&mut self, col: &str) -> u64 {
        self.parse(col, "a record id (a whole number)").unwrap_or_default()
    }
    fn date(&mut self, col: &str) -> NaiveDate {
        match parse_iso(self.raw(col)) {
            Ok(d) => d,
            Err(m) => {
                self.fail(col, m);
                NaiveDate::MIN
            }
        }
    }
    fn opt_date(&mut self, col: &str) -> Option<NaiveDate> {
        if self.raw(col).is_empty() {
            None
        } else {
            Some(self.date(col))
        }
    }
    fn currency(&mut self, col: &str) -> Currency {
        match self.raw(col).parse::<Currency>() {
            Ok(c) => c,
            Err(m) => {
                self.fail(col, m);
                Currency::USD
            }
        }
    }
    fn list(&mut self, col: &str) -> Vec<String> {
        let v = self.raw(col);
        if v.is_empty() {
            return Vec::new();
        }
        match serde_json::from_str::<Vec<String>>(v) {
            Ok(l) => l,
            Err(_) => {
                self.fail(col, "is not a list in the form [\"a\",\"b\"]");
                Vec::new()
            }
        }
    }
    fn bool(&mut self, col: &str) -> bool {
        match self.raw(col) {
            "true" => true,
            "false" => false,
            _ => {
                self.fail(col, "must be true or false");
                false
            }
        }
    }
}

fn adjustment_kind(s: &str) -> Option<AdjustmentKind> {
    [AdjustmentKind::Credit, AdjustmentKind::WriteOff, AdjustmentKind::Fee, AdjustmentKind::Discount]
        .into_iter()
        .find(|k| k.as_str() == s)
}

fn read_csv<'f>(path: &dyn Fn(&str) -> String, get: &dyn Fn(&str) -> Option<&'f [u8]>, errors: &mut Errors) -> Batch {
    let mut batch = Batch::default();
    let sheet = |name: &str, cols: &[&str], errors: &mut Errors| Sheet::open(path(name), get(name), cols, errors);
    let (Some(cs), Some(is), Some(ls), Some(ps_), Some(ps), Some(als), Some(ads), Some(ns)) = (
        sheet("clients.csv", &CLIENTS_COLUMNS, errors),
        sheet("invoices.csv", &INVOICES_COLUMNS, errors),
        sheet("invoice_lines.csv", &LINES_COLUMNS, errors),
        sheet("instalments.csv", &INSTALMENTS_COLUMNS, errors),
        sheet("payments.csv", &PAYMENTS_COLUMNS, errors),
        sheet("allocations.csv", &ALLOCATIONS_COLUMNS, errors),
        sheet("adjustments.csv", &ADJUSTMENTS_COLUMNS, errors),
        sheet("notes.csv", &NOTES_COLUMNS, errors),
    ) else {
        return batch;
    };

    let mut client_ids = HashSet::new();
    for (line, row) in &cs.rows {
        let mut c = Cell { s: &cs, row, line: *line, errors };
        let id = c.text("id");
        if !client_ids.insert(id.clone()) {
            c.fail("id", "appears twice");
        }
        let late_fee = match c.raw("late_fee") {
            "" => None,
            "custom" => Some(LateFeePolicy {
                fixed: c.opt_dec("late_fee_fixed"),
                percent: c.opt_dec("late_fee_percent"),
                annual_rate: c.opt_dec("late_fee_annual_rate"),
                grace_days: c.parse("late_fee_grace_days", "a number of days").unwrap_or_default(),
            }),
            _ => {
                c.fail("late_fee", "must be empty or custom");
                None
            }
        };
        let discount = c.opt_dec("discount_percent").map(|percent| DiscountTerms {
            percent,
            days: c.parse("discount_days", "a number of days").unwrap_or_default(),
        });
        let mut run_days = Vec::new();
        for d in c.raw("payment_run_days").split_whitespace().map(str::to_string).collect::<Vec<_>>() {
            match d.parse::<u8>() {
                Ok(n) => run_days.push(n),
                Err(_) => c.fail("payment_run_days", "must be days of the month separated by spaces"),
            }
        }
        let hold = c.opt_date("hold_since").map(|since| Hold { reason: c.text("hold_reason"), since });
        batch.clients.push(Client {
            id,
            name: c.text("name"),
            contact: c.text("contact"),
            email: c.text("email"),
            phone: c.text("phone"),
            terms_days: c
                .parse::<u32>("terms_days", "a number of days")
                .and_then(|n| crate::domain::validate::terms_days(n).map_err(|m| c.fail("terms_days", m)).ok())
                .unwrap_or_default(),
            currency: c.currency("currency"),
            credit_limit: c.opt_dec("credit_limit"),
            payment_run_days: run_days,
            tags: c.list("tags"),
            owner: c.text("owner"),
            hold,
            snoozed_until: c.opt_date("snoozed_until"),
            late_fee,
            discount,
            // Optional: exports before the address was kept have no column.
            address: c.list("address"),
        });
    }

    let mut invoice_ix: HashMap<String, usize> = HashMap::new();
    for (line, row) in &is.rows {
        let mut c = Cell { s: &is, row, line: *line, errors };
        let number = c.text("number");
        let client_id = c.text("client_id");
        if !client_ids.contains(&client_id) {
            c.fail("client_id", "no such client in clients.csv");
        }
        if invoice_ix.insert(number.clone(), batch.invoices.len()).is_some() {
            c.fail("number", "appears twice");
        }
        if let Err(m) = crate::domain::validate::invoice_number(&number) {
            c.fail("number", m);
        }
        let dispute = c.opt_date("dispute_since").map(|since| Dispute { reason: c.text("dispute_reason"), since });
        let discount = c.opt_dec("discount_percent").map(|percent| DiscountTerms {
            percent,
            days: c.parse("discount_days", "a number of days").unwrap_or_default(),
        });
        batch.invoices.push(Invoice {
            number: number.as_str().into(),
            client_id: client_id.as_str().into(),
            issue_date: c.date("issue_date"),
            due_date: c.date("due_date"),
            currency: c.currency("currency"),
            lines: Vec::new(),
            total: c.dec("amount"),
            reference: c.text("reference"),
            dispute,
            excluded: c.bool("excluded"),
            plan: Vec::new(),
            discount,
        });
    }
    for (line, row) in &ls.rows {
        let mut c = Cell { s: &ls, row, line: *line, errors };
        let item = LineItem {
            description: c.text("description"),
            quantity: c.dec("quantity"),
            unit_price: c.dec("unit_price"),
            tax_rate: c.opt_dec("tax_rate"),
        };
        match invoice_ix.get(c.raw("invoice_number")) {
            Some(&i) => batch.invoices[i].lines.push(item),
            None => c.fail("invoice_number", "no such invoice in invoices.csv"),
        }
    }
    for (line, row) in &ps_.rows {
        let mut c = Cell { s: &ps_, row, line: *line, errors };
        let part = Instalment { due: c.date("due"), amount: c.dec("amount") };
        match invoice_ix.get(c.raw("invoice_number")) {
            Some(&i) => batch.invoices[i].plan.push(part),
            None => c.fail("invoice_number", "no such invoice in invoices.csv"),
        }
    }

    let mut payment_ix: HashMap<u64, usize> = HashMap::new();
    for (line, row) in &ps.rows {
        let mut c = Cell { s: &ps, row, line: *line, errors };
        let id = c.id("id");
        if payment_ix.insert(id, batch.payments.len()).is_some() {
            c.fail("id", "appears twice");
        }
        let client_id = c.text("client_id");
        if !client_ids.contains(&client_id) {
            c.fail("client_id", "no such client in clients.csv");
        }
        // An export holds the user's own methods too: any other name is kept.
        let method = match c.raw("method").parse::<PaymentMethod>() {
            Ok(m) => m,
            Err(_) => PaymentMethod::Named(c.text("method")),
        };
        batch.payments.push(Payment {
            id,
            client_id,
            date: c.date("date"),
            amount: c.dec("amount"),
            currency: c.currency("currency"),
            method,
            reference: c.text("reference"),
            allocations: Vec::new(),
            reverses: c.opt("reverses", "a payment id"),
        });
    }
    for (line, row) in &als.rows {
        let mut c = Cell { s: &als, row, line: *line, errors };
        let pid = c.id("payment_id");
        let invoice = c.text("invoice_number");
        if !invoice_ix.contains_key(&invoice) {
            c.fail("invoice_number", "no such invoice in invoices.csv");
        }
        let a = Allocation { invoice, amount: c.dec("amount") };
        match payment_ix.get(&pid) {
            Some(&p) => batch.payments[p].allocations.push(a),
            None => c.fail("payment_id", "no such payment in payments.csv"),
        }
    }

    let mut adjustment_ids = HashSet::new();
    for (line, row) in &ads.rows {
        let mut c = Cell { s: &ads, row, line: *line, errors };
        let id = c.id("id");
        if !adjustment_ids.insert(id) {
            c.fail("id", "appears twice");
        }
        let invoice = c.text("invoice_number");
        if !invoice_ix.contains_key(&invoice) {
            c.fail("invoice_number", "no such invoice in invoices.csv");
        }
        let kind = adjustment_kind(c.raw("kind")).unwrap_or_else(|| {
            c.fail("kind", "must be credit, write-off, fee or discount allowed");
            AdjustmentKind::Credit
        });
        batch.adjustments.push(Adjustment {
            id,
            invoice,
            date: c.date("date"),
            kind,
            amount: c.dec("amount"),
            reason: c.text("reason"),
            reverses: c.opt("reverses", "an adjustment id"),
        });
    }

    let mut note_ids = HashSet::new();
    for (line, row) in &ns.rows {
        let mut c = Cell { s: &ns, row, line: *line, errors };
        let id = c.id("id");
        if !note_ids.insert(id) {
            c.fail("id", "appears twice");
        }
        let client_id = c.text("client_id");
        if !client_ids.contains(&client_id) {
            c.fail("client_id", "no such client in clients.csv");
        }
        let at = match DateTime::parse_from_rfc3339(c.raw("timestamp")) {
            Ok(t) => t.with_timezone(&Utc),
            Err(_) => {
                c.fail("timestamp", "is not an RFC 3339 timestamp");
                DateTime::<Utc>::MIN_UTC
            }
        };
        let kind = match c.raw("kind").parse::<NoteKind>() {
            Ok(k) => k,
            Err(m) => {
                c.fail("kind", m);
                NoteKind::Internal
            }
        };
        let outcome = match c.raw("outcome") {
            "" => None,
            v => match v.parse::<CallOutcome>() {
                Ok(o) => Some(o),
                Err(m) => {
                    c.fail("outcome", m);
                    None
                }
            },
        };
        let promise = c.opt_date("promise_date").map(|date| Promise {
            date,
            amount: c.dec("promise_amount"),
            currency: c.currency("promise_currency"),
            invoices: c.list("promise_invoices"),
        });
        let completes = c
            .opt::<u8>("completes_level", "a ladder level (a whole number)")
            .map(|level| Completion { level, invoices: c.list("completes_invoices") });
        let event = match c.raw("event") {
            "" => None,
            "dispute" => {
                Some(AccountEvent::Dispute { invoice: c.text("event_invoice"), reason: c.text("event_reason") })
            }
            "resolve" if !c.raw("event_until").is_empty() => Some(AccountEvent::Resolved {
                invoice: c.text("event_invoice"),
                reason: c.text("event_reason"),
                since: c.date("event_until"),
            }),
            "resolve" => Some(AccountEvent::Resolve { invoice: c.text("event_invoice") }),
            "hold" => Some(AccountEvent::Hold { reason: c.text("event_reason") }),
            "unhold" if !c.raw("event_until").is_empty() => {
                Some(AccountEvent::Released { reason: c.text("event_reason"), since: c.date("event_until") })
            }
            "unhold" => Some(AccountEvent::Unhold),
            "snooze" => Some(AccountEvent::Snooze { until: c.date("event_until") }),
            "unsnooze" => Some(AccountEvent::Unsnooze),
            "payment" => Some(AccountEvent::Payment { payment_id: c.id("event_ref") }),
            "adjustment" => Some(AccountEvent::Adjustment { adjustment_id: c.id("event_ref") }),
            "agency" => Some(AccountEvent::PlacedWithAgency { agency: c.text("event_reason") }),
            "recall" => Some(AccountEvent::Recalled),
            "late_reason" => match c.raw("event_reason").parse::<LateReason>() {
                Ok(reason) => Some(AccountEvent::LateReason { reason }),
                Err(e) => {
                    c.fail("event_reason", e);
                    None
                }
            },
            _ => {
                c.fail(
                    "event",
                    "is not an account event (dispute, resolve, hold, unhold, snooze, unsnooze, payment, adjustment, agency, recall, late_reason)",
                );
                None
            }
        };
        batch.notes.push(Note {
            id,
            client_id,
            at,
            date: c.date("date"),
            author: c.text("author"),
            kind,
            outcome,
            text: c.text("text"),
            promise,
            next_follow_up: c.opt_date("next_follow_up"),
            completes,
            event,
            supersedes: c.opt("supersedes", "a note id"),
            reverses: c.opt("reverses", "a note id"),
        });
    }
    batch
}

/// The same reference checks as the CSV path, for `book.json` (which has no
/// lines to point at, so records are named instead).
fn check_json(file: &str, b: &Batch, errors: &mut Errors) {
    let mut err = |what: String| errors.push(located(file, 0, "", "", what));
    let mut clients = HashSet::new();
    for c in &b.clients {
        if !clients.insert(c.id.as_str()) {
            err(format!("client {} appears twice", c.id));
        }
    }
    let mut invoices = HashSet::new();
    for i in &b.invoices {
        if !invoices.insert(i.number.as_str()) {
            err(format!("invoice {} appears twice", i.number));
        }
        if !clients.contains(i.client_id.as_str()) {
            err(format!("invoice {} names client {}, which is not in the file", i.number, i.client_id));
        }
    }
    let mut ids = HashSet::new();
    for p in &b.payments {
        if !ids.insert(p.id) {
            err(format!("payment {} appears twice", p.id));
        }
        if !clients.contains(p.client_id.as_str()) {
            err(format!("payment {} names client {}, which is not in the file", p.id, p.client_id));
        }
        for a in &p.allocations {
            if !invoices.contains(a.invoice.as_str()) {
                err(format!("payment {} allocates to invoice {}, which is not in the file", p.id, a.invoice));
            }
        }
    }
    let mut ids = HashSet::new();
    for a in &b.adjustments {
        if !ids.insert(a.id) {
            err(format!("adjustment {} appears twice", a.id));
        }
        if !invoices.contains(a.invoice.as_str()) {
            err(format!("adjustment {} is for invoice {}, which is not in the file", a.id, a.invoice));
        }
    }
    let mut ids = HashSet::new();
    for n in &b.notes {
        if !ids.insert(n.id) {
            err(format!("note {} appears twice", n.id));
        }
        if !clients.contains(n.client_id.as_str()) {
            err(format!("note {} names client {}, which is not in the file", n.id, n.client_id));
        }
    }
}
