//! Who is on the other end of the socket, from the kernel, and the password
//! and group databases that turn ids into the names team.toml uses.
//!
//! The peer's uid comes from `SO_PEERCRED`, which the kernel fills in at
//! connect: a client cannot claim to be someone else, whatever `$USER` says.

use std::ffi::{CStr, CString};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;

/// The credentials of a connected peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

/// The kernel's record of who connected `stream`.
pub fn peer_cred(stream: &UnixStream) -> std::io::Result<PeerCred> {
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into our ucred.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(PeerCred { pid: cred.pid, uid: cred.uid, gid: cred.gid })
}

/// A user's name and primary group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// Runs a `get*_r` call with a buffer that grows while it says ERANGE.
fn with_buffer<T>(mut call: impl FnMut(&mut [libc::c_char]) -> Result<Option<T>, i32>) -> Option<T> {
    let mut size = 1024;
    loop {
        let mut buf = vec![0 as libc::c_char; size];
        match call(&mut buf) {
            Ok(v) => return v,
            Err(libc::ERANGE) if size < 1 << 20 => size *= 4,
            Err(_) => return None,
        }
    }
}

/// A C database entry (`passwd`, `group`): a plain struct of integers and
/// pointers, for which all zeroes is a valid value.
///
/// # Safety
/// Implement only for such structs.
unsafe trait Entry {}
// SAFETY: both are plain C structs of integers and pointers.
unsafe impl Entry for libc::passwd {}
// SAFETY: as above.
unsafe impl Entry for libc::group {}

/// One reentrant lookup (`getpwuid_r`, `getpwnam_r`, `getgrnam_r`,
/// `getgrgid_r`): `call` is the libc function applied to the key, `read`
/// takes what is wanted out of the entry it found, while the buffer its
/// strings point into is still alive. None when there is no such entry or
/// the call fails.
fn lookup<E: Entry, T>(
    call: impl Fn(*mut E, *mut libc::c_char, usize, *mut *mut E) -> libc::c_int,
    read: impl Fn(&E) -> Option<T>,
) -> Option<T> {
    with_buffer(|buf| {
        // SAFETY: E is all-zeroes-valid (the Entry contract); the call
        // writes only into our entry and our buffer, of the size given.
        let mut entry: E = unsafe { std::mem::zeroed() };
        let mut result: *mut E = std::ptr::null_mut();
        let rc = call(&mut entry, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 {
            return Err(rc);
        }
        Ok(if result.is_null() { None } else { read(&entry) })
    })
}

/// A C string of an entry, copied out; None for a null pointer.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that is alive.
unsafe fn owned(p: *const libc::c_char) -> Option<String> {
    // SAFETY: the caller's contract.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// The password database entry of `uid`.
pub fn user_by_uid(uid: u32) -> Option<OsUser> {
    lookup(
        // SAFETY: getpwuid_r writes only into the entry and buffer it is given.
        |e, b, n, r| unsafe { libc::getpwuid_r(uid, e, b, n, r) },
        // SAFETY: the name points into the lookup's buffer, alive here.
        |pwd: &libc::passwd| Some(OsUser { name: unsafe { owned(pwd.pw_name) }?, uid: pwd.pw_uid, gid: pwd.pw_gid }),
    )
}

/// The password database entry named `name`.
pub fn user_by_name(name: &str) -> Option<OsUser> {
    let c = CString::new(name).ok()?;
    lookup(
        // SAFETY: as in user_by_uid; `c` outlives the call.
        |e, b, n, r| unsafe { libc::getpwnam_r(c.as_ptr(), e, b, n, r) },
        |pwd: &libc::passwd| Some(OsUser { name: name.to_string(), uid: pwd.pw_uid, gid: pwd.pw_gid }),
    )
}

/// The gid of the group named `name`.
pub fn group_gid(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    lookup(
        // SAFETY: getgrnam_r writes only into the entry and buffer it is given.
        |e, b, n, r| unsafe { libc::getgrnam_r(c.as_ptr(), e, b, n, r) },
        |grp: &libc::group| Some(grp.gr_gid),
    )
}

/// The name of group `gid`, or its number when it has none.
pub fn group_name(gid: u32) -> String {
    lookup(
        // SAFETY: getgrgid_r writes only into the entry and buffer it is given.
        |e, b, n, r| unsafe { libc::getgrgid_r(gid, e, b, n, r) },
        // SAFETY: the name points into the lookup's buffer, alive here.
        |grp: &libc::group| unsafe { owned(grp.gr_name) },
    )
    .unwrap_or_else(|| gid.to_string())
}

/// The users the group file lists as members of group `gid` (not those
/// whose primary group it is: the passwd file is not scanned).
pub fn group_members(gid: u32) -> Vec<String> {
    lookup(
        // SAFETY: as in group_name.
        |e, b, n, r| unsafe { libc::getgrgid_r(gid, e, b, n, r) },
        |grp: &libc::group| {
            let mut names = Vec::new();
            let mut p = grp.gr_mem;
            // SAFETY: gr_mem is null or a null-terminated array of C
            // strings inside the lookup's buffer, alive here.
            unsafe {
                while !p.is_null() && !(*p).is_null() {
                    names.extend(owned(*p));
                    p = p.add(1);
                }
            }
            Some(names)
        },
    )
    .unwrap_or_default()
}

/// The users whose primary group is `gid`: the other half of a group's
/// membership, which `group_members` cannot see (`useradd -g team bob` lists
/// bob in no group file entry, yet he connects with that group's role).
pub fn primary_members(gid: u32) -> Vec<String> {
    // getpwent walks one process-wide cursor; two threads walking it at
    // once would each see half the file.
    static WALK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _walk = WALK.lock().unwrap_or_else(|e| e.into_inner());
    let mut names = Vec::new();
    // SAFETY: setpwent/getpwent/endpwent under our lock; each entry's name
    // is copied out before the next call reuses the static buffer.
    unsafe {
        libc::setpwent();
        loop {
            let p = libc::getpwent();
            if p.is_null() {
                break;
            }
            if (*p).pw_gid == gid && !(*p).pw_name.is_null() {
                names.push(CStr::from_ptr((*p).pw_name).to_string_lossy().into_owned());
            }
        }
        libc::endpwent();
    }
    names
}

/// Every group `user` belongs to (its primary group and the group file's
/// lists), as the system sees it now: a user added to a group is let in at
/// their next connect, without restarting the server.
pub fn groups_of(user: &OsUser) -> Vec<u32> {
    let Ok(c) = CString::new(user.name.as_str()) else { return vec![user.gid] };
    let mut n: libc::c_int = 32;
    loop {
        let mut groups = vec![0 as libc::gid_t; n as usize];
        let before = n;
        // SAFETY: getgrouplist writes at most `n` gids into our vector and
        // sets `n` to the number it has (or needs, when that is more).
        let rc = unsafe { libc::getgrouplist(c.as_ptr(), user.gid, groups.as_mut_ptr(), &mut n) };
        if rc >= 0 {
            groups.truncate(n.max(0) as usize);
            return groups;
        }
        if n <= before {
            n = before * 2;
        }
        if n > 65536 {
            return vec![user.gid];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_cred_is_this_process() {
        let (a, _b) = UnixStream::pair().unwrap();
        let cred = peer_cred(&a).unwrap();
        // SAFETY: getuid/getgid have no preconditions.
        assert_eq!(cred.uid, unsafe { libc::getuid() });
        assert_eq!(cred.gid, unsafe { libc::getgid() });
        assert_eq!(cred.pid as u32, std::process::id());
    }

    #[test]
    fn root_is_in_the_databases() {
        let root = user_by_uid(0).expect("uid 0 has an entry");
        assert_eq!(root.name, "root");
        assert_eq!(user_by_name("root").unwrap().uid, 0);
        assert_eq!(group_gid("root"), Some(0));
        assert_eq!(group_name(0), "root");
        assert!(groups_of(&root).contains(&0));
        assert_eq!(user_by_name("no-such-user-dun-test"), None);
        assert_eq!(group_gid("no-such-group-dun-test"), None);
    }
}
