//! Reports from the receivables math: aging, KPIs.

use clap::Subcommand;

use super::Ctx;

#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// (placeholder until the aging report lands)
    #[command(hide = true)]
    AgingPlaceholder,
}

pub fn run(ctx: &Ctx, cmd: ReportCmd) -> anyhow::Result<()> {
    let _ = (ctx, cmd);
    anyhow::bail!("not in this build yet")
}
