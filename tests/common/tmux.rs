//! A private tmux server for the end-to-end terminal tests: its own socket,
//! so tests run side by side and never touch the user's tmux, killed (and
//! its socket file removed) on drop, pass or fail.
//!
//! The methods without a suffix work on the default pane (the session the
//! server was made for); the `_in` forms name another session of the same
//! server (the team test runs two interfaces side by side).

// Each test binary uses what it needs of this.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    target: String,
}

/// Whether tmux can be run here. When it cannot, a test skips with a note
/// naming `what`, unless DUN_REQUIRE_SHARED=1 (CI), which makes it a failure.
pub fn available(what: &str) -> bool {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var("DUN_REQUIRE_SHARED").as_deref() != Ok("1"), "tmux is required (DUN_REQUIRE_SHARED=1)");
        eprintln!("note: tmux not found; skipping {what}");
    }
    ok
}

/// `p` quoted for a POSIX shell command line typed into a pane.
pub fn quote(p: &std::path::Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

impl Tmux {
    /// A server on socket `socket` (made unique per process here) whose
    /// default pane is session `target`; no session is started yet.
    pub fn new(socket: &str, target: &str) -> Tmux {
        Tmux { socket: format!("{socket}-{}", std::process::id()), target: target.to_string() }
    }

    /// Starts the default session with a plain interactive shell (no rc
    /// files, prompt `$ `, no home) in a `w`×`h` terminal and waits for
    /// its prompt.
    pub fn start_shell(&self, w: u16, h: u16) {
        let shell: &[&str] = if Command::new("bash").arg("--version").output().is_ok() {
            &["bash", "--norc", "--noprofile", "-i"]
        } else {
            &["sh", "-i"]
        };
        let (w, h) = (w.to_string(), h.to_string());
        let mut args = vec!["new-session", "-d", "-s", &self.target, "-x", &w, "-y", &h];
        args.extend_from_slice(&["env", "PS1=$ ", "HOME=/nonexistent"]);
        args.extend_from_slice(shell);
        let out = self.run(&args);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        self.wait_for("the shell prompt", |s| s.contains('$'));
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux")
    }

    pub fn capture(&self) -> String {
        self.capture_in(&self.target)
    }

    pub fn capture_in(&self, target: &str) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", target]).stdout).into_owned()
    }

    /// Sends tmux key names (`Enter`, `C-z`, `j`).
    pub fn send(&self, keys: &[&str]) {
        self.send_in(&self.target, keys)
    }

    pub fn send_in(&self, target: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", target];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Types `text` as it is (no key names).
    pub fn send_literal(&self, text: &str) {
        self.send_in(&self.target, &["-l", text])
    }

    /// A tmux format of the default pane (`#{cursor_flag}`, `#{alternate_on}`).
    pub fn format(&self, f: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", &self.target, f]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the default pane until `pred` holds, or fails with the last screen.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_for_in(&self.target, what, pred)
    }

    pub fn wait_for_in(&self, target: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture_in(target);
            if pred(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what} in {target}; the screen was:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        // tmux leaves its socket file behind; remove it too.
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let base = std::env::var("TMUX_TMPDIR").unwrap_or_else(|_| "/tmp".into());
        let _ = std::fs::remove_file(format!("{base}/tmux-{uid}/{}", self.socket));
    }
}
