//! dun: a terminal receivables manager.
//!
//! The layers, innermost first: [`domain`] (data types), [`receivables`]
//! (balances, aging, fees: pure math), [`rules`] (who to chase today: pure),
//! [`command`] (every change a user can make, built and validated against
//! the book: pure), [`store`] (sled behind one API, and the read image),
//! [`ledger`] (the store trait: embedded, or a `dun serve` over its socket),
//! [`io`] (CSV/JSON in and out), [`mail`] and [`print`] (messages and PDFs),
//! and the faces, [`cli`], [`tui`] and [`server`], which share [`session`].
//! Only the store knows sled; only `store::codec` knows bincode; nothing
//! below the faces reads the clock.

pub mod cli;
pub mod command;
pub mod config;
pub mod demo;
pub mod domain;
pub mod drafts;
pub mod io;
pub mod ledger;
pub mod mail;
pub mod parallel;
pub mod print;
pub mod receivables;
pub mod rules;
pub mod server;
pub mod session;
pub mod store;
pub mod text;
pub mod tui;

/// The OS user name, used as the author of notes: `$USER` or `$LOGNAME`,
/// else the password database entry of the real user id (cron jobs and some
/// SSH sessions run without those variables).
pub fn user_name() -> String {
    if let Some(u) = ["USER", "LOGNAME"].iter().filter_map(|v| std::env::var(v).ok()).find(|s| !s.is_empty()) {
        return u;
    }
    passwd_name().unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }))
}

fn passwd_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: getpwuid_r writes into our zeroed passwd and buffer of the
    // stated size; the name pointer is read only when it succeeded.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(libc::getuid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr(pwd.pw_name).to_str().ok().map(str::to_string)
    }
}
