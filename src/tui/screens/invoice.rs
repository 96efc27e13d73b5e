//! The invoice view: amounts, dates, dispute, lines, payments and credits
//! of one invoice, scrolled with the move keys. The drawing is shared with
//! the Invoices screen's detail pane: `ui::detail::invoice`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{hint, move_delta, Cx, Hint, Outcome, Screen};
use crate::tui::action::Action;
use crate::tui::app::{App, View};
use crate::tui::keymap::Section;

#[derive(Clone, Debug, Default)]
pub struct InvoiceView {
    pub scroll: u16,
}

fn row(app: &App) -> Option<usize> {
    match app.view {
        View::Invoice(r) => Some(r),
        View::Tab(_) | View::Client(_) => None,
    }
}

impl Screen for InvoiceView {
    fn title(&self, app: &App) -> String {
        row(app)
            .map(|r| app.book().invoices()[app.model.invoice(app.book(), r).ix].number.to_string())
            .unwrap_or_default()
    }

    fn section(&self) -> Section {
        Section::Client
    }

    fn commands(&self, _app: &App) -> Vec<Hint> {
        vec![hint(Action::Enter, "client"), hint(Action::Down, "scroll")]
    }

    fn refresh(&mut self, _cx: &Cx) {}

    fn show(&mut self, _cx: &Cx, _stale: bool) {
        self.scroll = 0;
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Outcome {
        if let Some(d) = move_delta(action, cx.page) {
            self.scroll = (i64::from(self.scroll) + d as i64).clamp(0, i64::from(u16::MAX)) as u16;
            return Outcome::Done;
        }
        match action {
            Action::Enter => cx.focus.map_or(Outcome::Done, |c| Outcome::Open(View::Client(c))),
            _ => Outcome::Ignored,
        }
    }

    fn focus(&self, app: &App) -> Option<usize> {
        row(app).and_then(|r| app.model.invoice(app.book(), r).client)
    }

    fn selected_invoice(&self, app: &App) -> Option<usize> {
        row(app)
    }

    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer, _wide: bool) {
        if let Some(r) = row(app) {
            crate::tui::ui::detail::invoice(app, r, area, buf, self.scroll);
        }
    }
}
