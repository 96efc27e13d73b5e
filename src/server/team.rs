//! `team.toml`: who may use a shared book, and as what.
//!
//! ```toml
//! [users]
//! ana = "admin"
//! ben = "collector"
//! [groups]
//! credit-control = "collector"
//! ```
//!
//! A user's own entry wins (so one member of a collector group can be made
//! a viewer); otherwise the strongest role among the groups they are in.
//! Without the file, only the account the server runs as may connect.
//! The file is read at every connect, so a change takes effect for the
//! next connection without a restart; it is checked at start so a typo
//! stops the server instead of silently locking a colleague out.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::peer::{self, OsUser};

pub const FILE_NAME: &str = "team.toml";

/// What a user may do. Ordered: each role may do everything the ones before it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads: lists, reports, the interface.
    Viewer,
    /// Logs contacts, promises, disputes, payments; sends reminders.
    Collector,
    /// Imports, edits clients and invoices, rules, backups, restore.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Collector => "collector",
            Role::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamFile {
    #[serde(default)]
    users: BTreeMap<String, Role>,
    #[serde(default)]
    groups: BTreeMap<String, Role>,
}

/// The parsed team file, with its group names resolved to gids.
#[derive(Debug)]
pub struct Team {
    pub path: PathBuf,
    users: BTreeMap<String, Role>,
    groups: Vec<(String, u32, Role)>,
}

impl Team {
    /// Reads `DIR/team.toml`; `Ok(None)` when there is none. Refuses a file
    /// others could edit (a collector who can write it can make themselves
    /// admin), a file that does not parse, and names the system does not know.
    pub fn load(dir: &Path) -> Result<Option<Team>, String> {
        let path = dir.join(FILE_NAME);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me && meta.uid() != 0 {
            return Err(format!(
                "{} belongs to uid {}: it must belong to the server's account or root, or anyone who owns it can change who may do what",
                path.display(),
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "{} can be changed by its group or by anyone (mode {:o}): make it 0644 or stricter (chmod go-w)",
                path.display(),
                meta.mode() & 0o777
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Team::parse(&path, &text).map(Some)
    }

    /// Parses the text of a team file; names in it must exist on this system.
    pub fn parse(path: &Path, text: &str) -> Result<Team, String> {
        let file: TeamFile = toml::from_str(text)
            .map_err(|e| format!("{}: {}", path.display(), e.message().lines().next().unwrap_or("does not parse")))?;
        for name in file.users.keys() {
            if peer::user_by_name(name).is_none() {
                return Err(format!("{}: [users] names {name}, who is not a user on this system", path.display()));
            }
        }
        let mut groups = Vec::new();
        for (name, role) in file.groups {
            let gid = peer::group_gid(&name).ok_or_else(|| {
                format!("{}: [groups] names {name}, which is not a group on this system", path.display())
            })?;
            groups.push((name, gid, role));
        }
        Ok(Team { path: path.to_path_buf(), users: file.users, groups })
    }

    /// The role of `user`, whose groups are `gids`; `None`: not on the team.
    pub fn role_of(&self, user: &str, gids: &[u32]) -> Option<Role> {
        if let Some(&r) = self.users.get(user) {
            return Some(r);
        }
        self.groups.iter().filter(|(_, gid, _)| gids.contains(gid)).map(|&(_, _, r)| r).max()
    }

    /// Everyone on the team with their role: the `[users]` entries and the
    /// members of the `[groups]`, listed in the group file or having it as
    /// their primary group (a user's own entry wins, else their strongest
    /// group, as at connect), sorted by name.
    pub fn members(&self) -> Vec<(String, Role)> {
        let mut all: BTreeMap<String, Role> = BTreeMap::new();
        for (_, gid, role) in &self.groups {
            for user in peer::group_members(*gid).into_iter().chain(peer::primary_members(*gid)) {
                let r = all.entry(user).or_insert(*role);
                *r = (*r).max(*role);
            }
        }
        for (user, role) in &self.users {
            all.insert(user.clone(), *role);
        }
        all.into_iter().collect()
    }

    /// The groups named in the file, for the start-up log and checks.
    pub fn group_names(&self) -> impl Iterator<Item = (&str, u32)> {
        self.groups.iter().map(|(n, g, _)| (n.as_str(), *g))
    }
}

/// Who `user` is allowed to be on the book in `dir`: their role, or the
/// refusal to send them, naming them and the file.
pub fn admit(dir: &Path, user: &OsUser) -> Result<Role, String> {
    // SAFETY: geteuid has no preconditions.
    let server_uid = unsafe { libc::geteuid() };
    match Team::load(dir)? {
        None if user.uid == server_uid => Ok(Role::Admin),
        None => Err(format!(
            "{} may not use this book: there is no {} in {}, so only {} may",
            user.name,
            FILE_NAME,
            dir.display(),
            peer::user_by_uid(server_uid).map(|u| u.name).unwrap_or_else(|| format!("uid {server_uid}"))
        )),
        Some(team) => {
            if let Some(role) = team.role_of(&user.name, &peer::groups_of(user)) {
                return Ok(role);
            }
            // The server's own account owns the files anyway.
            if user.uid == server_uid {
                return Ok(Role::Admin);
            }
            Err(format!(
                "{} may not use this book: {} lists neither that user nor any of their groups",
                user.name,
                team.path.display()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(text: &str) -> Result<Team, String> {
        Team::parse(Path::new("/book/team.toml"), text)
    }

    #[test]
    fn user_entry_wins_then_strongest_group() {
        let t = team("[users]\nroot = \"viewer\"\n[groups]\nroot = \"admin\"\n").unwrap();
        assert_eq!(t.role_of("root", &[0]), Some(Role::Viewer));
        assert_eq!(t.role_of("someone", &[0]), Some(Role::Admin));
        assert_eq!(t.role_of("someone", &[12345]), None);
        assert!(Role::Admin > Role::Collector && Role::Collector > Role::Viewer);
    }

    #[test]
    fn bad_files_are_refused_with_the_file_named() {
        let e = team("[users]\nroot = \"boss\"\n").unwrap_err();
        assert!(e.starts_with("/book/team.toml:"), "{e}");
        let e = team("[people]\nroot = \"admin\"\n").unwrap_err();
        assert!(e.contains("/book/team.toml"), "{e}");
        let e = team("[users]\nno-such-user-dun-test = \"admin\"\n").unwrap_err();
        assert!(e.contains("no-such-user-dun-test") && e.contains("[users]"), "{e}");
        let e = team("[groups]\nno-such-group-dun-test = \"admin\"\n").unwrap_err();
        assert!(e.contains("no-such-group-dun-test") && e.contains("[groups]"), "{e}");
        assert!(team("").is_ok());
    }
}
