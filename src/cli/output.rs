//! Printing data as an aligned table for people, or CSV or JSON for scripts.

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

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
                    w.write_record(r)?;
                }
                w.flush()?;
            }
            Format::Json => {
                let arr: Vec<serde_json::Map<String, serde_json::Value>> = self
                    .rows
                    .iter()
                    .map(|r| {
                        self.columns
                            .iter()
                            .zip(r)
                            .map(|((n, _), v)| (n.clone(), serde_json::Value::String(v.clone())))
                            .collect()
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &arr)?;
                writeln!(out)?;
            }
        }
        Ok(())
    }

    /// The aligned text form.
    pub fn table(&self) -> String {
        let clean = |r: &Vec<String>| r.iter().map(|c| text::sanitize(c).into_owned()).collect::<Vec<_>>();
        let rows: Vec<Vec<String>> = self.rows.iter().map(clean).collect();
        let footer: Vec<Vec<String>> = self.footer.iter().map(clean).collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|(n, _)| text::width(n)).collect();
        for r in rows.iter().chain(&footer) {
            for (i, c) in r.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(text::width(c));
                }
            }
        }
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .take(widths.len())
                .map(|(i, c)| match self.columns[i].1 {
                    Align::Left => text::pad_right(c, widths[i]),
                    Align::Right => text::pad_left(c, widths[i]),
                })
                .collect();
            parts.join("  ").trim_end().to_string() + "\n"
        };
        let mut s = String::new();
        if let Some(t) = &self.title {
            s.push_str(&text::sanitize(t));
            s.push_str("\n\n");
        }
        let heads: Vec<String> = self.columns.iter().map(|(n, _)| n.clone()).collect();
        s.push_str(&line(&heads));
        let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        s.push_str(&"-".repeat(total));
        s.push('\n');
        for r in &rows {
            s.push_str(&line(r));
        }
        if !footer.is_empty() {
            s.push_str(&"-".repeat(total));
            s.push('\n');
            for r in &footer {
                s.push_str(&line(r));
            }
        }
        if rows.is_empty() {
            s.push_str("(nothing)\n");
        }
        s
    }
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
    fn json_keeps_amounts_as_exact_strings() {
        let mut r = Report::new(&[("a", Align::Left)]);
        r.rows.push(vec!["0.10".into()]);
        let mut buf = Vec::new();
        r.write(Format::Json, &mut buf).unwrap();
        assert!(String::from_utf8(buf).unwrap().contains("\"a\": \"0.10\""));
    }
}
