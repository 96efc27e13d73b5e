//! The interface's team features against a real store: "mine" on Today,
//! taking an account (asks first), and a colleague's change arriving from
//! the server: the book is read again, the selection stays on its client,
//! a half-typed form survives, and the status line says who changed what.

#[path = "common/tui.rs"]
mod tui_common;

use chrono::{DateTime, Utc};
use tui_common::*;

use dun::command::{Command, NoteInput};
use dun::domain::NoteKind;
use dun::ledger::{Embedded, Ledger, Request};
use dun::server::protocol::Change;
use dun::store::{Batch, Store};
use dun::tui::app::{App, Source, Status};
use dun::tui::keymap::Keymap;
use dun::tui::theme::Theme;

fn clock() -> DateTime<Utc> {
    "2026-11-25T10:15:00Z".parse().unwrap()
}

fn app_on_store() -> (tempfile::TempDir, App) {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let batch: Batch = dun::demo::build(day(), &mut store.ids());
    store.apply(batch).unwrap();
    let actions = dun::rules::today(store.book().unwrap(), &dun::rules::Rules::default(), day());
    drop(store);
    let ledger = Box::new(Embedded::new(tmp.path()).with_author("me", clock));
    let source = Source::from_ledger(ledger, Some(tmp.path().to_path_buf())).unwrap();
    let mut app =
        App::new(source, day(), actions, Theme::built_in("default").unwrap(), Keymap::default(), vec![30, 60, 90]);
    app.me = "me".into();
    (tmp, app)
}

fn status(app: &App) -> String {
    match &app.status {
        Some(Status::Info(s)) | Some(Status::Error(s)) => s.clone(),
        None => String::new(),
    }
}

fn selected_client(app: &App) -> String {
    let t = &app.screens.today;
    app.model.actions[t.rows[t.list.selected]].client_id.clone()
}

#[test]
fn taking_an_account_asks_first_and_mine_shows_only_mine() {
    let (tmp, mut app) = app_on_store();
    let client = selected_client(&app);
    keys(&mut app, &["A"]);
    assert!(status(&app).contains("press A again"), "{}", status(&app));
    keys(&mut app, &["j"]); // any other key cancels
    keys(&mut app, &["k", "A", "A"]);
    assert!(status(&app).starts_with("saved:"), "{}", status(&app));
    assert_eq!(app.book().client(&client).unwrap().owner, "me");
    let store = Store::open(tmp.path()).unwrap();
    assert_eq!(store.client(&client).unwrap().unwrap().owner, "me");
    drop(store);

    keys(&mut app, &["m"]);
    assert_eq!(app.screens.today.rows.len(), 1);
    assert_eq!(selected_client(&app), client);
    keys(&mut app, &["m"]);
    assert!(app.screens.today.rows.len() > 1);
}

#[test]
fn a_colleagues_change_is_read_in_place_with_a_marker() {
    let (tmp, mut app) = app_on_store();
    // The user is on the third account, halfway through a note.
    keys(&mut app, &["j", "j"]);
    let mine = selected_client(&app);
    let first = app.model.actions[app.screens.today.rows[0]].client_id.clone();
    keys(&mut app, &["n", "i"]);
    type_text(&mut app, "half typed");
    // A colleague snoozes the first account (it leaves the list, so every
    // row below moves up) and logs a note on the selected one.
    let mut colleague = Embedded::new(tmp.path()).with_author("ben", clock);
    let snooze = Command::Snooze { client: first.clone(), until: "2026-12-10".parse().unwrap(), remark: String::new() };
    colleague.apply(Request::latest(day(), snooze)).unwrap();
    let note = Command::Log { client: mine.clone(), note: NoteInput::new(NoteKind::Internal, "rang them") };
    let applied = colleague.apply(Request::latest(day(), note)).unwrap();
    let change = Change {
        seq: applied.seq,
        at: clock(),
        author: "ben".into(),
        clients: vec![mine.clone()],
        summary: applied.built.done.clone(),
    };
    app.colleague_wrote(&change, "me");
    assert_eq!(selected_client(&app), mine, "the selection stayed on its client");
    assert!(!app.model.actions.iter().any(|a| a.client_id == first));
    assert!(app.book().client_notes(&mine).any(|n| n.text == "rang them"));
    let s = status(&app);
    assert!(s.contains("● ben changed") && s.contains("internal"), "{s}");
    assert!(app.form.is_some(), "the half-typed form is still open");
    // Its own write pushed back is not news.
    app.status = None;
    app.colleague_wrote(&change, "me");
    assert_eq!(status(&app), "");
}
