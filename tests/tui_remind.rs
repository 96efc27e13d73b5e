//! The message preview of the interface (`r`), key by key, against a real
//! store and a real hand-off (the `folder` transport writes each accepted
//! message as an .eml file): preview, edit, send (the edited text is what
//! is sent and logged), the question before a send, several marked
//! accounts in one go with a failure in the middle, a client without an
//! e-mail address, letters to PDF, save as a file, a send the book cannot
//! record, a served book's letters without `[mail] letters_dir`, and the
//! screen at 80×24.

#[path = "common/tui.rs"]
mod tui_common;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use tui_common::*;

use dun::config::Config;
use dun::domain::NoteKind;
use dun::ledger::{Applied, Embedded, Ledger, LedgerError, Request, Snapshot};
use dun::mail::setup::MailSetup;
use dun::store::{Batch, Store};
use dun::tui::action::Effect;
use dun::tui::app::{App, Source, Status};
use dun::tui::keymap::Keymap;
use dun::tui::screens::remind::Mode;
use dun::tui::theme::Theme;

fn fixed_clock() -> DateTime<Utc> {
    "2026-11-25T10:15:00Z".parse().unwrap()
}

struct Fixture {
    tmp: tempfile::TempDir,
    app: App,
}

impl Fixture {
    fn outgoing(&self) -> PathBuf {
        self.tmp.path().join("outgoing")
    }
    /// The .eml files the transport accepted.
    fn sent(&self) -> Vec<String> {
        let mut v: Vec<PathBuf> =
            std::fs::read_dir(self.outgoing()).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
        v.sort();
        v.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
    }
}

/// The demo book in a real store, with Cyberdyne's address broken (its
/// send fails) and Acme's removed; the interface on it as `dun` opens it,
/// with a `[mail]` that hands messages to a folder.
fn fixture() -> Fixture {
    fixture_with(|e| Box::new(e))
}

/// [`fixture`] with the interface's ledger made by `ledger` from the real one.
fn fixture_with(ledger: impl FnOnce(Embedded) -> Box<dyn Ledger>) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("book");
    let mut store = Store::open(&data).unwrap();
    let mut batch: Batch = dun::demo::build(day(), &mut store.ids());
    for c in batch.clients.iter_mut() {
        match c.id.as_str() {
            "C000010" => {
                c.email = "not an address".into();
                // Hostile text from an import: it must never reach the terminal raw.
                c.contact = "Eve\u{1b}[2J\u{202e}Evil".into();
            }
            "C000001" => c.email = String::new(),
            _ => {}
        }
    }
    store.apply(batch).unwrap();
    let rules = dun::rules::Rules::default();
    let actions = dun::rules::today(store.book().unwrap(), &rules, day());
    drop(store);
    let ledger = ledger(Embedded::new(&data).with_author("tester", fixed_clock));
    let source = Source::from_ledger(ledger, Some(data.clone())).unwrap();
    let mut app =
        App::new(source, day(), actions, Theme::built_in("default").unwrap(), Keymap::default(), vec![30, 60, 90]);
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[mail]\nfrom = \"Accounts <ar@example.com>\"\ntransport = \"folder\"\nfolder = \"{}\"\nletters_dir = \"{}\"\nsignature = \"Jane Doe, Example Ltd\"\n",
            tmp.path().join("outgoing").display(),
            tmp.path().join("letters").display()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("outgoing")).unwrap();
    let cfg = Config::load(Some(&config)).unwrap();
    app.remind.setup = Some(MailSetup::new(cfg, None).unwrap());
    Fixture { tmp, app }
}

/// Moves the Today selection onto `client`.
fn select(app: &mut App, client: &str) {
    keys(app, &["g"]);
    let pos = app
        .screens
        .today
        .rows
        .iter()
        .position(|&i| app.model.actions[i].client_id == client)
        .unwrap_or_else(|| panic!("{client} is on Today"));
    for _ in 0..pos {
        keys(app, &["j"]);
    }
}

fn status(app: &App) -> String {
    match &app.status {
        Some(Status::Info(s)) | Some(Status::Error(s)) => s.clone(),
        None => String::new(),
    }
}

fn question(app: &App) -> String {
    match &app.remind.preview.as_ref().expect("preview open").mode {
        Mode::Confirm(q) => q.clone(),
        other => panic!("no question: {other:?}"),
    }
}

fn message(app: &App) -> String {
    match &app.remind.preview.as_ref().expect("preview open").message {
        Some(Status::Info(s)) | Some(Status::Error(s)) => s.clone(),
        None => String::new(),
    }
}

fn on_today(app: &App, client: &str) -> bool {
    app.model.actions.iter().any(|a| a.client_id == client)
}

#[test]
fn r_previews_the_reminder_the_step_calls_for_at_80x24() {
    let mut f = fixture();
    select(&mut f.app, "C000005");
    keys(&mut f.app, &["r"]);
    let p = f.app.remind.preview.as_ref().expect("r opens the preview");
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].rendered.subject, "Payment reminder: INV-01055 (Hooli Systems)");
    let t = render(&mut f.app, 80, 24);
    let s = screen(&t);
    assert!(s.contains("E-mail to Hooli Systems"), "{s}");
    assert!(s.contains("ap@hoolisystems.example"), "{s}");
    assert!(s.contains("s send") && s.contains("e edit") && s.contains("w save"), "the keys: {s}");
    insta::assert_snapshot!("remind_preview_80x24", s);
    // Help lists the preview's keys.
    let help = dun::tui::ui::help_sections(&f.app);
    let (title, own) = help.last().unwrap();
    assert_eq!(title, "Keys of the message preview");
    assert!(own.iter().any(|(k, d)| k == "e" && d == "edit the message in $EDITOR"), "{help:?}");
    keys(&mut f.app, &["esc"]);
    assert!(f.app.remind.preview.is_none());
    assert_eq!(status(&f.app), "closed; nothing was sent");
    assert!(f.sent().is_empty());
}

#[test]
fn the_edited_text_is_what_is_sent_and_logged_after_one_question() {
    let mut f = fixture();
    select(&mut f.app, "C000005");
    keys(&mut f.app, &["r"]);
    let text = match keys(&mut f.app, &["e"]) {
        Effect::Editor(t) => t,
        other => panic!("e asks for the editor: {other:?}"),
    };
    assert!(text.starts_with("Subject: Payment reminder: INV-01055"), "{text}");
    // What a scripted editor does: add a line.
    f.app.editor_done(Ok(format!("{text}P.S. We spoke on Monday.\n")));
    assert_eq!(message(&f.app), "edited: s sends the text as shown");
    keys(&mut f.app, &["s"]);
    assert_eq!(question(&f.app), "send the First reminder to Hooli Systems <ap@hoolisystems.example>");
    assert!(screen(&render(&mut f.app, 80, 24)).contains("<ap@hoolisystems.example>? y/n"));
    // Anything but y sends nothing.
    keys(&mut f.app, &["n"]);
    assert!(message(&f.app).starts_with("not done: send the First reminder"), "{}", message(&f.app));
    assert!(f.sent().is_empty());
    assert_eq!(keys(&mut f.app, &["s", "y"]), Effect::Deliver, "the shell draws, then delivers");
    assert_eq!(message(&f.app), "sending 1 message…");
    assert!(screen(&render(&mut f.app, 80, 24)).contains("sending 1 message…"));
    assert!(f.sent().is_empty(), "nothing leaves before the frame is drawn");
    f.app.deliver_now();
    assert_eq!(message(&f.app), "1 sent, 0 failed");
    let sent = f.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("P.S. We spoke on Monday."), "{}", sent[0]);
    assert!(sent[0].contains("To: ap@hoolisystems.example") || sent[0].contains("<ap@hoolisystems.example>"));
    // Logged: the note holds the edited text, the step is done, the list moved on.
    let notes: Vec<_> =
        f.app.book().client_notes("C000005").filter(|n| n.text.starts_with("E-mail sent to")).cloned().collect();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].text.contains("P.S. We spoke on Monday."), "{}", notes[0].text);
    assert!(notes[0].completes.is_some());
    // Undo is honest: it cannot recall the e-mail, and the question says so.
    let q = dun::tui::confirm::describe_undo(f.app.book(), &notes[0], "Hooli Systems");
    assert!(q.ends_with("the step is due again, but what was sent stays sent"), "{q}");
    assert!(!on_today(&f.app, "C000005"));
    // Sending again sends nothing.
    keys(&mut f.app, &["s"]);
    assert!(message(&f.app).contains("nothing left to send"), "{}", message(&f.app));
    keys(&mut f.app, &["q"]);
    assert_eq!(status(&f.app), "closed; 1 sent");
    // On disk, as the next dun sees it.
    drop(f.app);
    let mut store = Store::open(&f.tmp.path().join("book")).unwrap();
    assert!(store.book().unwrap().client_notes("C000005").any(|n| n.text.contains("P.S. We spoke on Monday.")));
}

#[test]
fn an_editor_that_drops_the_subject_line_changes_nothing() {
    let mut f = fixture();
    select(&mut f.app, "C000005");
    keys(&mut f.app, &["r", "e"]);
    let before = f.app.remind.preview.as_ref().unwrap().items[0].rendered.clone();
    f.app.editor_done(Ok("Dear all,\n".into()));
    assert!(message(&f.app).contains("first line must be `Subject:"), "{}", message(&f.app));
    assert_eq!(f.app.remind.preview.as_ref().unwrap().items[0].rendered, before);
    f.app.editor_done(Err("the editor (false) exited with exit status: 1; the note was not changed".into()));
    assert!(message(&f.app).contains("exited"));
}

#[test]
fn marked_accounts_go_in_one_go_after_one_question_and_a_failure_does_not_stop_the_rest() {
    let mut f = fixture();
    for c in ["C000005", "C000010", "C000001", "C000020", "C000026"] {
        select(&mut f.app, c);
        keys(&mut f.app, &["space"]);
    }
    assert_eq!(f.app.screens.today.marked.len(), 5);
    let s = screen(&render(&mut f.app, 80, 24));
    assert!(s.contains("5 marked"), "{s}");
    assert!(s.contains("✓ reminder"), "{s}");
    keys(&mut f.app, &["r"]);
    let p = f.app.remind.preview.as_ref().unwrap();
    // Four messages (three reminders and a letter); the call gets none, and says so.
    assert_eq!(p.items.len(), 4, "{:?}", p.items.iter().map(|i| &i.planned.client_id).collect::<Vec<_>>());
    assert_eq!(p.skipped.len(), 1);
    assert!(p.skipped[0].contains("Los Pollos Hermanos: today's step is a call"), "{:?}", p.skipped);
    keys(&mut f.app, &["s"]);
    assert_eq!(
        question(&f.app),
        "send 2 reminders to ap@hoolisystems.example, not an address and write 1 letter as PDF (1 without an e-mail address stays unsent)"
    );
    let s = screen(&render(&mut f.app, 80, 24));
    assert!(s.contains("? y/n"), "{s}");
    insta::assert_snapshot!("remind_batch_question_80x24", s);
    assert_eq!(keys(&mut f.app, &["y"]), Effect::Deliver);
    assert_eq!(message(&f.app), "sending 3 messages…");
    f.app.deliver_now();
    assert_eq!(message(&f.app), "2 sent, 1 failed, 1 without an e-mail address not sent");
    let p = f.app.remind.preview.as_ref().unwrap();
    let fate = |id: &str| {
        let i = p.items.iter().find(|i| i.planned.client_id == id).unwrap();
        match (&i.outcome, &i.planned.problem) {
            (Some(Status::Info(s)), _) => format!("ok: {s}"),
            (Some(Status::Error(s)), _) => format!("error: {s}"),
            (None, Some(prob)) => format!("unsent: {prob}"),
            (None, None) => "nothing".into(),
        }
    };
    assert!(fate("C000005").starts_with("ok: sent to ap@hoolisystems.example"), "{}", fate("C000005"));
    assert!(fate("C000010").starts_with("error: FAILED to not an address: e-mail address"), "{}", fate("C000010"));
    assert!(fate("C000001").starts_with("unsent: no e-mail address"), "{}", fate("C000001"));
    assert!(fate("C000020").starts_with("ok: letter written to"), "{}", fate("C000020"));
    let s = screen(&render(&mut f.app, 80, 24));
    assert!(s.contains("FAILED to not an address"), "one line per failure: {s}");
    assert_eq!(f.sent().len(), 1);
    let letters: Vec<_> = std::fs::read_dir(f.tmp.path().join("letters")).unwrap().collect();
    assert_eq!(letters.len(), 1, "the letter of demand went to PDF");
    // The sent ones left the list and their marks; the failed one stays due.
    assert!(!on_today(&f.app, "C000005"));
    let gringotts = f.app.model.actions.iter().find(|a| a.client_id == "C000020");
    assert!(gringotts.is_none_or(|a| a.level != 5), "the letter's step is done: {gringotts:?}");
    assert!(on_today(&f.app, "C000010") && on_today(&f.app, "C000001"));
    assert_eq!(f.app.screens.today.marked.len(), 3);
    let letter_note = f.app.book().client_notes("C000020").find(|n| n.text.starts_with("Letter written to"));
    assert!(letter_note.is_some(), "the letter is logged");
}

#[test]
fn a_client_without_an_address_is_reported_and_can_be_saved_as_text() {
    let mut f = fixture();
    select(&mut f.app, "C000001");
    keys(&mut f.app, &["r", "s"]);
    assert!(message(&f.app).contains("has no e-mail address; w saves it"), "{}", message(&f.app));
    let out = f.tmp.path().join("acme.txt");
    keys(&mut f.app, &["w", "ctrl-u"]);
    type_text(&mut f.app, out.to_str().unwrap());
    keys(&mut f.app, &["enter"]);
    assert_eq!(message(&f.app), format!("saved {}; not sent, nothing logged", out.display()));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("Subject: Payment reminder: INV-01004 (Acme Industrial Ltd)\n\nDear "), "{text}");
    // Nothing is overwritten.
    keys(&mut f.app, &["w", "ctrl-u"]);
    type_text(&mut f.app, out.to_str().unwrap());
    keys(&mut f.app, &["enter"]);
    assert!(message(&f.app).contains("exists"), "{}", message(&f.app));
    assert!(f.app.book().client_notes("C000001").all(|n| !n.text.starts_with("E-mail sent to")));
}

#[test]
fn an_email_saves_as_eml_and_a_letter_as_a_logged_pdf() {
    let mut f = fixture();
    select(&mut f.app, "C000005");
    keys(&mut f.app, &["r", "w", "ctrl-u"]);
    let eml = f.tmp.path().join("hooli.eml");
    type_text(&mut f.app, eml.to_str().unwrap());
    keys(&mut f.app, &["enter"]);
    let text = std::fs::read_to_string(&eml).unwrap();
    assert!(text.contains("Subject: Payment reminder: INV-01055 (Hooli Systems)"), "{text}");
    assert!(text.contains("Content-Type: text/plain; charset=utf-8"), "{text}");
    assert!(on_today(&f.app, "C000005"), "saving is not sending");
    keys(&mut f.app, &["esc"]);

    select(&mut f.app, "C000040");
    keys(&mut f.app, &["r"]);
    let s = screen(&render(&mut f.app, 80, 24));
    assert!(s.contains("Letter to 北京星辰科技"), "{s}");
    assert!(s.contains("a PDF letter to print"), "{s}");
    keys(&mut f.app, &["w"]);
    let suggested = match &f.app.remind.preview.as_ref().unwrap().mode {
        Mode::SavePath(i) => i.value().to_string(),
        other => panic!("{other:?}"),
    };
    assert!(suggested.ends_with("2026-11-25-C000040-level5.pdf"), "{suggested}");
    assert!(Path::new(&suggested).starts_with(f.tmp.path().join("letters")), "{suggested}");
    keys(&mut f.app, &["enter"]);
    assert!(message(&f.app).contains("and logged the letter"), "{}", message(&f.app));
    let pdf = std::fs::read(&suggested).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(f
        .app
        .book()
        .client_notes("C000040")
        .any(|n| n.kind == NoteKind::Letter && n.text.starts_with("Letter written to")));
    assert!(!on_today(&f.app, "C000040"));
}

#[test]
fn hostile_names_are_defused_and_small_terminals_still_ask_whole_questions() {
    let mut f = fixture();
    select(&mut f.app, "C000010");
    keys(&mut f.app, &["r"]);
    let p = f.app.remind.preview.as_ref().expect("a reminder for Cyberdyne");
    assert!(p.items[0].rendered.body.contains('\u{1b}'), "the text as the template made it");
    for (w, h) in [(80, 24), (60, 15), (120, 40)] {
        let s = screen(&render(&mut f.app, w, h));
        assert!(!s.contains('\u{1b}') && !s.contains('\u{202e}'), "{w}x{h}: {s:?}");
        assert!(s.contains("Eve␛[2J"), "shown as a visible stand-in at {w}x{h}: {s}");
    }
    keys(&mut f.app, &["s"]);
    for (w, h) in [(60, 15), (80, 24)] {
        let s = screen(&render(&mut f.app, w, h));
        assert!(s.contains("? y/n"), "the question ends in y/n at {w}x{h}: {s}");
    }
    keys(&mut f.app, &["n", "esc"]);
    assert!(f.app.remind.preview.is_none());
}

#[test]
fn a_call_has_no_message_and_says_so() {
    let mut f = fixture();
    select(&mut f.app, "C000026");
    keys(&mut f.app, &["r"]);
    assert!(f.app.remind.preview.is_none());
    assert!(status(&f.app).contains("today's step is a call (Phone call), no message"), "{}", status(&f.app));
}

#[test]
fn r_works_on_the_client_view_too() {
    let mut f = fixture();
    select(&mut f.app, "C000005");
    keys(&mut f.app, &["enter"]);
    let hints = dun::tui::screens::Screen::commands(f.app.screen(), &f.app);
    assert!(hints.iter().any(|h| h.action == dun::tui::action::Action::Remind), "the client view names the key");
    keys(&mut f.app, &["r"]);
    assert_eq!(f.app.remind.preview.as_ref().unwrap().items[0].planned.client_id, "C000005");
}

/// A ledger whose server goes away between the hand-off and the record.
struct MarkSentFails(Embedded);

impl Ledger for MarkSentFails {
    fn snapshot(&mut self) -> Result<Snapshot, LedgerError> {
        self.0.snapshot()
    }
    fn latest(&mut self) -> Result<u64, LedgerError> {
        self.0.latest()
    }
    fn apply(&mut self, r: Request) -> Result<Applied, LedgerError> {
        if matches!(r.command, dun::command::Command::MarkSent { .. }) {
            return Err(LedgerError::Server("the server went away before answering".into()));
        }
        self.0.apply(r)
    }
}

#[test]
fn a_send_the_book_cannot_record_says_it_went_and_is_not_offered_again() {
    let mut f = fixture_with(|e| Box::new(MarkSentFails(e)));
    select(&mut f.app, "C000005");
    keys(&mut f.app, &["r", "s", "y"]);
    f.app.deliver_now();
    assert_eq!(message(&f.app), "0 sent, 0 failed, 1 unknown");
    assert_eq!(f.sent().len(), 1, "the message went out");
    let outcome = match &f.app.remind.preview.as_ref().unwrap().items[0].outcome {
        Some(Status::Error(s)) => s.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        outcome.starts_with("sent to ap@hoolisystems.example (written to")
            && outcome.contains("but not recorded as sent: the server went away before answering")
            && outcome.ends_with("it shows as unknown until checked"),
        "{outcome}"
    );
    // It went: s does not offer it again.
    keys(&mut f.app, &["s"]);
    assert_eq!(message(&f.app), "nothing left to send: everything here has gone");
    assert_eq!(f.sent().len(), 1);
}

/// A served book's data folder is the server's: without `[mail]
/// letters_dir` a letter is refused before anything is queued, with the
/// words `remind --send` uses, and `w` proposes a file here instead.
#[test]
fn a_served_books_letter_needs_a_letters_dir_and_nothing_is_queued_without_one() {
    let mut f = fixture();
    let config = f.tmp.path().join("served.toml");
    let folder = f.outgoing();
    std::fs::write(
        &config,
        format!(
            "[mail]\nfrom = \"Accounts <ar@example.com>\"\ntransport = \"folder\"\nfolder = \"{}\"\n",
            folder.display()
        ),
    )
    .unwrap();
    f.app.remind.setup = Some(MailSetup::new(Config::load(Some(&config)).unwrap(), None).unwrap());
    f.app.remind.served = true;
    select(&mut f.app, "C000040");
    keys(&mut f.app, &["r", "s"]);
    assert_eq!(message(&f.app), dun::mail::deliver::SERVED_NEEDS_LETTERS_DIR);
    assert!(!matches!(f.app.remind.preview.as_ref().unwrap().mode, Mode::Confirm(_)), "no question is asked");
    let data = f.tmp.path().join("book");
    assert!(!data.join("letters").exists(), "nothing written in the data folder");
    assert!(Store::open(&data).unwrap().outbox(day()).unwrap().is_empty(), "nothing queued");
    keys(&mut f.app, &["w"]);
    let suggested = match &f.app.remind.preview.as_ref().unwrap().mode {
        Mode::SavePath(i) => i.value().to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(suggested, "2026-11-25-C000040-level5.pdf", "here, not in the server's folder");
    // Unserved, the same config puts it in the data folder, as before.
    f.app.remind.served = false;
    keys(&mut f.app, &["esc"]);
    keys(&mut f.app, &["s"]);
    assert!(question(&f.app).starts_with("write the "), "{}", question(&f.app));
}
