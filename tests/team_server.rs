//! The team server end to end: `dun serve` as a real process, clients as
//! real OS users (created here with groupadd/useradd), the socket, the
//! roles of team.toml, hostile bytes on the socket, and the server's life
//! (pid file, a second server, a stale socket, SIGTERM).
//!
//! The tests that need other users need root (CI runs as root); they skip
//! with a note otherwise, unless DUN_REQUIRE_SHARED=1, which makes not
//! being root a failure. The rest run as whoever runs the tests.

mod server_support;

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
