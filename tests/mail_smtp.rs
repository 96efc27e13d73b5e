//! `dun remind --send` against a real SMTP server on loopback (Python's
//! aiosmtpd, tests/mail_support/smtp_server.py): what arrives (count,
//! recipients, subjects, invoice numbers and balances, payment links, MIME
//! and UTF-8), a refused recipient, a connection dropped mid-batch, a TLS
//! mismatch, and SIGKILL of dun mid-batch followed by a rerun: nothing
//! arrives twice, nothing is lost.
//!
//! Needs python3 with aiosmtpd; skipped with a note when missing, unless
//! DUN_REQUIRE_SHARED=1 (CI), which makes it a failure.

mod common;
#[path = "mail_support/smtp.rs"]
mod smtp;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{dun, dun_ok};
use smtp::{have_aiosmtpd, Server};

const TODAY: &str = "2026-03-12";

/// A book of four clients at their first reminder on TODAY: three with an
/// e-mail address (one with a Danish name and contact), one without.
fn book(root: &Path, port: u16, security: &str) -> (PathBuf, PathBuf) {
    let data = root.join("data");
    let t = ["--today", TODAY];
    let add = |args: &[&str]| {
        let mut v: Vec<&str> = t.to_vec();
        v.extend_from_slice(args);
        dun_ok(&data, &v);
    };
    add(&[
        "client",
        "add",
        "C1",
        "Ærø Fisk ApS",
        "--contact",
        "Søren Ærø",
        "--email",
        "soren@aero.example",
        "--currency",
        "EUR",
    ]);
    add(&["client", "add", "C2", "Acme Ltd", "--contact", "Ann Smith", "--email", "ann@acme.example"]);
    add(&["client", "add", "C3", "Beta GmbH", "--email", "ap@beta.example"]);
    add(&["client", "add", "C4", "Gamma Inc"]);
    add(&["invoice", "add", "INV-101", "C1", "1234.50", "--issued", "2026-02-08", "--due", "2026-03-10"]);
    add(&["invoice", "add", "INV-102", "C1", "99.95", "--issued", "2026-02-08", "--due", "2026-03-10"]);
    add(&["invoice", "add", "INV-201", "C2", "5000", "--issued", "2026-02-08", "--due", "2026-03-10"]);
    add(&["invoice", "add", "INV-301", "C3", "42.42", "--issued", "2026-02-08", "--due", "2026-03-10"]);
    add(&["invoice", "add", "INV-401", "C4", "10", "--issued", "2026-02-08", "--due", "2026-03-10"]);
    let config = root.join("config.toml");
    let mut f = std::fs::File::create(&config).unwrap();
    write!(
        f,
        "[mail]\nfrom = \"Accounts <ar@example.com>\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_security = \"{security}\"\nsmtp_timeout_secs = 10\nsignature = \"Jane Doe, Example Ltd\"\npayment_instructions = \"IBAN GB00 TEST 0000 0000\"\n\n[mail.payment_links]\nstripe = \"https://buy.stripe.com/test_abc?client_reference_id={{number}}\"\n"
    )
    .unwrap();
    (data, config)
}

fn remind(data: &Path, config: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--today", TODAY, "--config", config.to_str().unwrap(), "remind"];
    args.extend_from_slice(extra);
    dun(data, &args)
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn every_reminder_arrives_once_with_its_figures_links_and_utf8() {
    if !have_aiosmtpd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("smtp"), &[]);
    let (data, config) = book(tmp.path(), server.port, "none");

    let dry = remind(&data, &config, &["--dry-run", "--format", "csv"]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let dry = text(&dry.stdout);
    assert!(dry.starts_with("client_id,"), "{dry}");
    let header: Vec<&str> = dry.lines().next().unwrap().split(',').collect();
    for col in ["client_id", "to", "step", "subject"] {
        assert!(header.contains(&col), "column {col} in {dry}");
    }
    assert_eq!(dry.lines().count(), 5, "four messages:\n{dry}");
    assert!(dry.contains("no e-mail address"), "C4 is reported: {dry}");
    assert!(server.received().is_empty(), "a dry run sends nothing");

    let out = remind(&data, &config, &["--send"]);
    assert!(out.status.success(), "exit 0 when every message was accepted: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("C4: not sent, no e-mail address"), "{}", text(&out.stderr));
    let got = server.received();
    assert_eq!(got.len(), 3, "{got:#?}");
    let rcpts: BTreeSet<String> = got.iter().map(|m| m["rcpt_tos"][0].as_str().unwrap().to_string()).collect();
    assert_eq!(rcpts, ["ann@acme.example", "ap@beta.example", "soren@aero.example"].map(String::from).into());
    let by = |addr: &str| got.iter().find(|m| m["rcpt_tos"][0] == addr).unwrap().clone();
    let m = by("soren@aero.example");
    assert_eq!(m["subject"], "Payment reminder: INV-101, INV-102 (Ærø Fisk ApS)");
    assert_eq!(m["to"], "Søren Ærø <soren@aero.example>");
    assert_eq!((m["content_type"].as_str(), m["charset"].as_str()), (Some("text/plain"), Some("utf-8")));
    assert_eq!(m["mime_version"], "1.0");
    assert_eq!(m["raw_is_ascii"], true, "non-ASCII is encoded on the wire");
    let body = m["body"].as_str().unwrap();
    assert!(body.starts_with("Dear Søren Ærø,"), "{body}");
    for s in [
        "INV-101",
        "EUR 1,234.50",
        "INV-102",
        "EUR 99.95",
        "Total now due: EUR 1,334.45",
        "https://buy.stripe.com/test_abc?client_reference_id=INV-101",
        "IBAN GB00 TEST 0000 0000",
        "Jane Doe, Example Ltd",
    ] {
        assert!(body.contains(s), "{s} in:\n{body}");
    }
    let m = by("ann@acme.example");
    assert!(
        m["body"]
            .as_str()
            .unwrap()
            .contains("INV-201  dated 2026-02-08, due 2026-03-10: USD 5,000.00 open, 2 days overdue"),
        "{m:#?}"
    );
    assert!(m["message_id"].as_str().unwrap().starts_with("<dun.2026-03-12.C2.2@example.com>"));

    // Sending is logging: the note holds the text as sent and completes the step.
    let notes = dun_ok(&data, &["--today", TODAY, "--format", "csv", "client", "notes", "C2"]);
    assert!(notes.contains("E-mail sent to ann@acme.example: Payment reminder: INV-201"), "{notes}");
    assert!(notes.contains("Message-ID: <dun.2026-03-12.C2.2@example.com>"), "{notes}");
    let today = dun_ok(&data, &["--today", TODAY, "--format", "csv", "today"]);
    assert!(!today.contains("C2,"), "the step is done: {today}");

    // Undo reverses the note (the step is due again) and says the e-mail
    // stays sent; the outbox still keeps it from going twice today.
    let id = notes.lines().find(|l| l.contains("E-mail sent to ann@acme.example")).unwrap().split(',').next().unwrap();
    let undo = dun(&data, &["--today", TODAY, "undo", id]);
    assert!(undo.status.success(), "{}", text(&undo.stderr));
    assert!(text(&undo.stderr).contains("undo does not unsend it"), "{}", text(&undo.stderr));

    // A second run the same day sends nothing.
    let again = remind(&data, &config, &["--send"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(server.received().len(), 3);
    assert!(text(&again.stdout).contains("0 sent"), "{}", text(&again.stdout));
    assert!(text(&again.stdout).contains("C2: already sent today"), "{}", text(&again.stdout));
}

#[test]
fn a_refused_recipient_fails_alone_and_the_batch_goes_on() {
    if !have_aiosmtpd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("smtp"), &["--refuse", "ann@acme.example"]);
    let (data, config) = book(tmp.path(), server.port, "none");
    let out = remind(&data, &config, &["--send"]);
    assert_eq!(out.status.code(), Some(1), "exit 1 when a message failed");
    let err = text(&out.stderr);
    let line = err.lines().find(|l| l.starts_with("C2: FAILED")).unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("550") && line.contains("mailbox unavailable"), "the server's reply in one line: {line}");
    assert_eq!(server.received().len(), 2, "the other two went");
    let today = dun_ok(&data, &["--today", TODAY, "--format", "csv", "today"]);
    assert!(today.contains("\nC2,") || today.lines().any(|l| l.starts_with("C2,")), "C2's step is still due: {today}");
    let notes = dun_ok(&data, &["--today", TODAY, "--format", "csv", "client", "notes", "C2"]);
    assert!(!notes.contains("E-mail sent"), "nothing logged for a failure: {notes}");
}

#[test]
fn a_connection_dropped_mid_batch_is_retried_by_the_next_run() {
    if !have_aiosmtpd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("smtp"), &["--drop-at", "2"]);
    let (data, config) = book(tmp.path(), server.port, "none");
    let out = remind(&data, &config, &["--send"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert_eq!(err.lines().filter(|l| l.contains(": FAILED ")).count(), 1, "{err}");
    assert_eq!(server.received().len(), 2);
    let out = remind(&data, &config, &["--send"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = server.received();
    assert_eq!(got.len(), 3);
    let ids: BTreeSet<&str> = got.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "no message twice: {ids:?}");
}

#[test]
fn tls_against_a_plain_server_fails_in_one_line() {
    if !have_aiosmtpd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("smtp"), &[]);
    let (data, config) = book(tmp.path(), server.port, "tls");
    let out = remind(&data, &config, &["--send", "--client", "C2"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let line = err.lines().find(|l| l.starts_with("C2: FAILED")).unwrap_or_else(|| panic!("{err}"));
    assert!(line.len() < 400, "{line}");
    assert!(server.received().is_empty());
}

#[test]
fn killed_mid_batch_then_rerun_nothing_twice_nothing_lost() {
    if !have_aiosmtpd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("smtp"), &["--stall-at", "2"]);
    let (data, config) = book(tmp.path(), server.port, "none");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dun"))
        .args([
            "--data",
            data.to_str().unwrap(),
            "--today",
            TODAY,
            "--config",
            config.to_str().unwrap(),
            "remind",
            "--send",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The server has the second message and never answers: kill dun there,
    // between the hand-off and hearing back.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.dir.join("stalled").exists() {
        assert!(Instant::now() < deadline, "the second message never reached the server");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    child.wait().unwrap();
    let got = server.received();
    assert_eq!(got.len(), 2);
    let stalled_to = got[1]["rcpt_tos"][0].as_str().unwrap().to_string();

    let out = remind(&data, &config, &["--send"]);
    assert_eq!(out.status.code(), Some(1), "an unknown fate is not a success");
    let err = text(&out.stderr);
    assert!(err.contains("UNKNOWN") && err.contains(&stalled_to) && err.contains("--resend-unknown"), "{err}");
    let dry = remind(&data, &config, &["--dry-run", "--format", "csv"]);
    assert!(
        text(&dry.stdout).contains("UNKNOWN fate of the email that ") && text(&dry.stdout).contains(" queued at "),
        "the dry run shows it: {}",
        text(&dry.stdout)
    );
    let got = server.received();
    assert_eq!(got.len(), 3, "the third message went; the unknown one was not resent");
    let rcpts: BTreeSet<&str> = got.iter().map(|m| m["rcpt_tos"][0].as_str().unwrap()).collect();
    assert_eq!(rcpts.len(), 3, "each client once: {rcpts:?}");
    // Nothing is sent twice by a third run either.
    let out = remind(&data, &config, &["--send"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.received().len(), 3);
}

#[test]
fn a_level_the_ladder_does_not_have_is_an_error_not_an_empty_list() {
    // No server needed: the dry run never connects.
    let dir = tempfile::tempdir().unwrap();
    let (data, config) = book(dir.path(), 9, "none");
    for extra in [&["--dry-run"][..], &["--send"][..]] {
        let mut args = extra.to_vec();
        args.extend_from_slice(&["--level", "99"]);
        let out = remind(&data, &config, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("no level 99 in the ladder") && err.contains("levels: 1, 2"), "{err}");
        assert!(out.stdout.is_empty(), "nothing listed or sent: {}", text(&out.stdout));
    }
    // A level the ladder has still lists its messages.
    let out = remind(&data, &config, &["--dry-run", "--format", "csv", "--level", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("C2,"), "{}", text(&out.stdout));
}
