//! dun's own CSV layout (see docs/import-export.md):
//! - clients.csv: `id,name,email,phone,terms_days,currency` and optionally
//!   `contact,credit_limit,payment_run_days,tags,owner`
//! - invoices.csv: `number,client_id,issue_date,due_date,currency,amount` and
//!   optionally `reference`
//! - payments.csv: `date,invoice_number,amount,method,reference`

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use super::import::{Conflict, Errors, ImportError, ImportOptions, Plan};
use crate::domain::dates::{parse_iso, parse_with_order};
use crate::domain::validate;
use crate::domain::{client::validate_client_id, Allocation, Book, Client, Currency, Invoice, Money, Payment};
use crate::receivables::invoice_state;
use crate::store::IdAlloc;

/// A CSV file read into memory with its header mapped, giving located errors.
pub struct Table {
    pub file: String,
    headers: HashMap<String, usize>,
    pub rows: Vec<(u64, csv::StringRecord)>,
}

/// The rows of a CSV file, read one at a time (see [`Table::open`]): each
/// with its 1-based line, or the located error that made it unreadable.
/// Rows with only blank cells are left out.
pub struct Rows<'t> {
    file: String,
    records: csv::StringRecordsIntoIter<&'t [u8]>,
    lines: LineCounter<'t>,
    /// Rows taken so far and at most in all, for progress.
    taken: usize,
    total: usize,
}

impl Rows<'_> {
    /// The next row a planner can read, for its loop: progress is ticked
    /// for every row taken, an unreadable row's error is recorded and the
    /// row skipped, and the rows end early once `errors` is full.
    pub fn next_readable(&mut self, opts: &ImportOptions, errors: &mut Errors) -> Option<(u64, csv::StringRecord)> {
        loop {
            let row = self.next()?;
            self.taken += 1;
            opts.tick(self.taken, self.total);
            if errors.full() {
                return None;
            }
            match row {
                Ok(r) => return Some(r),
                Err(e) => errors.push(e),
            }
        }
    }
}

impl Iterator for Rows<'_> {
    type Item = Result<(u64, csv::StringRecord), ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            return Some(match self.records.next()? {
                Ok(r) => {
                    let line = r.position().map(|p| self.lines.line_at(p.byte())).unwrap_or(0);
                    if r.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    Ok((line, r))
                }
                Err(e) => {
                    let line = e.position().map(|p| self.lines.line_at(p.byte())).unwrap_or(0);
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                            format!("the row has {len} fields but the header has {expected_len}")
                        }
                        _ => e.to_string(),
                    };
                    Err(ImportError {
                        file: self.file.clone(),
                        line,
                        column: String::new(),
                        value: String::new(),
                        message,
                    })
                }
            });
        }
    }
}

impl Table {
    /// Reads `text` as CSV with a header row, its columns separated by
    /// `delimiter` (default `,`). `required` columns must be present (in
    /// any order); unknown columns are ignored.
    pub fn parse(
        file: &str,
        text: &str,
        required: &[&str],
        delimiter: Option<u8>,
        errors: &mut Errors,
    ) -> Option<Table> {
        let (mut table, rows) = Table::open(file, text, required, delimiter, errors)?;
        for row in rows {
            match row {
                Ok(r) => table.rows.push(r),
                Err(e) => {
                    errors.push(e);
                    if errors.full() {
                        break;
                    }
                }
            }
        }
        Some(table)
    }

    /// [`Table::parse`] with the rows read as they are used, not held: a
    /// million-row file then costs one row, not a million (the table's
    /// `rows` stay empty). The rows count themselves against the lines after
    /// the header, for progress ([`Rows::next_readable`]).
    pub fn open<'t>(
        file: &str,
        text: &'t str,
        required: &[&str],
        delimiter: Option<u8>,
        errors: &mut Errors,
    ) -> Option<(Table, Rows<'t>)> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let delimiter = delimiter.unwrap_or(b',');
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                errors.push(ImportError {
                    file: file.into(),
                    line: 1,
                    column: String::new(),
                    value: String::new(),
                    message: format!("cannot read the header row: {e}"),
                });
                return None;
            }
        };
        let map: HashMap<String, usize> = headers.iter().enumerate().map(|(i, h)| (normalize_header(h), i)).collect();
        let missing: Vec<&str> = required.iter().copied().filter(|c| !map.contains_key(&normalize_header(c))).collect();
        if !missing.is_empty() {
            errors.push(ImportError {
                file: file.into(),
                line: 1,
                column: String::new(),
                value: String::new(),
                message: format!(
                    "missing column(s): {} (the header must name {}){}",
                    missing.join(", "),
                    required.join(","),
                    delimiter_hint(text, delimiter, required)
                ),
            });
            return None;
        }
        let rows = Rows {
            file: file.into(),
            records: rdr.into_records(),
            lines: LineCounter::new(text.as_bytes()),
            taken: 0,
            total: Table::rows_at_most(text),
        };
        Some((Table { file: file.into(), headers: map, rows: Vec::new() }, rows))
    }

    /// How many rows `text` has at most (its lines after the header), to
    /// show progress while the rows are read one at a time.
    pub fn rows_at_most(text: &str) -> usize {
        text.as_bytes().iter().filter(|&&b| b == b'\n').count().max(1)
    }

    fn index(&self, column: &str) -> Option<usize> {
        match self.headers.get(column) {
            Some(&i) => Some(i),
            // Layouts like Xero's name columns in CamelCase; the map is keyed
            // in lower case. Native column names hit the fast path above.
            None if column.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.headers.get(&column.to_ascii_lowercase()).copied()
            }
            None => None,
        }
    }

    pub fn has(&self, column: &str) -> bool {
        self.index(column).is_some()
    }

    /// The trimmed cell, or "" when the column is absent. A `'` that a
    /// spreadsheet-safe export put before `=`, `+`, `-`, `@` or `'` is
    /// removed, so dun's exported sheets import as they were.
    pub fn get<'r>(&self, row: &'r csv::StringRecord, column: &str) -> &'r str {
        let cell = self.index(column).and_then(|i| row.get(i)).map(str::trim).unwrap_or("");
        match cell.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@', '\'']) => rest,
            _ => cell,
        }
    }

    pub fn error(&self, line: u64, column: &str, value: &str, message: impl Into<String>) -> ImportError {
        ImportError {
            file: self.file.clone(),
            line,
            column: column.into(),
            value: value.into(),
            message: message.into(),
        }
    }
}

/// Line numbers for records from their byte offsets. The csv crate's own
/// line count is one short after `\r\n` line ends (Windows and Xero files),
/// so lines are counted here: the `\n`s before the record's first byte.
pub struct LineCounter<'t> {
    text: &'t [u8],
    at: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    pub fn new(text: &'t [u8]) -> Self {
        LineCounter { text, at: 0, line: 1 }
    }
    /// The 1-based line of the record starting at `byte` (offsets must not
    /// go backwards, which holds for records read in order).
    pub fn line_at(&mut self, byte: u64) -> u64 {
        let mut end = (byte as usize).min(self.text.len());
        // A record may be reported as starting on the line end before it.
        while end < self.text.len() && matches!(self.text[end], b'\r' | b'\n') {
            end += 1;
        }
        if end > self.at {
            self.line += self.text[self.at..end].iter().filter(|&&b| b == b'\n').count() as u64;
            self.at = end;
        }
        self.line
    }
}

/// When the header row splits into the required columns on another
/// separator (a spreadsheet saved with `;`, the usual in much of Europe, or
/// tabs), says which `--delimiter` to give.
fn delimiter_hint(text: &str, used: u8, required: &[&str]) -> String {
    let header = text.lines().next().unwrap_or("");
    for (sep, shown) in [(b';', "';'"), (b'\t', "tab"), (b',', "','"), (b'|', "'|'")] {
        if sep == used {
            continue;
        }
        let cols: HashSet<String> = header.split(sep as char).map(normalize_header).collect();
        if required.iter().all(|c| cols.contains(&normalize_header(c))) {
            let arg = if sep == b'\t' { "tab".to_string() } else { format!("'{}'", sep as char) };
            return format!("; the columns seem to be separated by {shown}: give --delimiter {arg}");
        }
    }
    String::new()
}

/// Header names compare without case, surrounding blanks, or the `*` that
/// marks required columns in Xero's templates.
fn normalize_header(h: &str) -> String {
    h.trim().trim_start_matches('*').trim().to_ascii_lowercase()
}

/// For a date like `01/11/2026` read without `--date-format`: which option
/// to give (the order cannot be guessed: it is 1 November or January 11).
pub fn slash_date_hint(v: &str) -> &'static str {
    let parts: Vec<&str> = v.trim().split(['/', '.']).collect();
    if parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        "; for dates written like 01/11/2026 give --date-format dmy (day first) or mdy (month first)"
    } else {
        ""
    }
}

/// A located cell parser: each returns None after recording the error.
pub struct Cells<'a> {
    pub t: &'a Table,
    pub row: &'a csv::StringRecord,
    pub line: u64,
    pub errors: &'a mut Errors,
    pub opts: ImportOptions<'a>,
}

impl Cells<'_> {
    pub fn text(&self, col: &str) -> String {
        self.t.get(self.row, col).to_string()
    }
    pub fn required(&mut self, col: &str) -> Option<String> {
        let v = self.t.get(self.row, col);
        if v.is_empty() {
            self.errors.push(self.t.error(self.line, col, v, "is empty"));
            return None;
        }
        Some(v.to_string())
    }
    pub fn date(&mut self, col: &str) -> Option<chrono::NaiveDate> {
        let v = self.required(col)?;
        let parsed = match self.opts.date_order {
            Some(order) => parse_with_order(&v, order),
            None => parse_iso(&v).map_err(|m| m + slash_date_hint(&v)),
        };
        parsed.map_err(|m| self.errors.push(self.t.error(self.line, col, &v, m))).ok()
    }
    pub fn amount(&mut self, col: &str) -> Option<Decimal> {
        let v = self.required(col)?;
        crate::domain::money::parse_amount(&v)
            .map_err(|e| self.errors.push(self.t.error(self.line, col, &v, e.reason)))
            .ok()
    }
    /// A money amount: as [`Cells::amount`], and refused (never rounded)
    /// with more than two decimal places (`domain::validate::money`).
    pub fn money(&mut self, col: &str) -> Option<Decimal> {
        let v = self.required(col)?;
        validate::money(&v).map_err(|m| self.errors.push(self.t.error(self.line, col, &v, m))).ok()
    }
    /// `Some(None)` for an empty cell, `None` after recording a bad money amount.
    pub fn optional_money(&mut self, col: &str) -> Option<Option<Decimal>> {
        if self.t.get(self.row, col).is_empty() {
            Some(None)
        } else {
            self.money(col).map(Some)
        }
    }
    /// `Some(None)` for an empty cell, `None` after recording a bad amount.
    pub fn optional_amount(&mut self, col: &str) -> Option<Option<Decimal>> {
        if self.t.get(self.row, col).is_empty() {
            Some(None)
        } else {
            self.amount(col).map(Some)
        }
    }
    pub fn currency(&mut self, col: &str) -> Option<Currency> {
        let v = self.required(col)?;
        v.parse::<Currency>().map_err(|m| self.errors.push(self.t.error(self.line, col, &v, m))).ok()
    }
    /// A record already in the book, per `--on-conflict`: true to update it;
    /// false to leave it (counted as skipped, or refused with an error on
    /// this row for `fail`).
    pub fn update_existing(&mut self, plan: &mut Plan, col: &str, key: &str) -> bool {
        match self.opts.on_conflict {
            Conflict::Skip => plan.skipped += 1,
            Conflict::Fail => self.fail(col, key, "already exists (--on-conflict fail)"),
            Conflict::Update => {
                plan.updated += 1;
                return true;
            }
        }
        false
    }

    pub fn fail(&mut self, col: &str, value: &str, message: impl Into<String>) {
        self.errors.push(self.t.error(self.line, col, value, message));
    }
}

pub fn clients(book: &Book, file: &str, text: &str, opts: ImportOptions<'_>) -> Result<Plan, Errors> {
    let mut errors = Errors::default();
    let Some((t, mut rows)) = Table::open(
        file,
        text,
        &["id", "name", "email", "phone", "terms_days", "currency"],
        opts.delimiter,
        &mut errors,
    ) else {
        return Err(errors);
    };
    let mut plan = Plan::default();
    let mut seen = HashSet::new();
    while let Some((line, row)) = rows.next_readable(&opts, &mut errors) {
        let mut c = Cells { t: &t, row: &row, line, errors: &mut errors, opts };
        let (Some(id), Some(name), Some(currency)) = (c.required("id"), c.required("name"), c.currency("currency"))
        else {
            continue;
        };
        if let Err(m) = validate_client_id(&id) {
            c.fail("id", &id, m);
            continue;
        }
        if !seen.insert(id.clone()) {
            c.fail("id", &id, "appears twice in this file");
            continue;
        }
        let terms = c.text("terms_days");
        let terms_days = if terms.is_empty() {
            30
        } else {
            match validate::terms_days_text(&terms) {
                Ok(n) => n,
                Err(m) => {
                    c.fail("terms_days", &terms, m);
                    continue;
                }
            }
        };
        let mut client = match book.client(&id) {
            Some(existing) => {
                if !c.update_existing(&mut plan, "id", &id) {
                    continue;
                }
                existing.clone()
            }
            None => {
                plan.new += 1;
                Client::new(&id, &name, currency)
            }
        };
        client.name = name;
        client.currency = currency;
        client.email = c.text("email");
        client.phone = c.text("phone");
        client.terms_days = terms_days;
        if t.has("contact") {
            client.contact = c.text("contact");
        }
        if t.has("owner") {
            client.owner = c.text("owner");
        }
        if t.has("tags") {
            client.tags = split_list(&c.text("tags"));
        }
        if t.has("credit_limit") {
            let v = c.text("credit_limit");
            client.credit_limit = if v.is_empty() {
                None
            } else {
                match validate::money(&v) {
                    Ok(a) => Some(a),
                    Err(m) => {
                        c.fail("credit_limit", &v, m);
                        continue;
                    }
                }
            };
        }
        if t.has("address") {
            // Lines within the cell (a quoted cell may span lines), or a
            // JSON list of lines as `dun export` writes it. Only a cell that
            // reads whole as such a list is one: "[Unit 4] Mill Lane" is a line.
            let v = c.text("address");
            let given = match serde_json::from_str::<Vec<String>>(&v) {
                Ok(list) if v.starts_with('[') => list,
                _ => vec![v.clone()],
            };
            match crate::domain::client::address_lines(&given) {
                Ok(lines) => client.address = lines,
                Err(m) => {
                    c.fail("address", &v, m);
                    continue;
                }
            }
        }
        if t.has("payment_run_days") {
            let v = c.text("payment_run_days");
            let mut days = Vec::new();
            for part in split_list(&v) {
                match part.parse::<u8>() {
                    Ok(d) if (1..=31).contains(&d) => days.push(d),
                    _ => c.fail("payment_run_days", &v, "must be days of the month (1 to 31) separated by spaces"),
                }
            }
            client.payment_run_days = days;
        }
        plan.batch.clients.push(client);
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// Splits a list cell on spaces, commas or semicolons; a cell written as a
/// JSON list (`["a b","c"]`, as `dun export` writes them) is read as one.
pub fn split_list(s: &str) -> Vec<String> {
    if s.starts_with('[') {
        if let Ok(list) = serde_json::from_str::<Vec<String>>(s) {
            return list;
        }
    }
    s.split([' ', ',', ';']).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

pub fn invoices(book: &Book, file: &str, text: &str, opts: ImportOptions<'_>) -> Result<Plan, Errors> {
    let mut errors = Errors::default();
    let Some((t, mut rows)) = Table::open(
        file,
        text,
        &["number", "client_id", "issue_date", "due_date", "currency", "amount"],
        opts.delimiter,
        &mut errors,
    ) else {
        return Err(errors);
    };
    let mut plan = Plan::default();
    let mut seen: rustc_hash::FxHashSet<String> = Default::default();
    while let Some((line, row)) = rows.next_readable(&opts, &mut errors) {
        let mut c = Cells { t: &t, row: &row, line, errors: &mut errors, opts };
        let number = c.required("number");
        let client_id = c.required("client_id");
        let issued = c.date("issue_date");
        let due = c.date("due_date");
        let currency = c.currency("currency");
        let amount = c.money("amount");
        let (Some(number), Some(client_id), Some(issued), Some(due), Some(currency), Some(amount)) =
            (number, client_id, issued, due, currency, amount)
        else {
            continue;
        };
        if let Err(m) = validate::invoice_number(&number) {
            c.fail("number", &number, m);
            continue;
        }
        if !seen.insert(number.clone()) {
            c.fail("number", &number, "appears twice in this file (invoice numbers are unique)");
            continue;
        }
        let Some(client) = book.client(&client_id) else {
            c.fail("client_id", &client_id, "no such client (import clients first)");
            continue;
        };
        if currency != client.currency {
            c.fail("currency", currency.as_str(), format!("client {client_id} is billed in {}", client.currency));
            continue;
        }
        if due < issued {
            c.fail("due_date", &due.to_string(), format!("is before the issue date {issued}"));
            continue;
        }
        if amount <= Decimal::ZERO {
            c.fail("amount", &amount.to_string(), "must be more than zero");
            continue;
        }
        let mut inv = match book.invoice(&number) {
            Some(existing) => {
                if !c.update_existing(&mut plan, "number", &number) {
                    continue;
                }
                if existing.client_id != client_id || existing.currency != currency {
                    c.fail("number", &number, "already exists for another client or currency");
                    continue;
                }
                existing.clone()
            }
            None => {
                plan.new += 1;
                let mut inv = Invoice::new(&number, &client_id, issued, due, Money::new(amount, currency));
                inv.discount = client.discount.clone();
                inv
            }
        };
        inv.issue_date = issued;
        inv.due_date = due;
        inv.total = amount;
        if t.has("reference") {
            inv.reference = c.text("reference");
        }
        plan.batch.invoices.push(inv);
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// Payments have no natural key, so a payment with the same date, invoice,
/// amount and reference as one in the book counts as already imported.
pub fn payments(
    book: &Book,
    file: &str,
    text: &str,
    opts: ImportOptions<'_>,
    ids: &mut IdAlloc,
) -> Result<Plan, Errors> {
    let mut errors = Errors::default();
    let Some((t, mut rows)) = Table::open(
        file,
        text,
        &["date", "invoice_number", "amount", "method", "reference"],
        opts.delimiter,
        &mut errors,
    ) else {
        return Err(errors);
    };
    let mut existing: HashSet<(chrono::NaiveDate, &str, Decimal, &str)> = HashSet::new();
    for p in book.payments() {
        for a in &p.allocations {
            existing.insert((p.date, a.invoice.as_str(), p.amount, p.reference.as_str()));
        }
    }
    let mut plan = Plan::default();
    // Running open balances, so several payments in the file to one invoice
    // are capped correctly and any excess is left as credit.
    // (By the invoice's position in the book: no copy of every number.)
    let mut open: rustc_hash::FxHashMap<usize, Decimal> = Default::default();
    while let Some((line, row)) = rows.next_readable(&opts, &mut errors) {
        let mut c = Cells { t: &t, row: &row, line, errors: &mut errors, opts };
        let date = c.date("date");
        let number = c.required("invoice_number");
        let amount = c.money("amount");
        let date = match (date, opts.today) {
            (Some(d), Some(today)) => {
                validate::payment_date(d, today).map_err(|m| c.fail("date", &d.to_string(), m)).ok()
            }
            (d, _) => d,
        };
        let method_text = c.text("method");
        let method = match method_text.parse() {
            Ok(m) => Some(m),
            Err(m) => {
                c.fail("method", &method_text, m);
                None
            }
        };
        let (Some(date), Some(number), Some(amount), Some(method)) = (date, number, amount, method) else {
            continue;
        };
        let reference = c.text("reference");
        let Some(at) = book.invoice_index(&number) else {
            c.fail("invoice_number", &number, "no such invoice (import invoices first)");
            continue;
        };
        let inv = &book.invoices()[at];
        if amount <= Decimal::ZERO {
            c.fail("amount", &amount.to_string(), "must be more than zero");
            continue;
        }
        if existing.contains(&(date, number.as_str(), amount, reference.as_str())) {
            if opts.on_conflict == Conflict::Fail {
                c.fail("reference", &reference, "this payment is already in the book (--on-conflict fail)");
            } else {
                plan.skipped += 1;
            }
            continue;
        }
        let bal = open.entry(at).or_insert_with(|| invoice_state(book, inv, chrono::NaiveDate::MAX).open());
        let take = amount.min(*bal);
        *bal -= take;
        let allocations =
            if take > Decimal::ZERO { vec![Allocation { invoice: number.clone(), amount: take }] } else { Vec::new() };
        plan.new += 1;
        plan.batch.payments.push(Payment {
            id: ids.payment(),
            client_id: inv.client_id.to_string(),
            date,
            amount,
            currency: inv.currency,
            method,
            reference,
            allocations,
            reverses: None,
        });
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}
