//! A made-up client with every field filled (two invoices, a fee policy, a
//! payment link, a last contact and a broken promise): what `templates
//! check` renders each template against, and what `templates show
//! --sample` prints.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::config::MailConfig;
use super::fields::{build, Fields, Inputs, Step};
use crate::domain::{Book, Client, Currency, Invoice, LateFeePolicy, Money, Note, NoteKind, Promise};
use crate::receivables::AgingOptions;
use crate::rules::ActionKind;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

pub fn book() -> Book {
    let mut c = Client::new("C0001", "Ærø Fisk ApS", Currency::EUR);
    c.contact = "Søren Ærø".into();
    c.email = "soren@example.com".into();
    c.address = vec!["Havnegade 12".into(), "5960 Marstal".into(), "Denmark".into()];
    let i1 = Invoice::new(
        "INV-1001",
        "C0001",
        d(2026, 1, 5),
        d(2026, 2, 4),
        Money::new(Decimal::new(120000, 2), Currency::EUR),
    );
    let i2 = Invoice::new(
        "INV-1002",
        "C0001",
        d(2026, 2, 2),
        d(2026, 3, 4),
        Money::new(Decimal::new(8050, 2), Currency::EUR),
    );
    let at = d(2026, 2, 10).and_hms_opt(10, 0, 0).unwrap_or_default().and_utc();
    let mut n = Note::new(1, "C0001", at, d(2026, 2, 10), "ar", NoteKind::Call, "Will pay by the 20th");
    n.promise =
        Some(Promise { date: d(2026, 2, 20), amount: Decimal::from(1200), currency: Currency::EUR, invoices: vec![] });
    Book::new(vec![c], vec![i1, i2], vec![], vec![], vec![n])
}

pub fn mail_config() -> MailConfig {
    let mut m = MailConfig {
        from: "Accounts <ar@example.com>".into(),
        sender_name: "Example Ltd".into(),
        sender_address: vec!["1 High Street".into(), "London N1 1AA".into()],
        signature: "Jane Doe\nAccounts receivable, Example Ltd".into(),
        payment_instructions: "Bank transfer to IBAN GB00 EXAM 0000 0000 0000 00, reference your invoice number.".into(),
        statutory_wording: "We are entitled to charge interest and compensation under the Late Payment of Commercial Debts (Interest) Act 1998.".into(),
        ..Default::default()
    };
    m.payment_links.insert("stripe".into(), "https://buy.stripe.com/example?client_reference_id={number}".into());
    m
}

/// The sample fields for a step (the reminder step when `None`).
pub fn fields_for(step: Option<Step>) -> Fields {
    let book = book();
    let mail = mail_config();
    let aging = AgingOptions::default();
    let policy = LateFeePolicy {
        fixed: Some(Decimal::from(40)),
        percent: None,
        annual_rate: Some(Decimal::from(8)),
        grace_days: 0,
    };
    let inp = Inputs { book: &book, today: d(2026, 3, 16), mail: &mail, aging: &aging, fee_policy: Some(&policy) };
    let step = step.unwrap_or_else(|| Step::new(2, "First reminder", ActionKind::Reminder));
    let client = book.clients()[0].clone();
    build(&inp, &client, step, None)
}

pub fn fields() -> Fields {
    fields_for(None)
}
