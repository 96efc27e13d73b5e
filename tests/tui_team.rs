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
use dun::server::team::Role;
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
fn a_collector_takes_an_unowned_account_after_asking_and_mine_shows_only_mine() {
    let (tmp, mut app) = app_on_store();
    app.role = Some(Role::Collector);
    let client = selected_client(&app);
    // Owned by someone (the demo's owners): a collector cannot take it.
    keys(&mut app, &["A"]);
    let s = status(&app);
    assert!(s.contains("needs the admin role") && app.picker.is_none(), "{s}");
    release(&tmp, &client);
    app.colleague_wrote(&change(&tmp, &client), "me");
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
fn a_viewer_is_told_which_role_assigning_needs() {
    let (_tmp, mut app) = app_on_store();
    app.role = Some(Role::Viewer);
    keys(&mut app, &["A"]);
    let s = status(&app);
    assert!(s.contains("needs the collector role") && app.picker.is_none(), "{s}");
}

#[test]
fn an_admin_assigns_to_anyone_on_the_team_or_to_nobody_with_the_picker() {
    let (tmp, mut app) = app_on_store();
    app.role = Some(Role::Admin);
    app.team = vec!["ana".into(), "ben".into()];
    let client = selected_client(&app);
    let before = app.book().client(&client).unwrap().owner.clone();
    keys(&mut app, &["A"]);
    let p = app.picker.clone().expect("the picker is open");
    // Unassigned, the team, this user and the book's owners.
    for name in ["", "ana", "ben", "me", before.as_str()] {
        assert!(p.choices.iter().any(|c| c == name), "{name:?} in {:?}", p.choices);
    }
    assert_eq!(p.choices[p.at], before, "the picker starts at the current owner");
    let t = render(&mut app, 80, 24);
    let last = lines(&t).last().cloned().unwrap();
    assert!(last.contains("assign") && last.contains(&format!("[{before}]")) && last.contains("enter"), "{last}");
    // Esc leaves it as it was.
    keys(&mut app, &["Esc"]);
    assert!(app.picker.is_none());
    assert_eq!(app.book().client(&client).unwrap().owner, before);

    // To ben: move to him and press Enter.
    keys(&mut app, &["A"]);
    let at_ben = app.picker.as_ref().unwrap().choices.iter().position(|c| c == "ben").unwrap();
    while app.picker.as_ref().unwrap().at != at_ben {
        keys(&mut app, &["Right"]);
    }
    let t = render(&mut app, 80, 24);
    assert!(lines(&t).last().unwrap().contains("[ben]"), "{}", lines(&t).last().unwrap());
    keys(&mut app, &["Enter"]);
    assert!(status(&app).starts_with("saved:"), "{}", status(&app));
    let store = Store::open(tmp.path()).unwrap();
    assert_eq!(store.client(&client).unwrap().unwrap().owner, "ben");
    drop(store);
    assert_eq!(selected_client(&app), client, "the selection stayed");

    // To nobody: "unassigned" is the first choice, one step left of the first name.
    keys(&mut app, &["A"]);
    while app.picker.as_ref().unwrap().at != 0 {
        keys(&mut app, &["Left"]);
    }
    keys(&mut app, &["Enter"]);
    let store = Store::open(tmp.path()).unwrap();
    assert_eq!(store.client(&client).unwrap().unwrap().owner, "");
}

/// A colleague (ben) makes `client` unowned, straight in the store.
fn release(tmp: &tempfile::TempDir, client: &str) {
    let mut colleague = Embedded::new(tmp.path()).with_author("ben", clock);
    let fields = dun::command::ClientFields { owner: Some(String::new()), ..Default::default() };
    let cmd = Command::UpdateClient { id: client.to_string(), fields, add_missing: false };
    colleague.apply(Request::latest(day(), cmd)).unwrap();
}

/// The news of the last write to the store, as the server would push it.
fn change(tmp: &tempfile::TempDir, client: &str) -> Change {
    let seq = dun::store::manifest::Manifest::read(tmp.path()).unwrap().unwrap().seq;
    Change {
        seq,
        at: clock(),
        author: "ben".into(),
        clients: vec![client.to_string()],
        summary: "client updated".into(),
    }
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

#[test]
fn a_colleagues_change_marks_the_accounts_detail_with_who_and_when() {
    let (tmp, mut app) = app_on_store();
    keys(&mut app, &["j"]);
    let mine = selected_client(&app);
    let mut colleague = Embedded::new(tmp.path()).with_author("ben", clock);
    let note = Command::Log { client: mine.clone(), note: NoteInput::new(NoteKind::Internal, "rang them") };
    let applied = colleague.apply(Request::latest(day(), note)).unwrap();
    let change = Change {
        seq: applied.seq,
        at: clock(),
        author: "ben".into(),
        clients: vec![mine.clone()],
        summary: applied.built.done.clone(),
    };
    app.now = || "2026-11-25T10:15:40Z".parse().unwrap();
    app.colleague_wrote(&change, "me");
    app.status = None;
    let t = render(&mut app, 160, 40);
    let shown = screen(&t);
    assert!(shown.contains("• ben just now"), "{shown}");
    assert_eq!(selected_client(&app), mine, "the selection stayed");
    // Later it says how long ago; another account has no mark.
    app.now = || "2026-11-25T10:22:10Z".parse().unwrap();
    let shown = screen(&render(&mut app, 160, 40));
    assert!(shown.contains("• ben 7 min ago"), "{shown}");
    keys(&mut app, &["j"]);
    let shown = screen(&render(&mut app, 160, 40));
    assert!(!shown.contains("• ben"), "{shown}");
}
