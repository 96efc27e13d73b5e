//! The book: every client, invoice, payment, adjustment and note, held in
//! memory with the lookups the math, the rules and the screens need.
//!
//! The store loads a `Book`, and each write's records are placed here first
//! and written to disk from it (one copy of a large import, not two). While
//! that write runs the book is ahead of the disk; if the write fails the
//! store drops the book and reads it again at its next use, so a book
//! holding a write that did not happen is never used.
//!
//! The lookups hold positions, not copies of ids: a 100,000-invoice book is
//! indexed on every start-up, and cloning every invoice number and client id
//! into maps (then freeing them all at exit) was most of that time. Lists are
//! kept per client and per invoice position; entries naming a client or
//! invoice the book does not hold wait in a small side map until it arrives.

use std::hash::BuildHasher;

// FxHash: the keys are our own ids, not attacker-chosen, and the book is
// indexed on every start-up, where SipHash was a third of the time.
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};

use super::client::Client;
use super::invoice::Invoice;
use super::note::Note;
use super::payment::{Adjustment, Allocation, Payment};

/// Positions are u32: a book of four billion records would not fit in memory.
type Pos = u32;

/// From this many invoices a new book is indexed on two threads.
const PARALLEL_INDEX_FROM: usize = 20_000;

#[derive(Clone, Debug, Default)]
pub struct Book {
    clients: Vec<Client>,
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    adjustments: Vec<Adjustment>,
    notes: Vec<Note>,
    client_ix: KeyIndex,
    invoice_ix: KeyIndex,
    invoices_by_client: Groups<Pos>,
    payments_by_client: Groups<Pos>,
    /// (payment position, allocation index) for each invoice.
    allocs_by_invoice: Groups<(Pos, Pos)>,
    adjustments_by_invoice: Groups<Pos>,
    notes_by_client: Groups<Pos>,
}

fn pos(i: usize) -> Pos {
    Pos::try_from(i).unwrap_or_else(|_| panic!("a book holds at most {} records of a kind", Pos::MAX))
}

fn hash(key: &str) -> u64 {
    FxBuildHasher.hash_one(key)
}

/// A unique key (client id, invoice number) to its record's position. The
/// table holds only positions; the keys are read from the records.
#[derive(Clone, Debug, Default)]
struct KeyIndex(HashTable<Pos>);

impl KeyIndex {
    fn with_capacity(n: usize) -> Self {
        KeyIndex(HashTable::with_capacity(n))
    }

    fn get<T>(&self, records: &[T], key_of: impl Fn(&T) -> &str, key: &str) -> Option<usize> {
        self.0.find(hash(key), |&i| key_of(&records[i as usize]) == key).map(|&i| i as usize)
    }

    /// Records `at` as the position of its key, unless the key is already
    /// there: then returns the position it has.
    fn insert<T>(&mut self, records: &[T], key_of: impl Fn(&T) -> &str, at: usize) -> Result<(), usize> {
        let key = key_of(&records[at]);
        match self.0.entry(hash(key), |&i| key_of(&records[i as usize]) == key, |&i| hash(key_of(&records[i as usize])))
        {
            hashbrown::hash_table::Entry::Occupied(e) => Err(*e.get() as usize),
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(pos(at));
                Ok(())
            }
        }
    }
}

/// Lists of entries per owner position (a client, an invoice), plus the
/// entries whose owner is not in the book yet, by its key.
#[derive(Clone, Debug)]
struct Groups<T> {
    by_owner: Vec<Vec<T>>,
    waiting: HashMap<String, Vec<T>>,
}

impl<T> Default for Groups<T> {
    fn default() -> Self {
        Groups { by_owner: Vec::new(), waiting: HashMap::default() }
    }
}

impl<T> Groups<T> {
    fn with_owners(n: usize) -> Self {
        let mut by_owner = Vec::with_capacity(n);
        by_owner.resize_with(n, Vec::new);
        Groups { by_owner, waiting: HashMap::default() }
    }

    fn get(&self, owner: Option<usize>, key: &str) -> &[T] {
        match owner {
            Some(o) => self.by_owner.get(o).map_or(&[], Vec::as_slice),
            None => self.waiting.get(key).map_or(&[], Vec::as_slice),
        }
    }

    fn push(&mut self, owner: Option<usize>, key: &str, item: T) {
        match owner {
            Some(o) => self.by_owner[o].push(item),
            None => match self.waiting.get_mut(key) {
                Some(v) => v.push(item),
                None => {
                    self.waiting.insert(key.to_string(), vec![item]);
                }
            },
        }
    }

    /// A new owner at the next position, taking over what waited for it.
    fn add_owner(&mut self, key: &str) {
        let waited = if self.waiting.is_empty() { None } else { self.waiting.remove(key) };
        self.by_owner.push(waited.unwrap_or_default());
    }
}

/// The position of `r` in `records` when it is one of them (by address).
fn own_position<T>(records: &[T], r: &T) -> Option<usize> {
    let size = std::mem::size_of::<T>();
    let base = records.as_ptr() as usize;
    let at = r as *const T as usize;
    (size > 0 && at >= base && at < base + std::mem::size_of_val(records) && (at - base) % size == 0)
        .then(|| (at - base) / size)
}

fn client_key(c: &Client) -> &str {
    &c.id
}
fn invoice_key(i: &Invoice) -> &str {
    &i.number
}

impl Book {
    /// Builds a book and its lookups. Records are kept in the order given;
    /// the store hands them over in key order (ids, invoice numbers). A
    /// client id or invoice number given twice keeps its first position and
    /// its last value, as if each record had been upserted in turn.
    pub fn new(
        clients: Vec<Client>,
        mut invoices: Vec<Invoice>,
        mut payments: Vec<Payment>,
        mut adjustments: Vec<Adjustment>,
        mut notes: Vec<Note>,
    ) -> Self {
        let mut book = Book {
            client_ix: KeyIndex::with_capacity(clients.len()),
            invoice_ix: KeyIndex::with_capacity(invoices.len()),
            ..Book::default()
        };
        // The vectors are kept as given (no copy) when their keys are
        // unique, which they are when they come from the store.
        let clients_unique = Self::unique_keys(&mut book.client_ix, &clients, client_key);
        if clients_unique {
            book.invoices_by_client = Groups::with_owners(clients.len());
            book.payments_by_client = Groups::with_owners(clients.len());
            book.notes_by_client = Groups::with_owners(clients.len());
            book.clients = clients;
        } else {
            book.client_ix = KeyIndex::default();
            for c in clients {
                book.upsert_client(c);
            }
        }
        if clients_unique && invoices.len() >= PARALLEL_INDEX_FROM {
            match book.index_on_two_threads(invoices, payments, adjustments, notes) {
                Ok(()) => return book,
                Err(records) => (invoices, payments, adjustments, notes) = *records,
            }
        }
        if Self::unique_keys(&mut book.invoice_ix, &invoices, invoice_key) {
            book.allocs_by_invoice = Groups::with_owners(invoices.len());
            book.adjustments_by_invoice = Groups::with_owners(invoices.len());
            for (i, inv) in invoices.iter().enumerate() {
                let owner = book.client_ix.get(&book.clients, client_key, &inv.client_id);
                book.invoices_by_client.push(owner, &inv.client_id, pos(i));
            }
            book.invoices = invoices;
        } else {
            book.invoice_ix = KeyIndex::default();
            for i in invoices {
                book.upsert_invoice(i);
            }
        }
        book.payments.reserve(payments.len());
        for p in payments {
            book.add_payment(p);
        }
        book.adjustments.reserve(adjustments.len());
        for a in adjustments {
            book.add_adjustment(a);
        }
        book.notes.reserve(notes.len());
        for n in notes {
            book.add_note(n);
        }
        book
    }

    /// The lookups of a large book whose clients are indexed, on two
    /// threads: one indexes the invoice numbers and then the payments and
    /// adjustments by invoice, the other groups invoices, payments and notes
    /// by client. The same lists, in the same order, as one record at a time
    /// ([`Book::add_payment`] and the rest); a tenth of loading a
    /// million-invoice book, now half of that. Gives the records back when an
    /// invoice number is given twice (the caller then upserts one by one).
    #[allow(clippy::type_complexity)]
    fn index_on_two_threads(
        &mut self,
        invoices: Vec<Invoice>,
        payments: Vec<Payment>,
        adjustments: Vec<Adjustment>,
        notes: Vec<Note>,
    ) -> Result<(), Box<(Vec<Invoice>, Vec<Payment>, Vec<Adjustment>, Vec<Note>)>> {
        let (clients, client_ix) = (&self.clients, &self.client_ix);
        let client_of = |id: &str| client_ix.get(clients, client_key, id);
        let (by_invoice, by_client) = std::thread::scope(|sc| {
            let by_invoice = sc.spawn(|| {
                let mut ix = KeyIndex::with_capacity(invoices.len());
                if !Self::unique_keys(&mut ix, &invoices, invoice_key) {
                    return None;
                }
                let mut allocs = Groups::with_owners(invoices.len());
                for (pi, p) in payments.iter().enumerate() {
                    for (ai, a) in p.allocations.iter().enumerate() {
                        let owner = ix.get(&invoices, invoice_key, &a.invoice);
                        allocs.push(owner, &a.invoice, (pos(pi), pos(ai)));
                    }
                }
                let mut adjusts = Groups::with_owners(invoices.len());
                for (i, a) in adjustments.iter().enumerate() {
                    adjusts.push(ix.get(&invoices, invoice_key, &a.invoice), &a.invoice, pos(i));
                }
                Some((ix, allocs, adjusts))
            });
            let mut inv_by_client = Groups::with_owners(clients.len());
            // Invoices often come client by client (the read image's open
            // part does): the last client looked up is usually the next one.
            let mut last: Option<(&str, Option<usize>)> = None;
            for (i, inv) in invoices.iter().enumerate() {
                let owner = match last {
                    Some((id, owner)) if id == inv.client_id => owner,
                    _ => client_of(&inv.client_id),
                };
                last = Some((&inv.client_id, owner));
                inv_by_client.push(owner, &inv.client_id, pos(i));
            }
            let mut pay_by_client = Groups::with_owners(clients.len());
            for (i, p) in payments.iter().enumerate() {
                pay_by_client.push(client_of(&p.client_id), &p.client_id, pos(i));
            }
            let mut notes_by_client = Groups::with_owners(clients.len());
            for (i, n) in notes.iter().enumerate() {
                notes_by_client.push(client_of(&n.client_id), &n.client_id, pos(i));
            }
            // A panic there (more records than positions) is raised here,
            // as it would have been on one thread.
            let by_invoice = by_invoice.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (by_invoice, (inv_by_client, pay_by_client, notes_by_client))
        });
        let Some((invoice_ix, allocs, adjusts)) = by_invoice else {
            return Err(Box::new((invoices, payments, adjustments, notes)));
        };
        (self.invoice_ix, self.allocs_by_invoice, self.adjustments_by_invoice) = (invoice_ix, allocs, adjusts);
        (self.invoices_by_client, self.payments_by_client, self.notes_by_client) = by_client;
        (self.invoices, self.payments, self.adjustments, self.notes) = (invoices, payments, adjustments, notes);
        Ok(())
    }

    /// Indexes every record's key; false (leaving `ix` partly filled) at the
    /// first key seen twice.
    fn unique_keys<T>(ix: &mut KeyIndex, records: &[T], key_of: fn(&T) -> &str) -> bool {
        (0..records.len()).all(|i| ix.insert(records, key_of, i).is_ok())
    }

    pub fn clients(&self) -> &[Client] {
        &self.clients
    }
    pub fn invoices(&self) -> &[Invoice] {
        &self.invoices
    }
    pub fn payments(&self) -> &[Payment] {
        &self.payments
    }
    pub fn adjustments(&self) -> &[Adjustment] {
        &self.adjustments
    }
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// The position of a client in [`Book::clients`].
    pub fn client_index(&self, id: &str) -> Option<usize> {
        self.client_pos(id)
    }
    fn client_pos(&self, id: &str) -> Option<usize> {
        self.client_ix.get(&self.clients, client_key, id)
    }
    fn invoice_pos(&self, number: &str) -> Option<usize> {
        self.invoice_ix.get(&self.invoices, invoice_key, number)
    }

    pub fn client(&self, id: &str) -> Option<&Client> {
        self.client_pos(id).map(|i| &self.clients[i])
    }
    pub fn invoice(&self, number: &str) -> Option<&Invoice> {
        self.invoice_pos(number).map(|i| &self.invoices[i])
    }
    pub fn payment(&self, id: u64) -> Option<&Payment> {
        self.payments.iter().rev().find(|p| p.id == id)
    }
    pub fn note(&self, id: u64) -> Option<&Note> {
        self.notes.iter().rev().find(|n| n.id == id)
    }

    /// A client's invoices, in the order they were added.
    pub fn client_invoices<'a>(&'a self, client_id: &str) -> impl Iterator<Item = &'a Invoice> + 'a {
        self.client_invoices_at(self.client_pos(client_id), client_id)
    }
    pub fn client_payments<'a>(&'a self, client_id: &str) -> impl Iterator<Item = &'a Payment> + 'a {
        self.client_payments_at(self.client_pos(client_id), client_id)
    }
    /// Every allocation made to an invoice, with its payment.
    pub fn invoice_allocations<'a>(&'a self, number: &str) -> impl Iterator<Item = (&'a Payment, &'a Allocation)> + 'a {
        self.invoice_allocations_at(self.invoice_pos(number), number)
    }
    /// The position of an invoice in [`Book::invoices`].
    pub fn invoice_index(&self, number: &str) -> Option<usize> {
        self.invoice_pos(number)
    }
    /// The position of `inv` in [`Book::invoices`]: by address when `inv`
    /// is one of this book's own records (as it is when it came from
    /// [`Book::client_invoices`] or [`Book::invoices`]), else by number.
    /// The lookup by number reads the key from a random record, two cache
    /// misses per call: on a 1M-invoice book it was a fifth of the day's list.
    pub fn position_of(&self, inv: &Invoice) -> Option<usize> {
        own_position(&self.invoices, inv).or_else(|| self.invoice_pos(&inv.number))
    }
    /// The position of `c` in [`Book::clients`], by address when `c` is one
    /// of this book's own records (as in [`Book::clients`]), else by id. The
    /// day's list walks the clients and reads each one's invoices, payments
    /// and notes: with the position, one hash lookup per client instead of
    /// one per list.
    pub fn client_position_of(&self, c: &Client) -> Option<usize> {
        own_position(&self.clients, c).or_else(|| self.client_pos(&c.id))
    }
    /// [`Book::client_invoices`] for a caller that knows the client's
    /// position (`pos`, from [`Book::client_position_of`]); `client_id` is
    /// used only when `pos` is None (records waiting for a client not in
    /// the book).
    pub fn client_invoices_at<'a>(
        &'a self,
        pos: Option<usize>,
        client_id: &str,
    ) -> impl Iterator<Item = &'a Invoice> + 'a {
        self.invoices_by_client.get(pos, client_id).iter().map(|&i| &self.invoices[i as usize])
    }
    /// [`Book::client_payments`] by position (see [`Book::client_invoices_at`]).
    pub fn client_payments_at<'a>(
        &'a self,
        pos: Option<usize>,
        client_id: &str,
    ) -> impl Iterator<Item = &'a Payment> + 'a {
        self.payments_by_client.get(pos, client_id).iter().map(|&i| &self.payments[i as usize])
    }
    /// [`Book::client_notes`] by position (see [`Book::client_invoices_at`]).
    pub fn client_notes_at<'a>(
        &'a self,
        pos: Option<usize>,
        client_id: &str,
    ) -> impl DoubleEndedIterator<Item = &'a Note> + Clone + 'a {
        self.notes_by_client.get(pos, client_id).iter().map(|&i| &self.notes[i as usize])
    }
    /// [`Book::invoice_allocations`] for a caller that knows the invoice's
    /// position (`ix`, from walking [`Book::invoices`]): no lookup by number,
    /// which was most of aging a large book. `number` is used only when
    /// `ix` is None (entries waiting for an invoice not in the book).
    pub fn invoice_allocations_at<'a>(
        &'a self,
        ix: Option<usize>,
        number: &str,
    ) -> impl Iterator<Item = (&'a Payment, &'a Allocation)> + 'a {
        self.allocs_by_invoice.get(ix, number).iter().map(|&(p, a)| {
            let p = &self.payments[p as usize];
            (p, &p.allocations[a as usize])
        })
    }
    /// [`Book::invoice_adjustments`] by position (see [`Book::invoice_allocations_at`]).
    pub fn invoice_adjustments_at<'a>(
        &'a self,
        ix: Option<usize>,
        number: &str,
    ) -> impl Iterator<Item = &'a Adjustment> + 'a {
        self.adjustments_by_invoice.get(ix, number).iter().map(|&i| &self.adjustments[i as usize])
    }
    pub fn invoice_adjustments<'a>(&'a self, number: &str) -> impl Iterator<Item = &'a Adjustment> + 'a {
        self.invoice_adjustments_at(self.invoice_pos(number), number)
    }
    /// A client's notes, oldest first (log order).
    pub fn client_notes<'a>(&'a self, client_id: &str) -> impl DoubleEndedIterator<Item = &'a Note> + Clone + 'a {
        self.client_notes_at(self.client_pos(client_id), client_id)
    }

    pub fn upsert_client(&mut self, c: Client) {
        match self.client_pos(&c.id) {
            Some(i) => self.clients[i] = c,
            None => {
                self.invoices_by_client.add_owner(&c.id);
                self.payments_by_client.add_owner(&c.id);
                self.notes_by_client.add_owner(&c.id);
                self.clients.push(c);
                let at = self.clients.len() - 1;
                let _ = self.client_ix.insert(&self.clients, client_key, at);
            }
        }
    }

    pub fn upsert_invoice(&mut self, inv: Invoice) {
        match self.invoice_pos(&inv.number) {
            Some(i) => {
                let old_client = &self.invoices[i].client_id;
                if *old_client != inv.client_id {
                    let old_owner = self.client_pos(old_client);
                    let moved = pos(i);
                    match old_owner {
                        Some(o) => self.invoices_by_client.by_owner[o].retain(|&j| j != moved),
                        None => {
                            if let Some(v) = self.invoices_by_client.waiting.get_mut(old_client.as_str()) {
                                v.retain(|&j| j != moved);
                            }
                        }
                    }
                    let owner = self.client_pos(&inv.client_id);
                    self.invoices_by_client.push(owner, &inv.client_id, moved);
                }
                self.invoices[i] = inv;
            }
            None => {
                let i = self.invoices.len();
                let owner = self.client_pos(&inv.client_id);
                self.invoices_by_client.push(owner, &inv.client_id, pos(i));
                self.allocs_by_invoice.add_owner(&inv.number);
                self.adjustments_by_invoice.add_owner(&inv.number);
                self.invoices.push(inv);
                let _ = self.invoice_ix.insert(&self.invoices, invoice_key, i);
            }
        }
    }

    /// Makes room for `invoices` more invoices and `payments` more
    /// payments (a large import), so the records already here are not
    /// copied again and again as the vectors grow.
    pub fn reserve(&mut self, invoices: usize, payments: usize) {
        self.invoices.reserve(invoices);
        self.allocs_by_invoice.by_owner.reserve(invoices);
        self.adjustments_by_invoice.by_owner.reserve(invoices);
        self.payments.reserve(payments);
    }

    /// Payments are append-only (an undo is a reversing payment).
    pub fn add_payment(&mut self, p: Payment) {
        let pi = pos(self.payments.len());
        for (ai, a) in p.allocations.iter().enumerate() {
            let owner = self.invoice_pos(&a.invoice);
            self.allocs_by_invoice.push(owner, &a.invoice, (pi, pos(ai)));
        }
        let owner = self.client_pos(&p.client_id);
        self.payments_by_client.push(owner, &p.client_id, pi);
        self.payments.push(p);
    }

    pub fn add_adjustment(&mut self, a: Adjustment) {
        let owner = self.invoice_pos(&a.invoice);
        self.adjustments_by_invoice.push(owner, &a.invoice, pos(self.adjustments.len()));
        self.adjustments.push(a);
    }

    pub fn add_note(&mut self, n: Note) {
        let owner = self.client_pos(&n.client_id);
        self.notes_by_client.push(owner, &n.client_id, pos(self.notes.len()));
        self.notes.push(n);
    }

    /// Ids of notes that a later note reverses (undone entries).
    pub fn reversed_note_ids(&self) -> rustc_hash::FxHashSet<u64> {
        self.notes.iter().filter_map(|n| n.reverses).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AdjustmentKind, Currency, Money, PaymentMethod};
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    fn d() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }
    fn inv(number: &str, client: &str, total: i64) -> Invoice {
        Invoice::new(number, client, d(), d(), Money::new(Decimal::from(total), Currency::USD))
    }
    fn pay(id: u64, client: &str, to: &[&str]) -> Payment {
        Payment {
            id,
            client_id: client.into(),
            date: d(),
            amount: Decimal::from(10 * to.len() as i64),
            currency: Currency::USD,
            method: PaymentMethod::Cash,
            reference: String::new(),
            allocations: to.iter().map(|n| Allocation { invoice: (*n).into(), amount: Decimal::TEN }).collect(),
            reverses: None,
        }
    }
    fn adj(id: u64, invoice: &str) -> Adjustment {
        Adjustment {
            id,
            invoice: invoice.into(),
            date: d(),
            kind: AdjustmentKind::Credit,
            amount: Decimal::ONE,
            reason: String::new(),
            reverses: None,
        }
    }
    fn numbers<'a>(it: impl Iterator<Item = &'a Invoice>) -> Vec<&'a str> {
        it.map(|i| i.number.as_str()).collect()
    }
    fn client(id: &str) -> Client {
        Client::new(id, id, Currency::USD)
    }

    #[test]
    fn position_of_an_own_record_and_of_a_copy_agree() {
        let b = Book::new(
            vec![client("C1"), client("C2")],
            vec![inv("I1", "C1", 5), inv("I2", "C2", 6), inv("I3", "C1", 7)],
            vec![],
            vec![],
            vec![],
        );
        for (ix, own) in b.invoices().iter().enumerate() {
            assert_eq!(b.position_of(own), Some(ix), "by address");
            let copy = own.clone();
            assert_eq!(b.position_of(&copy), Some(ix), "by number");
        }
        for own in b.client_invoices("C1") {
            assert_eq!(b.position_of(own), b.invoice_index(&own.number));
        }
        assert_eq!(b.position_of(&inv("I9", "C1", 1)), None);
    }

    #[test]
    fn client_lists_by_position_agree_with_lists_by_id() {
        let mut b = Book::new(
            vec![client("C1"), client("C2")],
            vec![inv("I1", "C1", 5), inv("I2", "C2", 6), inv("I3", "C1", 7), inv("I4", "C9", 8)],
            vec![pay(1, "C1", &["I1"]), pay(2, "C9", &["I4"])],
            vec![],
            vec![],
        );
        let at =
            chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(d().and_hms_opt(9, 0, 0).unwrap(), chrono::Utc);
        b.add_note(crate::domain::Note::new(1, "C9", at, d(), "x", crate::domain::NoteKind::Internal, "waiting"));
        let away = client("C9");
        for c in b.clients().iter().chain([&client("C2"), &away]) {
            let pos = b.client_position_of(c);
            assert_eq!(pos, b.client_index(&c.id), "{}", c.id);
            assert_eq!(numbers(b.client_invoices_at(pos, &c.id)), numbers(b.client_invoices(&c.id)));
            let ids = |it: &mut dyn Iterator<Item = u64>| it.collect::<Vec<_>>();
            assert_eq!(
                ids(&mut b.client_payments_at(pos, &c.id).map(|p| p.id)),
                ids(&mut b.client_payments(&c.id).map(|p| p.id))
            );
            assert_eq!(
                ids(&mut b.client_notes_at(pos, &c.id).map(|n| n.id)),
                ids(&mut b.client_notes(&c.id).map(|n| n.id))
            );
        }
        // A client not in the book still finds what waits for it.
        assert_eq!(numbers(b.client_invoices_at(None, "C9")), ["I4"]);
        assert_eq!(b.client_notes_at(None, "C9").count(), 1);
    }

    #[test]
    fn lookups_follow_every_kind_of_record() {
        let b = Book::new(
            vec![client("C1"), client("C2")],
            vec![inv("I1", "C1", 100), inv("I2", "C2", 50), inv("I3", "C1", 70)],
            vec![pay(1, "C1", &["I1", "I3"]), pay(2, "C1", &["I1"])],
            vec![adj(1, "I3")],
            vec![],
        );
        assert_eq!(b.client("C2").unwrap().id, "C2");
        assert!(b.client("C9").is_none());
        assert_eq!(b.invoice("I2").unwrap().total, Decimal::from(50));
        assert!(b.invoice("I9").is_none());
        assert_eq!(numbers(b.client_invoices("C1")), ["I1", "I3"]);
        assert_eq!(b.client_payments("C1").map(|p| p.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(b.client_payments("C2").count(), 0);
        assert_eq!(b.invoice_allocations("I1").map(|(p, _)| p.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(b.invoice_allocations("I3").map(|(_, a)| a.invoice.as_str()).collect::<Vec<_>>(), ["I3"]);
        assert_eq!(b.invoice_adjustments("I3").count(), 1);
        assert_eq!(b.invoice_adjustments("I1").count(), 0);
    }

    #[test]
    fn records_given_twice_keep_first_place_and_last_value() {
        let b = Book::new(
            vec![client("C1"), client("C2"), Client::new("C1", "Renamed", Currency::USD)],
            vec![inv("I1", "C1", 100), inv("I2", "C1", 50), inv("I1", "C2", 80)],
            vec![pay(1, "C2", &["I1"])],
            vec![],
            vec![],
        );
        assert_eq!(b.clients().len(), 2);
        assert_eq!(b.clients()[0].name, "Renamed");
        assert_eq!(numbers(b.invoices().iter()), ["I1", "I2"]);
        assert_eq!(b.invoice("I1").unwrap().total, Decimal::from(80));
        assert_eq!(numbers(b.client_invoices("C1")), ["I2"]);
        assert_eq!(numbers(b.client_invoices("C2")), ["I1"]);
        assert_eq!(b.invoice_allocations("I1").count(), 1);
    }

    #[test]
    fn entries_naming_a_missing_record_wait_for_it() {
        let mut b =
            Book::new(vec![], vec![inv("I1", "C1", 100)], vec![pay(1, "C1", &["I2"])], vec![adj(1, "I2")], vec![]);
        assert_eq!(numbers(b.client_invoices("C1")), ["I1"]);
        assert_eq!(b.invoice_allocations("I2").count(), 1);
        b.upsert_client(client("C1"));
        b.upsert_invoice(inv("I2", "C1", 20));
        b.add_payment(pay(2, "C1", &["I2"]));
        assert_eq!(numbers(b.client_invoices("C1")), ["I1", "I2"]);
        assert_eq!(b.client_payments("C1").map(|p| p.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(b.invoice_allocations("I2").map(|(p, _)| p.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(b.invoice_adjustments("I2").count(), 1);
    }

    #[test]
    fn an_invoice_moved_to_another_client_moves_in_the_lookups() {
        let mut b = Book::new(
            vec![client("C1"), client("C2")],
            vec![inv("I1", "C1", 100), inv("I2", "C1", 50)],
            vec![],
            vec![],
            vec![],
        );
        b.upsert_invoice(inv("I1", "C2", 100));
        assert_eq!(numbers(b.client_invoices("C1")), ["I2"]);
        assert_eq!(numbers(b.client_invoices("C2")), ["I1"]);
        b.upsert_invoice(inv("I2", "C9", 50));
        assert_eq!(b.client_invoices("C1").count(), 0);
        assert_eq!(numbers(b.client_invoices("C9")), ["I2"]);
        b.upsert_invoice(inv("I2", "C1", 50));
        assert_eq!(b.client_invoices("C9").count(), 0);
        assert_eq!(numbers(b.client_invoices("C1")), ["I2"]);
        assert_eq!(b.invoices().len(), 2);
    }

    #[test]
    fn many_records_index_through_growth() {
        let mut b = Book::default();
        for i in 0..2000 {
            if i % 100 == 0 {
                b.upsert_client(client(&format!("C{}", i / 100)));
            }
            b.upsert_invoice(inv(&format!("I{i}"), &format!("C{}", i / 100), i));
        }
        for i in (0..2000).step_by(7) {
            assert_eq!(b.invoice(&format!("I{i}")).unwrap().total, Decimal::from(i));
        }
        assert_eq!(b.client_invoices("C19").count(), 100);
        assert_eq!(b.clone().invoice("I1999").unwrap().client_id, "C19");
    }

    /// A book large enough to be indexed on two threads has the same lists,
    /// in the same order, as the same records added one at a time: entries
    /// of missing clients and invoices included, and a repeated invoice
    /// number falls back to upserting.
    #[test]
    fn indexing_on_two_threads_gives_the_same_lookups() {
        use crate::domain::NoteKind;
        let n = PARALLEL_INDEX_FROM + 123;
        let clients: Vec<Client> = (0..50).map(|i| client(&format!("C{i}"))).collect();
        // Every 97th invoice names a client the book does not hold.
        let invoices: Vec<Invoice> = (0..n)
            .map(|i| inv(&format!("I{i}"), &format!("C{}", if i % 97 == 0 { 1000 + i % 3 } else { i * 7 % 50 }), 5))
            .collect();
        let payments: Vec<Payment> = (0..n / 3)
            .map(|i| {
                let (a, b, missing) = (format!("I{}", i * 11 % n), format!("I{}", i * 5 % n), format!("X{}", i % 4));
                let client = format!("C{}", if i % 89 == 0 { 2000 } else { i % 50 });
                pay(i as u64, &client, &[a.as_str(), b.as_str(), missing.as_str()])
            })
            .collect();
        let adjustments: Vec<Adjustment> = (0..n / 5)
            .map(|i| adj(i as u64, &format!("{}{}", if i % 31 == 0 { "X" } else { "I" }, i * 3 % n)))
            .collect();
        let notes: Vec<Note> = (0..500)
            .map(|i| {
                let c = format!("C{}", if i % 41 == 0 { 3000 } else { i % 50 });
                Note::new(i as u64, &c, chrono::Utc::now(), d(), "t", NoteKind::Call, "x")
            })
            .collect();
        let check = |invoices: Vec<Invoice>| {
            let mut one_by_one = Book::default();
            for c in &clients {
                one_by_one.upsert_client(c.clone());
            }
            for i in &invoices {
                one_by_one.upsert_invoice(i.clone());
            }
            for p in &payments {
                one_by_one.add_payment(p.clone());
            }
            for a in &adjustments {
                one_by_one.add_adjustment(a.clone());
            }
            for nt in &notes {
                one_by_one.add_note(nt.clone());
            }
            let b = Book::new(clients.clone(), invoices.clone(), payments.clone(), adjustments.clone(), notes.clone());
            assert_eq!(b.invoices(), one_by_one.invoices());
            let ids = ["C0", "C1", "C49", "C1000", "C1002", "C2000", "C3000", "C9"];
            for id in ids.iter().copied().chain(clients.iter().map(|c| c.id.as_str())) {
                assert_eq!(numbers(b.client_invoices(id)), numbers(one_by_one.client_invoices(id)), "{id}");
                let pays = |bk: &Book| bk.client_payments(id).map(|p| p.id).collect::<Vec<_>>();
                assert_eq!(pays(&b), pays(&one_by_one), "{id}");
                let notes = |bk: &Book| bk.client_notes(id).map(|nt| nt.id).collect::<Vec<_>>();
                assert_eq!(notes(&b), notes(&one_by_one), "{id}");
            }
            for number in invoices.iter().map(|i| i.number.as_str()).chain(["X0", "X3", "X9"]) {
                let allocs =
                    |bk: &Book| bk.invoice_allocations(number).map(|(p, a)| (p.id, a.amount)).collect::<Vec<_>>();
                assert_eq!(allocs(&b), allocs(&one_by_one), "{number}");
                let adjs = |bk: &Book| bk.invoice_adjustments(number).map(|a| a.id).collect::<Vec<_>>();
                assert_eq!(adjs(&b), adjs(&one_by_one), "{number}");
            }
            assert!(b.client_invoices("C1000").count() > 0 && b.invoice_allocations("X1").count() > 0);
        };
        check(invoices.clone());
        // An invoice number given twice: upserted one by one instead.
        let mut twice = invoices;
        twice.push(inv("I7", "C3", 9));
        check(twice);
    }
}
