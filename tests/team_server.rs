//! The team server end to end: `dun serve` as a real process, clients as
//! real OS users (created here with groupadd/useradd), the socket, the
//! roles of team.toml, hostile bytes on the socket, and the server's life
//! (pid file, a second server, a stale socket, SIGTERM).
//!
//! The tests that need other users need root (CI runs as root); they skip
//! with a note otherwise, unless DUN_REQUIRE_SHARED=1, which makes not
//! being root a failure. The rest run as whoever runs the tests.

mod server_support;
#[path = "mail_support/smtp.rs"]
mod smtp;
#[path = "common/tmux.rs"]
mod tmux;

use tmux::Tmux;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use dun::server::frame::{self, Kind};
use dun::server::protocol::{Hello, PROTOCOL};
use server_support::*;

#[test]
fn outsider_and_unlisted_users_are_refused_members_get_their_role() {
    let Some(book) = SharedBook::start("outsider") else { return };
    let out = book.as_user(OUT, &["status"]);
    assert!(!out.status.success(), "an outsider connected: {}", stdout(&out));
    assert!(stderr(&out).contains("ermission denied"), "{}", stderr(&out));

    // In the socket's group, so the kernel lets them connect, but not on the team.
    let out = book.as_user(DAN, &["status"]);
    assert!(!out.status.success(), "an unlisted user connected: {}", stdout(&out));
    let e = stderr(&out);
    assert!(e.contains(DAN) && e.contains(&book.data.join("team.toml").display().to_string()), "{e}");

    for (user, role) in [(ANA, "admin"), (BEN, "collector"), (CAT, "viewer")] {
        let out = book.as_user(user, &["status"]);
        assert!(out.status.success(), "{user}: {}", stderr(&out));
        assert!(stdout(&out).contains(&format!("you         {user} ({role})")), "{}", stdout(&out));
    }
    let log = book.log();
    assert!(log.contains(&format!("refused {DAN}")), "{log}");
    assert!(log.contains(&format!("{BEN} (uid")) && log.contains("connected as collector"), "{log}");
}

#[test]
fn team_members_cannot_read_the_data_files() {
    let Some(book) = SharedBook::start("files") else { return };
    let manifest = book.data.join("dun.manifest");
    let db = book.data.join("db");
    assert!(manifest.exists() && db.exists());
    for user in [ANA, BEN, CAT, DAN, OUT] {
        for args in
            [vec!["cat".to_string(), manifest.display().to_string()], vec!["ls".into(), db.display().to_string()]]
        {
            let out = run_as(user, &args[0], &args[1..], &[]);
            assert!(!out.status.success(), "{user} could run {args:?}: {}", stdout(&out));
            assert!(stderr(&out).contains("ermission denied"), "{user} {args:?}: {}", stderr(&out));
        }
    }
}

/// A connection that has said hello as this dun and been welcomed.
fn welcomed(socket: &std::path::Path) -> UnixStream {
    let mut s = UnixStream::connect(socket).expect("connect");
    frame::write_frame(&mut s, Kind::Hello, &Hello::ours().encode()).unwrap();
    let f = frame::read_frame(&mut s, 1 << 20).expect("welcome");
    assert_eq!(f.kind, Kind::Message, "{}", String::from_utf8_lossy(&f.body));
    s
}

/// What the server says before it closes a connection.
fn last_words(s: &mut UnixStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    match frame::read_frame(s, 1 << 20) {
        Ok(f) => {
            assert_eq!(f.kind, Kind::Text);
            String::from_utf8(f.body).unwrap()
        }
        Err(e) => panic!("the server closed without a word: {e}"),
    }
}

#[test]
fn hostile_frames_are_refused_and_logged_and_others_are_still_served() {
    let book = OwnBook::start("hostile");
    // Garbage instead of a hello: "GET " read as a length is a gigabyte.
    let mut s = UnixStream::connect(&book.socket).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(last_words(&mut s).contains("refused"));
    // A hello frame without the magic.
    let mut s = UnixStream::connect(&book.socket).unwrap();
    frame::write_frame(&mut s, Kind::Hello, b"HELO 1.0").unwrap();
    assert!(last_words(&mut s).contains("not a dun hello"));
    // A huge length after the hello: refused before anything is allocated.
    let mut s = welcomed(&book.socket);
    s.write_all(&u32::MAX.to_be_bytes()).unwrap();
    assert!(last_words(&mut s).contains("at most"));
    // A frame that stops half-way: the client closes its end.
    let mut s = welcomed(&book.socket);
    s.write_all(&[0, 0, 0, 100, b'M', 1, 2, 3]).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(last_words(&mut s).contains("middle of a frame"));
    // A well-framed message that is not a request.
    let mut s = welcomed(&book.socket);
    frame::write_frame(&mut s, Kind::Message, b"\x01\x00\x00\x00\x00not bincode").unwrap();
    assert!(last_words(&mut s).contains("malformed"));
    // A frame that stalls half-way (the client keeps the connection open).
    let mut stalled = welcomed(&book.socket);
    stalled.write_all(&[0, 0, 0, 100, b'M']).unwrap();

    // Meanwhile everyone else is served.
    let out = book.dun(&["status"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("connected"), "{}", stdout(&out));
    let log = book.log();
    for what in ["claims 1195725856 bytes", "not a dun hello", "at most", "middle of a frame", "malformed request"] {
        assert!(log.contains(what), "the log does not mention {what}:\n{log}");
    }
    assert!(last_words(&mut stalled).contains("stopped arriving"));
}

#[test]
fn another_protocol_version_gets_a_clear_message() {
    let book = OwnBook::start("version");
    for (protocol, word) in [(PROTOCOL - 1, "older"), (PROTOCOL + 1, "newer")] {
        let mut s = UnixStream::connect(&book.socket).unwrap();
        let hello = Hello { protocol, version: "0.0.1".into() };
        frame::write_frame(&mut s, Kind::Hello, &hello.encode()).unwrap();
        let m = last_words(&mut s);
        assert!(m.contains(word) && m.contains("0.0.1") && m.contains(env!("CARGO_PKG_VERSION")), "{m}");
        // And nothing more: the server closed the connection.
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
    }
    assert!(book.log().contains("older than the server's"));
}

#[test]
fn lifecycle_pid_file_second_server_stale_socket_and_sigterm() {
    let mut book = OwnBook::start("life");
    let pid_file = std::fs::read_to_string(book.data.join("dun-serve.pid")).unwrap();
    assert_eq!(pid_file.lines().next().unwrap(), book.pid().to_string());
    assert_eq!(pid_file.lines().nth(1).unwrap(), book.socket.display().to_string());

    // The server keeps the daily backup (clients of a served book never open
    // it), before it starts answering (its socket already takes connections).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !book.log().contains("serving ") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let today = chrono::Local::now().date_naive();
    let daily = book.data.join("backups").join(format!("dun-{today}.backup"));
    assert!(daily.exists(), "no daily backup at {}:\n{}", daily.display(), book.log());
    assert!(book.log().contains("daily backup written"), "{}", book.log());

    let second = book.dun(&["serve"]);
    assert!(!second.status.success());
    assert!(stderr(&second).contains("in use by another dun process"), "{}", stderr(&second));
    assert!(book.socket.exists(), "the second server touched the first one's socket");

    // SIGKILL leaves the socket behind; the next server removes it.
    book.kill(libc::SIGKILL);
    assert!(book.socket.exists());
    let out = book.dun(&["status"]);
    assert!(stdout(&out).contains("no dun server"), "{}", stdout(&out));
    book.restart();
    // Logged just after the socket starts listening: wait for the line.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !book.log().contains("removed a stale socket") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(book.log().contains("removed a stale socket"), "{}", book.log());
    assert!(book.dun(&["status"]).status.success());

    // SIGTERM: socket and pid file gone, a clean word in the log.
    book.kill(libc::SIGTERM);
    assert!(!book.socket.exists());
    assert!(!book.data.join("dun-serve.pid").exists());
    assert!(book.log().contains("stopped at seq"), "{}", book.log());
}

#[test]
fn world_writable_data_folder_or_socket_folder_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("book");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = dun_cmd().arg("--data").arg(&data).arg("serve").output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("can be written by anyone"), "{}", stderr(&out));
    assert!(!data.join("db").exists(), "the store was opened anyway");

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out =
        dun_cmd().arg("--data").arg(&data).arg("--socket").arg(open.join("s.sock")).arg("serve").output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("can be written by anyone"), "{}", stderr(&out));
}

#[test]
fn a_follower_reports_the_outage_and_reconnects_after_a_restart() {
    use dun::server::client::{follow, News};
    let mut book = OwnBook::start("follow");
    let news = follow(book.socket.clone());
    let next = || news.recv_timeout(Duration::from_secs(20)).expect("news from the follower");
    assert!(matches!(next(), News::Connected { again: false, .. }));
    book.kill(libc::SIGKILL);
    match next() {
        News::Lost(m) => assert!(m.contains("lost") || m.contains("closed"), "{m}"),
        other => panic!("expected the outage, got {other:?}"),
    }
    book.restart();
    // Retries while the server was down say nothing more; then it is back.
    loop {
        match next() {
            News::Connected { again, .. } => {
                assert!(again);
                break;
            }
            News::Lost(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The CSV rows of `dun client notes CLIENT` as `user`: (author, text).
fn notes_of(book: &SharedBook, user: &str, client: &str) -> Vec<(String, String)> {
    let out = book.as_user(user, &["--format", "csv", "client", "notes", client]);
    assert!(out.status.success(), "client notes: {}", stderr(&out));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap_or_else(|| panic!("no {name} column"));
    let (a, t) = (col("author"), col("text"));
    r.records().map(|rec| rec.unwrap()).map(|rec| (rec[a].to_string(), rec[t].to_string())).collect()
}

#[test]
fn three_users_writing_at_once_are_all_saved_with_their_true_authors() {
    let Some(book) = SharedBook::start("writers") else { return };
    let client = "C000001";
    let per_user = 100;
    let started = std::time::Instant::now();
    let results: Vec<(String, Vec<Duration>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = [ANA, BEN, EVE]
            .into_iter()
            .map(|user| {
                let book = &book;
                sc.spawn(move || {
                    let mut waits = Vec::new();
                    for i in 0..per_user {
                        let text = format!("{user} note {i}");
                        let t = std::time::Instant::now();
                        let out = book.as_user(user, &["log", client, "--kind", "internal", "--text", &text]);
                        waits.push(t.elapsed());
                        assert!(out.status.success(), "{user} note {i} refused: {}", stderr(&out));
                    }
                    (user.to_string(), waits)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    let longest = results.iter().flat_map(|(_, w)| w).max().copied().unwrap();
    let total = results.iter().map(|(_, w)| w.len()).sum::<usize>();
    eprintln!(
        "concurrent writers: {total} notes by 3 users in {:.2} s = {:.0} writes/s; longest wait (one whole `dun log` process) {:.0} ms",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        longest.as_secs_f64() * 1000.0
    );
    let notes = notes_of(&book, CAT, client);
    for user in [ANA, BEN, EVE] {
        for i in 0..per_user {
            let text = format!("{user} note {i}");
            let found: Vec<_> = notes.iter().filter(|(_, t)| *t == text).collect();
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            // USER said someone-else; the kernel said who it was.
            assert_eq!(found[0].0, user, "{text}");
        }
    }
    assert!(!notes.iter().any(|(a, _)| a == "someone-else"));
    let log = book.log();
    assert!(log.contains(&format!("{BEN} (uid")) && log.contains("wrote"), "{log}");
}

#[test]
fn roles_are_enforced_and_refusals_name_the_role_needed() {
    let Some(book) = SharedBook::start("roles") else { return };
    // A viewer reads but cannot write.
    assert!(book.as_user(CAT, &["today"]).status.success());
    let out = book.as_user(CAT, &["log", "C000001", "--kind", "internal", "--text", "hello"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("needs the collector role"), "{}", stderr(&out));
    // A collector logs, but cannot import or restore.
    let out = book.as_user(BEN, &["log", "C000001", "--kind", "internal", "--text", "ben was here"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = book.dir.path().join("clients.csv");
    std::fs::write(&csv, "id,name,email,phone,terms_days,currency\nNEW1,New Client Ltd,,,30,USD\n").unwrap();
    std::fs::set_permissions(&csv, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let out = book.as_user(BEN, &["import", "clients", &csv.display().to_string()]);
    assert!(!out.status.success(), "a collector imported: {}", stdout(&out));
    assert!(stderr(&out).contains("needs the admin role"), "{}", stderr(&out));
    let out = book.as_user(BEN, &["restore", "/nonexistent.dunbak"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("admin"), "{}", stderr(&out));
    // An admin imports and adds clients; a collector cannot add one.
    let out = book.as_user(ANA, &["import", "clients", &csv.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = book.as_user(BEN, &["client", "add", "NEW2", "Second New Ltd"]);
    assert!(stderr(&out).contains("needs the admin role"), "{}", stderr(&out));
    let out = book.as_user(ANA, &["client", "add", "NEW2", "Second New Ltd"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = book.as_user(CAT, &["--format", "csv", "client", "list"]);
    assert!(stdout(&list).contains("NEW1,New Client Ltd") && stdout(&list).contains("NEW2,Second New Ltd"));
    let notes = notes_of(&book, CAT, "C000001");
    assert!(notes.iter().any(|(a, t)| a == BEN && t == "ben was here"));
    assert!(!notes.iter().any(|(_, t)| t == "hello"));
    assert!(book.log().contains("needs the collector role"), "{}", book.log());
}

#[test]
fn sigkill_during_a_stream_of_writes_loses_no_acknowledged_write_and_repeats_none() {
    use dun::command::{Command as Cmd, NoteInput};
    use dun::domain::NoteKind;
    use dun::ledger::{Ledger, Request};
    use dun::server::client::Connection;
    use dun::server::remote::Remote;
    use std::sync::{mpsc, Arc, Mutex};

    let mut book = OwnBook::start("crash");
    let today = chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap();
    let notices = Arc::new(Mutex::new(Vec::<String>::new()));
    let heard = Arc::clone(&notices);
    let mut remote = Remote::new(Connection::open(&book.socket).unwrap())
        .on_notice(move |m| heard.lock().unwrap().push(m.to_string()))
        .waiting(Duration::from_secs(20));
    let (acks, acked_rx) = mpsc::channel();
    let writes = 120;
    let writer = std::thread::spawn(move || {
        let mut unknown = Vec::new();
        for i in 0..writes {
            let note = NoteInput::new(NoteKind::Internal, format!("stream note {i}"));
            match remote.apply(Request::latest(today, Cmd::Log { client: "C000001".into(), note })) {
                Ok(_) => acks.send(i).unwrap(),
                Err(e) => unknown.push((i, e.to_string())),
            }
        }
        unknown
    });
    // Kill the server in the middle of the stream, then bring it back.
    let mut acked = Vec::new();
    while acked.len() < 30 {
        acked.push(acked_rx.recv_timeout(Duration::from_secs(20)).expect("writes before the crash"));
    }
    book.kill(libc::SIGKILL);
    std::thread::sleep(Duration::from_millis(300));
    book.restart();
    let unknown = writer.join().unwrap();
    acked.extend(acked_rx.try_iter());
    assert!(acked.len() + unknown.len() == writes, "every write was either confirmed or reported");
    assert!(unknown.len() <= 1, "only the write in flight may be in doubt: {unknown:?}");
    for (_, e) in &unknown {
        assert!(e.contains("may or may not have been saved"), "{e}");
    }

    let out = book.dun(&["--format", "csv", "client", "notes", "C000001"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for i in 0..writes {
        let n = text.lines().filter(|l| l.ends_with(&format!(",stream note {i}"))).count();
        if acked.contains(&i) {
            assert_eq!(n, 1, "acknowledged write {i} is there exactly once");
        } else {
            assert!(n <= 1, "write {i} was written twice");
        }
    }
    let notices = notices.lock().unwrap();
    assert!(notices.iter().any(|m| m.contains("lost the dun server")), "{notices:?}");
    assert!(notices.iter().any(|m| m.contains("reconnected")), "{notices:?}");
}

#[test]
fn a_note_logged_in_one_interface_appears_in_a_colleagues() {
    if !tmux::available("the two-interfaces test") {
        return;
    }
    let Some(book) = SharedBook::start("live") else { return };
    let tmux = Tmux::new("dun-team", "a");
    for (s, user) in [("a", ANA), ("b", BEN)] {
        let (uid, gid) = {
            let u = dun::server::peer::user_by_name(user).unwrap();
            (u.uid, u.gid)
        };
        let cmd = format!(
            "env HOME=/nonexistent USER=someone-else NO_COLOR=1 setpriv --reuid={uid} --regid={gid} --init-groups -- {} --socket {} --today {TODAY}",
            book.bin.display(),
            book.socket.display()
        );
        let out = tmux.run(&["new-session", "-d", "-s", s, "-x", "160", "-y", "40", &cmd]);
        assert!(out.status.success(), "tmux: {}", stderr(&out));
    }
    for s in ["a", "b"] {
        tmux.wait_for_in(s, "the Today screen", |x| x.contains("Today ·"));
    }
    // Ana logs a call on the first account of the day; Ben has it selected too.
    tmux.send_in("a", &["c", "n"]);
    tmux.send_in("a", &["-l", "rang from the team test"]);
    tmux.send_in("a", &["Enter"]);
    tmux.wait_for_in("a", "the confirmation", |x| x.contains("saved:"));
    let seen = tmux.wait_for_in("b", "ana's call", |x| x.contains(&format!("● {ANA} changed")));
    assert!(seen.contains("call"), "{seen}");
    // Ben's detail pane marks the account too, beside its name (with how
    // long ago: "just now" on a quick machine, minutes on a loaded one).
    assert!(seen.contains(&format!("• {ANA} ")), "{seen}");
    assert!(book.log().contains(&format!("{ANA} (uid")), "{}", book.log());

    // Ana is an admin: A opens the picker (the team comes from the server);
    // she gives the account to Ben.
    tmux.send_in("a", &["A"]);
    tmux.wait_for_in("a", "the picker", |x| x.contains("assign") && x.contains("unassigned"));
    for _ in 0..12 {
        let before = tmux.capture_in("a");
        if before.contains(&format!("[{BEN}]")) {
            break;
        }
        tmux.send_in("a", &["Right"]);
        // One step at a time: the next key only once this one has moved the
        // picker, so a slow screen cannot make us step past Ben.
        tmux.wait_for_in("a", "the picker to move", |x| x != before);
    }
    tmux.wait_for_in("a", "ben in the picker", |x| x.contains(&format!("[{BEN}]")));
    tmux.send_in("a", &["Enter"]);
    tmux.wait_for_in("a", "the assignment saved", |x| x.contains("saved: client"));
    let out = book.as_user(CAT, &["--format", "csv", "today", "--owner", BEN]);
    assert_eq!(stdout(&out).lines().count(), 2, "one account is Ben's: {}", stdout(&out));
    // Ben, a collector, cannot take the next account (a colleague's): the
    // status line says which role that needs.
    tmux.send_in("b", &["j", "A"]);
    tmux.wait_for_in("b", "the refusal", |x| x.contains("needs the admin role"));
}

/// The server's config in the through-the-server tests: fee terms the
/// server charges by (the clients' configs have none).
const SERVE_CONFIG: &str = "[fees]\nfixed = \"40.00\"\ngrace_days = 0\n";

#[test]
fn backup_verify_and_fees_go_through_the_server_with_their_roles() {
    use std::os::unix::fs::MetadataExt;
    let Some(book) = SharedBook::start_full("through", TEAM, Some(SERVE_CONFIG)) else { return };
    let base = book.dir.path();
    // A backup: made by the server, written by the admin's own dun where
    // the admin asked, owned by the admin, private.
    let ana_dir = folder_of(ANA, base, "ana");
    let file = ana_dir.join("book.dunbak");
    let out = book.as_user(ANA, &["backup", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("backed up 40 clients"), "{}", stdout(&out));
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.uid(), dun::server::peer::user_by_name(ANA).unwrap().uid);
    assert_eq!(meta.mode() & 0o777, 0o600);
    assert!(book.log().contains(&format!("{ANA} (uid")) && book.log().contains("took a backup"), "{}", book.log());
    // It restores (as anyone who can read it) into a book that verifies.
    let restored = base.join("restored");
    let out = dun_cmd().arg("--data").arg(&restored).args(["restore", file.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("restored 40 clients"), "{}", stdout(&out));
    // A collector may not take one.
    let ben_dir = folder_of(BEN, base, "ben");
    let out = book.as_user(BEN, &["backup", ben_dir.join("x.dunbak").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("needs the admin role"), "{}", stderr(&out));
    assert!(!ben_dir.join("x.dunbak").exists());

    // verify: an admin's; it holds the store's lock while it reads every
    // record, so a viewer looping it would stall everyone's writes.
    let out = book.as_user(CAT, &["verify"]);
    assert!(!out.status.success() && stderr(&out).contains("needs the admin role"), "{}", stderr(&out));
    let out = book.as_user(ANA, &["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ok: 40 clients"), "{}", stdout(&out));

    // Fees follow the server's terms: listed for a viewer, charged by an admin only.
    let out = book.as_user(CAT, &["--format", "csv", "fees"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = stdout(&out);
    let invoice = list.lines().nth(1).and_then(|l| l.split(',').next()).expect("a chargeable invoice").to_string();
    assert!(list.lines().nth(1).unwrap().contains("40.00"), "{list}");
    let out = book.as_user(BEN, &["fee", &invoice]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("needs the admin role"), "{}", stderr(&out));
    let out = book.as_user(ANA, &["fee", &invoice, "--dry-run", "--format", "csv"]);
    assert!(out.status.success() && stdout(&out).contains("fixed,40.00"), "{}{}", stdout(&out), stderr(&out));
    let out = book.as_user(ANA, &["fee", &invoice]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("saved:"), "{}", stderr(&out));
    let out = book.as_user(ANA, &["fee", &invoice]);
    assert!(stderr(&out).contains("nothing to charge"), "charged twice: {}", stderr(&out));
    assert!(book.log().contains(&format!("{ANA} (uid")) && book.log().contains(" wrote seq"), "{}", book.log());
}

#[test]
fn import_book_and_demo_go_through_the_server() {
    use std::os::unix::fs::PermissionsExt;
    // An exported book to load.
    let dir = tempfile::tempdir().unwrap();
    let source = OwnBook::start("source");
    let export = dir.path().join("export");
    let out = source.dun(&["export", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    drop(source);
    // A server on an empty book.
    let data = dir.path().join("empty");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let socket = data.join("dun.sock");
    let mut cmd = dun_cmd();
    cmd.arg("--data").arg(&data).arg("serve");
    let server = Server::spawn_public(cmd, &dir.path().join("serve.log"), &socket);
    let dun = |args: &[&str]| dun_cmd().arg("--data").arg(&data).args(["--today", TODAY]).args(args).output().unwrap();
    // The server has the book open: had the client opened it itself, it
    // would have been refused (the folder is locked).
    let out = dun(&["import", "book", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("40 clients"), "{}", stdout(&out));
    let out = dun(&["verify"]);
    assert!(stdout(&out).starts_with("ok: 40 clients"), "{}{}", stdout(&out), stderr(&out));
    let out = dun(&["demo", "--no-tui"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already holds"), "{}", stderr(&out));
    let out = dun(&["import", "book", export.to_str().unwrap()]);
    assert!(!out.status.success() && stderr(&out).contains("already holds"), "{}", stderr(&out));
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("wrote seq 1"), "{log}");
}

#[test]
fn remind_send_through_the_server_sends_each_message_once_as_the_kernels_user() {
    if !smtp::have_aiosmtpd() {
        return;
    }
    let Some(book) = SharedBook::start("remind") else { return };
    let base = book.dir.path();
    let smtp = smtp::Server::start(&base.join("smtp"), &[]);
    let letters = folder_of(BEN, base, "letters");
    let config = base.join("ben-config.toml");
    std::fs::write(
        &config,
        format!(
            "[mail]\nfrom = \"Accounts <ar@example.com>\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_security = \"none\"\nsmtp_timeout_secs = 10\nletters_dir = \"{}\"\n",
            smtp.port,
            letters.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let cfg = config.to_str().unwrap();
    // What is due: e-mails and letters.
    let out = book.as_user(BEN, &["--config", cfg, "--format", "csv", "remind", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan = stdout(&out);
    let emails: Vec<&str> = plan.lines().filter(|l| l.contains(",email,")).collect();
    let letters_due = plan.lines().filter(|l| l.contains(",letter,")).count();
    assert!(emails.len() >= 2 && letters_due >= 1, "{plan}");

    // A viewer may not send.
    let out = book.as_user(CAT, &["--config", cfg, "remind", "--send"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("needs the collector role"), "{}", stderr(&out));
    assert!(smtp.received().is_empty());

    let out = book.as_user(BEN, &["--config", cfg, "remind", "--send"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let got = smtp.received();
    assert_eq!(got.len(), emails.len(), "{}", stdout(&out));
    let ids: std::collections::BTreeSet<String> = got.iter().map(|m| m["message_id"].to_string()).collect();
    assert_eq!(ids.len(), got.len(), "a message arrived twice");
    // The letters were written by the client, as the user who sent them.
    let pdfs = std::fs::read_dir(&letters).unwrap().count();
    assert_eq!(pdfs, letters_due);

    // A second run sends nothing: each step is logged done, and the
    // outbox (on the server) holds each message as sent.
    let out = book.as_user(BEN, &["--config", cfg, "remind", "--send"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(" 0 sent"), "{}", stdout(&out));
    assert_eq!(smtp.received().len(), emails.len());
    let out = book.as_user(BEN, &["--config", cfg, "--format", "csv", "remind", "--dry-run"]);
    assert!(!stdout(&out).contains(",email,"), "{}", stdout(&out));

    // The note that logs each message is by the user the kernel saw.
    let client = emails[0].split(',').next().unwrap();
    let notes = notes_of(&book, CAT, client);
    assert!(notes.iter().any(|(a, t)| a == BEN && t.contains("dun.2026-11-25")), "{notes:?}");
    assert!(!notes.iter().any(|(a, _)| a == "someone-else"));
}

/// The owner of `client` as `user` reads it.
fn owner_of(book: &SharedBook, user: &str, client: &str) -> String {
    let out = book.as_user(user, &["--format", "csv", "client", "show", client]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text.lines().find(|l| l.starts_with("client,1,owner,")).unwrap_or_else(|| panic!("no owner in {text}"));
    line.trim_start_matches("client,1,owner,").to_string()
}

#[test]
fn assigning_accounts_follows_the_roles() {
    let Some(book) = SharedBook::start("assign") else { return };
    let c = "C000002";
    assert_eq!(owner_of(&book, CAT, c), "sam", "the demo's owner");
    // A collector cannot take an account someone owns, nor give one away.
    let out = book.as_user(BEN, &["assign", c, "me"]);
    assert!(!out.status.success() && stderr(&out).contains("needs the admin role"), "{}", stderr(&out));
    // An admin may: to nobody, then to a team member; a name not on the team is refused.
    let out = book.as_user(ANA, &["assign", c, "none"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(owner_of(&book, CAT, c), "");
    let out = book.as_user(ANA, &["assign", c, "nobody-we-know"]);
    assert!(!out.status.success() && stderr(&out).contains("not on the team"), "{}", stderr(&out));
    // A viewer cannot even take an unowned one.
    let out = book.as_user(CAT, &["assign", c, "me"]);
    assert!(!out.status.success() && stderr(&out).contains("needs the collector role"), "{}", stderr(&out));
    // A collector takes the unowned account, as the user the kernel says they are.
    let out = book.as_user(BEN, &["assign", c, "me"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(owner_of(&book, CAT, c), BEN);
    let out = book.as_user(BEN, &["--format", "csv", "today", "--owner", "me"]);
    assert!(stdout(&out).lines().skip(1).all(|l| l.ends_with(&format!(",{BEN}"))), "{}", stdout(&out));
    // ... but cannot hand it to a colleague.
    let out = book.as_user(BEN, &["assign", c, EVE]);
    assert!(!out.status.success() && stderr(&out).contains("needs the admin role"), "{}", stderr(&out));
    // An admin gives it to a member of the team group (not listed by name).
    let out = book.as_user(ANA, &["assign", c, EVE]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(owner_of(&book, CAT, c), EVE);
    // And to one whose primary group is the team group: no group file entry
    // names them, yet they connect as a collector, so they are on the team.
    let out = book.as_user(FAY, &["--format", "csv", "today"]);
    assert!(out.status.success(), "{FAY} connects: {}", stderr(&out));
    let out = book.as_user(ANA, &["assign", c, FAY]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(owner_of(&book, CAT, c), FAY);
}

#[test]
fn reads_through_the_server_give_what_the_book_gives_read_directly() {
    let Some(mut book) = SharedBook::start("reads") else { return };
    let out = book.as_user(BEN, &["log", "C000001", "--kind", "call", "--text", "rang, promised Friday"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // CAT cannot read the data folder: the server sends the part of the
    // book each command needs (open items for the day's list, all of it
    // for the client list's history).
    let asks: [&[&str]; 3] =
        [&["--format", "csv", "today"], &["--format", "csv", "client", "list"], &["--format", "csv", "aging"]];
    let served: Vec<String> = asks.iter().map(|a| stdout(&book.as_user(CAT, a))).collect();
    book.server.kill(libc::SIGTERM);
    for (args, via_server) in asks.iter().zip(&served) {
        let out =
            as_user_cmd(SRV, &book.bin).arg("--data").arg(&book.data).args(["--today", TODAY]).args(*args).output();
        let direct = out.unwrap();
        assert!(direct.status.success(), "{}", stderr(&direct));
        assert!(via_server.lines().count() > 1, "{args:?}: {via_server}");
        assert_eq!(via_server, &stdout(&direct), "{args:?}");
    }

    // The server's own account can read the folder: it reads the image the
    // server publishes, and gets the same.
    let mut own = OwnBook::start("own-reads");
    let served = stdout(&own.dun(&["--format", "csv", "today"]));
    own.kill(libc::SIGTERM);
    assert_eq!(served, stdout(&own.dun(&["--format", "csv", "today"])));
}

/// Every command, run by someone who cannot read the data folder, against
/// a served book: none may try to open the store itself (that would be
/// refused by the file system, or by dun's own "opens the book itself").
/// Each must work (money amounts included: they cross the socket in the
/// codec), except two the book refuses (no credit on account).
#[test]
fn no_command_opens_the_store_while_a_server_runs() {
    let Some(book) = SharedBook::start_full("every", TEAM, Some(SERVE_CONFIG)) else { return };
    let base = book.dir.path();
    let ana = folder_of(ANA, base, "ana-files");
    let at = |name: &str| ana.join(name).display().to_string();
    let (export, backup, statement, letter) = (at("export"), at("b.dunbak"), at("s.txt"), at("l.pdf"));
    let (csv, notes_csv) = (at("clients.csv"), at("notes.csv"));
    std::fs::write(&csv, "id,name,email,phone,terms_days,currency\nNEW9,Ninth Ltd,,,30,USD\n").unwrap();
    std::fs::write(&notes_csv, "client_id,timestamp,author,kind,text,promise_date,promise_amount\nC000001,2026-11-20T10:00:00Z,ana,internal,imported note,,\n").unwrap();
    for f in [&csv, &notes_csv] {
        std::os::unix::fs::chown(f, Some(dun::server::peer::user_by_name(ANA).unwrap().uid), None).unwrap();
    }
    let commands: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["client", "list"],
        vec!["client", "show", "C000001"],
        vec!["client", "notes", "C000001"],
        vec!["client", "add", "NEW1", "New One Ltd"],
        vec!["client", "add", "NEW1", "--update", "--email", "ap@new.example"],
        vec!["invoice", "list"],
        vec!["invoice", "show", "INV-01055"],
        vec!["invoice", "add", "INV-NEW1", "NEW1", "100.00"],
        vec!["invoice", "edit", "INV-NEW1", "--reference", "PO 7"],
        vec!["assign", "NEW1", "me"],
        vec!["pay", "INV-NEW1", "10.00"],
        vec!["credit", "INV-NEW1", "5.00", "--reason", "goodwill"],
        vec!["write-off", "INV-NEW1", "1.00", "--reason", "rounding"],
        vec!["charge", "INV-NEW1", "2.00", "--reason", "admin fee"],
        vec!["verify"],
        vec!["import", "clients", &csv],
        vec!["import", "notes", &notes_csv],
        vec!["export", &export],
        vec!["backup", &backup],
        vec!["aging"],
        vec!["stats"],
        vec!["fees"],
        vec!["fee", "INV-01055", "--dry-run"],
        vec!["discounts"],
        vec!["plan", "INV-NEW1", "--instalment", "2026-12-01:86.00"],
        vec!["today"],
        vec!["today", "--owner", "me"],
        vec!["rules", "check"],
        vec!["rules", "show"],
        vec!["log", "C000001", "--kind", "call", "--text", "rang"],
        vec!["dispute", "INV-NEW1", "--reason", "wrong PO"],
        vec!["resolve", "INV-NEW1"],
        vec!["snooze", "C000001", "--until", "2026-12-01"],
        vec!["unsnooze", "C000001"],
        vec!["hold", "C000001", "--reason", "talks"],
        vec!["unhold", "C000001"],
        vec!["agency", "place", "C000002", "--agency", "Recover Co"],
        vec!["agency", "recall", "C000002"],
        vec!["apply-credit", "NEW1"],
        vec!["refund", "NEW1", "1.00"],
        vec!["remind", "--dry-run"],
        vec!["statement", "C000001", "--out", &statement],
        vec!["letter", "C000030", "--out", &letter],
        vec!["templates", "list"],
    ];
    for args in &commands {
        let out = book.as_user(ANA, args);
        let e = stderr(&out);
        for sign in ["opens the book itself", "cannot open the book", "ermission denied", "in use by another dun"] {
            assert!(!e.contains(sign), "`dun {}` tried the store itself: {e}", args.join(" "));
        }
        let refused_by_the_book = matches!(args[0], "apply-credit" | "refund") && e.contains("credit on account");
        assert!(out.status.success() || refused_by_the_book, "`dun {}` failed: {e}", args.join(" "));
    }
    // Those that change the book did, through the server, as ANA.
    let log = book.log();
    for what in ["NEW1", "INV-NEW1"] {
        assert!(log.contains(what), "{what} never reached the server:\n{log}");
    }
    assert!(std::path::Path::new(&backup).exists() && std::path::Path::new(&statement).exists());
}

#[test]
fn two_collectors_sending_reminders_at_once_send_each_message_once() {
    if !smtp::have_aiosmtpd() {
        return;
    }
    let Some(book) = SharedBook::start("remind-race") else { return };
    let base = book.dir.path();
    let smtp = smtp::Server::start(&base.join("smtp"), &[]);
    let config = base.join("team-config.toml");
    std::fs::write(
        &config,
        format!(
            "[mail]\nfrom = \"Accounts <ar@example.com>\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_security = \"none\"\nsmtp_timeout_secs = 10\n",
            smtp.port
        ),
    )
    .unwrap();
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let cfg = config.to_str().unwrap();
    // E-mails only (the first reminder level): no letters folder needed.
    let send = ["--config", cfg, "remind", "--send", "--level", "2"];
    let plan = stdout(&book.as_user(BEN, &["--config", cfg, "--format", "csv", "remind", "--dry-run", "--level", "2"]));
    let due = plan.lines().filter(|l| l.contains(",email,")).count();
    assert!(due >= 2, "{plan}");
    let (a, b) = std::thread::scope(|sc| {
        let a = sc.spawn(|| book.as_user(BEN, &send));
        let b = sc.spawn(|| book.as_user(EVE, &send));
        (a.join().unwrap(), b.join().unwrap())
    });
    // Whoever queued a message first sent it; the other was told it was
    // sent, or (while it was still on its way) that its fate is not known yet.
    let got = smtp.received();
    let ids: std::collections::BTreeSet<String> = got.iter().map(|m| m["message_id"].to_string()).collect();
    assert_eq!(got.len(), due, "ben: {}\neve: {}", stdout(&a), stdout(&b));
    assert_eq!(ids.len(), due, "a message arrived twice");
    // And a later run sends nothing.
    let out = book.as_user(BEN, &send);
    assert!(stdout(&out).contains(" 0 sent"), "{}", stdout(&out));
    assert_eq!(smtp.received().len(), due);
}
