//! Starting and stopping a server: the checks on its folder and socket, the
//! stale socket a killed server leaves behind, and the pid file.
//!
//! A second server on the same book is refused by the store's directory lock
//! (taken before anything here touches the socket), so the socket found at
//! start is either someone else's live server or a stale file.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

pub const SOCKET_NAME: &str = "dun.sock";
pub const PID_NAME: &str = "dun-serve.pid";
/// The socket's mode: its owner and group may connect; nobody else.
pub const SOCKET_MODE: u32 = 0o660;

/// The socket of the book in `dir`, unless `--socket` names another.
pub fn socket_path(dir: &Path, flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf).unwrap_or_else(|| dir.join(SOCKET_NAME))
}

/// Refuses a folder anyone may write to: anyone could then replace the
/// socket (or the data) with their own. A sticky folder such as /tmp is
/// allowed for the socket, since there only its owner may remove it.
pub fn check_folder(dir: &Path, what: &str, allow_sticky: bool) -> Result<(), String> {
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read {} ({what}): {e}", dir.display())),
    };
    let mode = meta.mode();
    if mode & 0o002 != 0 && !(allow_sticky && mode & 0o1000 != 0) {
        return Err(format!(
            "{what} {} can be written by anyone (mode {:o}): refusing to serve a book from there; chmod o-w it first",
            dir.display(),
            mode & 0o7777
        ));
    }
    Ok(())
}

/// Binds the socket at `path`: removes a stale socket first, refuses when a
/// live server answers there or the path is not a socket, and leaves the
/// socket at [`SOCKET_MODE`]. Returns the listener and what was done, for the log.
pub fn bind(path: &Path) -> Result<(UnixListener, Vec<String>), String> {
    let mut notes = Vec::new();
    // sun_path holds 108 bytes with its terminating NUL.
    if path.as_os_str().len() > 107 {
        return Err(format!(
            "the socket path {} is longer than a Unix socket allows (107 bytes): give a shorter --socket",
            path.display()
        ));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    check_folder(parent, "the socket's folder", true)?;
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_socket() => match UnixStream::connect(path) {
            Ok(_) => {
                return Err(format!(
                    "a server is already listening on {}: stop it first, or give another --socket",
                    path.display()
                ))
            }
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                fs::remove_file(path).map_err(|e| format!("cannot remove the stale socket {}: {e}", path.display()))?;
                notes.push(format!(
                    "removed a stale socket at {} (a server that stopped without cleaning up)",
                    path.display()
                ));
            }
            Err(e) => return Err(format!("cannot check the socket {}: {e}", path.display())),
        },
        Ok(_) => {
            return Err(format!(
                "{} exists and is not a socket: dun only removes files it created; give another --socket",
                path.display()
            ))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot check {}: {e}", path.display())),
    }
    let listener = UnixListener::bind(path).map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(SOCKET_MODE))
        .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))?;
    let meta = fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.mode() & 0o002 != 0 {
        return Err(format!("the socket {} is writable by anyone; refusing to serve", path.display()));
    }
    notes.push(format!(
        "listening on {} (mode {:o}, group {}): members of that group can connect; {} decides what they may do",
        path.display(),
        meta.mode() & 0o777,
        super::peer::group_name(meta.gid()),
        super::team::FILE_NAME
    ));
    Ok((listener, notes))
}

/// The pid file: `pid` on the first line, the socket on the second.
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    pub fn write(dir: &Path, socket: &Path) -> Result<PidFile, String> {
        let path = dir.join(PID_NAME);
        let text = format!("{}\n{}\n", std::process::id(), socket.display());
        crate::store::paths::write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(PidFile { path })
    }

    /// The pid and socket recorded in `dir`, if a server wrote them.
    pub fn read(dir: &Path) -> Option<(u32, PathBuf)> {
        let text = fs::read_to_string(dir.join(PID_NAME)).ok()?;
        let mut lines = text.lines();
        let pid = lines.next()?.trim().parse().ok()?;
        Some((pid, PathBuf::from(lines.next()?)))
    }

    pub fn remove(self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_socket_is_removed_live_one_refused_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let (live, _) = bind(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().mode() & 0o777;
        assert_eq!(mode, SOCKET_MODE);
        let e = bind(&path).unwrap_err();
        assert!(e.contains("already listening"), "{e}");
        drop(live); // the file stays: a server killed without cleaning up
        assert!(path.exists());
        let (_again, notes) = bind(&path).unwrap();
        assert!(notes[0].contains("stale"), "{notes:?}");

        let file = dir.path().join("plain");
        fs::write(&file, "x").unwrap();
        let e = bind(&file).unwrap_err();
        assert!(e.contains("not a socket"), "{e}");
        assert_eq!(fs::read_to_string(&file).unwrap(), "x");
    }

    #[test]
    fn world_writable_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        assert!(check_folder(dir.path(), "the data folder", false).unwrap_err().contains("anyone"));
        let e = bind(&dir.path().join("s.sock")).unwrap_err();
        assert!(e.contains("anyone"), "{e}");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(check_folder(dir.path(), "the socket's folder", true).is_ok());
        assert!(check_folder(dir.path(), "the data folder", false).is_err());
    }

    #[test]
    fn pid_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = PidFile::write(dir.path(), Path::new("/run/dun/book.sock")).unwrap();
        assert_eq!(PidFile::read(dir.path()), Some((std::process::id(), PathBuf::from("/run/dun/book.sock"))));
        p.remove();
        assert_eq!(PidFile::read(dir.path()), None);
    }
}
