//! dun never harms what is not its own: folders it did not make keep their
//! modes, a typo in `--data` is not an empty book, planning runs leave the
//! real backups alone, another user's book is refused, and a damaged or
//! full store is described truthfully (issue 10, first part).

mod common;

use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use common::{dun, dun_err, dun_ok};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

fn set_mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A small book: one client, one invoice.
fn small_book(d: &Path) {
    dun_ok(d, &["client", "add", "C1", "Acme", "--currency", "EUR"]);
    dun_ok(d, &["invoice", "add", "I1", "C1", "100.00", "--issued", "2026-01-05"]);
}

#[test]
fn a_folder_that_is_not_a_book_is_refused_and_keeps_every_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("scripts");
    std::fs::create_dir(&d).unwrap();
    set_mode(&d, 0o755);
    std::fs::write(d.join("run.sh"), "#!/bin/sh\n").unwrap();
    set_mode(&d.join("run.sh"), 0o755);
    std::fs::create_dir(d.join("sub")).unwrap();
    set_mode(&d.join("sub"), 0o775);
    for args in [&["client", "list"][..], &["client", "add", "C1", "Acme"], &["demo", "--no-tui"], &["today"]] {
        let err = dun_err(&d, args);
        assert!(err.contains("holds no dun book"), "{args:?}: {err}");
        assert!(err.contains(&d.display().to_string()), "{err}");
    }
    assert_eq!(mode(&d), 0o755);
    assert_eq!(mode(&d.join("run.sh")), 0o755);
    assert_eq!(mode(&d.join("sub")), 0o775);
    assert!(!d.join("db").exists() && !d.join("dun.lock").exists(), "nothing of dun's may be left there");
}

#[test]
fn a_shared_folder_behind_a_symlink_keeps_its_mode_and_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    set_mode(&shared, 0o1777);
    let link = tmp.path().join("link");
    symlink(&shared, &link).unwrap();
    let out = dun(&link, &["client", "add", "C1", "Acme"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("can be read by other users"), "{err}");
    assert!(err.contains(&format!("chmod 700 {}", link.display())), "the warning names the fix: {err}");
    assert_eq!(mode(&shared), 0o1777, "the shared folder's mode is not dun's to change");
    // What dun made itself is private.
    assert_eq!(mode(&shared.join("db")), 0o700);
    for e in std::fs::read_dir(shared.join("db")).unwrap().flatten() {
        if e.file_type().unwrap().is_file() {
            assert_eq!(mode(&e.path()), 0o600, "{}", e.path().display());
        }
    }
    assert_eq!(mode(&shared.join("dun.lock")), 0o600);
    assert_eq!(mode(&shared.join("dun.manifest")), 0o600);
    // Every later open says it again.
    let out = dun(&link, &["client", "list"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("can be read by other users"));
}

#[test]
fn read_commands_on_a_folder_without_a_book_say_so_and_create_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("typo");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let export_to = tmp.path().join("out");
    let export_to = export_to.to_str().unwrap();
    let commands: [&[&str]; 9] = [
        &["today"],
        &["aging"],
        &["stats"],
        &["client", "list"],
        &["invoice", "list"],
        &["client", "show", "C1"],
        &["verify"],
        &["export", export_to],
        &["backup", "/tmp/never-written.backup"],
    ];
    for d in [&missing, &empty] {
        for args in commands {
            let err = dun_err(d, args);
            assert!(err.contains(&format!("no book at {}", d.display())), "{args:?}: {err}");
            assert!(err.contains("dun import") && err.contains("dun demo"), "{args:?}: the hint: {err}");
        }
    }
    assert!(!missing.exists(), "a read-only command created the folder");
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0, "a read-only command wrote into the folder");
    assert!(!Path::new(export_to).exists());
}

#[test]
fn only_creating_commands_create_a_book() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("new/nested/a");
    dun_ok(&a, &["client", "add", "C1", "Acme"]);
    assert_eq!(mode(&a), 0o700);
    assert!(dun_ok(&a, &["client", "list"]).contains("Acme"));
    let b = tmp.path().join("b");
    dun_ok(&b, &["demo", "--no-tui"]);
    assert!(dun_ok(&b, &["verify"]).starts_with("ok:"));
    let c = tmp.path().join("c");
    let csv = tmp.path().join("clients.csv");
    std::fs::write(&csv, "id,name,email,phone,terms_days,currency\nC9,Nine,,,30,USD\n").unwrap();
    dun_ok(&c, &["import", "clients", csv.to_str().unwrap()]);
    assert!(dun_ok(&c, &["client", "list"]).contains("Nine"));
}

#[test]
fn a_missing_config_file_or_an_unknown_key_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("book");
    small_book(&d);
    let missing = tmp.path().join("nope.toml");
    let err = dun_err(&d, &["--config", missing.to_str().unwrap(), "client", "list"]);
    assert!(err.contains(&missing.display().to_string()), "{err}");
    let cfg = tmp.path().join("config.toml");
    std::fs::write(&cfg, "[colour]\ntheme = \"light\"\n").unwrap();
    let err = dun_err(&d, &["--config", cfg.to_str().unwrap(), "client", "list"]);
    assert!(err.contains("colour") && err.contains("line 1"), "{err}");
    std::fs::write(&cfg, "[backup]\nkeep = 3\n").unwrap();
    let err = dun_err(&d, &["--config", cfg.to_str().unwrap(), "today"]);
    assert!(err.contains("keep") && err.contains("line 2"), "{err}");
    std::fs::write(&cfg, "[backup]\nkeep_days = 3\n").unwrap();
    dun_ok(&d, &["--config", cfg.to_str().unwrap(), "client", "list"]);
}

fn backups(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d.join("backups"))
        .map(|r| r.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn planning_runs_never_write_or_prune_backups() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("book");
    small_book(&d);
    let real = chrono::Local::now().date_naive();
    let todays = format!("dun-{real}.backup");
    assert_eq!(backups(&d), vec![todays.clone()], "the real day's backup");
    // Six older real backups: with keep_days 7 all seven are kept.
    let body = std::fs::read(d.join("backups").join(&todays)).unwrap();
    for n in 1..=6 {
        std::fs::write(d.join("backups").join(format!("dun-{}.backup", real - chrono::Days::new(n))), &body).unwrap();
    }
    let before = backups(&d);
    assert_eq!(before.len(), 7);
    for n in 1..=8 {
        let day = (real + chrono::Days::new(30 * n)).to_string();
        dun_ok(&d, &["--today", &day, "today"]);
        dun_ok(&d, &["--today", &day, "client", "list"]);
    }
    let day = (real - chrono::Days::new(400)).to_string();
    dun_ok(&d, &["--today", &day, "aging"]);
    assert_eq!(backups(&d), before, "a --today run wrote or pruned a backup");

    // A backup named after a later day (left by an older dun) is never
    // counted, so it cannot push a real one out.
    std::fs::remove_file(d.join("backups").join(&todays)).unwrap();
    let stray = format!("dun-{}.backup", real + chrono::Days::new(365));
    std::fs::write(d.join("backups").join(&stray), &body).unwrap();
    dun_ok(&d, &["client", "list"]);
    let mut want = before.clone();
    want.push(stray);
    want.sort();
    assert_eq!(backups(&d), want);
}

#[test]
fn backup_never_creates_a_missing_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("book");
    small_book(&d);
    let target = tmp.path().join("no/such/folder/b.backup");
    let err = dun_err(&d, &["backup", target.to_str().unwrap()]);
    assert!(err.contains(&format!("{} does not exist", tmp.path().join("no/such/folder").display())), "{err}");
    assert!(!tmp.path().join("no").exists(), "dun backup created folders");
    let ok = tmp.path().join("b.backup");
    dun_ok(&d, &["backup", ok.to_str().unwrap()]);
    assert_eq!(mode(&ok), 0o600);
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs the dun binary as the OS user `nobody` (the test runs as root).
fn dun_as_nobody(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(env!("CARGO_BIN_EXE_dun"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .env_remove("DUN_DATA")
        .env("HOME", "/nonexistent")
        .output()
        .expect("run runuser")
}

fn chown_tree(p: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(gid)).unwrap();
    if std::fs::symlink_metadata(p).unwrap().is_dir() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            chown_tree(&e.path(), uid, gid);
        }
    }
}

#[test]
fn a_book_of_another_user_is_refused_and_permission_errors_name_the_file() {
    if !running_as_root() {
        assert!(std::env::var_os("DUN_REQUIRE_SHARED").is_none(), "this test needs root (CI runs as root)");
        eprintln!("note: not root; skipping the other-user test");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    set_mode(tmp.path(), 0o755);
    let d = tmp.path().join("book");
    small_book(&d);
    chown_tree(&d, 65534, 65534);
    for args in [&["today"][..], &["client", "list"], &["log", "C1", "--kind", "call"], &["verify"]] {
        let err = dun_err(&d, args);
        assert!(err.contains("this book belongs to nobody; run dun as nobody"), "{args:?}: {err}");
        assert!(err.contains("--allow-other-owner"), "{err}");
    }
    let owners =
        |p: &Path| std::fs::read_dir(p.join("db")).unwrap().flatten().all(|e| e.metadata().unwrap().uid() == 65534);
    assert!(owners(&d), "the refused run created files");
    // The documented way through.
    dun_ok(&d, &["--allow-other-owner", "client", "list"]);

    // The owner meets a file root created: the message names it.
    let db = d.join("db");
    let conf = db.join("conf");
    std::os::unix::fs::lchown(&conf, Some(0), Some(0)).unwrap();
    set_mode(&conf, 0o600);
    let out = dun_as_nobody(&d, &["log", "C1", "--kind", "call"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("permission denied") && err.contains(&conf.display().to_string()), "{err}");
    assert!(err.contains("owned by root"), "{err}");
    assert!(!err.contains("os error"), "{err}");
}

/// The book's notes, as `dun export` writes them.
fn notes(d: &Path) -> String {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("x");
    dun_ok(d, &["export", dir.to_str().unwrap()]);
    std::fs::read_to_string(dir.join("notes.csv")).unwrap()
}

#[test]
fn an_unfinished_sled_snapshot_is_cleared_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("book");
    small_book(&d);
    dun_ok(&d, &["log", "C1", "--kind", "call", "--text", "promised Friday"]);
    // A stray (zero length, as a full disk leaves it) and a torn one (a body
    // without its checksum), named past any real snapshot.
    std::fs::write(d.join("db/snap.00000000FFFFFFFF.generating"), b"").unwrap();
    std::fs::write(d.join("db/snap.0000000FFFFFFFFF.generating"), vec![7u8; 300]).unwrap();
    assert!(notes(&d).contains("promised Friday"));
    assert!(dun_ok(&d, &["verify"]).starts_with("ok:"));
    let left: Vec<_> = std::fs::read_dir(d.join("db"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".generating"))
        .collect();
    assert!(left.is_empty(), "unfinished snapshots left behind");
}

#[test]
fn a_damaged_store_never_gets_the_advice_to_restore_over_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("book");
    small_book(&d);
    // A finished snapshot that is garbage: sled reports corruption.
    std::fs::write(d.join("db/snap.0000000FFFFFFFFF"), vec![7u8; 300]).unwrap();
    for args in [&["log", "C1", "--kind", "call"][..], &["verify"]] {
        let err = dun_err(&d, args);
        assert!(err.contains("damaged"), "{err}");
        assert!(err.contains("loses every change made since"), "{err}");
        assert!(!err.contains("Restore the latest backup"), "{err}");
    }
}

#[test]
fn an_empty_or_garbage_manifest_does_not_turn_off_the_lost_writes_check() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("book");
    small_book(&d);
    for bad in ["", "garbage\n", "seq 3\n", "seq x\nclients 1\n"] {
        std::fs::write(d.join("dun.manifest"), bad).unwrap();
        let err = dun_err(&d, &["client", "list"]);
        assert!(err.contains("dun.manifest is damaged") && err.contains("lost"), "{bad:?}: {err}");
    }
    // The documented fix: a deleted manifest is written again.
    std::fs::remove_file(d.join("dun.manifest")).unwrap();
    dun_ok(&d, &["client", "list"]);
    assert!(std::fs::read_to_string(d.join("dun.manifest")).unwrap().contains("seq 2"));
}

#[test]
fn a_saved_write_whose_manifest_update_fails_is_reported_saved() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("book");
    small_book(&d);
    // The manifest's temporary file cannot be made: its name is a folder.
    std::fs::create_dir(d.join(".dun.manifest.tmp")).unwrap();
    let out = dun(&d, &["log", "C1", "--kind", "internal", "--text", "the one and only"]);
    let err = stderr(&out);
    assert!(out.status.success(), "a saved write must exit 0: {err}");
    assert!(err.contains("the change was saved") && err.contains("dun.manifest"), "{err}");
    std::fs::remove_dir(d.join(".dun.manifest.tmp")).unwrap();
    assert_eq!(notes(&d).matches("the one and only").count(), 1);
    assert!(dun_ok(&d, &["verify"]).starts_with("ok:"));
}

/// A real full disk: a small tmpfs (needs root; skipped where mounting is
/// not allowed).
#[test]
fn a_full_disk_says_so_plainly() {
    if !running_as_root() {
        eprintln!("note: not root; skipping the full-disk test");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let ok = Command::new("mount").args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"]).arg(&mnt).status();
    if !ok.is_ok_and(|s| s.success()) {
        eprintln!("note: cannot mount a tmpfs here; skipping the full-disk test");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let d = mnt.join("book");
    // Fill the disk completely, then try to start a book there.
    let filler = mnt.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 4 << 20]);
    let err = dun_err(&d, &["client", "add", "C1", "Acme"]);
    assert!(err.contains("no space left on") && err.contains("nothing was written"), "{err}");
    assert!(!err.contains("Os {") && !err.contains("code: 28"), "{err}");
}

#[test]
fn verify_speaks_plainly_about_a_damaged_log() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("book");
    dun_ok(&d, &["--today", "2026-11-25", "demo", "--no-tui"]);
    let db = d.join("db/db");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes.windows(15).rposition(|w| w == b"Massive Dynamic").expect("the name is in the log");
    bytes[at + 3] ^= 1;
    std::fs::write(&db, &bytes).unwrap();
    let err = dun_err(&d, &["verify"]);
    assert!(err.contains("lost writes") && err.contains("Nothing was changed"), "{err}");
    // No circular advice, no storage-engine internals, no blind restore.
    assert!(!err.contains("run `dun verify`"), "{err}");
    for internal in ["Some(", "Inline", "os error", "Os {", "Restore the latest backup"] {
        assert!(!err.contains(internal), "{internal}: {err}");
    }
}
