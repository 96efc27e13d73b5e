//! Receivables math: pure functions of the book and an explicit date.

pub mod agency;
pub mod aging;
pub mod allocate;
pub mod balance;
pub mod credit;
pub mod discount;
pub mod fees;
pub mod forecast;
pub mod kpi;
pub mod plan;

pub use agency::{placement, placement_in, Placement};
pub use aging::{age_book, AgeBasis, AgingOptions, AgingReport, Buckets};
pub use balance::{account_credit, credit_on_account, invoice_state, open_balance, open_in, overpaid, InvoiceState};
pub use credit::{credit_use, CreditUse};
pub use plan::{open_parts, OpenPart};
