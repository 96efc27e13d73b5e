//! The client view (where a person sits while on the phone): the client's
//! facts, aging, open invoices (selectable) and latest notes. The same
//! state drives the client shown in a list's detail pane. The drawing is
//! shared with that pane: `ui::detail::client`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{hint, list_moves, Cx, Hint, Outcome, Screen};
use crate::tui::action::Action;
use crate::tui::app::{App, ListState, View};
use crate::tui::keymap::Section;

#[derive(Clone, Debug, Default)]
pub struct ClientView {
    /// Whose open invoices `rows` holds.
    pub client: Option<usize>,
    /// Open invoices of the client (invoice row indexes), most overdue first.
    pub rows: Vec<usize>,
    pub list: ListState,
}

impl ClientView {
    /// Loads client `c`'s open invoices, the selection at the top.
    pub fn load(&mut self, c: usize, cx: &Cx) {
        self.client = Some(c);
        self.list = ListState::default();
        self.refresh(cx);
    }
}

impl Screen for ClientView {
    fn title(&self, app: &App) -> String {
        self.client.map(|c| app.book().clients()[c].name.clone()).unwrap_or_default()
    }

    fn section(&self) -> Section {
        Section::Client
    }

    fn commands(&self, _app: &App) -> Vec<Hint> {
        vec![
            hint(Action::Enter, "open invoice"),
            hint(Action::Down, "invoices"),
            hint(Action::Remind, "reminder"),
            hint(Action::CopyEmail, "copy email"),
            hint(Action::CopyPhone, "copy phone"),
        ]
    }

    /// Keeps the selection where it was (a write refreshes the list).
    fn refresh(&mut self, cx: &Cx) {
        let Some(c) = self.client.filter(|&c| c < cx.book.clients().len()) else {
            self.rows.clear();
            return;
        };
        self.rows = cx.model.open_invoices(cx.book, c);
        self.list.clamp(self.rows.len());
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome {
        match action {
            Action::Enter => {
                self.rows.get(self.list.selected).map_or(Outcome::Done, |&r| Outcome::Open(View::Invoice(r)))
            }
            _ => list_moves(&mut self.list, self.rows.len(), action, cx, false),
        }
    }

    fn selected(&self) -> usize {
        self.list.selected
    }

    fn focus(&self, app: &App) -> Option<usize> {
        match app.view {
            View::Client(c) => Some(c),
            View::Tab(_) | View::Invoice(_) => self.client,
        }
    }

    fn selected_invoice(&self, _app: &App) -> Option<usize> {
        self.rows.get(self.list.selected).copied()
    }

    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, wide: bool) {
        if let View::Client(c) = app.view {
            crate::tui::ui::detail::client(app, c, area, buf, wide, true);
        }
    }
}
