//! The domain model: plain data types and the rules that keep them valid.
//! No I/O and no clock here; everything that depends on the date takes it.

pub mod book;
pub mod client;
pub mod compact_serde;
pub mod dates;
pub mod invoice;
pub mod money;
pub mod note;
pub mod outbox;
pub mod payment;
pub mod terms;
pub mod validate;

pub use book::Book;
pub use client::{Client, Hold};
pub use invoice::{Dispute, Invoice, InvoiceStatus, LineItem};
pub use money::{Currency, Money, Totals};
pub use note::{AccountEvent, CallOutcome, Completion, LateReason, Note, NoteKind, Promise};
pub use outbox::{OutboxEntry, OutboxState};
pub use payment::{Adjustment, AdjustmentKind, Allocation, Payment, PaymentMethod};
pub use terms::{DiscountTerms, Instalment, LateFeePolicy};
