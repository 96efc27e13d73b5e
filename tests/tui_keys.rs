//! Key sequences through the real key map and update function: navigation,
//! drill-down and back, filtering as you type, rebinding, and a property
//! test that no key sequence at any size panics.

#[path = "common/tui.rs"]
mod tui_common;

use proptest::prelude::*;
use tui_common::*;

use dun::tui::action::{Effect, Pane, Tab};
use dun::tui::app::{Scope, StatusFilter, View};
use dun::tui::keymap::Keymap;
use dun::tui::theme::Theme;

#[test]
fn today_is_first_and_lists_the_injected_actions_in_order() {
    let mut app = app();
    assert_eq!(app.view, View::Tab(Tab::Today));
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("5 to chase: 2 reminder, 2 call, 1 escalation"), "{s}");
    let black = s.find("Black Mesa").expect("first action");
    let sato = s.find("佐藤商事").expect("reminder row");
    assert!(black < sato);
    assert!(s.contains("! escalation"), "text marker without colour: {s}");
    assert!(s.contains("why: 164 days overdue"), "{s}");
}

#[test]
fn vim_keys_arrows_and_pages_move_the_selection() {
    let mut app = app();
    keys(&mut app, &["2"]);
    keys(&mut app, &["j", "j", "down"]);
    assert_eq!(app.screens.clients.list.selected, 3);
    keys(&mut app, &["k", "up"]);
    assert_eq!(app.screens.clients.list.selected, 1);
    keys(&mut app, &["G"]);
    assert_eq!(app.screens.clients.list.selected, 39);
    keys(&mut app, &["j"]);
    assert_eq!(app.screens.clients.list.selected, 39, "stops at the end");
    keys(&mut app, &["g"]);
    assert_eq!(app.screens.clients.list.selected, 0);
    app.size = (80, 24);
    keys(&mut app, &["ctrl-d"]);
    assert_eq!(app.screens.clients.list.selected, 8);
    keys(&mut app, &["ctrl-u"]);
    assert_eq!(app.screens.clients.list.selected, 0);
}

#[test]
fn brackets_and_digits_switch_screens() {
    let mut app = app();
    keys(&mut app, &["]"]);
    assert_eq!(app.view, View::Tab(Tab::Clients));
    keys(&mut app, &["]", "]", "]"]);
    assert_eq!(app.view, View::Tab(Tab::Notes));
    keys(&mut app, &["]"]);
    assert_eq!(app.view, View::Tab(Tab::Forecast));
    keys(&mut app, &["]"]);
    assert_eq!(app.view, View::Tab(Tab::Today));
    keys(&mut app, &["["]);
    assert_eq!(app.view, View::Tab(Tab::Forecast));
    keys(&mut app, &["4"]);
    assert_eq!(app.view, View::Tab(Tab::Aging));
    assert_eq!(keys(&mut app, &["q"]), Effect::Quit);
    assert_eq!(keys(&mut app, &["ctrl-z"]), Effect::Suspend);
}

#[test]
fn tab_moves_between_the_list_and_its_detail_pane() {
    let mut app = app();
    keys(&mut app, &["2", "j", "j", "j"]);
    let black = app.screens.clients.rows[3];
    // Narrow: Tab shows the selected client's detail in place of the list.
    keys(&mut app, &["tab"]);
    assert_eq!(app.pane, Pane::Detail);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("Black Mesa Research") && s.contains("Open invoices") && !s.contains("Aperture"), "{s}");
    // j/k now move in the client's open invoices; Enter opens one.
    keys(&mut app, &["j"]);
    assert_eq!(app.screens.detail.list.selected, 1);
    assert_eq!(app.screens.clients.list.selected, 3, "the list stays put");
    keys(&mut app, &["enter"]);
    let View::Invoice(r) = app.view else { panic!("{:?}", app.view) };
    assert_eq!(app.rows().invoices[r].client, Some(black));
    assert_eq!(r, app.screens.detail.rows[1]);
    // Back returns to the detail pane, then Esc (or Shift-Tab) to the list.
    keys(&mut app, &["esc"]);
    assert_eq!((app.view, app.pane), (View::Tab(Tab::Clients), Pane::Detail));
    keys(&mut app, &["shift-tab"]);
    assert_eq!(app.pane, Pane::List);
    keys(&mut app, &["tab", "esc"]);
    assert_eq!(app.pane, Pane::List);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("Aperture"), "{s}");
    // Wide: both panes show; the one with the keys is marked.
    keys(&mut app, &["tab"]);
    let s = screen(&render(&mut app, 160, 48));
    assert!(s.contains("┃") && s.contains("Aperture") && s.contains("Open invoices"), "{s}");
    // Invoice and note details scroll.
    keys(&mut app, &["3", "tab", "j", "j"]);
    assert_eq!(app.detail_scroll, 2);
    keys(&mut app, &["5", "tab"]);
    assert_eq!((app.pane, app.detail_scroll), (Pane::Detail, 0));
    // Switching screens always starts on the list.
    keys(&mut app, &["2"]);
    assert_eq!(app.pane, Pane::List);
}

#[test]
fn enter_drills_from_today_to_client_to_invoice_and_back_returns() {
    let mut app = app();
    keys(&mut app, &["j"]);
    keys(&mut app, &["enter"]);
    let vandelay = app.book().clients().iter().position(|c| c.id == "C000006").expect("client");
    assert_eq!(app.view, View::Client(vandelay));
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("Vandelay Industries") && s.contains("Open invoices") && s.contains("Latest notes"), "{s}");
    keys(&mut app, &["enter"]);
    assert!(matches!(app.view, View::Invoice(_)));
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("Invoice INV-") && s.contains("Vandelay"), "{s}");
    keys(&mut app, &["esc"]);
    assert_eq!(app.view, View::Client(vandelay));
    keys(&mut app, &["backspace"]);
    assert_eq!(app.view, View::Tab(Tab::Today));
    assert_eq!(app.screens.today.list.selected, 1, "back keeps the place in the list");
    keys(&mut app, &["esc"]);
    assert_eq!(app.view, View::Tab(Tab::Today), "back at the top stays put");
}

#[test]
fn aging_cell_drills_down_to_exactly_its_invoices() {
    let mut app = app();
    keys(&mut app, &["4"]);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("ALL USD") && s.contains("31-60"), "{s}");
    // ALL USD is the third book row (EUR, GBP, USD); 31-60 is column 2.
    keys(&mut app, &["j", "j", "l", "l", "enter"]);
    assert_eq!(app.view, View::Tab(Tab::Invoices));
    assert_eq!(app.screens.invoices.scope, Scope::Book);
    assert!(!app.screens.invoices.rows.is_empty());
    for &r in &app.screens.invoices.rows {
        let row = &app.rows().invoices[r];
        let inv = &app.book().invoices()[row.ix];
        assert_eq!(inv.currency.as_str(), "USD");
        assert!((31..=60).contains(&row.days_overdue), "{} days", row.days_overdue);
        assert!(row.is_open());
    }
    // The drilled list adds up to the cell.
    let sum: rust_decimal::Decimal = app.screens.invoices.rows.iter().map(|&r| app.rows().invoices[r].balance).sum();
    let cell =
        app.screens.aging.all.iter().find(|r| r.client.is_none() && r.currency.as_str() == "USD").expect("row").amounts
            [2];
    assert_eq!(sum, cell);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("USD 31-60"), "{s}");
    keys(&mut app, &["esc"]);
    assert_eq!(app.view, View::Tab(Tab::Aging));
    // A client's row drills to that client's invoices.
    keys(&mut app, &["j", "h", "h", "h", "h", "h", "l", "l", "l", "l", "l", "enter"]);
    let sel = app.screens.aging.rows[app.screens.aging.list.selected];
    let client = app.screens.aging.all[sel].client.expect("client row");
    assert_eq!(app.screens.invoices.scope, Scope::Client(client));
    let total: rust_decimal::Decimal = app.screens.aging.all[sel].amounts.iter().sum();
    let sum: rust_decimal::Decimal = app.screens.invoices.rows.iter().map(|&r| app.rows().invoices[r].balance).sum();
    assert_eq!(sum, total, "the total column lists every open invoice");
}

#[test]
fn slash_filters_clients_as_you_type_and_esc_clears() {
    let mut app = app();
    keys(&mut app, &["2", "/"]);
    assert!(app.is_filtering());
    type_text(&mut app, "mul");
    let names: Vec<&str> = app.screens.clients.rows.iter().map(|&i| app.book().clients()[i].name.as_str()).collect();
    assert!(names.contains(&"Müller Bäckerei GmbH"), "{names:?}");
    assert!(names.iter().all(|n| dun::tui::app::fuzzy_match("mul", n)));
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("/mul"), "the filter shows while typing: {s}");
    type_text(&mut app, "ler");
    assert_eq!(app.screens.clients.rows.len(), 1);
    keys(&mut app, &["backspace", "backspace", "backspace"]);
    assert!(app.screens.clients.rows.len() > 1, "backspace widens the list again");
    keys(&mut app, &["enter"]);
    assert!(!app.is_filtering(), "enter keeps the filter and returns to the list");
    let kept = app.screens.clients.rows.len();
    keys(&mut app, &["j"]);
    assert_eq!(app.screens.clients.rows.len(), kept);
    keys(&mut app, &["esc"]);
    assert_eq!(app.screens.clients.rows.len(), 40, "esc clears a kept filter first");
    // Ids match too.
    keys(&mut app, &["/"]);
    type_text(&mut app, "c0032");
    assert_eq!(app.screens.clients.rows.len(), 1);
    assert_eq!(app.book().clients()[app.screens.clients.rows[0]].id, "C000032");
    keys(&mut app, &["esc"]);
    assert!(!app.is_filtering() && app.screens.clients.filter.is_empty());
}

#[test]
fn invoice_status_filter_and_scope() {
    let mut app = app();
    keys(&mut app, &["3"]);
    // Today's first action is Black Mesa: its invoices.
    let black = app.book().clients().iter().position(|c| c.id == "C000032").expect("client");
    assert_eq!(app.screens.invoices.scope, Scope::Client(black));
    keys(&mut app, &["a"]);
    assert_eq!(app.screens.invoices.scope, Scope::Book);
    assert_eq!(app.screens.invoices.rows.len(), app.book().invoices().len());
    type Check = fn(&dun::tui::model::InvoiceRow) -> bool;
    let cases: [(StatusFilter, Check); 4] = [
        (StatusFilter::Open, |r| r.is_open()),
        (StatusFilter::Overdue, |r| r.is_overdue()),
        (StatusFilter::Disputed, |r| r.disputed),
        (StatusFilter::Paid, |r| !r.is_open()),
    ];
    for (want, check) in cases {
        keys(&mut app, &["f"]);
        assert_eq!(app.screens.invoices.status, want);
        assert!(!app.screens.invoices.rows.is_empty(), "{want:?}");
        assert!(app.screens.invoices.rows.iter().all(|&r| check(&app.rows().invoices[r])), "{want:?}");
    }
    keys(&mut app, &["f"]);
    assert_eq!(app.screens.invoices.status, StatusFilter::All);
}

#[test]
fn clients_sort_cycles_columns_and_reverses() {
    let mut app = app();
    keys(&mut app, &["2", "o"]);
    let bal: Vec<_> = app.screens.clients.rows.iter().map(|&i| app.rows().clients[i].balance_key()).collect();
    assert!(bal.windows(2).all(|w| w[0] >= w[1]), "balance, largest first");
    keys(&mut app, &["O"]);
    let bal: Vec<_> = app.screens.clients.rows.iter().map(|&i| app.rows().clients[i].balance_key()).collect();
    assert!(bal.windows(2).all(|w| w[0] <= w[1]));
    keys(&mut app, &["o", "o"]);
    let days: Vec<_> = app.screens.clients.rows.iter().map(|&i| app.rows().clients[i].oldest_days).collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "oldest days overdue first");
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("sort: days ↓"), "{s}");
}

#[test]
fn copy_puts_the_selected_clients_email_or_phone_on_the_clipboard() {
    let mut app = app();
    keys(&mut app, &["2"]);
    let first = &app.book().clients()[app.screens.clients.rows[0]];
    let (email, phone) = (first.email.clone(), first.phone.clone());
    assert_eq!(keys(&mut app, &["y"]), Effect::Copy(email.clone()));
    assert_eq!(keys(&mut app, &["Y"]), Effect::Copy(phone));
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("copied"), "{s}");
}

#[test]
fn rebinding_from_the_config_changes_behaviour_footer_and_help() {
    let cfg = dun::config::Config::parse("[keys]\ndown = [\"n\"]\nhelp = [\"h\"]\nleft = [\"H\"]\n").expect("config");
    let km = Keymap::with_overrides(&cfg.keys).expect("keys");
    let mut app = app_with(Theme::built_in("default").expect("theme"), km);
    keys(&mut app, &["2", "n", "n", "j"]);
    assert_eq!(app.screens.clients.list.selected, 2, "n moves down, j no longer does");
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("h help"), "footer shows the new key: {s}");
    keys(&mut app, &["h"]);
    assert!(app.help);
    let s = screen(&render(&mut app, 80, 40));
    assert!(s.contains("n         move down") || s.contains("n "), "{s}");
    assert!(!s.lines().any(|l| l.contains(" j ") && l.contains("move down")), "{s}");
}

#[test]
fn help_overlay_is_generated_from_the_keymap_and_any_key_closes_it() {
    let mut app = app();
    keys(&mut app, &["?"]);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("keys here (any other key closes)"), "{s}");
    let s = screen(&render(&mut app, 100, 80));
    assert!(s.contains("Navigation") && s.contains("Logging") && s.contains("Keys of this screen (Today)"), "{s}");
    assert!(s.contains("n                a free note"), "n is a note unless filtering: {s}");
    assert!(s.contains("ctrl-d") && s.contains("half a page down"), "{s}");
    keys(&mut app, &["x"]);
    assert!(!app.help);
}

#[test]
fn notes_are_newest_first_and_scope_toggles() {
    let mut app = app();
    keys(&mut app, &["2", "/"]);
    type_text(&mut app, "müller");
    keys(&mut app, &["enter", "5"]);
    let notes = app.book().notes().to_vec();
    let dates: Vec<_> = app.screens.notes.rows.iter().map(|&i| notes[i].date).collect();
    assert!(!dates.is_empty());
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert!(app.screens.notes.rows.iter().all(|&i| notes[i].client_id == "C000013"));
    keys(&mut app, &["a"]);
    assert_eq!(app.screens.notes.rows.len(), notes.len());
}

#[test]
fn an_empty_book_shows_every_screen_without_panicking() {
    let book = dun::domain::Book::default();
    let mut app = app_on(book);
    for k in ["1", "2", "3", "4", "5", "enter", "j", "G", "/", "x", "esc", "a", "f", "y", "o"] {
        keys(&mut app, &[k]);
        render(&mut app, 80, 24);
        render(&mut app, 160, 48);
    }
    keys(&mut app, &["1"]);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("Nothing to chase today"), "{s}");
}

#[rustfmt::skip]
const KEYS: [&str; 32] = [
    "j", "k", "g", "G", "ctrl-d", "ctrl-u", "pagedown", "h", "l", "enter", "esc", "backspace", "tab", "shift-tab", "1",
    "2", "3", "4", "5", "/", "a", "m", "?", "o", "O", "f", "y", "Y", "x", "space", "]", "[",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_key_sequences_at_random_sizes_never_panic(
        seq in proptest::collection::vec(0..KEYS.len(), 1..60),
        w in 1u16..260,
        h in 1u16..80,
    ) {
        let mut app = app();
        for i in seq {
            let e = keys(&mut app, &[KEYS[i]]);
            prop_assert!(e != Effect::Suspend);
            render(&mut app, w, h);
        }
    }
}

#[test]
fn pasting_into_the_filter_narrows_the_list_and_never_runs_actions() {
    let mut app = app();
    keys(&mut app, &["2"]);
    app.on_paste("qqq");
    assert_eq!(app.screens.clients.rows.len(), 40, "paste outside a field does nothing");
    keys(&mut app, &["/"]);
    app.on_paste("black\nmesa");
    assert_eq!(app.screens.clients.filter, "black mesa");
    assert_eq!(app.screens.clients.rows.len(), 1);
    assert!(app.is_filtering());
}

#[test]
fn aging_follows_the_configured_basis_and_keeps_the_totals() {
    let mut by_due = app();
    keys(&mut by_due, &["4"]);
    let mut by_issue = app();
    by_issue.aging_basis = dun::receivables::aging::AgeBasis::InvoiceDate;
    keys(&mut by_issue, &["4"]);
    let s = screen(&render(&mut by_issue, 80, 24));
    assert!(s.contains("Aging by invoice date"), "{s}");
    // Same open balance per currency, spread differently over the buckets.
    let total = |a: &dun::tui::app::App| -> Vec<rust_decimal::Decimal> {
        a.screens.aging.all.iter().filter(|r| r.client.is_none()).map(|r| r.amounts.iter().copied().sum()).collect()
    };
    assert_eq!(total(&by_due), total(&by_issue));
    assert_ne!(by_due.screens.aging.all[0].amounts, by_issue.screens.aging.all[0].amounts);
}

#[test]
fn keys_are_per_screen_h_and_l_move_columns_on_aging_only() {
    let mut app = app();
    keys(&mut app, &["4", "l", "l"]);
    assert_eq!(app.screens.aging.col, 2);
    assert!(app.form.is_none(), "l moved the column, no letter form");
    keys(&mut app, &["h"]);
    assert_eq!(app.screens.aging.col, 1);
    assert!(app.form.is_none(), "h moved the column, no hold form");
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("l bucket →"), "the hint line names the Aging keys: {s}");
}

#[test]
fn n_after_a_filter_is_the_next_match_and_a_note_without_one() {
    let mut app = app();
    keys(&mut app, &["2", "/"]);
    type_text(&mut app, "in");
    keys(&mut app, &["enter"]);
    let matches = app.screens.clients.rows.len();
    assert!(matches > 2, "{matches}");
    keys(&mut app, &["n", "n"]);
    assert_eq!(app.screens.clients.list.selected, 2);
    assert!(app.form.is_none(), "n moved to the next match");
    keys(&mut app, &["N", "N", "N"]);
    assert_eq!(app.screens.clients.list.selected, matches - 1, "N wraps round backwards");
    keys(&mut app, &["esc", "n"]);
    assert!(app.form.is_some(), "without a filter n opens a note");
}

#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() {
    let mut app = app();
    app.size = (50, 10);
    keys(&mut app, &["2", "c", "j"]);
    assert_eq!(app.view, View::Tab(Tab::Today), "nothing moved behind the message");
    assert!(app.form.is_none());
    assert_eq!(keys(&mut app, &["q"]), Effect::Quit, "quitting still works");
    app.size = (80, 24);
    keys(&mut app, &["2"]);
    assert_eq!(app.view, View::Tab(Tab::Clients));
}

#[test]
fn the_invoice_selection_starts_over_when_the_scope_changes() {
    let mut app = app();
    keys(&mut app, &["3", "G"]);
    assert!(app.screens.invoices.list.selected > 0);
    keys(&mut app, &["a"]);
    assert_eq!(app.screens.invoices.list.selected, 0, "a new scope starts at the top");
    keys(&mut app, &["G", "f"]);
    assert_eq!(app.screens.invoices.list.selected, 0, "a new status starts at the top");
    keys(&mut app, &["G", "1", "j", "3"]);
    assert_eq!(app.screens.invoices.list.selected, 0, "another client's invoices start at the top");
}

#[test]
fn the_forecast_screen_shows_each_currency_and_logs_nothing() {
    let mut app = app();
    keys(&mut app, &["6"]);
    assert_eq!(app.view, View::Tab(Tab::Forecast));
    let f = app.screens.forecast.data.clone().expect("worked out on the first visit");
    assert_eq!(f.weeks.len(), 8);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("Forecast · cash-in by week from Wed 25 Nov"), "{s}");
    assert!(s.contains("▶ EUR expected") && s.contains("overdue, unpromised"), "{s}");
    keys(&mut app, &["j"]);
    assert_eq!(app.screens.forecast.currency().map(|c| c.to_string()), Some("GBP".to_string()));
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("GBP week"), "{s}");
    keys(&mut app, &["c"]);
    assert!(app.form.is_none(), "no client is in focus on the forecast");
    assert!(!s.contains("c call"), "the hint line offers no logging here: {s}");
}
