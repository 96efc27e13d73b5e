//! Import, export, backup and restore.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};

use super::Ctx;
use crate::domain::dates::DateOrder;
use crate::io::import::{Conflict, ImportOptions, Plan};
use crate::io::native;

#[derive(Subcommand, Debug)]
pub enum IoCmd {
    /// Import clients, invoices, payments or notes from CSV (all or nothing).
    Import(ImportArgs),
}

pub fn run(ctx: &Ctx, cmd: IoCmd) -> anyhow::Result<()> {
    match cmd {
        IoCmd::Import(a) => import(ctx, a),
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub kind: ImportKind,
    /// The CSV file.
    pub file: PathBuf,
    /// The file's layout.
    #[arg(long = "from", value_enum, default_value_t = ImportFormat::Dun, id = "import_format")]
    pub layout: ImportFormat,
    /// Order of day, month and year in dates written with slashes.
    #[arg(long, value_enum)]
    pub date_format: Option<DateFormatArg>,
    /// Report what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// What to do with records that already exist.
    #[arg(long, value_enum, default_value_t = OnConflict::Skip)]
    pub on_conflict: OnConflict,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    Clients,
    Invoices,
    Payments,
    Notes,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    Dun,
    Xero,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFormatArg {
    Dmy,
    Mdy,
    Ymd,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnConflict {
    Skip,
    Update,
    Fail,
}

fn read_file(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{}: the file is not UTF-8 text (first bad byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

fn import(ctx: &Ctx, a: ImportArgs) -> anyhow::Result<()> {
    let text = read_file(&a.file)?;
    let file = a.file.display().to_string();
    let opts = ImportOptions {
        date_order: a.date_format.map(|d| match d {
            DateFormatArg::Dmy => DateOrder::Dmy,
            DateFormatArg::Mdy => DateOrder::Mdy,
            DateFormatArg::Ymd => DateOrder::Ymd,
        }),
        on_conflict: match a.on_conflict {
            OnConflict::Skip => Conflict::Skip,
            OnConflict::Update => Conflict::Update,
            OnConflict::Fail => Conflict::Fail,
        },
    };
    let mut store = ctx.open_store()?;
    let mut ids = store.ids();
    let book = store.book()?;
    let planned: Result<Plan, _> = match (a.layout, a.kind) {
        (ImportFormat::Dun, ImportKind::Clients) => native::clients(book, &file, &text, opts),
        (ImportFormat::Dun, ImportKind::Invoices) => native::invoices(book, &file, &text, opts),
        (ImportFormat::Dun, ImportKind::Payments) => native::payments(book, &file, &text, opts, &mut ids),
        (layout, kind) => bail!("importing {kind:?} in the {layout:?} layout is not in this build yet"),
    };
    let plan = planned.map_err(|errors| anyhow!("{errors}"))?;
    let what = format!("{:?}", a.kind).to_lowercase();
    if a.dry_run {
        println!(
            "dry run: {} new, {} updated, {} skipped {what}; nothing was written",
            plan.new, plan.updated, plan.skipped
        );
        return Ok(());
    }
    store.apply(plan.batch)?;
    println!("imported {what}: {} new, {} updated, {} skipped", plan.new, plan.updated, plan.skipped);
    Ok(())
}
