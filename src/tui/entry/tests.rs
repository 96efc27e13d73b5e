use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn ctx() -> FormContext {
    FormContext {
        client_id: "C1".into(),
        client_name: "Acme".into(),
        invoice: Some("INV-1".into()),
        invoice_balance: Some(Money::new(Decimal::new(25000, 2), Currency::USD)),
        overdue: Some(Money::new(Decimal::new(120050, 2), Currency::USD)),
        action_invoices: vec!["INV-1".into(), "INV-2".into()],
        currency: Currency::USD,
        today: d("2026-11-25"), // a Wednesday
    }
}

fn keys(form: &mut Form, s: &str) -> FormResult {
    let mut last = FormResult::Continue;
    for c in s.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        last = form.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
    }
    last
}

#[test]
fn a_call_with_a_promise_next_friday_in_few_keystrokes() {
    let mut f = Form::open(FormKind::Call, ctx()).unwrap();
    // r (reached, moves on), note, Tab, "fri", Enter: the amount defaults.
    let r = keys(&mut f, "rwill pay\tfri\n");
    let FormResult::Submit(Command::Log { note, .. }) = r else { panic!("{r:?}") };
    assert_eq!(note.kind, NoteKind::Call);
    assert_eq!(note.outcome, Some(CallOutcome::Reached));
    assert_eq!(note.text, "will pay");
    let p = note.promise.unwrap();
    assert_eq!(p.date, d("2026-11-27"));
    assert_eq!(p.amount, Some(Decimal::new(120050, 2)));
    assert_eq!(p.invoices, vec!["INV-1".to_string(), "INV-2".to_string()]);
}

#[test]
fn a_call_needs_an_outcome_and_says_so_in_place() {
    let mut f = Form::open(FormKind::Call, ctx()).unwrap();
    assert_eq!(keys(&mut f, "\t\n"), FormResult::Continue);
    assert_eq!(f.focus, 0, "focus goes back to the outcome");
    assert!(f.error.as_deref().unwrap().contains("r reached"));
    keys(&mut f, "x");
    assert!(f.error.as_deref().unwrap().contains("press one of"));
}

#[test]
fn invalid_dates_and_amounts_are_refused_with_a_reason() {
    let mut f = Form::open(FormKind::Promise, ctx()).unwrap();
    assert_eq!(keys(&mut f, "2026-02-30\n"), FormResult::Continue);
    assert!(f.error.as_deref().unwrap().contains("not a real date"), "{:?}", f.error);
    let mut f = Form::open(FormKind::Promise, ctx()).unwrap();
    keys(&mut f, "+7\t");
    f.fields[1].input = Input::Text(TextInput::new("12,34.5"));
    assert_eq!(keys(&mut f, "\n"), FormResult::Continue);
    assert_eq!(f.focus, 1);
    assert!(f.error.as_deref().unwrap().contains("groups of three"));
    let mut f = Form::open(FormKind::Promise, ctx()).unwrap();
    keys(&mut f, "2020-01-01\n");
    assert!(f.error.as_deref().unwrap().contains("past"));
}

#[test]
fn escape_cancels_and_nothing_is_submitted() {
    let mut f = Form::open(FormKind::Hold, ctx()).unwrap();
    assert_eq!(keys(&mut f, "in administration\u{1b}"), FormResult::Cancel);
}

#[test]
fn payment_defaults_to_the_selected_invoice_balance_and_today() {
    let mut f = Form::open(FormKind::Payment, ctx()).unwrap();
    let FormResult::Submit(Command::Pay { payment: p, .. }) = keys(&mut f, "\n") else { panic!() };
    assert_eq!(p.amount, Decimal::new(25000, 2));
    assert_eq!(p.date, d("2026-11-25"));
    assert_eq!(p.method, PaymentMethod::BankTransfer);
    assert_eq!(p.invoice.as_deref(), Some("INV-1"));
    let mut f = Form::open(FormKind::Payment, ctx()).unwrap();
    f.fields[0].input = Input::Text(TextInput::new("1,000"));
    let r = keys(&mut f, "\t\tq\n");
    let FormResult::Submit(Command::Pay { payment: p, .. }) = r else { panic!("{r:?}") };
    assert_eq!(p.amount, Decimal::from(1000));
    assert_eq!(p.method, PaymentMethod::Cheque);
}

#[test]
fn dispute_needs_an_invoice_and_a_reason() {
    let mut c = ctx();
    c.invoice = None;
    assert!(Form::open(FormKind::Dispute, c).is_none());
    let mut f = Form::open(FormKind::Dispute, ctx()).unwrap();
    assert_eq!(keys(&mut f, "\n"), FormResult::Continue);
    let r = keys(&mut f, "damaged goods\n");
    assert_eq!(r, FormResult::Submit(Command::Dispute { invoice: "INV-1".into(), reason: "damaged goods".into() }));
}

#[test]
fn snooze_accepts_short_dates_and_refuses_today() {
    let mut f = Form::open(FormKind::Snooze, ctx()).unwrap();
    keys(&mut f, "today\n");
    assert!(f.error.is_some());
    let mut f = Form::open(FormKind::Snooze, ctx()).unwrap();
    let r = keys(&mut f, "eom\n");
    assert!(matches!(r, FormResult::Submit(Command::Snooze { until, .. }) if until == d("2026-11-30")));
}

#[test]
fn drafts_restore_the_typing() {
    let mut f = Form::open(FormKind::Call, ctx()).unwrap();
    keys(&mut f, "vleft a message\t+3");
    let draft = f.to_draft("now".into());
    let g = Form::from_draft(&draft, ctx()).unwrap();
    assert_eq!(g.value("text"), "left a message");
    assert_eq!(g.value("outcome"), "voicemail");
    assert_eq!(g.value("promise_date"), "+3");
}

fn rows(buf: &ratatui::buffer::Buffer) -> Vec<String> {
    let a = buf.area;
    (0..a.height).map(|y| (0..a.width).map(|x| buf[(x, y)].symbol()).collect::<String>()).collect()
}

#[test]
fn a_long_error_wraps_and_what_cannot_be_shown_ends_in_an_ellipsis() {
    let mut f = Form::open(FormKind::Email, ctx()).unwrap();
    f.error = Some("word ".repeat(30).trim_end().to_string());
    // Room for all of it: the form grows by the lines it needs.
    let h = f.height(40);
    assert_eq!(h, f.fields.len() as u16 + 2 + 5, "150 columns of error in 38: five lines");
    let area = ratatui::layout::Rect::new(0, 0, 40, h);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    f.render(area, &mut buf, &FormStyles::default());
    let shown = rows(&buf).join("");
    assert_eq!(shown.matches("word").count(), 30, "every word: {shown}");
    // Two rows short: the last row shown says there is more.
    let area = ratatui::layout::Rect::new(0, 0, 40, h - 2);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    f.render(area, &mut buf, &FormStyles::default());
    let r = rows(&buf);
    assert!(r[r.len() - 2].trim_end_matches('│').trim_end().ends_with('…'), "{r:#?}");
    assert!(r[1].contains("Note"), "the fields stay: {r:#?}");
}

#[test]
fn the_form_draws_at_narrow_widths_without_panicking() {
    let f = Form::open(FormKind::Call, ctx()).unwrap();
    for w in [1u16, 5, 12, 40, 80] {
        let area = ratatui::layout::Rect::new(0, 0, w, f.height(w));
        let mut buf = ratatui::buffer::Buffer::empty(area);
        f.render(area, &mut buf, &FormStyles::default());
    }
}

#[test]
fn a_promise_for_the_selected_invoice_defaults_to_its_balance() {
    let mut f = Form::open(FormKind::Promise, ctx()).unwrap();
    let r = keys(&mut f, "+10\t\ti\n");
    let FormResult::Submit(Command::Log { note, .. }) = r else { panic!("{r:?}") };
    let p = note.promise.unwrap();
    assert_eq!(p.amount, Some(Decimal::new(25000, 2)));
    assert_eq!(p.invoices, vec!["INV-1".to_string()]);
}

#[test]
fn apply_credit_takes_all_the_credit_or_an_amount() {
    let mut f = Form::open(FormKind::ApplyCredit, ctx()).unwrap();
    assert!(f.kind.title().contains("Apply credit"), "the form names what it will do");
    let all = Command::ApplyCredit { client: "C1".into(), invoice: None, amount: None };
    assert_eq!(keys(&mut f, "\n"), FormResult::Submit(all));
    let mut f = Form::open(FormKind::ApplyCredit, ctx()).unwrap();
    let some = Command::ApplyCredit { client: "C1".into(), invoice: None, amount: Some(Decimal::new(12050, 2)) };
    assert_eq!(keys(&mut f, "120.50\n"), FormResult::Submit(some));
    let mut f = Form::open(FormKind::ApplyCredit, ctx()).unwrap();
    keys(&mut f, "-5\n");
    assert!(f.error.is_some());
}
