//! Logging from the interface, key by key, against a real store: every
//! action, cancel, invalid input, undo, drafts and the editor hand-off. What
//! the screen says "saved" must be in the store when it says so.

#[path = "common/tui.rs"]
mod tui_common;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use tui_common::*;

use dun::command::{Command, NoteInput};
use dun::domain::{AccountEvent, CallOutcome, NoteKind};
use dun::ledger::{Embedded, Ledger, Request};
use dun::store::{Batch, Store};
use dun::tui::action::{Effect, Tab};
use dun::tui::app::Source;
use dun::tui::app::{App, Status, View};
use dun::tui::keymap::Keymap;
use dun::tui::theme::Theme;

fn fixed_clock() -> DateTime<Utc> {
    "2026-11-25T10:15:00Z".parse().unwrap()
}

/// The demo book in a real store, and the interface on it as `dun` opens it.
fn store_app() -> (tempfile::TempDir, App) {
    store_app_with(|_| {})
}

/// The same, with the demo book changed before it is stored.
fn store_app_with(edit: impl FnOnce(&mut Batch)) -> (tempfile::TempDir, App) {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let mut batch: Batch = dun::demo::build(day(), &mut store.ids());
    edit(&mut batch);
    store.apply(batch).unwrap();
    let rules = dun::rules::Rules::default();
    let actions = dun::rules::today(store.book().unwrap(), &rules, day());
    drop(store);
    // As the shell does: the interface reads and writes through a ledger.
    let ledger = Box::new(Embedded::new(tmp.path()).with_author("tester", fixed_clock));
    let source = Source::from_ledger(ledger, Some(tmp.path().to_path_buf())).unwrap();
    let app =
        App::new(source, day(), actions, Theme::built_in("default").unwrap(), Keymap::default(), vec![30, 60, 90]);
    (tmp, app)
}

fn status(app: &App) -> String {
    match &app.status {
        Some(Status::Info(s)) | Some(Status::Error(s)) => s.clone(),
        None => String::new(),
    }
}

fn first_today_client(app: &App) -> String {
    app.model.actions[app.screens.today.rows[0]].client_id.clone()
}

fn notes_of(app: &App, client: &str) -> Vec<dun::domain::Note> {
    app.book().client_notes(client).cloned().collect()
}

/// Reopens the store from disk, as the next `dun` would.
fn reopen(app: App, dir: &std::path::Path) -> Store {
    drop(app);
    Store::open(dir).unwrap()
}

#[test]
fn a_call_with_a_promise_next_friday_is_saved_and_the_list_moves_on() {
    let (tmp, mut app) = store_app();
    let client = first_today_client(&app);
    let before = app.model.actions.len();
    // c, r (reached), the note, Tab, fri, Enter: the amount defaults to the overdue total.
    keys(&mut app, &["c", "r"]);
    type_text(&mut app, "they will pay on friday");
    keys(&mut app, &["tab"]);
    type_text(&mut app, "fri");
    keys(&mut app, &["enter"]);
    assert!(
        status(&app).starts_with("saved: ") && status(&app).contains("saved: promise to pay logged for "),
        "{}",
        status(&app)
    );
    assert!(app.form.is_none());
    assert!(!app.model.actions.iter().any(|a| a.client_id == client), "the promise pauses the client");
    assert_eq!(app.model.actions.len(), before - 1);

    let mut store = reopen(app, tmp.path());
    let book = store.book().unwrap();
    let n = book.client_notes(&client).last().unwrap().clone();
    assert_eq!(n.kind, NoteKind::Call);
    assert_eq!(n.outcome, Some(CallOutcome::Reached));
    assert_eq!(n.text, "they will pay on friday");
    assert_eq!(n.author, "tester");
    assert_eq!(n.at, fixed_clock());
    let p = n.promise.unwrap();
    assert_eq!(p.date, "2026-11-27".parse().unwrap());
    assert!(p.amount > Decimal::ZERO);
}

#[test]
fn escape_cancels_with_nothing_written() {
    let (_tmp, mut app) = store_app();
    let before = app.book().notes().len();
    keys(&mut app, &["c", "v"]);
    type_text(&mut app, "left a message");
    keys(&mut app, &["esc"]);
    assert!(app.form.is_none());
    assert_eq!(status(&app), "cancelled; nothing was written");
    assert_eq!(app.book().notes().len(), before);
}

#[test]
fn invalid_input_is_refused_in_place_and_nothing_is_written() {
    let (_tmp, mut app) = store_app();
    let before = app.book().notes().len();
    keys(&mut app, &["p"]);
    type_text(&mut app, "2026-02-30");
    keys(&mut app, &["enter"]);
    let form = app.form.as_ref().expect("the form stays open");
    assert!(form.error.as_deref().unwrap().contains("not a real date"), "{:?}", form.error);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("Promise to pay"), "{s}");
    assert!(s.contains("not a real date"), "{s}");
    assert!(s.contains("2026-02-30"), "the typing is intact: {s}");
    assert_eq!(app.book().notes().len(), before);
}

#[test]
fn a_refused_save_keeps_the_form_and_the_typing() {
    let (_tmp, mut app) = store_app();
    // A client with nothing due: "done" cannot be saved.
    keys(&mut app, &["2"]);
    let idle = app
        .screens
        .clients
        .rows
        .iter()
        .position(|&c| !app.model.actions.iter().any(|a| a.client_id == app.book().clients()[c].id))
        .expect("a client with nothing due");
    for _ in 0..idle {
        keys(&mut app, &["j"]);
    }
    keys(&mut app, &["x"]);
    type_text(&mut app, "sent the letter");
    keys(&mut app, &["enter"]);
    let form = app.form.as_ref().expect("still open");
    assert!(form.error.as_deref().unwrap().contains("nothing is due"), "{:?}", form.error);
    assert_eq!(form.fields[0].value(), "sent the letter");
}

#[test]
fn undo_records_a_reversing_entry() {
    let (tmp, mut app) = store_app();
    let client = first_today_client(&app);
    keys(&mut app, &["e"]);
    type_text(&mut app, "statement sent");
    keys(&mut app, &["enter"]);
    assert!(
        status(&app).starts_with("saved: ") && status(&app).contains("saved: email logged for "),
        "{}",
        status(&app)
    );
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("done today 1 (1 email) · still to do"), "the day's progress: {s}");
    let id = notes_of(&app, &client).last().unwrap().id;
    let name = app.book().client(&client).unwrap().name.clone();
    keys(&mut app, &["u"]);
    let q = app.confirm.as_ref().expect("u asks first").question();
    assert_eq!(q, format!("undo the email note on {name} (2026-11-25)? y/n"));
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("undo the email note on"), "the question is on screen: {s}");
    keys(&mut app, &["n"]);
    assert!(status(&app).starts_with("not done: undo the email note"), "{}", status(&app));
    assert!(notes_of(&app, &client).last().unwrap().reverses.is_none(), "n wrote nothing");
    keys(&mut app, &["u", "y"]);
    assert_eq!(status(&app), format!("saved: undid the email note on {name} (2026-11-25)"));
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("done today 0 · still to do"), "an undone entry is not progress: {s}");
    keys(&mut app, &["u"]);
    assert!(app.confirm.is_none());
    assert_eq!(status(&app), "nothing of this session to undo");
    // The client view says in words that the note was undone.
    keys(&mut app, &["2", "/"]);
    type_text(&mut app, &client);
    keys(&mut app, &["enter", "enter"]);
    let s = screen(&render(&mut app, 120, 40));
    assert!(s.contains("(undone) statement sent"), "{s}");
    let mut store = reopen(app, tmp.path());
    let book = store.book().unwrap();
    let last = book.client_notes(&client).last().unwrap();
    assert_eq!(last.reverses, Some(id));
    assert!(book.note(id).is_some(), "history is kept");
}

#[test]
fn dispute_and_resolve_the_selected_invoice() {
    let (tmp, mut app) = store_app();
    keys(&mut app, &["enter"]); // the first client's detail, its open invoices listed
    assert!(matches!(app.view, View::Client(_)));
    let number = {
        let r = app.screens.detail.rows[app.screens.detail.list.selected];
        app.book().invoices()[app.rows().invoices[r].ix].number.to_string()
    };
    keys(&mut app, &["d"]);
    type_text(&mut app, "goods damaged");
    keys(&mut app, &["enter"]);
    assert!(status(&app).starts_with("saved: ") && status(&app).contains(" disputed"), "{}", status(&app));
    assert_eq!(app.book().invoice(&number).unwrap().dispute.as_ref().unwrap().reason, "goods damaged");
    keys(&mut app, &["D"]);
    let q = app.confirm.as_ref().expect("D asks first").question();
    assert!(q.starts_with(&format!("resolve the dispute on {number} of ")) && q.ends_with("? y/n"), "{q}");
    assert!(app.book().invoice(&number).unwrap().dispute.is_some(), "nothing written before y");
    keys(&mut app, &["y"]);
    assert!(status(&app).starts_with(&format!("saved: resolved the dispute on {number} of ")), "{}", status(&app));
    let mut store = reopen(app, tmp.path());
    let book = store.book().unwrap();
    assert!(book.invoice(&number).unwrap().dispute.is_none());
    let events: Vec<_> = book.notes().iter().filter_map(|n| n.event.clone()).collect();
    assert!(events.contains(&AccountEvent::Dispute { invoice: number.clone(), reason: "goods damaged".into() }));
    // The resolution records the dispute as it was, for an undo to restore.
    let resolved = AccountEvent::Resolved { invoice: number, reason: "goods damaged".into(), since: day() };
    assert!(events.contains(&resolved), "{events:?}");
}

#[test]
fn dispute_needs_a_selected_invoice() {
    let (_tmp, mut app) = store_app();
    keys(&mut app, &["d"]);
    assert!(app.form.is_none());
    assert!(status(&app).contains("select the invoice first"));
}

#[test]
fn snooze_takes_the_client_off_the_list_until_the_date() {
    let (_tmp, mut app) = store_app();
    let client = first_today_client(&app);
    keys(&mut app, &["s"]);
    type_text(&mut app, "+7");
    keys(&mut app, &["tab"]);
    type_text(&mut app, "director on leave");
    keys(&mut app, &["enter"]);
    assert!(status(&app).starts_with("saved: ") && status(&app).contains(" snoozed until "), "{}", status(&app));
    assert_eq!(app.book().client(&client).unwrap().snoozed_until, Some("2026-12-02".parse().unwrap()));
    assert!(!app.model.actions.iter().any(|a| a.client_id == client));
    assert!(notes_of(&app, &client).last().unwrap().text.ends_with("director on leave"));
}

#[test]
fn hold_and_release_with_one_key() {
    let (_tmp, mut app) = store_app();
    let client = first_today_client(&app);
    keys(&mut app, &["h"]);
    type_text(&mut app, "in administration");
    keys(&mut app, &["enter"]);
    assert!(status(&app).starts_with("saved: ") && status(&app).contains(" on hold"), "{}", status(&app));
    assert_eq!(app.book().client(&client).unwrap().hold.as_ref().unwrap().reason, "in administration");
    // Find the client again (it left Today) and release it from Clients.
    keys(&mut app, &["2", "/"]);
    type_text(&mut app, &client);
    keys(&mut app, &["enter", "h"]);
    let q = app.confirm.as_ref().expect("releasing asks first").question();
    assert!(q.starts_with("release the hold on ") && q.contains("in administration"), "{q}");
    keys(&mut app, &["y"]);
    assert!(status(&app).starts_with("saved: released the hold on "), "{}", status(&app));
    assert!(app.book().client(&client).unwrap().hold.is_none());
    // Undo of the release puts the hold back as it was: reason and date.
    keys(&mut app, &["u"]);
    let q = app.confirm.as_ref().expect("undo asks").question();
    assert!(q.contains("undo the release of") && q.contains("back on hold"), "{q}");
    keys(&mut app, &["y"]);
    let hold = app.book().client(&client).unwrap().hold.clone().expect("on hold again");
    assert_eq!((hold.reason.as_str(), hold.since), ("in administration", day()));
}

#[test]
fn undo_only_takes_back_the_client_on_screen() {
    let (_tmp, mut app) = store_app();
    let first = first_today_client(&app);
    let first_name = app.book().client(&first).unwrap().name.clone();
    keys(&mut app, &["e"]);
    type_text(&mut app, "statement sent");
    keys(&mut app, &["enter"]);
    // The client left the top of Today; another client is selected now.
    keys(&mut app, &["2", "g"]);
    let other = app.book().clients()[app.screens.clients.rows[0]].id.clone();
    assert_ne!(other, first);
    keys(&mut app, &["u"]);
    assert!(app.confirm.is_none(), "nothing asked for another client's entry");
    let st = status(&app);
    assert!(st.contains("nothing of this session to undo for") && st.contains(&first_name), "{st}");
    assert!(notes_of(&app, &first).last().unwrap().reverses.is_none());
}

#[test]
fn a_payment_defaults_to_the_selected_invoice_balance() {
    let (tmp, mut app) = store_app();
    keys(&mut app, &["enter"]);
    let r = app.screens.detail.rows[app.screens.detail.list.selected];
    let inv = app.book().invoices()[app.rows().invoices[r].ix].clone();
    let open = dun::receivables::open_balance(app.book(), &inv, day());
    assert!(open > Decimal::ZERO);
    keys(&mut app, &["$", "enter"]);
    assert!(status(&app).starts_with("saved: ") && status(&app).contains("saved: payment #"), "{}", status(&app));
    let mut store = reopen(app, tmp.path());
    let book = store.book().unwrap();
    assert_eq!(dun::receivables::open_balance(book, book.invoice(&inv.number).unwrap(), day()), Decimal::ZERO);
}

#[test]
fn done_moves_the_client_up_the_ladder() {
    let (_tmp, mut app) = store_app();
    let client = first_today_client(&app);
    let action = app.model.actions[app.screens.today.rows[0]].clone();
    keys(&mut app, &["x", "enter"]);
    assert!(status(&app).starts_with("saved: ") && status(&app).contains(" marked done"), "{}", status(&app));
    let n = notes_of(&app, &client).last().unwrap().clone();
    let c = n.completes.expect("a completion");
    assert_eq!(c.level, action.level);
    assert_eq!(c.invoices, action.invoices);
    // The same action never comes back the same day.
    assert!(!app
        .model
        .actions
        .iter()
        .any(|a| a.client_id == client && a.level == action.level && a.invoices == action.invoices));
}

#[test]
fn every_note_kind_by_one_key() {
    let (_tmp, mut app) = store_app();
    let client = first_today_client(&app);
    keys(&mut app, &["n", "m"]);
    type_text(&mut app, "met at the trade fair");
    keys(&mut app, &["enter"]);
    assert!(
        status(&app).starts_with("saved: ") && status(&app).contains("saved: meeting logged for "),
        "{}",
        status(&app)
    );
    assert_eq!(notes_of(&app, &client).last().unwrap().kind, NoteKind::Meeting);
    keys(&mut app, &["l"]);
    type_text(&mut app, "letter before action");
    keys(&mut app, &["enter"]);
    assert_eq!(notes_of(&app, &client).last().unwrap().kind, NoteKind::Letter);
}

#[test]
fn the_editor_hands_the_note_back_to_the_form() {
    let (_tmp, mut app) = store_app();
    let effect = keys(&mut app, &["E"]);
    assert_eq!(effect, Effect::Editor(String::new()));
    app.editor_done(Ok("a long note\nwritten in vi\n".into()));
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.field("text").unwrap().value(), "a long note written in vi");
    keys(&mut app, &["ctrl-x"]);
    app.editor_done(Err("the editor (false) exited with 1".into()));
    assert!(app.form.as_ref().unwrap().error.as_deref().unwrap().contains("exited"));
}

#[test]
fn an_open_form_is_published_as_a_draft_and_restored() {
    let (_tmp, mut app) = store_app();
    let client = first_today_client(&app);
    keys(&mut app, &["c", "n"]);
    type_text(&mut app, "no answer again");
    let draft = app.logbook.draft_slot.lock().unwrap().clone().expect("a draft while the form is open");
    assert_eq!(draft.client_id, client);
    assert!(draft.fields.contains(&("text".to_string(), "no answer again".to_string())));
    keys(&mut app, &["esc"]);
    assert!(app.logbook.draft_slot.lock().unwrap().is_none());

    let (_tmp2, mut fresh) = store_app();
    keys(&mut fresh, &["3"]);
    fresh.restore_draft(&draft);
    let form = fresh.form.as_ref().expect("reopened");
    assert_eq!(form.field("text").unwrap().value(), "no answer again");
    assert_eq!(form.field("outcome").unwrap().value(), "no answer");
    assert!(status(&fresh).starts_with("recovered unsaved call"));
}

#[test]
fn the_keys_work_from_every_list_screen() {
    let (_tmp, mut app) = store_app();
    for tab in ["1", "2", "3", "5"] {
        keys(&mut app, &[tab, "n"]);
        assert!(app.form.is_some(), "n opens a note on screen {tab}");
        keys(&mut app, &["esc"]);
    }
    keys(&mut app, &["3"]);
    assert_eq!(app.view, View::Tab(Tab::Invoices));
}

#[test]
fn the_book_is_not_locked_while_the_interface_is_open_and_other_writes_are_kept() {
    let (tmp, mut app) = store_app();
    let client = first_today_client(&app);
    // Another process (a colleague, a cron import) writes meanwhile.
    {
        let other = Store::open(tmp.path()).expect("the interface does not hold the lock");
        let note = NoteInput::new(NoteKind::Email, "sent from the other desk");
        let log = Command::Log { client: client.clone(), note };
        let mut colleague = Embedded::over(other).with_author("colleague", fixed_clock);
        colleague.apply(Request::latest(day(), log)).unwrap();
    }
    // The interface writes next: it builds on the other write, no id clash.
    keys(&mut app, &["n", "i"]);
    type_text(&mut app, "noted here");
    keys(&mut app, &["enter"]);
    assert!(
        status(&app).starts_with("saved: ") && status(&app).contains("saved: internal logged for "),
        "{}",
        status(&app)
    );
    let texts: Vec<String> = notes_of(&app, &client).iter().map(|n| n.text.clone()).collect();
    assert!(texts.contains(&"sent from the other desk".to_string()), "reloaded: {texts:?}");
    let mut store = reopen(app, tmp.path());
    let book = store.book().unwrap();
    let mine = book.client_notes(&client).filter(|n| n.text == "noted here" || n.text == "sent from the other desk");
    assert_eq!(mine.count(), 2);
    assert!(store.verify().is_ok());
}

#[test]
fn a_save_waits_briefly_for_another_process_and_then_says_why_not() {
    let (tmp, mut app) = store_app();
    let held = Store::open(tmp.path()).unwrap();
    keys(&mut app, &["e"]);
    type_text(&mut app, "statement sent");
    keys(&mut app, &["enter"]);
    let form = app.form.as_ref().expect("the form stays open");
    let err = form.error.as_deref().unwrap();
    assert!(err.starts_with("not saved:") && err.contains("in use by another dun process"), "{err}");
    assert_eq!(form.fields[0].value(), "statement sent", "the typing is intact");
    drop(held);
    keys(&mut app, &["enter"]);
    assert!(
        status(&app).starts_with("saved: ") && status(&app).contains("saved: email logged for "),
        "{}",
        status(&app)
    );
}

#[test]
fn reload_shows_what_others_wrote() {
    let (tmp, mut app) = store_app();
    keys(&mut app, &["R"]);
    assert_eq!(status(&app), "the book is as shown: nothing changed");
    let client = first_today_client(&app);
    {
        let snooze =
            Command::Snooze { client: client.clone(), until: "2026-12-10".parse().unwrap(), remark: String::new() };
        let mut colleague = Embedded::new(tmp.path()).with_author("colleague", fixed_clock);
        colleague.apply(Request::latest(day(), snooze)).unwrap();
    }
    assert!(app.model.actions.iter().any(|a| a.client_id == client));
    keys(&mut app, &["R"]);
    assert_eq!(status(&app), "read the book again: it had changed");
    assert!(!app.model.actions.iter().any(|a| a.client_id == client), "the snoozed client left the list");
}

#[test]
fn forms_name_their_invoice_resolve_dates_and_warn_past_the_balance() {
    let (_tmp, mut app) = store_app();
    keys(&mut app, &["enter"]);
    let r = app.screens.detail.rows[app.screens.detail.list.selected];
    let number = app.book().invoices()[app.rows().invoices[r].ix].number.to_string();
    keys(&mut app, &["p"]);
    type_text(&mut app, "fri");
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains(&format!("Promise to pay {number} · ")), "the form names its invoice: {s}");
    assert!(s.contains("fri → Fri 27 Nov 2026"), "the date resolved as typed: {s}");
    keys(&mut app, &["tab", "ctrl-u"]);
    type_text(&mut app, "999999");
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("⚠ 999,999.00 is more than"), "a promise past the balance is flagged: {s}");
}

/// A long error wraps inside the form instead of being cut at the border,
/// at 80×24 and 120×40; at 60×15 what does not fit ends in "…" and the
/// form still draws (the fields and the start of the error).
#[test]
fn a_long_form_error_wraps_and_degrades_at_60x15() {
    let (_tmp, mut app) = store_app();
    keys(&mut app, &["p"]);
    type_text(&mut app, "next fortnight on the second tuesday after the payment run");
    keys(&mut app, &["enter"]);
    let err = app.form.as_ref().and_then(|f| f.error.clone()).expect("refused in place");
    assert!(err.chars().count() > 100, "an error longer than the form is wide: {err}");
    for (w, h) in [(80, 24), (120, 40)] {
        let lines = lines(&render(&mut app, w, h));
        // The error's words, in order, across the form's rows between the borders.
        let inside: Vec<String> = lines
            .iter()
            .filter_map(|l| l.strip_prefix('│').and_then(|r| r.split('│').next()).map(|r| r.trim().to_string()))
            .collect();
        let joined = inside.join(" ");
        let want = format!("✗ {err}");
        assert!(joined.contains(&want), "{w}x{h}: the whole error is shown:\n{}", lines.join("\n"));
        assert!(!joined.contains('…'), "{w}x{h}: nothing cut:\n{}", lines.join("\n"));
    }
    let lines = lines(&render(&mut app, 60, 15));
    let s = lines.join("\n");
    assert!(s.contains("Promise to pay"), "{s}");
    assert!(s.contains("✗ "), "the error starts where it can be seen:\n{s}");
    for l in &lines {
        assert!(dun::text::width(l) <= 60, "{l:?}");
    }
}

/// Undo of a release puts the hold back exactly, also one with no note of
/// its own (as an imported book has it); `U` and Ctrl-R redo what `u` took
/// back, asking first in one line that names the client and the action.
#[test]
fn undo_restores_a_released_hold_exactly_and_redo_re_applies_it() {
    let (_tmp, mut app) = store_app_with(|b| b.notes.retain(|n| !matches!(n.event, Some(AccountEvent::Hold { .. }))));
    let held = app.book().clients().iter().find(|c| c.hold.is_some()).expect("the demo has a client on hold").clone();
    let was = held.hold.clone().unwrap();
    assert!(!app.book().client_notes(&held.id).any(|n| n.event.is_some()), "no note of its own");
    keys(&mut app, &["2", "/"]);
    type_text(&mut app, &held.id);
    keys(&mut app, &["enter", "h", "y"]);
    assert!(status(&app).starts_with("saved: released the hold on "), "{}", status(&app));
    keys(&mut app, &["u"]);
    let q = app.confirm.as_ref().expect("undo asks").question();
    assert!(q.contains("undo the release of") && q.contains(&held.name), "{q}");
    keys(&mut app, &["y"]);
    assert_eq!(app.book().client(&held.id).unwrap().hold.as_ref(), Some(&was), "the hold as it was");

    keys(&mut app, &["U"]);
    let q = app.confirm.as_ref().expect("redo asks first").question();
    assert_eq!(q, format!("redo the release of {}'s hold: chasing resumes? y/n", held.name));
    assert!(app.book().client(&held.id).unwrap().hold.is_some(), "nothing written before y");
    keys(&mut app, &["y"]);
    assert_eq!(status(&app), format!("saved: redid the release of {}'s hold: chasing resumes", held.name));
    assert!(app.book().client(&held.id).unwrap().hold.is_none());
    // The redo is an entry like any other; Ctrl-R redoes again what u took back.
    keys(&mut app, &["u", "y"]);
    assert_eq!(app.book().client(&held.id).unwrap().hold.as_ref(), Some(&was));
    keys(&mut app, &["ctrl-r"]);
    let q = app.confirm.as_ref().expect("Ctrl-R asks as U does").question();
    assert!(q.starts_with("redo the release of "), "{q}");
    keys(&mut app, &["n"]);
    assert!(app.book().client(&held.id).unwrap().hold.is_some(), "n writes nothing");
    keys(&mut app, &["ctrl-r", "y"]);
    assert!(app.book().client(&held.id).unwrap().hold.is_none());
    keys(&mut app, &["U"]);
    assert!(app.confirm.is_none());
    assert!(status(&app).contains("nothing this session undid to redo"), "{}", status(&app));
}
