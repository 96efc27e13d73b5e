//! The imperative shell around the interface: config, theme and key map,
//! the store, the terminal (raw mode, alternate screen, restore on any exit
//! or panic), the event loop, Ctrl-Z, signals and the OSC 52 clipboard.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen};

/// The terminal: crossterm, with short unchanged gaps written through
/// rather than jumped over (`wire.rs`: fewer bytes over SSH).
type DefaultTerminal = ratatui::Terminal<super::wire::GapFill<ratatui::backend::CrosstermBackend<std::io::Stdout>>>;

use super::action::{Action, Effect};
use super::app::App;
use super::keymap::Keymap;
use super::theme::{self, ColorDepth, Theme};
use crate::config::Config;
use crate::session::Session;

/// What the interface needs before the book: settings, theme and keys.
/// Read before the terminal is taken, so a mistake in the config file is
/// an ordinary error message.
pub struct Settings {
    pub config: Config,
    /// The ladder in force: rules.toml in the data directory, else the
    /// built-in one. An invalid file stops dun here, before the terminal.
    pub rules: crate::rules::Rules,
    pub theme: Theme,
    pub keymap: Keymap,
}

pub fn settings(session: &Session) -> anyhow::Result<Settings> {
    let config = Config::load(session.config_path.as_deref()).map_err(anyhow::Error::msg)?;
    let keymap = Keymap::with_overrides(&config.keys).map_err(anyhow::Error::msg).context("in the config file")?;
    let (name, explicit) = theme::choose(session.theme.as_deref(), config.ui.theme.as_deref(), theme::no_color_env());
    let user_dir = crate::store::paths::config_dir().map(|d| d.join("themes"));
    let theme = Theme::load(&name, user_dir.as_deref(), ColorDepth::from_env()).map_err(anyhow::Error::msg)?;
    if explicit && theme::no_color_env() {
        // The user asked for colours by name on the command line, over
        // NO_COLOR; without this crossterm would turn every colour into a
        // bare reset and wipe the selection's attributes.
        ratatui::crossterm::style::force_color_output(true);
    }
    let rules = crate::rules::file::load(&session.data_dir).map_err(anyhow::Error::msg)?;
    Ok(Settings { config, rules, theme, keymap })
}

/// Reads the book through the session's ledger, works out the day's list
/// and builds the app: everything up to the first frame, without a
/// terminal. The ledger opens the store only to read or write (see
/// `Source::Ledger`); the daily backup is left to [`run`], after the first
/// screen.
pub fn prepare(session: &Session) -> anyhow::Result<App> {
    let s = settings(session)?;
    Ok(load(session, s, Box::new(session.ledger()), None)?.0)
}

/// With a team server: where it listens, who it knows us as, and the
/// messages its ledger has for the status line (lost, reconnected).
struct Served {
    socket: std::path::PathBuf,
    me: String,
    notices: std::sync::mpsc::Receiver<String>,
    /// The book's ladder, from the server.
    rules: crate::rules::Rules,
    role: crate::server::team::Role,
    /// The team's members, for the assign picker.
    team: Vec<String>,
    /// The book's fee terms, from the server: what reminders quote.
    fee_terms: Result<Option<crate::domain::LateFeePolicy>, String>,
}

/// The ledger the interface works through: the book's server when one is
/// running (its notices go to the status line, never to the terminal
/// under the screen), else the store in this process.
fn ledger(session: &Session) -> anyhow::Result<(Box<dyn crate::ledger::Ledger>, Option<Served>)> {
    match session.server()? {
        Some(mut remote) => {
            let (tx, notices) = std::sync::mpsc::channel();
            // Without the list the picker still offers the book's owners.
            let team = remote.team().map(|t| t.into_iter().map(|m| m.user).collect()).unwrap_or_default();
            let served = Served {
                socket: remote.socket().to_path_buf(),
                me: remote.user().to_string(),
                notices,
                rules: remote.rules()?,
                role: remote.role(),
                team,
                fee_terms: remote.fee_terms().map_err(|e| e.to_string()),
            };
            let remote = remote.on_notice(move |m| {
                let _ = tx.send(m.to_string());
            });
            Ok((Box::new(remote), Some(served)))
        }
        None => Ok((Box::new(session.ledger()), None)),
    }
}

/// Paid history (closed records) from which the interface starts from the
/// open part of the book and reads the rest behind its first screen.
const DEFER_HISTORY_FROM: u64 = 20_000;

/// Builds the app on the book. With `open_first` (a book in this process:
/// the least closed history worth deferring), only the open part of the
/// read image is decoded when that is all the day's screens need: on a
/// large book most invoices are paid history, and decoding them was most
/// of the wait for the first screen. The second value says so: the caller
/// then reads the whole book behind the first screen
/// ([`whole_book_in_background`]).
fn load(
    session: &Session,
    s: Settings,
    ledger: Box<dyn crate::ledger::Ledger>,
    open_first: Option<u64>,
) -> anyhow::Result<(App, bool)> {
    let open = open_first.and_then(|min| crate::store::read_open_book(&session.data_dir, session.today, min));
    let partial = open.is_some();
    let source = match open {
        Some((book, seq)) => {
            super::app::Source::Ledger { ledger, book: Box::new(book), seq, dir: Some(session.data_dir.clone()) }
        }
        None => super::app::Source::from_ledger(ledger, Some(session.data_dir.clone()))
            .with_context(|| format!("cannot open the book in {}", session.data_dir.display()))?,
    };
    let actions = crate::rules::today(source.book(), &s.rules, session.today);
    let mut app = App::new(source, session.today, actions, s.theme, s.keymap, s.config.aging.buckets.clone());
    app.rules = s.rules;
    // The preview (`r`) words and sends messages as `dun remind` does.
    let templates = crate::mail::setup::template_dir(session.config_path.as_deref());
    match crate::mail::setup::MailSetup::new(s.config.clone(), templates) {
        Ok(m) => app.remind.setup = Some(m),
        Err(e) => app.remind.setup_error = Some(e),
    }
    // Validated with the config: "due" or "invoice".
    app.aging_basis = s.config.aging.by.parse().unwrap_or_default();
    app.tz = chrono::Local::now().offset().to_owned();
    if partial {
        app.status = Some(super::app::Status::Info("reading the paid history…".into()));
    }
    Ok((app, partial))
}

type WholeBook = std::sync::mpsc::Receiver<Result<(crate::domain::Book, u64), String>>;

/// The whole book (paid history included), read from the image on a thread
/// of its own while the first screen is already up.
fn whole_book_in_background(session: &Session) -> Option<WholeBook> {
    let dir = session.data_dir.clone();
    let opts = session.open_options(false);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("dun-history".into())
        .spawn(move || {
            let _ = tx.send(crate::store::read_book(&dir, opts).map_err(|e| e.to_string()));
        })
        .ok()?;
    Some(rx)
}

/// Set to anything, `dun` (the interface) draws its first screen into a
/// 120×40 buffer instead of the terminal, prints it and exits: the time
/// from launch to the first screen, measured without a terminal
/// (benches/scale.sh). The history read behind it is not started.
pub const FIRST_FRAME_ENV: &str = "DUN_FIRST_FRAME_AND_EXIT";

fn first_frame(session: &Session) -> anyhow::Result<()> {
    let s = settings(session)?;
    let (ledger, served) = ledger(session)?;
    let (mut app, _) = load(session, s, ledger, served.is_none().then_some(DEFER_HISTORY_FROM))?;
    app.size = (120, 40);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40))?;
    terminal.draw(|f| f.render_widget(&app, f.area()))?;
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    // A closed pipe is the reader having stopped, not an error.
    let _ = std::io::stdout().write_all(crate::text::sanitize_lines(&out).as_bytes());
    // The process ends here: freeing the book piece by piece is not part
    // of reaching the first screen (the OS takes it back at exit).
    std::mem::forget(app);
    Ok(())
}

/// Opens the interface on the book of `session`.
pub fn run(session: &Session) -> anyhow::Result<()> {
    if std::env::var_os(FIRST_FRAME_ENV).is_some() {
        return first_frame(session);
    }
    let s = settings(session)?;
    let mouse = s.config.ui.mouse;
    let slot = super::logging::DraftSlot::default();
    let stop = watch_signals(slot.clone(), session.data_dir.clone())?;

    // try_init installs a panic hook that restores the terminal before the
    // message is printed; the guard restores it on every other way out
    // (errors included, before main prints them).
    let terminal = ratatui::try_init().context("cannot set up the terminal")?;
    drop(terminal);
    let backend = super::wire::GapFill::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()));
    let mut terminal = ratatui::Terminal::new(backend).context("cannot set up the terminal")?;
    let _guard = RestoreGuard { mouse };
    // Pasted text arrives as one event, not as keys that could trigger actions.
    execute!(std::io::stdout(), EnableBracketedPaste)?;
    if mouse {
        execute!(std::io::stdout(), EnableMouseCapture)?;
    }
    // Something on the screen at once, even while a large book loads.
    let dir = session.data_dir.display().to_string();
    terminal.draw(|f| {
        let msg = format!("dun: opening the book in {}…", crate::text::sanitize(&dir));
        f.render_widget(ratatui::widgets::Paragraph::new(msg).style(s.theme.style(theme::Role::Muted)), f.area());
    })?;
    let (ledger, served) = ledger(session)?;
    let mut s = s;
    if let Some(rules) = served.as_ref().map(|sv| sv.rules.clone()) {
        s.rules = rules;
    }
    // Followed before the first read, so no commit falls in between.
    let news = served.as_ref().map(|sv| crate::server::client::follow(sv.socket.clone()));
    let (mut app, partial) = load(session, s, ledger, served.is_none().then_some(DEFER_HISTORY_FROM))?;
    if let Some(sv) = &served {
        app.me = sv.me.clone();
        app.role = Some(sv.role);
        app.team = sv.team.clone();
        app.remind.served = true;
        // Messages quote the terms the server charges by, not this config's
        // `[fees]`; without them, `r` says why rather than guess.
        match (&sv.fee_terms, app.remind.setup.as_mut()) {
            (Ok(terms), Some(setup)) => setup.fee_policy = terms.clone(),
            (Err(e), _) => {
                app.remind.setup = None;
                app.remind.setup_error = Some(format!("the server's fee terms could not be read: {e}"));
            }
            (Ok(_), None) => {}
        }
    } else if let Ok(Some(team)) = crate::server::team::Team::load(&session.data_dir) {
        // A book without a server has no roles, but its team file (if
        // any) still names who may be given an account.
        app.team = team.members().into_iter().map(|(user, _)| user).collect();
    }
    app.logbook.draft_slot = slot;
    if let Some(draft) = crate::drafts::load(&session.data_dir) {
        app.restore_draft(&draft);
    }
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    // The server keeps its own backups. The backup is of the whole book:
    // with only the open part read, it waits for the rest.
    let backup = if served.is_some() || partial { None } else { daily_backup_in_background(session, &app) };
    let history = if partial { whole_book_in_background(session) } else { None };
    let live = served.zip(news).map(|(sv, news)| Live { me: sv.me, news, notices: sv.notices });
    let background = Background { session, backup, history };
    event_loop(&mut terminal, &mut app, &stop, mouse, background, live)
}

/// What runs behind the screen: the daily backup and, after a start from
/// the open part of the book, the read of the whole book.
struct Background<'s> {
    session: &'s Session,
    backup: Option<BackupResult>,
    history: Option<WholeBook>,
}

impl Background<'_> {
    /// Takes what finished into the app; whether the screen changed.
    fn deliver(&mut self, app: &mut App) -> bool {
        let mut changed = false;
        if let Some(result) = self.history.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.history = None;
            changed = true;
            match result {
                Ok((book, seq)) => {
                    if app.whole_book_arrived(book, seq) {
                        self.backup = daily_backup_in_background(self.session, app);
                    } else {
                        // A write of ours came first: read it again.
                        self.history = whole_book_in_background(self.session);
                    }
                }
                Err(e) => app.status = Some(super::app::Status::Error(format!("cannot read the paid history: {e}"))),
            }
        }
        if let Some(result) = self.backup.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.backup = None;
            if let Err(e) = result {
                app.status = Some(super::app::Status::Error(format!("the daily backup failed: {e}")));
                changed = true;
            }
        }
        changed
    }
}

/// What the loop takes from a team server between keys.
struct Live {
    me: String,
    news: std::sync::mpsc::Receiver<crate::server::client::News>,
    notices: std::sync::mpsc::Receiver<String>,
}

impl Live {
    /// Hands the app whatever arrived; whether anything did (to redraw).
    fn deliver(&self, app: &mut App) -> bool {
        let mut any = false;
        for n in self.news.try_iter() {
            app.server_news(n, &self.me);
            any = true;
        }
        for m in self.notices.try_iter() {
            app.status = Some(super::app::Status::Info(m));
            any = true;
        }
        any
    }
}

type BackupResult = std::sync::mpsc::Receiver<Result<Option<std::path::PathBuf>, String>>;

/// The first open of the day keeps a backup (`io::backup::daily`). On a
/// large book that takes about a second, which the morning's first screen
/// should not wait for: it is written from a copy of the book, as read from
/// disk, on a thread of its own. A failure shows on the status line.
fn daily_backup_in_background(session: &Session, app: &App) -> Option<BackupResult> {
    let keep = session.backup_keep_days();
    let today = session.backup_day()?;
    if keep == 0 || crate::io::backup::daily_done(&session.data_dir, today) {
        return None;
    }
    let book = app.book().clone();
    let dir = session.data_dir.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("dun-backup".into())
        .spawn(move || {
            let _ = tx.send(crate::io::backup::daily_from_book(&book, &dir, today, keep));
        })
        .ok()?;
    Some(rx)
}

/// SIGTERM and SIGHUP (an SSH connection dropping) end the session
/// cleanly: the loop notices the flag within its poll timeout and returns,
/// restoring the terminal. After a hang-up crossterm can spin inside its
/// read on the dead terminal and never come back, so if the loop has not
/// ended a second later this thread restores what it can and exits.
///
/// A form open at that moment is written to the draft file first, from the
/// shared slot, so the typing survives even if the main loop is stuck.
fn watch_signals(slot: super::logging::DraftSlot, dir: std::path::PathBuf) -> anyhow::Result<Arc<AtomicBool>> {
    use signal_hook::consts::{SIGHUP, SIGTERM};
    let stop = Arc::new(AtomicBool::new(false));
    let mut signals =
        signal_hook::iterator::Signals::new([SIGTERM, SIGHUP]).context("cannot install signal handlers")?;
    let flag = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("dun-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let draft = slot.lock().ok().and_then(|d| d.clone());
                if let Some(d) = draft {
                    let _ = crate::drafts::save(&dir, &d);
                }
                flag.store(true, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(1000));
                ratatui::restore();
                std::process::exit(128 + sig);
            }
        })
        .context("cannot start the signal thread")?;
    Ok(stop)
}

struct RestoreGuard {
    mouse: bool,
}

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        if self.mouse {
            let _ = execute!(std::io::stdout(), DisableMouseCapture);
        }
        let _ = execute!(std::io::stdout(), DisableBracketedPaste);
        ratatui::restore();
    }
}

fn draw(terminal: &mut DefaultTerminal, app: &App) -> std::io::Result<()> {
    // The backend brackets each frame in a synchronized update (wire.rs).
    terminal.draw(|f| f.render_widget(app, f.area()))?;
    Ok(())
}

/// Redraws only after events, and only once for everything queued: a held
/// key does not queue up frames.
fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    stop: &AtomicBool,
    mouse: bool,
    mut background: Background<'_>,
    live: Option<Live>,
) -> anyhow::Result<()> {
    draw(terminal, app)?;
    loop {
        if live.as_ref().is_some_and(|l| l.deliver(app)) {
            draw(terminal, app)?;
        }
        if background.deliver(app) {
            draw(terminal, app)?;
        }
        // The timeout only lets a signal (or the backup's end) be noticed;
        // nothing is drawn on it otherwise.
        if !event::poll(Duration::from_millis(250))? {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            continue;
        }
        let mut dirty = false;
        loop {
            let effect = match event::read()? {
                Event::Key(k) => {
                    dirty = true;
                    app.on_key(k)
                }
                Event::Paste(text) => {
                    dirty = true;
                    app.on_paste(&text);
                    Effect::None
                }
                Event::Resize(w, h) => {
                    app.size = (w, h);
                    dirty = true;
                    Effect::None
                }
                Event::Mouse(m) if mouse => match m.kind {
                    MouseEventKind::ScrollDown => {
                        dirty = true;
                        app.update(Action::Down)
                    }
                    MouseEventKind::ScrollUp => {
                        dirty = true;
                        app.update(Action::Up)
                    }
                    _ => Effect::None,
                },
                _ => Effect::None,
            };
            match effect {
                Effect::None => {}
                Effect::Quit => return Ok(()),
                Effect::Suspend => {
                    suspend(terminal, mouse)?;
                    dirty = true;
                }
                Effect::Editor(text) => {
                    let result = edit_externally(terminal, mouse, &text);
                    app.editor_done(result);
                    dirty = true;
                }
                Effect::Deliver => {
                    draw(terminal, app)?;
                    app.deliver_now();
                    dirty = true;
                }
                Effect::Copy(text) => {
                    // OSC 52 reaches the clipboard of the terminal the user
                    // sits at, over SSH too.
                    let mut out = std::io::stdout();
                    execute!(out, ratatui::crossterm::clipboard::CopyToClipboard::to_clipboard_from(text))?;
                    out.flush()?;
                }
            }
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if !event::poll(Duration::ZERO)? {
                break;
            }
        }
        if dirty {
            draw(terminal, app)?;
        }
    }
}

/// Runs `$VISUAL` (else `$EDITOR`, else `vi`) on a private temporary file
/// holding `text`, with the terminal given back for the duration, and
/// returns what was saved.
fn edit_externally(terminal: &mut DefaultTerminal, mouse: bool, text: &str) -> Result<String, String> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = std::env::temp_dir().join(format!("dun-note-{}.txt", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write a temporary file for the editor: {e}"))?;
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| std::env::var("EDITOR").ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string());
    let leave = || -> std::io::Result<()> {
        if mouse {
            execute!(std::io::stdout(), DisableMouseCapture)?;
        }
        execute!(std::io::stdout(), DisableBracketedPaste)?;
        ratatui::restore();
        // restore() leaves the cursor as the frame had it (hidden).
        execute!(std::io::stdout(), ratatui::crossterm::cursor::Show)?;
        Ok(())
    };
    let _ = leave();
    // Through the shell, so an editor setting with arguments ("code -w") works.
    let status =
        std::process::Command::new("sh").arg("-c").arg(format!("{editor} \"$1\"")).arg("sh").arg(&path).status();
    let back = terminal::enable_raw_mode()
        .and_then(|()| execute!(std::io::stdout(), EnterAlternateScreen, EnableBracketedPaste))
        .and_then(|()| if mouse { execute!(std::io::stdout(), EnableMouseCapture) } else { Ok(()) })
        .and_then(|()| execute!(std::io::stdout(), ratatui::crossterm::cursor::Hide))
        .and_then(|()| terminal.clear());
    let result = match status {
        Ok(s) if s.success() => {
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read the note back from the editor: {e}"))
        }
        Ok(s) => Err(format!("the editor ({editor}) exited with {s}; the note was not changed")),
        Err(e) => Err(format!("cannot run the editor ({editor}): {e}")),
    };
    let _ = std::fs::remove_file(&path);
    back.map_err(|e| format!("cannot take the terminal back: {e}"))?;
    result
}

/// Ctrl-Z: give the terminal back, stop, and take it again on `fg`.
fn suspend(terminal: &mut DefaultTerminal, mouse: bool) -> anyhow::Result<()> {
    if mouse {
        execute!(std::io::stdout(), DisableMouseCapture)?;
    }
    execute!(std::io::stdout(), DisableBracketedPaste)?;
    ratatui::restore();
    // The shell prompt needs its cursor: restore() leaves it hidden.
    execute!(std::io::stdout(), ratatui::crossterm::cursor::Show)?;
    // SAFETY: raise only sends a signal to this process; SIGTSTP's default
    // action stops it until SIGCONT, after which raise returns.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    terminal::enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(std::io::stdout(), EnableMouseCapture)?;
    }
    execute!(std::io::stdout(), ratatui::crossterm::cursor::Hide)?;
    terminal.clear()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo book in a store, and the session on it.
    fn demo_store(today: chrono::NaiveDate) -> (tempfile::TempDir, Session) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("book");
        {
            let mut store = crate::store::Store::open(&dir).unwrap();
            let b = crate::demo::build(today, &mut store.ids());
            let batch = crate::store::Batch {
                clients: b.clients,
                invoices: b.invoices,
                payments: b.payments,
                adjustments: b.adjustments,
                notes: b.notes,
                ..Default::default()
            };
            store.apply(batch).unwrap();
        }
        let session = Session::new(Some(&dir), Some(today), None, None, false).unwrap();
        (tmp, session)
    }

    /// The interface starts from the open part of a book and takes the
    /// whole book when it arrives: the day's list is the same before and
    /// after, and the paid history is there after.
    #[test]
    fn the_first_screen_comes_from_the_open_part_and_the_rest_follows() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let (_tmp, session) = demo_store(today);
        let whole = prepare(&session).unwrap();
        let (mut app, partial) =
            load(&session, settings(&session).unwrap(), Box::new(session.ledger()), Some(0)).unwrap();
        assert!(partial, "the demo book has paid history to defer");
        assert!(app.book().invoices().len() < whole.book().invoices().len());
        assert_eq!(app.model.actions, whole.model.actions, "the day's list needs only the open part");
        assert!(matches!(&app.status, Some(super::super::app::Status::Info(m)) if m.contains("paid history")));

        let rx = whole_book_in_background(&session).unwrap();
        let (book, seq) = rx.recv().unwrap().unwrap();
        assert!(!app.whole_book_arrived(book.clone(), seq.saturating_sub(1)), "an older book is not taken");
        assert!(app.whole_book_arrived(book, seq));
        assert_eq!(app.book().invoices().len(), whole.book().invoices().len());
        assert_eq!(app.model.actions, whole.model.actions);
        assert_eq!(app.status, None);
        // Without history worth deferring, the whole book is read at once.
        let (_, partial) =
            load(&session, settings(&session).unwrap(), Box::new(session.ledger()), Some(u64::MAX)).unwrap();
        assert!(!partial);
    }

    /// The paid history arrives while the whole book's invoice list is out
    /// of view (an invoice opened from it is): Back to the list shows every
    /// invoice of the whole book, not the open part it was built from.
    #[test]
    fn the_paid_history_reaches_a_list_out_of_view() {
        use super::super::action::{Action, Tab};
        use super::super::app::View;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let (_tmp, session) = demo_store(today);
        let (mut app, partial) =
            load(&session, settings(&session).unwrap(), Box::new(session.ledger()), Some(0)).unwrap();
        assert!(partial);
        assert!(!app.model.rows_built(), "the first screen does not need the whole book's rows");
        app.update(Action::Jump(Tab::Invoices));
        app.update(Action::ToggleScope);
        let open_part = app.screens.invoices.rows.len();
        assert_eq!(open_part, app.book().invoices().len(), "every invoice of the open part");
        app.update(Action::Enter);
        assert!(matches!(app.view, View::Invoice(_)));
        let (book, seq) = whole_book_in_background(&session).unwrap().recv().unwrap().unwrap();
        assert!(app.whole_book_arrived(book, seq));
        app.update(Action::Back);
        assert_eq!(app.view, View::Tab(Tab::Invoices));
        assert!(app.book().invoices().len() > open_part);
        assert_eq!(app.screens.invoices.rows.len(), app.book().invoices().len(), "the paid history is listed");
    }

    /// The Invoices list's selection stays on its invoice when the paid
    /// history arrives, with the list in view and behind an invoice opened
    /// from it: the paid
    /// invoices listed with it move the open ones to other rows.
    #[test]
    fn the_invoices_list_keeps_its_selection_when_the_history_arrives() {
        use super::super::action::{Action, Tab};
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let selected = |app: &App| {
            let list = &app.screens.invoices;
            let ix = app.model.invoice(app.book(), list.rows[list.list.selected]).ix;
            (list.list.selected, app.book().invoices()[ix].number.to_string())
        };
        for out_of_view in [false, true] {
            let (_tmp, session) = demo_store(today);
            let (mut app, partial) =
                load(&session, settings(&session).unwrap(), Box::new(session.ledger()), Some(0)).unwrap();
            assert!(partial);
            app.update(Action::Jump(Tab::Invoices));
            app.update(Action::ToggleScope);
            // The last row of the open part: not yet due, where the paid
            // invoices (nothing overdue) sort in around it.
            for _ in 0..app.screens.invoices.rows.len() {
                app.update(Action::Down);
            }
            let (row, number) = selected(&app);
            if out_of_view {
                app.update(Action::Enter);
            }
            let (book, seq) = whole_book_in_background(&session).unwrap().recv().unwrap().unwrap();
            assert!(app.whole_book_arrived(book, seq));
            if out_of_view {
                // Read a second time while the list is still out of view:
                // its rows are still of the first book, so the selection
                // waiting to be put back is the one kept.
                let (book, seq) = whole_book_in_background(&session).unwrap().recv().unwrap().unwrap();
                assert!(app.whole_book_arrived(book, seq));
                app.update(Action::Back);
            }
            let (now, still) = selected(&app);
            assert_eq!(still, number, "out of view: {out_of_view}");
            assert_ne!(now, row, "the paid history moved the invoice to another row (else this shows nothing)");
        }
    }

    /// An invoice open while the whole book arrives stays the same invoice
    /// (and the one on the way back too), though the whole book holds its
    /// invoices at other positions than the open part did.
    #[test]
    fn an_open_invoice_is_the_same_invoice_after_the_history_arrives() {
        use super::super::action::{Action, Tab};
        use super::super::app::View;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let (_tmp, session) = demo_store(today);
        let (mut app, _) = load(&session, settings(&session).unwrap(), Box::new(session.ledger()), Some(0)).unwrap();
        app.update(Action::Jump(Tab::Invoices));
        app.update(Action::ToggleScope);
        let shown = |app: &App| match app.view {
            View::Invoice(r) => app.book().invoices()[r].number.clone(),
            other => panic!("not an invoice: {other:?}"),
        };
        let mut numbers = Vec::new();
        for (down, client) in [(7, false), (3, true)] {
            for _ in 0..down {
                app.update(Action::Down);
            }
            app.update(Action::Enter);
            numbers.push(shown(&app));
            if client {
                // Into its client, then into the client's first open invoice.
                app.update(Action::Enter);
                app.update(Action::Enter);
                numbers.push(shown(&app));
            } else {
                app.update(Action::Back);
            }
        }
        let (book, seq) = whole_book_in_background(&session).unwrap().recv().unwrap().unwrap();
        let moved = numbers.iter().filter(|n| app.book().invoice_index(n) != book.invoice_index(n)).count();
        assert!(moved > 0, "the whole book holds these invoices elsewhere");
        assert!(app.whole_book_arrived(book, seq));
        assert_eq!(shown(&app), numbers[2]);
        app.update(Action::Back);
        assert!(matches!(app.view, View::Client(_)));
        app.update(Action::Back);
        assert_eq!(shown(&app), numbers[1], "the invoice on the way back too");
    }
}
