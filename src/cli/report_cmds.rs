//! Reports from the receivables math (aging, key figures, fees, discounts)
//! and the few commands that act on them: charging a fee, setting a plan.

use anyhow::{anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use rust_decimal::Decimal;

use super::output::{Align, Report};
use super::{parse_date_arg, Ctx, Format};
use crate::command::Command;
use crate::config::Config;
use crate::domain::money::{format_amount, plain_amount};
use crate::domain::{AdjustmentKind, Book, Currency, Instalment};
use crate::ledger::Expect;
use crate::receivables::aging::{age_book, AgeBasis, AgingOptions, AgingReport, Buckets};
use crate::receivables::kpi::{self, Period};
use crate::receivables::{discount, fees, open_balance, plan};
use crate::store::image::Need;
use crate::text;

#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// Open balances in buckets of days overdue, as of a date (default: today).
    Aging(AgingArgs),
    /// Key figures: DSO, overdue, share over 60 and 90 days, collected; clients' payment habits.
    Stats(StatsArgs),
    /// List the late fees and interest that could be charged (nothing is charged).
    Fees(FeesArgs),
    /// Charge the late fee an invoice has earned under the fee policy, as an explicit fee line.
    Fee(FeeArgs),
    /// Charge a fee of a given amount on an invoice.
    Charge(super::book_cmds::CreditArgs),
    /// List the early-payment discounts still available.
    Discounts(AsOfArgs),
    /// Show, set or clear an invoice's payment plan.
    Plan(PlanArgs),
}

#[derive(Args, Debug)]
pub struct AsOfArgs {
    /// The date to report as of (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
    pub as_of: Option<NaiveDate>,
}

#[derive(Args, Debug)]
pub struct AgingArgs {
    #[command(flatten)]
    pub when: AsOfArgs,
    /// One row per client and currency instead of one per currency.
    #[arg(long)]
    pub by_client: bool,
    /// Only this currency.
    #[arg(long)]
    pub currency: Option<Currency>,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub when: AsOfArgs,
    /// The period for DSO and collections: this many days up to the date.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// Each client's average days to pay and when its open invoices can be expected.
    #[arg(long, conflicts_with = "client")]
    pub by_client: bool,
    /// One client's open invoices with the date each can be expected.
    #[arg(long)]
    pub client: Option<String>,
    /// How many notes give each reason for lateness (forgot, cash-flow, ...).
    #[arg(long, conflicts_with_all = ["client", "by_client"])]
    pub reasons: bool,
}

#[derive(Args, Debug)]
pub struct FeesArgs {
    #[command(flatten)]
    pub when: AsOfArgs,
    /// Only this client's invoices.
    #[arg(long)]
    pub client: Option<String>,
}

#[derive(Args, Debug)]
pub struct FeeArgs {
    pub invoice: String,
    /// The date of the charge, and of the calculation (default: today).
    #[arg(long, value_parser = parse_date_arg)]
    pub date: Option<NaiveDate>,
    /// Show the calculation and charge nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    pub invoice: String,
    /// An instalment, DATE:AMOUNT (repeat for each; they must add up to the open balance).
    #[arg(long = "instalment", value_name = "DATE:AMOUNT", value_parser = plan::parse_instalment)]
    pub instalments: Vec<Instalment>,
    /// Remove the plan: the invoice is due on its own due date again.
    #[arg(long, conflicts_with = "instalments")]
    pub clear: bool,
}

pub fn run(ctx: &Ctx, cmd: ReportCmd) -> anyhow::Result<()> {
    match cmd {
        ReportCmd::Aging(a) => super::output::quiet_broken_pipe(aging(ctx, a)),
        ReportCmd::Stats(a) => stats(ctx, a),
        ReportCmd::Fees(a) => fees_list(ctx, a),
        ReportCmd::Fee(a) => fee(ctx, a),
        ReportCmd::Charge(a) => charge(ctx, a),
        ReportCmd::Discounts(a) => discounts(ctx, a),
        ReportCmd::Plan(a) => set_plan(ctx, a),
    }
}

fn load_config(ctx: &Ctx) -> anyhow::Result<Config> {
    Config::load(ctx.global.config.as_deref()).map_err(anyhow::Error::msg)
}

fn aging_options(cfg: &Config) -> anyhow::Result<AgingOptions> {
    Ok(AgingOptions {
        buckets: Buckets::new(&cfg.aging.buckets).map_err(|e| anyhow!("[aging] {e}"))?,
        basis: cfg.aging.by.parse::<AgeBasis>().map_err(|e| anyhow!("[aging] {e}"))?,
    })
}

/// Amounts for people get thousands separators; for scripts, plain.
fn money(format: Format, a: Decimal) -> String {
    if format == Format::Table {
        format_amount(a)
    } else {
        plain_amount(a)
    }
}

fn name_cell(format: Format, name: &str) -> String {
    if format == Format::Table {
        text::truncate(name, 32)
    } else {
        name.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn aging(ctx: &Ctx, a: AgingArgs) -> anyhow::Result<()> {
    let opts = aging_options(&load_config(ctx)?)?;
    let as_of = a.when.as_of.unwrap_or(ctx.today);
    // From the image's per-invoice facts when they hold for `as_of`: no
    // invoice or payment is decoded.
    let image = ctx.current_image()?;
    let from_facts = match &image {
        Some(im) => im.aging(as_of, &opts).unwrap_or_else(|e| {
            eprintln!("dun: note: {e}; reading the records instead");
            None
        }),
        None => None,
    };
    let (mut r, owned) = match from_facts {
        Some(r) => (r, None),
        None => {
            let book = ctx.read_book_from(image, Need::OpenAsOf(as_of))?;
            (age_book(&book, as_of, &opts), Some(book))
        }
    };
    if let Some(c) = a.currency {
        r.retain_currency(c);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match ctx.format {
        Format::Json => {
            super::output::write_json(&mut out, &aging_json(&r, a.by_client))?;
        }
        f => {
            aging_report(&r, a.by_client, f).write(f, &mut out)?;
            if f == Format::Table {
                use std::io::Write;
                writeln!(out)?;
                if r.credit.is_empty() {
                    writeln!(out, "No credit on account.")?;
                } else {
                    credit_report(&r).write(f, &mut out)?;
                }
            }
        }
    }
    use std::io::Write;
    out.flush()?;
    drop(out);
    if let Some(book) = owned {
        ctx.done_with(book);
    }
    Ok(())
}

/// The aging as rows: per client and currency, or per currency with credit.
fn aging_report(r: &AgingReport, by_client: bool, f: Format) -> Report {
    let mut cols: Vec<(&str, Align)> = Vec::new();
    if by_client {
        cols.extend([("client_id", Align::Left), ("client_name", Align::Left)]);
    }
    cols.push(("currency", Align::Left));
    cols.extend(r.labels.iter().map(|l| (l.as_str(), Align::Right)));
    cols.push(("total", Align::Right));
    // The CSV columns are a documented contract (docs/aging.md): accounts
    // with an agency are flagged in the table (when there are any) and in JSON.
    let agency = f == Format::Table && r.totals.iter().any(|t| !t.with_agency.is_zero());
    if by_client && agency {
        cols.push(("with_agency", Align::Left));
    }
    if !by_client {
        cols.push(("credit_on_account", Align::Right));
        if agency {
            cols.push(("with_agency", Align::Right));
        }
    }
    let mut rep = Report::new(&cols);
    rep.title = Some(format!(
        "Aging as of {} (days past {}){}",
        r.as_of,
        if r.basis == AgeBasis::DueDate { "due date" } else { "invoice date" },
        if by_client { ", by client" } else { "" }
    ));
    let amounts = |buckets: &[Decimal], total: Decimal| -> Vec<String> {
        buckets.iter().chain(std::iter::once(&total)).map(|&x| money(f, x)).collect()
    };
    if by_client {
        for l in &r.lines {
            let mut row = vec![l.client_id.clone(), name_cell(f, &l.client_name), l.currency.to_string()];
            row.extend(amounts(&l.buckets, l.total));
            if agency {
                row.push(l.agency.clone().unwrap_or_default());
            }
            rep.rows.push(row);
        }
        for t in &r.totals {
            let mut row = vec!["Total".to_string(), String::new(), t.currency.to_string()];
            row.extend(amounts(&t.buckets, t.total));
            if agency {
                row.push(String::new());
            }
            rep.footer.push(row);
        }
        for t in r.totals.iter().filter(|t| agency && !t.with_agency.is_zero()) {
            let mut row = vec!["With agency".to_string(), String::new(), t.currency.to_string()];
            row.extend(std::iter::repeat_n(String::new(), r.labels.len()));
            row.push(money(f, t.with_agency));
            row.push(String::new());
            rep.footer.push(row);
        }
    } else {
        for t in r.totals.iter().filter(|t| !t.total.is_zero() || !t.credit.is_zero()) {
            let mut row = vec![t.currency.to_string()];
            row.extend(amounts(&t.buckets, t.total));
            row.push(money(f, t.credit));
            if agency {
                row.push(money(f, t.with_agency));
            }
            rep.rows.push(row);
        }
    }
    rep
}

fn credit_report(r: &AgingReport) -> Report {
    let mut rep = Report::new(&[
        ("client_id", Align::Left),
        ("client_name", Align::Left),
        ("currency", Align::Left),
        ("credit_on_account", Align::Right),
    ]);
    rep.title = Some("Credit on account (unallocated payments and over-payments; not netted above)".into());
    for c in &r.credit {
        rep.rows.push(vec![
            c.client_id.clone(),
            name_cell(Format::Table, &c.client_name),
            c.currency.to_string(),
            format_amount(c.amount),
        ]);
    }
    rep
}

fn aging_json(r: &AgingReport, by_client: bool) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let buckets = |labels: &[String], b: &[Decimal], total: Decimal| -> Map<String, Value> {
        let mut m: Map<String, Value> =
            labels.iter().zip(b).map(|(l, x)| (l.clone(), Value::String(plain_amount(*x)))).collect();
        m.insert("total".into(), Value::String(plain_amount(total)));
        m
    };
    let mut doc = json!({
        "as_of": r.as_of.to_string(),
        "aged_by": if r.basis == AgeBasis::DueDate { "due" } else { "invoice" },
        "buckets": r.labels,
    });
    let totals: Vec<Value> = r
        .totals
        .iter()
        .map(|t| {
            let mut m = buckets(&r.labels, &t.buckets, t.total);
            m.insert("currency".into(), Value::String(t.currency.to_string()));
            m.insert("credit_on_account".into(), Value::String(plain_amount(t.credit)));
            m.insert("with_agency".into(), Value::String(plain_amount(t.with_agency)));
            Value::Object(m)
        })
        .collect();
    doc["totals"] = Value::Array(totals);
    if by_client {
        let rows: Vec<Value> = r
            .lines
            .iter()
            .map(|l| {
                let mut m = buckets(&r.labels, &l.buckets, l.total);
                m.insert("client_id".into(), Value::String(l.client_id.clone()));
                m.insert("client_name".into(), Value::String(l.client_name.clone()));
                m.insert("currency".into(), Value::String(l.currency.to_string()));
                m.insert("with_agency".into(), l.agency.clone().map_or(Value::Null, Value::String));
                Value::Object(m)
            })
            .collect();
        doc["clients"] = Value::Array(rows);
    }
    doc["credit"] = Value::Array(
        r.credit
            .iter()
            .map(|c| {
                json!({
                    "client_id": c.client_id,
                    "client_name": c.client_name,
                    "currency": c.currency.to_string(),
                    "amount": plain_amount(c.amount),
                })
            })
            .collect(),
    );
    doc
}

fn pct(v: Option<Decimal>) -> String {
    v.map(|p| format!("{p:.1}")).unwrap_or_default()
}

fn stats(ctx: &Ctx, a: StatsArgs) -> anyhow::Result<()> {
    let as_of = a.when.as_of.unwrap_or(ctx.today);
    let owned = ctx.read_book(Need::All)?;
    let book = &owned;
    let f = ctx.format;
    if let Some(id) = &a.client {
        return client_forecast(book, id, as_of, f);
    }
    let reasons = || {
        let mut r = Report::new(&[("late_reason", Align::Left), ("notes", Align::Right)]);
        r.title = Some(format!("Reasons for lateness noted up to {as_of}"));
        for (reason, n) in crate::receivables::agency::late_reason_counts(book, as_of) {
            r.rows.push(vec![reason.as_str().to_string(), n.to_string()]);
        }
        r
    };
    if a.reasons {
        return reasons().print(f);
    }
    if a.by_client {
        let mut r = Report::new(&[
            ("client_id", Align::Left),
            ("client_name", Align::Left),
            ("paid_invoices", Align::Right),
            ("avg_days_to_pay", Align::Right),
            ("open_invoices", Align::Right),
            ("late_on_habit", Align::Right),
            ("next_expected", Align::Left),
        ]);
        r.title = Some(format!(
            "Payment habits as of {as_of} (average days from invoice date to settling payment; open invoices are \
             expected that many days after their invoice date)"
        ));
        for c in kpi::client_kpis(book, as_of) {
            r.rows.push(vec![
                c.client_id,
                name_cell(f, &c.client_name),
                c.history.paid_invoices.to_string(),
                c.history.avg_days_to_pay.map(|d| format!("{d:.1}")).unwrap_or_default(),
                c.open_invoices.to_string(),
                c.late_on_habit.to_string(),
                opt(c.next_expected),
            ]);
        }
        return r.print(f);
    }
    let period = Period::ending(as_of, a.days);
    let ks = kpi::book_kpis(book, as_of, period);
    let n = a.days;
    if f == Format::Table {
        let mut cols: Vec<(String, Align)> = vec![("figure".into(), Align::Left)];
        cols.extend(ks.iter().map(|k| (k.currency.to_string(), Align::Right)));
        let cols_ref: Vec<(&str, Align)> = cols.iter().map(|(n, a)| (n.as_str(), *a)).collect();
        let mut r = Report::new(&cols_ref);
        r.title = Some(format!("Key figures as of {as_of} (period: {} to {}, {n} days)", period.from, period.to));
        let mut row = |label: String, cell: &dyn Fn(&kpi::CurrencyKpis) -> String| {
            let mut v = vec![label];
            v.extend(ks.iter().map(cell));
            r.rows.push(v);
        };
        row("open balance".into(), &|k| format_amount(k.open));
        row("overdue".into(), &|k| format_amount(k.overdue));
        row("over 60 days past due".into(), &|k| format_amount(k.over_60));
        row("  share of open, %".into(), &|k| pct(k.share_over_60));
        row("over 90 days past due".into(), &|k| format_amount(k.over_90));
        row("  share of open, %".into(), &|k| pct(k.share_over_90));
        row(format!("invoiced in the {n} days"), &|k| format_amount(k.invoiced));
        row(format!("collected in the {n} days"), &|k| format_amount(k.collected));
        row("DSO, days".into(), &|k| pct(k.dso));
        r.print(f)?;
        crate::say!("\nDSO = open balance ÷ invoiced in the period × {n} days.\n")?;
        return reasons().print(f);
    }
    let mut r = Report::new(&[
        ("currency", Align::Left),
        ("open", Align::Right),
        ("overdue", Align::Right),
        ("over_60", Align::Right),
        ("over_60_pct", Align::Right),
        ("over_90", Align::Right),
        ("over_90_pct", Align::Right),
        ("period_from", Align::Left),
        ("period_to", Align::Left),
        ("invoiced", Align::Right),
        ("collected", Align::Right),
        ("dso_days", Align::Right),
    ]);
    for k in ks {
        r.rows.push(vec![
            k.currency.to_string(),
            plain_amount(k.open),
            plain_amount(k.overdue),
            plain_amount(k.over_60),
            pct(k.share_over_60),
            plain_amount(k.over_90),
            pct(k.share_over_90),
            period.from.to_string(),
            period.to.to_string(),
            plain_amount(k.invoiced),
            plain_amount(k.collected),
            pct(k.dso),
        ]);
    }
    let printed = r.print(f);
    ctx.done_with(owned);
    printed
}

fn client_forecast(book: &Book, id: &str, as_of: NaiveDate, f: Format) -> anyhow::Result<()> {
    let c = book.client(id).ok_or_else(|| anyhow!("no client {id}"))?;
    let h = kpi::pay_history(book, id, as_of);
    let mut r = Report::new(&[
        ("number", Align::Left),
        ("issue_date", Align::Left),
        ("due_date", Align::Left),
        ("currency", Align::Left),
        ("open", Align::Right),
        ("expected", Align::Left),
        ("late_on_habit", Align::Left),
    ]);
    r.title = Some(match h.avg_days_to_pay {
        Some(avg) => format!(
            "{} ({}) as of {as_of}: {} invoices paid, on average {avg:.1} days after the invoice date",
            c.name, c.id, h.paid_invoices
        ),
        None => format!("{} ({}) as of {as_of}: no paid invoices yet, so no expected dates", c.name, c.id),
    });
    let mut invoices: Vec<_> = book.client_invoices(id).collect();
    invoices.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.number.cmp(&b.number)));
    for inv in invoices {
        let open = open_balance(book, inv, as_of);
        if open.is_zero() {
            continue;
        }
        let fc = kpi::forecast(&h, inv, as_of);
        r.rows.push(vec![
            inv.number.to_string(),
            inv.issue_date.to_string(),
            inv.due_date.to_string(),
            inv.currency.to_string(),
            money(f, open),
            opt(fc.as_ref().map(|x| x.expected)),
            match fc {
                Some(x) if x.late_on_habit => "yes".into(),
                Some(_) => "no".into(),
                None => String::new(),
            },
        ]);
    }
    r.print(f)
}

fn fees_list(ctx: &Ctx, a: FeesArgs) -> anyhow::Result<()> {
    let book_policy = ctx.fee_terms()?;
    let as_of = a.when.as_of.unwrap_or(ctx.today);
    let owned = ctx.read_book(Need::All)?;
    let book = &owned;
    if let Some(c) = &a.client {
        book.client(c).ok_or_else(|| anyhow!("no client {c}"))?;
    }
    if book_policy.is_none() && book.clients().iter().all(|c| c.late_fee.is_none()) {
        eprintln!("no late-fee policy: set fixed, percent or annual_rate under [fees] in config.toml");
    }
    let f = ctx.format;
    let mut r = Report::new(&[
        ("number", Align::Left),
        ("client_id", Align::Left),
        ("currency", Align::Left),
        ("overdue", Align::Right),
        ("days_late", Align::Right),
        ("fixed", Align::Right),
        ("percent", Align::Right),
        ("interest", Align::Right),
        ("already_charged", Align::Right),
        ("chargeable", Align::Right),
        ("flags", Align::Left),
    ]);
    r.title = Some(format!("Late fees that could be charged as of {as_of} (nothing is charged until you run dun fee)"));
    let mut totals = crate::domain::Totals::default();
    let invoices: Box<dyn Iterator<Item = &crate::domain::Invoice>> = match &a.client {
        Some(c) => Box::new(book.client_invoices(c)),
        None => Box::new(book.invoices().iter()),
    };
    for inv in invoices {
        let Some(policy) = fees::policy_for(book, inv, book_policy.as_ref()) else { continue };
        let q = fees::quote(book, inv, as_of, policy);
        if q.chargeable.is_zero() {
            continue;
        }
        totals.add(crate::domain::Money::new(q.chargeable, inv.currency));
        r.rows.push(vec![
            inv.number.to_string(),
            inv.client_id.to_string(),
            inv.currency.to_string(),
            money(f, q.overdue),
            q.days_late.to_string(),
            money(f, q.fixed),
            money(f, q.percent),
            money(f, q.interest),
            money(f, q.charged),
            money(f, q.chargeable),
            if inv.is_disputed() { "disputed".into() } else { String::new() },
        ]);
    }
    for m in totals.iter() {
        let mut row = vec!["Total".to_string(), String::new(), m.currency.to_string()];
        row.extend(std::iter::repeat_n(String::new(), 6));
        row.push(money(f, m.amount));
        r.footer.push(row);
    }
    let printed = r.print(f);
    ctx.done_with(owned);
    printed
}

fn fee(ctx: &Ctx, a: FeeArgs) -> anyhow::Result<()> {
    let date = a.date.unwrap_or(ctx.today);
    // A served book's fees follow the server's terms (its --config): the
    // server charges by them, so the quote must too.
    let book_policy = ctx.fee_terms()?;
    let served = ctx.server()?.map(|mut r| crate::ledger::Ledger::snapshot(&mut *r));
    let (mut store, owned) = match served {
        Some(snap) => (None, snap?.book),
        None => {
            let mut store = ctx.open_store()?;
            let book = store.take_book()?;
            (Some(store), book)
        }
    };
    let book = &owned;
    let inv = book.invoice(&a.invoice).ok_or_else(|| anyhow!("no invoice {}", a.invoice))?;
    let Some(policy) = fees::policy_for(book, inv, book_policy.as_ref()) else {
        bail!(
            "no late-fee policy applies to invoice {} (set [fees] in config.toml, or charge an amount with dun charge)",
            inv.number
        );
    };
    let q = fees::quote(book, inv, date, policy);
    if a.dry_run {
        let mut r = Report::new(&[("part", Align::Left), ("amount", Align::Right)]);
        r.title = Some(format!(
            "Invoice {} ({}) as of {date}: {} overdue, {} days late",
            inv.number,
            inv.currency,
            format_amount(q.overdue),
            q.days_late
        ));
        for (k, v) in [
            ("fixed", q.fixed),
            ("percent", q.percent),
            ("interest", q.interest),
            ("earned", q.entitlement),
            ("already charged", q.charged),
            ("chargeable now", q.chargeable),
        ] {
            r.rows.push(vec![k.to_string(), money(ctx.format, v)]);
        }
        return r.print(ctx.format);
    }
    if q.chargeable.is_zero() {
        eprintln!(
            "nothing to charge on invoice {} as of {date} (not late beyond the grace days, or already charged)",
            inv.number
        );
        return Ok(());
    }
    let invoice = inv.number.to_string();
    let command = Command::ChargeFee { invoice, date: Some(date) };
    let Some(store) = store.take() else {
        return ctx.write(command).map(|_| ());
    };
    let ledger = ctx
        .session
        .ledger_over(store)
        .with_policy(crate::command::Policy { rules: Default::default(), fees: book_policy });
    ctx.write_with(ledger, Expect::Latest, command).map(|_| ())
}

fn charge(ctx: &Ctx, a: super::book_cmds::CreditArgs) -> anyhow::Result<()> {
    let command = Command::Adjust {
        kind: AdjustmentKind::Fee,
        invoice: a.invoice,
        amount: a.amount,
        reason: a.reason,
        date: a.date,
    };
    ctx.write(command).map(|_| ())
}

fn discounts(ctx: &Ctx, a: AsOfArgs) -> anyhow::Result<()> {
    let as_of = a.as_of.unwrap_or(ctx.today);
    let owned = ctx.read_book(Need::All)?;
    let book = &owned;
    let f = ctx.format;
    let mut r = Report::new(&[
        ("number", Align::Left),
        ("client_id", Align::Left),
        ("currency", Align::Left),
        ("open", Align::Right),
        ("percent", Align::Right),
        ("pay_by", Align::Left),
        ("discount", Align::Right),
        ("to_pay", Align::Right),
    ]);
    r.title = Some(format!("Early-payment discounts available as of {as_of}"));
    for inv in book.invoices() {
        if let Some(o) = discount::offer(book, inv, as_of) {
            r.rows.push(vec![
                inv.number.to_string(),
                inv.client_id.to_string(),
                inv.currency.to_string(),
                money(f, o.open),
                o.percent.normalize().to_string(),
                o.deadline.to_string(),
                money(f, o.discount),
                money(f, o.to_pay),
            ]);
        }
    }
    let printed = r.print(f);
    ctx.done_with(owned);
    printed
}

fn set_plan(ctx: &Ctx, a: PlanArgs) -> anyhow::Result<()> {
    if a.clear {
        return ctx.write(Command::ClearPlan { invoice: a.invoice }).map(|_| ());
    }
    if a.instalments.is_empty() {
        let owned = ctx.read_book(Need::All)?;
        return show_plan(ctx, &owned, &a.invoice);
    }
    ctx.write(Command::SetPlan { invoice: a.invoice, instalments: a.instalments }).map(|_| ())
}

fn show_plan(ctx: &Ctx, book: &Book, number: &str) -> anyhow::Result<()> {
    let inv = book.invoice(number).ok_or_else(|| anyhow!("no invoice {number}"))?;
    let f = ctx.format;
    let mut r = Report::new(&[
        ("due", Align::Left),
        ("scheduled", Align::Right),
        ("open", Align::Right),
        ("days_overdue", Align::Right),
        ("part", Align::Left),
    ]);
    r.title = Some(format!(
        "Invoice {} ({}) as of {}{}",
        inv.number,
        inv.currency,
        ctx.today,
        if inv.plan.is_empty() { ": no payment plan" } else { "" }
    ));
    for p in plan::open_parts(book, inv, ctx.today) {
        let days = (ctx.today - p.due).num_days();
        r.rows.push(vec![
            p.due.to_string(),
            money(f, p.scheduled),
            money(f, p.open),
            if p.open.is_zero() { String::new() } else { days.max(0).to_string() },
            if p.instalment {
                "instalment"
            } else if inv.plan.is_empty() {
                "invoice"
            } else {
                "outside the plan"
            }
            .to_string(),
        ]);
    }
    r.print(f)
}
