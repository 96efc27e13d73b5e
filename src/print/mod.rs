//! Letters and statements for paper and for files: [`pdf`] lays out and
//! writes a PDF; [`statement`] turns one client's open items into the
//! document, plain text, CSV or HTML.

pub mod pdf;
pub mod statement;
