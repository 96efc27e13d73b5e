//! The key map as data: every bindable action with its name, its default
//! keys and a description. The help overlay and the footer hints are
//! generated from the map in force, so they cannot drift from behaviour.
//!
//! `config.toml` rebinds by action name: `[keys] down = ["j", "ctrl-n"]`
//! replaces the keys of `down` (and takes those keys away from any other
//! action); `down = []` unbinds it.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Tab};

/// One bindable action.
pub struct Bindable {
    pub action: Action,
    pub name: &'static str,
    pub desc: &'static str,
    pub defaults: &'static [&'static str],
}

/// The defaults. Order is the order of the help overlay.
pub const BINDABLE: &[Bindable] = &[
    Bindable { action: Action::Down, name: "down", desc: "move down", defaults: &["down", "j"] },
    Bindable { action: Action::Up, name: "up", desc: "move up", defaults: &["up", "k"] },
    Bindable { action: Action::Top, name: "top", desc: "go to the first row", defaults: &["g", "home"] },
    Bindable { action: Action::Bottom, name: "bottom", desc: "go to the last row", defaults: &["G", "end"] },
    Bindable { action: Action::HalfPageDown, name: "half_page_down", desc: "half a page down", defaults: &["ctrl-d"] },
    Bindable { action: Action::HalfPageUp, name: "half_page_up", desc: "half a page up", defaults: &["ctrl-u"] },
    Bindable { action: Action::PageDown, name: "page_down", desc: "a page down", defaults: &["pagedown", "ctrl-f"] },
    Bindable { action: Action::PageUp, name: "page_up", desc: "a page up", defaults: &["pageup", "ctrl-b"] },
    Bindable { action: Action::Left, name: "left", desc: "aging column left (h on Aging)", defaults: &["left"] },
    Bindable { action: Action::Right, name: "right", desc: "aging column right (l on Aging)", defaults: &["right"] },
    Bindable { action: Action::Enter, name: "enter", desc: "open / drill in", defaults: &["enter"] },
    Bindable { action: Action::Back, name: "back", desc: "back / clear filter", defaults: &["esc", "backspace"] },
    Bindable { action: Action::NextPane, name: "next_pane", desc: "list ⇄ detail pane", defaults: &["tab"] },
    Bindable { action: Action::PrevPane, name: "prev_pane", desc: "detail ⇄ list pane", defaults: &["shift-tab"] },
    Bindable { action: Action::NextTab, name: "next_tab", desc: "next screen", defaults: &["]"] },
    Bindable { action: Action::PrevTab, name: "prev_tab", desc: "previous screen", defaults: &["["] },
    Bindable { action: Action::Jump(Tab::Today), name: "today", desc: "Today screen", defaults: &["1"] },
    Bindable { action: Action::Jump(Tab::Clients), name: "clients", desc: "Clients screen", defaults: &["2"] },
    Bindable { action: Action::Jump(Tab::Invoices), name: "invoices", desc: "Invoices screen", defaults: &["3"] },
    Bindable { action: Action::Jump(Tab::Aging), name: "aging", desc: "Aging screen", defaults: &["4"] },
    Bindable { action: Action::Jump(Tab::Notes), name: "notes", desc: "Notes screen", defaults: &["5"] },
    Bindable { action: Action::Filter, name: "filter", desc: "filter as you type", defaults: &["/"] },
    Bindable { action: Action::Sort, name: "sort", desc: "sort by next column", defaults: &["o"] },
    Bindable { action: Action::ReverseSort, name: "reverse_sort", desc: "reverse the sort", defaults: &["O"] },
    Bindable { action: Action::CycleStatus, name: "status_filter", desc: "status filter", defaults: &["f"] },
    Bindable { action: Action::ToggleScope, name: "scope", desc: "client / whole book", defaults: &["a"] },
    Bindable { action: Action::CopyEmail, name: "copy_email", desc: "copy client email", defaults: &["y"] },
    Bindable { action: Action::CopyPhone, name: "copy_phone", desc: "copy client phone", defaults: &["Y"] },
    Bindable {
        action: Action::LogCall,
        name: "log_call",
        desc: "log a call (outcome, note, promise)",
        defaults: &["c"],
    },
    Bindable { action: Action::LogEmail, name: "log_email", desc: "log an email sent", defaults: &["e"] },
    Bindable { action: Action::LogLetter, name: "log_letter", desc: "log a letter sent", defaults: &["l"] },
    Bindable { action: Action::LogNote, name: "log_note", desc: "a free note (kind by one key)", defaults: &["n"] },
    Bindable { action: Action::Promise, name: "promise", desc: "promise to pay", defaults: &["p"] },
    Bindable { action: Action::Dispute, name: "dispute", desc: "dispute the selected invoice", defaults: &["d"] },
    Bindable { action: Action::Resolve, name: "resolve", desc: "resolve the invoice's dispute", defaults: &["D"] },
    Bindable { action: Action::Snooze, name: "snooze", desc: "snooze the client until a date", defaults: &["s"] },
    Bindable { action: Action::Hold, name: "hold", desc: "put on hold / release", defaults: &["h"] },
    Bindable { action: Action::Payment, name: "payment", desc: "record a payment", defaults: &["$"] },
    Bindable { action: Action::Done, name: "done", desc: "mark the suggested action done", defaults: &["x"] },
    Bindable { action: Action::Editor, name: "editor", desc: "long note in $EDITOR", defaults: &["E"] },
    Bindable { action: Action::Undo, name: "undo", desc: "undo this session's last entry", defaults: &["u"] },
    Bindable {
        action: Action::Reload,
        name: "reload",
        desc: "read the book again (others' changes)",
        defaults: &["R"],
    },
    Bindable { action: Action::Help, name: "help", desc: "this help", defaults: &["?", "f1"] },
    Bindable { action: Action::Suspend, name: "suspend", desc: "suspend to shell", defaults: &["ctrl-z"] },
    Bindable { action: Action::Quit, name: "quit", desc: "quit", defaults: &["q", "ctrl-c"] },
];

/// A key as the map stores it: code plus the modifiers that matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    ctrl: bool,
    alt: bool,
}

/// `KeyCode` is not `Ord`; this is the subset the map supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(u8),
}

const NAMED: [(&str, KeyCode); 13] = [
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("backspace", KeyCode::Backspace),
    ("tab", KeyCode::Tab),
    ("shift-tab", KeyCode::BackTab),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
];

impl Key {
    /// The key of a terminal event. Shift is folded into the character
    /// (`G`, `?`), so it is not part of the key.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMED.iter().position(|(_, k)| *k == other)? as u8),
        };
        Some(Key { code, ctrl, alt })
    }

    /// Parses `j`, `G`, `ctrl-d`, `alt-x`, `shift-tab`, `enter`, `f1`, `space`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let bad = || format!("'{s}' is not a key (examples: j, G, ctrl-d, alt-x, enter, esc, shift-tab, f1, space)");
        if s.chars().count() == 1 {
            let c = s.chars().next().ok_or_else(bad)?;
            return Ok(Key { code: KeyCodeOrd::Char(c), ctrl: false, alt: false });
        }
        let lower = s.to_ascii_lowercase();
        if let Some(i) = NAMED.iter().position(|(n, _)| *n == lower) {
            return Ok(Key { code: KeyCodeOrd::Named(i as u8), ctrl: false, alt: false });
        }
        if lower == "space" {
            return Ok(Key { code: KeyCodeOrd::Char(' '), ctrl: false, alt: false });
        }
        if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()).filter(|n| (1..=12).contains(n)) {
            return Ok(Key { code: KeyCodeOrd::F(n), ctrl: false, alt: false });
        }
        for (prefix, is_ctrl) in [("ctrl-", true), ("alt-", false)] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                let mut k = Key::parse(&s[prefix.len()..]).map_err(|_| bad())?;
                if rest.chars().count() == 1 && is_ctrl {
                    k.code = KeyCodeOrd::Char(rest.chars().next().ok_or_else(bad)?);
                }
                if is_ctrl {
                    k.ctrl = true;
                } else {
                    k.alt = true;
                }
                return Ok(k);
            }
        }
        Err(bad())
    }

    /// A terminal event for this key (for tests and scripted input).
    pub fn to_event(&self) -> KeyEvent {
        let code = match self.code {
            KeyCodeOrd::Char(c) => KeyCode::Char(c),
            KeyCodeOrd::F(n) => KeyCode::F(n),
            KeyCodeOrd::Named(i) => NAMED.get(usize::from(i)).map_or(KeyCode::Null, |(_, k)| *k),
        };
        let mut m = KeyModifiers::NONE;
        if self.ctrl {
            m |= KeyModifiers::CONTROL;
        }
        if self.alt {
            m |= KeyModifiers::ALT;
        }
        if matches!(code, KeyCode::BackTab) || matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
            m |= KeyModifiers::SHIFT;
        }
        KeyEvent::new(code, m)
    }

    /// The key as people read it (`ctrl-d`, `G`, `enter`).
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCodeOrd::Char(' ') => "space".to_string(),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::F(n) => format!("f{n}"),
            KeyCodeOrd::Named(i) => NAMED.get(usize::from(i)).map_or("?", |(n, _)| n).to_string(),
        };
        let base = match base.as_str() {
            "up" => "↑".to_string(),
            "down" => "↓".to_string(),
            "left" => "←".to_string(),
            "right" => "→".to_string(),
            _ => base,
        };
        format!("{}{}{base}", if self.ctrl { "ctrl-" } else { "" }, if self.alt { "alt-" } else { "" })
    }
}

/// The map in force: action → keys, and key → action.
#[derive(Clone, Debug)]
pub struct Keymap {
    by_action: Vec<(Action, Vec<Key>)>,
    by_key: BTreeMap<Key, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with_overrides(&BTreeMap::new())
            .unwrap_or_else(|_| Keymap { by_action: vec![], by_key: BTreeMap::new() })
    }
}

impl Keymap {
    /// The defaults with the config's `[keys]` section applied on top.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Keymap, String> {
        let mut by_action: Vec<(Action, Vec<Key>)> = Vec::with_capacity(BINDABLE.len());
        for b in BINDABLE {
            let keys = b.defaults.iter().map(|k| Key::parse(k)).collect::<Result<Vec<_>, _>>()?;
            by_action.push((b.action, keys));
        }
        for (name, keys) in overrides {
            let b = BINDABLE.iter().find(|b| b.name == name).ok_or_else(|| {
                let names: Vec<&str> = BINDABLE.iter().map(|b| b.name).collect();
                format!("[keys] {name}: no such action (actions: {})", names.join(", "))
            })?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("[keys] {name}: {e}"))?;
            // A key the user gives to one action is taken from the others.
            for (_, ks) in by_action.iter_mut() {
                ks.retain(|k| !parsed.contains(k));
            }
            if let Some(slot) = by_action.iter_mut().find(|(a, _)| *a == b.action) {
                slot.1 = parsed;
            }
        }
        let mut by_key = BTreeMap::new();
        for (a, ks) in &by_action {
            for k in ks {
                by_key.insert(*k, *a);
            }
        }
        Ok(Keymap { by_action, by_key })
    }

    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev)?;
        self.by_key.get(&key).copied()
    }

    pub fn keys_for(&self, action: Action) -> &[Key] {
        self.by_action.iter().find(|(a, _)| *a == action).map_or(&[], |(_, k)| k.as_slice())
    }

    /// The first key bound to `action`, as a label ("" when unbound).
    pub fn first_label(&self, action: Action) -> String {
        self.keys_for(action).first().map(Key::label).unwrap_or_default()
    }

    /// (keys, description) for every action, for the help overlay.
    pub fn help_lines(&self) -> Vec<(String, &'static str)> {
        BINDABLE
            .iter()
            .map(|b| {
                let keys: Vec<String> = self.keys_for(b.action).iter().map(Key::label).collect();
                (if keys.is_empty() { "(unbound)".to_string() } else { keys.join(" ") }, b.desc)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: m,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn defaults_map_vim_keys_arrows_and_control_keys() {
        let km = Keymap::default();
        assert_eq!(km.action_for(&ev(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Action::Down));
        assert_eq!(km.action_for(&ev(KeyCode::Down, KeyModifiers::NONE)), Some(Action::Down));
        assert_eq!(km.action_for(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
        assert_eq!(km.action_for(&ev(KeyCode::Char('d'), KeyModifiers::CONTROL)), Some(Action::HalfPageDown));
        assert_eq!(km.action_for(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Action::PrevPane));
        assert_eq!(km.action_for(&ev(KeyCode::Char('3'), KeyModifiers::NONE)), Some(Action::Jump(Tab::Invoices)));
        assert_eq!(km.action_for(&ev(KeyCode::Char('z'), KeyModifiers::CONTROL)), Some(Action::Suspend));
        assert_eq!(km.action_for(&ev(KeyCode::Char('Z'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn every_default_key_parses_and_no_key_is_bound_twice() {
        let mut seen = std::collections::HashSet::new();
        for b in BINDABLE {
            for k in b.defaults {
                let key = Key::parse(k).unwrap();
                assert!(seen.insert(key), "{k} bound twice");
            }
        }
    }

    #[test]
    fn overrides_replace_keys_steal_them_from_others_and_can_unbind() {
        let mut o = BTreeMap::new();
        o.insert("up".to_string(), vec!["j".to_string()]);
        o.insert("quit".to_string(), vec![]);
        let km = Keymap::with_overrides(&o).unwrap();
        assert_eq!(km.action_for(&ev(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Action::Up));
        assert_eq!(km.action_for(&ev(KeyCode::Char('k'), KeyModifiers::NONE)), None);
        assert_eq!(km.action_for(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(km.first_label(Action::Down), "↓");
        let help = km.help_lines();
        assert!(help.iter().any(|(k, d)| k == "(unbound)" && *d == "quit"));
    }

    #[test]
    fn bad_overrides_name_the_action_or_key() {
        let mut o = BTreeMap::new();
        o.insert("dwon".to_string(), vec!["j".to_string()]);
        let e = Keymap::with_overrides(&o).unwrap_err();
        assert!(e.contains("dwon") && e.contains("no such action"), "{e}");
        let mut o = BTreeMap::new();
        o.insert("down".to_string(), vec!["ctrl-".to_string()]);
        let e = Keymap::with_overrides(&o).unwrap_err();
        assert!(e.contains("[keys] down") && e.contains("'ctrl-'"), "{e}");
    }

    #[test]
    fn key_labels_round_trip() {
        for s in ["j", "G", "ctrl-d", "alt-x", "enter", "shift-tab", "f1", "space", "/", "?"] {
            let k = Key::parse(s).unwrap();
            let label = k.label();
            if !["↑", "↓", "←", "→"].contains(&label.as_str()) {
                assert_eq!(Key::parse(&label).unwrap(), k, "{s} -> {label}");
            }
        }
    }
}
