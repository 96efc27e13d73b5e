//! Message templates: the built-in defaults, the user's overrides (a file of
//! the same name in the config folder), and the check that refuses a
//! template naming a field that does not exist.
//!
//! A template is a text file whose first line is `Subject: ...`; the rest,
//! after one blank line, is the body. Both are minijinja with
//! `trim_blocks`/`lstrip_blocks` on (a line holding only a `{% ... %}` tag
//! leaves no blank line) and undefined names as errors.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior};

use super::fields::{Fields, FIELDS};
use crate::rules::{ActionKind, Level};

/// The built-in templates, by file name.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("courtesy-reminder.txt", include_str!("templates/courtesy-reminder.txt")),
    ("first-reminder.txt", include_str!("templates/first-reminder.txt")),
    ("second-reminder.txt", include_str!("templates/second-reminder.txt")),
    ("final-reminder.txt", include_str!("templates/final-reminder.txt")),
    ("letter-of-demand.txt", include_str!("templates/letter-of-demand.txt")),
    ("collection-agency.txt", include_str!("templates/collection-agency.txt")),
    ("statement.txt", include_str!("templates/statement.txt")),
];

pub const STATEMENT: &str = "statement.txt";

/// Where a template's text came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    File(PathBuf),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    pub source: String,
    pub origin: Origin,
}

impl Template {
    /// What error messages call it: the file's path, or `built-in NAME`.
    pub fn label(&self) -> String {
        match &self.origin {
            Origin::BuiltIn => format!("built-in {}", self.name),
            Origin::File(p) => p.display().to_string(),
        }
    }
}

/// A template that cannot be used: the file, the line when known, and what
/// is wrong (`unknown field 'client.nme'`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub file: String,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}: line {l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

/// A rendered message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// The template set: built-ins, overridden by files in `dir`.
#[derive(Clone, Debug, Default)]
pub struct Templates {
    pub dir: Option<PathBuf>,
}

/// The file name of the template for a ladder level: its name in lower
/// case with dashes (`First reminder` → `first-reminder.txt`).
pub fn level_file(name: &str) -> String {
    let mut s = String::new();
    for w in name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&w.to_lowercase());
    }
    format!("{s}.txt")
}

impl Templates {
    pub fn new(dir: Option<PathBuf>) -> Templates {
        Templates { dir }
    }

    fn file(&self, name: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(name)).filter(|p| p.is_file())
    }

    pub fn exists(&self, name: &str) -> bool {
        self.file(name).is_some() || BUILT_IN.iter().any(|(n, _)| *n == name)
    }

    /// The template named `name`: the user's file, else the built-in.
    pub fn get(&self, name: &str) -> Result<Template, String> {
        if let Some(p) = self.file(name) {
            let source = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            return Ok(Template { name: name.to_string(), source, origin: Origin::File(p) });
        }
        BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, s)| Template { name: n.to_string(), source: s.to_string(), origin: Origin::BuiltIn })
            .ok_or_else(|| format!("no template {name} (see `dun templates list`)"))
    }

    /// The template a ladder level uses: the one named for the level, else
    /// the first reminder (reminders) or the letter of demand (escalations).
    pub fn for_level(&self, level: &Level) -> String {
        let own = level_file(&level.name);
        if self.exists(&own) {
            return own;
        }
        match level.kind {
            ActionKind::Escalation => "letter-of-demand.txt".into(),
            _ => "first-reminder.txt".into(),
        }
    }

    /// Every template: the built-ins and any other `.txt` file in the
    /// folder named for a level of `levels`, with where each comes from.
    pub fn list(&self, levels: &[Level]) -> Vec<Template> {
        let mut names: BTreeSet<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
        for l in levels {
            if self.file(&level_file(&l.name)).is_some() {
                names.insert(level_file(&l.name));
            }
        }
        names.into_iter().filter_map(|n| self.get(&n).ok()).collect()
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    if let Ok(syntax) = SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build() {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

/// Names minijinja provides itself, not fields.
const GLOBALS: &[&str] = &["range", "dict", "namespace", "debug", "loop", "self"];

fn error(t: &Template, line: Option<usize>, field: Option<String>, message: String) -> TemplateError {
    TemplateError { file: t.label(), line, field, message }
}

fn from_minijinja(t: &Template, e: &minijinja::Error) -> TemplateError {
    let message = match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    };
    error(t, e.line(), None, message)
}

/// The first line mentioning `path`, for a field the parser found.
fn line_of(source: &str, path: &str) -> Option<usize> {
    let last = path.rsplit('.').next().unwrap_or(path);
    source
        .lines()
        .position(|l| l.contains(path))
        .or_else(|| source.lines().position(|l| l.contains(last)))
        .map(|i| i + 1)
}

/// Checks a template without data: it parses, its first line is the
/// subject, and every field it names exists. Loop variables' attributes
/// (`inv.nmuber`) are caught by [`check`], which also renders a sample.
pub fn check_names(t: &Template) -> Result<(), TemplateError> {
    if !t.source.starts_with("Subject:") {
        return Err(error(t, Some(1), None, "the first line must be `Subject: ...`".into()));
    }
    let env = environment();
    let tmpl = env.template_from_named_str(&t.name, &t.source).map_err(|e| from_minijinja(t, &e))?;
    let mut unknown: Vec<String> = tmpl
        .undeclared_variables(true)
        .into_iter()
        .filter(|v| !FIELDS.contains(&v.as_str()))
        .filter(|v| !GLOBALS.contains(&v.split('.').next().unwrap_or(v)))
        .collect();
    unknown.sort_by_key(|v| (line_of(&t.source, v), v.clone()));
    if let Some(v) = unknown.into_iter().next() {
        let line = line_of(&t.source, &v);
        return Err(error(t, line, Some(v.clone()), format!("unknown field '{v}' (see `dun templates fields`)")));
    }
    Ok(())
}

/// Renders `t` with `fields`. An undefined name is an error with its line.
pub fn render(t: &Template, fields: &Fields) -> Result<Rendered, TemplateError> {
    check_names(t)?;
    let env = environment();
    let tmpl = env.template_from_named_str(&t.name, &t.source).map_err(|e| from_minijinja(t, &e))?;
    let out = tmpl.render(minijinja::Value::from(minijinja::value::Serde(fields))).map_err(|e| {
        let mut err = from_minijinja(t, &e);
        if e.kind() == minijinja::ErrorKind::UndefinedError {
            // Name the field: the expression on the failing line.
            if let Some(r) = e.range() {
                let field = t.source.get(r).unwrap_or("").trim().to_string();
                if !field.is_empty() {
                    err.message = format!("unknown field '{field}'");
                    err.field = Some(field);
                }
            }
        }
        err
    })?;
    split(t, &out)
}

fn split(t: &Template, out: &str) -> Result<Rendered, TemplateError> {
    let (first, rest) = out.split_once('\n').unwrap_or((out, ""));
    let subject = first.strip_prefix("Subject:").map(str::trim).unwrap_or("");
    if subject.is_empty() {
        return Err(error(t, Some(1), None, "the subject renders empty".into()));
    }
    // Mail headers are one line; the body starts after the blank line.
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    let body = rest.strip_prefix('\n').unwrap_or(rest);
    let mut body = body.trim_end().to_string();
    body.push('\n');
    Ok(Rendered { subject, body })
}

/// The full check `dun templates check` and every send run: names, then a
/// render against a sample client with every field filled.
pub fn check(t: &Template) -> Result<(), TemplateError> {
    check_names(t)?;
    render(t, &super::sample::fields()).map(|_| ())
}

/// Checks the templates at `paths` (files given on the command line).
pub fn check_file(path: &Path) -> Result<(), String> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    check(&Template { name, source, origin: Origin::File(path.to_path_buf()) }).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(src: &str) -> Template {
        Template { name: "x.txt".into(), source: src.into(), origin: Origin::File("/cfg/x.txt".into()) }
    }

    #[test]
    fn every_built_in_passes_the_check() {
        for (name, _) in BUILT_IN {
            let tmpl = Templates::default().get(name).unwrap();
            check(&tmpl).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn unknown_fields_are_refused_with_file_line_and_field() {
        let e = check(&t("Subject: hi\n\nDear {{ contact }},\n{{ client.nme }}\n")).unwrap_err();
        assert_eq!(e.to_string(), "/cfg/x.txt: line 4: unknown field 'client.nme' (see `dun templates fields`)");
        assert_eq!(e.field.as_deref(), Some("client.nme"));
        let e = check(&t("Subject: hi\n\n{{ balance }}\n")).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("balance")));
        // A loop variable's attribute is caught by the sample render.
        let e = check(&t("Subject: hi\n\n{% for inv in invoices %}\n{{ inv.nmuber }}\n{% endfor %}\n")).unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.to_string().contains("inv.nmuber"), "{e}");
        let e = check(&t("Dear {{ contact }}\n")).unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = check(&t("Subject: x\n\n{% for %}\n")).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn level_names_become_file_names() {
        assert_eq!(level_file("First reminder"), "first-reminder.txt");
        assert_eq!(level_file("Letter of demand"), "letter-of-demand.txt");
        assert_eq!(level_file("  Très  urgent! "), "très-urgent.txt");
    }

    #[test]
    fn a_reminder_renders_subject_and_body() {
        let tmpl = Templates::default().get("first-reminder.txt").unwrap();
        let r = render(&tmpl, &super::super::sample::fields()).unwrap();
        assert!(r.subject.starts_with("Payment reminder: "), "{}", r.subject);
        assert!(r.body.starts_with("Dear "), "{}", r.body);
        assert!(!r.body.contains("\n\n\n"), "no runs of blank lines:\n{}", r.body);
    }
}
