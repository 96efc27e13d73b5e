//! The 10,000-invoice book from gen_book.py (or DUN_AGING_INVOICES), imported through the real
//! binary, aged with `dun aging --by-client --format csv`, and checked
//! against an independent computation from the generated CSV files (in
//! integer cents, without dun's code), and against hledger's balances of the
//! generated journal when hledger is installed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;

fn gen_book_script() -> Option<PathBuf> {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_book.py"),
        PathBuf::from("/work/shared/bench/gen_book.py"),
    ];
    let found = candidates.into_iter().find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("DUN_REQUIRE_SHARED").as_deref() != Ok("1"),
            "gen_book.py not found and DUN_REQUIRE_SHARED=1"
        );
        eprintln!("note: gen_book.py not found (../shared/bench or /work/shared/bench); skipping the volume test");
    }
    found
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// "1234.5" → 123450, refusing anything but digits, one dot and two decimals at most.
fn cents(s: &str) -> i64 {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (i, f) = s.split_once('.').unwrap_or((s, ""));
    assert!(f.len() <= 2 && i.bytes().chain(f.bytes()).all(|b| b.is_ascii_digit()), "amount {s}");
    let v = i.parse::<i64>().unwrap() * 100 + format!("{f:0<2}").parse::<i64>().unwrap();
    if neg {
        -v
    } else {
        v
    }
}

fn show(c: i64) -> String {
    format!("{}{}.{:02}", if c < 0 { "-" } else { "" }, c.abs() / 100, c.abs() % 100)
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

/// (client_id, client_name, currency) → [current, 1-30, 31-60, 61-90, 91+] in cents.
type Expected = BTreeMap<(String, String, String), [i64; 5]>;

fn expected_aging(book: &Path, as_of: NaiveDate) -> Expected {
    let names: HashMap<String, String> =
        read_csv(&book.join("clients.csv")).into_iter().map(|r| (r["id"].clone(), r["name"].clone())).collect();
    let mut paid: HashMap<String, i64> = HashMap::new();
    for p in read_csv(&book.join("payments.csv")) {
        if p["date"].parse::<NaiveDate>().unwrap() <= as_of {
            *paid.entry(p["invoice_number"].clone()).or_default() += cents(&p["amount"]);
        }
    }
    let mut out = Expected::new();
    for i in read_csv(&book.join("invoices.csv")) {
        if i["issue_date"].parse::<NaiveDate>().unwrap() > as_of {
            continue;
        }
        let open = cents(&i["amount"]) - paid.get(&i["number"]).copied().unwrap_or(0);
        assert!(open >= 0, "the generator never over-pays; {} is over-paid", i["number"]);
        if open == 0 {
            continue;
        }
        let late = (as_of - i["due_date"].parse::<NaiveDate>().unwrap()).num_days();
        let bucket = match late {
            ..=0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            _ => 4,
        };
        let key = (i["client_id"].clone(), names[&i["client_id"]].clone(), i["currency"].clone());
        out.entry(key).or_default()[bucket] += open;
    }
    out
}

fn dun_aging(data: &Path, config: &Path, as_of: &str) -> (Vec<String>, Expected) {
    let text = run(Command::new(env!("CARGO_BIN_EXE_dun")).args([
        "--data".as_ref(),
        data.as_os_str(),
        "--config".as_ref(),
        config.as_os_str(),
        "aging".as_ref(),
        "--by-client".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
        "--as-of".as_ref(),
        as_of.as_ref(),
    ]));
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut got = Expected::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        for amount in rec.iter().skip(3) {
            assert!(
                amount.contains('.') && amount.split('.').nth(1).unwrap().len() == 2 && !amount.contains(','),
                "amounts have two decimals, a plain dot and no separators: {amount}"
            );
        }
        let b: Vec<i64> = rec.iter().skip(3).map(cents).collect();
        assert_eq!(b.len(), 6);
        assert_eq!(b[..5].iter().sum::<i64>(), b[5], "row total for {}", &rec[0]);
        assert_ne!(b[5], 0, "rows with a zero balance are left out");
        let key = (rec[0].to_string(), rec[1].to_string(), rec[2].to_string());
        assert!(got.insert(key, [b[0], b[1], b[2], b[3], b[4]]).is_none(), "one row per client and currency");
    }
    (header, got)
}

fn hledger_balances(journal: &Path, as_of: NaiveDate) -> Option<BTreeMap<String, i64>> {
    let end = as_of.succ_opt().unwrap().to_string();
    let out = Command::new("hledger")
        .args(["-f".as_ref(), journal.as_os_str()])
        .args(["balance", "assets:receivable", "-e", &end, "-O", "csv", "--no-total"])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("note: hledger failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let mut m = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let client = rec[0].strip_prefix("assets:receivable:").unwrap().to_string();
        let amount = rec[1].split_whitespace().last().unwrap();
        m.insert(client, cents(amount));
    }
    Some(m)
}

#[test]
fn aging_of_the_10k_book_matches_an_independent_computation() {
    let Some(script) = gen_book_script() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    let data = tmp.path().join("data");
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    // DUN_AGING_INVOICES=100000 runs the same check on the 100,000-invoice book.
    let n = std::env::var("DUN_AGING_INVOICES").unwrap_or_else(|_| "10000".into());
    run(Command::new("python3").arg(&script).arg(&book).args(["--invoices", &n]));
    for kind in ["clients", "invoices", "payments"] {
        let file = book.join(format!("{kind}.csv"));
        run(Command::new(env!("CARGO_BIN_EXE_dun")).arg("--data").arg(&data).arg("import").arg(kind).arg(&file));
    }

    for as_of in ["2026-11-22", "2026-01-31"] {
        let date: NaiveDate = as_of.parse().unwrap();
        let (header, got) = dun_aging(&data, &config, as_of);
        assert_eq!(header.join(","), "client_id,client_name,currency,current,1-30,31-60,61-90,91+,total");
        let expected = expected_aging(&book, date);
        assert!(expected.len() > 100, "the book has open balances as of {as_of}");
        assert_eq!(got.len(), expected.len(), "rows as of {as_of}");
        for (key, want) in &expected {
            let have = got.get(key).unwrap_or_else(|| panic!("no row for {key:?} as of {as_of}"));
            assert_eq!(have, want, "{key:?} as of {as_of}: {:?} vs {:?}", have.map(show), want.map(show));
        }

        match hledger_balances(&book.join("book.journal"), date) {
            Some(ledger) => {
                let ours: BTreeMap<String, i64> =
                    got.iter().map(|((id, _, _), b)| (id.clone(), b.iter().sum::<i64>())).collect();
                let ledger: BTreeMap<String, i64> = ledger.into_iter().filter(|(_, v)| *v != 0).collect();
                assert_eq!(ours, ledger, "per-client totals against hledger as of {as_of}");
                eprintln!("checked {} client totals against hledger as of {as_of}", ours.len());
            }
            None => eprintln!("note: hledger not available; checked against the CSV computation only"),
        }
    }
}
