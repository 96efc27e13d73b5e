//! What a batch writes, tree by tree. First checked against the book in
//! memory (every reference resolves, ids are fresh; the counts and each
//! changed client's invoice index as they will be), with no store lookup
//! per record; then produced on demand, key by key with its encoded record,
//! so a large write never holds every encoded record at once (`staged.rs`
//! goes through the writes twice: keys for its undo journal, then records).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;

use super::staged::{Source, Visit};
use super::{codec, id_key, pair_key, Batch, Meta, Result, StoreError};
use crate::domain::{Book, Invoice};

/// The record trees, numbered as the staged writer and its undo journal
/// number them (`Trees::record_trees`; the journal stores these numbers).
pub(crate) const CLIENTS: usize = 0;
pub(crate) const INVOICES: usize = 1;
pub(crate) const PAYMENTS: usize = 2;
pub(crate) const ADJUSTMENTS: usize = 3;
pub(crate) const NOTES: usize = 4;
pub(crate) const IX_CLIENT_INVOICES: usize = 5;
pub(crate) const IX_CLIENT_NOTES: usize = 6;

/// A batch that passed [`check`], with what it changes besides its records.
pub(crate) struct Checked<'b> {
    batch: &'b Batch,
    book: &'b Book,
    /// Each client whose invoices change, with its invoice numbers after
    /// the batch (none left: its index key is removed). Borrowed from the
    /// book and the batch: a million-invoice import copies no number.
    client_invoices: BTreeMap<&'b str, BTreeSet<&'b str>>,
    /// The store's bookkeeping after the batch (sequence included).
    pub meta: Meta,
}

impl Checked<'_> {
    /// Records the batch writes (index keys not counted).
    pub fn records(&self) -> usize {
        let b = self.batch;
        b.clients.len() + b.invoices.len() + b.payments.len() + b.adjustments.len() + b.notes.len()
    }
}

/// Checks `batch` against `book` (the store's book at `meta`) before
/// anything is written: an invoice's client exists (in the book or the
/// batch), a payment or adjustment names an invoice that exists, a note's
/// client exists, ids are fresh. `taken` looks an id up in the store (kind,
/// id), for the few ids that could be.
pub(crate) fn check<'b>(
    book: &'b Book,
    batch: &'b Batch,
    mut meta: Meta,
    taken: &dyn Fn(&'static str, u64) -> Result<bool>,
) -> Result<Checked<'b>> {
    let invalid = |m: String| Err(StoreError::Invalid(m));
    let mut new_clients: rustc_hash::FxHashSet<&str> = Default::default();
    for c in &batch.clients {
        if book.client_index(&c.id).is_none() && new_clients.insert(&c.id) {
            meta.counts.clients += 1;
        }
    }
    let client_known = |id: &str| new_clients.contains(id) || book.client_index(id).is_some();
    for inv in &batch.invoices {
        if !client_known(&inv.client_id) {
            return invalid(format!("invoice {} names client {}, which does not exist", inv.number, inv.client_id));
        }
    }
    // The batch's invoices in number order (stable: the versions of one
    // number stay in batch order), so those versions are neighbours and a
    // number is found in the batch by bisection, without a set of them.
    let invoices = &batch.invoices;
    let mut by_number: Vec<u32> = (0..invoices.len() as u32).collect();
    if !invoices.windows(2).all(|w| w[0].number <= w[1].number) {
        by_number.sort_by(|&a, &b| invoices[a as usize].number.cmp(&invoices[b as usize].number));
    }
    let mut client_invoices: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut previous: Option<&Invoice> = None;
    for &i in &by_number {
        let inv = &invoices[i as usize];
        // The client the invoice is filed under until now: its earlier
        // version in this batch, else the book's.
        let old_client = match previous {
            Some(p) if p.number == inv.number => Some(p.client_id.as_str()),
            _ => book.invoice(&inv.number).map(|old| old.client_id.as_str()),
        };
        match old_client {
            Some(old) if old != inv.client_id => {
                numbers_of(&mut client_invoices, book, old).remove(inv.number.as_str());
            }
            Some(_) => {}
            None => meta.counts.invoices += 1,
        }
        numbers_of(&mut client_invoices, book, &inv.client_id).insert(&inv.number);
        previous = Some(inv);
    }
    let invoice_exists = |n: &str| {
        book.invoice_index(n).is_some()
            || by_number.binary_search_by(|&i| invoices[i as usize].number.as_str().cmp(n)).is_ok()
    };
    meta.next_payment_id = fresh_ids("payment", batch.payments.iter().map(|p| p.id), meta.next_payment_id, taken)?;
    for p in &batch.payments {
        if let Some(a) = p.allocations.iter().find(|a| !invoice_exists(&a.invoice)) {
            return invalid(format!("payment allocates to invoice {}, which does not exist", a.invoice));
        }
    }
    meta.counts.payments += batch.payments.len() as u64;
    meta.next_adjustment_id =
        fresh_ids("adjustment", batch.adjustments.iter().map(|a| a.id), meta.next_adjustment_id, taken)?;
    if let Some(a) = batch.adjustments.iter().find(|a| !invoice_exists(&a.invoice)) {
        return invalid(format!("invoice {} does not exist", a.invoice));
    }
    meta.counts.adjustments += batch.adjustments.len() as u64;
    meta.next_note_id = fresh_ids("note", batch.notes.iter().map(|n| n.id), meta.next_note_id, taken)?;
    if let Some(n) = batch.notes.iter().find(|n| !client_known(&n.client_id)) {
        return invalid(format!("client {} does not exist", n.client_id));
    }
    meta.counts.notes += batch.notes.len() as u64;
    meta.seq += 1;
    Ok(Checked { batch, book, client_invoices, meta })
}

/// A client's invoice numbers as they will be: the book's, the first time
/// the batch touches the client.
fn numbers_of<'m, 'b>(
    changed: &'m mut BTreeMap<&'b str, BTreeSet<&'b str>>,
    book: &'b Book,
    client: &'b str,
) -> &'m mut BTreeSet<&'b str> {
    changed.entry(client).or_insert_with(|| book.client_invoices(client).map(|i| i.number.as_str()).collect())
}

/// Refuses id 0, an id twice in the batch, and an id the store holds;
/// returns the counter after the batch (its largest id).
fn fresh_ids(
    what: &'static str,
    ids: impl Iterator<Item = u64> + Clone,
    counter: u64,
    taken: &dyn Fn(&'static str, u64) -> Result<bool>,
) -> Result<u64> {
    let refuse =
        |id: u64| Err(StoreError::Invalid(format!("{what} id {id} is already taken (ids come from Store::ids)")));
    let (mut last, mut increasing, mut max) = (0, true, counter);
    for id in ids.clone() {
        // Every id the store holds came through here and raised the
        // counter, so only one at or below it can be taken: ids from
        // `Store::ids` are above it and need no lookup.
        if id == 0 || (id <= counter && taken(what, id)?) {
            return refuse(id);
        }
        increasing &= id > last;
        last = id;
        max = max.max(id);
    }
    if !increasing {
        let mut seen = HashSet::new();
        if let Some(id) = ids.into_iter().find(|&id| !seen.insert(id)) {
            return refuse(id);
        }
    }
    Ok(max)
}

/// Hands one write to `f`: the record encoded only when values are wanted.
fn put<T: Serialize>(f: Visit<'_>, key: &[u8], record: &T, values: bool, new: bool) -> Result<()> {
    if !values {
        return f(key, None, new);
    }
    let v = codec::encode(record).map_err(|e| StoreError::Invalid(e.to_string()))?;
    f(key, Some(&v), new)
}

impl Source for Checked<'_> {
    fn each(&self, tree: usize, values: bool, f: Visit<'_>) -> Result<()> {
        let (b, book) = (self.batch, self.book);
        match tree {
            CLIENTS => {
                for c in &b.clients {
                    put(f, c.id.as_bytes(), c, values, book.client_index(&c.id).is_none())?;
                }
            }
            INVOICES => {
                for inv in &b.invoices {
                    put(f, inv.number.as_bytes(), inv, values, book.invoice_index(&inv.number).is_none())?;
                }
            }
            PAYMENTS => {
                for p in &b.payments {
                    put(f, &id_key(p.id), p, values, true)?;
                }
            }
            ADJUSTMENTS => {
                for a in &b.adjustments {
                    put(f, &id_key(a.id), a, values, true)?;
                }
            }
            NOTES => {
                for n in &b.notes {
                    put(f, &id_key(n.id), n, values, true)?;
                }
            }
            IX_CLIENT_INVOICES => {
                for (client, numbers) in &self.client_invoices {
                    // A client with no invoice in the book has no index key.
                    let new = book.client_invoices(client).next().is_none();
                    if numbers.is_empty() {
                        f(client.as_bytes(), None, new)?;
                    } else {
                        put(f, client.as_bytes(), numbers, values, new)?;
                    }
                }
            }
            IX_CLIENT_NOTES => {
                for n in &b.notes {
                    f(&pair_key(&n.client_id, &id_key(n.id)), values.then_some(&[][..]), true)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
