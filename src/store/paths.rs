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

/// Creates `dir` (and parents) with mode 0700, and tightens it to 0700 if it
/// already exists and is ours: financial data on a shared server.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Makes every file under `dir` 0600 and every folder 0700.
pub fn make_tree_private(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        if ft.is_dir() {
            fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o700))?;
            make_tree_private(&entry.path())?;
        } else if ft.is_file() {
            fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a private temp file, fsync, rename,
/// fsync of the folder. A reader sees the old file or the new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    // A bare file name has an empty parent, which cannot be opened to fsync.
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    {
        let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    fs::File::open(dir)?.sync_all()
}
