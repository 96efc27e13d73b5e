//! End to end in a real terminal: the dun binary in tmux (80×24) on a demo
//! book. The first screen appears, a drill-down works, `q` exits, and the
//! shell is usable afterwards (cooked mode, main screen back).
//!
//! Needs tmux; skipped with a note when it is missing, unless
//! DUN_REQUIRE_SHARED=1 (CI), which makes a missing tmux a failure.

#[path = "common/tmux.rs"]
mod tmux;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tmux::{quote, Tmux};

const TODAY: &str = "2026-11-25";

/// A demo book in a temp dir and a tmux server running an interactive
/// shell; None when tmux is missing (and that is allowed).
struct Setup {
    tmux: Tmux,
    data: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn setup(name: &str) -> Option<Setup> {
    if !tmux::available("the end-to-end terminal test") {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("book");
    let out = Command::new(bin())
        .args(["--data"])
        .arg(&data)
        .args(["demo", "--no-tui", "--today", TODAY])
        .output()
        .expect("run dun demo");
    assert!(out.status.success(), "dun demo: {}", String::from_utf8_lossy(&out.stderr));

    let tmux = Tmux::new(&format!("dun-e2e-{name}"), "e2e");
    tmux.start_shell(80, 24);
    Some(Setup { tmux, data, _dir: dir })
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_dun"))
}

/// Types the command that opens the interface and waits for Today.
fn open(st: &Setup) -> String {
    let cmd = format!("{} --data {} --today {TODAY}", quote(bin()), quote(&st.data));
    st.tmux.send_literal(&cmd);
    st.tmux.send(&["Enter"]);
    st.tmux.wait_for("the Today screen", |s| s.contains("1 Today") && s.contains("Today ·"))
}

/// Checks the shell answers and the terminal is back in cooked mode.
fn assert_shell_usable(tmux: &Tmux, tag: &str) {
    let marker = format!("{tag}-{}", std::process::id());
    tmux.send_literal(&format!("stty -a | grep -q -- -icanon && echo RAW-{marker} || echo COOKED-{marker}"));
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("the shell to answer", |s| {
        s.lines().any(|l| l.trim() == format!("COOKED-{marker}") || l.trim() == format!("RAW-{marker}"))
    });
    assert!(s.lines().any(|l| l.trim() == format!("COOKED-{marker}")), "terminal left in raw mode:\n{s}");
    assert!(!s.contains("1 Today"), "the alternate screen was not left:\n{s}");
}

/// The pid of the dun process working on `data` (from /proc).
fn dun_pid(data: &Path) -> Option<u32> {
    let want = data.to_string_lossy().to_string();
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
        let args: Vec<String> = cmd.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        (args.first()?.ends_with("dun") && args.contains(&want)).then_some(pid)
    })
}

fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses; Z is a zombie.
        Ok(stat) => stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[test]
fn the_interface_opens_drills_down_quits_and_leaves_a_usable_shell() {
    let Some(st) = setup("main") else { return };
    let tmux = &st.tmux;
    let s = open(&st);
    // The first screen: Today, with its header for the given day.
    assert!(s.contains("Wed 2026-11-25"), "{s}");
    assert!(s.contains("to chase"), "{s}");
    // Ctrl-Z gives the terminal back to the shell; fg brings dun back whole.
    tmux.send(&["C-z"]);
    tmux.wait_for("the job to stop", |s| s.contains("Stopped") && !s.contains("1 Today"));
    // The cursor shows at the shell prompt (the interface hides it).
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "the cursor is hidden at the shell prompt after Ctrl-Z");
    tmux.send_literal("fg");
    tmux.send(&["Enter"]);
    tmux.wait_for("dun to come back", |s| s.contains("1 Today") && s.contains("Today ·"));

    // Drill down: Clients, then a client's detail, then one invoice.
    tmux.send(&["2"]);
    tmux.wait_for("the Clients screen", |s| s.contains("Clients ·") && s.contains("Acme Industrial Ltd"));
    tmux.send(&["j", "j", "j", "Enter"]);
    let s = tmux.wait_for("the client detail", |s| s.contains("Open invoices") && s.contains("Latest notes"));
    assert!(s.contains("Black Mesa Research"), "{s}");
    tmux.send(&["Enter"]);
    tmux.wait_for("the invoice view", |s| s.contains("Invoice INV-") && s.contains("balance"));
    tmux.send(&["Escape"]);
    tmux.wait_for("back to the client", |s| s.contains("Open invoices"));
    // Esc alone waits for a possible escape sequence; Backspace is immediate.
    tmux.send(&["BSpace"]);
    tmux.wait_for("back to the list", |s| s.contains("Clients ·"));

    // Aging drill-down: a bucket cell to its invoices.
    tmux.send(&["4"]);
    tmux.wait_for("the Aging screen", |s| s.contains("Aging by due date") && s.contains("ALL USD"));
    tmux.send(&["j", "j", "l", "l", "Enter"]);
    tmux.wait_for("the bucket's invoices", |s| s.contains("Invoices ·") && s.contains("USD 31-60"));

    // Quit: the main screen comes back and the terminal is in cooked mode.
    tmux.send(&["q"]);
    tmux.wait_for("the interface to go", |s| !s.contains("Invoices ·"));
    assert_shell_usable(tmux, "quit");
    // A --today run is a planning run: it never writes (or prunes) the
    // daily backups, which are named by the real clock.
    let backups = std::fs::read_dir(st.data.join("backups")).map(|r| r.count()).unwrap_or(0);
    assert_eq!(backups, 0, "a --today run wrote a backup");
}

#[test]
fn sigterm_and_a_dropped_terminal_end_the_session_cleanly() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Some(st) = setup("signals") else { return };
    let tmux = &st.tmux;
    open(&st);
    let pid = dun_pid(&st.data).expect("the dun process");
    // SAFETY: kill only sends a signal, to the process we just found.
    let rc = unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    tmux.wait_for("dun to end on SIGTERM", |s| !s.contains("1 Today"));
    assert_shell_usable(tmux, "term");

    // The terminal goes away under it (an SSH drop): dun must not linger,
    // spinning on a dead terminal or holding the book's lock.
    open(&st);
    let pid = dun_pid(&st.data).expect("the dun process");
    let _ = tmux.run(&["kill-session", "-t", "e2e"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_running(pid) {
        assert!(Instant::now() < deadline, "dun still running 10 s after its terminal went away");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The book is free again.
    let out = Command::new(bin()).arg("--data").arg(&st.data).args(["verify"]).output().expect("run dun verify");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The first client on `dun today` (the one the Today screen selects).
fn first_today_client(data: &Path) -> String {
    let out = Command::new(bin())
        .arg("--data")
        .arg(data)
        .args(["--today", TODAY, "--format", "csv", "today"])
        .output()
        .expect("run dun today");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().nth(1).and_then(|l| l.split(',').next()).expect("a client on today's list").to_string()
}

fn notes_csv(data: &Path, client: &str) -> String {
    let out = Command::new(bin())
        .arg("--data")
        .arg(data)
        .args(["--format", "csv", "client", "notes", client])
        .output()
        .expect("run dun client notes");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn kill_and_wait(pid: u32, sig: libc::c_int) {
    // SAFETY: kill only sends a signal, to the process we found by its args.
    let rc = unsafe { libc::kill(pid as libc::pid_t, sig) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_running(pid) {
        assert!(Instant::now() < deadline, "dun still running 10 s after signal {sig}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_promise_is_on_disk_the_moment_the_screen_says_saved() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Some(st) = setup("sigkill") else { return };
    let tmux = &st.tmux;
    let client = first_today_client(&st.data);
    open(&st);
    // c, r (reached), the note, Tab, fri, Enter.
    tmux.send(&["c", "r"]);
    tmux.send_literal("will pay the overdue total friday");
    tmux.send(&["Tab"]);
    tmux.send_literal("fri");
    tmux.send(&["Enter"]);
    tmux.wait_for("the confirmation", |s| s.contains("saved: promise to pay logged"));
    // The open interface does not lock the book: a cron job can read it.
    let out = Command::new(bin())
        .arg("--data")
        .arg(&st.data)
        .args(["--today", TODAY, "--format", "csv", "today"])
        .output()
        .expect("run dun today");
    assert!(out.status.success(), "dun today beside the interface: {}", String::from_utf8_lossy(&out.stderr));
    // No chance to flush anything more: SIGKILL at once.
    kill_and_wait(dun_pid(&st.data).expect("the dun process"), libc::SIGKILL);
    let notes = notes_csv(&st.data, &client);
    let line = notes.lines().find(|l| l.contains("will pay the overdue total friday")).unwrap_or_else(|| {
        panic!("the note is missing after SIGKILL:\n{notes}");
    });
    assert!(line.contains(",call,reached,"), "{line}");
    assert!(line.contains("by 2026-11-27"), "the promise (Friday) is missing: {line}");
}

#[test]
fn a_dropped_connection_keeps_the_typing_for_next_time() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Some(st) = setup("sighup") else { return };
    let tmux = &st.tmux;
    let client = first_today_client(&st.data);
    open(&st);
    tmux.send(&["c", "n"]);
    tmux.send_literal("rang twice, no answer");
    tmux.wait_for("the typing", |s| s.contains("rang twice, no answer"));
    kill_and_wait(dun_pid(&st.data).expect("the dun process"), libc::SIGHUP);
    assert!(st.data.join("draft.json").exists(), "no draft was written on SIGHUP");
    assert!(!notes_csv(&st.data, &client).contains("rang twice"), "a draft is not a saved note");

    let _ = tmux.run(&["send-keys", "-t", "e2e", "reset", "Enter"]);
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    open(&st);
    tmux.wait_for("the recovered form", |s| {
        s.contains("recovered unsaved call") && s.contains("rang twice, no answer")
    });
    tmux.send(&["Enter"]);
    tmux.wait_for("the confirmation", |s| s.contains("saved: call logged"));
    tmux.send(&["q"]);
    tmux.wait_for("the interface to go", |s| !s.contains("1 Today"));
    assert!(notes_csv(&st.data, &client).contains("rang twice, no answer"));
    assert!(!st.data.join("draft.json").exists(), "the draft is gone once saved");
}

#[test]
fn a_key_that_reverses_data_asks_first_and_n_writes_nothing() {
    let Some(st) = setup("confirm") else { return };
    let tmux = &st.tmux;
    open(&st);
    // The first client's view keeps the client on screen through the writes.
    tmux.send(&["Enter"]);
    tmux.wait_for("the client view", |s| s.contains("Open invoices"));
    tmux.send(&["h"]);
    tmux.wait_for("the hold form", |s| s.contains("Put on hold"));
    tmux.send_literal("in administration");
    tmux.send(&["Enter"]);
    tmux.wait_for("the hold saved", |s| s.contains("saved: ") && s.contains(" on hold"));
    tmux.send(&["u"]);
    let s = tmux.wait_for("the question", |s| s.contains("? y/n"));
    assert!(s.contains("undo the hold on") && s.contains("chasing resumes"), "{s}");
    tmux.send(&["n"]);
    tmux.wait_for("nothing done", |s| s.contains("not done: undo the hold"));
    tmux.send(&["h"]);
    let s = tmux.wait_for("the release question", |s| s.contains("? y/n"));
    assert!(s.contains("release the hold on") && s.contains("in administration"), "{s}");
    tmux.send(&["y"]);
    tmux.wait_for("released", |s| s.contains("saved: released the hold on"));
    tmux.send(&["q"]);
    tmux.wait_for("the interface to go", |s| !s.contains("Open invoices"));
}

/// Tables fit an 80-column terminal: no row wraps, fixed columns whole,
/// long text cut with `…`; `--help` wraps to the terminal too.
#[test]
fn tables_and_help_fit_an_80_column_terminal() {
    let Some(st) = setup("width") else { return };
    let tmux = &st.tmux;
    let base = format!("{} --data {} --today {TODAY}", quote(bin()), quote(&st.data));
    for (cmd, marker) in [
        // The last row: the screen scrolls.
        ("today", "C000001"),
        ("aging --by-client", "C000040"),
        ("invoice list", "C000040"),
        ("invoice --help", "--wait <SECONDS>"),
    ] {
        tmux.send(&["C-l"]);
        let end = format!("END-{}", cmd.len());
        tmux.send_literal(&format!("clear; {base} {cmd} | cat >/dev/null; {base} {cmd}; echo {end}"));
        tmux.send(&["Enter"]);
        let s = tmux.wait_for(cmd, |s| s.lines().any(|l| l.trim() == end));
        let rows: Vec<&str> = s.lines().filter(|l| l.contains(marker)).collect();
        assert!(!rows.is_empty(), "{cmd}: no row with {marker}:\n{s}");
        for l in s.lines() {
            assert!(dun::text::width(l) <= 80, "{cmd}: a line wider than the terminal: {l:?}");
        }
        if cmd == "today" {
            // The fixed columns stay on the row's line; the long text moves
            // to a continuation line, cut short.
            assert!(rows.iter().all(|r| r.contains("reminder") && r.trim_end().ends_with(" 5")), "{s}");
            assert!(s.lines().any(|l| l.starts_with("    ") && l.trim_end().ends_with('…')), "{s}");
        }
    }
}

/// The SGR parameters of colours (fore- and background, 16, 256 and true
/// colour) in a `capture-pane -e` screen.
fn colour_codes(escaped: &str) -> Vec<String> {
    let mut found = Vec::new();
    for seq in escaped.split("\x1b[").skip(1) {
        let Some(end) = seq.find('m') else { continue };
        let params = &seq[..end];
        if !params.chars().all(|c| c.is_ascii_digit() || c == ';') {
            continue;
        }
        for p in params.split(';') {
            if let Ok(n) = p.parse::<u16>() {
                if matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107) {
                    found.push(params.to_string());
                }
            }
        }
    }
    found
}

/// The pictures in a real terminal, in colour and under NO_COLOR: the
/// Aging bar chart (one per currency, bucket names under the bars and
/// amounts on them), the client view's days-to-pay sparkline and credit
/// bar (with its figures and OVER LIMIT in words), and the Forecast
/// screen (weeks under the bars, the table beneath). Under NO_COLOR the
/// same words are there and no colour is sent at all.
#[test]
fn the_charts_draw_in_a_real_terminal_with_and_without_colour() {
    let Some(st) = setup("charts") else { return };
    let tmux = &st.tmux;
    for no_color in [false, true] {
        let env = if no_color { "NO_COLOR=1 " } else { "" };
        let cmd = format!("{env}{} --data {} --today {TODAY}", quote(bin()), quote(&st.data));
        tmux.send_literal(&cmd);
        tmux.send(&["Enter"]);
        tmux.wait_for("the Today screen", |s| s.contains("1 Today") && s.contains("Today ·"));

        // Aging: at 80 columns the chart is one Tab away from the table.
        tmux.send(&["4"]);
        tmux.wait_for("the Aging screen", |s| s.contains("Aging by due date"));
        tmux.send(&["Tab"]);
        let s = tmux.wait_for("the aging chart", |s| s.contains("The whole book") && s.contains("USD: "));
        for cur in ["EUR: ", "GBP: ", "USD: "] {
            assert!(s.lines().any(|l| l.starts_with(cur) && l.trim_end().ends_with(" open")), "{cur}:\n{s}");
        }
        let labels = s.lines().filter(|l| l.contains("current") && l.contains("31-60") && l.contains("91+")).count();
        assert_eq!(labels, 3, "a bucket label row under each currency's bars:\n{s}");
        let bars = s.lines().filter(|l| l.contains('█')).count();
        assert!(bars >= 6, "bars drawn:\n{s}");
        // The amounts stand on the bars in words (whole units).
        assert!(s.contains("103,618") && s.contains("17,820") && s.contains("186,813"), "{s}");
        let escaped =
            String::from_utf8_lossy(&tmux.run(&["capture-pane", "-e", "-p", "-t", "e2e"]).stdout).into_owned();
        let colours = colour_codes(&escaped);
        if no_color {
            assert!(colours.is_empty(), "NO_COLOR, yet colours were sent: {colours:?}");
        } else {
            assert!(!colours.is_empty(), "the default theme draws the bars in colour");
        }

        // The client view: days to pay and credit use, each with its words.
        tmux.send(&["2"]);
        tmux.wait_for("the Clients screen", |s| s.contains("Clients ·"));
        tmux.send(&["j", "j", "j", "Enter"]);
        let s = tmux.wait_for("the client view", |s| s.contains("Black Mesa Research") && s.contains("credit used"));
        let days = s.lines().find(|l| l.starts_with("days to pay")).unwrap_or_else(|| panic!("no days to pay:\n{s}"));
        assert!(days.chars().any(|c| ('▁'..='█').contains(&c)), "a sparkline: {days:?}");
        assert!(days.contains("avg 48 · last 54 · 6 paid"), "{days:?}");
        let credit = s.lines().position(|l| l.starts_with("credit used")).expect("credit line");
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[credit].contains('█'), "a bar: {:?}", lines[credit]);
        let facts = format!("{} {}", lines[credit], lines[credit + 1]);
        assert!(facts.contains("333% · 33,316.00 of 10,000.00 USD") && facts.contains("OVER LIMIT"), "{facts}");

        // Forecast: eight weeks of bars with their dates, the table below.
        tmux.send(&["BSpace"]);
        tmux.wait_for("back to the list", |s| s.contains("Clients ·"));
        tmux.send(&["6"]);
        let s = tmux.wait_for("the Forecast screen", |s| s.contains("Forecast · cash-in by week"));
        assert!(s.contains("EUR expected 103,617.60") && s.contains("overdue, unpromised"), "{s}");
        let weeks = s.lines().find(|l| l.contains("25 Nov") && l.contains("13 Jan")).expect("week labels");
        assert_eq!(weeks.split_whitespace().count(), 16, "eight weeks under the bars: {weeks:?}");
        assert!(s.contains("█15,870██"), "the week's amount on its bar:\n{s}");
        assert!(s.contains("25 Nov–01 Dec") && s.contains("15,870.00"), "the table:\n{s}");
        if no_color {
            let escaped =
                String::from_utf8_lossy(&tmux.run(&["capture-pane", "-e", "-p", "-t", "e2e"]).stdout).into_owned();
            assert!(colour_codes(&escaped).is_empty(), "NO_COLOR, yet colours on Forecast");
        }

        tmux.send(&["q"]);
        tmux.wait_for("the interface to go", |s| !s.contains("Forecast ·"));
        tmux.send(&["C-l"]);
    }
}
