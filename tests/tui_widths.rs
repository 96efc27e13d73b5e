//! Nothing that matters is cut: every screen at 60×15, 80×24 and 200×60,
//! on the demo book and on the 10,000-invoice generated book, and no amount,
//! currency or flag on it is cut. What is checked on every frame:
//!
//! - nothing cut with "…" ends in a digit (an amount) or starts with "["
//!   (a flag); currency codes sit in columns of their own or beside their
//!   amounts on lines that wrap, checked below;
//! - the hint line keeps "? help";
//! - Today's overdue line names every currency on the list;
//! - a client (view or pane) shows every non-zero amount of its aging row;
//! - a client on hold shows "hold" on its Clients row.
//!
//! The generated book needs ../shared/bench/gen_book.py (skipped with a
//! note when missing, unless DUN_REQUIRE_SHARED=1).

#[path = "common/mod.rs"]
#[allow(unused)]
mod common;
#[path = "common/tui.rs"]
mod tui_common;

use chrono::NaiveDate;
use tui_common::*;

use dun::domain::money::format_amount;
use dun::tui::app::{App, Side, View};
use dun::tui::keymap::Keymap;
use dun::tui::theme::Theme;

const SIZES: [(u16, u16); 3] = [(60, 15), (80, 24), (200, 60)];

/// Each screen and the keys that reach it from the start.
const SCREENS: [(&str, &[&str]); 12] = [
    ("today", &[]),
    ("today pane", &["tab"]),
    ("clients", &["2"]),
    ("clients pane", &["2", "tab"]),
    ("invoices", &["3"]),
    ("invoices book", &["3", "a"]),
    ("aging", &["4"]),
    ("aging book pane", &["4", "tab"]),
    ("notes", &["5"]),
    ("forecast", &["6"]),
    ("client view", &["enter"]),
    ("invoice view", &["enter", "enter"]),
];

fn cut_token(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices('…') {
        let before = &line[..i];
        let token = before.rsplit(' ').next().unwrap_or("").to_string();
        out.push(token);
    }
    out
}

fn check(app: &mut App, name: &str, w: u16, h: u16) {
    let t = render(app, w, h);
    let lines = lines(&t);
    let s = lines.join("\n");
    let ctx = format!("{name} at {w}×{h}:\n{s}");
    for l in &lines {
        for tok in cut_token(l) {
            // An amount: digits with grouping or decimals (names may end in
            // a short number, "Partners 3", which is not an amount).
            let amount_like = !tok.is_empty()
                && tok.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '-')
                && tok.chars().any(|c| c.is_ascii_digit())
                && (tok.contains(',') || tok.contains('.') || tok.len() >= 4);
            assert!(!amount_like, "an amount is cut ({tok}…) in {ctx}");
            assert!(!tok.starts_with('['), "a flag is cut ({tok}…) in {ctx}");
        }
    }
    if app.form.is_none() && app.status.is_none() && !app.help {
        assert!(lines.last().is_some_and(|l| l.contains("? help")), "the hint line lost help in {ctx}");
    }
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if app.view == View::Tab(dun::tui::action::Tab::Today) && !app.in_detail() {
        let head = lines[2..4].join(" ");
        for m in app.model.actions.iter().flat_map(|a| &a.overdue).map(|m| m.currency) {
            assert!(head.contains(&m.to_string()), "Today's overdue line lost {m} in {ctx}");
        }
    }
    let client = match (app.view, app.side()) {
        (View::Client(c), _) => Some(c),
        (View::Tab(_), Side::Client(c)) if w >= 120 || app.in_detail() => Some(c),
        _ => None,
    };
    if let Some(c) = client {
        let book = app.book();
        let cl = &book.clients()[c];
        let ag =
            dun::tui::model::aging(book, book.client_invoices(&cl.id), app.today(), &app.aging_bounds, app.aging_basis);
        for (cur, amounts) in &ag.rows {
            for a in amounts.iter().filter(|a| !a.is_zero()) {
                let cents = format_amount(*a);
                let whole = cents.strip_suffix(".00").unwrap_or(&cents).to_string();
                let rounded = format_amount(a.round());
                let rounded = rounded.strip_suffix(".00").unwrap_or(&rounded).to_string();
                assert!(
                    flat.contains(&cents) || flat.contains(&whole) || flat.contains(&rounded),
                    "{cur} {cents} of {}'s aging is missing in {ctx}",
                    cl.name
                );
            }
        }
    }
    if app.view == View::Tab(dun::tui::action::Tab::Clients) && !app.in_detail() {
        for l in &lines {
            for (ci, cl) in app.book().clients().iter().enumerate() {
                if cl.hold.is_some() && app.rows().clients[ci].on_hold {
                    let shown = dun::text::truncate(&cl.name, 12);
                    if l.contains(&cl.name) || (l.contains(shown.trim_end_matches('…')) && shown.ends_with('…')) {
                        assert!(l.contains("hold"), "{}'s hold flag is cut in {ctx}", cl.name);
                    }
                }
            }
        }
    }
}

fn every_screen(make: &dyn Fn() -> App) {
    for (w, h) in SIZES {
        for (name, ks) in SCREENS {
            let mut app = make();
            app.size = (w, h);
            keys(&mut app, ks);
            check(&mut app, name, w, h);
        }
    }
}

#[test]
fn nothing_that_matters_is_cut_on_the_demo_book() {
    every_screen(&app);
}

#[test]
fn nothing_that_matters_is_cut_on_the_10k_book() {
    let Some(_) = common::gen_book_script() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    let data = tmp.path().join("data");
    common::gen_book(&book, 10_000).expect("generator");
    for kind in ["clients", "invoices", "payments"] {
        let file = book.join(format!("{kind}.csv"));
        common::dun_ok(&data, &["import", kind, file.to_str().unwrap()]);
    }
    let today: NaiveDate = "2026-11-22".parse().unwrap();
    let mut store = dun::store::Store::open(&data).expect("open the store");
    let book = store.book().expect("read the book").clone();
    drop(store);
    let actions = dun::rules::today(&book, &dun::rules::Rules::default(), today);
    let make = || {
        App::new(
            book.clone(),
            today,
            actions.clone(),
            Theme::built_in("default").expect("theme"),
            Keymap::default(),
            vec![30, 60, 90],
        )
    };
    every_screen(&make);
}

/// Spare width goes where text was cut: Today's Level column grows to its
/// longest name ("6 Collection agency" in the rules engine's list for the
/// demo book) at 120 columns, beside the client pane, and at 200.
#[test]
fn todays_level_names_read_whole_at_120_and_200_columns() {
    let book = demo_book();
    let actions = dun::rules::today(&book, &dun::rules::Rules::default(), day());
    let levels: std::collections::BTreeSet<String> =
        actions.iter().map(|a| format!("{} {}", a.level, a.level_name)).collect();
    assert!(levels.contains("6 Collection agency"), "{levels:?}");
    for (w, h) in [(120, 40), (200, 60)] {
        let mut app = App::new(
            book.clone(),
            day(),
            actions.clone(),
            Theme::built_in("default").expect("theme"),
            Keymap::default(),
            vec![30, 60, 90],
        );
        app.size = (w, h);
        let s = lines(&render(&mut app, w, h)).join("\n");
        for a in &actions {
            // The list's row (it starts with the action's sign), not the pane's.
            let row = s
                .lines()
                .find(|l| l.contains(&a.client_name) && ["! ", "* ", "- "].iter().any(|m| l.starts_with(m)))
                .unwrap_or_else(|| panic!("no row for {} at {w}×{h}:\n{s}", a.client_name));
            let level = format!("{} {}", a.level, a.level_name);
            assert!(row.contains(&level), "{level} is cut at {w}×{h}: {row}");
        }
    }
}
