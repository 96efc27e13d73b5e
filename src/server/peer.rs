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

/// A user's name and primary group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// The password database entry of `uid`.
pub fn user_by_uid(uid: u32) -> Option<OsUser> {
    with_buffer(|buf| {
        // SAFETY: getpwuid_r fills our passwd from our buffer of the stated
        // size; the strings are read only when it reports an entry.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
            if rc != 0 {
                return Err(rc);
            }
            if result.is_null() || pwd.pw_name.is_null() {
                return Ok(None);
            }
            let name = CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned();
            Ok(Some(OsUser { name, uid: pwd.pw_uid, gid: pwd.pw_gid }))
        }
    })
}

/// The password database entry named `name`.
pub fn user_by_name(name: &str) -> Option<OsUser> {
    let c = CString::new(name).ok()?;
    with_buffer(|buf| {
        // SAFETY: as in user_by_uid.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwnam_r(c.as_ptr(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
            if rc != 0 {
                return Err(rc);
            }
            if result.is_null() {
                return Ok(None);
            }
            Ok(Some(OsUser { name: name.to_string(), uid: pwd.pw_uid, gid: pwd.pw_gid }))
        }
    })
}

/// The gid of the group named `name`.
pub fn group_gid(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    with_buffer(|buf| {
        // SAFETY: getgrnam_r fills our group from our buffer; only the gid is read.
        unsafe {
            let mut grp: libc::group = std::mem::zeroed();
            let mut result: *mut libc::group = std::ptr::null_mut();
            let rc = libc::getgrnam_r(c.as_ptr(), &mut grp, buf.as_mut_ptr(), buf.len(), &mut result);
            if rc != 0 {
                return Err(rc);
            }
            Ok((!result.is_null()).then_some(grp.gr_gid))
        }
    })
}

/// The name of group `gid`, or its number when it has none.
pub fn group_name(gid: u32) -> String {
    with_buffer(|buf| {
        // SAFETY: getgrgid_r fills our group from our buffer; the name is
        // read only when it reports an entry.
        unsafe {
            let mut grp: libc::group = std::mem::zeroed();
            let mut result: *mut libc::group = std::ptr::null_mut();
            let rc = libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), buf.len(), &mut result);
            if rc != 0 {
                return Err(rc);
            }
            if result.is_null() || grp.gr_name.is_null() {
                return Ok(None);
            }
            Ok(Some(CStr::from_ptr(grp.gr_name).to_string_lossy().into_owned()))
        }
    })
    .unwrap_or_else(|| gid.to_string())
}

/// The users the group file lists as members of group `gid` (not those
/// whose primary group it is: the passwd file is not scanned).
pub fn group_members(gid: u32) -> Vec<String> {
    with_buffer(|buf| {
        // SAFETY: getgrgid_r fills our group from our buffer; gr_mem is a
        // null-terminated array of C strings inside that buffer, read before
        // the buffer goes.
        unsafe {
            let mut grp: libc::group = std::mem::zeroed();
            let mut result: *mut libc::group = std::ptr::null_mut();
            let rc = libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), buf.len(), &mut result);
            if rc != 0 {
                return Err(rc);
            }
            if result.is_null() || grp.gr_mem.is_null() {
                return Ok(None);
            }
            let mut names = Vec::new();
            let mut p = grp.gr_mem;
            while !(*p).is_null() {
                names.push(CStr::from_ptr(*p).to_string_lossy().into_owned());
                p = p.add(1);
            }
            Ok(Some(names))
        }
    })
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
