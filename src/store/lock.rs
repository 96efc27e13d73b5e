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

/// Held for as long as the store is open; the OS releases it on exit or crash.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    pub fn acquire(dir: &Path) -> Result<DirLock, String> {
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
            return Err(format!(
                "the data directory {} is in use by another dun process{who}; close it first, or use another --data directory",
                dir.display()
            ));
        }
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "pid {}, user {}", std::process::id(), crate::user_name());
        let _ = file.flush();
        Ok(DirLock { _file: file })
    }
}
