//! What every importer shares: located errors, options, and the plan that
//! is checked in full before anything is written.

use std::fmt;

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

#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    pub date_order: Option<DateOrder>,
    pub on_conflict: Conflict,
}

/// The outcome of checking a file: what would be written, and counts for
/// the summary.
#[derive(Debug, Default)]
pub struct Plan {
    pub batch: Batch,
    pub new: usize,
    pub updated: usize,
    pub skipped: usize,
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
        for e in &self.list {
            writeln!(f, "{e}")?;
        }
        if self.truncated {
            writeln!(f, "(stopped after {MAX_ERRORS} errors)")?;
        }
        write!(f, "nothing was imported")
    }
}
