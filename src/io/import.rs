//! What every importer shares: located errors, options, and the plan that
//! is checked in full before anything is written.

use std::fmt;

use chrono::NaiveDate;

use crate::domain::dates::DateOrder;
use crate::store::Batch;

/// One problem in an input file, located so a person can fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub file: String,
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}:{}: column {}: {} (value '{}')", self.file, self.line, self.column, self.message, self.value)
        }
    }
}

/// Stop collecting after this many errors: enough to see a pattern.
pub const MAX_ERRORS: usize = 20;

/// What to do with a record that is already in the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Conflict {
    #[default]
    Skip,
    Update,
    Fail,
}

/// Told how many rows of how many have been checked, now and then, so a
/// shell can draw a progress bar. The core never draws anything itself.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Sync);

#[derive(Clone, Copy, Default)]
pub struct ImportOptions<'a> {
    pub date_order: Option<DateOrder>,
    /// The byte between columns (`--delimiter`); None is a comma.
    pub delimiter: Option<u8>,
    pub on_conflict: Conflict,
    /// The day of the import (the shell's `--today`). Xero's layout says how
    /// much was paid but not when, so that payment is dated on this day:
    /// "paid by the day of the import" is the one true statement.
    pub today: Option<NaiveDate>,
    pub progress: Option<ProgressFn<'a>>,
}

impl fmt::Debug for ImportOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportOptions")
            .field("date_order", &self.date_order)
            .field("delimiter", &self.delimiter)
            .field("on_conflict", &self.on_conflict)
            .field("today", &self.today)
            .finish_non_exhaustive()
    }
}

impl ImportOptions<'_> {
    /// Reports progress every 4096 rows (and at the end), cheaply.
    pub fn tick(&self, done: usize, total: usize) {
        if let Some(p) = self.progress {
            if done % 4096 == 0 || done == total {
                p(done as u64, total as u64);
            }
        }
    }
}

/// The outcome of checking a file: what would be written, and counts for
/// the summary.
#[derive(Debug, Default)]
pub struct Plan {
    pub batch: Batch,
    pub new: usize,
    pub updated: usize,
    pub skipped: usize,
    /// Things the user should know that are not errors (rows left out on
    /// purpose, records created on the way), one sentence each.
    pub warnings: Vec<String>,
}

/// Collects errors up to [`MAX_ERRORS`].
#[derive(Debug, Default)]
pub struct Errors {
    pub list: Vec<ImportError>,
    pub truncated: bool,
}

impl Errors {
    pub fn push(&mut self, e: ImportError) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(e);
        } else {
            self.truncated = true;
        }
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    pub fn full(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // In file order, however the checks happened to find them.
        let mut sorted: Vec<&ImportError> = self.list.iter().collect();
        sorted.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        for e in sorted {
            writeln!(f, "{e}")?;
        }
        if self.truncated {
            writeln!(f, "(stopped after {MAX_ERRORS} errors)")?;
        }
        write!(f, "nothing was imported")
    }
}
