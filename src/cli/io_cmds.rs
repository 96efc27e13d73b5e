//! Import, export, backup and restore.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::Ctx;
use crate::command::{Command, ImportIds};
use crate::domain::dates::DateOrder;
use crate::io::export::{self, ExportFormat};
use crate::io::import::{Conflict, ImportOptions, Plan};
use crate::io::{backup, export_read, native, notes, xero};
use crate::ledger::{Ledger as _, Request};
use crate::store::image::Need;

#[derive(Subcommand, Debug)]
pub enum IoCmd {
    /// Import clients, invoices, payments or notes from CSV, or a whole
    /// exported book (`import book DIR`). All or nothing.
    Import(ImportArgs),
    /// Write the whole book into DIR as documented CSV files (`--format json`: one book.json).
    Export(ExportArgs),
    /// Write a consistent snapshot of the store into one file.
    Backup(BackupArgs),
    /// Restore a backup file into an empty data directory (--data DIR), then verify it.
    Restore(RestoreArgs),
}

pub fn run(ctx: &Ctx, cmd: IoCmd) -> anyhow::Result<()> {
    match cmd {
        IoCmd::Import(a) => import(ctx, a),
        IoCmd::Export(a) => export_cmd(ctx, a),
        IoCmd::Backup(a) => backup_cmd(ctx, a),
        IoCmd::Restore(a) => restore_cmd(ctx, a),
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What the file holds (`book`: a folder written by `dun export`).
    #[arg(value_enum)]
    pub kind: ImportKind,
    /// The CSV file (for `book`, the export folder).
    pub file: PathBuf,
    /// The file's layout: dun's own, or Xero's sales-invoice export (invoices only).
    /// `--format dun|xero` says the same.
    #[arg(long = "from", value_enum, default_value_t = ImportFormat::Dun, id = "import_format")]
    pub layout: ImportFormat,
    /// Order of day, month and year in dates written with slashes.
    #[arg(long, value_enum)]
    pub date_format: Option<DateFormatArg>,
    /// The character between columns (default ','): e.g. ';' for files
    /// saved by a spreadsheet set to a European locale, or `tab`.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
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
    Book,
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

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The folder to write into (new, empty, or an earlier export). The
    /// global `--format` picks the files: csv (the default) or json.
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The backup file to write.
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file to restore (into --data DIR, which must be empty).
    pub file: PathBuf,
}

/// `--delimiter`: one ASCII character other than a quote or a line end, or `tab`.
fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => Ok(s.as_bytes()[0]),
        _ => Err(format!("'{}' is not one character like ';' or ',' (or `tab`)", crate::text::sanitize(s))),
    }
}

fn read_file(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| anyhow!("{}", not_utf8(path, e.as_bytes(), e.utf8_error().valid_up_to())))
}

/// Where a file stops being UTF-8, as a line and column (a byte offset
/// means nothing in an editor), with the usual cause.
fn not_utf8(path: &Path, bytes: &[u8], at: usize) -> String {
    let before = &bytes[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    format!(
        "{}:{line}: the file is not UTF-8 text (byte 0x{:02X} at column {column}); save it as UTF-8 \
         (it may be Latin-1 or Windows-1252) and import it again",
        path.display(),
        bytes[at]
    )
}

/// A progress bar on stderr when it is a terminal and the work is large;
/// hidden otherwise, so pipes and logs stay clean.
fn progress_bar(rows_hint: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() || rows_hint < 10_000 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(rows_hint as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} rows {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("checking");
    bar
}

/// A spinner with a message on stderr when it is a terminal, for work that
/// has no row count (one big transaction, a restore); hidden otherwise.
fn spinner(message: String) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let s = ProgressBar::new_spinner();
    s.set_message(message);
    s.enable_steady_tick(Duration::from_millis(120));
    s
}

fn import(ctx: &Ctx, a: ImportArgs) -> anyhow::Result<()> {
    if a.kind == ImportKind::Book {
        return import_book(ctx, a);
    }
    let started = Instant::now();
    let text = read_file(&a.file)?;
    let file = a.file.display().to_string();
    let bar = progress_bar(text.len() / 40);
    let tick = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let opts = ImportOptions {
        date_order: a.date_format.map(|d| match d {
            DateFormatArg::Dmy => DateOrder::Dmy,
            DateFormatArg::Mdy => DateOrder::Mdy,
            DateFormatArg::Ymd => DateOrder::Ymd,
        }),
        delimiter: a.delimiter,
        on_conflict: match a.on_conflict {
            OnConflict::Skip => Conflict::Skip,
            OnConflict::Update => Conflict::Update,
            OnConflict::Fail => Conflict::Fail,
        },
        today: Some(ctx.today),
        progress: Some(&tick),
    };
    // With a team server the rows are planned against its book and the
    // import is sent as one command; else against the store here.
    let mut remote = ctx.server()?;
    let mut store = if remote.is_some() { None } else { Some(ctx.open_or_create_store()?) };
    let snap;
    let (book, seq, mut ids) = match (remote.as_mut(), store.as_mut()) {
        (Some(r), _) => {
            snap = r.snapshot()?;
            // Placeholders: the server's ledger gives the real ids.
            (&snap.book, snap.seq, crate::store::IdAlloc::starting_at(0))
        }
        (None, Some(s)) => {
            let (ids, seq) = (s.ids(), s.meta().seq);
            (s.book()?, seq, ids)
        }
        (None, None) => unreachable!("a store is opened when there is no server"),
    };
    let layout = match ctx.global.format {
        Some(super::FormatArg::Xero) => ImportFormat::Xero,
        Some(super::FormatArg::Dun) => ImportFormat::Dun,
        _ => a.layout,
    };
    let planned: Result<Plan, _> = match (layout, a.kind) {
        (ImportFormat::Dun, ImportKind::Clients) => native::clients(book, &file, &text, opts),
        (ImportFormat::Dun, ImportKind::Invoices) => native::invoices(book, &file, &text, opts),
        (ImportFormat::Dun, ImportKind::Payments) => native::payments(book, &file, &text, opts, &mut ids),
        (ImportFormat::Dun, ImportKind::Notes) => notes::notes(book, &file, &text, opts, &mut ids),
        (ImportFormat::Xero, ImportKind::Invoices) => xero::invoices(book, &file, &text, opts, &mut ids),
        (ImportFormat::Xero, kind) => bail!(
            "the Xero layout holds invoices (with their clients and what was paid); import it with `dun import invoices FILE --from xero`, not as {}",
            kind_name(kind)
        ),
        (_, ImportKind::Book) => unreachable!("handled above"),
    };
    bar.finish_and_clear();
    let plan = planned.map_err(|errors| anyhow!("{errors}"))?;
    // The plan owns its records: the file's text is not needed again.
    drop(text);
    let what = kind_name(a.kind);
    for w in &plan.warnings {
        eprintln!("note: {w}");
    }
    if a.dry_run {
        crate::say!(
            "dry run: {} new, {} updated, {} skipped {what}; nothing was written",
            plan.new,
            plan.updated,
            plan.skipped
        )?;
        return Ok(());
    }
    let writing = if bar.is_hidden() {
        ProgressBar::hidden()
    } else {
        spinner(format!("writing {} {what}", plan.new + plan.updated))
    };
    // Planned row by row against this book: refused if anything was
    // written since (see `ledger::Expect`).
    let command = Command::Import { records: plan.batch, ids: ImportIds::Fresh, into_empty: false };
    let request = Request::at(seq, ctx.today, command);
    let applied = match (remote.as_mut(), store) {
        (Some(r), _) => r.apply(request),
        (None, Some(store)) => ctx.session.ledger_over(store).apply(request),
        (None, None) => unreachable!("a store is opened when there is no server"),
    };
    writing.finish_and_clear();
    applied?;
    crate::say!(
        "imported {what}: {} new, {} updated, {} skipped ({:.1}s)",
        plan.new,
        plan.updated,
        plan.skipped,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

fn kind_name(k: ImportKind) -> &'static str {
    match k {
        ImportKind::Clients => "clients",
        ImportKind::Invoices => "invoices",
        ImportKind::Payments => "payments",
        ImportKind::Notes => "notes",
        ImportKind::Book => "book",
    }
}

/// `dun import book DIR`: a whole exported book, ids and all, into an
/// empty store. Merging two books is a different operation with its own
/// questions (clashing ids and numbers), so it is refused rather than
/// half-done.
fn import_book(ctx: &Ctx, a: ImportArgs) -> anyhow::Result<()> {
    if a.layout != ImportFormat::Dun {
        bail!("`import book` reads a folder written by `dun export`; --from does not apply");
    }
    let batch = export_read::read_dir(&a.file).map_err(|errors| anyhow!("{errors}"))?;
    // A served book is loaded by the server (the command refuses a book
    // that holds clients; the check here says it better, first).
    let served = ctx.server()?.map(|mut r| r.snapshot());
    let store = match served {
        Some(snap) => {
            let snap = snap?;
            if !snap.book.clients().is_empty() || !snap.book.invoices().is_empty() {
                bail!("the served book already holds a book; `import book` loads an export into an empty book only");
            }
            None
        }
        None => Some(ctx.open_or_create_store()?),
    };
    if store.as_ref().is_some_and(|s| s.counts() != crate::store::Counts::default()) {
        bail!(
            "{} already holds a book; `import book` loads an export into an empty data directory only (try --data NEWDIR)",
            ctx.data_dir.display()
        );
    }
    let (c, i, p, ad, n) =
        (batch.clients.len(), batch.invoices.len(), batch.payments.len(), batch.adjustments.len(), batch.notes.len());
    let summary = format!("{c} clients, {i} invoices, {p} payments, {ad} adjustments, {n} notes");
    if a.dry_run {
        crate::say!("dry run: would import {summary}; nothing was written")?;
        return Ok(());
    }
    let writing = spinner(format!("writing {summary}"));
    let command = Command::Import { records: batch, ids: ImportIds::Keep, into_empty: true };
    let request = Request::latest(ctx.today, command);
    let applied = match (store, ctx.server()?) {
        (Some(store), _) => ctx.session.ledger_over(store).apply(request),
        (None, Some(mut r)) => r.apply(request),
        (None, None) => unreachable!("a store is opened when there is no server"),
    };
    writing.finish_and_clear();
    applied?;
    crate::say!("imported book from {}: {summary}", a.file.display())?;
    Ok(())
}

fn export_cmd(ctx: &Ctx, a: ExportArgs) -> anyhow::Result<()> {
    let owned = ctx.read_book(Need::All)?;
    let book = &owned;
    let format = match ctx.format {
        super::Format::Json => ExportFormat::Json,
        super::Format::Csv | super::Format::Table => ExportFormat::Csv,
    };
    let files = export::files(book, format).context("cannot build the export")?;
    export::write_dir(&a.dir, &files).map_err(anyhow::Error::msg)?;
    let c = export::counts(book);
    crate::say!(
        "exported {} clients, {} invoices, {} payments, {} adjustments, {} notes to {} ({})",
        c.clients,
        c.invoices,
        c.payments,
        c.adjustments,
        c.notes,
        a.dir.display(),
        files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
    )?;
    ctx.done_with(owned);
    Ok(())
}

fn backup_cmd(ctx: &Ctx, a: BackupArgs) -> anyhow::Result<()> {
    // A served book: the server makes the backup under its lock and sends
    // it; this process writes the file, as the user who asked, where they
    // asked (docs/team.md, "Backups").
    let served = ctx.server()?.map(|mut r| r.backup());
    let (counts, crc32) = match served {
        Some(made) => {
            let made = made?;
            backup::write_file(&a.file, &made.bytes).map_err(anyhow::Error::msg)?;
            (made.counts, made.crc32)
        }
        None => {
            let mut store = ctx.open_store()?;
            let info = backup::write(&mut store, &a.file).map_err(anyhow::Error::msg)?;
            (info.counts, info.crc32)
        }
    };
    let c = counts;
    crate::say!(
        "backed up {} clients, {} invoices, {} payments, {} adjustments, {} notes to {} (crc32 {:08x})",
        c.clients,
        c.invoices,
        c.payments,
        c.adjustments,
        c.notes,
        a.file.display(),
        crc32
    )?;
    Ok(())
}

fn restore_cmd(ctx: &Ctx, a: RestoreArgs) -> anyhow::Result<()> {
    if ctx.session.socket.is_some() {
        // A served book is restored where the server runs, with it stopped.
        let role = ctx.server()?.map(|r| (r.user().to_string(), r.role()));
        if let Some((user, role)) = role {
            if role < crate::server::team::Role::Admin {
                bail!("{user} is a {role} on this book; restoring it needs the admin role");
            }
            bail!("the book is served by dun serve: stop the server, then restore as the account that runs it (see docs/team.md)");
        }
    }
    // Not ctx.open_store(): that would create a store (and a daily backup)
    // in the very folder that must be empty.
    let working = spinner(format!("restoring into {} and verifying", ctx.data_dir.display()));
    let restored = backup::restore(&a.file, &ctx.data_dir);
    working.finish_and_clear();
    let r = restored.map_err(anyhow::Error::msg)?;
    let c = r.info.counts;
    crate::say!(
        "restored {} clients, {} invoices, {} payments, {} adjustments, {} notes into {}; verified (counts, checksum {:08x}, store check)",
        c.clients,
        c.invoices,
        c.payments,
        c.adjustments,
        c.notes,
        ctx.data_dir.display(),
        r.info.crc32
    )?;
    Ok(())
}
