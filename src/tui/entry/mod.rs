//! Keyboard-only entry forms for logging follow-ups: small, inline, Tab
//! between fields, Enter saves, Esc cancels with nothing written.
//!
//! A form turns keys into a [`Command`]: what the user asked for, checked
//! field by field here (so the form can point at the field) and against
//! the book by the ledger that applies it (`logging.rs`). The form never
//! touches the store, so it is testable key by key.

mod render;

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal::Decimal;

pub use render::FormStyles;

use super::input::{Outcome, TextInput};

use crate::command::{Command, NoteInput, PaymentInput, PromiseInput};
use crate::domain::dates::parse_relative;
use crate::domain::money::{parse_amount, plain_amount};
use crate::domain::{CallOutcome, Currency, Money, NoteKind, PaymentMethod};
use crate::drafts::Draft;

/// What the form is for. Each has its own key in the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKind {
    /// `c`: a call, its outcome, an optional promise.
    Call,
    /// `e`: an email sent.
    Email,
    /// `l`: a letter sent.
    Letter,
    /// `n`: a free note; its kind picked with one key.
    Note,
    /// `p`: a promise to pay.
    Promise,
    /// `d`: dispute the selected invoice.
    Dispute,
    /// `s`: snooze the client until a date.
    Snooze,
    /// `h`: put the client on hold.
    Hold,
    /// `$`: record a payment.
    Payment,
    /// `C`: apply credit on account to the open invoices.
    ApplyCredit,
    /// `x`: mark the suggested action done, with an optional note.
    Done,
}

impl FormKind {
    pub fn title(self) -> &'static str {
        match self {
            FormKind::Call => "Log a call",
            FormKind::Email => "Email sent",
            FormKind::Letter => "Letter sent",
            FormKind::Note => "Note",
            FormKind::Promise => "Promise to pay",
            FormKind::Dispute => "Dispute invoice",
            FormKind::Snooze => "Snooze client",
            FormKind::Hold => "Put on hold",
            FormKind::Payment => "Record payment",
            FormKind::ApplyCredit => "Apply credit on account to open invoices",
            FormKind::Done => "Mark action done",
        }
    }
    fn id(self) -> &'static str {
        match self {
            FormKind::Call => "call",
            FormKind::Email => "email",
            FormKind::Letter => "letter",
            FormKind::Note => "note",
            FormKind::Promise => "promise",
            FormKind::Dispute => "dispute",
            FormKind::Snooze => "snooze",
            FormKind::Hold => "hold",
            FormKind::Payment => "payment",
            FormKind::ApplyCredit => "apply_credit",
            FormKind::Done => "done",
        }
    }
    fn from_id(s: &str) -> Option<FormKind> {
        [
            FormKind::Call,
            FormKind::Email,
            FormKind::Letter,
            FormKind::Note,
            FormKind::Promise,
            FormKind::Dispute,
            FormKind::Snooze,
            FormKind::Hold,
            FormKind::Payment,
            FormKind::ApplyCredit,
            FormKind::Done,
        ]
        .into_iter()
        .find(|k| k.id() == s)
    }
}

/// What the form knows about where it was opened.
#[derive(Clone, Debug, PartialEq)]
pub struct FormContext {
    pub client_id: String,
    pub client_name: String,
    /// The selected invoice, if the form was opened on one.
    pub invoice: Option<String>,
    /// That invoice's open balance.
    pub invoice_balance: Option<Money>,
    /// The client's overdue total (the default promise amount).
    pub overdue: Option<Money>,
    /// The invoices the client's current action covers (a promise's default scope).
    pub action_invoices: Vec<String>,
    /// The client's billing currency.
    pub currency: Currency,
    pub today: NaiveDate,
}

/// A choice option: the key that picks it and its label.
pub type Choice = (char, &'static str);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Input {
    Text(TextInput),
    /// One key picks an option: (key, label).
    Choice {
        options: Vec<(char, &'static str)>,
        picked: Option<usize>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// Shown under the form while the field has focus.
    pub hint: &'static str,
    input: Input,
}

impl Field {
    fn text(name: &'static str, label: &'static str, hint: &'static str, value: &str) -> Field {
        Field { name, label, hint, input: Input::Text(TextInput::new(value)) }
    }
    fn choice(
        name: &'static str,
        label: &'static str,
        options: Vec<(char, &'static str)>,
        picked: Option<usize>,
    ) -> Field {
        Field { name, label, hint: "press the highlighted letter", input: Input::Choice { options, picked } }
    }
    /// The field's text, or the picked option's label.
    pub fn value(&self) -> String {
        match &self.input {
            Input::Text(t) => t.value().to_string(),
            Input::Choice { options, picked } => picked.map(|i| options[i].1.to_string()).unwrap_or_default(),
        }
    }
    pub fn text_field(&self) -> Option<&TextInput> {
        match &self.input {
            Input::Text(t) => Some(t),
            Input::Choice { .. } => None,
        }
    }
    pub fn options(&self) -> Option<(&[Choice], Option<usize>)> {
        match &self.input {
            Input::Text(_) => None,
            Input::Choice { options, picked } => Some((options, *picked)),
        }
    }
}

/// What a key did to the form.
#[derive(Clone, Debug, PartialEq)]
// One per key press, moved straight to the caller: boxing the command
// would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum FormResult {
    Continue,
    Cancel,
    Submit(Command),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub kind: FormKind,
    pub ctx: FormContext,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// One line saying why the last Enter was refused, or why a save failed.
    pub error: Option<String>,
}

const OUTCOMES: [(char, &str); 4] = [('r', "reached"), ('v', "voicemail"), ('n', "no answer"), ('w', "wrong number")];
const NOTE_KINDS: [(char, &str); 6] =
    [('c', "call"), ('e', "email"), ('l', "letter"), ('s', "sms"), ('m', "meeting"), ('i', "internal")];
const METHODS: [(char, &str); 6] =
    [('b', "bank transfer"), ('c', "card"), ('a', "ACH"), ('q', "cheque"), ('h', "cash"), ('o', "other")];

const DATE_HINT: &str = "YYYY-MM-DD, +7, fri, eom";
const AMOUNT_HINT: &str = "1234.50 or 1,234.50";

impl Form {
    /// A new form of `kind` opened in `ctx`. Returns None when the form makes
    /// no sense there (dispute with no invoice selected).
    pub fn open(kind: FormKind, ctx: FormContext) -> Option<Form> {
        let overdue = ctx.overdue.map(|m| plain_amount(m.amount)).unwrap_or_default();
        let fields = match kind {
            FormKind::Call => vec![
                Field::choice("outcome", "Outcome", OUTCOMES.to_vec(), None),
                Field::text("text", "Note", "what was said", ""),
                Field::text("promise_date", "Promise date", "optional: YYYY-MM-DD, +7, fri, eom", ""),
                Field::text("promise_amount", "Promise amount", "default: the overdue total", &overdue),
                Field::text("next", "Follow up", "optional: YYYY-MM-DD, +7, fri, eom", ""),
            ],
            FormKind::Email | FormKind::Letter => vec![
                Field::text("text", "Note", "what was sent", ""),
                Field::text("next", "Follow up", "optional: YYYY-MM-DD, +7, fri, eom", ""),
            ],
            FormKind::Note => vec![
                Field::choice("kind", "Kind", NOTE_KINDS.to_vec(), Some(5)),
                Field::text("text", "Note", "", ""),
                Field::text("next", "Follow up", "optional: YYYY-MM-DD, +7, fri, eom", ""),
            ],
            FormKind::Promise => vec![
                Field::text("promise_date", "Date", DATE_HINT, ""),
                Field::text("promise_amount", "Amount", AMOUNT_HINT, &overdue),
                Field::choice(
                    "scope",
                    "Covers",
                    vec![('a', "the overdue invoices"), ('i', "the selected invoice")],
                    Some(0),
                ),
                Field::text("text", "Note", "optional", ""),
            ],
            FormKind::Dispute => {
                ctx.invoice.as_ref()?;
                vec![Field::text("text", "Reason", "why the client disputes it", "")]
            }
            FormKind::Snooze => {
                vec![Field::text("until", "Until", DATE_HINT, ""), Field::text("text", "Note", "optional", "")]
            }
            FormKind::Hold => vec![Field::text("text", "Reason", "why chasing stops", "")],
            FormKind::Payment => {
                let amount = ctx.invoice_balance.or(ctx.overdue).map(|m| plain_amount(m.amount)).unwrap_or_default();
                vec![
                    Field::text("amount", "Amount", AMOUNT_HINT, &amount),
                    Field::text("date", "Date", DATE_HINT, &ctx.today.to_string()),
                    Field::choice("method", "Method", METHODS.to_vec(), Some(0)),
                    Field::text("reference", "Reference", "optional", ""),
                ]
            }
            FormKind::ApplyCredit => {
                vec![Field::text("amount", "Amount", "blank: all the credit, oldest invoice first", "")]
            }
            FormKind::Done => vec![Field::text("text", "Note", "optional", "")],
        };
        Some(Form { kind, ctx, fields, focus: 0, error: None })
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn value(&self, name: &str) -> String {
        self.field(name).map(|f| f.value().trim().to_string()).unwrap_or_default()
    }

    fn focus_on(&mut self, name: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.name == name) {
            self.focus = i;
        }
    }

    /// Text pasted while the form is open goes to the focused text field.
    pub fn paste(&mut self, s: &str) {
        if let Some(Input::Text(t)) = self.fields.get_mut(self.focus).map(|f| &mut f.input) {
            t.paste(s);
            self.error = None;
        }
    }

    /// Replaces the focused text field's contents (after `$EDITOR`).
    pub fn set_focused_text(&mut self, s: &str) {
        if let Some(Input::Text(t)) = self.fields.get_mut(self.focus).map(|f| &mut f.input) {
            // One line per field: an editor's line breaks become spaces.
            let one_line: String = s.trim_end().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            *t = TextInput::new(&one_line);
        }
    }

    /// The focused field's text, for handing to `$EDITOR`.
    pub fn focused_text(&self) -> Option<String> {
        self.fields.get(self.focus).and_then(|f| f.text_field()).map(|t| t.value().to_string())
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> FormResult {
        let n = self.fields.len();
        match key.code {
            KeyCode::Esc => return FormResult::Cancel,
            KeyCode::Enter => {
                return match self.validate() {
                    Ok(intent) => FormResult::Submit(intent),
                    Err((field, msg)) => {
                        self.focus_on(field);
                        self.error = Some(msg);
                        FormResult::Continue
                    }
                }
            }
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % n;
                return FormResult::Continue;
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + n - 1) % n;
                return FormResult::Continue;
            }
            _ => {}
        }
        let focus = self.focus;
        match &mut self.fields[focus].input {
            Input::Text(t) => match t.event(key) {
                Outcome::Changed => self.error = None,
                Outcome::Cancel => return FormResult::Cancel,
                Outcome::Moved | Outcome::Ignored | Outcome::Submit => {}
            },
            Input::Choice { options, picked } => {
                if let KeyCode::Char(c) = key.code {
                    if key.modifiers.difference(KeyModifiers::SHIFT).is_empty() {
                        let c = c.to_ascii_lowercase();
                        if let Some(i) = options.iter().position(|(k, _)| *k == c) {
                            *picked = Some(i);
                            self.error = None;
                            // One key picks and moves on: fewer keystrokes.
                            self.focus = (self.focus + 1).min(n - 1);
                        } else {
                            let keys: Vec<String> = options.iter().map(|(k, l)| format!("{k} {l}")).collect();
                            self.error = Some(format!("press one of: {}", keys.join(", ")));
                        }
                    }
                }
            }
        }
        FormResult::Continue
    }

    fn date(&self, name: &'static str, required: bool) -> Result<Option<NaiveDate>, (&'static str, String)> {
        let v = self.value(name);
        if v.is_empty() {
            return if required {
                Err((name, format!("{} is needed ({DATE_HINT})", self.label(name))))
            } else {
                Ok(None)
            };
        }
        parse_relative(&v, self.ctx.today).map(Some).map_err(|e| (name, e))
    }

    fn amount(&self, name: &'static str) -> Result<Decimal, (&'static str, String)> {
        let v = self.value(name);
        if v.is_empty() {
            return Err((name, format!("{} is needed ({AMOUNT_HINT})", self.label(name))));
        }
        let a = parse_amount(&v).map_err(|e| (name, e.to_string()))?;
        if a <= Decimal::ZERO {
            return Err((name, "the amount must be more than zero".into()));
        }
        Ok(a)
    }

    fn label(&self, name: &str) -> &'static str {
        self.field(name).map(|f| f.label).unwrap_or("a value")
    }

    fn picked(&self, name: &str) -> Option<usize> {
        self.field(name).and_then(|f| f.options()).and_then(|(_, p)| p)
    }

    /// Checks every field; on failure names the field and says why.
    pub fn validate(&self) -> Result<Command, (&'static str, String)> {
        let c = &self.ctx;
        let text = self.value("text");
        let client_id = c.client_id.clone();
        Ok(match self.kind {
            FormKind::Call | FormKind::Email | FormKind::Letter | FormKind::Note => {
                let kind = match self.kind {
                    FormKind::Call => NoteKind::Call,
                    FormKind::Email => NoteKind::Email,
                    FormKind::Letter => NoteKind::Letter,
                    _ => NoteKind::ALL[self.picked("kind").unwrap_or(5)],
                };
                let outcome = if self.kind == FormKind::Call {
                    match self.picked("outcome") {
                        Some(i) => Some(CallOutcome::ALL[i]),
                        None => {
                            return Err((
                                "outcome",
                                "pick the outcome: r reached, v voicemail, n no answer, w wrong number".into(),
                            ))
                        }
                    }
                } else {
                    None
                };
                let promise = match self.date("promise_date", false)? {
                    Some(date) => Some(self.promise(date, false)?),
                    None => None,
                };
                if text.is_empty() && promise.is_none() && self.kind != FormKind::Call {
                    return Err(("text", "write a note (or Esc to cancel)".into()));
                }
                let next_follow_up = self.date("next", false)?;
                Command::Log { client: client_id, note: NoteInput { kind, outcome, text, promise, next_follow_up } }
            }
            FormKind::Promise => {
                let date = self.date("promise_date", true)?.unwrap_or(c.today);
                let whole_or_selected = self.picked("scope") == Some(1);
                let promise = self.promise(date, whole_or_selected)?;
                Command::Log {
                    client: client_id,
                    note: NoteInput {
                        kind: NoteKind::Call,
                        outcome: Some(CallOutcome::Reached),
                        text,
                        promise: Some(promise),
                        next_follow_up: None,
                    },
                }
            }
            FormKind::Dispute => {
                if text.is_empty() {
                    return Err(("text", "give the reason for the dispute".into()));
                }
                Command::Dispute { invoice: c.invoice.clone().unwrap_or_default(), reason: text }
            }
            FormKind::Snooze => {
                let until = self.date("until", true)?.unwrap_or(c.today);
                if until <= c.today {
                    return Err(("until", "snooze until a day after today".into()));
                }
                Command::Snooze { client: client_id, until, remark: text }
            }
            FormKind::Hold => {
                if text.is_empty() {
                    return Err(("text", "give the reason for the hold".into()));
                }
                Command::Hold { client: client_id, reason: text }
            }
            FormKind::ApplyCredit => {
                let amount = if self.value("amount").is_empty() { None } else { Some(self.amount("amount")?) };
                Command::ApplyCredit { client: client_id, invoice: None, amount }
            }
            FormKind::Payment => {
                let amount = self.amount("amount")?;
                let date = self.date("date", true)?.unwrap_or(c.today);
                if date > c.today {
                    return Err(("date", "a payment cannot be dated in the future".into()));
                }
                Command::Pay {
                    client: Some(client_id),
                    payment: PaymentInput {
                        amount,
                        date,
                        method: METHODS[self.picked("method").unwrap_or(0)].1.parse().unwrap_or(PaymentMethod::Other),
                        reference: self.value("reference"),
                        invoice: c.invoice.clone(),
                    },
                }
            }
            // The kind of contact is the one the action asks for (the ledger
            // knows the action); the text may be empty.
            FormKind::Done => Command::MarkDone {
                client: client_id,
                kind: None,
                note: NoteInput::new(NoteKind::Internal, text),
                only: Vec::new(),
            },
        })
    }

    fn promise(&self, date: NaiveDate, only_selected: bool) -> Result<PromiseInput, (&'static str, String)> {
        if date < self.ctx.today {
            return Err(("promise_date", "a promise date cannot be in the past".into()));
        }
        let mut amount = self.amount("promise_amount")?;
        // Untouched, the amount is the overdue total; for a promise limited to
        // the selected invoice, that invoice's balance is what was meant.
        let untouched = self.ctx.overdue.is_some_and(|m| self.value("promise_amount") == plain_amount(m.amount));
        if only_selected && untouched {
            if let Some(b) = self.ctx.invoice_balance {
                amount = b.amount;
            }
        }
        let invoices = match (&self.ctx.invoice, only_selected) {
            (Some(i), true) => vec![i.clone()],
            (None, true) => return Err(("scope", "no invoice is selected; choose a: the overdue invoices".into())),
            _ => self.ctx.action_invoices.clone(),
        };
        Ok(PromiseInput { date, amount: Some(amount), invoices })
    }

    /// The form as a recovery draft (see `drafts`).
    pub fn to_draft(&self, saved_at: String) -> Draft {
        Draft {
            form: self.kind.id().to_string(),
            client_id: self.ctx.client_id.clone(),
            invoice: self.ctx.invoice.clone(),
            fields: self.fields.iter().map(|f| (f.name.to_string(), f.value())).collect(),
            saved_at,
        }
    }

    /// Reopens a form from a draft, in `ctx` (rebuilt for the draft's client).
    pub fn from_draft(d: &Draft, ctx: FormContext) -> Option<Form> {
        let mut form = Form::open(FormKind::from_id(&d.form)?, ctx)?;
        for (name, value) in &d.fields {
            if let Some(f) = form.fields.iter_mut().find(|f| f.name == name) {
                match &mut f.input {
                    Input::Text(t) => *t = TextInput::new(value),
                    Input::Choice { options, picked } => *picked = options.iter().position(|(_, l)| l == value),
                }
            }
        }
        Some(form)
    }
}

#[cfg(test)]
mod tests;
