//! Entering and looking at clients, invoices, payments and credits.

use anyhow::{anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use rust_decimal::Decimal;

use super::output::{Align, Document, Report};
use super::{parse_amount_arg, parse_date_arg, parse_invoice_number_arg, parse_terms_arg, Ctx};
use crate::command::{ClientFields, Command, CommandError, InvoiceFields, NewInvoice, PaymentInput};
use crate::domain::money::{format_amount, plain_amount};
use crate::domain::{AdjustmentKind, Currency, Invoice, LineItem, PaymentMethod};
use crate::ledger::{Expect, LedgerError};
use crate::receivables;
use crate::store::image::Need;

// Parsed once per run: the size of the biggest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum ClientCmd {
    /// Add a client (or update it with --update).
    Add(ClientAddArgs),
    /// List clients with their balances.
    List,
    /// Show one client: contact, terms, balance and invoices.
    Show { id: String },
    /// The client's follow-up log, newest first (times in local time).
    Notes {
        id: String,
        /// Show at most this many entries.
        #[arg(long)]
        limit: Option<usize>,
    },
}

#[derive(Args, Debug)]
pub struct ClientAddArgs {
    /// Short unique id, like C000123.
    pub id: String,
    /// The client's name (required when adding).
    pub name: Option<String>,
    #[arg(long)]
    pub contact: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// Payment terms in days (0 to 3650), the default for new invoices [default: 30].
    #[arg(long, value_parser = parse_terms_arg)]
    pub terms: Option<u32>,
    /// Billing currency [default: USD]; cannot change once the client has invoices.
    #[arg(long)]
    pub currency: Option<Currency>,
    #[arg(long, value_parser = parse_amount_arg)]
    pub credit_limit: Option<Decimal>,
    /// Days of the month the client runs payments, e.g. 15,31 (31 = last day).
    #[arg(long, value_delimiter = ',')]
    pub run_days: Option<Vec<u8>>,
    #[arg(long, value_delimiter = ',')]
    pub tags: Option<Vec<String>>,
    /// The collector who owns the account.
    #[arg(long)]
    pub owner: Option<String>,
    /// A line of the postal address (for letters and statements). Repeat it
    /// for each line: --address "1 High Street" --address "London N1 1AA";
    /// --address "" clears it.
    #[arg(long, value_name = "LINE")]
    pub address: Option<Vec<String>>,
    /// Change an existing client (only the fields given) instead of refusing.
    #[arg(long)]
    pub update: bool,
}

#[derive(Subcommand, Debug)]
pub enum InvoiceCmd {
    /// Add an invoice for a plain total or from --line items.
    Add(InvoiceAddArgs),
    /// List invoices, optionally of one client or one status.
    List {
        #[arg(long)]
        client: Option<String>,
        #[arg(long, value_enum, default_value_t = StatusFilter::Open)]
        status: StatusFilter,
    },
    /// Show one invoice with its payments and credits.
    Show { number: String },
    /// Change an invoice's due date, reference or exclusion (only the options given).
    Edit(InvoiceEditArgs),
}

#[derive(Args, Debug)]
pub struct InvoiceEditArgs {
    pub number: String,
    /// New due date (not before the issue date).
    #[arg(long, value_parser = parse_date_arg)]
    pub due: Option<NaiveDate>,
    #[arg(long)]
    pub reference: Option<String>,
    /// Keep it in aging and totals but never chase it (true), or chase it again (false).
    #[arg(long, value_name = "true|false")]
    pub excluded: Option<bool>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    Open,
    Overdue,
    Disputed,
    Paid,
    All,
}

#[derive(Args, Debug)]
pub struct InvoiceAddArgs {
    /// The invoice number: up to 64 characters, no control characters.
    #[arg(value_parser = parse_invoice_number_arg)]
    pub number: String,
    pub client: String,
    /// The total, when not given as lines.
    #[arg(value_parser = parse_amount_arg)]
    pub amount: Option<Decimal>,
    /// Issue date (default: today).
    #[arg(long, value_parser = parse_date_arg)]
    pub issued: Option<NaiveDate>,
    /// Due date (default: issue date + the client's terms).
    #[arg(long, value_parser = parse_date_arg)]
    pub due: Option<NaiveDate>,
    /// Currency (default: the client's).
    #[arg(long)]
    pub currency: Option<Currency>,
    #[arg(long, default_value = "")]
    pub reference: String,
    /// A line item: "description;quantity;unit price[;tax %]". Repeatable.
    #[arg(long = "line")]
    pub lines: Vec<String>,
}

#[derive(Args, Debug)]
pub struct AssignArgs {
    /// The client (account) id.
    pub client: String,
    /// Who works it from now on: `me`, a user name (on a served book, one
    /// team.toml names), or `none` to leave it unassigned.
    #[arg(value_name = "USER|me|none")]
    pub user: String,
}

#[derive(Args, Debug)]
pub struct PayArgs {
    pub invoice: String,
    #[arg(value_parser = parse_amount_arg)]
    pub amount: Decimal,
    /// Date received (default: today).
    #[arg(long, value_parser = parse_date_arg)]
    pub date: Option<NaiveDate>,
    /// bank transfer, card, ACH, cheque, cash, stripe, paypal, gocardless,
    /// direct debit, mobile, crypto, other, or one added under [payments]
    /// methods in config.toml.
    #[arg(long, default_value = "bank transfer")]
    pub method: String,
    /// The bank's or payment provider's reference (e.g. a Stripe charge id), kept with the payment.
    #[arg(long, default_value = "")]
    pub reference: String,
}

#[derive(Args, Debug)]
// An amount against one invoice with a reason: a credit note, a write-off,
// or a charged fee (`dun charge`).
pub struct CreditArgs {
    pub invoice: String,
    #[arg(value_parser = parse_amount_arg)]
    pub amount: Decimal,
    /// Why: it is shown on the account.
    #[arg(long)]
    pub reason: String,
    /// Date of the entry (default: today).
    #[arg(long, value_parser = parse_date_arg)]
    pub date: Option<NaiveDate>,
}

pub fn client(ctx: &Ctx, cmd: ClientCmd) -> anyhow::Result<()> {
    match cmd {
        ClientCmd::Add(a) => {
            let fields = ClientFields {
                name: a.name,
                contact: a.contact,
                email: a.email,
                phone: a.phone,
                terms_days: a.terms,
                currency: a.currency,
                credit_limit: a.credit_limit,
                payment_run_days: a.run_days,
                tags: a.tags,
                owner: a.owner,
                address: a.address,
            };
            let command = if a.update {
                Command::UpdateClient { id: a.id, fields, add_missing: true }
            } else {
                Command::AddClient { id: a.id, fields }
            };
            // Adding a client may start a book (not a served one: the server has it).
            let written = if ctx.server()?.is_some() {
                ctx.write(command)
            } else {
                let ledger = ctx.session.ledger_over(ctx.open_or_create_store()?);
                ctx.write_with(ledger, Expect::Latest, command)
            };
            match written {
                Err(e) if matches!(e.downcast_ref(), Some(LedgerError::Command(CommandError::ClientExists(_)))) => {
                    bail!("{e} (use --update to change it)")
                }
                other => other.map(|_| ()),
            }
        }
        ClientCmd::List => {
            let owned = ctx.read_book(Need::OpenAsOf(ctx.today))?;
            let book = &owned;
            let mut r = Report::new(&[
                ("id", Align::Left),
                ("name", Align::Left),
                ("currency", Align::Left),
                ("terms", Align::Right),
                ("open", Align::Right),
                ("overdue", Align::Right),
                ("credit_limit", Align::Right),
                ("over_limit", Align::Left),
                ("with_agency", Align::Left),
            ]);
            let mut with_agency = 0usize;
            for c in book.clients() {
                let (mut open, mut overdue) = (Decimal::ZERO, Decimal::ZERO);
                for inv in book.client_invoices(&c.id).filter(|i| i.currency == c.currency) {
                    let b = receivables::open_balance(book, inv, ctx.today);
                    open += b;
                    if inv.due_date < ctx.today {
                        overdue += b;
                    }
                }
                r.rows.push(vec![
                    c.id.clone(),
                    c.name.clone(),
                    c.currency.to_string(),
                    c.terms_days.to_string(),
                    amount_cell(ctx, open),
                    amount_cell(ctx, overdue),
                    c.credit_limit.map(|l| amount_cell(ctx, l)).unwrap_or_default(),
                    // The open balance above is the one the limit is for.
                    if c.credit_limit.is_some_and(|l| open > l) { "yes" } else { "" }.to_string(),
                    match receivables::placement(book, &c.id, ctx.today) {
                        Some(p) => {
                            with_agency += 1;
                            p.agency
                        }
                        None => String::new(),
                    },
                ]);
            }
            if with_agency > 0 {
                r.title = Some(format!("{} clients, {with_agency} with an agency", book.clients().len()));
            }
            let printed = r.print(ctx.format);
            ctx.done_with(owned);
            printed
        }
        ClientCmd::Show { id } => {
            let owned = ctx.read_book(Need::All)?;
            let book = &owned;
            let c = book.client(&id).ok_or_else(|| anyhow!("no client {id}"))?;
            let mut doc = Document::new("client");
            let mut kv = |k: &str, v: String| doc.field(k, v);
            kv("id", c.id.clone());
            kv("name", c.name.clone());
            kv("contact", c.contact.clone());
            kv("email", c.email.clone());
            kv("phone", c.phone.clone());
            // One line in a table; the lines are kept in json and csv.
            kv("address", c.address.join(if ctx.format == super::Format::Table { ", " } else { "\n" }));
            kv("terms_days", c.terms_days.to_string());
            kv("currency", c.currency.to_string());
            kv("credit_limit", c.credit_limit.map(plain_amount).unwrap_or_default());
            kv("credit_used", receivables::credit_use(book, c, ctx.today).map(|u| u.describe()).unwrap_or_default());
            kv(
                "with_agency",
                receivables::placement(book, &c.id, ctx.today)
                    .map(|p| format!("{} since {}", p.agency, p.since))
                    .unwrap_or_default(),
            );
            kv(
                "late_reason",
                receivables::agency::latest_late_reason(book, &c.id, ctx.today)
                    .map(|(r, d)| format!("{} ({d})", r.describe()))
                    .unwrap_or_default(),
            );
            kv("payment_run_days", c.payment_run_days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(","));
            kv("tags", c.tags.join(","));
            kv("owner", c.owner.clone());
            kv("hold", c.hold.as_ref().map(|h| format!("since {}: {}", h.since, h.reason)).unwrap_or_default());
            kv("snoozed_until", c.snoozed_until.map(|d| d.to_string()).unwrap_or_default());
            let credit = receivables::account_credit(book, &c.id, ctx.today);
            kv("credit_on_account", credit.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "));
            // One document in every format: the invoices are part of it.
            doc.list("invoices", invoice_report(ctx, book.client_invoices(&id), book, StatusFilter::All));
            let printed = doc.print(ctx.format);
            ctx.done_with(owned);
            printed
        }
        ClientCmd::Notes { id, limit } => {
            let owned = ctx.read_book(Need::All)?;
            let book = &owned;
            book.client(&id).ok_or_else(|| anyhow!("no client {id}"))?;
            let mut r = Report::new(&[
                ("id", Align::Right),
                ("time", Align::Left),
                ("date", Align::Left),
                ("author", Align::Left),
                ("kind", Align::Left),
                ("outcome", Align::Left),
                ("promise", Align::Left),
                ("text", Align::Left),
            ]);
            let reversed = book.reversed_note_ids();
            let corrected: std::collections::HashMap<u64, u64> =
                book.client_notes(&id).filter_map(|n| n.supersedes.map(|old| (old, n.id))).collect();
            for n in book.client_notes(&id).rev().take(limit.unwrap_or(usize::MAX)) {
                let local = n.at.with_timezone(&chrono::Local);
                let mut text = n.text.clone();
                if reversed.contains(&n.id) {
                    text = format!("[undone] {text}");
                }
                if let Some(r) = n.reverses {
                    text = format!("[undoes #{r}] {text}");
                }
                // Replacing an undone entry is a redo (dun redo), not a correction.
                if let Some(old) = n.supersedes {
                    let verb = if reversed.contains(&old) { "redoes" } else { "corrects" };
                    text = format!("[{verb} #{old}] {text}");
                }
                if let Some(new) = corrected.get(&n.id) {
                    let verb = if reversed.contains(&n.id) { "redone" } else { "corrected" };
                    text = format!("[{verb} by #{new}] {text}");
                }
                r.rows.push(vec![
                    n.id.to_string(),
                    if ctx.format == super::Format::Table {
                        local.format("%Y-%m-%d %H:%M").to_string()
                    } else {
                        local.to_rfc3339()
                    },
                    n.date.to_string(),
                    n.author.clone(),
                    n.kind.as_str().to_string(),
                    n.outcome.map(|o| o.as_str().to_string()).unwrap_or_default(),
                    n.promise
                        .as_ref()
                        .map(|p| format!("{} {} by {}", amount_cell(ctx, p.amount), p.currency, p.date))
                        .unwrap_or_default(),
                    text,
                ]);
            }
            r.print(ctx.format)
        }
    }
}

fn amount_cell(ctx: &Ctx, a: Decimal) -> String {
    if ctx.format == super::Format::Table {
        format_amount(a)
    } else {
        plain_amount(a)
    }
}

fn invoice_report<'a>(
    ctx: &Ctx,
    invoices: impl Iterator<Item = &'a Invoice>,
    book: &crate::domain::Book,
    filter: StatusFilter,
) -> Report {
    let mut r = Report::new(&[
        ("number", Align::Left),
        ("client_id", Align::Left),
        ("issue_date", Align::Left),
        ("due_date", Align::Left),
        ("currency", Align::Left),
        ("total", Align::Right),
        ("balance", Align::Right),
        ("days_overdue", Align::Right),
        ("status", Align::Left),
        ("flags", Align::Left),
    ]);
    for inv in invoices {
        if inv.issue_date > ctx.today {
            continue;
        }
        let st = receivables::invoice_state(book, inv, ctx.today);
        let status = st.status();
        let overdue_days = (ctx.today - inv.due_date).num_days();
        let keep = match filter {
            StatusFilter::All => true,
            StatusFilter::Open => !status.is_settled(),
            StatusFilter::Overdue => !status.is_settled() && overdue_days > 0,
            StatusFilter::Disputed => inv.is_disputed(),
            StatusFilter::Paid => status.is_settled(),
        };
        if !keep {
            continue;
        }
        let mut flags = Vec::new();
        if inv.is_disputed() {
            flags.push("disputed");
        }
        if inv.excluded {
            flags.push("excluded");
        }
        r.rows.push(vec![
            inv.number.to_string(),
            inv.client_id.to_string(),
            inv.issue_date.to_string(),
            inv.due_date.to_string(),
            inv.currency.to_string(),
            amount_cell(ctx, inv.total),
            amount_cell(ctx, st.open()),
            if status.is_settled() { String::new() } else { overdue_days.max(0).to_string() },
            status.as_str().to_string(),
            flags.join(" "),
        ]);
    }
    r
}

fn parse_line(s: &str) -> anyhow::Result<LineItem> {
    let parts: Vec<&str> = s.split(';').collect();
    if !(3..=4).contains(&parts.len()) {
        bail!("line '{s}' must be \"description;quantity;unit price[;tax %]\"");
    }
    let num =
        |p: &str, what: &str| crate::domain::money::parse_amount(p).map_err(|e| anyhow!("line '{s}': {what}: {e}"));
    Ok(LineItem {
        description: parts[0].trim().to_string(),
        quantity: num(parts[1], "quantity")?,
        unit_price: num(parts[2], "unit price")?,
        tax_rate: parts.get(3).map(|p| num(p, "tax rate")).transpose()?,
    })
}

pub fn invoice(ctx: &Ctx, cmd: InvoiceCmd) -> anyhow::Result<()> {
    match cmd {
        InvoiceCmd::Add(a) => {
            let lines = a.lines.iter().map(|l| parse_line(l)).collect::<anyhow::Result<Vec<_>>>()?;
            let invoice = NewInvoice {
                number: a.number,
                client: a.client,
                amount: a.amount,
                lines,
                issued: a.issued,
                due: a.due,
                currency: a.currency,
                reference: a.reference,
            };
            ctx.write(Command::AddInvoice(invoice)).map(|_| ())
        }
        InvoiceCmd::Edit(a) => {
            let fields = InvoiceFields { due: a.due, reference: a.reference, excluded: a.excluded };
            ctx.write(Command::EditInvoice { number: a.number, fields }).map(|_| ())
        }
        InvoiceCmd::List { client, status } => {
            let owned = ctx.read_book(Need::All)?;
            let book = &owned;
            let r = match &client {
                Some(c) => {
                    book.client(c).ok_or_else(|| anyhow!("no client {c}"))?;
                    invoice_report(ctx, book.client_invoices(c), book, status)
                }
                None => invoice_report(ctx, book.invoices().iter(), book, status),
            };
            let printed = r.print(ctx.format);
            ctx.done_with(owned);
            printed
        }
        InvoiceCmd::Show { number } => {
            let owned = ctx.read_book(Need::All)?;
            let book = &owned;
            let inv = book.invoice(&number).ok_or_else(|| anyhow!("no invoice {number}"))?;
            let mut doc = Document::new("invoice");
            // The fields of its row in `invoice list`, plus what only this view shows.
            let row = invoice_report(ctx, std::iter::once(inv), book, StatusFilter::All);
            if let Some(values) = row.rows.first() {
                for ((name, _), v) in row.columns.iter().zip(values) {
                    doc.field(name, v.clone());
                }
            } else {
                // Issued after `today`: not in the lists yet, but it exists.
                doc.field("number", inv.number.clone());
                doc.field("client_id", inv.client_id.clone());
                doc.field("issue_date", inv.issue_date.to_string());
                doc.field("due_date", inv.due_date.to_string());
                doc.field("currency", inv.currency.to_string());
                doc.field("total", amount_cell(ctx, inv.total));
                doc.field("status", "not yet issued");
            }
            doc.field("reference", inv.reference.clone());
            doc.field(
                "dispute",
                inv.dispute.as_ref().map(|d| format!("since {}: {}", d.since, d.reason)).unwrap_or_default(),
            );
            let mut lines = Report::new(&[
                ("description", Align::Left),
                ("quantity", Align::Right),
                ("unit_price", Align::Right),
                ("tax_percent", Align::Right),
                ("amount", Align::Right),
            ]);
            for l in &inv.lines {
                lines.rows.push(vec![
                    l.description.clone(),
                    l.quantity.normalize().to_string(),
                    l.unit_price.normalize().to_string(),
                    l.tax_rate.map(|t| t.normalize().to_string()).unwrap_or_default(),
                    amount_cell(ctx, l.total()),
                ]);
            }
            doc.list("lines", lines);
            let mut r = Report::new(&[
                ("date", Align::Left),
                ("entry", Align::Left),
                ("amount", Align::Right),
                ("detail", Align::Left),
            ]);
            for (p, a) in book.invoice_allocations(&number) {
                r.rows.push(vec![
                    p.date.to_string(),
                    format!("payment #{}", p.id),
                    amount_cell(ctx, a.amount),
                    format!("{} {}", p.method, p.reference).trim().to_string(),
                ]);
            }
            for adj in book.invoice_adjustments(&number) {
                r.rows.push(vec![
                    adj.date.to_string(),
                    adj.kind.as_str().to_string(),
                    amount_cell(ctx, adj.amount),
                    adj.reason.clone(),
                ]);
            }
            r.rows.sort();
            doc.list("entries", r);
            let printed = doc.print(ctx.format);
            ctx.done_with(owned);
            printed
        }
    }
}

pub fn pay(ctx: &Ctx, a: PayArgs) -> anyhow::Result<()> {
    let method = PaymentMethod::parse_with(&a.method, &ctx.payment_methods()).map_err(|e| anyhow!("--method: {e}"))?;
    let payment = PaymentInput {
        amount: a.amount,
        date: a.date.unwrap_or(ctx.today),
        method,
        reference: a.reference,
        invoice: Some(a.invoice),
    };
    ctx.write(Command::Pay { client: None, payment }).map(|_| ())
}

pub fn credit(ctx: &Ctx, a: CreditArgs, kind: AdjustmentKind) -> anyhow::Result<()> {
    let command = Command::Adjust { kind, invoice: a.invoice, amount: a.amount, reason: a.reason, date: a.date };
    ctx.write(command).map(|_| ())
}

/// `dun assign CLIENT USER|me|none`: sets only the account's owner. On a
/// served book an admin may give any account to anyone on the team; a
/// collector may take an account nobody owns (`me`); the server checks.
pub fn assign(ctx: &Ctx, a: AssignArgs) -> anyhow::Result<()> {
    let me = ctx.me()?;
    let owner = match a.user.as_str() {
        "none" => String::new(),
        "me" => me.clone(),
        other => other.to_string(),
    };
    // A name nobody on the team has is a typo, not a new colleague.
    let team: Option<Vec<String>> = match ctx.server()? {
        Some(mut r) => Some(r.team()?.into_iter().map(|m| m.user).collect()),
        None => crate::server::team::Team::load(&ctx.data_dir)
            .ok()
            .flatten()
            .map(|t| t.members().into_iter().map(|(u, _)| u).collect()),
    };
    if let Some(team) = team.filter(|_| !owner.is_empty() && owner != me) {
        if !team.contains(&owner) {
            bail!(
                "{} is not on the team (team.toml names: {}); give a team member, `me` or `none`",
                owner,
                if team.is_empty() { "nobody".to_string() } else { team.join(", ") }
            );
        }
    }
    let fields = ClientFields { owner: Some(owner), ..ClientFields::default() };
    ctx.write(Command::UpdateClient { id: a.client, fields, add_missing: false }).map(|_| ())
}
