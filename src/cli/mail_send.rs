//! `dun remind --send` and `dun letter`: each message goes through the
//! outbox. Queued (flushed) before the hand-off, then sent with its note, or
//! failed with the reason; one line per message; the batch goes on after a
//! failure; the exit status says whether every message was accepted.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};

use super::mail_cmds::{planned, setup, LetterArgs, MailSetup, RemindArgs};
use super::Ctx;
use crate::domain::{NoteKind, OutboxEntry};
use crate::mail::outbox::{self, Decision, Outgoing};
use crate::mail::plan::{self, Channel, Planned};
use crate::mail::transport::{self, Email, Transport};
use crate::print::{pdf, statement};
use crate::store::Store;

/// How one message ended, for the summary.
#[derive(Default)]
struct Tally {
    sent: usize,
    failed: usize,
    unknown: usize,
    already: usize,
    no_address: usize,
}

fn letters_dir(ctx: &Ctx, s: &MailSetup) -> PathBuf {
    s.config.mail.letters_dir.as_ref().map(PathBuf::from).unwrap_or_else(|| ctx.data_dir.join("letters"))
}

fn letter_path(dir: &Path, p: &Planned, date: chrono::NaiveDate) -> PathBuf {
    let safe: String = p
        .client_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    dir.join(format!("{date}-{safe}-level{}.pdf", p.step.level))
}

/// Sends (or writes) one planned message through the outbox. `Ok(None)`:
/// nothing was due (already sent); `Ok(Some(reply))`: accepted; `Err`:
/// not accepted, with the one-line reason (already recorded as failed).
#[allow(clippy::too_many_arguments)]
fn deliver(
    ctx: &Ctx,
    s: &MailSetup,
    store: &mut Store,
    transport: Option<&Transport>,
    p: &Planned,
    letter_out: Option<&Path>,
    resend_unknown: bool,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let key = crate::domain::outbox::key(ctx.today, &p.client_id);
    let existing: Option<OutboxEntry> = store.outbox(ctx.today)?.into_iter().find(|e| e.key() == key);
    let label = crate::text::sanitize(&p.client_id).into_owned();
    match outbox::decide(existing.as_ref(), resend_unknown) {
        Decision::AlreadySent => {
            tally.already += 1;
            println!("{label}: already sent today ({})", existing.map(|e| e.subject).unwrap_or_default());
            return Ok(());
        }
        Decision::Unknown => {
            tally.unknown += 1;
            let e = existing.expect("unknown means a queued record");
            eprintln!(
                "{label}: UNKNOWN whether the {} to {} of {} arrived (dun stopped before hearing back); check, then rerun with --resend-unknown to send it again",
                e.channel,
                e.to,
                e.queued_at.format("%H:%M")
            );
            return Ok(());
        }
        Decision::Send => {}
    }
    let (fields, rendered) = {
        let book = store.book()?;
        s.render(book, ctx, p).map_err(anyhow::Error::msg)?
    };
    let (channel, to) = match p.channel {
        Channel::Email => (NoteKind::Email, p.to.clone()),
        Channel::Letter => {
            let path =
                letter_out.map(Path::to_path_buf).unwrap_or_else(|| letter_path(&letters_dir(ctx, s), p, ctx.today));
            (NoteKind::Letter, path.display().to_string())
        }
    };
    let m = Outgoing {
        date: ctx.today,
        client_id: p.client_id.clone(),
        level: p.step.level,
        step_name: p.step.name.clone(),
        channel,
        to: to.clone(),
        subject: rendered.subject.clone(),
        body: rendered.body.clone(),
        message_id: outbox::message_id(ctx.today, &p.client_id, p.step.level, s.config.mail.from_address()),
        invoices: p.invoices.clone(),
    };
    let author = crate::user_name();
    let q = outbox::queue(&m, existing.as_ref(), &author, chrono::Utc::now());
    let queued = q.outbox[0].clone();
    // Durable before anything leaves: a crash from here on shows as unknown.
    store.apply(q)?;
    let result: Result<String, String> = match p.channel {
        Channel::Email => {
            let t = transport.ok_or_else(|| anyhow!("no mail transport"))?;
            let email = Email {
                to: to.clone(),
                to_name: fields.contact.clone(),
                subject: m.subject.clone(),
                body: m.body.clone(),
                message_id: m.message_id.clone(),
            };
            transport::mime(&s.config.mail, &email, std::time::SystemTime::now())
                .and_then(|msg| t.send(&msg, &m.message_id))
        }
        Channel::Letter => {
            let doc = statement::letter(&fields, &rendered, s.paper);
            let path = PathBuf::from(&to);
            let dir_ok = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
                Some(d) => crate::store::paths::ensure_private_dir(d)
                    .map_err(|e| format!("cannot create {}: {e}", d.display())),
                None => Ok(()),
            };
            dir_ok.and_then(|()| {
                crate::store::paths::write_atomic(&path, &pdf::render(&doc))
                    .map(|()| "PDF written".to_string())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            })
        }
    };
    let now = chrono::Utc::now();
    match result {
        Ok(reply) => {
            let mut ids = store.ids();
            store.apply(outbox::sent(&queued, &mut ids, &author, now, &reply))?;
            tally.sent += 1;
            let what = if p.channel == Channel::Email { format!("e-mailed {to}") } else { format!("letter {to}") };
            println!("{label}: {} {what}: {} ({reply})", p.step.name, crate::text::sanitize(&m.subject));
        }
        Err(reason) => {
            store.apply(outbox::failed(&queued, now, &reason))?;
            tally.failed += 1;
            eprintln!("{label}: FAILED {} to {to}: {reason}", p.step.name);
        }
    }
    Ok(())
}

pub fn remind_send(ctx: &Ctx, a: RemindArgs) -> anyhow::Result<()> {
    let s = setup(ctx)?;
    let mut store = ctx.open_store()?;
    let list = planned(ctx, store.book()?, &s, a.client.as_deref(), a.level)?;
    s.check_used(&list)?;
    let needs_mail = list.iter().any(|p| p.channel == Channel::Email && p.problem.is_none());
    let transport =
        if needs_mail { Some(Transport::from_config(&s.config.mail).map_err(anyhow::Error::msg)?) } else { None };
    let mut tally = Tally::default();
    for p in &list {
        if let Some(problem) = &p.problem {
            tally.no_address += 1;
            eprintln!("{}: not sent, {problem}", crate::text::sanitize(&p.client_id));
            continue;
        }
        deliver(ctx, &s, &mut store, transport.as_ref(), p, None, a.resend_unknown, &mut tally)?;
    }
    println!(
        "{}: {} sent, {} failed, {} unknown, {} already sent today, {} without an e-mail address",
        ctx.today, tally.sent, tally.failed, tally.unknown, tally.already, tally.no_address
    );
    if tally.failed > 0 || tally.unknown > 0 {
        bail!("not every message was accepted (see above); failed ones are sent again by the next `dun remind --send`");
    }
    Ok(())
}

/// `dun letter CLIENT`: the client's step due today as a PDF letter (or the
/// text with --format txt, which logs nothing), through the outbox.
pub fn letter(ctx: &Ctx, a: LetterArgs) -> anyhow::Result<()> {
    let s = setup(ctx)?;
    let rules = super::rules_cmds::load_rules(ctx)?;
    let mut store = ctx.open_store()?;
    let book = store.book()?;
    book.client(&a.client).ok_or_else(|| anyhow!("no client {}", a.client))?;
    let action = crate::rules::client_action(book, &rules, &a.client, ctx.today)
        .ok_or_else(|| anyhow!("nothing is due for client {} on {}", a.client, ctx.today))?;
    let mut p = plan::for_action(book, &rules, &s.templates, &action).ok_or_else(|| {
        anyhow!(
            "today's step for {} is a {} ({}): there is no letter to write",
            a.client,
            action.kind,
            action.level_name
        )
    })?;
    p.channel = Channel::Letter;
    p.to.clear();
    p.problem = None;
    s.check_used(std::slice::from_ref(&p))?;
    if matches!(ctx.global.format, Some(super::FormatArg::Txt)) {
        let (_, r) = s.render(book, ctx, &p).map_err(anyhow::Error::msg)?;
        return super::mail_cmds::write_out(
            a.out.as_deref(),
            format!("Subject: {}\n\n{}", r.subject, r.body).as_bytes(),
        );
    }
    let mut tally = Tally::default();
    deliver(ctx, &s, &mut store, None, &p, a.out.as_deref(), false, &mut tally)?;
    if tally.failed > 0 || tally.unknown > 0 {
        bail!("the letter was not written");
    }
    Ok(())
}
