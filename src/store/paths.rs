//! Where the data lives, and making it private.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// `--data DIR`, else `$DUN_DATA`, else the XDG data directory (`~/.local/share/dun`).
pub fn resolve_data_dir(flag: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("DUN_DATA").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "dun")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| "cannot tell where your home directory is; give --data DIR or set DUN_DATA".to_string())
}

/// The config directory (`~/.config/dun`).
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "dun").map(|d| d.config_dir().to_path_buf())
}

/// Creates `dir` (and any missing parents) with mode 0700 when it does not
/// exist. A folder that already exists is left exactly as it is: dun only
/// changes the modes of what it created (a shared or scripted folder must
/// not lose its permissions because dun was pointed at it).
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    Ok(())
}

/// What a data folder holds, as far as opening a book is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirState {
    /// Nothing there yet: a creating command may make a book here.
    Missing,
    /// An existing folder with nothing in it (or only a stale `dun.lock`):
    /// a creating command may make a book here too.
    Empty,
    /// A dun book (it has the `db` folder or the manifest).
    Book,
    /// A folder holding other things: never turned into a book.
    Other,
}

/// The names dun keeps in a data folder; a folder holding any of the
/// book's own files is a book (possibly a damaged one, which opening then
/// reports), never "someone else's folder".
const BOOK_MARKERS: [&str; 2] = ["db", super::manifest::FILE];

pub fn inspect(dir: &Path) -> io::Result<DirState> {
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(DirState::Missing),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return Ok(DirState::Other);
    }
    if BOOK_MARKERS.iter().any(|m| fs::symlink_metadata(dir.join(m)).is_ok()) {
        return Ok(DirState::Book);
    }
    for entry in fs::read_dir(dir)? {
        if entry?.file_name() != "dun.lock" {
            return Ok(DirState::Other);
        }
    }
    Ok(DirState::Empty)
}

/// A warning when the data folder can be read by other users (group or
/// world readable), naming the folder and the fix. dun does not change the
/// mode itself: the folder is the user's.
pub fn exposure_warning(dir: &Path) -> Option<String> {
    let mode = fs::metadata(dir).ok()?.permissions().mode();
    (mode & 0o044 != 0).then(|| {
        format!(
            "the data folder {} can be read by other users (mode {:o}); to keep the book private run: chmod 700 {}",
            dir.display(),
            mode & 0o7777,
            shell_quote(&dir.display().to_string())
        )
    })
}

/// A path as a shell word, for the fixes dun suggests.
fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:@,".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The user name of a uid, from the password database (else "uid N").
pub fn user_of(uid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: getpwuid_r writes into our zeroed passwd and buffer of the
    // stated size; the name pointer is read only when it succeeded.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
            if let Ok(name) = std::ffi::CStr::from_ptr(pwd.pw_name).to_str() {
                return name.to_string();
            }
        }
    }
    format!("uid {uid}")
}

/// The owner of `dir` when it is not the user running dun. A book opened by
/// another user (root's cron job, a colleague with sudo) gets files that
/// user owns, after which the book's owner cannot open it.
pub fn other_owner(dir: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let owner = fs::metadata(dir).ok()?.uid();
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    (owner != me).then(|| user_of(owner))
}

/// Gives modes 0600/0700 to what is under `dir`, a folder dun has just
/// created (the new `db` folder): only ever called on dun's own files.
/// Symbolic links are skipped, never followed.
pub fn make_new_tree_private(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        if ft.is_dir() {
            fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o700))?;
            make_new_tree_private(&entry.path())?;
        } else if ft.is_file() {
            fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// Removes sled snapshot files that were never finished
/// (`snap.<16 hex>.generating`). sled writes a snapshot under that name and
/// renames it when complete, so such a file is only ever a torn or stray
/// copy (a full disk, or a kill before the rename); sled 0.34 would still
/// pick it as the newest snapshot and report the whole store corrupt. The
/// log the snapshot summarises is untouched, so nothing is lost. Returns
/// the files removed. Called with the book's lock held.
pub fn clear_unfinished_snapshots(db_dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = match fs::read_dir(db_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let unfinished = name
            .strip_prefix("snap.")
            .and_then(|r| r.strip_suffix(".generating"))
            .is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if unfinished && entry.file_type()?.is_file() {
            fs::remove_file(entry.path())?;
            removed.push(entry.path());
        }
    }
    if !removed.is_empty() {
        fs::File::open(db_dir)?.sync_all()?;
    }
    Ok(removed)
}

/// The first file or folder under `dir` this process cannot read and write,
/// to name it in a "permission denied" message (the OS error names none).
pub fn first_inaccessible(dir: &Path) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let ok = |p: &Path| {
        let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else { return true };
        // SAFETY: access reads a NUL-terminated path we own.
        unsafe { libc::access(c.as_ptr(), libc::R_OK | libc::W_OK) == 0 }
    };
    if !ok(dir) {
        return Some(dir.to_path_buf());
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { return Some(d) };
        for e in entries.flatten() {
            let p = e.path();
            if !ok(&p) {
                return Some(p);
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
        }
    }
    None
}

/// A plain sentence for an I/O error on `path`: the file is named, and a
/// full disk says so without the OS error's debug form.
pub fn describe_io(path: &Path, e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => no_space(path),
        Some(libc::EACCES) | Some(libc::EPERM) => {
            format!("permission denied: {} (owned by {})", path.display(), owner_name(path))
        }
        _ => format!("{}: {}", path.display(), plain_os_error(e)),
    }
}

/// "no space left on DEVICE; nothing was written", naming the device as
/// the mount point that holds `path`.
pub fn no_space(path: &Path) -> String {
    format!("no space left on {}; nothing was written", device_of(path))
}

fn owner_name(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(path).map(|m| user_of(m.uid())).unwrap_or_else(|_| "nobody known".into())
}

/// An OS error without Rust's `(os error N)` suffix or debug form.
pub fn plain_os_error(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The mount point holding `path` (its device, as `df` names it), read from
/// /proc/self/mounts; the path itself when that cannot be told.
pub fn device_of(path: &Path) -> String {
    let mut p = path.to_path_buf();
    while !p.exists() {
        if !p.pop() {
            break;
        }
    }
    let full = fs::canonicalize(&p).unwrap_or(p);
    let mounts = fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let best = mounts
        .lines()
        .filter_map(|l| {
            let mut w = l.split(' ');
            let dev = w.next()?;
            let at = w.next()?.replace("\\040", " ");
            full.starts_with(&at).then(|| (at.len(), dev.to_string(), at))
        })
        .max_by_key(|(n, _, _)| *n);
    match best {
        Some((_, dev, at)) if dev.starts_with('/') => format!("{dev} ({at})"),
        Some((_, _, at)) => at,
        None => full.display().to_string(),
    }
}

/// Writes `bytes` to `path` atomically: a private temp file, fsync, rename,
/// fsync of the folder. A reader sees the old file or the new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    write_atomic_with(path, |f| f.write_all(bytes), |e| e)
}

/// [`write_atomic`] for a file written as it is produced (an import's undo
/// journal, the read image): `write` fills the temp file through a buffer
/// (it may seek back, to fill in a header); an error from it (`io` turns
/// the file system's into `E`) leaves `path` as it was and no temp file.
pub fn write_atomic_with<E>(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> Result<(), E>,
    io: impl Fn(io::Error) -> E,
) -> Result<(), E> {
    use std::os::unix::fs::OpenOptionsExt;
    // A bare file name has an empty parent, which cannot be opened to fsync.
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    let written = (|| {
        let f = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(&io)?;
        let mut out = io::BufWriter::with_capacity(1 << 20, f);
        write(&mut out)?;
        let f = out.into_inner().map_err(|e| io(e.into_error()))?;
        f.sync_all().map_err(&io)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, path).map_err(&io)?;
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(&io)
}
