//! The terminal interface (ratatui + crossterm), in the Elm style: keys
//! become [`action::Action`]s through the [`keymap`], `App::update` applies
//! them to the [`app::App`] state, and `impl Widget for &App` ([`ui`])
//! draws from borrowed state. [`run`] (in `shell.rs`) is the only part that
//! touches the terminal, the store, the clock or signals.

pub mod action;
pub mod app;
pub mod input;
pub mod keymap;
pub mod model;
mod shell;
pub mod theme;
pub mod ui;

pub use shell::{prepare, run};
