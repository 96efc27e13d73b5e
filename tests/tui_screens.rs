//! Every screen on TestBackend at 80×24 and 160×48 (insta snapshots,
//! reviewed), the too-small message, and the monochrome theme.

#[path = "common/tui.rs"]
mod tui_common;

use ratatui::style::{Color, Modifier};
use tui_common::*;

use dun::tui::keymap::Keymap;
use dun::tui::theme::Theme;

/// Each screen and the keys that reach it from the start.
const SCREENS: [(&str, &[&str]); 14] = [
    ("today", &[]),
    ("today_detail_pane", &["tab"]),
    ("invoices_detail_pane", &["3", "tab"]),
    ("clients", &["2"]),
    ("invoices_client", &["2", "j", "j", "j", "3"]),
    ("invoices_book_overdue", &["3", "a", "f", "f"]),
    ("aging", &["4"]),
    ("notes", &["2", "j", "j", "j", "5"]),
    ("client_detail", &["enter"]),
    ("invoice_detail", &["enter", "enter"]),
    ("help", &["?"]),
    ("forecast", &["6"]),
    ("aging_chart", &["4", "tab"]),
    ("forecast_gbp", &["6", "j"]),
];

fn snap(name: &str, ks: &[&str], w: u16, h: u16) {
    let mut app = app();
    keys(&mut app, ks);
    let t = render(&mut app, w, h);
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(&t));
}

#[test]
fn every_screen_at_80x24() {
    for (name, ks) in SCREENS {
        snap(name, ks, 80, 24);
    }
}

#[test]
fn every_screen_at_160x48() {
    for (name, ks) in SCREENS {
        snap(name, ks, 160, 48);
    }
}

#[test]
fn a_terminal_below_the_minimum_says_so() {
    let mut app = app();
    let t = render(&mut app, 50, 10);
    let s = screen(&t);
    assert!(s.contains("terminal too small (50×10), need at least 60×15"), "{s}");
    insta::assert_snapshot!("too_small_50x10", s);
    // Just at the minimum, the real screen shows.
    let t = render(&mut app, 60, 15);
    assert!(screen(&t).contains("Today"));
}

#[test]
fn monochrome_uses_no_colour_at_all_and_the_selection_stays_visible() {
    let mut app = app_with(Theme::mono(), Keymap::default());
    keys(&mut app, &["2", "j"]);
    let t = render(&mut app, 80, 24);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        // crossterm writes a bare SGR reset for any colour under NO_COLOR,
        // which would wipe the reverse video; mono must never set one.
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
    // Clients list: title, header, then rows; the second row is selected.
    let sel_y = 4;
    let reversed = (0..80).filter(|&x| buf[(x, sel_y)].modifier.contains(Modifier::REVERSED)).count();
    assert_eq!(reversed, 80, "the whole selected row is reversed");
    assert!(!buf[(0, sel_y - 1)].modifier.contains(Modifier::REVERSED));
    insta::assert_snapshot!("clients_mono_80x24", screen(&t));
}

#[test]
fn accents_cjk_and_emoji_keep_the_columns_aligned() {
    let mut app = app();
    keys(&mut app, &["2"]);
    let t = render(&mut app, 80, 24);
    let buf = t.backend().buffer();
    // The currency column starts at the same cell on every row whatever the
    // name before it ("Café Olé ☕", "Müller", "佐藤商事株式会社").
    let header = lines(&t)[2].clone();
    let cur_x = header.find("Cur").expect("Cur column") as u16;
    let mut seen = 0;
    for y in 3..23 {
        let sym = buf[(cur_x, y)].symbol();
        if !sym.trim().is_empty() {
            let code: String = (0..3).map(|i| buf[(cur_x + i, y)].symbol().to_string()).collect();
            assert!(["USD", "EUR", "GBP"].contains(&code.as_str()), "row {y}: {code:?}");
            seen += 1;
        }
    }
    assert!(seen > 15);
}

#[test]
fn control_characters_in_the_book_never_reach_the_terminal() {
    use dun::domain::{Book, Client, Currency, Invoice, Money};
    let mut evil = Client::new("C1", "Evil\x1b[2J\x1b]52;c;aGk=\x07 Corp \u{202E}gnp.exe", Currency::USD);
    evil.email = "a@b\x1b[31m.example".into();
    let long = Client::new("C2", "An Extraordinarily Long Client Name That Cannot Possibly Fit Ltd", Currency::USD);
    let inv = Invoice::new("I\x1b[1", "C1", day(), day(), Money::new(10.into(), Currency::USD));
    let book = Book::new(vec![evil, long], vec![inv], vec![], vec![], vec![]);
    let mut app = app_on(book);
    for ks in [&["2"][..], &["2", "enter"], &["3", "a"], &["4"]] {
        keys(&mut app, ks);
        let t = render(&mut app, 80, 24);
        for cell in t.backend().buffer().content() {
            for c in cell.symbol().chars() {
                let u = c as u32;
                assert!(u >= 0x20 && !(0x7f..=0x9f).contains(&u) && c != '\u{202E}', "{c:?} in {ks:?}");
            }
        }
        keys(&mut app, &["1"]);
    }
    keys(&mut app, &["2"]);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("Evil␛[2J"), "{s}");
    assert!(
        s.lines().any(|l| l.contains("An Extraordinarily") && l.contains('…')),
        "long names end in an ellipsis: {s}"
    );
}

/// The whole-book invoice list breaks ties on the invoice number, not on
/// where the invoice sits in the book: the open part the first screen reads
/// is in client order and the whole book that replaces it in number order,
/// and the list must not reorder under the cursor when it arrives.
#[test]
fn tied_invoices_keep_their_order_whatever_the_book_order() {
    use dun::domain::{Book, Client, Currency, Invoice, Money};
    let clients = || vec![Client::new("C1", "One", Currency::USD), Client::new("C2", "Two", Currency::USD)];
    let inv = |n: &str, c: &str| Invoice::new(n, c, day(), day(), Money::new(10.into(), Currency::USD));
    let by_client = vec![inv("A-2", "C1"), inv("A-1", "C2")];
    let by_number = vec![inv("A-1", "C2"), inv("A-2", "C1")];
    let order = |invoices: Vec<Invoice>| {
        let book = Book::new(clients(), invoices, vec![], vec![], vec![]);
        let mut app = app_on(book);
        keys(&mut app, &["3"]);
        let rows = app.screens.invoices.rows.clone();
        rows.iter().map(|&r| app.book().invoices()[app.rows().invoices[r].ix].number.clone()).collect::<Vec<_>>()
    };
    assert_eq!(order(by_client), ["A-1", "A-2"]);
    assert_eq!(order(by_number), ["A-1", "A-2"]);
}
