//! `dun remind`, `dun statement`, `dun letter` and `dun templates`: the
//! shell around src/mail and src/print. Reading config, the book and the
//! clock happens here; what to say and to whom is decided in the core.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};

use super::output::{Align, Report};
use super::{Ctx, Format, FormatArg};
use crate::config::Config;
use crate::domain::Book;
use crate::mail::fields::{self, Step};
use crate::mail::plan::{self, Channel, Planned};
use crate::mail::templates;
use crate::print::pdf;
use crate::print::statement;
use crate::store::image::Need;

#[derive(Subcommand, Debug)]
pub enum MailCmd {
    /// The reminders and letters the day's list calls for: list them (--dry-run) or send them (--send).
    Remind(RemindArgs),
    /// A client's statement of account (--format pdf, txt, html or csv; default txt).
    Statement(StatementArgs),
    /// The letter the client's step due today calls for, as a PDF (or --format txt).
    Letter(LetterArgs),
    /// List, show and check the message templates.
    #[command(subcommand)]
    Templates(TemplatesCmd),
}

#[derive(Args, Debug)]
pub struct RemindArgs {
    /// List every message with recipient, subject and step; send nothing.
    #[arg(long, conflicts_with = "send")]
    pub dry_run: bool,
    /// Send the messages (e-mail) and write the letters (PDF), each logged as a note.
    #[arg(long)]
    pub send: bool,
    /// Only this client.
    #[arg(long, value_name = "ID")]
    pub client: Option<String>,
    /// Only messages for this ladder level.
    #[arg(long, value_name = "N")]
    pub level: Option<u8>,
    /// Also send again the messages whose fate is unknown (dun was stopped
    /// between handing them over and hearing back): only when you have
    /// checked they did not arrive.
    #[arg(long, requires = "send")]
    pub resend_unknown: bool,
}

#[derive(Args, Debug)]
pub struct StatementArgs {
    /// The client's id.
    pub client: String,
    /// Write to this file instead of standard output (needed for pdf on a terminal).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LetterArgs {
    /// The client's id.
    pub client: String,
    /// Write to this file (default: the letters folder, named by date, client and step).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum TemplatesCmd {
    /// Every template, and whether it is built in or your file.
    List,
    /// A template's text, or with --sample what it renders for a made-up client.
    Show {
        /// The template's file name (first-reminder.txt).
        name: String,
        /// Render it for a made-up client instead of printing its source.
        #[arg(long)]
        sample: bool,
    },
    /// Check templates (all in use, or the files given): unknown fields are refused with file, line and field.
    Check {
        /// Template files to check instead of the ones in use.
        files: Vec<PathBuf>,
    },
    /// The merge fields a template may use.
    Fields,
}

pub fn run(ctx: &Ctx, cmd: MailCmd) -> anyhow::Result<()> {
    match cmd {
        MailCmd::Remind(a) if a.send => super::mail_send::remind_send(ctx, a),
        MailCmd::Remind(a) => super::output::quiet_broken_pipe(remind_dry_run(ctx, a)),
        MailCmd::Statement(a) => statement_cmd(ctx, a),
        MailCmd::Letter(a) => super::mail_send::letter(ctx, a),
        MailCmd::Templates(t) => super::output::quiet_broken_pipe(templates_cmd(ctx, t)),
    }
}

pub use crate::mail::setup::MailSetup;

/// The folder user templates are read from: beside the config file in use.
pub fn template_dir(ctx: &Ctx) -> Option<PathBuf> {
    crate::mail::setup::template_dir(ctx.global.config.as_deref())
}

pub fn setup(ctx: &Ctx) -> anyhow::Result<MailSetup> {
    let config = Config::load(ctx.global.config.as_deref()).map_err(anyhow::Error::msg)?;
    let mut s = MailSetup::new(config, template_dir(ctx)).map_err(anyhow::Error::msg)?;
    // A served book charges fees by the server's terms (`dun fee`), so its
    // messages quote those, not this config's `[fees]`.
    if ctx.served()?.is_some() {
        s.fee_policy = ctx.fee_terms()?;
    }
    Ok(s)
}

/// The day's messages, narrowed by --client and --level.
pub fn planned(
    ctx: &Ctx,
    book: &Book,
    s: &MailSetup,
    client: Option<&str>,
    level: Option<u8>,
) -> anyhow::Result<Vec<Planned>> {
    let rules = super::rules_cmds::load_rules(ctx)?;
    if let Some(c) = client {
        if book.client(c).is_none() {
            bail!("no client {c}");
        }
    }
    // A level the ladder doesn't have would otherwise give an empty list
    // that reads like "nothing to send today".
    if let Some(l) = level {
        if !rules.levels.iter().any(|lv| lv.number == l) {
            let have: Vec<String> = rules.levels.iter().map(|lv| lv.number.to_string()).collect();
            bail!("no level {l} in the ladder (levels: {}); see `dun rules show`", have.join(", "));
        }
    }
    Ok(plan::today(book, &rules, &s.templates, ctx.today)
        .into_iter()
        .filter(|p| client.is_none_or(|c| p.client_id == c))
        .filter(|p| level.is_none_or(|l| p.step.level == l))
        .collect())
}

fn remind_dry_run(ctx: &Ctx, a: RemindArgs) -> anyhow::Result<()> {
    let s = setup(ctx)?;
    // What an earlier run today left in the outbox, shown beside each message.
    let (owned, outbox) = ctx.book_and_outbox(ctx.today)?;
    let book = &owned;
    let list = planned(ctx, book, &s, a.client.as_deref(), a.level)?;
    s.check_used(&list).map_err(anyhow::Error::msg)?;
    let mut r = Report::new(&[
        ("client_id", Align::Left),
        ("client", Align::Left),
        ("to", Align::Left),
        ("step", Align::Right),
        ("step_name", Align::Left),
        ("channel", Align::Left),
        ("subject", Align::Left),
        ("invoices", Align::Left),
        ("note", Align::Left),
    ]);
    let (mut emails, mut letters, mut problems) = (0, 0, 0);
    for p in &list {
        let (_, rendered) = s.render(book, ctx.today, p).map_err(anyhow::Error::msg)?;
        match (&p.problem, p.channel) {
            (Some(_), _) => problems += 1,
            (None, Channel::Email) => emails += 1,
            (None, Channel::Letter) => letters += 1,
        }
        let earlier = outbox.iter().find(|e| e.client_id == p.client_id).map(|e| match &e.state {
            crate::domain::OutboxState::Queued => {
                format!(
                    "UNKNOWN fate of the {} that {} queued at {} UTC (it may be being sent now; see --resend-unknown)",
                    e.channel,
                    e.author,
                    e.queued_at.format("%H:%M")
                )
            }
            crate::domain::OutboxState::Sent { .. } => "already sent today".to_string(),
            crate::domain::OutboxState::Failed { reply, .. } => format!("failed earlier today: {reply}"),
        });
        let note = p.problem.clone().or(earlier).unwrap_or_else(|| match p.channel {
            Channel::Letter => "PDF to print".into(),
            Channel::Email => String::new(),
        });
        let cell = |s: &str| if ctx.format == Format::Table { crate::text::truncate(s, 40) } else { s.to_string() };
        r.rows.push(vec![
            p.client_id.clone(),
            cell(&p.client_name),
            p.to.clone(),
            p.step.level.to_string(),
            p.step.name.clone(),
            p.channel.as_str().to_string(),
            cell(&rendered.subject),
            p.invoices.join(" "),
            note,
        ]);
    }
    r.title = Some(format!(
        "{}: {} messages ({emails} e-mails, {letters} letters, {problems} without an e-mail address); nothing sent",
        ctx.today,
        list.len()
    ));
    let mut out = Vec::new();
    r.write(ctx.format, &mut out)?;
    ctx.done_with(owned);
    super::output::emit(&out)
}

fn statement_cmd(ctx: &Ctx, a: StatementArgs) -> anyhow::Result<()> {
    let s = setup(ctx)?;
    let owned = ctx.read_book(Need::All)?;
    let book = &owned;
    let client = book.client(&a.client).ok_or_else(|| anyhow!("no client {}", a.client))?;
    let f = fields::build(&s.inputs(book, ctx.today), client, Step::statement(), None);
    let bytes: Vec<u8> = match ctx.global.format {
        Some(FormatArg::Pdf) => {
            if a.out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                bail!("a PDF is not for the terminal: give --out FILE (or redirect standard output)");
            }
            let printed = pdf::print(&statement::statement(&f, s.print.paper), s.print.font.as_deref())
                .map_err(|e| anyhow!("[print] font: {e}"))?;
            if let Some(w) = printed.warning {
                eprintln!("dun: warning: {}", crate::text::sanitize(&w));
            }
            printed.bytes
        }
        Some(FormatArg::Csv) => statement::csv(&f)?.into_bytes(),
        Some(FormatArg::Html) => statement::html(&f).into_bytes(),
        Some(FormatArg::Json) => {
            let mut v = serde_json::to_vec_pretty(&f)?;
            v.push(b'\n');
            v
        }
        _ => {
            let t = s.templates.get(templates::STATEMENT).map_err(anyhow::Error::msg)?;
            let r = templates::render(&t, &f).map_err(|e| anyhow!("{e}"))?;
            let text = format!("Subject: {}\n\n{}", r.subject, r.body);
            // Names from the book on their way to a terminal are made harmless.
            if a.out.is_none() { crate::text::sanitize_lines(&text) } else { text }.into_bytes()
        }
    };
    ctx.done_with(owned);
    write_out(a.out.as_deref(), &bytes)
}

/// Writes to `out` (private, replaced whole) or standard output.
pub fn write_out(out: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match out {
        Some(p) => {
            crate::store::paths::write_atomic(p, bytes).map_err(|e| anyhow!("cannot write {}: {e}", p.display()))?;
            eprintln!("dun: wrote {}", p.display());
            Ok(())
        }
        None => super::output::emit(bytes),
    }
}

fn templates_cmd(ctx: &Ctx, t: TemplatesCmd) -> anyhow::Result<()> {
    let s = setup(ctx)?;
    let rules = super::rules_cmds::load_rules(ctx)?;
    match t {
        TemplatesCmd::List => {
            let mut r = Report::new(&[("template", Align::Left), ("source", Align::Left), ("used_by", Align::Left)]);
            for tmpl in s.templates.list(&rules.levels) {
                let used: Vec<String> = rules
                    .levels
                    .iter()
                    .filter(|l| l.kind != crate::rules::ActionKind::Call && s.templates.for_level(l) == tmpl.name)
                    .map(|l| format!("{} {}", l.number, l.name))
                    .collect();
                let used =
                    if tmpl.name == templates::STATEMENT { "dun statement".to_string() } else { used.join(", ") };
                r.rows.push(vec![tmpl.name.clone(), tmpl.label(), used]);
            }
            if let Some(d) = &s.templates.dir {
                r.title = Some(format!("your templates go in {} (same file name)", d.display()));
            }
            let mut out = Vec::new();
            r.write(ctx.format, &mut out)?;
            super::output::emit(&out)
        }
        TemplatesCmd::Show { name, sample } => {
            let tmpl = s.templates.get(&name).map_err(anyhow::Error::msg)?;
            if !sample {
                return super::output::emit(crate::text::sanitize_lines(&tmpl.source).as_bytes());
            }
            let step = rules
                .levels
                .iter()
                .find(|l| s.templates.for_level(l) == name)
                .map(|l| Step::new(l.number, &l.name, l.kind));
            let step = if name == templates::STATEMENT { Some(Step::statement()) } else { step };
            let r = templates::render(&tmpl, &crate::mail::sample::fields_for(step)).map_err(|e| anyhow!("{e}"))?;
            super::output::emit(
                crate::text::sanitize_lines(&format!("Subject: {}\n\n{}", r.subject, r.body)).as_bytes(),
            )
        }
        TemplatesCmd::Check { files } => {
            let mut errors = Vec::new();
            let mut n = 0;
            if files.is_empty() {
                for tmpl in s.templates.list(&rules.levels) {
                    n += 1;
                    if let Err(e) = templates::check(&tmpl) {
                        errors.push(e.to_string());
                    }
                }
            } else {
                for f in &files {
                    n += 1;
                    if let Err(e) = templates::check_file(f) {
                        errors.push(e);
                    }
                }
            }
            if errors.is_empty() {
                super::output::emit(format!("{n} templates checked, all fine\n").as_bytes())
            } else {
                bail!("{}\n{} of {n} templates refused", errors.join("\n"), errors.len())
            }
        }
        TemplatesCmd::Fields => {
            let mut out = String::from("Fields a template may use (see docs/reminders.md):\n");
            for f in fields::FIELDS {
                out.push_str(&format!("  {f}\n"));
            }
            out.push_str("Each entry of invoices and open_invoices has: number, reference, issue_date, due_date, currency,\n  amount, balance, balance_plain, days_overdue, fees_accrued, payment_link, payment_links.\n");
            out.push_str("Each entry of totals, account_totals, fees.accrued and fees.charged has: currency, amount, amount_plain.\n");
            out.push_str("Each entry of aging.rows has: currency, buckets (one per aging.labels), total.\n");
            super::output::emit(out.as_bytes())
        }
    }
}
