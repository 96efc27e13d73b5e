//! Printing data as an aligned table for people, or CSV or JSON for scripts.
//!
//! Every value that reaches a terminal or a spreadsheet goes through one
//! rule: tables and CSV cells are [`text::sanitize`]d (escape sequences,
//! OSC 52, CR, BS, BEL and bidi controls become visible stand-ins), CSV
//! cells are also formula-neutralised as `dun export` does, and JSON keeps
//! every character but writes the ones a terminal would act on as `\uXXXX`
//! escapes ([`write_json`]). Writes to stdout are fallible (`say!`,
//! [`emit`], [`Report::print`]); a closed pipe ends the command quietly.

use std::borrow::Cow;
use std::io::Write;

use clap::ValueEnum;

use crate::text;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

/// Column alignment in the table format.
pub use crate::text::Align;

/// Rows of text cells under named columns. The same data prints as a table,
/// as CSV (header row, then rows), or as JSON (an array of objects keyed by
/// column name, every value a string so amounts stay exact).
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub title: Option<String>,
    pub columns: Vec<(String, Align)>,
    pub rows: Vec<Vec<String>>,
    /// Rows printed after a rule in the table format only (totals).
    pub footer: Vec<Vec<String>>,
}

impl Report {
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Report { columns: columns.iter().map(|(n, a)| (n.to_string(), *a)).collect(), ..Default::default() }
    }

    /// Prints to stdout. A closed pipe (`dun ... | head`) is not an error:
    /// the reader has what it wanted.
    pub fn print(&self, format: Format) -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        quiet_broken_pipe(self.write(format, &mut out).and_then(|()| Ok(out.flush()?)))
    }

    pub fn write(&self, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
        match format {
            Format::Table => out.write_all(self.table().as_bytes())?,
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(self.columns.iter().map(|(n, _)| n.as_str()))?;
                for r in &self.rows {
                    w.write_record(r.iter().map(|c| CowBytes(csv_cell_cow(c))))?;
                }
                w.flush()?;
            }
            Format::Json => write_json(out, &serde_json::Value::Array(self.json_rows()))?,
        }
        Ok(())
    }

    /// The rows as JSON objects keyed by column name, every value a string.
    pub fn json_rows(&self) -> Vec<serde_json::Value> {
        self.rows
            .iter()
            .map(|r| {
                serde_json::Value::Object(
                    self.columns
                        .iter()
                        .zip(r)
                        .map(|((n, _), v)| (n.clone(), serde_json::Value::String(v.clone())))
                        .collect(),
                )
            })
            .collect()
    }

    /// The aligned text form, fitted to the terminal when stdout is one
    /// (see [`Report::table_fit`]); in full when piped.
    pub fn table(&self) -> String {
        self.table_fit(terminal_width())
    }

    /// The aligned text form in at most `max` columns. Right-aligned
    /// columns (amounts, counts, days) keep their width; the widest text
    /// columns give way first, down to their heading's width (at least 8),
    /// their cells cut with `…`. If that is still too wide, text columns
    /// from the right move to an indented continuation line under each row
    /// (itself cut to the width). `None` prints in full (piped output).
    pub fn table_fit(&self, max: Option<usize>) -> String {
        // Borrowed unless a cell needed cleaning: a large report (the day's
        // list on a big book) is half a million cells.
        fn clean(r: &[String]) -> Vec<Cow<'_, str>> {
            r.iter().map(|c| text::sanitize(c)).collect()
        }
        let rows: Vec<Vec<Cow<'_, str>>> = self.rows.iter().map(|r| clean(r)).collect();
        let footer: Vec<Vec<Cow<'_, str>>> = self.footer.iter().map(|r| clean(r)).collect();
        let n = self.columns.len();
        let mut natural: Vec<usize> = self.columns.iter().map(|(h, _)| text::width(h)).collect();
        for r in rows.iter().chain(&footer) {
            for (i, c) in r.iter().enumerate().take(n) {
                natural[i] = natural[i].max(text::width(c));
            }
        }
        // Columns on the main line; the rest go to the continuation line.
        let mut main: Vec<usize> = (0..n).collect();
        let mut widths = natural.clone();
        if let Some(max) = max {
            let floor: Vec<usize> = self
                .columns
                .iter()
                .enumerate()
                .map(|(i, (h, a))| if *a == Align::Left { text::width(h).max(8).min(natural[i]) } else { natural[i] })
                .collect();
            loop {
                widths = natural.clone();
                let total = |w: &[usize]| main.iter().map(|&i| w[i]).sum::<usize>() + 2 * main.len().saturating_sub(1);
                while total(&widths) > max {
                    // The widest column that may still give way.
                    let Some(&i) = main.iter().filter(|&&i| widths[i] > floor[i]).max_by_key(|&&i| widths[i]) else {
                        break;
                    };
                    let next = main.iter().filter(|&&j| j != i && widths[j] > floor[j]).map(|&j| widths[j]).max();
                    let excess = total(&widths) - max;
                    // Down to the next widest (the longest texts share the cut), or by the excess.
                    let step = next.map_or(excess, |m| (widths[i] - m).clamp(1, excess));
                    widths[i] = widths[i].saturating_sub(step).max(floor[i]);
                }
                if total(&widths) <= max {
                    break;
                }
                // Move the rightmost text column (never the first) off the main line.
                match main.iter().rposition(|&i| i > 0 && self.columns[i].1 == Align::Left) {
                    Some(p) => {
                        main.remove(p);
                    }
                    None => break,
                }
            }
        }
        let moved: Vec<usize> = (0..n).filter(|i| !main.contains(i)).collect();
        // One row into `out`: the main line's cells padded (and cut) to
        // their widths, two spaces apart, trailing blanks trimmed; then the
        // continuation line.
        let mut buf = String::new();
        let mut line = |out: &mut String, cells: &[Cow<'_, str>]| {
            buf.clear();
            for (k, &i) in main.iter().enumerate() {
                if k > 0 {
                    buf.push_str("  ");
                }
                let c = cells.get(i).map(|c| c.as_ref()).unwrap_or("");
                text::pad_into(&mut buf, c, widths[i], self.columns[i].1);
            }
            out.push_str(buf.trim_end());
            out.push('\n');
            if !moved.is_empty() {
                let rest: Vec<&str> = moved
                    .iter()
                    .map(|&i| cells.get(i).map(|c| c.as_ref()).unwrap_or(""))
                    .filter(|c| !c.is_empty())
                    .collect();
                if !rest.is_empty() {
                    let cont = format!("    {}", rest.join("  "));
                    out.push_str(&text::truncate(&cont, max.unwrap_or(usize::MAX)));
                    out.push('\n');
                }
            }
        };
        let mut s = String::new();
        if let Some(t) = &self.title {
            s.push_str(&text::sanitize(t));
            s.push_str("\n\n");
        }
        let heads: Vec<Cow<'_, str>> = self.columns.iter().map(|(h, _)| Cow::Borrowed(h.as_str())).collect();
        line(&mut s, &heads);
        let total: usize = main.iter().map(|&i| widths[i]).sum::<usize>() + 2 * main.len().saturating_sub(1);
        s.push_str(&"-".repeat(total));
        s.push('\n');
        for r in &rows {
            line(&mut s, r);
        }
        if !footer.is_empty() {
            s.push_str(&"-".repeat(total));
            s.push('\n');
            for r in &footer {
                line(&mut s, r);
            }
        }
        if rows.is_empty() {
            s.push_str("(nothing)\n");
        }
        s
    }
}

/// What a `show` command prints: one record (its fields in order) and the
/// lists that belong to it, as ONE document in every format, holding all
/// the table form shows:
/// - table: the record as `field  value` lines, then each list under its name;
/// - JSON: one object, `{"client": {...}, "invoices": [{...}], ...}`;
/// - CSV: one long-form table `section,row,field,value` (the record is row 1
///   of its section; list rows count from 1), so a spreadsheet or script
///   reads every part with one parser.
#[derive(Debug, Default)]
pub struct Document {
    pub record_name: String,
    pub record: Vec<(String, String)>,
    pub lists: Vec<(String, Report)>,
}

impl Document {
    pub fn new(record_name: &str) -> Self {
        Document { record_name: record_name.into(), ..Default::default() }
    }

    pub fn field(&mut self, name: &str, value: impl Into<String>) {
        self.record.push((name.into(), value.into()));
    }

    pub fn list(&mut self, name: &str, report: Report) {
        self.lists.push((name.into(), report));
    }

    pub fn print(&self, format: Format) -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        self.write(format, &mut out)?;
        Ok(out.flush()?)
    }

    pub fn write(&self, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
        match format {
            Format::Table => {
                let mut r = Report::new(&[("field", Align::Left), ("value", Align::Left)]);
                r.rows = self.record.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
                out.write_all(r.table().as_bytes())?;
                for (name, list) in &self.lists {
                    writeln!(out)?;
                    writeln!(out, "{name}")?;
                    out.write_all(list.table().as_bytes())?;
                }
            }
            Format::Json => {
                let mut doc = serde_json::Map::new();
                let record = self.record.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())));
                doc.insert(self.record_name.clone(), serde_json::Value::Object(record.collect()));
                for (name, list) in &self.lists {
                    doc.insert(name.clone(), serde_json::Value::Array(list.json_rows()));
                }
                write_json(out, &serde_json::Value::Object(doc))?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(["section", "row", "field", "value"])?;
                for (k, v) in &self.record {
                    w.write_record([self.record_name.as_str(), "1", k.as_str(), csv_cell(v).as_str()])?;
                }
                for (name, list) in &self.lists {
                    for (i, row) in list.rows.iter().enumerate() {
                        let n = (i + 1).to_string();
                        for ((col, _), v) in list.columns.iter().zip(row) {
                            w.write_record([name.as_str(), n.as_str(), col.as_str(), csv_cell(v).as_str()])?;
                        }
                    }
                }
                w.flush()?;
            }
        }
        Ok(())
    }
}

/// The width of the terminal stdout writes to; None when stdout is not a
/// terminal (piped or redirected output is never cut).
pub fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size().ok().map(|(w, _)| usize::from(w)).filter(|w| *w > 0)
}

/// A CSV cell as it may meet a terminal or a spreadsheet: sanitized, and
/// formula-neutralised as in `dun export`.
pub fn csv_cell(c: &str) -> String {
    csv_cell_cow(c).into_owned()
}

/// A cell for the csv writer, which takes bytes.
struct CowBytes<'a>(Cow<'a, str>);

impl AsRef<[u8]> for CowBytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// [`csv_cell`], borrowed when the cell needs no change (most do not).
fn csv_cell_cow(c: &str) -> Cow<'_, str> {
    match text::sanitize(c) {
        Cow::Borrowed(s) => crate::io::export::neutralise(s),
        Cow::Owned(s) => Cow::Owned(crate::io::export::neutralise(&s).into_owned()),
    }
}

/// Writes `v` as pretty JSON and a newline. Every character is kept, but
/// those a terminal would act on and serde_json leaves raw (DEL, C1
/// controls, bidi controls) are written as `\uXXXX` escapes; C0 controls
/// are escaped by serde_json already. Still valid JSON, still exact.
pub fn write_json(out: &mut dyn Write, v: &serde_json::Value) -> anyhow::Result<()> {
    let s = serde_json::to_string_pretty(v)?;
    let mut safe = String::with_capacity(s.len() + 1);
    // Runs of characters that need nothing are copied whole.
    let mut from = 0;
    for (at, c) in s.char_indices() {
        let u = c as u32;
        if (0x7F..=0x9F).contains(&u)
            || (0x202A..=0x202E).contains(&u)
            || (0x2066..=0x2069).contains(&u)
            || matches!(u, 0x200E | 0x200F | 0x061C)
        {
            safe.push_str(&s[from..at]);
            safe.push_str(&format!("\\u{u:04x}"));
            from = at + c.len_utf8();
        }
    }
    safe.push_str(&s[from..]);
    safe.push('\n');
    out.write_all(safe.as_bytes())?;
    Ok(())
}

/// Writes one line to stdout (the fallible `println!`; use through `say!`).
pub fn say_line(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// `println!` that returns an error instead of panicking when stdout is a
/// closed pipe (`dun stats | head -1`); `cli::main` treats that error as
/// the reader having stopped, not as a failure.
#[macro_export]
macro_rules! say {
    () => { $crate::cli::output::say_line(format_args!("")) };
    ($($t:tt)*) => { $crate::cli::output::say_line(format_args!($($t)*)) };
}

/// A reader that stops early (`dun aging | head`) is not an error.
pub fn quiet_broken_pipe(r: anyhow::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// Writes bytes to stdout; a closed pipe is not an error.
pub fn emit(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    quiet_broken_pipe(out.write_all(bytes).and_then(|()| out.flush()).map_err(anyhow::Error::from))
}

/// Whether an error is a write to a closed pipe, at any depth.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(
                |ce| matches!(ce.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe),
            )
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|je| je.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_by_display_width() {
        let mut r = Report::new(&[("name", Align::Left), ("amount", Align::Right)]);
        r.rows.push(vec!["佐藤".into(), "1.00".into()]);
        r.rows.push(vec!["Acme\x1b[2J".into(), "1,000.00".into()]);
        let t = r.table();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "name        amount");
        assert_eq!(lines[2], "佐藤          1.00");
        assert_eq!(lines[3], "Acme␛[2J  1,000.00");
    }

    #[test]
    fn a_wide_table_fits_by_cutting_text_columns_first() {
        let mut r = Report::new(&[
            ("client", Align::Left),
            ("action", Align::Left),
            ("overdue", Align::Right),
            ("days", Align::Right),
            ("reason", Align::Left),
        ]);
        let why = "INV-01290 86 days overdue (≥60: Collection agency); last contact 56 days ago (letter)";
        r.rows.push(vec![
            "Massive Dynamic Holdings International".into(),
            "escalation".into(),
            "1,890.00".into(),
            "86".into(),
            why.into(),
        ]);
        r.rows.push(vec!["北京星辰科技有限公司".into(), "call".into(), "513.00".into(), "35".into(), "short".into()]);
        let full = r.table_fit(None);
        assert!(full.lines().any(|l| l.contains(why)), "piped output is never cut:\n{full}");
        for w in [80, 60] {
            let t = r.table_fit(Some(w));
            for l in t.lines() {
                assert!(text::width(l) <= w, "{w}: {l:?} is {} columns", text::width(l));
            }
            // The fixed columns are whole.
            assert!(t.contains("1,890.00") && t.contains("  86"), "{t}");
            assert!(t.contains('…'), "{t}");
        }
    }

    #[test]
    fn json_keeps_amounts_as_exact_strings() {
        let mut r = Report::new(&[("a", Align::Left)]);
        r.rows.push(vec!["0.10".into()]);
        let mut buf = Vec::new();
        r.write(Format::Json, &mut buf).unwrap();
        assert!(String::from_utf8(buf).unwrap().contains("\"a\": \"0.10\""));
    }
}
