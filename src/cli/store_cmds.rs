//! Commands about the store as a whole: demo, verify, and opening
//! the interface.

use anyhow::bail;

use super::Ctx;
use crate::command::{Command, ImportIds};
use crate::ledger::{Ledger as _, Request};

pub fn open_interface(ctx: &Ctx) -> anyhow::Result<()> {
    crate::tui::run(&ctx.session)
}

pub fn demo(ctx: &Ctx, no_tui: bool) -> anyhow::Result<()> {
    let served = ctx.server()?.map(|mut r| r.snapshot());
    let store = match served {
        Some(snap) => {
            if !snap?.book.clients().is_empty() {
                bail!("the served book already holds clients; the demo needs an empty book");
            }
            None
        }
        None => Some(ctx.open_or_create_store()?),
    };
    if store.as_ref().is_some_and(|s| s.counts().clients > 0) {
        bail!(
            "{} already holds a book; the demo needs an empty directory (try --data /tmp/dun-demo)",
            ctx.data_dir.display()
        );
    }
    // Placeholder ids from 0: the ledger gives the demo's payments,
    // adjustments and notes their own.
    let batch = crate::demo::build(ctx.today, &mut crate::store::IdAlloc::starting_at(0));
    let (c, i) = (batch.clients.len(), batch.invoices.len());
    let command = Command::Import { records: batch, ids: ImportIds::Fresh, into_empty: true };
    match store {
        Some(store) => ctx.session.ledger_over(store).apply(Request::latest(ctx.today, command))?,
        None => ctx.write(command)?,
    };
    eprintln!("demo book written to {}: {c} clients, {i} invoices, as of {}", ctx.data_dir.display(), ctx.today);
    if no_tui {
        return Ok(());
    }
    open_interface(ctx)
}

pub fn verify(ctx: &Ctx) -> anyhow::Result<()> {
    // A served book is checked by the server, which has the store open.
    let served = ctx.server()?.map(|mut r| r.verify());
    let (counts, problems, store) = match served {
        Some(v) => {
            let v = v?;
            (v.counts, v.problems, None)
        }
        None => {
            let store = ctx.open_store_without_backup()?;
            let report = store.verify();
            (report.counts, report.problems, Some(store))
        }
    };
    let c = counts;
    if problems.is_empty() {
        crate::say!(
            "ok: {} clients, {} invoices, {} payments, {} adjustments, {} notes; every record, count and index checks out",
            c.clients, c.invoices, c.payments, c.adjustments, c.notes
        )?;
        if let Some(store) = store {
            ctx.done_reading(store);
        }
        Ok(())
    } else {
        for p in &problems {
            eprintln!("problem: {}", crate::text::sanitize(p));
        }
        // No "restore a backup" here: the day's backup can be older than
        // the store, and restoring over it would lose the writes since.
        bail!(
            "the store in {} has {} problem(s), the cause first. Nothing was changed. Copy the folder aside before \
             anything else; a backup (`dun restore FILE --data NEWDIR`, into a new folder) holds the book as of its \
             date only, so compare before relying on it",
            ctx.data_dir.display(),
            problems.len()
        )
    }
}
