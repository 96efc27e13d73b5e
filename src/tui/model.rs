//! What the screens show, computed once when the book is opened (and again
//! only after the book changes), never per frame: one summary per client,
//! one row per invoice. Moving the selection then costs nothing but a draw.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{Book, Currency, InvoiceStatus, Money, NoteKind, Totals};
use crate::receivables::balance::invoice_state_at;
use crate::rules::Action as Chase;

/// One client's position as of the day.
#[derive(Clone, Debug)]
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
}

/// One invoice's position as of the day.
#[derive(Clone, Copy, Debug)]
pub struct InvoiceRow {
    /// Index into `book.invoices()`.
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

/// The precomputed view of the book for one day.
#[derive(Clone, Debug)]
pub struct Model {
    pub today: NaiveDate,
    pub actions: Vec<Chase>,
    pub clients: Vec<ClientRow>,
    pub invoices: Vec<InvoiceRow>,
    /// Invoice row indexes per client (book client index), newest issue first.
    pub by_client: Vec<Vec<usize>>,
    /// FxHash: our own ids, and fifty thousand of them on a large book.
    pub client_ix: rustc_hash::FxHashMap<String, usize>,
    /// Ids of notes a later note undoes.
    pub reversed: rustc_hash::FxHashSet<u64>,
}

impl Model {
    /// One pass over the book's invoices and notes.
    pub fn build(book: &Book, today: NaiveDate, actions: Vec<Chase>) -> Model {
        let client_ix: rustc_hash::FxHashMap<String, usize> =
            book.clients().iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        let reversed = book.reversed_note_ids();

        // From the log: the level reached per invoice, pending promises, and
        // each client's last contact.
        let mut level: HashMap<&str, u8> = HashMap::new();
        let mut promised: HashSet<&str> = HashSet::new();
        let mut promised_account: HashSet<&str> = HashSet::new();
        let mut last_contact: HashMap<&str, (NaiveDate, NoteKind)> = HashMap::new();
        for n in book.notes() {
            if reversed.contains(&n.id) {
                continue;
            }
            if let Some(c) = &n.completes {
                for inv in &c.invoices {
                    let e = level.entry(inv.as_str()).or_insert(0);
                    *e = (*e).max(c.level);
                }
            }
            if let Some(p) = &n.promise {
                if p.date >= today {
                    if p.invoices.is_empty() {
                        promised_account.insert(n.client_id.as_str());
                    }
                    promised.extend(p.invoices.iter().map(String::as_str));
                }
            }
            if n.kind.is_contact() && n.date <= today {
                let e = last_contact.entry(n.client_id.as_str()).or_insert((n.date, n.kind));
                if n.date >= e.0 {
                    *e = (n.date, n.kind);
                }
            }
        }

        let mut clients: Vec<ClientRow> = book
            .clients()
            .iter()
            .enumerate()
            .map(|(ix, c)| ClientRow {
                ix,
                balance: Totals::default(),
                overdue: Totals::default(),
                oldest_days: 0,
                open_invoices: 0,
                next_action: None,
                last_contact: last_contact.get(c.id.as_str()).copied(),
                on_hold: c.hold.is_some(),
                snoozed: c.is_snoozed(today),
                with_agency: crate::receivables::placement(book, &c.id, today).is_some(),
                home_currency: c.currency,
            })
            .collect();
        // Each invoice's row depends only on the book: on a large book the
        // rows are worked out on two threads (a balance per invoice was most
        // of the first screen), then summed per client in book order.
        let row_of = |ix: usize, inv: &crate::domain::Invoice, client: Option<usize>| {
            let issued = inv.issue_date <= today;
            let st = invoice_state_at(book, Some(ix), inv, today);
            // Same rule as receivables::open_balance: nothing is owed before issue.
            let balance = if issued { st.open() } else { Decimal::ZERO };
            let days = (today - inv.due_date).num_days();
            InvoiceRow {
                ix,
                client,
                balance,
                status: st.status(),
                days_overdue: if balance > Decimal::ZERO { days } else { 0 },
                level: level.get(inv.number.as_str()).copied(),
                promised: balance > Decimal::ZERO
                    && (promised.contains(inv.number.as_str()) || promised_account.contains(inv.client_id.as_str())),
                disputed: inv.dispute.is_some(),
                excluded: inv.excluded,
            }
        };
        let all = book.invoices();
        fn rows_of<'b>(
            book: &'b Book,
            from: usize,
            part: &'b [crate::domain::Invoice],
            row_of: &(dyn Fn(usize, &crate::domain::Invoice, Option<usize>) -> InvoiceRow + Sync),
        ) -> Vec<InvoiceRow> {
            // The book's own index (positions, no copy of the ids); and the
            // open part of a large book comes client by client, so the last
            // client found is usually the next one.
            let mut last: Option<(&str, Option<usize>)> = None;
            let mut client_of = |id: &'b str| match last {
                Some((was, c)) if was == id => c,
                _ => {
                    let c = book.client_index(id);
                    last = Some((id, c));
                    c
                }
            };
            let mut rows = Vec::with_capacity(book.invoices().len() - from);
            rows.extend(part.iter().enumerate().map(|(i, inv)| row_of(from + i, inv, client_of(&inv.client_id))));
            rows
        }
        let invoices: Vec<InvoiceRow> = if all.len() < PARALLEL_FROM_INVOICES {
            rows_of(book, 0, all, &row_of)
        } else {
            // The first half's vector, sized for all, takes the second's.
            let half = all.len() / 2;
            std::thread::scope(|sc| {
                let second = sc.spawn(|| rows_of(book, half, &all[half..], &row_of));
                let mut rows = rows_of(book, 0, &all[..half], &row_of);
                rows.append(&mut second.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                rows
            })
        };
        let mut by_client: Vec<Vec<usize>> = vec![Vec::new(); clients.len()];
        for (at, row) in invoices.iter().enumerate() {
            if let Some(ci) = row.client {
                let c = &mut clients[ci];
                if row.is_open() {
                    let currency = all[row.ix].currency;
                    c.open_invoices += 1;
                    c.balance.add(Money::new(row.balance, currency));
                    if row.is_overdue() {
                        c.overdue.add(Money::new(row.balance, currency));
                        c.oldest_days = c.oldest_days.max(row.days_overdue);
                    }
                }
                by_client[ci].push(at);
            }
        }
        let newest_first = |rows: &mut Vec<usize>| {
            rows.sort_by(|&a, &b| {
                let (ia, ib) = (&all[invoices[a].ix], &all[invoices[b].ix]);
                ib.issue_date.cmp(&ia.issue_date).then_with(|| ib.number.cmp(&ia.number))
            })
        };
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
        for (i, a) in actions.iter().enumerate() {
            if let Some(&ci) = client_ix.get(&a.client_id) {
                if clients[ci].next_action.is_none() {
                    clients[ci].next_action = Some(i);
                }
            }
        }
        Model { today, actions, clients, invoices, by_client, client_ix, reversed }
    }

    /// Overdue totals of the day's list, per currency.
    pub fn action_overdue(&self) -> Totals {
        let mut t = Totals::default();
        for a in &self.actions {
            for m in &a.overdue {
                t.add(*m);
            }
        }
        t
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
        assert_eq!(m.invoices.len(), n);
        let mut open = vec![Decimal::ZERO; book.clients().len()];
        for (at, (row, inv)) in m.invoices.iter().zip(book.invoices()).enumerate() {
            assert_eq!(row.ix, at);
            assert_eq!(row.client, book.client_index(&inv.client_id));
            assert_eq!(row.balance, crate::receivables::open_balance(&book, inv, today), "{}", inv.number);
            if let Some(c) = row.client {
                open[c] += row.balance;
            }
        }
        assert!(m.invoices.iter().any(|r| r.balance.is_zero()) && m.invoices.iter().any(|r| r.is_overdue()));
        for (c, row) in m.clients.iter().enumerate() {
            assert_eq!(row.balance.get(Currency::USD), open[c]);
            let rows = &m.by_client[c];
            assert_eq!(rows.len(), book.client_invoices(&book.clients()[c].id).count());
            let key = |r: usize| {
                let inv = &book.invoices()[m.invoices[r].ix];
                (inv.issue_date, inv.number.clone())
            };
            assert!(rows.windows(2).all(|w| key(w[0]) > key(w[1])), "newest first");
        }
    }
}
