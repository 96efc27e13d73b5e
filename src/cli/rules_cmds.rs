//! The day's list, the rules file, and logging follow-ups from scripts.
//! Thin: parse, load, call `rules`, or construct a [`Command`] for the
//! ledger, and print.

use std::borrow::Cow;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use rust_decimal::Decimal;

use super::output::{Align, Report, Sheet};
use super::{parse_amount_arg, Ctx, Format};
use crate::command::{Command, NoteInput, PromiseInput};
use crate::domain::dates::parse_relative;
use crate::domain::money::{format_amount, plain_amount};
use crate::domain::{CallOutcome, Client, NoteKind};
use crate::rules::{self, file, MinAmount, Rules, RulesSource};
use crate::store::image::Need;

#[derive(Subcommand, Debug)]
pub enum RulesCmd {
    /// Who to chase today, and how: one action per client, most important first.
    Today(TodayArgs),
    /// Check or show the escalation ladder (rules.toml in the data directory).
    #[command(subcommand)]
    Rules(RulesSub),
    /// Log a call, email, letter, SMS, meeting or internal note for a client.
    Log(LogArgs),
    /// Mark an invoice disputed: it leaves the ladder until resolved.
    Dispute {
        invoice: String,
        #[arg(long)]
        reason: String,
    },
    /// Resolve an invoice's dispute: it rejoins the ladder.
    Resolve {
        invoice: String,
        /// An optional remark for the log.
        #[arg(long, default_value = "")]
        text: String,
    },
    /// Snooze a client: no actions before the given day.
    Snooze {
        client: String,
        /// YYYY-MM-DD, +7, +2w, fri, eom.
        #[arg(long)]
        until: String,
    },
    /// End a client's snooze early.
    Unsnooze { client: String },
    /// Put a client on hold: no actions until released.
    Hold {
        client: String,
        #[arg(long)]
        reason: String,
    },
    /// Release a client's hold.
    Unhold { client: String },
    /// Undo a note by its id (records a reversing entry; history is kept).
    Undo { note: u64 },
    /// Redo an undone entry: log it again, with its change (a hold, a dispute, a payment...) made again
    Redo {
        /// The undone note, or the undo entry's note; by default your latest undo not yet redone
        note: Option<u64>,
    },
    /// Place a client's account with a collection agency, or recall it.
    #[command(subcommand)]
    Agency(AgencySub),
    /// Apply a client's credit on account to its open invoices (oldest due first).
    ApplyCredit {
        client: String,
        /// Settle this invoice first.
        #[arg(long)]
        invoice: Option<String>,
        /// Apply at most this much (default: all the credit there is).
        #[arg(long, value_parser = parse_amount_arg)]
        amount: Option<Decimal>,
    },
    /// Record a refund of credit on account paid back to the client.
    Refund {
        client: String,
        #[arg(value_parser = parse_amount_arg)]
        amount: Decimal,
        /// Currency of the refund (default: the client's).
        #[arg(long)]
        currency: Option<crate::domain::Currency>,
        /// How it was paid back (see `dun pay --help` for the methods).
        #[arg(long, default_value = "bank transfer")]
        method: String,
        /// The payment provider's or bank's reference.
        #[arg(long, default_value = "")]
        reference: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AgencySub {
    /// Place the account with an agency: no reminders until recalled; payments still apply.
    Place {
        client: String,
        #[arg(long)]
        agency: String,
    },
    /// Recall the account from its agency: the ladder resumes.
    Recall { client: String },
}

#[derive(Subcommand, Debug)]
pub enum RulesSub {
    /// Validate a rules file (default: rules.toml in the data directory).
    Check { file: Option<PathBuf> },
    /// Print the ladder in force.
    Show {
        /// Print it as rules.toml text (a starting point for your own).
        #[arg(long)]
        toml: bool,
    },
}

#[derive(Args, Debug)]
pub struct TodayArgs {
    /// Only the accounts of this owner: `me` (you, as the team server
    /// knows you), a user name, or `all` (the default).
    #[arg(long, value_name = "me|NAME|all", default_value = "all")]
    pub owner: String,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    pub client: String,
    #[arg(long)]
    pub kind: NoteKind,
    #[arg(long, default_value = "")]
    pub text: String,
    /// For calls: reached, voicemail, no-answer, wrong-number.
    #[arg(long)]
    pub outcome: Option<CallOutcome>,
    /// The client promises to pay by this day (YYYY-MM-DD, +7, fri, eom).
    #[arg(long)]
    pub promise_date: Option<String>,
    /// The promised amount (default: the overdue total of the promised invoices).
    #[arg(long, value_parser = parse_amount_arg, requires = "promise_date")]
    pub promise_amount: Option<Decimal>,
    /// Invoices the promise is for (default: the whole account), or, with
    /// --done, the only invoices to mark done.
    #[arg(long, num_args = 1..)]
    pub invoices: Vec<String>,
    /// Mark the client's current due action as done with this note.
    #[arg(long)]
    pub done: bool,
    /// When to look at the account again.
    #[arg(long)]
    pub next: Option<String>,
    /// This note corrects note ID of the same client (it supersedes it; the
    /// earlier note stays in the history).
    #[arg(long, value_name = "ID", conflicts_with = "done")]
    pub corrects: Option<u64>,
    /// Why the client pays late: forgot, cash-flow, dispute, wrong-contact,
    /// client-process, other.
    #[arg(long)]
    pub late_reason: Option<crate::domain::LateReason>,
    /// Accept a promise larger than the open balance.
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &Ctx, cmd: RulesCmd) -> anyhow::Result<()> {
    match cmd {
        RulesCmd::Today(a) => today(ctx, a),
        RulesCmd::Rules(RulesSub::Check { file }) => check(ctx, file),
        RulesCmd::Rules(RulesSub::Show { toml }) => show(ctx, toml),
        RulesCmd::Log(a) => log(ctx, a),
        RulesCmd::Dispute { invoice, reason } => write(ctx, Command::Dispute { invoice, reason }),
        RulesCmd::Resolve { invoice, text } => write(ctx, Command::Resolve { invoice, remark: text }),
        RulesCmd::Snooze { client, until } => {
            let until = date_arg(ctx, "--until", &until)?;
            write(ctx, Command::Snooze { client, until, remark: String::new() })
        }
        RulesCmd::Unsnooze { client } => write(ctx, Command::Unsnooze { client }),
        RulesCmd::Hold { client, reason } => write(ctx, Command::Hold { client, reason }),
        RulesCmd::Unhold { client } => write(ctx, Command::Release { client }),
        RulesCmd::Undo { note } => write(ctx, Command::Undo { note }),
        RulesCmd::Redo { note } => {
            let note = match note {
                Some(n) => n,
                None => {
                    let me = ctx.me()?;
                    let book = ctx.read_book(Need::All)?;
                    crate::command::last_undone(&book, &me)
                        .ok_or_else(|| anyhow!("nothing to redo: {me} has undone no entry that can be redone"))?
                }
            };
            write(ctx, Command::Redo { note })
        }
        RulesCmd::Agency(AgencySub::Place { client, agency }) => {
            write(ctx, Command::PlaceWithAgency { client, agency })
        }
        RulesCmd::Agency(AgencySub::Recall { client }) => write(ctx, Command::Recall { client }),
        RulesCmd::ApplyCredit { client, invoice, amount } => {
            write(ctx, Command::ApplyCredit { client, invoice, amount })
        }
        RulesCmd::Refund { client, amount, currency, method, reference } => {
            let method = crate::domain::PaymentMethod::parse_with(&method, &ctx.payment_methods())
                .map_err(|e| anyhow!("--method: {e}"))?;
            write(ctx, Command::Refund { client, amount, currency, method, reference })
        }
    }
}

fn write(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    ctx.write(command).map(|_| ())
}

/// The rules in force for the data directory; an invalid rules.toml is an
/// error, never a silent fall-back.
pub fn load_rules(ctx: &Ctx) -> anyhow::Result<Rules> {
    ctx.rules()
}

fn date_arg(ctx: &Ctx, flag: &str, s: &str) -> anyhow::Result<NaiveDate> {
    parse_relative(s, ctx.today).map_err(|e| anyhow!("{flag}: {e}"))
}

fn log(ctx: &Ctx, a: LogArgs) -> anyhow::Result<()> {
    let promise = match &a.promise_date {
        Some(d) => Some(PromiseInput {
            date: date_arg(ctx, "--promise-date", d)?,
            amount: a.promise_amount,
            invoices: a.invoices.clone(),
        }),
        None => None,
    };
    if !a.invoices.is_empty() && promise.is_none() && !a.done {
        bail!("--invoices goes with --promise-date (what the promise is for) or --done (what was done)");
    }
    let next_follow_up = a.next.as_deref().map(|d| date_arg(ctx, "--next", d)).transpose()?;
    let note = NoteInput { kind: a.kind, outcome: a.outcome, text: a.text, promise, next_follow_up };
    let client = a.client;
    let command = match (a.done, a.corrects) {
        (true, _) => Command::MarkDone { client, kind: Some(a.kind), note, only: a.invoices },
        (false, Some(note_id)) => Command::Correct { client, note_id, note },
        (false, None) => Command::Log { client, note },
    };
    let command = match (a.late_reason, command) {
        (Some(reason), Command::Log { client, note }) => Command::LateReason { client, reason, note },
        (Some(_), _) => bail!("--late-reason goes on a plain note (not with --done or --corrects)"),
        (None, c) => c,
    };
    if let Command::Log { client, note: NoteInput { promise: Some(p), .. } }
    | Command::LateReason { client, note: NoteInput { promise: Some(p), .. }, .. } = &command
    {
        if let Some(amount) = p.amount {
            let book = ctx.read_book(crate::store::image::Need::All)?;
            let w = crate::command::promise_over_balance(&book, client, amount, &p.invoices, ctx.today);
            ctx.done_with(book);
            if let Some(w) = w {
                if !a.force {
                    bail!("{w}; check the amount, or add --force to record it anyway");
                }
                eprintln!("dun: warning: {w}");
            }
        }
    }
    write(ctx, command)
}

/// The currency and amount cells of an action: the amounts grouped for a
/// table, plain for CSV and JSON; several currencies space-separated.
fn money_cells(table: bool, a: &rules::Action) -> (Cow<'_, str>, String) {
    let amount = |m: &crate::domain::Money| if table { format_amount(m.amount) } else { plain_amount(m.amount) };
    if let [one] = a.overdue.as_slice() {
        return (Cow::Borrowed(one.currency.as_str()), amount(one));
    }
    let cur: Vec<&str> = a.overdue.iter().map(|m| m.currency.as_str()).collect();
    let amt: Vec<String> = a.overdue.iter().map(amount).collect();
    (Cow::Owned(cur.join(" ")), amt.join(" "))
}

/// The columns of `dun today` in every format (a contract with scripts).
pub const TODAY_COLUMNS: [&str; 11] = [
    "client_id",
    "client_name",
    "action",
    "level",
    "level_name",
    "currency",
    "amount_overdue",
    "days_overdue",
    "invoices",
    "reason",
    "owner",
];

/// `--owner`: whose accounts to list (`None`: everyone's).
fn owner_filter(ctx: &Ctx, owner: &str) -> anyhow::Result<Option<String>> {
    Ok(match owner {
        "all" => None,
        "me" => Some(ctx.me()?),
        "" => bail!("--owner needs me, a user name, or all"),
        name => Some(name.to_string()),
    })
}

fn today(ctx: &Ctx, a: TodayArgs) -> anyhow::Result<()> {
    let rules = load_rules(ctx)?;
    let owner = owner_filter(ctx, &a.owner)?;
    let owned = ctx.read_book(Need::OpenAsOf(ctx.today))?;
    let book = &owned;
    let mut actions = rules::today_with_clients(book, &rules, ctx.today);
    if let Some(o) = &owner {
        actions.retain(|(c, _)| book.clients()[*c].owner == *o);
    }
    let aligns = [
        Align::Left,
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Left,
        Align::Left,
        Align::Left,
    ];
    let columns: Vec<(String, Align)> = TODAY_COLUMNS.iter().map(|c| c.to_string()).zip(aligns).collect();
    let count = |k: rules::ActionKind| actions.iter().filter(|(_, a)| a.kind == k).count();
    let whose = owner.as_ref().map(|o| format!(" of {o}")).unwrap_or_default();
    let title = format!(
        "{}: {} to chase{whose} ({} escalations, {} calls, {} reminders)",
        ctx.today,
        actions.len(),
        count(rules::ActionKind::Escalation),
        count(rules::ActionKind::Call),
        count(rules::ActionKind::Reminder)
    );
    // The cells borrow the actions' and clients' text (no copy of half a
    // million strings); a long list's are built in parts on several threads.
    let table = ctx.format == Format::Table;
    let threads = crate::parallel::threads_for(actions.len(), super::output::PARALLEL_FROM_ROWS);
    let parts = crate::parallel::map_parts(&actions, threads, |part| {
        part.iter().map(|(c, a)| today_row(table, &book.clients()[*c], a)).collect::<Vec<_>>()
    });
    let mut rows: Vec<[Cow<'_, str>; 11]> = Vec::with_capacity(actions.len());
    for part in parts {
        rows.extend(part);
    }
    // Rendered first so that `dun today | head` ends quietly; a large list
    // renders in parts on several threads, the parts written in order.
    let rendered = Sheet::new(Some(&title), &columns, &rows, &[]).render(ctx.format)?;
    let printed = (|| -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        for part in &rendered {
            out.write_all(part)?;
        }
        Ok(out.flush()?)
    })();
    drop(rows);
    // Freeing every action one by one is a tenth of the command on a large
    // book: left to the process's exit, as the book is.
    ctx.done_with(owned);
    ctx.leave_for_exit((actions, rendered));
    super::output::quiet_broken_pipe(printed)
}

/// One action's cells in [`TODAY_COLUMNS`] order, borrowing its text.
fn today_row<'a>(table: bool, c: &'a Client, a: &'a rules::Action) -> [Cow<'a, str>; 11] {
    let (currency, amount) = money_cells(table, a);
    let invoices = match a.invoices.as_slice() {
        [one] => Cow::Borrowed(one.as_str()),
        more => Cow::Owned(more.join(" ")),
    };
    [
        Cow::Borrowed(a.client_id.as_str()),
        Cow::Borrowed(a.client_name.as_str()),
        Cow::Borrowed(a.kind.as_str()),
        Cow::Owned(a.level.to_string()),
        Cow::Borrowed(a.level_name.as_str()),
        currency,
        Cow::Owned(amount),
        Cow::Owned(a.days_overdue.to_string()),
        invoices,
        Cow::Borrowed(a.reason.as_str()),
        Cow::Borrowed(c.owner.as_str()),
    ]
}

/// Writes text to stdout; a closed pipe (`dun rules show | head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    super::output::emit(text.as_bytes())
}

fn check(ctx: &Ctx, path: Option<PathBuf>) -> anyhow::Result<()> {
    let path = match path {
        Some(p) => p,
        // A served book's ladder is the server's (its folder may be closed to us).
        None if ctx.served()?.is_some() => {
            let rules = ctx.rules()?;
            return emit(&format!(
                "the book's {} (on the server): ok, {} levels\n",
                file::RULES_FILE,
                rules.levels.len()
            ));
        }
        None => {
            let p = ctx.data_dir.join(file::RULES_FILE);
            if !p.exists() {
                return emit(&format!(
                    "no {} in {}: the built-in default ladder is in force\n",
                    file::RULES_FILE,
                    ctx.data_dir.display()
                ));
            }
            p
        }
    };
    let rules = file::load_file(&path).map_err(anyhow::Error::msg)?;
    emit(&format!("{}: ok, {} levels\n", path.display(), rules.levels.len()))
}

fn show(ctx: &Ctx, as_toml: bool) -> anyhow::Result<()> {
    let rules = load_rules(ctx)?;
    if as_toml {
        return emit(&file::to_toml(&rules));
    }
    let mut r = Report::new(&[
        ("level", Align::Right),
        ("days", Align::Right),
        ("action", Align::Left),
        ("name", Align::Left),
        ("min_amount", Align::Left),
        ("min_gap_days", Align::Right),
        ("required", Align::Left),
        ("over_limit", Align::Left),
    ]);
    r.title = Some(match &rules.source {
        RulesSource::BuiltIn => "The built-in default ladder (no rules.toml in the data directory)".to_string(),
        RulesSource::File(p) => format!("The ladder from {}", p.display()),
    });
    for l in &rules.levels {
        let min = match &l.min_amount {
            MinAmount::None => String::new(),
            MinAmount::Any(a) => plain_amount(*a),
            MinAmount::PerCurrency(m) => {
                m.iter().map(|(c, a)| format!("{c} {}", plain_amount(*a))).collect::<Vec<_>>().join(" ")
            }
        };
        r.rows.push(vec![
            l.number.to_string(),
            format!("{:+}", l.days),
            l.kind.as_str().to_string(),
            l.name.clone(),
            min,
            l.min_gap_days.map(|g| g.to_string()).unwrap_or_default(),
            if l.required { "yes" } else { "" }.to_string(),
            if l.over_limit { "yes" } else { "" }.to_string(),
        ]);
    }
    if ctx.format != Format::Table {
        return r.print(ctx.format);
    }
    let mut text = r.table();
    text.push('\n');
    let lead = rules.run_lead_days;
    if lead == 0 {
        text.push_str("payment runs: reminders are not moved for payment runs\n");
    } else {
        text.push_str(&format!(
            "payment runs: a reminder landing less than {lead} days before the client's next run is brought forward to {lead} days before it\n"
        ));
    }
    let f = &rules.filter;
    if f.is_empty() {
        text.push_str("clients: all\n");
    }
    if !f.tags.is_empty() {
        text.push_str(&format!("clients: only those tagged {}\n", f.tags.join(", ")));
    }
    if !f.exclude_tags.is_empty() {
        text.push_str(&format!("clients: never those tagged {}\n", f.exclude_tags.join(", ")));
    }
    if !f.currencies.is_empty() {
        let c: Vec<&str> = f.currencies.iter().map(|c| c.as_str()).collect();
        text.push_str(&format!("clients: only accounts in {}\n", c.join(", ")));
    }
    text.push_str(&format!(
        "a broken promise asks for a call (level 0, \"{}\") the day after its date\n",
        rules::BROKEN_PROMISE_NAME
    ));
    emit(&text)
}
