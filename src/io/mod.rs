//! Getting books in and out: CSV import (all or nothing), export, backup.
//! Parsing and validation are pure (file text in, a [`crate::store::Batch`]
//! or a list of located errors out); only the caller writes.

pub mod backup;
pub mod export;
pub mod export_read;
pub mod import;
pub mod native;
pub mod notes;
pub mod xero;
