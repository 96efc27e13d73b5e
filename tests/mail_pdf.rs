//! PDF letters and statements, read back with pdftotext (poppler-utils):
//! the client (non-ASCII name included), the open items and the total are
//! there, and a 60-invoice statement runs over several numbered pages.
//! CJK names: set in a font that has them (`[print] font`, or a system CJK
//! font found on its own), else a warning names the characters and the key.
//!
//! What `remind --send` and `letter` print never carries a client's escape
//! sequences or bidi controls, nor a mail program's.
//!
//! Needs pdftotext; skipped with a note when missing, unless
//! DUN_REQUIRE_SHARED=1 (CI), which makes it a failure.

mod common;

use std::path::Path;
use std::process::Command;

use common::{dun, dun_ok};

const TODAY: &str = "2026-05-20";

fn have_pdftotext() -> bool {
    let ok = Command::new("pdftotext").arg("-v").output().is_ok();
    if !ok {
        assert!(
            std::env::var("DUN_REQUIRE_SHARED").as_deref() != Ok("1"),
            "pdftotext is required (DUN_REQUIRE_SHARED=1)"
        );
        eprintln!("note: pdftotext not found (poppler-utils); PDF tests skipped");
    }
    ok
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext").arg("-layout").arg(path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn setup(root: &Path, invoices: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let data = root.join("data");
    let t = ["--today", TODAY];
    let run = |args: &[&str]| {
        let mut v: Vec<&str> = t.to_vec();
        v.extend_from_slice(args);
        dun_ok(&data, &v);
    };
    run(&["client", "add", "C1", "Ærø Fisk ApS", "--contact", "Søren Ærø", "--currency", "EUR"]);
    let mut csv = String::from("number,client_id,issue_date,due_date,currency,amount\n");
    for i in 0..invoices {
        csv.push_str(&format!("INV-{:03},C1,2026-02-01,2026-03-03,EUR,{}.25\n", i + 1, 100 + i));
    }
    let file = root.join("invoices.csv");
    std::fs::write(&file, csv).unwrap();
    run(&["import", "invoices", file.to_str().unwrap()]);
    let config = root.join("config.toml");
    std::fs::write(
        &config,
        "[mail]\nfrom = \"Accounts <ar@example.com>\"\nsender_name = \"Example Ltd\"\nsender_address = [\"1 High Street\", \"London N1 1AA\"]\npaper = \"letter\"\n",
    )
    .unwrap();
    (data, config)
}

#[test]
fn a_sixty_invoice_statement_paginates_with_every_item_and_the_total() {
    if !have_pdftotext() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = setup(tmp.path(), 60);
    let out = tmp.path().join("statement.pdf");
    let c = config.to_str().unwrap();
    dun_ok(
        &data,
        &["--today", TODAY, "--config", c, "statement", "C1", "--format", "pdf", "--out", out.to_str().unwrap()],
    );
    let text = pdf_text(&out);
    assert!(text.contains("Ærø Fisk ApS") && text.contains("Attn: Søren Ærø"), "{text}");
    assert!(text.contains("Example Ltd") && text.contains("1 High Street"), "the sender's block: {text}");
    for i in 1..=60 {
        assert!(text.contains(&format!("INV-{i:03}")), "INV-{i:03} in the statement");
    }
    // 60 × 100.25 + (0 + ... + 59) = 6015 + 1770 = 7785.00
    assert!(text.contains("7,785.00"), "the total: {text}");
    assert!(text.contains("159.25"), "the last amount: {text}");
    let pages = text.matches("\u{c}").count() + 1;
    assert!(pages >= 2, "60 invoices need more than one page");
    assert!(text.contains(&format!("Page 1 of {}", pages - 1)) || text.contains("Page 1 of "), "page numbers: {text}");
    assert!(text.contains("Page 2 of "), "page numbers: {text}");
    // A PDF is not written to a terminal by accident, and --format pdf is for statements only.
    let err = dun(&data, &["--today", TODAY, "--config", c, "--format", "pdf", "today"]);
    assert!(!err.status.success());
}

#[test]
fn the_letter_of_demand_is_a_pdf_and_is_logged() {
    if !have_pdftotext() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = setup(tmp.path(), 2);
    let c = config.to_str().unwrap();
    // Walk the ladder to the letter of demand: reminders and the call done.
    for _ in 0..4 {
        let today = dun_ok(&data, &["--today", TODAY, "--format", "csv", "today"]);
        if today.contains("Letter of demand") {
            break;
        }
        dun_ok(&data, &["--today", TODAY, "log", "C1", "--kind", "email", "--text", "step done", "--done"]);
    }
    let out = tmp.path().join("letter.pdf");
    let stdout = dun_ok(&data, &["--today", TODAY, "--config", c, "letter", "C1", "--out", out.to_str().unwrap()]);
    assert!(stdout.contains("Letter of demand"), "{stdout}");
    let text = pdf_text(&out);
    for s in [
        "Letter of demand: Ærø Fisk ApS, account C1",
        "LETTER OF DEMAND",
        "Dear Søren Ærø",
        "INV-001",
        "INV-002",
        "100.25",
        "101.25",
        "201.50",
        "Page 1 of 1",
    ] {
        assert!(text.contains(s), "{s} in:\n{text}");
    }
    let notes = dun_ok(&data, &["--today", TODAY, "--format", "csv", "client", "notes", "C1"]);
    assert!(notes.contains(",letter,") && notes.contains("Letter written to"), "{notes}");
}

#[test]
fn a_statement_on_the_terminal_carries_no_escape_sequences() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dun_ok(&data, &["--today", TODAY, "client", "add", "C9", "Evil\u{1b}[2J Corp"]);
    dun_ok(&data, &["--today", TODAY, "invoice", "add", "INV-9", "C9", "10", "--issued", "2026-05-01"]);
    let txt = dun_ok(&data, &["--today", TODAY, "statement", "C9"]);
    assert!(!txt.contains('\u{1b}'), "{txt}");
    assert!(txt.contains("INV-9") && txt.contains("10.00"), "{txt}");
    let html = dun_ok(&data, &["--today", TODAY, "--format", "html", "statement", "C9"]);
    assert!(!html.contains('\u{1b}'), "{html}");
}

const DROID: &str = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf";

/// A client with a Chinese name and one open invoice; the config's extra lines.
fn cjk_book(root: &Path, extra: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let data = root.join("data");
    dun_ok(&data, &["--today", TODAY, "client", "add", "C8", "北京星辰科技", "--contact", "王伟"]);
    dun_ok(
        &data,
        &["--today", TODAY, "invoice", "add", "INV-8", "C8", "880", "--issued", "2026-03-01", "--due", "2026-03-31"],
    );
    let config = root.join("config.toml");
    std::fs::write(&config, format!("[mail]\nfrom = \"Accounts <ar@example.com>\"\n{extra}")).unwrap();
    (data, config)
}

fn statement_pdf(data: &Path, config: &Path, out: &Path) -> std::process::Output {
    dun(
        data,
        &[
            "--today",
            TODAY,
            "--config",
            config.to_str().unwrap(),
            "--format",
            "pdf",
            "statement",
            "C8",
            "--out",
            out.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_font_without_the_glyphs_warns_naming_the_characters_and_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    // The bundled DejaVu Sans, named in the config: it has no CJK.
    let dejavu = concat!(env!("CARGO_MANIFEST_DIR"), "/src/print/fonts/DejaVuSans.ttf");
    let (data, config) = cjk_book(tmp.path(), &format!("[print]\nfont = \"{dejavu}\"\n"));
    let pdf = tmp.path().join("s.pdf");
    let out = statement_pdf(&data, &config, &pdf);
    assert!(out.status.success(), "a missing glyph is a warning, not an error: {out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dun: warning: no PDF font"), "{err}");
    for c in ["北 (U+5317)", "京 (U+4EAC)", "王 (U+738B)"] {
        assert!(err.contains(c), "{c} named in: {err}");
    }
    assert!(err.contains("[print] font = "), "the key to set: {err}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    // A name the font has gives no warning.
    let (data2, _) = (tmp.path().join("data2"), ());
    dun_ok(&data2, &["--today", TODAY, "client", "add", "C8", "Ærø Fisk ApS"]);
    let out = statement_pdf(&data2, &config, &tmp.path().join("s2.pdf"));
    assert!(out.status.success() && !String::from_utf8_lossy(&out.stderr).contains("warning"), "{out:?}");
    // A font that cannot be read stops it, naming the file.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[print]\nfont = \"/nonexistent/font.ttf\"\n").unwrap();
    let out = statement_pdf(&data, &bad, &tmp.path().join("s3.pdf"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the font /nonexistent/font.ttf"), "{out:?}");
}

#[test]
fn a_cjk_font_prints_cjk_names_configured_or_found() {
    if !Path::new(DROID).is_file() {
        assert!(
            std::env::var("DUN_REQUIRE_SHARED").as_deref() != Ok("1"),
            "{DROID} is required (DUN_REQUIRE_SHARED=1; Debian package fonts-droid-fallback)"
        );
        eprintln!("note: no Droid Sans Fallback; the CJK font test is skipped");
        return;
    }
    if !have_pdftotext() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (i, extra) in [format!("[print]\nfont = \"{DROID}\"\n"), String::new()].iter().enumerate() {
        let root = tmp.path().join(i.to_string());
        let (data, config) = cjk_book(&root, extra);
        let pdf = root.join("s.pdf");
        let out = statement_pdf(&data, &config, &pdf);
        assert!(out.status.success(), "{out:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"), "{}", String::from_utf8_lossy(&out.stderr));
        let text = pdf_text(&pdf);
        assert!(text.contains("北京星辰科技"), "the name as written ({extra:?}):\n{text}");
        assert!(text.contains("INV-8") && text.contains("880.00"), "{text}");
    }
}

/// Escape sequences and bidi controls (in names, contacts, paths, a
/// sendmail's complaint, a PDF font warning) are shown harmless by
/// `remind --send` and `letter`, on stdout and stderr alike.
#[test]
fn remind_send_and_letter_print_no_escape_sequences_or_bidi_controls() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let data = root.join("data");
    let t = |args: &[&str]| {
        let mut v = vec!["--today", TODAY];
        v.extend_from_slice(args);
        dun_ok(&data, &v)
    };
    for id in ["C7", "C8", "C9"] {
        t(&["client", "add", id, "Evil\u{1b}[2J\u{202E}Corp", "--contact", "Bob\u{1b}]0;pwn\u{7}\u{2066}X"]);
        t(&["client", "add", id, "--update", "--email", "bob@example.com"]);
        t(&["invoice", "add", &format!("INV-{id}"), id, "10", "--issued", "2026-02-01", "--due", "2026-03-03"]);
    }
    // C8 and C9 are walked up the ladder to the letter of demand; C7 is
    // left at its first reminder, an e-mail.
    for id in ["C8", "C9"] {
        for _ in 0..4 {
            let today = t(&["--format", "csv", "today"]);
            if today.lines().any(|l| l.starts_with(id) && l.contains("Letter of demand")) {
                break;
            }
            t(&["log", id, "--kind", "email", "--text", "step done", "--done"]);
        }
    }
    let sendmail = root.join("sendmail");
    std::fs::write(
        &sendmail,
        "#!/bin/sh\ncat >/dev/null\nprintf '\\033[2Jrefused \\342\\200\\256 evil' >&2\nexit 75\n",
    )
    .unwrap();
    std::fs::set_permissions(&sendmail, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // The bundled font has no glyph for U+2066: the warning names it.
    let dejavu = concat!(env!("CARGO_MANIFEST_DIR"), "/src/print/fonts/DejaVuSans.ttf");
    let config = root.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[mail]\nfrom = \"Accounts <ar@example.com>\"\ntransport = \"sendmail\"\nsendmail_command = \"{}\"\nletters_dir = \"{}/let\\u001b[31mters\"\n[print]\nfont = \"{dejavu}\"\n",
            sendmail.display(),
            root.display()
        ),
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let hostile = |out: &std::process::Output| {
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let bad = all.chars().find(|&ch| {
            let u = ch as u32;
            (u < 0x20 && ch != '\n')
                || (0x7F..=0x9F).contains(&u)
                || (0x202A..=0x202E).contains(&u)
                || (0x2066..=0x2069).contains(&u)
                || matches!(u, 0x200E | 0x200F | 0x061C)
        });
        assert!(bad.is_none(), "{:?} reached the terminal in:\n{all}", bad.unwrap());
        all
    };
    let out_pdf = root.join("out\u{1b}[31m.pdf");
    let letter = dun(&data, &["--today", TODAY, "--config", c, "letter", "C9", "--out", out_pdf.to_str().unwrap()]);
    assert!(letter.status.success(), "{letter:?}");
    let said = hostile(&letter);
    assert!(said.contains("Letter of demand") && said.contains("U+2066"), "the letter and its warning: {said}");
    assert!(out_pdf.is_file(), "written where asked, under the name as given");
    let send = dun(&data, &["--today", TODAY, "--config", c, "remind", "--send"]);
    assert!(!send.status.success(), "the e-mail failed: {send:?}");
    let said = hostile(&send);
    assert!(said.contains("C7: FAILED") && said.contains("refused"), "the sendmail's complaint: {said}");
    assert!(said.contains("C8: Letter of demand letter") && said.contains("U+2066"), "the letter: {said}");
    assert!(said.contains("1 sent, 1 failed, 0 unknown, 1 already sent today"), "{said}");
}
