//! Messages that leave dun: reminders, letters and statements.
//!
//! - [`config`]: the `[mail]` section of config.toml.
//! - [`fields`]: the merge fields a template sees (pure).
//! - [`templates`]: built-in and user templates, the unknown-field check,
//!   rendering.
//! - [`plan`]: which messages the day's list calls for (pure).
//! - [`outbox`]: the durable record of each message (queued, sent, failed),
//!   which makes sending exactly-once.
//! - [`transport`]: SMTP, sendmail, or a folder of `.eml` files.
//! - [`deliver`]: one message through the outbox and the ledger.
//! - [`setup`]: the config and templates a face renders with.
//!
//! PDF and plain-text letters and statements are in [`crate::print`].

pub mod config;
pub mod deliver;
pub mod fields;
pub mod outbox;
pub mod plan;
pub mod sample;
pub mod setup;
pub mod templates;
pub mod transport;

pub use config::MailConfig;
