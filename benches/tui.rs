//! Interface speed on the 100,000-invoice book from gen_book.py:
//! - `startup`: everything between process start and the first frame that
//!   dun itself does (config, theme, open the store, load the book, the
//!   day's list, `Model::build`: one pass over the notes; then Today's
//!   refresh and the first draw, its client pane worked out for that one
//!   client). The whole book's rows are not built here: they wait for the
//!   first list screen that needs them;
//! - `move_selection`: one key (down) and the redraw it causes, on the
//!   busiest lists (clients, the whole book's invoices). The jump to those
//!   lists builds the whole book's rows once, before the timing starts;
//! - `filter_keystroke`: one typed filter character over all invoices.
//!
//! Figures (and the 1M book's first screen, timed on the real binary with
//! `DUN_FIRST_FRAME_AND_EXIT=1`) are in docs/performance.md; figures quoted
//! here went stale when the first screen stopped building every row.
//! `benches/tui_startup.sh` times the real binary in tmux.
//!
//! Run once: `cargo bench --bench tui`. The book is generated and imported
//! into a temp dir first (that part is not timed). Skipped with a note when
//! gen_book.py cannot be found (DUN_REQUIRE_SHARED=1 makes that fatal).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

use dun::cli::{Ctx, GlobalArgs};
use dun::tui::action::{Action, Tab};

const AS_OF: &str = "2026-11-22";

fn gen_book_script() -> Option<PathBuf> {
    let near = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_book.py");
    [near, PathBuf::from("/work/shared/bench/gen_book.py")].into_iter().find(|p| p.exists())
}

/// Generates and imports the book; returns the data dir (kept alive by the
/// returned temp dir).
fn book_100k() -> Option<(tempfile::TempDir, PathBuf)> {
    let Some(script) = gen_book_script() else {
        if std::env::var("DUN_REQUIRE_SHARED").as_deref() == Ok("1") {
            panic!("gen_book.py not found and DUN_REQUIRE_SHARED=1");
        }
        eprintln!("note: gen_book.py not found; skipping the interface benchmarks");
        return None;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let csv = tmp.path().join("csv");
    let data = tmp.path().join("data");
    let ok = Command::new("python3")
        .arg(&script)
        .arg(&csv)
        .args(["--invoices", "100000", "--as-of", AS_OF])
        .status()
        .expect("run gen_book.py")
        .success();
    assert!(ok, "gen_book.py failed");
    for kind in ["clients", "invoices", "payments"] {
        let out = Command::new(env!("CARGO_BIN_EXE_dun"))
            .arg("--data")
            .arg(&data)
            .args(["import", kind])
            .arg(csv.join(format!("{kind}.csv")))
            .output()
            .expect("run dun import");
        assert!(out.status.success(), "import {kind}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Some((tmp, data))
}

fn ctx(data: &Path) -> Ctx {
    let g = GlobalArgs {
        data: Some(data.to_path_buf()),
        today: Some(AS_OF.parse().expect("date")),
        format: None,
        config: Some(data.join("no-config.toml")).filter(|p| p.exists()),
        theme: Some("default".into()),
        allow_other_owner: false,
        socket: None,
        wait: None,
    };
    Ctx::new(&g).expect("ctx")
}

fn bench(c: &mut Criterion) {
    let Some((_tmp, data)) = book_100k() else { return };
    let mut g = c.benchmark_group("tui_100k");
    g.sample_size(10).measurement_time(Duration::from_secs(20));

    g.bench_function("startup_to_first_frame", |b| {
        b.iter(|| {
            let mut app = dun::tui::prepare(&ctx(&data)).expect("prepare");
            app.size = (120, 40);
            let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            t.draw(|f| f.render_widget(&app, f.area())).expect("draw");
            // Dropping the app closes the store, so the next open can lock it.
            drop(app);
        })
    });

    let mut app = dun::tui::prepare(&ctx(&data)).expect("prepare");
    let mut t = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    app.size = (160, 48);
    for (name, tab) in [("move_selection_clients", Tab::Clients), ("move_selection_all_invoices", Tab::Invoices)] {
        app.update(Action::Jump(tab));
        if tab == Tab::Invoices {
            app.update(Action::ToggleScope);
        }
        g.bench_function(name, |b| {
            b.iter(|| {
                app.update(Action::Down);
                t.draw(|f| f.render_widget(&app, f.area())).expect("draw");
            })
        });
    }
    // Typing one more character into a filter over all 100,000 invoices.
    app.update(Action::Filter);
    g.bench_function("filter_keystroke_all_invoices", |b| {
        b.iter(|| {
            app.on_key(KeyEvent::new(KeyCode::Char('9'), KeyModifiers::NONE));
            t.draw(|f| f.render_widget(&app, f.area())).expect("draw");
            app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
