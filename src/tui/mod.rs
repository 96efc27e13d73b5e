//! The terminal interface (ratatui + crossterm), in the Elm style: keys
//! become [`action::Action`]s through the [`keymap`], `App::update` applies
//! them to the [`app::App`] state, and `impl Widget for &App` ([`ui`])
//! draws from borrowed state. [`run`] (in `shell.rs`) is the only part that
//! touches the terminal, the clock or signals; the update asks it for side
//! effects by returning an [`action::Effect`].
//!
//! Where the logging forms fit: a form is a component like
//! [`input::TextInput`] (it owns its fields and reports what a key did);
//! `App::on_key` gives keys to an open form before the key map, as it does
//! for the filter; saving goes through the store the app owns
//! ([`app::Source::Store`]), whose book the screens read, after which the
//! [`model::Model`] is rebuilt; `app.status` shows "saved" or the error.
//!
//! Figures (100,000 invoices, `cargo bench --bench tui`): see benches/tui.rs.

pub mod action;
pub mod app;
pub mod entry;
pub mod input;
pub mod keymap;
mod logging;
pub mod model;
mod shell;
pub mod theme;
pub mod ui;

pub use shell::{prepare, run};
