//! Screens shown after the book changed show the changed book. Only the
//! screen in view is refreshed when the book changes (a write, an undo, a
//! colleague's change, the paid history arriving); every other screen is
//! brought up to date when it is next shown, whichever way it is reached:
//! its tab key, Back, a drill-down, the detail pane. Each test here changes
//! the book while a screen is out of view, comes back to it, and compares
//! what it lists with what the changed book says.

#[path = "common/tui.rs"]
mod tui_common;

use chrono::{DateTime, Utc};
use tui_common::*;

use dun::command::{Command, NoteInput};
use dun::domain::NoteKind;
use dun::ledger::{Embedded, Ledger, Request};
use dun::server::protocol::Change;
use dun::store::{Batch, Store};
use dun::tui::action::Tab;
use dun::tui::app::{App, Source, Status, StatusFilter, View};
use dun::tui::keymap::Keymap;
use dun::tui::theme::Theme;

fn clock() -> DateTime<Utc> {
    "2026-11-25T10:15:00Z".parse().unwrap()
}

/// The demo book in a real store.
fn store() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let batch: Batch = dun::demo::build(day(), &mut store.ids());
    store.apply(batch).unwrap();
    tmp
}

/// The interface on the store as `dun` opens it: read and written through a ledger.
fn open(dir: &std::path::Path) -> App {
    let rules = dun::rules::Rules::default();
    let book = Store::open(dir).unwrap().take_book().unwrap();
    let actions = dun::rules::today(&book, &rules, day());
    let ledger = Box::new(Embedded::new(dir).with_author("tester", clock));
    let source = Source::from_ledger(ledger, Some(dir.to_path_buf())).unwrap();
    App::new(source, day(), actions, Theme::built_in("default").unwrap(), Keymap::default(), vec![30, 60, 90])
}

fn saved(app: &App) {
    let form = app.form.as_ref().map(|f| format!("{:?}", f.error));
    assert!(matches!(&app.status, Some(Status::Info(s)) if s.starts_with("saved: ")), "{:?} {form:?}", app.status);
}

fn number(app: &App, r: usize) -> String {
    app.book().invoices()[app.rows().invoices[r].ix].number.to_string()
}

/// Pays an open invoice from the client's view, then goes Back to the
/// Invoices list it was reached from: the list (open invoices only) no
/// longer has it, on screen either.
#[test]
fn back_to_a_filtered_list_after_a_payment_shows_the_payment() {
    let tmp = store();
    let mut app = open(tmp.path());
    // Today with its client pane, at two sizes; and the client's view.
    render(&mut app, 120, 40);
    render(&mut app, 80, 24);
    keys(&mut app, &["tab", "down", "tab", "enter"]);
    render(&mut app, 120, 40);
    assert!(!app.model.rows_built(), "the first screen and a client's view do not need the whole book's rows");
    keys(&mut app, &["esc"]);
    keys(&mut app, &["3", "f"]);
    assert_eq!(app.screens.invoices.status, StatusFilter::Open);
    let client = app.focus.expect("a client in focus");
    keys(&mut app, &["enter", "enter"]);
    assert_eq!(app.view, View::Client(client));
    let paid = app.screens.detail.rows[app.screens.detail.list.selected];
    let paid_number = number(&app, paid);
    assert!(app.screens.invoices.rows.contains(&paid), "listed as open before");
    keys(&mut app, &["$", "enter"]);
    saved(&app);
    assert!(!app.screens.detail.rows.contains(&paid), "the client's view in sight is refreshed at once");
    keys(&mut app, &["esc", "esc"]);
    assert_eq!(app.view, View::Tab(Tab::Invoices));
    assert!(!app.screens.invoices.rows.contains(&paid), "a paid invoice is not listed as open");
    let s = screen(&render(&mut app, 120, 40));
    assert!(!s.contains(&paid_number), "{paid_number} is not on the screen:\n{s}");
}

/// Aging, Clients and Invoices were built, then a payment is logged on
/// Today: each shows what a freshly opened interface shows.
#[test]
fn screens_built_before_a_write_show_it_when_shown_again() {
    let tmp = store();
    let mut app = open(tmp.path());
    // Clients by balance, the whole book's open invoices, the aging table.
    keys(&mut app, &["2", "o", "3", "a", "f", "4", "1"]);
    let aging_before = format!("{:?}", app.screens.aging.all);
    keys(&mut app, &["$", "enter"]);
    saved(&app);
    let mut fresh = open(tmp.path());
    // The same screens, reached again (the Invoices tab starts on the
    // client in focus: `a` goes back to the whole book); the fresh
    // interface is set up the same way.
    let visits: [(&[&str], &[&str], Tab); 3] = [
        (&["4"], &["4"], Tab::Aging),
        (&["2"], &["2", "o"], Tab::Clients),
        (&["3", "a"], &["3", "a", "f"], Tab::Invoices),
    ];
    for (again, first, tab) in visits {
        keys(&mut app, again);
        keys(&mut fresh, first);
        assert_eq!(app.view, View::Tab(tab));
        assert_eq!(screen(&render(&mut app, 120, 40)), screen(&render(&mut fresh, 120, 40)), "{tab:?}");
    }
    assert_ne!(format!("{:?}", app.screens.aging.all), aging_before, "the payment changed the aging");
    assert_eq!(format!("{:?}", app.screens.aging.all), format!("{:?}", fresh.screens.aging.all));
    assert_eq!(app.screens.clients.rows, fresh.screens.clients.rows);
    assert_eq!(app.screens.invoices.rows, fresh.screens.invoices.rows);
}

/// A payment from the client in the detail pane beside Today: the pane's
/// list (in sight) drops the paid invoice at once.
#[test]
fn the_detail_pane_in_sight_is_refreshed_by_a_write() {
    let tmp = store();
    let mut app = open(tmp.path());
    keys(&mut app, &["tab"]);
    assert!(app.in_detail());
    let paid = app.screens.detail.rows[app.screens.detail.list.selected];
    keys(&mut app, &["$", "enter"]);
    saved(&app);
    assert!(!app.screens.detail.rows.contains(&paid));
    let fresh = open(tmp.path());
    assert_eq!(app.model.open_invoices(app.book(), app.focus.unwrap()), app.screens.detail.rows);
    assert_eq!(
        fresh.model.open_invoices(fresh.book(), app.focus.unwrap()),
        app.screens.detail.rows,
        "as the book on disk says"
    );
}

/// The pane beside Today draws its client's figures as first worked out
/// (they are kept, not worked out again per frame); a payment from the
/// pane changes the book, and the next draw shows the new figures, as a
/// freshly opened interface does: nothing kept outlives the book it came
/// from.
#[test]
fn the_today_pane_draws_its_clients_new_figures_after_a_write() {
    let tmp = store();
    let mut app = open(tmp.path());
    let first = screen(&render(&mut app, 120, 40));
    let c = app.focus.expect("a client beside the list");
    let before = app.model.client(app.book(), c).into_owned();
    let owes = |row: &dun::tui::model::ClientRow| format!("owes {}", dun::tui::ui::fmt::totals(&row.balance));
    assert!(first.contains(&owes(&before)), "{}:\n{first}", owes(&before));
    keys(&mut app, &["tab", "$", "enter"]);
    saved(&app);
    assert_eq!(app.focus, Some(c));
    let s = screen(&render(&mut app, 120, 40));
    let fresh = open(tmp.path());
    let after = fresh.model.client(fresh.book(), c).into_owned();
    assert_ne!(after.balance, before.balance, "the payment changed what the client owes");
    assert_eq!(*app.model.client(app.book(), c), after);
    assert_eq!(app.model.open_invoices(app.book(), c), fresh.model.open_invoices(fresh.book(), c));
    assert!(s.contains(&owes(&after)), "{}:\n{s}", owes(&after));
    assert!(!s.contains(&owes(&before)), "{}:\n{s}", owes(&before));
    assert!(!app.model.rows_built(), "the pane's figures were worked out for its client alone");
}

/// A colleague's change read while the Notes screen is out of view: the
/// note is listed when Notes is reached by Back.
#[test]
fn a_colleagues_note_is_listed_when_notes_is_shown_again() {
    let tmp = store();
    let mut app = open(tmp.path());
    keys(&mut app, &["5", "a"]);
    let before = app.screens.notes.rows.len();
    let client = app.book().notes()[app.screens.notes.rows[0]].client_id.clone();
    let ci = app.book().client_index(&client).unwrap();
    // Into the client of the selected note, out of the Notes screen's sight.
    keys(&mut app, &["enter"]);
    assert_eq!(app.view, View::Client(ci));
    let mut colleague = Embedded::new(tmp.path()).with_author("ben", clock);
    let note = Command::Log { client: client.clone(), note: NoteInput::new(NoteKind::Internal, "rang about the hold") };
    let applied = colleague.apply(Request::latest(day(), note)).unwrap();
    let change = Change {
        seq: applied.seq,
        at: clock(),
        author: "ben".into(),
        clients: vec![client],
        summary: applied.built.done.clone(),
    };
    app.colleague_wrote(&change, "me");
    keys(&mut app, &["esc"]);
    assert_eq!(app.view, View::Tab(Tab::Notes));
    assert_eq!(app.screens.notes.rows.len(), before + 1);
    let s = screen(&render(&mut app, 120, 40));
    assert!(s.contains("rang about the hold"), "{s}");
}
