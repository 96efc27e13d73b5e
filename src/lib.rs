//! dun: a terminal receivables manager.
//!
//! The layers, innermost first: [`domain`] (data types), [`receivables`]
//! (balances, aging, fees: pure math), [`rules`] (who to chase today: pure),
//! [`store`] (sled behind one API), [`io`] (CSV/JSON in and out), and the two
//! faces, [`cli`] and [`tui`]. Only the store knows sled; only
//! `store::codec` knows bincode; nothing below the faces reads the clock.

pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod drafts;
pub mod followup;
pub mod io;
pub mod receivables;
pub mod rules;
pub mod store;
pub mod text;
pub mod tui;

/// The OS user name, used as the author of notes.
pub fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}
