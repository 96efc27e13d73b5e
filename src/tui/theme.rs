//! Themes: semantic roles (overdue buckets, reminder, call, selection, ...)
//! mapped to styles, read from TOML. Widgets ask for a role, never a colour,
//! so a theme file is the only place colours live.
//!
//! The built-in themes are compiled in (the binary works from anywhere); a
//! file of the same name in the config directory's `themes/` wins.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The themes shipped with dun, by name.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// Every role a theme may style. Missing roles are plain text; unknown ones
/// are an error (a typo must not silently do nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Text,
    Header,
    Title,
    Tab,
    TabActive,
    Border,
    Muted,
    Selection,
    Key,
    Ok,
    Error,
    Current,
    Overdue1,
    Overdue2,
    Overdue3,
    Overdue4,
    Reminder,
    Call,
    Escalation,
    Promise,
    Dispute,
    Hold,
}

impl Role {
    pub const ALL: [Role; 22] = [
        Role::Text,
        Role::Header,
        Role::Title,
        Role::Tab,
        Role::TabActive,
        Role::Border,
        Role::Muted,
        Role::Selection,
        Role::Key,
        Role::Ok,
        Role::Error,
        Role::Current,
        Role::Overdue1,
        Role::Overdue2,
        Role::Overdue3,
        Role::Overdue4,
        Role::Reminder,
        Role::Call,
        Role::Escalation,
        Role::Promise,
        Role::Dispute,
        Role::Hold,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::Header => "header",
            Role::Title => "title",
            Role::Tab => "tab",
            Role::TabActive => "tab_active",
            Role::Border => "border",
            Role::Muted => "muted",
            Role::Selection => "selection",
            Role::Key => "key",
            Role::Ok => "ok",
            Role::Error => "error",
            Role::Current => "current",
            Role::Overdue1 => "overdue_1",
            Role::Overdue2 => "overdue_2",
            Role::Overdue3 => "overdue_3",
            Role::Overdue4 => "overdue_4",
            Role::Reminder => "reminder",
            Role::Call => "call",
            Role::Escalation => "escalation",
            Role::Promise => "promise",
            Role::Dispute => "dispute",
            Role::Hold => "hold",
        }
    }

    /// The role for an aging bucket (0 = current, then each overdue bucket;
    /// buckets past the fourth share the last style).
    pub fn bucket(i: usize) -> Role {
        match i {
            0 => Role::Current,
            1 => Role::Overdue1,
            2 => Role::Overdue2,
            3 => Role::Overdue3,
            _ => Role::Overdue4,
        }
    }
}

/// A loaded theme: one style per role.
#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    styles: [Style; Role::ALL.len()],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, String>,
}

/// What the terminal can show; decides how `#rrggbb` colours come out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorDepth {
    /// COLORTERM advertises truecolor or 24bit.
    TrueColor,
    /// Anything else: `#rrggbb` becomes the nearest of the 256 colours.
    Indexed,
}

impl ColorDepth {
    pub fn from_env() -> ColorDepth {
        match std::env::var("COLORTERM") {
            Ok(v) if v.eq_ignore_ascii_case("truecolor") || v.eq_ignore_ascii_case("24bit") => ColorDepth::TrueColor,
            _ => ColorDepth::Indexed,
        }
    }
}

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        self.styles[role as usize]
    }

    /// Parses a theme file's text.
    pub fn parse(text: &str, depth: ColorDepth) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| crate::config::toml_error(text, &e))?;
        let mut styles = [Style::default(); Role::ALL.len()];
        for (key, spec) in &file.roles {
            let role = Role::ALL.iter().copied().find(|r| r.name() == key).ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
                format!("unknown role '{key}' (roles: {})", names.join(", "))
            })?;
            styles[role as usize] = parse_style(spec, depth).map_err(|e| format!("role '{key}': {e}"))?;
        }
        Ok(Theme { name: file.name.unwrap_or_else(|| "custom".into()), styles })
    }

    /// A built-in theme (they are tested to parse).
    pub fn built_in(name: &str) -> Option<Theme> {
        let (_, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        Theme::parse(text, ColorDepth::Indexed).ok()
    }

    /// The monochrome theme, always available.
    pub fn mono() -> Theme {
        Theme::built_in("mono").unwrap_or_else(|| Theme { name: "mono".into(), styles: [Style::default(); 22] })
    }

    /// Loads `name` from `user_dir/NAME.toml` if that exists, else from the
    /// built-in themes.
    pub fn load(name: &str, user_dir: Option<&Path>, depth: ColorDepth) -> Result<Theme, String> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!("'{name}' is not a theme name"));
        }
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{name}.toml"));
            if path.exists() {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                return Theme::parse(&text, depth).map_err(|e| format!("{}: {e}", path.display()));
            }
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Theme::parse(text, depth).map_err(|e| format!("built-in theme {name}: {e}")),
            None => {
                let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
                Err(format!(
                    "no theme named '{name}' (built in: {}; or put {name}.toml in the config directory's themes/)",
                    names.join(", ")
                ))
            }
        }
    }
}

/// Which theme to use: `--theme` wins, then `NO_COLOR` (monochrome), then the
/// config, then the default. Returns the name and whether the user asked for
/// it explicitly on the command line.
pub fn choose(flag: Option<&str>, config: Option<&str>, no_color: bool) -> (String, bool) {
    match (flag, no_color, config) {
        (Some(f), _, _) => (f.to_string(), true),
        (None, true, _) => ("mono".to_string(), false),
        (None, false, Some(c)) => (c.to_string(), false),
        (None, false, None) => ("default".to_string(), false),
    }
}

/// `NO_COLOR` set to anything but the empty string (no-color.org).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Parses "bold yellow on blue underlined" and friends.
pub fn parse_style(spec: &str, depth: ColorDepth) -> Result<Style, String> {
    let mut style = Style::default();
    let mut words = spec.split_whitespace();
    while let Some(w) = words.next() {
        let lw = w.to_ascii_lowercase();
        if lw == "on" {
            let c = words.next().ok_or("'on' needs a background colour after it")?;
            style = style.bg(parse_color(c, depth)?);
            continue;
        }
        let m = match lw.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underline" | "underlined" => Some(Modifier::UNDERLINED),
            "reverse" | "reversed" => Some(Modifier::REVERSED),
            "crossed-out" => Some(Modifier::CROSSED_OUT),
            _ => None,
        };
        match m {
            Some(m) => style = style.add_modifier(m),
            None => style = style.fg(parse_color(w, depth)?),
        }
    }
    Ok(style)
}

fn parse_color(s: &str, depth: ColorDepth) -> Result<Color, String> {
    let l = s.to_ascii_lowercase();
    let c = match l.as_str() {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        // ANSI 7 is "white" in terminal palettes; ratatui calls it Gray.
        "white" => Color::Gray,
        "bright-black" | "gray" | "grey" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        _ => {
            if let Some(hex) = l.strip_prefix('#') {
                let v = u32::from_str_radix(hex, 16).ok().filter(|_| hex.len() == 6);
                let v = v.ok_or_else(|| format!("'{s}' is not a #rrggbb colour"))?;
                let (r, g, b) = ((v >> 16) as u8, (v >> 8) as u8, v as u8);
                return Ok(match depth {
                    ColorDepth::TrueColor => Color::Rgb(r, g, b),
                    ColorDepth::Indexed => Color::Indexed(nearest_256(r, g, b)),
                });
            }
            if let Some(n) = l.strip_prefix("color").and_then(|n| n.parse::<u8>().ok()) {
                return Ok(Color::Indexed(n));
            }
            return Err(format!(
                "'{s}' is not a colour or modifier (use ANSI names like red or bright-blue, #rrggbb, colorN, \
                 or bold/dim/italic/underline/reversed)"
            ));
        }
    };
    Ok(c)
}

/// The nearest colour of the xterm 256-colour palette (its 6×6×6 cube or
/// its grey ramp), so a true-colour theme degrades instead of breaking.
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    const STEPS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let level = |v: u8| {
        STEPS.iter().enumerate().min_by_key(|(_, s)| (i32::from(**s) - i32::from(v)).abs()).map_or(0, |(i, _)| i)
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let dist = |a: (u8, u8, u8)| {
        let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
        d(a.0, r) + d(a.1, g) + d(a.2, b)
    };
    let cube_rgb = (STEPS[ri], STEPS[gi], STEPS[bi]);
    let avg = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let grey_i = ((avg.saturating_sub(8)) / 10).min(23) as u8;
    let gv = 8 + 10 * grey_i;
    if dist((gv, gv, gv)) < dist(cube_rgb) {
        232 + grey_i
    } else {
        cube as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_styles_every_role_it_names() {
        for (name, text) in BUILT_IN {
            let t = Theme::parse(text, ColorDepth::TrueColor).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(t.name, name);
            let file: ThemeFile = toml::from_str(text).unwrap();
            for r in Role::ALL {
                assert!(file.roles.contains_key(r.name()), "{name} lacks role {}", r.name());
            }
        }
    }

    #[test]
    fn built_in_themes_never_use_true_colour_and_default_uses_only_ansi_16() {
        for (name, _) in BUILT_IN {
            let t = Theme::load(name, None, ColorDepth::TrueColor).unwrap();
            for r in Role::ALL {
                let s = t.style(r);
                for c in [s.fg, s.bg].into_iter().flatten() {
                    assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{name}.{}: {c:?}", r.name());
                }
            }
        }
    }

    #[test]
    fn mono_has_no_colours_and_a_reversed_selection() {
        let t = Theme::mono();
        for r in Role::ALL {
            assert_eq!(t.style(r).fg, None, "{}", r.name());
            assert_eq!(t.style(r).bg, None, "{}", r.name());
        }
        assert!(t.style(Role::Selection).add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn hex_colours_follow_the_terminals_depth() {
        assert_eq!(parse_style("#ff0000", ColorDepth::TrueColor).unwrap().fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(parse_style("#ff0000", ColorDepth::Indexed).unwrap().fg, Some(Color::Indexed(196)));
        assert_eq!(parse_style("#808080", ColorDepth::Indexed).unwrap().fg, Some(Color::Indexed(244)));
        let s = parse_style("bold yellow on blue", ColorDepth::Indexed).unwrap();
        assert_eq!((s.fg, s.bg), (Some(Color::Yellow), Some(Color::Blue)));
        assert!(s.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn bad_theme_files_are_refused_with_the_role_named() {
        let e = Theme::parse("[roles]\nselection = \"purple\"\n", ColorDepth::Indexed).unwrap_err();
        assert!(e.contains("selection") && e.contains("purple"), "{e}");
        let e = Theme::parse("[roles]\nselektion = \"red\"\n", ColorDepth::Indexed).unwrap_err();
        assert!(e.contains("unknown role 'selektion'"), "{e}");
        let e = Theme::parse("[roles]\nheader = \"on\"\n", ColorDepth::Indexed).unwrap_err();
        assert!(e.contains("background"), "{e}");
        let e = Theme::load("nosuch", None, ColorDepth::Indexed).unwrap_err();
        assert!(e.contains("built in: default"), "{e}");
        assert!(Theme::load("../etc/passwd", None, ColorDepth::Indexed).is_err());
    }

    #[test]
    fn a_user_theme_file_wins_over_the_built_in_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("default.toml"), "name = \"mine\"\n[roles]\nheader = \"red\"\n").unwrap();
        let t = Theme::load("default", Some(dir.path()), ColorDepth::Indexed).unwrap();
        assert_eq!(t.name, "mine");
        assert_eq!(t.style(Role::Header).fg, Some(Color::Red));
    }

    #[test]
    fn theme_choice_order() {
        assert_eq!(choose(Some("light"), Some("high-contrast"), true), ("light".into(), true));
        assert_eq!(choose(None, Some("light"), true), ("mono".into(), false));
        assert_eq!(choose(None, Some("light"), false), ("light".into(), false));
        assert_eq!(choose(None, None, false), ("default".into(), false));
    }
}
