//! End to end in a real terminal: the dun binary in tmux (80×24) on a demo
//! book. The first screen appears, a drill-down works, `q` exits, and the
//! shell is usable afterwards (cooked mode, main screen back).
//!
//! Needs tmux; skipped with a note when it is missing, unless
//! DUN_REQUIRE_SHARED=1 (CI), which makes a missing tmux a failure.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TODAY: &str = "2026-11-25";

/// A private tmux server (its own socket), killed on drop, pass or fail.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn send_literal(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "e2e", "-l", text]);
        assert!(out.status.success(), "send-keys -l: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Polls the screen until `pred` holds, or fails with the last screen.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // The server leaves its socket file behind; remove it too.
        let path = String::from_utf8_lossy(&self.run(&["display-message", "-t", "e2e", "-p", "#{socket_path}"]).stdout)
            .trim()
            .to_string();
        let _ = self.run(&["kill-server"]);
        if !path.is_empty() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn have_tmux() -> bool {
    Command::new("tmux").arg("-V").output().map(|o| o.status.success()).unwrap_or(false)
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn the_interface_opens_drills_down_quits_and_leaves_a_usable_shell() {
    if !have_tmux() {
        if std::env::var("DUN_REQUIRE_SHARED").as_deref() == Ok("1") {
            panic!("tmux is required (DUN_REQUIRE_SHARED=1) but was not found");
        }
        eprintln!("note: tmux not found; skipping the end-to-end terminal test");
        return;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_dun"));
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("book");
    let out = Command::new(bin)
        .args(["--data"])
        .arg(&data)
        .args(["demo", "--no-tui", "--today", TODAY])
        .output()
        .expect("run dun demo");
    assert!(out.status.success(), "dun demo: {}", String::from_utf8_lossy(&out.stderr));

    let tmux = Tmux { socket: format!("dun-e2e-{}", std::process::id()) };
    // A plain interactive shell (job control for Ctrl-Z) with a fixed
    // prompt and no rc files, in a known size.
    let shell: &[&str] = if Command::new("bash").arg("--version").output().is_ok() {
        &["bash", "--norc", "--noprofile", "-i"]
    } else {
        &["sh", "-i"]
    };
    let mut args = vec!["new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", "env", "PS1=$ ", "HOME=/nonexistent"];
    args.extend_from_slice(shell);
    let out = tmux.run(&args);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    tmux.wait_for("the shell prompt", |s| s.contains('$'));

    let cmd = format!("{} --data {} --today {TODAY}", quote(bin), quote(&data));
    tmux.send_literal(&cmd);
    tmux.send(&["Enter"]);

    // The first screen: Today, with its header for the given day.
    let s = tmux.wait_for("the Today screen", |s| s.contains("1 Today") && s.contains("Today ·"));
    assert!(s.contains("Wed 2026-11-25"), "{s}");
    assert!(s.contains("to chase"), "{s}");

    // Ctrl-Z gives the terminal back to the shell; fg brings dun back whole.
    tmux.send(&["C-z"]);
    tmux.wait_for("the job to stop", |s| s.contains("Stopped") && !s.contains("1 Today"));
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
    let marker = format!("dun-e2e-{}", std::process::id());
    tmux.send_literal(&format!("stty -a | grep -q -- -icanon && echo RAW-{marker} || echo COOKED-{marker}"));
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("the shell to answer", |s| {
        s.lines().any(|l| l.trim() == format!("COOKED-{marker}") || l.trim() == format!("RAW-{marker}"))
    });
    assert!(s.lines().any(|l| l.trim() == format!("COOKED-{marker}")), "terminal left in raw mode:\n{s}");
    assert!(!s.contains("1 Today"), "the alternate screen was not left:\n{s}");
}
