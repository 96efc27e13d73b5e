//! The day's list, the rules file, and logging follow-ups from scripts.

use clap::Subcommand;

use super::Ctx;

#[derive(Subcommand, Debug)]
pub enum RulesCmd {
    /// (placeholder until the rules engine lands)
    #[command(hide = true)]
    TodayPlaceholder,
}

pub fn run(ctx: &Ctx, cmd: RulesCmd) -> anyhow::Result<()> {
    let _ = (ctx, cmd);
    anyhow::bail!("not in this build yet")
}
