//! The terminal interface (ratatui + crossterm).

pub mod entry;

use crate::cli::Ctx;

/// Opens the interface on the book in `ctx`.
pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let _ = ctx;
    anyhow::bail!("the terminal interface is not in this build yet; use the subcommands (dun --help)")
}
