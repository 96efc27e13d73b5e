//! The key map as data: every bindable action with its name, its section,
//! its default keys and a description. The help overlay and the footer
//! hints are generated from the map in force, so they cannot drift from
//! behaviour.
//!
//! Keys are per screen: a [`Section`] (list, client, aging, form) is looked
//! up before the global one, so `h` is "hold" on the lists and "column left"
//! on Aging, and `n` is "next match" while a filter is on and "note" when
//! not (the screen declines the first meaning, the global one applies).
//!
//! `config.toml` rebinds by action name: `[keys] down = ["j", "ctrl-n"]`
//! replaces the keys of `down` (and takes those keys away from any other
//! action of the same section); `down = []` unbinds it. A section may be
//! named: `[keys.aging] left = ["h", "left"]`.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a binding applies. Global bindings work everywhere a section does
/// not bind the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Global,
    /// Today, Clients, Invoices, Notes.
    List,
    /// The client and invoice views, and a list's detail pane.
    Client,
    Aging,
    /// An open logging form.
    Form,
    /// The message preview (`r`).
    Preview,
}

impl Section {
    pub const ALL: [Section; 6] =
        [Section::Global, Section::List, Section::Client, Section::Aging, Section::Form, Section::Preview];
    pub fn name(self) -> &'static str {
        match self {
            Section::Global => "global",
            Section::List => "list",
            Section::Client => "client",
            Section::Aging => "aging",
            Section::Form => "form",
            Section::Preview => "preview",
        }
    }
}

/// How help groups the actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Navigation,
    Logging,
    /// Belongs to the screen whose section binds it.
    Screen,
}

/// One bindable action.
#[derive(Clone, Copy)]
pub struct Bindable {
    pub action: Action,
    pub name: &'static str,
    pub desc: &'static str,
    pub section: Section,
    pub group: Group,
    pub defaults: &'static [&'static str],
}

const fn nav(action: Action, name: &'static str, desc: &'static str, defaults: &'static [&'static str]) -> Bindable {
    Bindable { action, name, desc, section: Section::Global, group: Group::Navigation, defaults }
}

const fn log(action: Action, name: &'static str, desc: &'static str, defaults: &'static [&'static str]) -> Bindable {
    Bindable { action, name, desc, section: Section::Global, group: Group::Logging, defaults }
}

const fn own(
    section: Section,
    action: Action,
    name: &'static str,
    desc: &'static str,
    defaults: &'static [&'static str],
) -> Bindable {
    Bindable { action, name, desc, section, group: Group::Screen, defaults }
}

/// The defaults. Order is the order of the help overlay. The screens' jump
/// keys come from their registration (`screens::TABS`).
pub const BINDABLE: &[Bindable] = &[
    nav(Action::Down, "down", "move down", &["down", "j"]),
    nav(Action::Up, "up", "move up", &["up", "k"]),
    nav(Action::Top, "top", "go to the first row", &["g", "home"]),
    nav(Action::Bottom, "bottom", "go to the last row", &["G", "end"]),
    nav(Action::HalfPageDown, "half_page_down", "half a page down", &["ctrl-d"]),
    nav(Action::HalfPageUp, "half_page_up", "half a page up", &["ctrl-u"]),
    nav(Action::PageDown, "page_down", "a page down", &["pagedown", "ctrl-f"]),
    nav(Action::PageUp, "page_up", "a page up", &["pageup", "ctrl-b"]),
    nav(Action::Enter, "enter", "open / drill in", &["enter"]),
    nav(Action::Back, "back", "back / clear filter", &["esc", "backspace"]),
    nav(Action::NextPane, "next_pane", "list ⇄ detail pane", &["tab"]),
    nav(Action::PrevPane, "prev_pane", "detail ⇄ list pane", &["shift-tab"]),
    nav(Action::NextTab, "next_tab", "next screen", &["]"]),
    nav(Action::PrevTab, "prev_tab", "previous screen", &["["]),
    nav(Action::Filter, "filter", "filter as you type", &["/"]),
    nav(Action::CopyEmail, "copy_email", "copy client email", &["y"]),
    nav(Action::CopyPhone, "copy_phone", "copy client phone", &["Y"]),
    nav(Action::Reload, "reload", "read the book again (others' changes)", &["R"]),
    nav(Action::Help, "help", "this help", &["?", "f1"]),
    nav(Action::Suspend, "suspend", "suspend to shell", &["ctrl-z"]),
    nav(Action::Quit, "quit", "quit", &["q", "ctrl-c"]),
    log(Action::LogCall, "log_call", "log a call (outcome, note, promise)", &["c"]),
    log(Action::LogEmail, "log_email", "log an email sent", &["e"]),
    log(Action::LogLetter, "log_letter", "log a letter sent", &["l"]),
    log(Action::LogNote, "log_note", "a free note (kind by one key)", &["n"]),
    log(Action::Promise, "promise", "promise to pay", &["p"]),
    log(Action::Dispute, "dispute", "dispute the selected invoice", &["d"]),
    log(Action::Resolve, "resolve", "resolve the invoice's dispute", &["D"]),
    log(Action::Snooze, "snooze", "snooze the client until a date", &["s"]),
    log(Action::Hold, "hold", "put on hold / release", &["h"]),
    log(Action::Payment, "payment", "record a payment", &["$"]),
    log(Action::ApplyCredit, "apply_credit", "apply credit on account to open invoices", &["C"]),
    log(Action::Done, "done", "mark the suggested action done", &["x"]),
    log(Action::Editor, "editor", "long note in $EDITOR", &["E"]),
    log(Action::Undo, "undo", "undo this session's last entry", &["u"]),
    log(Action::Redo, "redo", "redo what undo took back", &["U", "ctrl-r"]),
    log(
        Action::Assign,
        "assign",
        "assign the selected account (admins: to anyone; collectors: take an unowned one)",
        &["A"],
    ),
    log(Action::Remind, "remind", "the reminder or letter the step calls for: preview, edit, send", &["r"]),
    own(Section::List, Action::NextMatch, "next_match", "next match (while filtering)", &["n"]),
    own(Section::List, Action::PrevMatch, "prev_match", "previous match (while filtering)", &["N"]),
    own(Section::List, Action::Sort, "sort", "sort by next column", &["o"]),
    own(Section::List, Action::ReverseSort, "reverse_sort", "reverse the sort", &["O"]),
    own(Section::List, Action::CycleStatus, "status_filter", "status filter", &["f"]),
    own(Section::List, Action::ToggleScope, "scope", "client / whole book", &["a"]),
    own(Section::List, Action::Mine, "mine", "my accounts / everyone's", &["m"]),
    own(Section::List, Action::Mark, "mark", "mark / unmark to send reminders together", &["space"]),
    own(Section::Aging, Action::Left, "left", "bucket column left", &["h", "left"]),
    own(Section::Aging, Action::Right, "right", "bucket column right", &["l", "right"]),
    own(Section::Form, Action::FormSave, "save", "save the form", &["enter"]),
    own(Section::Form, Action::FormCancel, "cancel", "cancel, write nothing", &["esc"]),
    own(Section::Form, Action::FormNext, "next_field", "next field", &["tab", "down"]),
    own(Section::Form, Action::FormPrev, "prev_field", "previous field", &["shift-tab", "up"]),
    own(Section::Form, Action::FormEditor, "field_editor", "the field in $EDITOR", &["ctrl-x"]),
    own(Section::Preview, Action::PreviewSend, "send", "send it (asks first); the batch when several", &["s"]),
    own(Section::Preview, Action::PreviewEdit, "edit", "edit the message in $EDITOR", &["e"]),
    own(Section::Preview, Action::PreviewSave, "save_file", "save as a file (.eml, .txt; PDF for a letter)", &["w"]),
    own(Section::Preview, Action::PreviewClose, "close", "close the preview, send nothing", &["esc", "q"]),
];

/// Every bindable action: the fixed ones and the screens' jump keys.
pub fn bindables() -> impl Iterator<Item = Bindable> {
    BINDABLE.iter().copied().chain(super::screens::TABS.iter().map(|t| Bindable {
        action: Action::Jump(t.tab),
        name: t.name,
        desc: t.desc,
        section: Section::Global,
        group: Group::Navigation,
        defaults: t.keys,
    }))
}

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

/// The map in force: per section, action → keys and key → action.
#[derive(Clone, Debug)]
pub struct Keymap {
    by_action: Vec<(Action, Section, Vec<Key>)>,
    by_key: BTreeMap<(Section, Key), Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with_overrides(&BTreeMap::new())
            .unwrap_or_else(|_| Keymap { by_action: vec![], by_key: BTreeMap::new() })
    }
}

/// The `[keys]` table of the config: `name = [keys]` at the top, or a
/// section's table of them (`[keys.aging]`).
pub type Overrides = BTreeMap<String, crate::config::KeyBinding>;

impl Keymap {
    /// The defaults with the config's `[keys]` section applied on top.
    pub fn with_overrides(overrides: &Overrides) -> Result<Keymap, String> {
        let all: Vec<Bindable> = bindables().collect();
        let mut by_action: Vec<(Action, Section, Vec<Key>)> = Vec::with_capacity(all.len());
        for b in &all {
            let keys = b.defaults.iter().map(|k| Key::parse(k)).collect::<Result<Vec<_>, _>>()?;
            by_action.push((b.action, b.section, keys));
        }
        let mut flat: Vec<(Option<Section>, &str, &[String])> = Vec::new();
        for (name, v) in overrides {
            match v {
                crate::config::KeyBinding::Keys(keys) => flat.push((None, name, keys)),
                crate::config::KeyBinding::Section(map) => {
                    let section = Section::ALL.iter().copied().find(|s| s.name() == name).ok_or_else(|| {
                        let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
                        format!("[keys.{name}]: no such section (sections: {})", names.join(", "))
                    })?;
                    for (n, keys) in map {
                        flat.push((Some(section), n, keys));
                    }
                }
            }
        }
        for (section, name, keys) in flat {
            let where_ = section.map_or("[keys]".to_string(), |s| format!("[keys.{}]", s.name()));
            let b = all.iter().find(|b| b.name == name && section.is_none_or(|s| s == b.section)).ok_or_else(|| {
                let names: Vec<&str> =
                    all.iter().filter(|b| section.is_none_or(|s| s == b.section)).map(|b| b.name).collect();
                format!("{where_} {name}: no such action (actions: {})", names.join(", "))
            })?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{where_} {name}: {e}"))?;
            // A key the user gives to one action is taken from the others
            // of its section.
            for (_, s, ks) in by_action.iter_mut() {
                if *s == b.section {
                    ks.retain(|k| !parsed.contains(k));
                }
            }
            if let Some(slot) = by_action.iter_mut().find(|(a, _, _)| *a == b.action) {
                slot.2 = parsed;
            }
        }
        let mut by_key = BTreeMap::new();
        for (a, s, ks) in &by_action {
            for k in ks {
                by_key.insert((*s, *k), *a);
            }
        }
        Ok(Keymap { by_action, by_key })
    }

    /// What a key means in `section`: the section's own action first, then
    /// the global one. The caller tries them in order.
    pub fn actions_for(&self, section: Section, ev: &KeyEvent) -> [Option<Action>; 2] {
        let Some(key) = Key::from_event(ev) else { return [None, None] };
        let own = if section == Section::Global { None } else { self.by_key.get(&(section, key)).copied() };
        [own, self.by_key.get(&(Section::Global, key)).copied()]
    }

    /// The global meaning of a key (what works on every screen).
    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev)?;
        self.by_key.get(&(Section::Global, key)).copied()
    }

    /// The form section's meaning of a key.
    pub fn form_action(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev)?;
        self.by_key.get(&(Section::Form, key)).copied()
    }

    pub fn keys_for(&self, action: Action) -> &[Key] {
        self.by_action.iter().find(|(a, _, _)| *a == action).map_or(&[], |(_, _, k)| k.as_slice())
    }

    /// The keys that reach `action` on a screen of `section`: a global key
    /// is left out where the section gives it another meaning.
    pub fn keys_in(&self, section: Section, action: Action) -> Vec<Key> {
        let Some((_, s, keys)) = self.by_action.iter().find(|(a, _, _)| *a == action) else { return vec![] };
        // `n`/`N` mean "next match" only while a filter is on; otherwise the
        // global meaning of the key applies, so they do not hide it.
        let shadows = |k: &Key| {
            self.by_key.get(&(section, *k)).is_some_and(|a| !matches!(a, Action::NextMatch | Action::PrevMatch))
        };
        keys.iter().copied().filter(|k| *s != Section::Global || section == Section::Global || !shadows(k)).collect()
    }

    /// The first key bound to `action`, as a label ("" when unbound).
    pub fn first_label(&self, action: Action) -> String {
        self.keys_for(action).first().map(Key::label).unwrap_or_default()
    }

    /// The first key that reaches `action` in `section` ("" when none).
    pub fn label_in(&self, section: Section, action: Action) -> String {
        self.keys_in(section, action).first().map(Key::label).unwrap_or_default()
    }

    /// (keys, description) for every action, for the help overlay.
    pub fn help_lines(&self) -> Vec<(String, &'static str)> {
        bindables()
            .map(|b| {
                let keys: Vec<String> = self.keys_for(b.action).iter().map(Key::label).collect();
                (if keys.is_empty() { "(unbound)".to_string() } else { keys.join(" ") }, b.desc)
            })
            .collect()
    }

    /// (keys, description) of one help group as they work in `section`.
    pub fn group_lines(&self, section: Section, pick: impl Fn(&Bindable) -> bool) -> Vec<(String, &'static str)> {
        bindables()
            .filter(|b| pick(b))
            .map(|b| {
                let keys: Vec<String> = self.keys_in(section, b.action).iter().map(Key::label).collect();
                (if keys.is_empty() { "(unbound here)".to_string() } else { keys.join(" ") }, b.desc)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KeyBinding;
    use crate::tui::action::Tab;
    use ratatui::crossterm::event::KeyEventKind;

    fn keys(ks: &[&str]) -> KeyBinding {
        KeyBinding::Keys(ks.iter().map(|k| k.to_string()).collect())
    }

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
    fn every_default_key_parses_and_no_key_is_bound_twice_in_a_section() {
        let mut seen = std::collections::HashSet::new();
        for b in bindables() {
            for k in b.defaults {
                let key = Key::parse(k).unwrap();
                assert!(seen.insert((b.section, key)), "{k} bound twice in {}", b.section.name());
            }
        }
    }

    #[test]
    fn a_section_key_comes_before_the_global_one() {
        let km = Keymap::default();
        let h = ev(KeyCode::Char('h'), KeyModifiers::NONE);
        assert_eq!(km.actions_for(Section::Aging, &h), [Some(Action::Left), Some(Action::Hold)]);
        assert_eq!(km.actions_for(Section::List, &h), [None, Some(Action::Hold)]);
        let n = ev(KeyCode::Char('n'), KeyModifiers::NONE);
        assert_eq!(km.actions_for(Section::List, &n), [Some(Action::NextMatch), Some(Action::LogNote)]);
        // Help on Aging does not offer h for hold: it moves the column there.
        assert!(km.keys_in(Section::Aging, Action::Hold).is_empty());
        assert_eq!(km.label_in(Section::List, Action::Hold), "h");
    }

    #[test]
    fn a_named_section_rebinds_only_there() {
        let mut o = Overrides::new();
        let mut aging = BTreeMap::new();
        aging.insert("left".to_string(), vec!["b".to_string()]);
        o.insert("aging".to_string(), KeyBinding::Section(aging));
        let km = Keymap::with_overrides(&o).unwrap();
        let b = ev(KeyCode::Char('b'), KeyModifiers::NONE);
        assert_eq!(km.actions_for(Section::Aging, &b)[0], Some(Action::Left));
        let h = ev(KeyCode::Char('h'), KeyModifiers::NONE);
        assert_eq!(km.actions_for(Section::Aging, &h), [None, Some(Action::Hold)]);
        let mut o = Overrides::new();
        o.insert("nowhere".to_string(), KeyBinding::Section(BTreeMap::new()));
        assert!(Keymap::with_overrides(&o).unwrap_err().contains("[keys.nowhere]: no such section"));
        let mut o = Overrides::new();
        let mut list = BTreeMap::new();
        list.insert("left".to_string(), vec!["b".to_string()]);
        o.insert("list".to_string(), KeyBinding::Section(list));
        assert!(Keymap::with_overrides(&o).unwrap_err().contains("[keys.list] left: no such action"));
    }

    #[test]
    fn overrides_replace_keys_steal_them_from_others_and_can_unbind() {
        let mut o = Overrides::new();
        o.insert("up".to_string(), keys(&["j"]));
        o.insert("quit".to_string(), keys(&[]));
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
        let mut o = Overrides::new();
        o.insert("dwon".to_string(), keys(&["j"]));
        let e = Keymap::with_overrides(&o).unwrap_err();
        assert!(e.contains("dwon") && e.contains("no such action"), "{e}");
        let mut o = Overrides::new();
        o.insert("down".to_string(), keys(&["ctrl-"]));
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
