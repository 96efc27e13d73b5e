//! The client's postal address (store schema 2): an older store's clients
//! are migrated with an empty address and nothing else changes; the
//! address is set with `client add --address` (repeated, one line each) and
//! the clients CSV import (`address` column), shown by `client show`,
//! printed in the PDF's recipient block and offered to templates as
//! `client.address`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{dun, dun_ok};
use dun::domain::client::ClientV1;
use dun::domain::{Client, Currency};
use dun::store::codec::{decode, encode};
use dun::store::image::{Image, ImageError, Need};
use dun::store::{Batch, Store};

const TODAY: &str = "2026-03-12";

fn open_raw_sled(path: &Path) -> sled::Db {
    for _ in 0..150 {
        match sled::open(path) {
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.unwrap(),
        }
    }
    panic!("sled's lock on {} was never released", path.display())
}

fn v1(c: &Client) -> ClientV1 {
    ClientV1 {
        id: c.id.clone(),
        name: c.name.clone(),
        contact: c.contact.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        terms_days: c.terms_days,
        currency: c.currency,
        credit_limit: c.credit_limit,
        payment_run_days: c.payment_run_days.clone(),
        tags: c.tags.clone(),
        owner: c.owner.clone(),
        hold: c.hold.clone(),
        snoozed_until: c.snoozed_until,
        late_fee: c.late_fee.clone(),
        discount: c.discount.clone(),
    }
}

const RENAMED: &str = "Ærø Fisk ApS (renamed)";

/// Stamps the read image in `dir` with store schema 1, its header checksum
/// made good again (the layout is in `src/store/image.rs`).
fn make_image_schema_1(dir: &Path) {
    let path = dir.join("dun.image");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[12..16].copy_from_slice(&1u32.to_le_bytes());
    let n = u32::from_le_bytes(bytes[32..36].try_into().unwrap()) as usize;
    let body = 36 + n * 28;
    let crc = crc32fast::hash(&bytes[..body]);
    bytes[body..body + 4].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&path, bytes).unwrap();
}

#[test]
fn a_schema_1_store_is_migrated_and_its_clients_get_an_empty_address() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Client::new("C1", "Ærø Fisk ApS", Currency::EUR);
    c.email = "soren@aero.example".into();
    c.tags = vec!["fish".into()];
    c.credit_limit = Some(rust_decimal::Decimal::new(150000, 2));
    {
        let mut s = Store::open(tmp.path()).unwrap();
        s.apply(Batch { clients: vec![c.clone(), Client::new("C2", "Acme", Currency::USD)], ..Default::default() })
            .unwrap();
    }
    // Make it a store as dun wrote it before schema 2.
    {
        let db = open_raw_sled(&tmp.path().join("db"));
        let clients = db.open_tree("clients").unwrap();
        for id in ["C1", "C2"] {
            let mut now: Client = decode(&clients.get(id).unwrap().unwrap()).unwrap();
            if id == "C1" {
                // Not what the image holds: a book read from it would show the old name.
                now.name = RENAMED.into();
            }
            let old = encode(&v1(&now)).unwrap();
            assert!(decode::<Client>(&old).is_err(), "an old record does not read as the new shape");
            assert_eq!(Client::from(decode::<ClientV1>(&old).unwrap()), now, "the old shape converts whole");
            clients.insert(id, old).unwrap();
        }
        db.open_tree("meta").unwrap().insert("schema_version", &1u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    // The image as a schema-1 dun left it (same write, its own schema).
    make_image_schema_1(tmp.path());
    assert!(matches!(Image::open_current(tmp.path()), Err(ImageError::Schema(1))));
    c.name = RENAMED.into();
    for _ in 0..2 {
        // Twice: the second open finds schema 2 and leaves it alone.
        let mut s = Store::open(tmp.path()).unwrap();
        let book = s.book().unwrap();
        let got = book.client("C1").unwrap();
        assert_eq!(got, &c, "every field kept, the address empty, read from the store, not the old image");
        drop(s);
        // The image was rebuilt in this schema.
        let image = Image::open_current(tmp.path()).unwrap();
        assert_eq!(image.book(Need::All).unwrap().client("C1"), Some(&c));
        let mut s = Store::open(tmp.path()).unwrap();
        let book = s.book().unwrap();
        let got = book.client("C1").unwrap();
        assert!(got.address.is_empty());
        assert_eq!(book.clients().len(), 2);
        drop(s);
        let db = open_raw_sled(&tmp.path().join("db"));
        let v = db.open_tree("meta").unwrap().get("schema_version").unwrap().unwrap();
        assert_eq!(v.as_ref(), &2u32.to_be_bytes());
    }
    // The CLI reads it too, with the address empty.
    let show = dun_ok(tmp.path(), &["--format", "json", "client", "show", "C1"]);
    assert!(show.contains("\"address\": \"\""), "{show}");
}

#[test]
fn the_address_is_set_shown_imported_and_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let t = ["--today", TODAY];
    let run = |args: &[&str]| {
        let mut v: Vec<&str> = t.to_vec();
        v.extend_from_slice(args);
        dun_ok(&data, &v)
    };
    run(&["client", "add", "C1", "Acme Ltd", "--address", "1 High Street", "--address", "London N1 1AA"]);
    let show = run(&["--format", "json", "client", "show", "C1"]);
    assert!(show.contains("1 High Street\\nLondon N1 1AA"), "{show}");
    let table = run(&["client", "show", "C1"]);
    assert!(table.contains("1 High Street, London N1 1AA"), "{table}");
    // --update changes only what is given; --address "" clears it.
    run(&["client", "add", "C1", "--update", "--email", "ap@acme.example"]);
    assert!(run(&["--format", "json", "client", "show", "C1"]).contains("1 High Street\\nLondon N1 1AA"));
    run(&["client", "add", "C1", "--update", "--address", ""]);
    assert!(run(&["--format", "json", "client", "show", "C1"]).contains("\"address\": \"\""));
    // Too long for an envelope window: refused with the line.
    let long = "x".repeat(81);
    let out = dun(&data, &["client", "add", "C9", "Long Ltd", "--address", &long]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 80 characters"), "{out:?}");

    // The clients CSV import: an optional `address` column, lines within the cell.
    let csv = tmp.path().join("clients.csv");
    std::fs::write(
        &csv,
        "id,name,email,phone,terms_days,currency,address\nC2,Ærø Fisk ApS,soren@aero.example,,30,EUR,\"Havnegade 12\n5960 Marstal\nDenmark\"\nC3,No Address Inc,,,30,USD,\nC4,Mill Ltd,,,30,GBP,\"[Unit 4] Mill Lane, Leeds\nLS1 4AB\"\nC5,Export Ltd,,,30,GBP,\"[\"\"2 Dock Road\"\",\"\"Hull HU1 1AA\"\"]\"\n",
    )
    .unwrap();
    run(&["import", "clients", csv.to_str().unwrap()]);
    let show = run(&["--format", "json", "client", "show", "C2"]);
    assert!(show.contains("Havnegade 12\\n5960 Marstal\\nDenmark"), "{show}");
    // A first line that starts with '[' is text, not a list: kept whole.
    let show = run(&["--format", "json", "client", "show", "C4"]);
    assert!(show.contains("\"[Unit 4] Mill Lane, Leeds\\nLS1 4AB\""), "{show}");
    // A JSON list of lines, as `dun export` writes the column.
    let show = run(&["--format", "json", "client", "show", "C5"]);
    assert!(show.contains("\"2 Dock Road\\nHull HU1 1AA\""), "{show}");
    run(&["invoice", "add", "INV-1", "C2", "1234.50", "--issued", "2026-02-08", "--due", "2026-03-10"]);

    // A template sees client.address.
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "[mail]\nfrom = \"Accounts <ar@example.com>\"\n").unwrap();
    std::fs::write(
        tmp.path().join("first-reminder.txt"),
        "Subject: To {{ client.name }}\n\n{{ client.address | join(\" / \") }}\n",
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    run(&["--config", cfg, "templates", "check"]);
    let text = run(&["--config", cfg, "--format", "txt", "letter", "C2"]);
    assert!(text.contains("Havnegade 12 / 5960 Marstal / Denmark"), "{text}");

    // The statement's recipient block, as printed.
    let pdf = tmp.path().join("statement.pdf");
    run(&["--config", cfg, "--format", "pdf", "statement", "C2", "--out", pdf.to_str().unwrap()]);
    if Command::new("pdftotext").arg("-v").output().is_err() {
        assert!(std::env::var("DUN_REQUIRE_SHARED").as_deref() != Ok("1"), "pdftotext is required");
        eprintln!("note: pdftotext not found; the PDF text is not checked");
        return;
    }
    let out = Command::new("pdftotext").arg("-layout").arg(&pdf).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for line in ["Ærø Fisk ApS", "Havnegade 12", "5960 Marstal", "Denmark"] {
        assert!(text.contains(line), "{line} in the recipient block:\n{text}");
    }
    assert!(!text.contains("soren@aero.example"), "with an address, the block is the postal one:\n{text}");
}

/// A backup written before schema 2 (clients without an address) restores,
/// each client with an empty address and everything else as it was.
#[test]
fn a_schema_1_backup_restores_with_empty_addresses() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dun_ok(&data, &["client", "add", "C1", "Ærø Fisk ApS", "--email", "soren@aero.example", "--tags", "fish"]);
    dun_ok(&data, &["client", "add", "C2", "Acme Ltd", "--address", "1 High Street"]);
    dun_ok(&data, &["invoice", "add", "INV-1", "C1", "99.95", "--issued", "2026-02-08", "--due", "2026-03-10"]);
    let file = tmp.path().join("now.backup");
    dun_ok(&data, &["backup", file.to_str().unwrap()]);
    // Rewrite it as dun wrote backups at schema 1: the same records, the
    // clients in their old shape, the header's schema, length and checksum.
    let bytes = std::fs::read(&file).unwrap();
    let first = bytes.iter().position(|&b| b == b'\n').unwrap();
    let second = first + 1 + bytes[first + 1..].iter().position(|&b| b == b'\n').unwrap();
    let head = String::from_utf8(bytes[first + 1..second].to_vec()).unwrap();
    let (mut body, mut at) = (Vec::new(), second + 1);
    while at < bytes.len() {
        let kind = bytes[at];
        let len = u32::from_le_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        let mut env = bytes[at + 5..at + 5 + len].to_vec();
        if kind == b'C' {
            let mut c: Client = decode(&env).unwrap();
            c.address.clear();
            env = encode(&v1(&c)).unwrap();
        }
        body.push(kind);
        body.extend_from_slice(&(env.len() as u32).to_le_bytes());
        body.extend_from_slice(&env);
        at += 5 + len;
    }
    let words: Vec<&str> = head.split(' ').collect();
    let mut new_head = Vec::new();
    for kv in words.chunks(2) {
        let v = match kv[0] {
            "schema" => "1".to_string(),
            "bytes" => body.len().to_string(),
            "crc32" => format!("{:08x}", crc32fast::hash(&body)),
            _ => kv[1].to_string(),
        };
        new_head.push(format!("{} {v}", kv[0]));
    }
    let mut old = bytes[..=first].to_vec();
    old.extend_from_slice(new_head.join(" ").as_bytes());
    old.push(b'\n');
    old.extend_from_slice(&body);
    let old_file = tmp.path().join("old.backup");
    std::fs::write(&old_file, &old).unwrap();

    let target = tmp.path().join("restored");
    dun_ok(&target, &["restore", old_file.to_str().unwrap()]);
    let show = dun_ok(&target, &["--format", "json", "client", "show", "C1"]);
    assert!(show.contains("soren@aero.example") && show.contains("\"address\": \"\""), "{show}");
    let show = dun_ok(&target, &["--format", "json", "client", "show", "C2"]);
    assert!(show.contains("\"address\": \"\""), "a schema-1 client has no address: {show}");
    assert!(dun_ok(&target, &["invoice", "list", "--format", "csv"]).contains("INV-1"));
}
