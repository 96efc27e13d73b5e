//! The merge fields a template sees: plain data built from the book, the
//! step and the config for one client on one day. Pure; amounts are
//! pre-formatted strings (`1,234.50`) so a template cannot round them, and
//! the raw figures sit beside them for scripts (`balance_plain`).
//!
//! [`FIELDS`] lists every name a template may use; `templates check`
//! refuses any other. Keep it in step with the structs (a test does).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::config::MailConfig;
use crate::domain::money::{format_amount, plain_amount};
use crate::domain::{Book, Client, Currency, Invoice, LateFeePolicy};
use crate::receivables::aging::age_into;
use crate::receivables::{fees, invoice_state, AgingOptions};
use crate::rules::facts::{ClientFacts, PromiseStatus};
use crate::rules::ActionKind;

/// Everything outside the client that the fields depend on.
pub struct Inputs<'a> {
    pub book: &'a Book,
    pub today: NaiveDate,
    pub mail: &'a MailConfig,
    pub aging: &'a AgingOptions,
    /// The book's late-fee policy (a client's own overrides it).
    pub fee_policy: Option<&'a LateFeePolicy>,
}

/// The ladder step a message is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub level: u8,
    pub name: String,
    pub kind: String,
}

impl Step {
    pub fn new(level: u8, name: &str, kind: ActionKind) -> Step {
        Step { level, name: name.to_string(), kind: kind.as_str().to_string() }
    }
    /// The step of a statement of account (not on the ladder).
    pub fn statement() -> Step {
        Step { level: 0, name: "Statement of account".into(), kind: "statement".into() }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Fields {
    pub today: String,
    pub client: ClientFields,
    /// The person to address: the contact, else the client's name.
    pub contact: String,
    pub step: Step,
    /// The invoices this message is about (the step's, or every open one
    /// for a statement), oldest due first.
    pub invoices: Vec<InvoiceFields>,
    /// Every open invoice of the client, oldest due first.
    pub open_invoices: Vec<InvoiceFields>,
    /// Sum of `invoices` per currency.
    pub totals: Vec<Amount>,
    /// Sum of `open_invoices` per currency.
    pub account_totals: Vec<Amount>,
    pub aging: AgingFields,
    pub fees: FeeFields,
    pub last_contact: Option<ContactFields>,
    pub broken_promise: Option<PromiseFields>,
    pub sender: SenderFields,
    pub payment_instructions: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClientFields {
    pub id: String,
    pub name: String,
    pub contact: String,
    pub email: String,
    pub phone: String,
    /// Postal address lines (empty when not known).
    pub address: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InvoiceFields {
    pub number: String,
    pub reference: String,
    pub issue_date: String,
    pub due_date: String,
    pub currency: String,
    pub amount: String,
    pub balance: String,
    pub balance_plain: String,
    /// Negative before the due date.
    pub days_overdue: i64,
    /// Fees and interest the policy allows to date, not yet charged.
    pub fees_accrued: String,
    /// The first configured payment link, or empty.
    pub payment_link: String,
    /// Provider name → link.
    pub payment_links: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Amount {
    pub currency: String,
    pub amount: String,
    pub amount_plain: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgingFields {
    /// Bucket labels (`current`, `1-30`, ...).
    pub labels: Vec<String>,
    /// One row per currency.
    pub rows: Vec<AgingRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgingRow {
    pub currency: String,
    pub buckets: Vec<String>,
    pub total: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FeeFields {
    /// Fees and interest allowed to date on the message's invoices and not
    /// yet charged, per currency (empty when none).
    pub accrued: Vec<Amount>,
    /// Fees already charged on the message's invoices, per currency.
    pub charged: Vec<Amount>,
    /// The statutory wording from config, when any fee is charged or accrued
    /// (empty otherwise).
    pub statutory_wording: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactFields {
    pub date: String,
    pub kind: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PromiseFields {
    /// When the promise was made.
    pub made_on: String,
    /// The date the client promised to pay by.
    pub date: String,
    pub amount: String,
    pub currency: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SenderFields {
    pub name: String,
    pub email: String,
    pub address: Vec<String>,
    pub signature: String,
}

/// Every field path a template may name. Loop variables (`inv.number`)
/// are checked by rendering against a full sample instead.
pub const FIELDS: &[&str] = &[
    "today",
    "client",
    "client.id",
    "client.name",
    "client.contact",
    "client.email",
    "client.phone",
    "client.address",
    "contact",
    "step",
    "step.level",
    "step.name",
    "step.kind",
    "invoices",
    "open_invoices",
    "totals",
    "account_totals",
    "aging",
    "aging.labels",
    "aging.rows",
    "fees",
    "fees.accrued",
    "fees.charged",
    "fees.statutory_wording",
    "last_contact",
    "last_contact.date",
    "last_contact.kind",
    "last_contact.text",
    "broken_promise",
    "broken_promise.made_on",
    "broken_promise.date",
    "broken_promise.amount",
    "broken_promise.currency",
    "sender",
    "sender.name",
    "sender.email",
    "sender.address",
    "sender.signature",
    "payment_instructions",
];

/// The open invoices of a client on `today`, oldest due date first, with
/// their open balances. Invoices issued after `today` are not yet owed.
pub fn open_invoices<'a>(book: &'a Book, client_id: &str, today: NaiveDate) -> Vec<(&'a Invoice, Decimal)> {
    let mut v: Vec<(&Invoice, Decimal)> = book
        .client_invoices(client_id)
        .filter(|i| i.issue_date <= today)
        .map(|i| (i, invoice_state(book, i, today).open()))
        .filter(|(_, open)| *open > Decimal::ZERO)
        .collect();
    v.sort_by(|a, b| (a.0.due_date, &a.0.number).cmp(&(b.0.due_date, &b.0.number)));
    v
}

fn amounts(sums: &BTreeMap<Currency, Decimal>) -> Vec<Amount> {
    sums.iter()
        .map(|(c, a)| Amount { currency: c.to_string(), amount: format_amount(*a), amount_plain: plain_amount(*a) })
        .collect()
}

/// Fills a payment-link template: `{number}`, `{amount}`, `{currency}` and
/// `{client_id}`, each percent-encoded for a URL.
pub fn payment_link(template: &str, inv: &Invoice, open: Decimal) -> String {
    template
        .replace("{number}", &url_encode(&inv.number))
        .replace("{amount}", &plain_amount(open))
        .replace("{currency}", inv.currency.as_str())
        .replace("{client_id}", &url_encode(&inv.client_id))
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The fields for a message to `client` about `invoice_numbers` (those not
/// open on the day are left out), at `step`.
pub fn build(inp: &Inputs, client: &Client, step: Step, invoice_numbers: Option<&[String]>) -> Fields {
    let book = inp.book;
    let open = open_invoices(book, &client.id, inp.today);
    let inv_fields = |inv: &Invoice, bal: Decimal| -> InvoiceFields {
        let links: BTreeMap<String, String> =
            inp.mail.payment_links.iter().map(|(k, t)| (k.clone(), payment_link(t, inv, bal))).collect();
        let accrued = fees::policy_for(book, inv, inp.fee_policy)
            .map(|p| fees::quote(book, inv, inp.today, p).chargeable)
            .unwrap_or_default();
        InvoiceFields {
            number: inv.number.to_string(),
            reference: inv.reference.clone(),
            issue_date: inv.issue_date.to_string(),
            due_date: inv.due_date.to_string(),
            currency: inv.currency.to_string(),
            amount: format_amount(inv.total),
            balance: format_amount(bal),
            balance_plain: plain_amount(bal),
            days_overdue: (inp.today - inv.due_date).num_days(),
            fees_accrued: format_amount(accrued),
            payment_link: links.values().next().cloned().unwrap_or_default(),
            payment_links: links,
        }
    };
    let chosen: Vec<(&Invoice, Decimal)> = match invoice_numbers {
        None => open.clone(),
        Some(nums) => open.iter().filter(|(i, _)| nums.iter().any(|n| *n == i.number)).copied().collect(),
    };
    let sum = |list: &[(&Invoice, Decimal)]| {
        let mut m: BTreeMap<Currency, Decimal> = BTreeMap::new();
        for (i, b) in list {
            *m.entry(i.currency).or_default() += *b;
        }
        m
    };
    // Aging of the whole account, one row per currency.
    let labels = inp.aging.buckets.labels().to_vec();
    let mut by_cur: BTreeMap<Currency, Vec<Decimal>> = BTreeMap::new();
    for (inv, bal) in &open {
        let row = by_cur.entry(inv.currency).or_insert_with(|| vec![Decimal::ZERO; labels.len()]);
        age_into(inv, *bal, inp.today, inp.aging, row);
    }
    let aging = AgingFields {
        labels,
        rows: by_cur
            .into_iter()
            .map(|(c, b)| AgingRow {
                currency: c.to_string(),
                total: format_amount(b.iter().copied().sum()),
                buckets: b.into_iter().map(format_amount).collect(),
            })
            .collect(),
    };
    let mut accrued: BTreeMap<Currency, Decimal> = BTreeMap::new();
    let mut charged: BTreeMap<Currency, Decimal> = BTreeMap::new();
    for (inv, _) in &chosen {
        if let Some(p) = fees::policy_for(book, inv, inp.fee_policy) {
            let q = fees::quote(book, inv, inp.today, p);
            if !q.chargeable.is_zero() {
                *accrued.entry(inv.currency).or_default() += q.chargeable;
            }
        }
        let st = invoice_state(book, inv, inp.today);
        if !st.fees.is_zero() {
            *charged.entry(inv.currency).or_default() += st.fees;
        }
    }
    let any_fee = !accrued.is_empty() || !charged.is_empty();
    let facts = ClientFacts::gather(book, &client.id, inp.today);
    let last_contact = facts.last_contact.map(|n| ContactFields {
        date: n.date.to_string(),
        kind: n.kind.to_string(),
        text: crate::text::sanitize(&n.text).into_owned(),
    });
    let broken_promise = facts.latest_promise().and_then(|(n, p)| {
        (facts.promise_status(book, n, p, inp.today) == PromiseStatus::Broken).then(|| PromiseFields {
            made_on: n.date.to_string(),
            date: p.date.to_string(),
            amount: format_amount(p.amount),
            currency: p.currency.to_string(),
        })
    });
    Fields {
        today: inp.today.to_string(),
        client: ClientFields {
            id: client.id.clone(),
            name: client.name.clone(),
            contact: client.contact.clone(),
            email: client.email.clone(),
            phone: client.phone.clone(),
            address: client.address.clone(),
        },
        contact: if client.contact.trim().is_empty() { client.name.clone() } else { client.contact.clone() },
        step,
        invoices: chosen.iter().map(|(i, b)| inv_fields(i, *b)).collect(),
        open_invoices: open.iter().map(|(i, b)| inv_fields(i, *b)).collect(),
        totals: amounts(&sum(&chosen)),
        account_totals: amounts(&sum(&open)),
        aging,
        fees: FeeFields {
            accrued: amounts(&accrued),
            charged: amounts(&charged),
            statutory_wording: if any_fee { inp.mail.statutory_wording.clone() } else { String::new() },
        },
        last_contact,
        broken_promise,
        sender: SenderFields {
            name: if inp.mail.sender_name.is_empty() {
                inp.mail.from_name().to_string()
            } else {
                inp.mail.sender_name.clone()
            },
            email: inp.mail.from_address().to_string(),
            address: inp.mail.sender_address.clone(),
            signature: inp.mail.signature.clone(),
        },
        payment_instructions: inp.mail.payment_instructions.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Money, Note, NoteKind, Promise};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn sample_book() -> Book {
        let mut c = Client::new("C1", "Ærø Fisk ApS", Currency::EUR);
        c.contact = "Søren Ærø".into();
        c.email = "soren@example.dk".into();
        let i1 = Invoice::new(
            "INV-1",
            "C1",
            d("2026-01-01"),
            d("2026-01-31"),
            Money::new(Decimal::from(1200), Currency::EUR),
        );
        let i2 =
            Invoice::new("INV-2", "C1", d("2026-02-01"), d("2026-03-03"), Money::new(Decimal::from(80), Currency::EUR));
        let i3 =
            Invoice::new("INV-3", "C1", d("2026-03-20"), d("2026-04-20"), Money::new(Decimal::from(5), Currency::EUR));
        let mut n = Note::new(1, "C1", chrono::Utc::now(), d("2026-02-10"), "me", NoteKind::Call, "promised");
        n.promise = Some(Promise {
            date: d("2026-02-20"),
            amount: Decimal::from(1200),
            currency: Currency::EUR,
            invoices: vec![],
        });
        Book::new(vec![c], vec![i1, i2, i3], vec![], vec![], vec![n])
    }

    #[test]
    fn fields_of_a_reminder() {
        let book = sample_book();
        let mut mail = MailConfig::default();
        mail.payment_links.insert("stripe".into(), "https://pay.example/{number}?amt={amount}".into());
        mail.statutory_wording = "Late Payment Act".into();
        let aging = AgingOptions::default();
        let policy = LateFeePolicy { fixed: Some(Decimal::from(40)), percent: None, annual_rate: None, grace_days: 0 };
        let inp = Inputs { book: &book, today: d("2026-03-10"), mail: &mail, aging: &aging, fee_policy: Some(&policy) };
        let step = Step::new(2, "First reminder", ActionKind::Reminder);
        let f = build(&inp, book.client("C1").unwrap(), step, Some(&["INV-1".to_string()]));
        assert_eq!(f.invoices.len(), 1);
        assert_eq!(f.open_invoices.len(), 2, "INV-3 is issued after the day");
        assert_eq!(f.invoices[0].balance, "1,200.00");
        assert_eq!(f.invoices[0].days_overdue, 38);
        assert_eq!(f.invoices[0].payment_link, "https://pay.example/INV-1?amt=1200.00");
        assert_eq!(
            f.totals,
            vec![Amount { currency: "EUR".into(), amount: "1,200.00".into(), amount_plain: "1200.00".into() }]
        );
        assert_eq!(f.account_totals[0].amount, "1,280.00");
        assert_eq!(f.fees.accrued[0].amount, "40.00");
        assert_eq!(f.fees.statutory_wording, "Late Payment Act");
        assert_eq!(f.contact, "Søren Ærø");
        assert_eq!(f.last_contact.as_ref().unwrap().kind, "call");
        assert_eq!(f.broken_promise.as_ref().unwrap().date, "2026-02-20");
        assert_eq!(f.aging.rows[0].total, "1,280.00");
    }

    #[test]
    fn field_list_matches_the_structs() {
        let book = sample_book();
        let mail = MailConfig::default();
        let aging = AgingOptions::default();
        let inp = Inputs { book: &book, today: d("2026-03-10"), mail: &mail, aging: &aging, fee_policy: None };
        let f = build(&inp, book.client("C1").unwrap(), Step::statement(), None);
        let v = serde_json::to_value(&f).unwrap();
        let mut paths = Vec::new();
        for (k, val) in v.as_object().unwrap() {
            paths.push(k.clone());
            if let Some(o) = val.as_object() {
                paths.extend(o.keys().map(|s| format!("{k}.{s}")));
            }
        }
        // Options that are None serialise as null: add their known children.
        for p in FIELDS {
            assert!(
                paths.iter().any(|x| x == p) || p.starts_with("last_contact.") || p.starts_with("broken_promise."),
                "{p} is not a field"
            );
        }
        for p in &paths {
            assert!(FIELDS.contains(&p.as_str()), "{p} is missing from FIELDS");
        }
        assert_eq!(url_encode("A/1 ø"), "A%2F1%20%C3%B8");
    }
}
