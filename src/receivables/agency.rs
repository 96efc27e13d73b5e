//! Accounts placed with a collection agency, and the latest reason for
//! lateness: both derived from the follow-up log (the notes carrying
//! `AccountEvent::PlacedWithAgency` / `Recalled` / `LateReason`), so they
//! need no stored state beside the log, and an undo (a reversing note)
//! takes them back.

use chrono::NaiveDate;

use crate::domain::{AccountEvent, Book, LateReason, Note};

/// An account with an agency: where, since when, and the note that says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub agency: String,
    pub since: NaiveDate,
    pub note_id: u64,
}

/// The client's notes that count on `as_of`: dated on or before it, not
/// reversed or superseded (as the rules engine reads the log).
fn standing<'a>(book: &'a Book, client_id: &str, as_of: NaiveDate) -> Vec<&'a Note> {
    standing_in(book.client_notes(client_id), as_of)
}

fn standing_in<'a>(notes: impl Iterator<Item = &'a Note>, as_of: NaiveDate) -> Vec<&'a Note> {
    let notes: Vec<&Note> = notes.filter(|n| n.date <= as_of).collect();
    let replaced: std::collections::HashSet<u64> =
        notes.iter().flat_map(|n| n.reverses.into_iter().chain(n.supersedes)).collect();
    notes.into_iter().filter(|n| n.reverses.is_none() && !replaced.contains(&n.id)).collect()
}

/// Whether the client is with an agency on `as_of`: its latest standing
/// placement or recall is a placement.
pub fn placement(book: &Book, client_id: &str, as_of: NaiveDate) -> Option<Placement> {
    placement_in(book.client_notes(client_id), as_of)
}

/// [`placement`] from the client's notes in log order (see
/// [`Book::client_notes_at`]).
pub fn placement_in<'a>(notes: impl Iterator<Item = &'a Note> + Clone, as_of: NaiveDate) -> Option<Placement> {
    // Most clients have no placement: skip the log walk when no note has one.
    if !notes.clone().any(|n| matches!(n.event, Some(AccountEvent::PlacedWithAgency { .. }))) {
        return None;
    }
    standing_in(notes, as_of).into_iter().rev().find_map(|n| match &n.event {
        Some(AccountEvent::PlacedWithAgency { agency }) => {
            Some(Some(Placement { agency: agency.clone(), since: n.date, note_id: n.id }))
        }
        Some(AccountEvent::Recalled) => Some(None),
        _ => None,
    })?
}

/// The latest reason for lateness recorded for the client, with its day.
pub fn latest_late_reason(book: &Book, client_id: &str, as_of: NaiveDate) -> Option<(LateReason, NaiveDate)> {
    standing(book, client_id, as_of).into_iter().rev().find_map(|n| match &n.event {
        Some(AccountEvent::LateReason { reason }) => Some((*reason, n.date)),
        _ => None,
    })
}

/// How many notes give each reason for lateness (every standing note up to
/// `as_of`, across the book), in [`LateReason::ALL`] order.
pub fn late_reason_counts(book: &Book, as_of: NaiveDate) -> Vec<(LateReason, usize)> {
    let mut counts: Vec<(LateReason, usize)> = LateReason::ALL.iter().map(|r| (*r, 0)).collect();
    for c in book.clients() {
        if !book.client_notes(&c.id).any(|n| matches!(n.event, Some(AccountEvent::LateReason { .. }))) {
            continue;
        }
        for n in standing(book, &c.id, as_of) {
            if let Some(AccountEvent::LateReason { reason }) = &n.event {
                if let Some(e) = counts.iter_mut().find(|(r, _)| r == reason) {
                    e.1 += 1;
                }
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Client, Currency, NoteKind};

    fn d(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + chrono::Days::new(n)
    }
    fn note(id: u64, day: u64, event: Option<AccountEvent>, reverses: Option<u64>) -> Note {
        let mut n =
            Note::new(id, "C1", d(day).and_hms_opt(9, 0, 0).unwrap().and_utc(), d(day), "t", NoteKind::Internal, "x");
        n.event = event;
        n.reverses = reverses;
        n
    }

    /// Each row: the log, the day, the agency expected.
    #[test]
    fn placement_follows_the_log() {
        let placed = |id, day| note(id, day, Some(AccountEvent::PlacedWithAgency { agency: "ARC".into() }), None);
        let recalled = |id, day| note(id, day, Some(AccountEvent::Recalled), None);
        let undo = |id, day, of| note(id, day, None, Some(of));
        let cases: Vec<(&str, Vec<Note>, u64, Option<u64>)> = vec![
            ("never placed", vec![], 10, None),
            ("placed", vec![placed(1, 2)], 10, Some(2)),
            ("not yet placed on the day", vec![placed(1, 12)], 10, None),
            ("recalled", vec![placed(1, 2), recalled(2, 5)], 10, None),
            ("placed again", vec![placed(1, 2), recalled(2, 5), placed(3, 7)], 10, Some(7)),
            ("placement undone", vec![placed(1, 2), undo(2, 3, 1)], 10, None),
            ("recall undone", vec![placed(1, 2), recalled(2, 5), undo(3, 6, 2)], 10, Some(2)),
        ];
        for (name, notes, day, since) in cases {
            let b = Book::new(vec![Client::new("C1", "A", Currency::USD)], vec![], vec![], vec![], notes);
            assert_eq!(placement(&b, "C1", d(day)).map(|p| p.since), since.map(d), "{name}");
        }
    }

    #[test]
    fn reasons_latest_and_counted() {
        let r = |id, day, reason| note(id, day, Some(AccountEvent::LateReason { reason }), None);
        let notes = vec![
            r(1, 1, LateReason::Forgot),
            r(2, 3, LateReason::CashFlow),
            r(3, 4, LateReason::CashFlow),
            note(4, 5, None, Some(3)),
        ];
        let b = Book::new(vec![Client::new("C1", "A", Currency::USD)], vec![], vec![], vec![], notes);
        assert_eq!(latest_late_reason(&b, "C1", d(10)), Some((LateReason::CashFlow, d(3))));
        assert_eq!(latest_late_reason(&b, "C1", d(2)), Some((LateReason::Forgot, d(1))));
        let counts = late_reason_counts(&b, d(10));
        assert_eq!(counts[0], (LateReason::Forgot, 1));
        assert_eq!(counts[1], (LateReason::CashFlow, 1), "the undone one is not counted");
        assert_eq!(counts.iter().map(|c| c.1).sum::<usize>(), 2);
    }
}
