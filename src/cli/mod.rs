//! The command line: a thin shell that parses arguments, opens the store,
//! calls the core and prints. Each command family lives in its own module.
//!
//! The command names and flags here are a contract with scripts and cron
//! jobs; see docs/cli.md.

mod book_cmds;
mod context;
mod io_cmds;
mod mail_cmds;
mod mail_send;
pub mod output;
mod report_cmds;
mod rules_cmds;
mod server_cmds;
mod store_cmds;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use context::Ctx;
pub use output::Format;

#[derive(Parser, Debug)]
#[command(name = "dun", version, about = "A terminal receivables manager: who to chase today, and how.")]
#[command(propagate_version = true, disable_help_subcommand = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Listed after each command's own options, under their own heading.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Data directory (default: $DUN_DATA, else ~/.local/share/dun).
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Act as if today were this date (YYYY-MM-DD): for planning, replaying a past day, and tests.
    #[arg(long, global = true, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
    pub today: Option<chrono::NaiveDate>,
    /// Output format for commands that print data (table, csv, json; default
    /// table). For `import`, the file's layout instead (dun, xero); for
    /// `statement`, also pdf, txt and html.
    #[arg(long, global = true, value_enum)]
    pub format: Option<FormatArg>,
    /// Config file (default: ~/.config/dun/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Colour theme for the interface (default, light, high-contrast, mono).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Open a book that belongs to another user (normally refused: files dun
    /// creates there would belong to you and could lock its owner out).
    #[arg(long, global = true)]
    pub allow_other_owner: bool,
    /// The socket of a `dun serve` whose socket is not in the data folder
    /// (default: $DUN_SOCKET, else DIR/dun.sock when a server listens there).
    #[arg(long, global = true, value_name = "PATH", env = "DUN_SOCKET")]
    pub socket: Option<PathBuf>,
    /// When another dun process is writing to the book, wait up to this many
    /// seconds for it (default 30; 0 fails at once). Commands that only read
    /// never wait: they read the published image.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub wait: Option<u64>,
}

pub fn parse_date_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::domain::dates::parse_iso(s)
}

/// A money amount argument (`domain::validate::money`: at most two
/// decimal places, never rounded).
pub fn parse_amount_arg(s: &str) -> Result<rust_decimal::Decimal, String> {
    let d = crate::domain::money::parse_amount(s).map_err(|e| e.to_string())?;
    crate::domain::validate::money_value(d).map_err(|m| format!("'{}' {m}", crate::text::sanitize(s)))
}

/// Payment terms in days (`domain::validate::terms_days`).
pub fn parse_terms_arg(s: &str) -> Result<u32, String> {
    crate::domain::validate::terms_days_text(s)
}

/// A new invoice's number (`domain::validate::invoice_number`).
pub fn parse_invoice_number_arg(s: &str) -> Result<String, String> {
    crate::domain::validate::invoice_number(s).map(|()| s.to_string())
}

/// What `--format` accepts: an output format, or for `import` the layout
/// of the file read (the issue's `dun import ... --format xero`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
    Dun,
    Xero,
    Pdf,
    Txt,
    Html,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Fill an empty data directory with a realistic demo book, then open the interface.
    Demo {
        /// Only create the book; do not open the interface.
        #[arg(long)]
        no_tui: bool,
    },
    /// Add, list and show clients.
    #[command(subcommand)]
    Client(book_cmds::ClientCmd),
    /// Add, list and show invoices.
    #[command(subcommand)]
    Invoice(book_cmds::InvoiceCmd),
    /// Give an account to a team member (`me`, a user name) or to nobody (`none`).
    Assign(book_cmds::AssignArgs),
    /// Record a payment against an invoice (the rest goes to the client's oldest invoices, then credit).
    Pay(book_cmds::PayArgs),
    /// Issue a credit note against an invoice.
    Credit(book_cmds::CreditArgs),
    /// Write off (part of) an invoice as a bad debt.
    WriteOff(book_cmds::CreditArgs),
    /// Check every record, count and index in the store.
    Verify,
    /// Run the team server: the one process that opens the book; everyone's dun uses it (docs/team.md).
    Serve,
    /// Show the book's server: who is connected, and the last write.
    Status,
    #[command(flatten)]
    Io(io_cmds::IoCmd),
    #[command(flatten)]
    Report(report_cmds::ReportCmd),
    #[command(flatten)]
    Rules(rules_cmds::RulesCmd),
    #[command(flatten)]
    Mail(mail_cmds::MailCmd),
}

/// Bad arguments exit 2 with clap's message, with any value quoted from the
/// command line escaped (an invoice number holding an escape sequence must
/// not reach the terminal raw). `--help` and `--version` print as they are,
/// to stdout, and a closed pipe there is not an error either.
fn argument_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            if e.exit_code() == 0 =>
        {
            let _ = output::emit(text.as_bytes());
            ExitCode::SUCCESS
        }
        _ => {
            let _ = write!(std::io::stderr(), "{}", crate::text::sanitize_lines(&text));
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
    }
}

/// Runs dun with the process's arguments and returns its exit code. Errors
/// go to stderr; data goes to stdout.
pub fn main() -> ExitCode {
    // Files dun creates (sled's included) are private to their owner: this
    // is financial data, often on a shared server.
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe {
        libc::umask(0o077);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return argument_error(e),
    };
    let (result, ctx) = run_with_ctx(cli);
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader stopped early (`dun stats | head -1`): not an error.
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Messages quote values from files and arguments: the one
            // escaping rule applies to them as to every other output.
            let _ = writeln!(std::io::stderr(), "dun: {}", crate::text::sanitize_lines(&format!("{e:#}")));
            ExitCode::from(1)
        }
    };
    // The process ends next: stores left with `Ctx::done_reading` are not
    // freed one allocation at a time (see there why that is safe).
    std::mem::forget(ctx);
    code
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    run_with_ctx(cli).0
}

/// Runs a command and hands back its context, with any stores left in it.
fn run_with_ctx(cli: Cli) -> (anyhow::Result<()>, Option<Ctx>) {
    let ctx = match check_args(&cli).and_then(|()| Ctx::new(&cli.global)) {
        Ok(ctx) => ctx,
        Err(e) => return (Err(e), None),
    };
    let result = dispatch(&ctx, cli.command);
    (result, Some(ctx))
}

fn check_args(cli: &Cli) -> anyhow::Result<()> {
    if let Some(f @ (FormatArg::Dun | FormatArg::Xero)) = cli.global.format {
        if !matches!(cli.command, Some(Command::Io(io_cmds::IoCmd::Import(_)))) {
            let name = if f == FormatArg::Dun { "dun" } else { "xero" };
            anyhow::bail!("--format {name} names an import layout; output formats are table, csv and json");
        }
    }
    if let Some(f @ (FormatArg::Pdf | FormatArg::Txt | FormatArg::Html)) = cli.global.format {
        use mail_cmds::MailCmd;
        let ok = match &cli.command {
            Some(Command::Mail(MailCmd::Statement(_))) => true,
            Some(Command::Mail(MailCmd::Letter(_))) => f == FormatArg::Txt,
            _ => false,
        };
        if !ok {
            let name = format!("{f:?}").to_lowercase();
            anyhow::bail!("--format {name} is for `dun statement` (and txt for `dun letter`); output formats are table, csv and json");
        }
    }
    Ok(())
}

fn dispatch(ctx: &Ctx, command: Option<Command>) -> anyhow::Result<()> {
    match command {
        None => store_cmds::open_interface(ctx),
        Some(Command::Demo { no_tui }) => store_cmds::demo(ctx, no_tui),
        Some(Command::Client(c)) => book_cmds::client(ctx, c),
        Some(Command::Invoice(c)) => book_cmds::invoice(ctx, c),
        Some(Command::Assign(a)) => book_cmds::assign(ctx, a),
        Some(Command::Pay(a)) => book_cmds::pay(ctx, a),
        Some(Command::Credit(a)) => book_cmds::credit(ctx, a, crate::domain::AdjustmentKind::Credit),
        Some(Command::WriteOff(a)) => book_cmds::credit(ctx, a, crate::domain::AdjustmentKind::WriteOff),
        Some(Command::Verify) => store_cmds::verify(ctx),
        Some(Command::Serve) => server_cmds::serve(ctx),
        Some(Command::Status) => server_cmds::status(ctx),
        Some(Command::Io(c)) => io_cmds::run(ctx, c),
        Some(Command::Report(c)) => report_cmds::run(ctx, c),
        Some(Command::Rules(c)) => rules_cmds::run(ctx, c),
        Some(Command::Mail(c)) => mail_cmds::run(ctx, c),
    }
}
