//! What a batch writes, tree by tree. First checked against the book in
//! memory (every reference resolves, ids are fresh; which keys are new,
//! which clients' invoice index changes), with no store lookup per record;
//! then the records move into the book ([`place`]) and the writes are
//! produced from there on demand, key by key with its encoded record
//! ([`FromBook`]). So a large write holds each record once, in the book,
//! and never every encoded record at once (`staged.rs` goes through the
//! writes twice: keys for its undo journal, then the records).

use std::collections::HashSet;
use std::ops::Range;

use serde::Serialize;

use super::staged::{Source, Visit};
use super::{codec, id_key, pair_key, Batch, Meta, Result, StoreError};
use crate::domain::Book;

/// The record trees, numbered as the staged writer and its undo journal
/// number them (`Trees::record_trees`; the journal stores these numbers).
pub(crate) const CLIENTS: usize = 0;
pub(crate) const INVOICES: usize = 1;
pub(crate) const PAYMENTS: usize = 2;
pub(crate) const ADJUSTMENTS: usize = 3;
pub(crate) const NOTES: usize = 4;
pub(crate) const IX_CLIENT_INVOICES: usize = 5;
pub(crate) const IX_CLIENT_NOTES: usize = 6;

/// What [`check`] found out about a batch before it goes into the book.
pub(crate) struct Checked {
    /// The store's bookkeeping after the batch (sequence included); the
    /// client and invoice counts are added once the batch is in the book
    /// (a key given twice counts once).
    pub meta: Meta,
    /// For each client and invoice of the batch, in order: whether its key
    /// is new to the store (its undo entry then needs no lookup).
    client_new: Vec<bool>,
    invoice_new: Vec<bool>,
    /// The clients whose invoice index changes, in key order, each with
    /// whether it has an index key now (a client with invoices has one).
    index_clients: Vec<(String, bool)>,
    records: usize,
}

impl Checked {
    /// Records the batch writes (index keys not counted).
    pub fn records(&self) -> usize {
        self.records
    }
}

/// The kinds of record whose ids the store hands out, for looking an id up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdKind {
    Payment,
    Adjustment,
    Note,
}

impl IdKind {
    fn name(self) -> &'static str {
        match self {
            IdKind::Payment => "payment",
            IdKind::Adjustment => "adjustment",
            IdKind::Note => "note",
        }
    }
}

/// Checks `batch` against `book` (the store's book at `meta`) before
/// anything is written: an invoice's client exists (in the book or the
/// batch), a payment or adjustment names an invoice that exists, a note's
/// client exists, ids are fresh. `taken` looks an id up in the store (kind,
/// id), for the few ids that could be.
pub(crate) fn check(
    book: &Book,
    batch: &Batch,
    mut meta: Meta,
    taken: &dyn Fn(IdKind, u64) -> Result<bool>,
) -> Result<Checked> {
    let invalid = |m: String| Err(StoreError::Invalid(m));
    let client_new: Vec<bool> = batch.clients.iter().map(|c| book.client_index(&c.id).is_none()).collect();
    let new_clients: rustc_hash::FxHashSet<&str> =
        batch.clients.iter().zip(&client_new).filter(|(_, &new)| new).map(|(c, _)| c.id.as_str()).collect();
    let client_known = |id: &str| new_clients.contains(id) || book.client_index(id).is_some();
    // Each client whose invoices change: the batch's, and the one an
    // invoice moves away from.
    let mut index_clients: rustc_hash::FxHashSet<&str> = Default::default();
    let mut invoice_new = Vec::with_capacity(batch.invoices.len());
    for inv in &batch.invoices {
        if !client_known(&inv.client_id) {
            return invalid(format!("invoice {} names client {}, which does not exist", inv.number, inv.client_id));
        }
        let old = book.invoice(&inv.number);
        if let Some(old) = old.filter(|old| old.client_id != inv.client_id) {
            index_clients.insert(&old.client_id);
        }
        index_clients.insert(&inv.client_id);
        invoice_new.push(old.is_none());
    }
    let mut index_clients: Vec<(String, bool)> =
        index_clients.into_iter().map(|c| (c.to_string(), book.client_invoices(c).next().is_some())).collect();
    index_clients.sort_unstable();
    // A payment may name an invoice of the same batch: found by bisection
    // in the batch's numbers in order (as a file lists them, usually, and
    // then not sorted at all).
    let invoices = &batch.invoices;
    let mut by_number: Vec<u32> = Vec::new();
    if !batch.payments.is_empty() || !batch.adjustments.is_empty() {
        by_number = (0..invoices.len() as u32).collect();
        if !invoices.windows(2).all(|w| w[0].number <= w[1].number) {
            by_number.sort_unstable_by(|&a, &b| invoices[a as usize].number.cmp(&invoices[b as usize].number));
        }
    }
    let invoice_exists = |n: &str| {
        book.invoice_index(n).is_some()
            || by_number.binary_search_by(|&i| invoices[i as usize].number.as_str().cmp(n)).is_ok()
    };
    meta.next_payment_id =
        fresh_ids(IdKind::Payment, batch.payments.iter().map(|p| p.id), meta.next_payment_id, taken)?;
    for p in &batch.payments {
        if let Some(a) = p.allocations.iter().find(|a| !invoice_exists(&a.invoice)) {
            return invalid(format!("payment allocates to invoice {}, which does not exist", a.invoice));
        }
    }
    meta.counts.payments += batch.payments.len() as u64;
    meta.next_adjustment_id =
        fresh_ids(IdKind::Adjustment, batch.adjustments.iter().map(|a| a.id), meta.next_adjustment_id, taken)?;
    if let Some(a) = batch.adjustments.iter().find(|a| !invoice_exists(&a.invoice)) {
        return invalid(format!("invoice {} does not exist", a.invoice));
    }
    meta.counts.adjustments += batch.adjustments.len() as u64;
    meta.next_note_id = fresh_ids(IdKind::Note, batch.notes.iter().map(|n| n.id), meta.next_note_id, taken)?;
    if let Some(n) = batch.notes.iter().find(|n| !client_known(&n.client_id)) {
        return invalid(format!("client {} does not exist", n.client_id));
    }
    meta.counts.notes += batch.notes.len() as u64;
    meta.seq += 1;
    let records =
        batch.clients.len() + invoices.len() + batch.payments.len() + batch.adjustments.len() + batch.notes.len();
    Ok(Checked { meta, client_new, invoice_new, index_clients, records })
}

/// Where the records of a batch went in the book.
pub(crate) struct Placed {
    clients: Vec<u32>,
    invoices: Vec<u32>,
    payments: Range<usize>,
    adjustments: Range<usize>,
    notes: Range<usize>,
}

/// Moves the records of `batch` into `book` (see [`super::apply_to_book`])
/// and says where each went, so they can be written from there: the book
/// and the batch never both hold a million invoices.
pub(crate) fn place(book: &mut Book, batch: Batch) -> Placed {
    let mut clients = Vec::with_capacity(batch.clients.len());
    for c in batch.clients {
        clients.push(book.client_index(&c.id).unwrap_or(book.clients().len()) as u32);
        book.upsert_client(c);
    }
    book.reserve(batch.invoices.len(), batch.payments.len());
    let mut invoices = Vec::with_capacity(batch.invoices.len());
    for i in batch.invoices {
        invoices.push(book.invoice_index(&i.number).unwrap_or(book.invoices().len()) as u32);
        book.upsert_invoice(i);
    }
    let start = book.payments().len();
    for p in batch.payments {
        book.add_payment(p);
    }
    let payments = start..book.payments().len();
    let start = book.adjustments().len();
    for a in batch.adjustments {
        book.add_adjustment(a);
    }
    let adjustments = start..book.adjustments().len();
    let start = book.notes().len();
    for n in batch.notes {
        book.add_note(n);
    }
    let notes = start..book.notes().len();
    Placed { clients, invoices, payments, adjustments, notes }
}

/// Refuses id 0, an id twice in the batch, and an id the store holds;
/// returns the counter after the batch (its largest id).
fn fresh_ids(
    kind: IdKind,
    ids: impl Iterator<Item = u64> + Clone,
    counter: u64,
    taken: &dyn Fn(IdKind, u64) -> Result<bool>,
) -> Result<u64> {
    let what = kind.name();
    let refuse =
        |id: u64| Err(StoreError::Invalid(format!("{what} id {id} is already taken (ids come from Store::ids)")));
    let (mut last, mut increasing, mut max) = (0, true, counter);
    for id in ids.clone() {
        // Every id the store holds came through here and raised the
        // counter, so only one at or below it can be taken: ids from
        // `Store::ids` are above it and need no lookup.
        if id == 0 || (id <= counter && taken(kind, id)?) {
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

/// The writes of a checked batch, from the book it was placed in.
pub(crate) struct FromBook<'a> {
    pub book: &'a Book,
    pub checked: &'a Checked,
    pub placed: &'a Placed,
}

impl Source for FromBook<'_> {
    fn each(&self, tree: usize, values: bool, f: Visit<'_>) -> Result<()> {
        let (book, new, at) = (self.book, self.checked, self.placed);
        match tree {
            CLIENTS => {
                for (&p, &new) in at.clients.iter().zip(&new.client_new) {
                    let c = &book.clients()[p as usize];
                    put(f, c.id.as_bytes(), c, values, new)?;
                }
            }
            INVOICES => {
                for (&p, &new) in at.invoices.iter().zip(&new.invoice_new) {
                    let inv = &book.invoices()[p as usize];
                    put(f, inv.number.as_bytes(), inv, values, new)?;
                }
            }
            PAYMENTS => {
                for p in &book.payments()[at.payments.clone()] {
                    put(f, &id_key(p.id), p, values, true)?;
                }
            }
            ADJUSTMENTS => {
                for a in &book.adjustments()[at.adjustments.clone()] {
                    put(f, &id_key(a.id), a, values, true)?;
                }
            }
            NOTES => {
                for n in &book.notes()[at.notes.clone()] {
                    put(f, &id_key(n.id), n, values, true)?;
                }
            }
            IX_CLIENT_INVOICES => {
                for (client, had) in &new.index_clients {
                    // In byte order, as the index keeps them.
                    let mut numbers: Vec<&str> = book.client_invoices(client).map(|i| i.number.as_str()).collect();
                    numbers.sort_unstable();
                    if numbers.is_empty() {
                        f(client.as_bytes(), None, !had)?;
                    } else {
                        put(f, client.as_bytes(), &numbers, values, !had)?;
                    }
                }
            }
            IX_CLIENT_NOTES => {
                for n in &book.notes()[at.notes.clone()] {
                    f(&pair_key(&n.client_id, &id_key(n.id)), values.then_some(&[][..]), true)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Client, Currency, Note, NoteKind};
    use std::cell::Cell;

    fn note(id: u64) -> Note {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        Note::new(id, "C1", at, day, "me", NoteKind::Internal, "x")
    }

    fn book() -> Book {
        Book::new(vec![Client::new("C1", "Acme", Currency::USD)], vec![], vec![], vec![], vec![])
    }

    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    fn invoice(number: &str) -> crate::domain::Invoice {
        let total = crate::domain::Money::new(100.into(), Currency::USD);
        crate::domain::Invoice::new(number, "C1", day(), day(), total)
    }

    fn payment(id: u64, invoice: &str) -> crate::domain::Payment {
        crate::domain::Payment {
            id,
            client_id: "C1".into(),
            date: day(),
            amount: 10.into(),
            currency: Currency::USD,
            method: crate::domain::PaymentMethod::BankTransfer,
            reference: String::new(),
            allocations: vec![crate::domain::Allocation { invoice: invoice.into(), amount: 10.into() }],
            reverses: None,
        }
    }

    /// A payment may allocate to an invoice of its own batch, wherever
    /// that invoice sits in a batch that is not in number order; one that
    /// names no invoice of the book or the batch is refused, as are an
    /// adjustment of an unknown invoice and a note of an unknown client.
    #[test]
    fn references_are_found_in_the_book_or_an_unsorted_batch_and_refused_otherwise() {
        let book = book();
        let meta = Meta::default();
        let taken = |_: IdKind, _: u64| Ok(false);
        let invoices: Vec<_> = ["I9", "I1", "I5", "I3", "I7"].iter().map(|n| invoice(n)).collect();
        for target in ["I9", "I1", "I5", "I3", "I7"] {
            let batch = Batch { invoices: invoices.clone(), payments: vec![payment(1, target)], ..Default::default() };
            let ok = check(&book, &batch, meta, &taken).unwrap_or_else(|e| panic!("{target}: {e}"));
            assert_eq!(ok.meta.counts.payments, 1);
        }
        let batch = Batch { invoices: invoices.clone(), payments: vec![payment(1, "I4")], ..Default::default() };
        let err = check(&book, &batch, meta, &taken).err().expect("refused");
        assert_eq!(err.to_string(), "payment allocates to invoice I4, which does not exist");
        let adjustment = crate::domain::Adjustment {
            id: 1,
            invoice: "I4".into(),
            date: day(),
            kind: crate::domain::AdjustmentKind::Credit,
            amount: 5.into(),
            reason: String::new(),
            reverses: None,
        };
        let batch = Batch { invoices, adjustments: vec![adjustment], ..Default::default() };
        let err = check(&book, &batch, meta, &taken).err().expect("refused");
        assert_eq!(err.to_string(), "invoice I4 does not exist");
        let mut n = note(1);
        n.client_id = "C2".into();
        let err = check(&book, &Batch { notes: vec![n], ..Default::default() }, meta, &taken).err().expect("refused");
        assert_eq!(err.to_string(), "client C2 does not exist");
    }

    /// Ids above the store's counter (all that `Store::ids` hands out) are
    /// not looked up one by one: a million-payment import does not read
    /// sled a million times. At or below it they are, and a taken one, a
    /// zero or one given twice (in any order) is refused.
    #[test]
    fn only_ids_at_or_below_the_counter_are_looked_up() {
        let book = book();
        let meta = Meta { next_note_id: 10, ..Meta::default() };
        let asked = Cell::new(0);
        let taken = |_: IdKind, id: u64| {
            asked.set(asked.get() + 1);
            Ok(id == 7)
        };
        let batch = |ids: &[u64]| Batch { notes: ids.iter().map(|&i| note(i)).collect(), ..Default::default() };
        let ok = check(&book, &batch(&[11, 12, 40]), meta, &taken).unwrap();
        assert_eq!(asked.get(), 0, "no lookup for ids above the counter");
        assert_eq!((ok.meta.next_note_id, ok.meta.counts.notes, ok.meta.seq), (40, 3, 1));
        assert!(check(&book, &batch(&[8]), meta, &taken).is_ok());
        assert_eq!(asked.get(), 1);
        for refused in [&[7][..], &[0], &[12, 11, 12], &[11, 11]] {
            let err = check(&book, &batch(refused), meta, &taken).err().expect("refused");
            assert!(err.to_string().contains("already taken"), "{refused:?}: {err}");
        }
    }
}
