//! Bytes per selection move, without a terminal: two frames rendered on
//! TestBackend (before and after `j`), diffed as ratatui does, and written
//! by the interface's own encoder (`tui::wire::encode`). The goal (issue
//! 14) is no more than hledger-ui sends for a move over tmux: 488 B at
//! 80×24 and 688 B at 120×40 (benches/tui_bytes.sh measures both over a
//! real tmux; the figures are in docs/performance.md). A frame here has
//! no synchronized-update brackets (16 B), so the limits are that much
//! below hledger-ui's figures. `DUN_BYTES_DUMP=1` prints each frame and
//! the bytes of each move (ESC as ^[, CR and LF as \r and \n).

#[path = "common/tui.rs"]
mod tui_common;

use ratatui::buffer::Cell;
use tui_common::*;

use dun::tui::app::App;
use dun::tui::keymap::Keymap;
use dun::tui::theme::Theme;

/// The interface as `dun` starts it on the demo book: the day's list is
/// the rules engine's (the shared fixture's hand-built list is not).
fn demo_app() -> App {
    let book = demo_book();
    let actions = dun::rules::today(&book, &dun::rules::Rules::default(), day());
    App::new(book, day(), actions, Theme::built_in("default").expect("theme"), Keymap::default(), vec![30, 60, 90])
}

/// Mean bytes over a few moves down and back up (the list never scrolls),
/// as benches/tui_bytes.sh moves.
fn bytes_per_move(setup: &[&str], w: u16, h: u16) -> usize {
    let mut app = demo_app();
    keys(&mut app, setup);
    let mut before = render(&mut app, w, h).backend().buffer().clone();
    // What the terminal shows (the encoder skips changes nobody can see).
    let mut shown = before.clone();
    let mut total = 0;
    let moves = ["j", "k", "j", "k"];
    for k in moves {
        keys(&mut app, &[k]);
        let t = render(&mut app, w, h);
        if std::env::var_os("DUN_BYTES_DUMP").is_some() {
            eprintln!("{}", screen(&t));
        }
        let after = t.backend().buffer().clone();
        let changed: Vec<(u16, u16, Cell)> =
            before.diff(&after).into_iter().map(|(x, y, c)| (x, y, c.clone())).collect();
        let bytes = dun::tui::wire::encode(&mut shown, &changed);
        if std::env::var_os("DUN_BYTES_DUMP").is_some() {
            let shown = String::from_utf8_lossy(&bytes).replace('\x1b', "^[").replace('\r', "\\r").replace('\n', "\\n");
            eprintln!("{} B: {shown}", bytes.len());
        }
        total += bytes.len();
        before = after;
    }
    total / moves.len()
}

// hledger-ui's figures less the brackets the real backend adds per frame.
const GOAL_80X24: usize = 488 - 16;
const GOAL_120X40: usize = 688 - 16;

/// At 120×40 Today shows the selected client's pane beside the list (a
/// different client's figures on every move) and is held to the same goal.
#[test]
fn a_move_on_today_sends_no_more_than_hledger_ui() {
    let small = bytes_per_move(&[], 80, 24);
    let large = bytes_per_move(&[], 120, 40);
    eprintln!("Today: {small} B at 80x24, {large} B at 120x40");
    assert!(small <= GOAL_80X24, "{small} B per move at 80x24");
    assert!(large <= GOAL_120X40, "{large} B per move at 120x40");
}

#[test]
fn a_move_on_invoices_sends_no_more_than_hledger_ui() {
    let small = bytes_per_move(&["3", "a"], 80, 24);
    let large = bytes_per_move(&["3", "a"], 120, 40);
    eprintln!("Invoices: {small} B at 80x24, {large} B at 120x40");
    assert!(small <= GOAL_80X24, "{small} B per move at 80x24");
    assert!(large <= GOAL_120X40, "{large} B per move at 120x40");
}
