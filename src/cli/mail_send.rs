//! `dun remind --send` and `dun letter`: each message goes through the
//! outbox. Queued (flushed) before the hand-off, then sent with its note, or
//! failed with the reason; one line per message; the batch goes on after a
//! failure; the exit status says whether every message was accepted.

use std::path::Path;

use anyhow::{anyhow, bail};

use super::mail_cmds::{planned, setup, LetterArgs, MailSetup, RemindArgs};
use super::Ctx;
use crate::ledger::Ledger;
use crate::mail::deliver::{self, Delivered};
use crate::mail::fields::Fields;
use crate::mail::plan::{self, Channel, Planned};
use crate::mail::templates::Rendered;
use crate::mail::transport::Transport;

/// How one message ended, for the summary.
#[derive(Default)]
struct Tally {
    sent: usize,
    failed: usize,
    unknown: usize,
    /// Of `unknown`: out, but not recorded as sent.
    unrecorded: usize,
    already: usize,
    no_address: usize,
}

/// A planned message with its text, rendered from the book before any
/// write (each client gets one message, so earlier sends do not change it).
struct Ready {
    planned: Planned,
    fields: Fields,
    rendered: Rendered,
}

fn prepare(ctx: &Ctx, s: &MailSetup, book: &crate::domain::Book, p: Planned) -> anyhow::Result<Ready> {
    let (fields, rendered) = s.render(book, ctx.today, &p).map_err(anyhow::Error::msg)?;
    Ok(Ready { planned: p, fields, rendered })
}

#[allow(clippy::too_many_arguments)]
/// Sends (or writes) one message through the outbox ([`deliver::send`]:
/// queue, hand off, mark sent or failed, each a command through the
/// ledger) and says how it went, one line.
fn deliver(
    ctx: &Ctx,
    s: &MailSetup,
    ledger: &mut dyn Ledger,
    transport: Option<&Transport>,
    r: &Ready,
    letter_out: Option<&Path>,
    resend_unknown: bool,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let p = &r.planned;
    let label = crate::text::sanitize(&p.client_id).into_owned();
    let step = crate::text::sanitize(&p.step.name);
    let letter = match (p.channel, letter_out) {
        (Channel::Email, _) => None,
        (Channel::Letter, Some(out)) => Some(out.to_path_buf()),
        (Channel::Letter, None) => {
            let dir = deliver::letters_dir(&s.config.mail, &ctx.data_dir, ctx.served()?.is_some())
                .map_err(anyhow::Error::msg)?;
            Some(deliver::letter_path(&dir, p, ctx.today))
        }
    };
    let entry = deliver::entry(&s.config.mail, ctx.today, p, &r.rendered, letter.as_deref());
    // The address, the path, the other side's reply and the PDF warning
    // can all quote text from the book or another program: made harmless.
    let to = crate::text::sanitize(&entry.to).into_owned();
    let mail = &s.config.mail;
    match deliver::send(ledger, ctx.today, mail, &s.print, transport, entry, &r.fields, resend_unknown)? {
        Delivered::AlreadySent(msg) => {
            tally.already += 1;
            // A reader that stopped listening must not stop the batch: what
            // was sent is in the outbox and the notes, not only on stdout.
            let _ = crate::say!("{label}: {}", crate::text::sanitize(&msg));
        }
        Delivered::Unknown(msg) => {
            tally.unknown += 1;
            eprintln!("{label}: {}", crate::text::sanitize(&msg));
        }
        Delivered::Sent { reply, note } => {
            tally.sent += 1;
            let what = if p.channel == Channel::Email { format!("e-mailed {to}") } else { format!("letter {to}") };
            let note = note.map(|n| format!(", note #{n}")).unwrap_or_default();
            let subject = crate::text::sanitize(&r.rendered.subject);
            let reply = crate::text::sanitize(&reply);
            // As above: a closed pipe ends the printing, never the sending.
            let _ = crate::say!("{label}: {step} {what}: {subject} ({reply}{note})");
        }
        Delivered::SentUnrecorded { reply, error } => {
            // Out, but the outbox cannot say so: unknown, and the batch
            // goes on (the next message may well be recorded).
            tally.unknown += 1;
            tally.unrecorded += 1;
            let what = if p.channel == Channel::Email { "e-mailed" } else { "letter written to" };
            let (reply, error) = (crate::text::sanitize(&reply), crate::text::sanitize(&error));
            eprintln!("{label}: {step} {}", deliver::unrecorded(what, &to, &reply, &error));
        }
        Delivered::Failed(reason) => {
            tally.failed += 1;
            eprintln!("{label}: FAILED {step} to {to}: {}", crate::text::sanitize(&reason));
        }
    }
    Ok(())
}

pub fn remind_send(ctx: &Ctx, a: RemindArgs) -> anyhow::Result<()> {
    let s = setup(ctx)?;
    // Through the server when one runs: the outbox records are written
    // there, the hand-off happens here (docs/team.md says why).
    let (owned, mut ledger) = ctx.book_and_writer()?;
    let book = &owned;
    let list = planned(ctx, book, &s, a.client.as_deref(), a.level)?;
    s.check_used(&list).map_err(anyhow::Error::msg)?;
    if list.iter().any(|p| p.channel == Channel::Letter && p.problem.is_none()) {
        // Refused before anything is queued.
        deliver::letters_dir(&s.config.mail, &ctx.data_dir, ctx.served()?.is_some()).map_err(anyhow::Error::msg)?;
    }
    let needs_mail = list.iter().any(|p| p.channel == Channel::Email && p.problem.is_none());
    let transport =
        if needs_mail { Some(Transport::from_config(&s.config.mail).map_err(anyhow::Error::msg)?) } else { None };
    let mut tally = Tally::default();
    let mut ready = Vec::new();
    for p in list {
        if let Some(problem) = &p.problem {
            tally.no_address += 1;
            eprintln!("{}: not sent, {}", crate::text::sanitize(&p.client_id), crate::text::sanitize(problem));
            continue;
        }
        ready.push(prepare(ctx, &s, book, p)?);
    }
    for r in &ready {
        deliver(ctx, &s, ledger.as_mut(), transport.as_ref(), r, None, a.resend_unknown, &mut tally)?;
    }
    crate::say!(
        "{}: {} sent, {} failed, {} unknown, {} already sent today, {} without an e-mail address",
        ctx.today,
        tally.sent,
        tally.failed,
        tally.unknown,
        tally.already,
        tally.no_address
    )?;
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
    let (owned, mut ledger) = ctx.book_and_writer()?;
    let book = &owned;
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
    s.check_used(std::slice::from_ref(&p)).map_err(anyhow::Error::msg)?;
    if matches!(ctx.global.format, Some(super::FormatArg::Txt)) {
        let (_, r) = s.render(book, ctx.today, &p).map_err(anyhow::Error::msg)?;
        let text = format!("Subject: {}\n\n{}", r.subject, r.body);
        // Names from the book on their way to a terminal are made harmless.
        let text = if a.out.is_none() { crate::text::sanitize_lines(&text) } else { text };
        return super::mail_cmds::write_out(a.out.as_deref(), text.as_bytes());
    }
    if a.out.is_none() {
        // Refused before anything is queued (the text above writes nothing).
        deliver::letters_dir(&s.config.mail, &ctx.data_dir, ctx.served()?.is_some())
            .map_err(|e| anyhow!("{e}, or give --out FILE"))?;
    }
    let r = prepare(ctx, &s, book, p)?;
    let mut tally = Tally::default();
    deliver(ctx, &s, ledger.as_mut(), None, &r, a.out.as_deref(), false, &mut tally)?;
    if tally.unrecorded > 0 {
        bail!("the letter was written but is not recorded as sent (see above)");
    }
    if tally.failed > 0 || tally.unknown > 0 {
        bail!("the letter was not written");
    }
    Ok(())
}
