//! The book: every client, invoice, payment, adjustment and note, held in
//! memory with the lookups the math, the rules and the screens need.
//!
//! The store loads a `Book`, and after each durable write applies the same
//! record here, so the in-memory view never runs ahead of the disk.

// FxHash: the keys are our own ids, not attacker-chosen, and the book is
// indexed on every start-up, where SipHash was a third of the time.
use rustc_hash::FxHashMap as HashMap;

use super::client::Client;
use super::invoice::Invoice;
use super::note::Note;
use super::payment::{Adjustment, Allocation, Payment};

#[derive(Clone, Debug, Default)]
pub struct Book {
    clients: Vec<Client>,
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    adjustments: Vec<Adjustment>,
    notes: Vec<Note>,
    client_ix: HashMap<String, usize>,
    invoice_ix: HashMap<String, usize>,
    invoices_by_client: HashMap<String, Vec<usize>>,
    payments_by_client: HashMap<String, Vec<usize>>,
    /// (payment index, allocation index) for each invoice.
    allocs_by_invoice: HashMap<String, Vec<(usize, usize)>>,
    adjustments_by_invoice: HashMap<String, Vec<usize>>,
    notes_by_client: HashMap<String, Vec<usize>>,
}

impl Book {
    /// Builds a book and its lookups. Records are kept in the order given;
    /// the store hands them over in key order (ids, invoice numbers).
    pub fn new(
        clients: Vec<Client>,
        invoices: Vec<Invoice>,
        payments: Vec<Payment>,
        adjustments: Vec<Adjustment>,
        notes: Vec<Note>,
    ) -> Self {
        let mut book = Book::default();
        book.clients.reserve(clients.len());
        book.invoices.reserve(invoices.len());
        book.payments.reserve(payments.len());
        for c in clients {
            book.upsert_client(c);
        }
        for i in invoices {
            book.upsert_invoice(i);
        }
        for p in payments {
            book.add_payment(p);
        }
        for a in adjustments {
            book.add_adjustment(a);
        }
        for n in notes {
            book.add_note(n);
        }
        book
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

    pub fn client(&self, id: &str) -> Option<&Client> {
        self.client_ix.get(id).map(|&i| &self.clients[i])
    }
    pub fn invoice(&self, number: &str) -> Option<&Invoice> {
        self.invoice_ix.get(number).map(|&i| &self.invoices[i])
    }
    pub fn payment(&self, id: u64) -> Option<&Payment> {
        self.payments.iter().rev().find(|p| p.id == id)
    }
    pub fn note(&self, id: u64) -> Option<&Note> {
        self.notes.iter().rev().find(|n| n.id == id)
    }

    /// A client's invoices, in the order they were added.
    pub fn client_invoices<'a>(&'a self, client_id: &str) -> impl Iterator<Item = &'a Invoice> + 'a {
        self.invoices_by_client.get(client_id).into_iter().flatten().map(|&i| &self.invoices[i])
    }
    pub fn client_payments<'a>(&'a self, client_id: &str) -> impl Iterator<Item = &'a Payment> + 'a {
        self.payments_by_client.get(client_id).into_iter().flatten().map(|&i| &self.payments[i])
    }
    /// Every allocation made to an invoice, with its payment.
    pub fn invoice_allocations<'a>(&'a self, number: &str) -> impl Iterator<Item = (&'a Payment, &'a Allocation)> + 'a {
        self.allocs_by_invoice
            .get(number)
            .into_iter()
            .flatten()
            .map(|&(p, a)| (&self.payments[p], &self.payments[p].allocations[a]))
    }
    pub fn invoice_adjustments<'a>(&'a self, number: &str) -> impl Iterator<Item = &'a Adjustment> + 'a {
        self.adjustments_by_invoice.get(number).into_iter().flatten().map(|&i| &self.adjustments[i])
    }
    /// A client's notes, oldest first (log order).
    pub fn client_notes<'a>(&'a self, client_id: &str) -> impl DoubleEndedIterator<Item = &'a Note> + 'a {
        self.notes_by_client.get(client_id).into_iter().flatten().map(|&i| &self.notes[i])
    }

    pub fn upsert_client(&mut self, c: Client) {
        match self.client_ix.get(&c.id) {
            Some(&i) => self.clients[i] = c,
            None => {
                self.client_ix.insert(c.id.clone(), self.clients.len());
                self.clients.push(c);
            }
        }
    }

    pub fn upsert_invoice(&mut self, inv: Invoice) {
        match self.invoice_ix.get(&inv.number) {
            Some(&i) => {
                let old_client = self.invoices[i].client_id.clone();
                if old_client != inv.client_id {
                    if let Some(v) = self.invoices_by_client.get_mut(&old_client) {
                        v.retain(|&j| j != i);
                    }
                    self.invoices_by_client.entry(inv.client_id.clone()).or_default().push(i);
                }
                self.invoices[i] = inv;
            }
            None => {
                let i = self.invoices.len();
                self.invoice_ix.insert(inv.number.clone(), i);
                self.invoices_by_client.entry(inv.client_id.clone()).or_default().push(i);
                self.invoices.push(inv);
            }
        }
    }

    /// Payments are append-only (an undo is a reversing payment).
    pub fn add_payment(&mut self, p: Payment) {
        let pi = self.payments.len();
        for (ai, a) in p.allocations.iter().enumerate() {
            self.allocs_by_invoice.entry(a.invoice.clone()).or_default().push((pi, ai));
        }
        self.payments_by_client.entry(p.client_id.clone()).or_default().push(pi);
        self.payments.push(p);
    }

    pub fn add_adjustment(&mut self, a: Adjustment) {
        self.adjustments_by_invoice.entry(a.invoice.clone()).or_default().push(self.adjustments.len());
        self.adjustments.push(a);
    }

    pub fn add_note(&mut self, n: Note) {
        self.notes_by_client.entry(n.client_id.clone()).or_default().push(self.notes.len());
        self.notes.push(n);
    }

    /// Ids of notes that a later note reverses (undone entries).
    pub fn reversed_note_ids(&self) -> rustc_hash::FxHashSet<u64> {
        self.notes.iter().filter_map(|n| n.reverses).collect()
    }
}
