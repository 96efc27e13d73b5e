//! What the screens show, worked out from the book for one day and kept
//! until the book changes (the app builds a new model then), never per
//! frame: drawing again, or coming back to a client already shown, works
//! none of it out again.
//!
//! It comes in two steps, because the first screen (Today, the selected
//! client beside it) needs little of it and a large book is mostly
//! invoices. [`Model::build`] does the cheap part at once: the day's list,
//! what the log says of each invoice and client (one pass over the notes),
//! which notes are undone. The rows of the whole book ([`Rows`]: a balance
//! per invoice, then sums per client; most of the work on a large book)
//! are built the first time a screen that lists them asks ([`Model::rows`]:
//! Clients, the whole book's Invoices, Aging), not before the first frame.
//! One client's or one invoice's figures ([`Model::client`],
//! [`Model::invoice`], [`Model::client_invoices`], [`Model::open_invoices`])
//! come from those rows once they exist, and are worked out for that client
//! alone until then, by the same functions from the same log facts: the
//! Today pane, a client's view, its invoices and an invoice never wait for
//! the whole book, and show the same figures either way. A client's
//! figures and open list are worked out in one pass over its invoices the
//! first time they are asked for, and kept with the model (so with the
//! book it was built from), as are the invoice rows of that pass. What the
//! model does not hold, a client's view and the pane still read from the
//! book as they draw: its aging row, credit use, days to pay and notes
//! (`ui::detail`, one look at each of the client's invoices).
//!
//! The book is not kept here (the app owns it and this model), so the
//! accessors take it: always the book the model was built from, which
//! [`crate::tui::app::App::rows`] and the screens' `Cx::rows` pass (checked
//! by its size in debug builds).

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::domain::{Book, Currency, Invoice, InvoiceStatus, Money, NoteKind, Totals};
use crate::receivables::balance::invoice_state_at;
use crate::rules::Action as Chase;

/// One client's position as of the day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRow {
    /// Index into `book.clients()`.
    pub ix: usize,
    pub balance: Totals,
    pub overdue: Totals,
    /// Days overdue of the oldest overdue open invoice (0 when none).
    pub oldest_days: i64,
    pub open_invoices: usize,
    /// Index into the day's actions.
    pub next_action: Option<usize>,
    pub last_contact: Option<(NaiveDate, NoteKind)>,
    pub on_hold: bool,
    pub snoozed: bool,
    /// Placed with a collection agency (derived from the log).
    pub with_agency: bool,
    /// Sort key for money columns: the amount in the client's own currency
    /// (amounts in different currencies are never added).
    pub home_currency: Currency,
}

impl ClientRow {
    pub fn balance_key(&self) -> Decimal {
        self.balance.get(self.home_currency)
    }
    pub fn overdue_key(&self) -> Decimal {
        self.overdue.get(self.home_currency)
    }

    /// Adds one of the client's invoices to its sums.
    fn count(&mut self, row: &InvoiceRow, currency: Currency) {
        if row.is_open() {
            self.open_invoices += 1;
            self.balance.add(Money::new(row.balance, currency));
            if row.is_overdue() {
                self.overdue.add(Money::new(row.balance, currency));
                self.oldest_days = self.oldest_days.max(row.days_overdue);
            }
        }
    }
}

/// One invoice's position as of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvoiceRow {
    /// Index into `book.invoices()` (a row's index is its invoice's index).
    pub ix: usize,
    /// Index into `book.clients()` (None for an invoice of an unknown client).
    pub client: Option<usize>,
    pub balance: Decimal,
    pub status: InvoiceStatus,
    /// Days past due while open (0 or less when not yet due or settled).
    pub days_overdue: i64,
    /// The highest ladder level completed for this invoice, from the log.
    pub level: Option<u8>,
    pub promised: bool,
    pub disputed: bool,
    pub excluded: bool,
}

impl InvoiceRow {
    pub fn is_open(&self) -> bool {
        self.balance > Decimal::ZERO
    }
    pub fn is_overdue(&self) -> bool {
        self.is_open() && self.days_overdue > 0
    }
}

/// From this many invoices the rows are worked out on two threads.
const PARALLEL_FROM_INVOICES: usize = 20_000;

/// The rows of the whole book: one per invoice (a row's index is its
/// invoice's index in `book.invoices()`) and one per client (same index as
/// `book.clients()`).
#[derive(Clone, Debug)]
pub struct Rows {
    pub clients: Vec<ClientRow>,
    pub invoices: Vec<InvoiceRow>,
    /// Invoice row indexes per client (book client index), newest issue first.
    pub by_client: Vec<Vec<usize>>,
}

/// What a row needs beyond its own invoice or client: the day, and what the
/// log and the day's list say. Kept by position, so that one row can be
/// built without reading the notes again.
#[derive(Clone, Debug, Default)]
struct Facts {
    today: NaiveDate,
    /// The highest ladder level completed, by invoice index.
    level: FxHashMap<usize, u8>,
    /// Invoices (by index) with a promise not yet due.
    promised: FxHashSet<usize>,
    /// Client ids with a promise not yet due on the whole account.
    promised_account: FxHashSet<String>,
    /// The latest contact, by client index.
    last_contact: Vec<Option<(NaiveDate, NoteKind)>>,
    /// The client's first action on the day's list, by client index.
    next_action: Vec<Option<usize>>,
}

impl Facts {
    /// One pass over the notes and the day's list.
    fn gather(book: &Book, today: NaiveDate, actions: &[Chase], reversed: &FxHashSet<u64>) -> Facts {
        let n_clients = book.clients().len();
        let mut f = Facts {
            today,
            last_contact: vec![None; n_clients],
            next_action: vec![None; n_clients],
            ..Facts::default()
        };
        for n in book.notes() {
            if reversed.contains(&n.id) {
                continue;
            }
            if let Some(c) = &n.completes {
                // An invoice not in the book has no row to show it on.
                for ix in c.invoices.iter().filter_map(|inv| book.invoice_index(inv)) {
                    let e = f.level.entry(ix).or_insert(0);
                    *e = (*e).max(c.level);
                }
            }
            if let Some(p) = &n.promise {
                if p.date >= today {
                    if p.invoices.is_empty() {
                        f.promised_account.insert(n.client_id.clone());
                    }
                    f.promised.extend(p.invoices.iter().filter_map(|inv| book.invoice_index(inv)));
                }
            }
            if n.kind.is_contact() && n.date <= today {
                if let Some(ci) = book.client_index(&n.client_id) {
                    let e = f.last_contact[ci].get_or_insert((n.date, n.kind));
                    if n.date >= e.0 {
                        *e = (n.date, n.kind);
                    }
                }
            }
        }
        for (i, a) in actions.iter().enumerate() {
            if let Some(ci) = book.client_index(&a.client_id) {
                f.next_action[ci].get_or_insert(i);
            }
        }
        f
    }

    /// Invoice `ix`'s row (`client`: its client's index, if known).
    fn invoice_row(&self, book: &Book, ix: usize, inv: &Invoice, client: Option<usize>) -> InvoiceRow {
        let today = self.today;
        let st = invoice_state_at(book, Some(ix), inv, today);
        let balance = crate::receivables::open_in(inv, &st, today);
        let days = (today - inv.due_date).num_days();
        InvoiceRow {
            ix,
            client,
            balance,
            status: st.status(),
            days_overdue: if balance > Decimal::ZERO { days } else { 0 },
            level: self.level.get(&ix).copied(),
            promised: balance > Decimal::ZERO
                && (self.promised.contains(&ix) || self.promised_account.contains(inv.client_id.as_str())),
            disputed: inv.dispute.is_some(),
            excluded: inv.excluded,
        }
    }

    /// Client `ix`'s row before its invoices are counted.
    fn client_row(&self, book: &Book, ix: usize) -> ClientRow {
        let c = &book.clients()[ix];
        ClientRow {
            ix,
            balance: Totals::default(),
            overdue: Totals::default(),
            oldest_days: 0,
            open_invoices: 0,
            next_action: self.next_action[ix],
            last_contact: self.last_contact[ix],
            on_hold: c.hold.is_some(),
            snoozed: c.is_snoozed(self.today),
            with_agency: crate::receivables::placement(book, &c.id, self.today).is_some(),
            home_currency: c.currency,
        }
    }

    /// Every row of the book. Each invoice's row depends only on the book:
    /// on a large book they are worked out on two threads (a balance per
    /// invoice is most of the work), then summed per client in book order.
    fn rows(&self, book: &Book) -> Rows {
        let mut clients: Vec<ClientRow> = (0..book.clients().len()).map(|ix| self.client_row(book, ix)).collect();
        let all = book.invoices();
        let rows_of = |from: usize, part: &[Invoice]| -> Vec<InvoiceRow> {
            // The book's own index (positions, no copy of the ids); and the
            // open part of a large book comes client by client, so the last
            // client found is usually the next one.
            let mut last: Option<(&str, Option<usize>)> = None;
            let mut rows = Vec::with_capacity(all.len() - from);
            rows.extend(part.iter().enumerate().map(|(i, inv)| {
                let client = match last {
                    Some((was, c)) if was == inv.client_id => c,
                    _ => {
                        let c = book.client_index(&inv.client_id);
                        last = Some((&inv.client_id, c));
                        c
                    }
                };
                self.invoice_row(book, from + i, inv, client)
            }));
            rows
        };
        let invoices: Vec<InvoiceRow> = if all.len() < PARALLEL_FROM_INVOICES {
            rows_of(0, all)
        } else {
            // The first half's vector, sized for all, takes the second's.
            let half = all.len() / 2;
            std::thread::scope(|sc| {
                let second = sc.spawn(|| rows_of(half, &all[half..]));
                let mut rows = rows_of(0, &all[..half]);
                rows.append(&mut second.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                rows
            })
        };
        let mut by_client: Vec<Vec<usize>> = vec![Vec::new(); clients.len()];
        for (at, row) in invoices.iter().enumerate() {
            if let Some(ci) = row.client {
                clients[ci].count(row, all[row.ix].currency);
                by_client[ci].push(at);
            }
        }
        let newest_first = |rows: &mut Vec<usize>| newest_first(book, rows);
        if all.len() < PARALLEL_FROM_INVOICES {
            by_client.iter_mut().for_each(newest_first);
        } else {
            let (a, b) = by_client.split_at_mut(clients.len() / 2);
            std::thread::scope(|sc| {
                let second = sc.spawn(|| b.iter_mut().for_each(newest_first));
                a.iter_mut().for_each(newest_first);
                second.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            });
        }
        Rows { clients, invoices, by_client }
    }
}

/// Invoice indexes, newest issue first (then by number, highest first).
fn newest_first(book: &Book, rows: &mut [usize]) {
    rows.sort_by(|&a, &b| newer(book, a, b))
}

/// Orders invoice `a` before `b` when it was issued later (then by number).
fn newer(book: &Book, a: usize, b: usize) -> std::cmp::Ordering {
    let (ia, ib) = (&book.invoices()[a], &book.invoices()[b]);
    ib.issue_date.cmp(&ia.issue_date).then_with(|| ib.number.cmp(&ia.number))
}

/// Open invoice rows, most overdue first, the newest issue first among
/// equals (then the book's order): the order of [`Model::open_invoices`].
fn most_overdue_first(book: &Book, rows: &mut [InvoiceRow]) {
    rows.sort_by(|a, b| b.days_overdue.cmp(&a.days_overdue).then_with(|| newer(book, a.ix, b.ix)).then(a.ix.cmp(&b.ix)))
}

/// One client's figures: its row and its open invoices (row indexes, in
/// the order of [`Model::open_invoices`]).
#[derive(Clone, Debug)]
struct OneClient {
    row: ClientRow,
    open: Vec<usize>,
}

/// What was worked out for one client or invoice at a time, kept for the
/// model's life: by client index, and the invoice rows (by invoice index)
/// worked out alone before the whole book's rows exist.
#[derive(Clone, Debug, Default)]
struct Kept {
    clients: FxHashMap<usize, OneClient>,
    invoices: FxHashMap<usize, InvoiceRow>,
}

/// The view of the book for one day: see the module comment.
#[derive(Clone, Debug)]
pub struct Model {
    pub today: NaiveDate,
    pub actions: Vec<Chase>,
    /// Ids of notes a later note undoes.
    pub reversed: FxHashSet<u64>,
    facts: Facts,
    /// The whole book's rows, built on first need.
    rows: OnceCell<Rows>,
    /// One client's figures, kept once worked out. A new model (a changed
    /// book) starts without them.
    kept: RefCell<Kept>,
    /// The book's clients and invoices when the model was built: the
    /// accessors check, in debug builds, that they are given that book.
    size: (usize, usize),
}

impl Model {
    /// What the first screen needs: one pass over the notes and the day's
    /// list. The rows of the whole book wait for [`Model::rows`].
    pub fn build(book: &Book, today: NaiveDate, actions: Vec<Chase>) -> Model {
        let reversed = book.reversed_note_ids();
        let facts = Facts::gather(book, today, &actions, &reversed);
        let size = Self::size_of(book);
        Model { today, actions, reversed, facts, rows: OnceCell::new(), kept: RefCell::default(), size }
    }

    fn size_of(book: &Book) -> (usize, usize) {
        (book.clients().len(), book.invoices().len())
    }

    /// `book` is the book this model was built from (by its size).
    fn check(&self, book: &Book) {
        debug_assert_eq!(self.size, Self::size_of(book), "a model is read with the book it was built from");
    }

    /// The rows of the whole book, built on the first call. `book` is the
    /// book this model was built from.
    pub fn rows(&self, book: &Book) -> &Rows {
        self.check(book);
        self.rows.get_or_init(|| self.facts.rows(book))
    }

    /// Whether the whole book's rows have been built (for tests: the first
    /// screen must not need them).
    pub fn rows_built(&self) -> bool {
        self.rows.get().is_some()
    }

    /// Invoice row `r` (the invoice at index `r` of `book.invoices()`).
    pub fn invoice(&self, book: &Book, r: usize) -> InvoiceRow {
        self.check(book);
        if let Some(rows) = self.rows.get() {
            return rows.invoices[r];
        }
        if let Some(row) = self.kept.borrow().invoices.get(&r) {
            return *row;
        }
        let inv = &book.invoices()[r];
        let row = self.facts.invoice_row(book, r, inv, book.client_index(&inv.client_id));
        self.kept.borrow_mut().invoices.insert(r, row);
        row
    }

    /// Client `c`'s row.
    pub fn client(&self, book: &Book, c: usize) -> Cow<'_, ClientRow> {
        self.check(book);
        match self.rows.get() {
            Some(rows) => Cow::Borrowed(&rows.clients[c]),
            None => Cow::Owned(self.one_client(book, c, |o| o.row.clone())),
        }
    }

    /// Client `c`'s invoices (row indexes), newest issue first.
    pub fn client_invoices(&self, book: &Book, c: usize) -> Vec<usize> {
        self.check(book);
        match self.rows.get() {
            Some(rows) => rows.by_client[c].clone(),
            None => {
                let mut v: Vec<usize> =
                    book.client_invoices(&book.clients()[c].id).filter_map(|inv| book.position_of(inv)).collect();
                newest_first(book, &mut v);
                v
            }
        }
    }

    /// Client `c`'s open invoices (row indexes), most overdue first, the
    /// newest issue first among equals.
    pub fn open_invoices(&self, book: &Book, c: usize) -> Vec<usize> {
        self.check(book);
        self.one_client(book, c, |o| o.open.clone())
    }

    /// What `read` takes of client `c`'s figures, worked out on the first
    /// call for `c` and kept.
    fn one_client<T>(&self, book: &Book, c: usize, read: impl Fn(&OneClient) -> T) -> T {
        if let Some(one) = self.kept.borrow().clients.get(&c) {
            return read(one);
        }
        let one = self.work_out(book, c);
        let out = read(&one);
        self.kept.borrow_mut().clients.insert(c, one);
        out
    }

    /// Client `c`'s figures: from the whole book's rows when they exist,
    /// otherwise from one pass over its invoices (each row worked out once,
    /// and kept for [`Model::invoice`]).
    fn work_out(&self, book: &Book, c: usize) -> OneClient {
        let (row, mut open) = match self.rows.get() {
            Some(rows) => {
                let open = rows.by_client[c].iter().map(|&r| rows.invoices[r]).filter(InvoiceRow::is_open).collect();
                (rows.clients[c].clone(), open)
            }
            None => {
                let mut row = self.facts.client_row(book, c);
                let mut open: Vec<InvoiceRow> = Vec::new();
                let mut kept = self.kept.borrow_mut();
                for inv in book.client_invoices(&book.clients()[c].id) {
                    let Some(r) = book.position_of(inv) else { continue };
                    let ir = *kept.invoices.entry(r).or_insert_with(|| self.facts.invoice_row(book, r, inv, Some(c)));
                    row.count(&ir, inv.currency);
                    if ir.is_open() {
                        open.push(ir);
                    }
                }
                (row, open)
            }
        };
        most_overdue_first(book, &mut open);
        OneClient { row, open: open.into_iter().map(|r| r.ix).collect() }
    }
}

/// The aging table: open balances by bucket, per currency, from
/// `receivables::aging` (so plans age by instalment, as in `dun aging`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aging {
    /// Upper day boundaries, e.g. [30, 60, 90].
    pub bounds: Vec<u32>,
    /// Per currency: one amount per bucket (current, then each overdue bucket).
    pub rows: Vec<(Currency, Vec<Decimal>)>,
}

impl Aging {
    pub fn bucket_count(bounds: &[u32]) -> usize {
        bounds.len() + 2
    }

    /// Column titles: current, 1-30, 31-60, 61-90, 91+.
    pub fn titles(bounds: &[u32]) -> Vec<String> {
        buckets(bounds).labels().to_vec()
    }

    pub fn total(&self, currency: Currency) -> Decimal {
        self.rows.iter().filter(|(c, _)| *c == currency).flat_map(|(_, v)| v.iter()).sum()
    }
}

/// The bucket for an invoice `days` past due: 0 when not yet due, then one
/// per boundary, then the last open-ended one.
pub fn bucket_of(days: i64, bounds: &[u32]) -> usize {
    buckets(bounds).index(days)
}

/// The config's boundaries (validated when the config was read).
fn buckets(bounds: &[u32]) -> crate::receivables::aging::Buckets {
    crate::receivables::aging::Buckets::new(bounds).unwrap_or_default()
}

/// Ages the given invoices as of `today` on `basis` (due or invoice date).
pub fn aging<'a>(
    book: &Book,
    invoices: impl Iterator<Item = &'a crate::domain::Invoice>,
    today: NaiveDate,
    bounds: &[u32],
    basis: crate::receivables::aging::AgeBasis,
) -> Aging {
    let n = Aging::bucket_count(bounds);
    let opts = crate::receivables::aging::AgingOptions { buckets: buckets(bounds), basis };
    let mut rows: std::collections::BTreeMap<Currency, Vec<Decimal>> = std::collections::BTreeMap::new();
    for inv in invoices {
        let open = crate::receivables::open_balance(book, inv, today);
        if open <= Decimal::ZERO {
            continue;
        }
        let row = rows.entry(inv.currency).or_insert_with(|| vec![Decimal::ZERO; n]);
        crate::receivables::aging::age_into(inv, open, today, &opts, row);
    }
    Aging { bounds: bounds.to_vec(), rows: rows.into_iter().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_boundaries() {
        let b = [30, 60, 90];
        assert_eq!(bucket_of(-3, &b), 0);
        assert_eq!(bucket_of(0, &b), 0);
        assert_eq!(bucket_of(1, &b), 1);
        assert_eq!(bucket_of(30, &b), 1);
        assert_eq!(bucket_of(31, &b), 2);
        assert_eq!(bucket_of(90, &b), 3);
        assert_eq!(bucket_of(91, &b), 4);
        assert_eq!(Aging::titles(&b), vec!["current", "1-30", "31-60", "61-90", "91+"]);
    }

    /// A book large enough for the rows to be worked out on two threads:
    /// every row, client sum and per-client order is what the book says.
    #[test]
    fn a_large_book_gives_the_rows_the_book_says() {
        use crate::domain::{Allocation, Client, Invoice, Payment, PaymentMethod};
        let day = |n: i64| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(n);
        let today = day(200);
        let n = PARALLEL_FROM_INVOICES + 77;
        let clients: Vec<Client> = (0..300).map(|i| Client::new(format!("C{i}"), "x", Currency::USD)).collect();
        let invoices: Vec<Invoice> = (0..n)
            .map(|i| {
                let issued = day((i % 250) as i64);
                let total = Money::new(Decimal::from(100 + (i % 13) as i64), Currency::USD);
                Invoice::new(
                    format!("I{i:06}"),
                    format!("C{}", i % 301),
                    issued,
                    issued + chrono::Duration::days(30),
                    total,
                )
            })
            .collect();
        let payments: Vec<Payment> = (0..n / 2)
            .map(|i| Payment {
                id: i as u64,
                client_id: format!("C{}", (i * 2) % 301),
                date: day((i % 260) as i64),
                amount: Decimal::from(60),
                currency: Currency::USD,
                method: PaymentMethod::Cash,
                reference: String::new(),
                allocations: vec![Allocation { invoice: format!("I{:06}", i * 2), amount: Decimal::from(60) }],
                reverses: None,
            })
            .collect();
        let book = Book::new(clients, invoices, payments, vec![], vec![]);
        let m = Model::build(&book, today, vec![]);
        alone_matches_rows(&book, &m);
        let rows = m.rows(&book);
        assert_eq!(rows.invoices.len(), n);
        let mut open = vec![Decimal::ZERO; book.clients().len()];
        for (at, (row, inv)) in rows.invoices.iter().zip(book.invoices()).enumerate() {
            assert_eq!(row.ix, at);
            assert_eq!(row.client, book.client_index(&inv.client_id));
            assert_eq!(row.balance, crate::receivables::open_balance(&book, inv, today), "{}", inv.number);
            if let Some(c) = row.client {
                open[c] += row.balance;
            }
        }
        assert!(rows.invoices.iter().any(|r| r.balance.is_zero()) && rows.invoices.iter().any(|r| r.is_overdue()));
        for (c, row) in rows.clients.iter().enumerate() {
            assert_eq!(row.balance.get(Currency::USD), open[c]);
            let by = &rows.by_client[c];
            assert_eq!(by.len(), book.client_invoices(&book.clients()[c].id).count());
            let key = |r: usize| {
                let inv = &book.invoices()[rows.invoices[r].ix];
                (inv.issue_date, inv.number.clone())
            };
            assert!(by.windows(2).all(|w| key(w[0]) > key(w[1])), "newest first");
        }
    }

    /// Figures worked out for one client or invoice alone (before the
    /// whole book's rows exist) are the rows' figures, in the same order;
    /// asking for them does not build the rows, and they are kept (a draw
    /// does not work them out again).
    fn alone_matches_rows(book: &Book, m: &Model) {
        assert!(!m.rows_built(), "Model::build leaves the rows for later");
        let clients: Vec<ClientRow> = (0..book.clients().len()).map(|c| m.client(book, c).into_owned()).collect();
        let open: Vec<Vec<usize>> = (0..book.clients().len()).map(|c| m.open_invoices(book, c)).collect();
        assert_eq!(m.kept.borrow().clients.len(), book.clients().len(), "each client's figures are kept");
        let kept = m.kept.borrow().invoices.len();
        assert!(kept > 0 && kept <= book.invoices().len(), "the invoice rows of those passes are kept");
        let invoices: Vec<InvoiceRow> = (0..book.invoices().len()).map(|r| m.invoice(book, r)).collect();
        assert!(!m.rows_built(), "one client's figures do not need the whole book's rows");
        // Another model of the same book, its rows built first.
        let whole = Model::build(book, m.today, m.actions.clone());
        let rows = whole.rows(book);
        assert_eq!(invoices, rows.invoices);
        assert_eq!(clients, rows.clients);
        for (c, open) in open.iter().enumerate() {
            assert_eq!(*open, whole.open_invoices(book, c), "client {c}");
            assert_eq!(open.len(), rows.clients[c].open_invoices);
        }
        assert_eq!(clients, m.rows(book).clients, "the rows built later agree too");
    }

    /// A model read with another book than its own is caught in debug
    /// builds, before it keeps rows or figures of the wrong book.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a model is read with the book it was built from")]
    fn a_model_refuses_another_book() {
        use crate::domain::Client;
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let one = |n: usize| {
            let clients = (0..n).map(|i| Client::new(format!("C{i}"), "x", Currency::USD)).collect();
            Book::new(clients, vec![], vec![], vec![], vec![])
        };
        let m = Model::build(&one(1), today, vec![]);
        m.client(&one(2), 0);
    }

    /// The demo book has notes of every kind (levels done, promises, undone
    /// entries, contacts), holds and agency placements: a client's figures
    /// alone match the rows there too, and the log reaches the rows.
    #[test]
    fn one_client_alone_has_the_figures_of_the_whole_rows() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let b = crate::demo::build(today, &mut store.ids());
        let book = Book::new(b.clients, b.invoices, b.payments, b.adjustments, b.notes);
        let actions = crate::rules::today(&book, &crate::rules::Rules::default(), today);
        assert!(!actions.is_empty());
        let m = Model::build(&book, today, actions);
        alone_matches_rows(&book, &m);
        let rows = m.rows(&book);
        assert!(rows.invoices.iter().any(|r| r.level.is_some()), "levels done come from the log");
        assert!(rows.invoices.iter().any(|r| r.promised), "promises come from the log");
        assert!(rows.clients.iter().any(|r| r.last_contact.is_some()));
        assert!(rows.clients.iter().any(|r| r.next_action.is_some()));
    }
}
