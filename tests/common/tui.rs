//! Fixtures for the interface tests: the demo book as of a fixed day, a
//! hand-built Today list (the rules engine's output is injected, so the
//! screen is tested on its own), key helpers and a TestBackend render.

#![allow(dead_code)]

use chrono::NaiveDate;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rust_decimal::Decimal;

use dun::domain::{Book, Currency, Money};
use dun::rules::{Action as Chase, ActionKind};
use dun::store::IdAlloc;
use dun::tui::action::Effect;
use dun::tui::app::App;
use dun::tui::keymap::{Key, Keymap};
use dun::tui::theme::Theme;

pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date")
}

pub fn demo_book() -> Book {
    let b = dun::demo::build(day(), &mut IdAlloc::starting_at(0));
    Book::new(b.clients, b.invoices, b.payments, b.adjustments, b.notes)
}

#[allow(clippy::too_many_arguments)]
fn chase(
    id: &str,
    name: &str,
    kind: ActionKind,
    level: u8,
    level_name: &str,
    amount: &str,
    cur: Currency,
    days: i64,
    reason: &str,
) -> Chase {
    Chase {
        client_id: id.into(),
        client_name: name.into(),
        kind,
        level,
        level_name: level_name.into(),
        overdue: vec![Money::new(amount.parse::<Decimal>().expect("amount"), cur)],
        days_overdue: days,
        invoices: vec!["INV-01314".into()],
        reason: reason.into(),
        score: Decimal::from(100 - i64::from(level)),
    }
}

/// What the rules engine might say about the demo book: one of each kind,
/// with an accented, a CJK and a long name.
pub fn actions() -> Vec<Chase> {
    use ActionKind::*;
    vec![
        chase(
            "C000032",
            "Black Mesa Research",
            Escalation,
            5,
            "Final demand",
            "32141.00",
            Currency::USD,
            164,
            "164 days overdue; reminders on 2026-10-01 and 2026-10-15 and a call on 2026-11-09 brought no payment",
        ),
        chase(
            "C000006",
            "Vandelay Industries",
            Call,
            4,
            "Phone call",
            "42243.60",
            Currency::GBP,
            202,
            "second reminder sent 14 days ago with no reply",
        ),
        chase(
            "C000013",
            "Müller Bäckerei GmbH",
            Call,
            4,
            "Phone call",
            "14548.05",
            Currency::USD,
            205,
            "promise of 2026-11-13 broken: nothing received",
        ),
        chase(
            "C000016",
            "佐藤商事株式会社",
            Reminder,
            2,
            "First reminder",
            "456.00",
            Currency::GBP,
            167,
            "one invoice 167 days overdue, no contact yet",
        ),
        chase(
            "C000039",
            "Mom's Friendly Robots",
            Reminder,
            3,
            "Second reminder",
            "15234.00",
            Currency::USD,
            200,
            "first reminder sent 2026-11-02",
        ),
    ]
}

pub fn app_with(theme: Theme, keymap: Keymap) -> App {
    App::new(demo_book(), day(), actions(), theme, keymap, vec![30, 60, 90])
}

/// The interface on `book` with no actions, the default theme and keys.
pub fn app_on(book: Book) -> App {
    App::new(
        book,
        day(),
        vec![],
        Theme::built_in("default").expect("default theme"),
        Keymap::default(),
        vec![30, 60, 90],
    )
}

pub fn app() -> App {
    app_with(Theme::built_in("default").expect("default theme"), Keymap::default())
}

/// Feeds keys written as in the config (`j`, `enter`, `ctrl-d`, `esc`);
/// returns the last effect.
pub fn keys(app: &mut App, ks: &[&str]) -> Effect {
    let mut last = Effect::None;
    for k in ks {
        let ev = Key::parse(k).unwrap_or_else(|e| panic!("{e}")).to_event();
        last = app.on_key(ev);
    }
    last
}

/// Types text into whatever has the keyboard (the filter, when open).
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let ev = ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Char(c),
            ratatui::crossterm::event::KeyModifiers::NONE,
        );
        app.on_key(ev);
    }
}

pub fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.size = (w, h);
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| f.render_widget(&*app, f.area())).expect("draw");
    t
}

/// The screen as text lines (trailing spaces kept).
pub fn lines(t: &Terminal<TestBackend>) -> Vec<String> {
    let buf = t.backend().buffer();
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            // A wide character's second cell is a placeholder: skip it,
            // as a terminal would.
            let mut s = String::new();
            let mut skip = 0;
            for x in 0..area.width {
                let sym = buf[(x, y)].symbol();
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                s.push_str(sym);
                skip = dun::text::width(sym).saturating_sub(1);
            }
            s
        })
        .collect()
}

pub fn screen(t: &Terminal<TestBackend>) -> String {
    lines(t).join("\n")
}
