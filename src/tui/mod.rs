//! The terminal interface (ratatui + crossterm), in the Elm style: keys
//! become [`action::Action`]s through the [`keymap`] (the screen's section,
//! then the global keys), `App::update` routes them to the current screen's
//! component ([`screens`]: its state, keys, hints and drawing) and then to
//! their global meaning, and `impl Widget for &App` ([`ui`]) draws from
//! borrowed state. [`run`] (in `shell.rs`) is the only part that
//! touches the terminal, the clock or signals; the update asks it for side
//! effects by returning an [`action::Effect`].
//!
//! Logging (`entry`, `logging.rs`): an open form takes every key; `Enter`
//! turns it into a [`crate::command::Command`], and the ledger the shell
//! gave the app (see [`app::Source::Ledger`]) builds, writes and flushes
//! it; then the [`model::Model`] is rebuilt and `app.status` says "saved"
//! or why not. The interface never opens the store itself.
//!
//! Figures (100,000 invoices, `cargo bench --bench tui`): see benches/tui.rs.

pub mod action;
pub mod app;
mod assign;
pub mod confirm;
pub mod entry;
pub mod input;
pub mod keymap;
mod live;
mod logging;
pub mod model;
pub mod screens;
mod shell;
pub mod theme;
pub mod ui;
pub mod wire;

pub use shell::{prepare, run};
