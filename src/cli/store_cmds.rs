//! Commands about the store as a whole: demo, verify, and opening
//! the interface.

use anyhow::bail;

use super::Ctx;

pub fn open_interface(ctx: &Ctx) -> anyhow::Result<()> {
    crate::tui::run(ctx)
}

pub fn demo(ctx: &Ctx, no_tui: bool) -> anyhow::Result<()> {
    let mut store = ctx.open_or_create_store()?;
    if store.counts().clients > 0 {
        bail!(
            "{} already holds a book; the demo needs an empty directory (try --data /tmp/dun-demo)",
            ctx.data_dir.display()
        );
    }
    let mut ids = store.ids();
    let batch = crate::demo::build(ctx.today, &mut ids);
    let (c, i) = (batch.clients.len(), batch.invoices.len());
    store.apply(batch)?;
    eprintln!("demo book written to {}: {c} clients, {i} invoices, as of {}", ctx.data_dir.display(), ctx.today);
    if no_tui {
        return Ok(());
    }
    drop(store);
    open_interface(ctx)
}

pub fn verify(ctx: &Ctx) -> anyhow::Result<()> {
    let store = ctx.open_store_without_backup()?;
    let report = store.verify();
    let c = report.counts;
    if report.is_ok() {
        println!(
            "ok: {} clients, {} invoices, {} payments, {} adjustments, {} notes; every record, count and index checks out",
            c.clients, c.invoices, c.payments, c.adjustments, c.notes
        );
        ctx.done_reading(store);
        Ok(())
    } else {
        for p in &report.problems {
            eprintln!("problem: {p}");
        }
        bail!(
            "the store in {} has {} problem(s); restore a backup (dun restore) if records are missing",
            ctx.data_dir.display(),
            report.problems.len()
        )
    }
}
