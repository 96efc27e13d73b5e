//! One process at a time per data directory, with a message that says who.
//!
//! sled takes its own lock too, but its error is an OS error dump; this lock
//! is taken first and records the holder's pid and user name so the second
//! process can say who has the book open.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

/// Held for as long as the store is open; the OS releases it on exit or crash.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock, or fails at once if another process holds it.
    pub fn acquire(dir: &Path) -> Result<DirLock, String> {
        Self::acquire_within(dir, Duration::ZERO, |_| {})
    }

    /// Takes the lock, waiting up to `wait` while another process holds
    /// it (writers are short; a reader or writer that meets one should wait
    /// its turn rather than fail). `waiting` is told once, with the holder,
    /// when the wait begins.
    pub fn acquire_within(dir: &Path, wait: Duration, waiting: impl FnOnce(&str)) -> Result<DirLock, String> {
        let start = Instant::now();
        let mut waiting = Some(waiting);
        let mut pause = Duration::from_millis(2);
        loop {
            match Self::try_acquire(dir)? {
                Ok(lock) => return Ok(lock),
                Err(who) => {
                    if start.elapsed() >= wait {
                        let waited = if wait.is_zero() {
                            String::new()
                        } else {
                            format!(" (waited {} s; see --wait)", wait.as_secs())
                        };
                        return Err(format!(
                            "the data directory {} is in use by another dun process{who}{waited}; close it first, or use another --data directory",
                            dir.display()
                        ));
                    }
                    if let Some(tell) = waiting.take() {
                        tell(&who);
                    }
                    std::thread::sleep(pause.min(wait.saturating_sub(start.elapsed())));
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
            }
        }
    }

    /// The lock, or (inner error) who holds it, or (outer) why the lock
    /// file cannot be used at all.
    fn try_acquire(dir: &Path) -> Result<Result<DirLock, String>, String> {
        let path = dir.join("dun.lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot open the lock file {}: {e}", path.display()))?;
        // SAFETY: flock on a file descriptor we own; no memory is involved.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() { String::new() } else { format!(" ({holder})") };
            return Ok(Err(who));
        }
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "pid {}, user {}", std::process::id(), crate::user_name());
        let _ = file.flush();
        Ok(Ok(DirLock { _file: file }))
    }
}
