//! `A`: who works an account. What the key does depends on the user's role
//! on a served book (team.toml):
//! - an admin (or the only user of a book without a server) gets a picker
//!   on the status line: "unassigned", the team's members and anyone who
//!   already owns an account; Enter assigns the selected account to the
//!   choice, Esc (or any other key) leaves it as it was;
//! - a collector may only take an account nobody owns, for themselves:
//!   the first `A` says what it will do, the second does it; an account
//!   someone owns is refused, naming the admin role that would be needed;
//! - a viewer is told taking needs the collector role.
//!
//! Either way it is one `UpdateClient` command that sets only the owner;
//! the server checks the role again.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Effect;
use super::app::{App, Status};
use crate::command::{ClientFields, Command};
use crate::server::team::Role;

/// The picker on the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    /// The client (id) being assigned, and its name for the question.
    pub client: String,
    pub name: String,
    /// Owner names to choose from; "" is "unassigned".
    pub choices: Vec<String>,
    pub at: usize,
    /// The owner when the picker opened.
    pub current: String,
}

impl Picker {
    fn label(choice: &str) -> String {
        if choice.is_empty() {
            "unassigned".to_string()
        } else {
            crate::text::sanitize(choice).into_owned()
        }
    }

    /// The line: "assign Wayne Logistics to: unassigned  ana [ben] cat  ←/→ enter esc",
    /// as the choices around the selected one that fit in `width`.
    pub fn line(&self, width: usize) -> (String, Vec<(String, bool)>, String) {
        let head = format!("assign {} to:", crate::text::truncate(&self.name, 24));
        let tail =
            if width >= 100 { "  ←/→ choose · enter assign · esc cancel" } else { "  ←/→ enter esc" }.to_string();
        let room = width.saturating_sub(crate::text::width(&head) + crate::text::width(&tail));
        // Widen a window around the selection while it fits.
        let labels: Vec<String> = self.choices.iter().map(|c| Self::label(c)).collect();
        let cost = |i: usize| crate::text::width(&labels[i]) + 3;
        let (mut lo, mut hi) = (self.at, self.at + 1);
        let mut used = cost(self.at);
        loop {
            let mut grew = false;
            if hi < labels.len() && used + cost(hi) <= room {
                used += cost(hi);
                hi += 1;
                grew = true;
            }
            if lo > 0 && used + cost(lo - 1) <= room {
                used += cost(lo - 1);
                lo -= 1;
                grew = true;
            }
            if !grew {
                break;
            }
        }
        let items = (lo..hi).map(|i| (labels[i].clone(), i == self.at)).collect();
        (head, items, tail)
    }
}

impl App {
    /// `A` on the selected account.
    pub(super) fn assign(&mut self) {
        let Some(c) = self.focus.and_then(|i| self.book().clients().get(i)) else {
            self.status = Some(Status::Info("select an account to assign it".into()));
            return;
        };
        let (id, name, owner) = (c.id.clone(), crate::text::sanitize(&c.name).into_owned(), c.owner.clone());
        match self.role {
            Some(Role::Viewer) => {
                self.assigning = None;
                self.status = Some(Status::Error(format!(
                    "{} is a viewer on this book: taking an account needs the collector role, assigning it the admin role",
                    crate::text::sanitize(&self.me)
                )));
            }
            Some(Role::Collector) => self.take(id, name, owner),
            Some(Role::Admin) | None => self.open_picker(id, name, owner),
        }
    }

    /// A collector takes an account nobody owns (asks first).
    fn take(&mut self, id: String, name: String, owner: String) {
        if owner == self.me {
            self.assigning = None;
            self.status = Some(Status::Info(format!("{name} is already yours")));
            return;
        }
        if !owner.is_empty() {
            self.assigning = None;
            self.status = Some(Status::Error(format!(
                "{name} is {}'s: assigning an account someone owns needs the admin role (a collector may take an unowned one)",
                crate::text::sanitize(&owner)
            )));
            return;
        }
        if self.assigning.as_deref() != Some(id.as_str()) {
            self.status = Some(Status::Info(format!(
                "take {name} (owner: nobody) as {}? press A again to confirm, any other key cancels",
                crate::text::sanitize(&self.me)
            )));
            self.assigning = Some(id);
            return;
        }
        self.assigning = None;
        self.set_owner(id, self.me.clone());
    }

    fn open_picker(&mut self, id: String, name: String, owner: String) {
        self.assigning = None;
        let mut choices: Vec<String> = self.team.clone();
        choices.push(self.me.clone());
        choices.extend(self.book().clients().iter().map(|c| c.owner.clone()).filter(|o| !o.is_empty()));
        choices.sort();
        choices.dedup();
        choices.retain(|c| !c.is_empty());
        choices.insert(0, String::new());
        let at = choices.iter().position(|c| *c == owner).unwrap_or(0);
        self.picker = Some(Picker { client: id, name, choices, at, current: owner });
    }

    /// A key while the picker is open: ←/→ (h/l, j/k, tab) move, Enter
    /// assigns, anything else closes it and changes nothing.
    pub(super) fn picker_key(&mut self, key: KeyEvent) -> Effect {
        let Some(p) = self.picker.as_mut() else { return Effect::None };
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            self.picker = None;
            return Effect::None;
        }
        let n = p.choices.len();
        match key.code {
            KeyCode::Right | KeyCode::Down | KeyCode::Tab | KeyCode::Char('l' | 'j') => p.at = (p.at + 1) % n,
            KeyCode::Left | KeyCode::Up | KeyCode::BackTab | KeyCode::Char('h' | 'k') => p.at = (p.at + n - 1) % n,
            KeyCode::Enter => {
                let p = self.picker.take().expect("open");
                let choice = p.choices[p.at].clone();
                if choice == p.current {
                    self.status = Some(Status::Info(format!(
                        "{} stays {}",
                        p.name,
                        if choice.is_empty() {
                            "unassigned".into()
                        } else {
                            format!("with {}", Picker::label(&choice))
                        }
                    )));
                } else {
                    self.set_owner(p.client, choice);
                }
            }
            _ => {
                self.picker = None;
                self.status = Some(Status::Info("not assigned".into()));
            }
        }
        Effect::None
    }

    fn set_owner(&mut self, id: String, owner: String) {
        let fields = ClientFields { owner: Some(owner), ..ClientFields::default() };
        self.status = Some(match self.write(Command::UpdateClient { id, fields, add_missing: false }) {
            Ok(m) => Status::Info(m),
            Err(e) => Status::Error(e),
        });
    }
}
