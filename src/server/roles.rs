//! Which role each change to the book needs (team.toml's viewer,
//! collector, admin). Collectors work the accounts: contacts, promises,
//! disputes, holds, snoozes, payments, plans, reasons for lateness, the
//! reminders they send (the outbox), and undoing such entries;
//! admins change what was billed and who the clients are: invoices,
//! clients, credit notes, write-offs, fees, imports, assignments.
//! A collector may take an unowned account for themselves.

use super::team::Role;
use crate::command::{ClientFields, Command};
use crate::domain::{AccountEvent, Book};

/// The least role that may apply `cmd`, as `user`, to `book`.
pub fn needs(cmd: &Command, user: &str, book: &Book) -> Role {
    use Command as C;
    match cmd {
        C::Log { .. }
        | C::Correct { .. }
        | C::MarkDone { .. }
        | C::Dispute { .. }
        | C::Resolve { .. }
        | C::Hold { .. }
        | C::Release { .. }
        | C::Snooze { .. }
        | C::Unsnooze { .. }
        | C::Pay { .. }
        | C::SetPlan { .. }
        | C::ClearPlan { .. }
        | C::LateReason { .. }
        // Sending reminders: the outbox records around each hand-off.
        | C::QueueMessage { .. }
        | C::MarkSent { .. }
        | C::MarkFailed { .. } => Role::Collector,
        // Undoing an entry needs what making it needed.
        // Redoing one, likewise.
        C::Undo { note } | C::Redo { note } => match book
            .note(*note)
            .and_then(|n| match (cmd, n.reverses) {
                (C::Redo { .. }, Some(undone)) => book.note(undone),
                _ => Some(n),
            })
            .and_then(|n| n.event.as_ref())
        {
            Some(AccountEvent::Adjustment { .. }) => Role::Admin,
            _ => Role::Collector,
        },
        C::UpdateClient { id, fields, add_missing: false } if takes_unowned(fields, user, book, id) => Role::Collector,
        _ => Role::Admin,
    }
}

/// An update that only makes `user` the owner of an account nobody owns.
fn takes_unowned(fields: &ClientFields, user: &str, book: &Book, id: &str) -> bool {
    let only_owner = ClientFields { owner: Some(user.to_string()), ..ClientFields::default() };
    *fields == only_owner && book.client(id).is_some_and(|c| c.owner.is_empty())
}
