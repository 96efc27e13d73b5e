//! One client's open items as a printed document (letter or statement),
//! as CSV and as HTML, all from the same merge fields the templates see,
//! so every form shows the same figures.

use super::pdf::{Align, Document, Paper, Table};
use crate::mail::fields::Fields;
use crate::mail::templates::Rendered;

/// The sender's block: organisation, address lines, e-mail.
fn sender(f: &Fields) -> Vec<String> {
    let mut v = Vec::new();
    if !f.sender.name.is_empty() {
        v.push(f.sender.name.clone());
    }
    v.extend(f.sender.address.iter().cloned());
    if !f.sender.email.is_empty() {
        v.push(f.sender.email.clone());
    }
    v
}

/// The client's block, where a window envelope shows it: the name, the
/// contact, and the postal address; without an address, the e-mail
/// address, so the block still says how the client is reached.
fn recipient(f: &Fields) -> Vec<String> {
    let mut v = vec![f.client.name.clone()];
    if !f.client.contact.trim().is_empty() && f.client.contact != f.client.name {
        v.push(format!("Attn: {}", f.client.contact));
    }
    if !f.client.address.is_empty() {
        v.extend(f.client.address.iter().cloned());
    } else if !f.client.email.is_empty() {
        v.push(f.client.email.clone());
    }
    v
}

/// The open-items table of `f.invoices`, with a total per currency.
pub fn open_items(f: &Fields, title: &str) -> Table {
    let columns = [
        ("Invoice", Align::Left),
        ("Issued", Align::Left),
        ("Due", Align::Left),
        ("Days over", Align::Right),
        ("Currency", Align::Left),
        ("Amount", Align::Right),
        ("Open", Align::Right),
    ];
    Table {
        title: title.to_string(),
        columns: columns.iter().map(|(n, a)| (n.to_string(), *a)).collect(),
        widths: vec![2.2, 1.6, 1.6, 1.1, 1.0, 1.6, 1.6],
        rows: f
            .invoices
            .iter()
            .map(|i| {
                vec![
                    i.number.clone(),
                    i.issue_date.clone(),
                    i.due_date.clone(),
                    if i.days_overdue > 0 { i.days_overdue.to_string() } else { String::new() },
                    i.currency.clone(),
                    i.amount.clone(),
                    i.balance.clone(),
                ]
            })
            .collect(),
        footer: f
            .totals
            .iter()
            .map(|t| {
                vec![
                    "Total due".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    t.currency.clone(),
                    String::new(),
                    t.amount.clone(),
                ]
            })
            .collect(),
    }
}

/// A letter (a rendered template) as a document, with the open-items table
/// of the invoices it is about.
pub fn letter(f: &Fields, r: &Rendered, paper: Paper) -> Document {
    Document {
        paper,
        sender: sender(f),
        recipient: recipient(f),
        date: f.today.clone(),
        title: r.subject.clone(),
        body: r.body.clone(),
        table: (!f.invoices.is_empty()).then(|| open_items(f, "Open items")),
        closing: String::new(),
    }
}

/// A statement of account: a short opening, the table of every open item
/// with totals, the aging, and how to pay.
pub fn statement(f: &Fields, paper: Paper) -> Document {
    let mut body = format!("Dear {},\n\nHere is your statement of account as of {}.", f.contact, f.today);
    if f.invoices.is_empty() {
        body.push_str("\n\nNothing is open on your account. Thank you.");
    }
    let mut closing = String::new();
    for row in &f.aging.rows {
        let parts: Vec<String> = f.aging.labels.iter().zip(&row.buckets).map(|(l, b)| format!("{l}: {b}")).collect();
        closing.push_str(&format!("Aging ({}): {}\n", row.currency, parts.join("   ")));
    }
    if !f.payment_instructions.is_empty() {
        closing.push_str(&format!("\nHow to pay:\n{}\n", f.payment_instructions));
    }
    let sign = if f.sender.signature.is_empty() { &f.sender.name } else { &f.sender.signature };
    closing.push_str(&format!("\nKind regards,\n{sign}\n"));
    Document {
        paper,
        sender: sender(f),
        recipient: recipient(f),
        date: f.today.clone(),
        title: format!("Statement of account {} as of {}", f.client.id, f.today),
        body,
        table: (!f.invoices.is_empty()).then(|| open_items(f, "Open items")),
        closing,
    }
}

/// The statement as CSV: one row per open invoice, plain amounts.
pub fn csv(f: &Fields) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "client_id",
        "invoice",
        "issue_date",
        "due_date",
        "days_overdue",
        "currency",
        "amount",
        "balance",
    ])?;
    for i in &f.invoices {
        let days = i.days_overdue.to_string();
        let amount = i.amount.replace(',', "");
        w.write_record([
            crate::io::export::neutralise(&f.client.id).as_ref(),
            crate::io::export::neutralise(&i.number).as_ref(),
            &i.issue_date,
            &i.due_date,
            &days,
            &i.currency,
            &amount,
            &i.balance_plain,
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// The statement as a self-contained HTML page (every value escaped).
pub fn html(f: &Fields) -> String {
    let mut h = String::new();
    let title = format!("Statement of account {} as of {}", f.client.id, f.today);
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>body{{font-family:sans-serif;max-width:48em;margin:2em auto}}table{{border-collapse:collapse;width:100%}}th,td{{padding:.2em .5em;border-bottom:1px solid #ccc;text-align:left}}.n{{text-align:right}}</style>\n</head>\n<body>\n",
        esc(&title)
    ));
    h.push_str(&format!("<p>{}</p>\n", sender(f).iter().map(|s| esc(s)).collect::<Vec<_>>().join("<br>")));
    h.push_str(&format!("<p>{}</p>\n", recipient(f).iter().map(|s| esc(s)).collect::<Vec<_>>().join("<br>")));
    h.push_str(&format!("<h1>{}</h1>\n<p>Dear {},</p>\n", esc(&title), esc(&f.contact)));
    h.push_str("<table>\n<tr><th>Invoice</th><th>Issued</th><th>Due</th><th class=\"n\">Days over</th><th>Currency</th><th class=\"n\">Amount</th><th class=\"n\">Open</th><th>Pay</th></tr>\n");
    for i in &f.invoices {
        let pay = if i.payment_link.is_empty() {
            String::new()
        } else {
            format!("<a href=\"{}\">Pay now</a>", esc(&i.payment_link))
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
            esc(&i.number),
            esc(&i.issue_date),
            esc(&i.due_date),
            if i.days_overdue > 0 { i.days_overdue.to_string() } else { String::new() },
            esc(&i.currency),
            esc(&i.amount),
            esc(&i.balance),
            pay
        ));
    }
    for t in &f.totals {
        h.push_str(&format!(
            "<tr><th colspan=\"4\">Total due</th><th>{}</th><th></th><th class=\"n\">{}</th><th></th></tr>\n",
            esc(&t.currency),
            esc(&t.amount)
        ));
    }
    h.push_str("</table>\n");
    if !f.payment_instructions.is_empty() {
        h.push_str(&format!("<h2>How to pay</h2>\n<p>{}</p>\n", esc(&f.payment_instructions).replace('\n', "<br>")));
    }
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::fields::Step;
    use crate::mail::sample;

    #[test]
    fn csv_and_html_carry_the_figures_escaped() {
        let mut f = sample::fields_for(Some(Step::statement()));
        f.client.name = "<script>Ærø</script>".into();
        f.invoices[0].number = "=HYPERLINK(\"x\")".into();
        let c = csv(&f).unwrap();
        assert!(c.starts_with("client_id,invoice,"), "{c}");
        assert!(c.contains("1200.00"), "{c}");
        assert!(c.contains("'=HYPERLINK"), "formula cells are defused: {c}");
        let h = html(&f);
        assert!(h.contains("&lt;script&gt;Ærø"), "{h}");
        assert!(h.contains("1,280.50"), "{h}");
        assert!(h.contains("https://buy.stripe.com/example?client_reference_id=INV-1002"), "{h}");
        let d = statement(&f, Paper::Letter);
        assert_eq!(d.table.as_ref().unwrap().rows.len(), 2);
        assert_eq!(d.table.as_ref().unwrap().footer[0][6], "1,280.50");
    }
}
