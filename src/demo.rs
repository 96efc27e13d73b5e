//! A realistic, deterministic demo book relative to a given day: the same
//! `today` always gives the same book. Pure: returns a batch to write.

use chrono::{Days, NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use crate::domain::{
    AccountEvent, Adjustment, AdjustmentKind, Allocation, CallOutcome, Client, Completion, Currency, Dispute, Hold,
    Invoice, LineItem, Money, Note, NoteKind, Payment, PaymentMethod, Promise,
};
use crate::store::{Batch, IdAlloc};

/// splitmix64: tiny, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const NAMES: [&str; 40] = [
    "Acme Industrial Ltd",
    "Globex Corporation",
    "Initech LLC",
    "Umbrella Health Inc",
    "Hooli Systems",
    "Vandelay Industries",
    "Stark Fabrication",
    "Wayne Logistics",
    "Tyrell Biotech",
    "Cyberdyne Robotics",
    "Soylent Foods",
    "Wonka Confectionery",
    "Müller Bäckerei GmbH",
    "Søren & Co ApS",
    "Łódź Logistics Sp. z o.o.",
    "佐藤商事株式会社",
    "Café Olé ☕",
    "Oceanic Airlines",
    "Monarch Solutions",
    "Gringotts Lending",
    "Pied Piper Inc",
    "Dunder Mifflin Paper",
    "Sterling Cooper",
    "Prestige Worldwide",
    "Bluth Company",
    "Los Pollos Hermanos",
    "Krusty Krab Ltd",
    "Nakatomi Trading",
    "Oscorp Labs",
    "Massive Dynamic",
    "Aperture Science",
    "Black Mesa Research",
    "Weyland Yutani Pty",
    "Rekall Travel",
    "Zorg Industries SA",
    "Paper Street Soap Co",
    "Big Kahuna Burger",
    "Duff Brewing",
    "Mom's Friendly Robots",
    "北京星辰科技",
];

const CONTACTS: [&str; 12] = [
    "Ana García",
    "Ben Okafor",
    "Chloé Martin",
    "Dev Patel",
    "Eva Novák",
    "Femi Adeyemi",
    "Greta Lind",
    "Hiro Tanaka",
    "Ines Costa",
    "Jonas Weber",
    "Kim Nguyen",
    "Lars Holm",
];

const ITEMS: [(&str, i64); 8] = [
    ("Consulting hours", 150),
    ("Support plan (monthly)", 480),
    ("Widget, standard", 35),
    ("Widget, deluxe", 89),
    ("Installation", 650),
    ("Training day", 1200),
    ("Licence seat", 240),
    ("Freight", 95),
];

fn at(date: NaiveDate, minute: u32) -> chrono::DateTime<chrono::Utc> {
    date.and_time(NaiveTime::from_hms_opt(9 + (minute / 60) % 8, minute % 60, 0).unwrap_or_default()).and_utc()
}

fn back(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

/// Builds the demo book as of `today`.
pub fn build(today: NaiveDate, ids: &mut IdAlloc) -> Batch {
    let mut rng = Rng(0xD00D_5EED);
    let mut b = Batch::default();
    let owners = ["alex", "sam", "jo"];
    for (i, name) in NAMES.iter().enumerate() {
        let currency = match i % 10 {
            3 | 7 => Currency::EUR,
            5 => Currency::GBP,
            _ => Currency::USD,
        };
        let mut c = Client::new(format!("C{:06}", i + 1), *name, currency);
        c.contact = CONTACTS[i % CONTACTS.len()].to_string();
        let slug: String =
            name.chars().filter(|ch| ch.is_ascii_alphanumeric()).take(12).collect::<String>().to_lowercase();
        c.email = format!("ap@{}.example", if slug.is_empty() { format!("client{}", i + 1) } else { slug });
        c.phone = format!("+1-555-{:04}", 100 + i * 37);
        c.terms_days = *rng.pick(&[14, 30, 30, 30, 45, 60]);
        c.owner = owners[i % owners.len()].to_string();
        if i % 9 == 4 {
            c.payment_run_days = vec![15, 31];
        }
        if i % 13 == 6 {
            c.payment_run_days = vec![25];
        }
        c.credit_limit = Some(Decimal::from(5_000 * (1 + (i as i64 % 5))));
        c.tags = match i % 4 {
            0 => vec!["key-account".into()],
            1 => vec!["retail".into()],
            _ => vec![],
        };
        if i == 21 {
            c.hold = Some(Hold {
                reason: "In administration; claim filed with administrator".into(),
                since: back(today, 20),
            });
        }
        if i == 11 {
            c.snoozed_until = Some(today + Days::new(5));
        }
        b.clients.push(c);
    }

    let mut inv_no = 0;
    for ci in 0..NAMES.len() {
        let client = b.clients[ci].clone();
        let n_inv = 6 + rng.below(9) as usize; // 6..14, about 400 in all
                                               // Some clients are good payers, some slow, a few in real trouble.
        let behaviour = match ci % 7 {
            0..=2 => 0, // pays on time
            3 | 4 => 1, // pays late, partly
            5 => 2,     // stopped paying
            _ => 1,
        };
        for _ in 0..n_inv {
            inv_no += 1;
            let age = rng.below(240);
            let issued = back(today, age);
            let due = issued + Days::new(client.terms_days.into());
            let mut lines = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let (desc, price) = *rng.pick(&ITEMS);
                lines.push(LineItem {
                    description: desc.to_string(),
                    quantity: Decimal::from(1 + rng.below(12) as i64),
                    unit_price: Decimal::from(price),
                    tax_rate: if client.currency == Currency::USD { None } else { Some(Decimal::from(20)) },
                });
            }
            let total: Decimal = lines.iter().map(LineItem::total).sum();
            let number = format!("INV-{:05}", 1000 + inv_no);
            let mut inv = Invoice::new(&number, &client.id, issued, due, Money::new(total, client.currency));
            inv.lines = lines;
            inv.reference = if rng.chance(40) { format!("PO-{}", 4000 + rng.below(5000)) } else { String::new() };
            if ci % 6 == 1 {
                inv.discount = Some(crate::domain::DiscountTerms { percent: Decimal::from(2), days: 10 });
            }
            let overdue_days = (today - due).num_days();
            // Payments, by behaviour.
            let paid_fully = match behaviour {
                0 => overdue_days > -5 && rng.chance(92),
                1 => overdue_days > 20 && rng.chance(60),
                _ => overdue_days > 90 && rng.chance(50),
            };
            if paid_fully {
                let delay = match behaviour {
                    0 => rng.below(12) as i64 - 6,
                    1 => 10 + rng.below(30) as i64,
                    _ => 40 + rng.below(40) as i64,
                };
                let date = (due + chrono::Duration::days(delay)).min(today).max(issued);
                b.payments.push(pay(ids, &client, &number, date, total, &mut rng));
            } else if behaviour > 0 && overdue_days > 10 && rng.chance(35) {
                let part = (total * Decimal::from(20 + rng.below(60) as i64) / Decimal::ONE_HUNDRED).round_dp(2);
                let date = (due + Days::new(5 + rng.below(10))).min(today);
                b.payments.push(pay(ids, &client, &number, date, part, &mut rng));
            }
            if !paid_fully && rng.chance(6) {
                b.adjustments.push(Adjustment {
                    id: ids.adjustment(),
                    invoice: number.clone(),
                    date: (issued + Days::new(7)).min(today),
                    kind: AdjustmentKind::Credit,
                    amount: (total / Decimal::from(10)).round_dp(2),
                    reason: "Short delivery: 10% credit agreed".into(),
                    reverses: None,
                });
            }
            if !paid_fully && overdue_days > 20 && rng.chance(8) {
                let since = back(today, rng.below(overdue_days as u64 - 5));
                let reason = rng.pick(&[
                    "Goods damaged on arrival",
                    "Price differs from quote",
                    "PO number missing",
                    "Service not delivered in full",
                ]);
                inv.dispute = Some(Dispute { reason: reason.to_string(), since });
                b.notes.push(note(
                    ids,
                    &client.id,
                    since,
                    NoteKind::Call,
                    format!("Client disputes {number}: {reason}"),
                    |n| {
                        n.outcome = Some(CallOutcome::Reached);
                        n.event = Some(AccountEvent::Dispute { invoice: number.clone(), reason: reason.to_string() });
                    },
                ));
            }
            b.invoices.push(inv);
        }
    }

    // The follow-up history: reminders sent, calls made, promises kept and broken.
    let ladder = crate::rules::Rules::default();
    let mut paid: std::collections::HashMap<&str, (Decimal, NaiveDate)> = Default::default();
    for p in &b.payments {
        for a in &p.allocations {
            let e = paid.entry(a.invoice.as_str()).or_insert((Decimal::ZERO, p.date));
            e.0 += a.amount;
            e.1 = e.1.max(p.date);
        }
    }
    let paid_on: std::collections::HashMap<String, NaiveDate> = b
        .invoices
        .iter()
        .filter_map(|i| {
            paid.get(i.number.as_str()).filter(|(amt, _)| *amt >= i.total).map(|(_, d)| (i.number.to_string(), *d))
        })
        .collect();
    for ci in 0..NAMES.len() {
        let client = b.clients[ci].clone();
        let overdue: Vec<&Invoice> = b
            .invoices
            .iter()
            .filter(|i| i.client_id == client.id && i.due_date < today)
            .filter(|i| {
                !b.payments.iter().any(|p| p.allocations.iter().any(|a| a.invoice == i.number && a.amount == i.total))
            })
            .collect();
        let Some(oldest) = overdue.iter().min_by_key(|i| i.due_date) else { continue };
        let days = (today - oldest.due_date).num_days();
        let numbers: Vec<String> = overdue.iter().map(|i| i.number.to_string()).collect();
        // The collector has kept up with the ladder until `lag` days ago (a
        // few accounts were neglected for weeks), so today's list holds what
        // came due since: a realistic morning, not a wall of escalations.
        let lag = if ci % 11 == 7 { 25 + rng.below(20) } else { rng.below(9) };
        let mut done: std::collections::BTreeMap<(NaiveDate, u8), Vec<String>> = Default::default();
        for inv in b.invoices.iter().filter(|i| i.client_id == client.id && i.due_date < today) {
            let settled = paid_on.get(inv.number.as_str()).copied();
            for level in &ladder.levels {
                let reached = inv.due_date + chrono::Duration::days(level.days.into());
                let when = reached + Days::new(rng.below(2));
                if when + Days::new(lag) > today || settled.is_some_and(|p| p <= when) || inv.dispute.is_some() {
                    continue;
                }
                done.entry((when, level.number)).or_default().push(inv.number.to_string());
            }
        }
        for ((when, level), invoices) in done {
            let Some(l) = ladder.level(level) else { continue };
            let (kind, outcome, text) = match l.kind {
                crate::rules::ActionKind::Reminder | crate::rules::ActionKind::ApplyCredit => {
                    (NoteKind::Email, None, format!("{} emailed with statement attached", l.name))
                }
                crate::rules::ActionKind::Call => {
                    let outcome = *rng.pick(&CallOutcome::ALL);
                    let text = match outcome {
                        CallOutcome::Reached => format!("Spoke to {}; will check with finance", client.contact),
                        CallOutcome::Voicemail => "Left voicemail asking for a call back".to_string(),
                        CallOutcome::NoAnswer => "No answer".to_string(),
                        CallOutcome::WrongNumber => {
                            "Number rings a different company; asked for a new contact by email".to_string()
                        }
                    };
                    (NoteKind::Call, Some(outcome), text)
                }
                crate::rules::ActionKind::Escalation if level >= 6 => {
                    (NoteKind::Internal, None, "Passed to the collection agency".to_string())
                }
                crate::rules::ActionKind::Escalation => {
                    (NoteKind::Letter, None, format!("{} sent by recorded delivery", l.name))
                }
            };
            b.notes.push(note(ids, &client.id, when, kind, text, |n| {
                n.outcome = outcome;
                n.completes = Some(Completion { level, invoices });
            }));
        }
        // Promises: some still pending, some broken (date passed, unpaid).
        if ci % 5 == 3 && days > 5 {
            let broken = ci % 10 == 3;
            let made = back(today, if broken { 12 } else { 2 });
            let due = if broken { back(today, 4) } else { today + Days::new(6) };
            let amount: Decimal = overdue.iter().map(|i| i.total).sum();
            b.notes.push(note(
                ids,
                &client.id,
                made,
                NoteKind::Call,
                "Promised to pay the overdue invoices".into(),
                |n| {
                    n.outcome = Some(CallOutcome::Reached);
                    n.promise =
                        Some(Promise { date: due, amount, currency: client.currency, invoices: numbers.clone() });
                },
            ));
        }
        if client.hold.is_some() {
            b.notes.push(note(
                ids,
                &client.id,
                back(today, 20),
                NoteKind::Internal,
                "Account on hold: client in administration".into(),
                |n| {
                    n.event =
                        Some(AccountEvent::Hold { reason: "In administration; claim filed with administrator".into() });
                },
            ));
        }
        if let Some(until) = client.snoozed_until {
            b.notes.push(note(
                ids,
                &client.id,
                back(today, 1),
                NoteKind::Internal,
                "Finance director on leave; snoozed".into(),
                |n| {
                    n.event = Some(AccountEvent::Snooze { until });
                },
            ));
        }
    }
    // A promise that was kept: made, then paid before its date.
    if let Some(inv) =
        b.invoices.iter().find(|i| i.client_id == "C000004" && (today - i.due_date).num_days() > 40).cloned()
    {
        let made = back(today, 30);
        let client = b.clients[3].clone();
        b.notes.push(note(
            ids,
            &client.id,
            made,
            NoteKind::Call,
            "Promised payment by the end of the week".into(),
            |n| {
                n.outcome = Some(CallOutcome::Reached);
                n.promise = Some(Promise {
                    date: back(today, 25),
                    amount: inv.total,
                    currency: inv.currency,
                    invoices: vec![inv.number.to_string()],
                });
            },
        ));
        if !b.payments.iter().any(|p| p.allocations.iter().any(|a| a.invoice == inv.number)) {
            b.payments.push(pay(ids, &client, &inv.number, back(today, 26), inv.total, &mut rng));
        }
    }
    b.notes.sort_by_key(|n| (n.date, n.id));
    // Ids must follow log order; renumber after sorting.
    let first = b.notes.iter().map(|n| n.id).min().unwrap_or(1);
    for (k, n) in b.notes.iter_mut().enumerate() {
        n.id = first + k as u64;
        n.at = at(n.date, (k as u32 * 7) % 480);
    }
    b
}

fn pay(ids: &mut IdAlloc, client: &Client, number: &str, date: NaiveDate, amount: Decimal, rng: &mut Rng) -> Payment {
    Payment {
        id: ids.payment(),
        client_id: client.id.clone(),
        date,
        amount,
        currency: client.currency,
        method: rng.pick(&PaymentMethod::DEFAULTS[..5]).clone(),
        reference: format!("RCPT-{}", 10000 + rng.below(90000)),
        allocations: vec![Allocation { invoice: number.to_string(), amount }],
        reverses: None,
    }
}

fn note(
    ids: &mut IdAlloc,
    client: &str,
    date: NaiveDate,
    kind: NoteKind,
    text: String,
    f: impl FnOnce(&mut Note),
) -> Note {
    let mut n = Note::new(ids.note(), client, at(date, 0), date, "demo", kind, text);
    f(&mut n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_sized_as_promised() {
        let today: NaiveDate = "2026-11-25".parse().unwrap();
        let ids = || crate::store::IdAlloc::starting_at(0);
        let a = build(today, &mut ids());
        let b = build(today, &mut ids());
        assert_eq!(a.invoices, b.invoices);
        assert_eq!(a.notes, b.notes);
        assert_eq!(a.clients.len(), 40);
        assert!((300..=500).contains(&a.invoices.len()), "{}", a.invoices.len());
        assert!(a.invoices.iter().any(|i| i.dispute.is_some()));
        assert!(a.notes.iter().any(|n| n.promise.is_some()));
        assert!(a.clients.iter().any(|c| !c.payment_run_days.is_empty()));
        let currencies: std::collections::HashSet<_> = a.clients.iter().map(|c| c.currency).collect();
        assert_eq!(currencies.len(), 3);
    }
}
