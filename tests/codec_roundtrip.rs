//! Every stored type survives the real codec (serde + bincode 2 inside the
//! versioned, checksummed envelope), including extreme decimals and dates;
//! and damaged bytes come back as errors, never a panic or a huge allocation.

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use dun::domain::*;
use dun::store::codec::{decode, decode_payload, encode, encode_payload};
use dun::store::{Counts, Meta};

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::ZERO),
        Just(Decimal::new(1, 28)),
        Just(Decimal::new(-1, 28)),
        Just("1.50".parse::<Decimal>().unwrap()),
        (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)),
        (-(1i128 << 95)..(1i128 << 95), 0u32..=28).prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s)),
    ]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        Just(NaiveDate::MIN),
        Just(NaiveDate::MAX),
        Just(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()),
        (-300_000i64..300_000).prop_map(|d| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(d)),
    ]
}

fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        Just(DateTime::<Utc>::MIN_UTC),
        Just(DateTime::<Utc>::MAX_UTC),
        (0i64..4_000_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), Just("佐藤商事 Müller ☕ \u{1b}[31m".to_string()), ".{0,40}"]
}

fn currency() -> impl Strategy<Value = Currency> {
    "[A-Z]{3}".prop_map(|s| s.parse().unwrap())
}

fn client() -> impl Strategy<Value = Client> {
    (
        (text(), text(), text(), text(), text(), any::<u32>(), currency()),
        (
            proptest::option::of(decimal()),
            proptest::collection::vec(1u8..=31, 0..3),
            proptest::collection::vec(text(), 0..3),
            proptest::option::of((text(), date())),
            proptest::option::of(date()),
            proptest::option::of((
                proptest::option::of(decimal()),
                proptest::option::of(decimal()),
                proptest::option::of(decimal()),
                any::<u32>(),
            )),
            proptest::option::of((decimal(), any::<u32>())),
            proptest::collection::vec(text(), 0..3),
        ),
    )
        .prop_map(
            |((id, name, contact, email, phone, terms, cur), (limit, run, tags, hold, snooze, fee, disc, address))| {
                let mut c = Client::new(id, name, cur);
                c.contact = contact;
                c.email = email;
                c.phone = phone.clone();
                c.owner = phone;
                c.terms_days = terms;
                c.credit_limit = limit;
                c.payment_run_days = run;
                c.tags = tags;
                c.hold = hold.map(|(reason, since)| Hold { reason, since });
                c.snoozed_until = snooze;
                c.late_fee = fee.map(|(fixed, percent, annual_rate, grace_days)| LateFeePolicy {
                    fixed,
                    percent,
                    annual_rate,
                    grace_days,
                });
                c.discount = disc.map(|(percent, days)| DiscountTerms { percent, days });
                c.address = address;
                c
            },
        )
}

fn invoice() -> impl Strategy<Value = Invoice> {
    (
        (text(), text(), date(), date(), currency(), decimal(), text()),
        (
            proptest::collection::vec((text(), decimal(), decimal(), proptest::option::of(decimal())), 0..3),
            proptest::option::of((text(), date())),
            any::<bool>(),
            proptest::collection::vec((date(), decimal()), 0..3),
            proptest::option::of((decimal(), any::<u32>())),
        ),
    )
        .prop_map(|((num, cid, issued, due, cur, total, reference), (lines, dispute, excluded, plan, disc))| {
            let mut i = Invoice::new(num, cid, issued, due, Money::new(total, cur));
            i.reference = reference;
            i.lines = lines
                .into_iter()
                .map(|(description, quantity, unit_price, tax_rate)| LineItem {
                    description,
                    quantity,
                    unit_price,
                    tax_rate,
                })
                .collect();
            i.dispute = dispute.map(|(reason, since)| Dispute { reason, since });
            i.excluded = excluded;
            i.plan = plan.into_iter().map(|(due, amount)| Instalment { due, amount }).collect();
            i.discount = disc.map(|(percent, days)| DiscountTerms { percent, days });
            i
        })
}

fn payment() -> impl Strategy<Value = Payment> {
    (
        any::<u64>(),
        text(),
        date(),
        decimal(),
        currency(),
        proptest::sample::select({
            let mut m = PaymentMethod::DEFAULTS.to_vec();
            m.push(PaymentMethod::Named("Klarna".into()));
            m
        }),
        text(),
        proptest::collection::vec((text(), decimal()), 0..4),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(id, client_id, date, amount, currency, method, reference, allocs, reverses)| Payment {
            id,
            client_id,
            date,
            amount,
            currency,
            method,
            reference,
            allocations: allocs.into_iter().map(|(invoice, amount)| Allocation { invoice, amount }).collect(),
            reverses,
        })
}

fn adjustment() -> impl Strategy<Value = Adjustment> {
    (
        any::<u64>(),
        text(),
        date(),
        proptest::sample::select(vec![
            AdjustmentKind::Credit,
            AdjustmentKind::WriteOff,
            AdjustmentKind::Fee,
            AdjustmentKind::Discount,
        ]),
        decimal(),
        text(),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(id, invoice, date, kind, amount, reason, reverses)| Adjustment {
            id,
            invoice,
            date,
            kind,
            amount,
            reason,
            reverses,
        })
}

fn event() -> impl Strategy<Value = AccountEvent> {
    prop_oneof![
        (text(), text()).prop_map(|(invoice, reason)| AccountEvent::Dispute { invoice, reason }),
        text().prop_map(|invoice| AccountEvent::Resolve { invoice }),
        text().prop_map(|reason| AccountEvent::Hold { reason }),
        Just(AccountEvent::Unhold),
        date().prop_map(|until| AccountEvent::Snooze { until }),
        Just(AccountEvent::Unsnooze),
        any::<u64>().prop_map(|payment_id| AccountEvent::Payment { payment_id }),
        any::<u64>().prop_map(|adjustment_id| AccountEvent::Adjustment { adjustment_id }),
        text().prop_map(|agency| AccountEvent::PlacedWithAgency { agency }),
        Just(AccountEvent::Recalled),
        proptest::sample::select(LateReason::ALL.to_vec()).prop_map(|reason| AccountEvent::LateReason { reason }),
        (text(), date()).prop_map(|(reason, since)| AccountEvent::Released { reason, since }),
        (text(), text(), date()).prop_map(|(invoice, reason, since)| AccountEvent::Resolved { invoice, reason, since }),
    ]
}

fn note() -> impl Strategy<Value = Note> {
    (
        (any::<u64>(), text(), timestamp(), date(), text(), proptest::sample::select(NoteKind::ALL.to_vec())),
        (
            proptest::option::of(proptest::sample::select(CallOutcome::ALL.to_vec())),
            text(),
            proptest::option::of((date(), decimal(), currency(), proptest::collection::vec(text(), 0..3))),
            proptest::option::of(date()),
            proptest::option::of((any::<u8>(), proptest::collection::vec(text(), 0..3))),
            proptest::option::of(event()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u64>()),
        ),
    )
        .prop_map(
            |((id, client_id, at, date, author, kind), (outcome, text, promise, next, completes, event, sup, rev))| {
                Note {
                    id,
                    client_id,
                    at,
                    date,
                    author,
                    kind,
                    outcome,
                    text,
                    promise: promise.map(|(date, amount, currency, invoices)| Promise {
                        date,
                        amount,
                        currency,
                        invoices,
                    }),
                    next_follow_up: next,
                    completes: completes.map(|(level, invoices)| Completion { level, invoices }),
                    event,
                    supersedes: sup,
                    reverses: rev,
                }
            },
        )
}

fn meta() -> impl Strategy<Value = Meta> {
    (any::<[u64; 4]>(), any::<[u64; 5]>()).prop_map(|(a, c)| Meta {
        seq: a[0],
        next_payment_id: a[1],
        next_adjustment_id: a[2],
        next_note_id: a[3],
        counts: Counts { clients: c[0], invoices: c[1], payments: c[2], adjustments: c[3], notes: c[4] },
    })
}

/// Decimal equality ignores scale (1.5 == 1.50); the codec must keep it too.
fn same_scales(a: &[Decimal], b: &[Decimal]) {
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.scale(), y.scale(), "{x} vs {y}");
    }
}

fn outbox_entry() -> impl Strategy<Value = OutboxEntry> {
    let state = prop_oneof![
        Just(OutboxState::Queued),
        (timestamp(), text(), any::<u64>()).prop_map(|(at, reply, note)| OutboxState::Sent { at, reply, note }),
        (timestamp(), text()).prop_map(|(at, reply)| OutboxState::Failed { at, reply }),
    ];
    (
        (date(), text(), any::<u8>(), text(), text(), text(), text()),
        (text(), text(), proptest::collection::vec(text(), 0..3), any::<u32>(), text(), timestamp(), state),
    )
        .prop_map(
            |(
                (date, client_id, level, step_name, channel, to, subject),
                (body, message_id, invoices, attempts, author, queued_at, state),
            )| {
                OutboxEntry {
                    date,
                    client_id,
                    level,
                    step_name,
                    channel,
                    to,
                    subject,
                    body,
                    message_id,
                    invoices,
                    attempts,
                    author,
                    queued_at,
                    state,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn clients_round_trip(c in client()) {
        let back: Client = decode(&encode(&c).unwrap()).unwrap();
        prop_assert_eq!(&back, &c);
        if let (Some(a), Some(b)) = (back.credit_limit, c.credit_limit) { same_scales(&[a], &[b]); }
    }

    #[test]
    fn invoices_round_trip(i in invoice()) {
        let back: Invoice = decode(&encode(&i).unwrap()).unwrap();
        same_scales(&[back.total], &[i.total]);
        prop_assert_eq!(back, i);
    }

    #[test]
    fn payments_round_trip(p in payment()) {
        let back: Payment = decode(&encode(&p).unwrap()).unwrap();
        same_scales(&[back.amount], &[p.amount]);
        prop_assert_eq!(back, p);
    }

    #[test]
    fn adjustments_round_trip(a in adjustment()) {
        let back: Adjustment = decode(&encode(&a).unwrap()).unwrap();
        prop_assert_eq!(back, a);
    }

    #[test]
    fn notes_round_trip(n in note()) {
        let back: Note = decode(&encode(&n).unwrap()).unwrap();
        prop_assert_eq!(back, n);
    }

    #[test]
    fn outbox_entries_round_trip(e in outbox_entry()) {
        let back: OutboxEntry = decode(&encode(&e).unwrap()).unwrap();
        prop_assert_eq!(back, e);
    }

    #[test]
    fn meta_round_trips(m in meta()) {
        let back: Meta = decode(&encode(&m).unwrap()).unwrap();
        prop_assert_eq!(back, m);
    }

    /// Arbitrary bytes never panic or abort, whatever type they are read as.
    #[test]
    fn random_bytes_are_errors_not_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode::<Client>(&bytes);
        let _ = decode::<Invoice>(&bytes);
        let _ = decode::<Note>(&bytes);
        let _ = decode_payload::<Client>(&bytes);
        let _ = decode_payload::<Invoice>(&bytes);
        let _ = decode_payload::<Payment>(&bytes);
        let _ = decode_payload::<Note>(&bytes);
    }

    /// Every strict prefix of a valid record is refused.
    #[test]
    fn truncated_records_are_refused(n in note(), cut in 0usize..10_000) {
        let bytes = encode(&n).unwrap();
        let cut = cut % bytes.len();
        prop_assert!(decode::<Note>(&bytes[..cut]).is_err());
        let payload = encode_payload(&n).unwrap();
        let cut = cut % payload.len();
        prop_assert!(decode_payload::<Note>(&payload[..cut]).is_err());
    }

    /// One flipped bit anywhere in an envelope is caught.
    #[test]
    fn flipped_bits_are_caught(i in invoice(), pos in any::<usize>(), bit in 0u8..8) {
        let mut bytes = encode(&i).unwrap();
        let pos = pos % bytes.len();
        bytes[pos] ^= 1 << bit;
        prop_assert!(decode::<Invoice>(&bytes).is_err());
    }
}

/// Why Decimal fields carry `#[serde(with = "rust_decimal::serde::str")]`:
/// rust_decimal's default serde form asks the decoder for `deserialize_any`,
/// which bincode cannot do. This test keeps that fact visible.
#[test]
fn default_decimal_serde_does_not_decode_under_bincode() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Plain {
        amount: Decimal,
    }
    let v = Plain { amount: "12.34".parse().unwrap() };
    let bytes = encode(&v).expect("encoding works");
    assert!(decode::<Plain>(&bytes).is_err(), "if this starts passing, rust_decimal changed its serde form");
}

#[test]
fn a_huge_length_prefix_does_not_allocate() {
    // A Note whose first string claims 2^60 bytes: must fail fast.
    let mut payload = encode_payload(&7u64).unwrap();
    payload.extend_from_slice(&[0xFD, 0, 0, 0, 0, 0, 0, 0, 0x10]);
    assert!(decode_payload::<Note>(&payload).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every stored type survives the read image too (sections of chunked
    /// codec envelopes), in the store's key order, open and closed alike.
    #[test]
    fn books_round_trip_through_the_read_image(
        clients in proptest::collection::vec(client(), 0..6),
        invoices in proptest::collection::vec(invoice(), 0..12),
        payments in proptest::collection::vec(payment(), 0..8),
        adjustments in proptest::collection::vec(adjustment(), 0..6),
        notes in proptest::collection::vec(note(), 0..6),
        seq in any::<u64>(),
    ) {
        use dun::store::image::{self, Image, Need};
        // Ids come from the store, unique and increasing.
        let renumber = |i: usize| i as u64 + 1;
        let payments: Vec<Payment> = payments.into_iter().enumerate().map(|(i, p)| Payment { id: renumber(i), ..p }).collect();
        let adjustments: Vec<Adjustment> =
            adjustments.into_iter().enumerate().map(|(i, a)| Adjustment { id: renumber(i), ..a }).collect();
        let notes: Vec<Note> = notes.into_iter().enumerate().map(|(i, n)| Note { id: renumber(i), ..n }).collect();
        let book = Book::new(clients, invoices, payments, adjustments, notes);
        let dir = tempfile::tempdir().unwrap();
        image::publish(dir.path(), &book, seq).unwrap();
        let im = Image::open(dir.path()).unwrap();
        prop_assert_eq!(im.seq, seq);
        let back = im.book(Need::All).unwrap();
        let mut clients = book.clients().to_vec();
        clients.sort_by(|a, b| a.id.cmp(&b.id));
        let mut invoices = book.invoices().to_vec();
        invoices.sort_by(|a, b| a.number.cmp(&b.number));
        prop_assert_eq!(back.clients(), &clients[..]);
        prop_assert_eq!(back.invoices(), &invoices[..]);
        for (x, y) in back.invoices().iter().zip(&invoices) {
            same_scales(&[x.total], &[y.total]);
        }
        prop_assert_eq!(back.payments(), book.payments());
        prop_assert_eq!(back.adjustments(), book.adjustments());
        prop_assert_eq!(back.notes(), book.notes());
    }
}
