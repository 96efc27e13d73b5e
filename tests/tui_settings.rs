//! Mistakes in the interface's settings stop dun with a clear message
//! before the terminal is touched (no half-initialised screen).

use std::process::Command;

fn dun(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dun"))
        .arg("--data")
        .arg(dir.join("data"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run dun");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_keys_and_unknown_themes_are_reported_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[keys]\ndwon = [\"j\"]\n").expect("write config");
    let (ok, err) = dun(&["--config", cfg.to_str().expect("utf-8 path")], dir.path());
    assert!(!ok);
    assert!(err.contains("[keys] dwon: no such action"), "{err}");
    assert!(!err.contains("\x1b["), "no terminal escapes in the message: {err:?}");

    std::fs::write(&cfg, "[keys]\ndown = [\"ctrl-\"]\n").expect("write config");
    let (ok, err) = dun(&["--config", cfg.to_str().expect("utf-8 path")], dir.path());
    assert!(!ok);
    assert!(err.contains("'ctrl-' is not a key"), "{err}");

    let (ok, err) = dun(&["--theme", "neon"], dir.path());
    assert!(!ok);
    assert!(err.contains("no theme named 'neon'"), "{err}");

    std::fs::write(&cfg, "[ui]\ntheme = \"nope\"\n").expect("write config");
    let (ok, err) = dun(&["--config", cfg.to_str().expect("utf-8 path")], dir.path());
    assert!(!ok);
    assert!(err.contains("no theme named 'nope'"), "{err}");
}
