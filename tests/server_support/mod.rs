//! Fixtures for the team-server tests: real OS users and a group (created
//! once, idempotently, when running as root), a copy of the dun binary that
//! those users may execute, and `dun serve` as a child process.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const TODAY: &str = "2026-11-25";
/// The team's group, named in team.toml: collectors.
pub const GROUP: &str = "dun-t-team";
/// The socket's group: who the kernel lets connect (the team, and [`DAN`]).
pub const SOCK_GROUP: &str = "dun-t-sock";
/// The service account that runs `dun serve` and owns the data.
pub const SRV: &str = "dun-t-srv";
pub const ANA: &str = "dun-t-ana";
pub const BEN: &str = "dun-t-ben";
pub const CAT: &str = "dun-t-cat";
/// A collector through the team group only.
pub const EVE: &str = "dun-t-eve";
/// A collector whose primary group is the team group (`useradd -g`), so no
/// group file entry lists them.
pub const FAY: &str = "dun-t-fay";
/// In the socket's group (so the kernel lets them connect) but not on the team.
pub const DAN: &str = "dun-t-dan";
/// In neither group.
pub const OUT: &str = "dun-t-out";

/// The team file of the shared-book tests.
pub const TEAM: &str = "[users]\ndun-t-ana = \"admin\"\ndun-t-cat = \"viewer\"\n[groups]\ndun-t-team = \"collector\"\n";

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Whether the tests with real users can run here; a note (or, under
/// DUN_REQUIRE_SHARED=1, a failure) when they cannot.
pub fn can_switch_users(what: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var("DUN_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("{what} needs root to create OS users (DUN_REQUIRE_SHARED=1), and this is not root");
    }
    eprintln!("note: not root; skipping {what} (it creates OS users)");
    false
}

fn run(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("run {cmd}: {e}"))
}

/// Creates the group and users once per test process; existing ones are kept.
pub fn ensure_users() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        for group in [GROUP, SOCK_GROUP] {
            if run("getent", &["group", group]).status.code() != Some(0) {
                let o = run("groupadd", &[group]);
                // Another test process may have made it meanwhile.
                assert!(
                    o.status.success() || run("getent", &["group", group]).status.success(),
                    "groupadd: {}",
                    stderr(&o)
                );
            }
        }
        let team = &[GROUP, SOCK_GROUP][..];
        let sock_only = &[SOCK_GROUP][..];
        for (user, groups) in
            [(SRV, &[][..]), (ANA, team), (BEN, team), (CAT, team), (EVE, team), (DAN, sock_only), (OUT, &[][..])]
        {
            if run("id", &[user]).status.code() != Some(0) {
                let o = run("useradd", &["--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", user]);
                assert!(o.status.success() || run("id", &[user]).status.success(), "useradd {user}: {}", stderr(&o));
            }
            // Exactly these groups, whatever an earlier run left.
            let o = run("usermod", &["-G", &groups.join(","), user]);
            assert!(o.status.success(), "usermod {user}: {}", stderr(&o));
        }
        if run("id", &[FAY]).status.code() != Some(0) {
            let o = run("useradd", &["--no-create-home", "--shell", "/usr/sbin/nologin", "-g", GROUP, FAY]);
            assert!(o.status.success() || run("id", &[FAY]).status.success(), "useradd {FAY}: {}", stderr(&o));
        }
        let o = run("usermod", &["-g", GROUP, "-G", SOCK_GROUP, FAY]);
        assert!(o.status.success(), "usermod {FAY}: {}", stderr(&o));
    });
}

fn ids(user: &str) -> (u32, u32) {
    let u = dun::server::peer::user_by_name(user).unwrap_or_else(|| panic!("no user {user}"));
    (u.uid, u.gid)
}

/// `setpriv` to `user` (uid, primary group, supplementary groups), with a
/// `USER` that lies: identity must come from the kernel, not the environment.
pub fn as_user_cmd(user: &str, program: &Path) -> Command {
    let (uid, gid) = ids(user);
    let mut c = Command::new("setpriv");
    c.arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .arg("--init-groups")
        .arg("--")
        .arg(program)
        .env("USER", "someone-else")
        .env("LOGNAME", "someone-else")
        .env("HOME", "/nonexistent")
        .env_remove("DUN_DATA")
        .env_remove("DUN_SOCKET")
        .env("NO_COLOR", "1");
    c
}

pub fn run_as(user: &str, program: &str, args: &[String], env: &[(&str, &str)]) -> Output {
    let mut c = as_user_cmd(user, Path::new(program));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run setpriv")
}

pub fn dun_cmd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dun"));
    c.env_remove("DUN_DATA").env_remove("DUN_SOCKET").env("NO_COLOR", "1");
    c
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `dun serve` child and where its log goes.
pub struct Server {
    pub child: Option<Child>,
    pub log: PathBuf,
}

impl Server {
    fn spawn(mut cmd: Command, log: &Path, socket: &Path) -> Server {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(file).spawn().expect("start dun serve");
        let log_path = log.to_path_buf();
        let mut server = Server { child: None, log: log_path.clone() };
        wait_until("the server to listen", || {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("dun serve exited ({status}):\n{}", std::fs::read_to_string(&log_path).unwrap_or_default());
            }
            socket.exists() && std::os::unix::net::UnixStream::connect(socket).is_ok()
        });
        server.child = Some(child);
        server
    }

    /// Starts `cmd` (a `dun serve`) and waits until it listens on `socket`.
    pub fn spawn_public(cmd: Command, log: &Path, socket: &Path) -> Server {
        Server::spawn(cmd, log, socket)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends `sig` and waits for the process to end.
    pub fn kill(&mut self, sig: i32) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: kill on our own child's pid.
            unsafe { libc::kill(c.id() as i32, sig) };
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill(libc::SIGKILL);
    }
}

/// A book served by dun as the user running the tests (no team.toml).
pub struct OwnBook {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub socket: PathBuf,
    pub server: Server,
}

impl OwnBook {
    pub fn start(name: &str) -> OwnBook {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join(name);
        let out = dun_cmd().arg("--data").arg(&data).args(["--today", TODAY, "demo", "--no-tui"]).output().unwrap();
        assert!(out.status.success(), "demo: {}", stderr(&out));
        let socket = data.join("dun.sock");
        let log = dir.path().join("serve.log");
        let mut cmd = dun_cmd();
        cmd.arg("--data").arg(&data).arg("serve");
        let server = Server::spawn(cmd, &log, &socket);
        OwnBook { dir, data, socket, server }
    }

    pub fn dun(&self, args: &[&str]) -> Output {
        dun_cmd().arg("--data").arg(&self.data).args(["--today", TODAY]).args(args).output().unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.server.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    pub fn kill(&mut self, sig: i32) {
        self.server.kill(sig);
    }

    pub fn restart(&mut self) {
        let mut cmd = dun_cmd();
        cmd.arg("--data").arg(&self.data).arg("serve");
        self.server = Server::spawn(cmd, &self.server.log.clone(), &self.socket);
    }
}

/// A book on a shared server: data owned by [`SRV`] (0700), the socket in a
/// folder of [`SOCK_GROUP`] (2750), [`TEAM`] as team.toml, `dun serve` running as
/// [`SRV`], and a copy of dun every user may execute.
pub struct SharedBook {
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
    pub data: PathBuf,
    pub socket: PathBuf,
    pub server: Server,
}

impl SharedBook {
    /// `None` (with a note) when not root and that is allowed.
    pub fn start(name: &str) -> Option<SharedBook> {
        SharedBook::start_with(name, TEAM)
    }

    pub fn start_with(name: &str, team: &str) -> Option<SharedBook> {
        SharedBook::start_full(name, team, None)
    }

    /// As [`SharedBook::start_with`], with `dun serve --config` of this text
    /// (the server's fee terms, its backups).
    pub fn start_full(name: &str, team: &str, serve_config: Option<&str>) -> Option<SharedBook> {
        if !can_switch_users("the shared-book test") {
            return None;
        }
        ensure_users();
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::set_permissions(base, std::fs::Permissions::from_mode(0o755)).unwrap();
        // The test binary's own path may sit under folders other users cannot enter.
        let bin_dir = base.join("bin");
        std::fs::create_dir(&bin_dir).unwrap();
        std::fs::set_permissions(&bin_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = bin_dir.join("dun");
        std::fs::copy(env!("CARGO_BIN_EXE_dun"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();

        let (srv_uid, srv_gid) = ids(SRV);
        let sock_gid = dun::server::peer::group_gid(SOCK_GROUP).expect("the socket's group");
        let data = base.join(name);
        std::fs::create_dir(&data).unwrap();
        std::os::unix::fs::chown(&data, Some(srv_uid), Some(srv_gid)).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        // The copy was just written: a child another test thread forked
        // while the copy's file was open for writing holds that descriptor
        // until it execs, and meanwhile exec of the copy fails with "Text
        // file busy" (ETXTBSY). That lasts milliseconds; wait it out.
        let mut tries = 0;
        let out = loop {
            let out = as_user_cmd(SRV, &bin)
                .arg("--data")
                .arg(&data)
                .args(["--today", TODAY, "demo", "--no-tui"])
                .output()
                .unwrap();
            tries += 1;
            if out.status.success() || !stderr(&out).contains("Text file busy") || tries == 50 {
                break out;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(out.status.success(), "demo as {SRV}: {}", stderr(&out));
        std::fs::write(data.join("team.toml"), team).unwrap();
        std::fs::set_permissions(data.join("team.toml"), std::fs::Permissions::from_mode(0o644)).unwrap();

        let run = base.join("run");
        std::fs::create_dir(&run).unwrap();
        std::os::unix::fs::chown(&run, Some(srv_uid), Some(sock_gid)).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o2750)).unwrap();
        let socket = run.join("book.sock");
        let log = base.join("serve.log");
        let mut cmd = as_user_cmd(SRV, &bin);
        if let Some(text) = serve_config {
            let config = base.join("serve-config.toml");
            std::fs::write(&config, text).unwrap();
            std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
            cmd.arg("--config").arg(config);
        }
        cmd.arg("--data").arg(&data).arg("--socket").arg(&socket).arg("serve");
        let server = Server::spawn(cmd, &log, &socket);
        Some(SharedBook { dir, bin, data, socket, server })
    }

    /// Runs dun as `user` against the server (`--socket`, `--today`).
    pub fn as_user(&self, user: &str, args: &[&str]) -> Output {
        self.cmd_as(user, args).output().expect("run dun as a user")
    }

    pub fn cmd_as(&self, user: &str, args: &[&str]) -> Command {
        let mut c = as_user_cmd(user, &self.bin);
        c.arg("--socket").arg(&self.socket).args(["--today", TODAY]).args(args);
        c
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.server.log).unwrap_or_default()
    }
}

/// A folder `user` owns (0700) under `base`, for files a client writes.
pub fn folder_of(user: &str, base: &Path, name: &str) -> PathBuf {
    let (uid, gid) = ids(user);
    let dir = base.join(name);
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}
