//! Receivables math: pure functions of the book and an explicit date.

pub mod allocate;
pub mod balance;

pub use balance::{account_credit, invoice_state, open_balance, InvoiceState};
