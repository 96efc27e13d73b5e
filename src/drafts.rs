//! Unsaved form input that must survive a dropped SSH connection.
//!
//! When the interface gets SIGHUP or SIGTERM with a form open, its signal
//! thread writes the form's fields here (from `tui::logging::DraftSlot`); the next start offers them back. One
//! draft at a time: the interface has one form open at most.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const FILE: &str = "draft.json";

/// A form as the user left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Which form ("call", "promise", "payment", ...).
    pub form: String,
    /// The client it was for.
    pub client_id: String,
    /// The invoice it was for, if any.
    pub invoice: Option<String>,
    /// Field name and text, in form order.
    pub fields: Vec<(String, String)>,
    /// When it was saved, as RFC 3339 (for the "recovered draft from …" line).
    pub saved_at: String,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Writes the draft atomically and privately (0600).
pub fn save(data_dir: &Path, draft: &Draft) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(draft).map_err(std::io::Error::other)?;
    crate::store::paths::write_atomic(&path(data_dir), &json)
}

/// Reads the pending draft, if any, without removing it.
pub fn load(data_dir: &Path) -> Option<Draft> {
    let bytes = std::fs::read(path(data_dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Forgets the pending draft (after it was restored or discarded).
pub fn clear(data_dir: &Path) {
    let _ = std::fs::remove_file(path(data_dir));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_round_trip_and_clear() {
        let tmp = tempfile::tempdir().unwrap();
        let d = Draft {
            form: "call".into(),
            client_id: "C1".into(),
            invoice: None,
            fields: vec![("note".into(), "they said friday ☕".into())],
            saved_at: "2026-11-25T10:00:00Z".into(),
        };
        assert_eq!(load(tmp.path()), None);
        save(tmp.path(), &d).unwrap();
        assert_eq!(load(tmp.path()), Some(d));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path(tmp.path())).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        clear(tmp.path());
        assert_eq!(load(tmp.path()), None);
    }
}
