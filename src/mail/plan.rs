//! Which messages the day's list calls for: one per client whose action is
//! a reminder (an e-mail) or an escalation (a letter, printed from a PDF
//! even when the client has an e-mail address: a letter of demand must be
//! provable). Calls get no message. Pure.

use chrono::NaiveDate;
use serde::Serialize;

use super::fields::Step;
use super::templates::Templates;
use crate::domain::Book;
use crate::rules::{self, Action, ActionKind, Rules};

/// How a message reaches the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Letter,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Letter => "letter",
        }
    }
}

/// One message the day calls for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Planned {
    pub client_id: String,
    pub client_name: String,
    pub channel: Channel,
    /// The e-mail address; empty for a letter.
    pub to: String,
    pub step: Step,
    pub template: String,
    /// The invoices the message is about.
    pub invoices: Vec<String>,
    /// Why it cannot go as planned (`no e-mail address`), when it cannot.
    pub problem: Option<String>,
}

/// What to send for one action, if anything.
pub fn for_action(book: &Book, rules: &Rules, templates: &Templates, a: &Action) -> Option<Planned> {
    if a.kind == ActionKind::Call {
        return None;
    }
    let level = rules.level(a.level)?;
    let client = book.client(&a.client_id)?;
    let channel = if a.kind == ActionKind::Escalation { Channel::Letter } else { Channel::Email };
    let to = if channel == Channel::Email { client.email.trim().to_string() } else { String::new() };
    let problem = (channel == Channel::Email && to.is_empty())
        .then(|| format!("no e-mail address: print it with `dun letter {}`", client.id));
    Some(Planned {
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        channel,
        to,
        step: Step::new(a.level, &a.level_name, a.kind),
        template: templates.for_level(level),
        invoices: a.invoices.clone(),
        problem,
    })
}

/// Every message the day's list calls for, most important first.
pub fn today(book: &Book, rules: &Rules, templates: &Templates, today: NaiveDate) -> Vec<Planned> {
    rules::today(book, rules, today).iter().filter_map(|a| for_action(book, rules, templates, a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Client, Currency, Invoice, Money};
    use rust_decimal::Decimal;

    #[test]
    fn reminders_mail_escalations_print_calls_wait() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut clients = Vec::new();
        let mut invoices = Vec::new();
        // Due dates so that on 2026-03-01 the four clients are at: first
        // reminder, call, letter of demand, first reminder without e-mail.
        for (id, due, email) in [
            ("A", "2026-02-27", "a@x.org"),
            ("B", "2026-02-14", "b@x.org"),
            ("C", "2026-01-20", "c@x.org"),
            ("D", "2026-02-27", ""),
        ] {
            let mut c = Client::new(id, format!("Client {id}"), Currency::USD);
            c.email = email.into();
            clients.push(c);
            invoices.push(Invoice::new(
                format!("I-{id}"),
                id,
                d("2025-12-01"),
                d(due),
                Money::new(Decimal::from(100), Currency::USD),
            ));
        }
        // B has had its reminders (next: a call), C everything up to the call
        // (next: the letter of demand); A and D nothing yet.
        let done = |id: u64, client: &str, level: u8| {
            let mut n = crate::domain::Note::new(
                id,
                client,
                chrono::Utc::now(),
                d("2026-02-20"),
                "me",
                crate::domain::NoteKind::Email,
                "done",
            );
            n.completes = Some(crate::domain::Completion { level, invoices: vec![format!("I-{client}")] });
            n
        };
        let book = Book::new(clients, invoices, vec![], vec![], vec![done(1, "B", 3), done(2, "C", 4)]);
        let list = today(&book, &Rules::default(), &Templates::default(), d("2026-03-01"));
        let got: Vec<(&str, &str, &str, &str, bool)> = list
            .iter()
            .map(|p| {
                (p.client_id.as_str(), p.channel.as_str(), p.to.as_str(), p.template.as_str(), p.problem.is_some())
            })
            .collect();
        let mut got = got;
        got.sort();
        assert_eq!(
            got,
            vec![
                ("A", "email", "a@x.org", "first-reminder.txt", false),
                ("C", "letter", "", "letter-of-demand.txt", false),
                ("D", "email", "", "first-reminder.txt", true),
            ]
        );
    }
}
