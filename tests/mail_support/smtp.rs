//! The real SMTP server on loopback the mail tests talk to: Python's
//! aiosmtpd running smtp_server.py beside this file. Shared by
//! tests/mail_smtp.rs and tests/tui_remind_e2e.rs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether python3 with aiosmtpd is here; a missing one fails the test
/// under DUN_REQUIRE_SHARED=1 (CI), else it is skipped with a note.
pub fn have_aiosmtpd() -> bool {
    let ok =
        Command::new("python3").args(["-c", "import aiosmtpd"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("DUN_REQUIRE_SHARED").as_deref() != Ok("1"),
            "python3 with aiosmtpd is required (DUN_REQUIRE_SHARED=1)"
        );
        eprintln!("note: python3 with aiosmtpd not found; SMTP tests skipped (pip install aiosmtpd)");
    }
    ok
}

/// The SMTP server, stopped on drop.
pub struct Server {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
}

impl Server {
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        std::fs::create_dir_all(dir).unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mail_support/smtp_server.py");
        let child = Command::new("python3")
            .arg(script)
            .arg("--dir")
            .arg(dir)
            .args(extra)
            .stdin(Stdio::piped())
            .spawn()
            .expect("start the SMTP server");
        let port_file = dir.join("port");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !port_file.exists() {
            assert!(Instant::now() < deadline, "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let port = std::fs::read_to_string(port_file).unwrap().trim().parse().unwrap();
        Server { child, dir: dir.to_path_buf(), port }
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
