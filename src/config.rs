//! `config.toml`: the user's settings. Read once by the shell and passed
//! down as plain values; the core never reads files.
//!
//! Each section belongs to the part of dun that uses it. Unknown keys are
//! errors (a typo must not silently do nothing), reported with line and
//! column.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub aging: AgingConfig,
    pub fees: FeesConfig,
    pub backup: BackupConfig,
    pub ui: UiConfig,
    pub payments: PaymentsConfig,
    /// Reminders by e-mail and letters (docs/reminders.md).
    pub mail: crate::mail::MailConfig,
    /// PDF letters and statements (docs/reminders.md).
    pub print: PrintConfig,
    /// Key rebindings for the interface: action name → list of keys, or a
    /// section name (`[keys.aging]`) → its own such table.
    pub keys: std::collections::BTreeMap<String, KeyBinding>,
}

/// `[print]`: the font PDFs are set in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrintConfig {
    /// A TrueType font file (.ttf, or .ttc: its first face) used for every
    /// PDF instead of the bundled DejaVu Sans, e.g. one with CJK glyphs.
    pub font: Option<String>,
}

/// One entry of `[keys]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum KeyBinding {
    Keys(Vec<String>),
    Section(std::collections::BTreeMap<String, Vec<String>>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgingConfig {
    /// Upper day boundaries of the overdue buckets, ascending. The default
    /// [30, 60, 90] gives current, 1-30, 31-60, 61-90, 91+.
    pub buckets: Vec<u32>,
    /// Age by "due" date (default) or by "invoice" date.
    pub by: String,
}

impl Default for AgingConfig {
    fn default() -> Self {
        AgingConfig { buckets: vec![30, 60, 90], by: "due".into() }
    }
}

/// Payment methods added to the default set (docs/aging.md, "Payment methods").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    /// Extra method names, e.g. ["Klarna", "Wise"].
    pub methods: Vec<String>,
}

/// The book-wide late-fee policy (a client's own policy overrides it).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeesConfig {
    /// A fixed fee once overdue past the grace period, e.g. "40.00".
    pub fixed: Option<String>,
    /// Percent of the overdue amount, e.g. "1.5".
    pub percent: Option<String>,
    /// Simple annual interest rate in percent, e.g. "8".
    pub annual_rate: Option<String>,
    pub grace_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Keep this many daily automatic backups (0 turns them off).
    pub keep_days: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig { keep_days: 7 }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Theme name (a file in themes/ or the config dir's themes/).
    pub theme: Option<String>,
    /// Capture the mouse (off by default: it breaks text selection over SSH).
    pub mouse: bool,
}

impl Config {
    /// Loads `explicit` (which must exist), else `~/.config/dun/config.toml`
    /// if present, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, String> {
        let path: Option<PathBuf> = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => crate::store::paths::config_dir().map(|d| d.join("config.toml")).filter(|p| p.exists()),
        };
        match path {
            None => Ok(Config::default()),
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                Config::parse(&text).map_err(|e| format!("{}: {e}", p.display()))
            }
        }
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let cfg: Config = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let b = &cfg.aging.buckets;
        if b.is_empty() || b.windows(2).any(|w| w[0] >= w[1]) || b[0] == 0 {
            return Err("[aging] buckets must be an ascending list of day counts above zero, like [30, 60, 90]".into());
        }
        if cfg.aging.by != "due" && cfg.aging.by != "invoice" {
            return Err(format!("[aging] by must be \"due\" or \"invoice\", not \"{}\"", cfg.aging.by));
        }
        cfg.mail.validate()?;
        Ok(cfg)
    }
}

/// A TOML error as `line L, column C: message`.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let (line, col) = toml_location(text, span.start);
            format!("line {line}, column {col}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// The 1-based line and column of a byte offset in `text`.
pub fn toml_location(text: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.aging.buckets, vec![30, 60, 90]);
        let e = Config::parse("[aging]\nbuckets = [60, 30]\n").unwrap_err();
        assert!(e.contains("ascending"), "{e}");
        let e = Config::parse("[aging]\nbukets = [30]\n").unwrap_err();
        assert!(e.starts_with("line 2, column 1"), "{e}");
    }
}
