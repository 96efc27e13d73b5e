//! Xero's sales-invoice CSV layout (Business › Invoices › Export, and the
//! import template): one row per line item, the invoice's own columns
//! repeated on each of its rows. Columns are matched by name, in any order,
//! without case and without the `*` Xero puts before required ones; unknown
//! columns (addresses, tracking, account codes) are ignored.
//!
//! Used: `ContactName`, `EmailAddress`, `InvoiceNumber`, `Reference`,
//! `InvoiceDate`, `DueDate`, `Total`, `TaxTotal`, `InvoiceAmountPaid`,
//! `InvoiceAmountDue`, `Description`, `Quantity`, `UnitAmount`, `Discount`,
//! `TaxAmount`, `Currency`, `Type`, `Status`. See docs/import-export.md.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::import::{Errors, ImportError, ImportOptions, Plan};
use super::native::{Cells, Table};
use crate::domain::dates::DateOrder;
use crate::domain::money::plain_amount;
use crate::domain::{
    client::validate_client_id, Adjustment, AdjustmentKind, Allocation, Book, Client, Invoice, LineItem, Money,
    Payment, PaymentMethod,
};
use crate::receivables::invoice_state;
use crate::store::IdAlloc;

pub const REQUIRED: [&str; 5] = ["ContactName", "InvoiceNumber", "InvoiceDate", "DueDate", "Total"];

/// Invoice-level columns: every row of one invoice must agree on them.
const HEAD_COLUMNS: [&str; 9] = [
    "ContactName",
    "InvoiceDate",
    "DueDate",
    "Total",
    "Currency",
    "InvoiceAmountPaid",
    "InvoiceAmountDue",
    "Type",
    "Status",
];

/// Reference put on the payments and credits that carry over what Xero
/// had already settled.
pub const CARRIED_OVER: &str = "settled in Xero before import";

/// Decides whether slash dates are day-first or month-first from the file
/// itself: a date with a first part above 12 can only be day-first, one with
/// a second part above 12 only month-first. With no such date the file is
/// ambiguous and nothing is guessed.
pub fn detect_date_order(t: &Table, columns: &[&str]) -> Result<Option<DateOrder>, ImportError> {
    let mut dmy: Option<(u64, &str, String)> = None;
    let mut mdy: Option<(u64, &str, String)> = None;
    let mut ambiguous: Option<(u64, &str, String)> = None;
    for (line, row) in &t.rows {
        for &col in columns {
            let v = t.get(row, col);
            let parts: Vec<&str> = v.split(['/', '.', '-']).collect();
            if parts.len() != 3 || parts[0].len() == 4 {
                continue; // ISO or not a date: the parser reports it later.
            }
            let (Ok(a), Ok(b)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>()) else { continue };
            let here = || Some((*line, col, v.to_string()));
            if a > 12 && b <= 12 {
                dmy = dmy.or_else(here);
            } else if b > 12 && a <= 12 {
                mdy = mdy.or_else(here);
            } else if a != b {
                ambiguous = ambiguous.or_else(here);
            }
        }
    }
    let err = |(line, col, value): (u64, &str, String), message: String| ImportError {
        file: t.file.clone(),
        line,
        column: col.to_string(),
        value,
        message,
    };
    match (dmy, mdy) {
        (Some(d), Some(m)) => Err(err(
            m,
            format!(
                "is month-first, but line {} column {} ('{}') is day-first: the file mixes date orders",
                d.0, d.1, d.2
            ),
        )),
        (Some(_), None) => Ok(Some(DateOrder::Dmy)),
        (None, Some(_)) => Ok(Some(DateOrder::Mdy)),
        (None, None) => match ambiguous {
            Some(a) => Err(err(
                a,
                "is ambiguous: no date in the file has a day above 12, so day/month and month/day cannot be told \
                 apart; give --date-format dmy or --date-format mdy"
                    .to_string(),
            )),
            None => Ok(None),
        },
    }
}

/// A client id from a contact name: its letters and digits in capitals,
/// words joined by `-` (`Acme Trading Ltd` → `ACME-TRADING-LTD`). When that
/// is taken by a different name, or the name has no ASCII letters at all, a
/// short checksum of the name keeps it unique and the same on every import.
pub fn derive_client_id(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut slug = String::new();
    let mut gap = false;
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            gap = false;
            if slug.len() >= 24 {
                break;
            }
            slug.push(ch.to_ascii_uppercase());
        } else {
            gap = true;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    // Two names that differ only in letters outside ASCII (Café, Cafè) would
    // share a slug, so those always carry the checksum.
    if !slug.is_empty() && name.is_ascii() && !taken(&slug) {
        return slug;
    }
    let hash = crc32fast::hash(name_key(name).as_bytes());
    let base = if slug.is_empty() { "X".to_string() } else { slug };
    format!("{base}-{:06X}", hash & 0xFF_FFFF)
}

/// Names compare without case and extra blanks.
fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Why an invoice in the file is deliberately left out.
enum LeftOut {
    CreditNote,
    Draft,
    Voided,
}

enum RowKind {
    Import,
    Skip(LeftOut),
}

fn classify(t: &Table, row: &csv::StringRecord) -> Result<RowKind, (&'static str, String, String)> {
    let ty = t.get(row, "Type").to_ascii_lowercase();
    match ty.as_str() {
        "" | "sales invoice" | "accrec" | "invoice" => {}
        "sales credit note" | "accreccredit" | "credit note" => return Ok(RowKind::Skip(LeftOut::CreditNote)),
        _ => {
            return Err((
                "Type",
                t.get(row, "Type").to_string(),
                "is not a sales invoice (this layout holds sales invoices and credit notes)".into(),
            ))
        }
    }
    let status = t.get(row, "Status").to_ascii_lowercase();
    match status.as_str() {
        "" | "awaiting payment" | "authorised" | "authorized" | "paid" | "sent" => Ok(RowKind::Import),
        "draft" | "awaiting approval" | "submitted" => Ok(RowKind::Skip(LeftOut::Draft)),
        "voided" | "void" | "deleted" => Ok(RowKind::Skip(LeftOut::Voided)),
        _ => Err((
            "Status",
            t.get(row, "Status").to_string(),
            "is not a Xero invoice status (Draft, Awaiting Approval, Awaiting Payment, Paid, Voided, Deleted)".into(),
        )),
    }
}

/// The rows of one invoice, in file order.
struct Group {
    number: String,
    rows: Vec<usize>,
}

pub fn invoices(
    book: &Book,
    file: &str,
    text: &str,
    opts: ImportOptions<'_>,
    ids: &mut IdAlloc,
) -> Result<Plan, Errors> {
    let mut errors = Errors::default();
    let Some(t) = Table::parse(file, text, &REQUIRED, opts.delimiter, &mut errors) else {
        return Err(errors);
    };
    let order = match opts.date_order {
        Some(o) => Some(o),
        None => match detect_date_order(&t, &["InvoiceDate", "DueDate"]) {
            Ok(o) => o,
            Err(e) => {
                errors.push(e);
                return Err(errors);
            }
        },
    };
    let opts = ImportOptions { date_order: order, ..opts };
    let has_lines = t.has("Description") || t.has("Quantity") || t.has("UnitAmount");

    let mut groups: Vec<Group> = Vec::new();
    let mut by_number: HashMap<String, usize> = HashMap::new();
    for (i, (line, row)) in t.rows.iter().enumerate() {
        let number = t.get(row, "InvoiceNumber");
        if number.is_empty() {
            errors.push(t.error(*line, "InvoiceNumber", "", "is empty"));
            continue;
        }
        match by_number.get(number) {
            Some(&g) => groups[g].rows.push(i),
            None => {
                by_number.insert(number.to_string(), groups.len());
                groups.push(Group { number: number.to_string(), rows: vec![i] });
            }
        }
    }

    // Clients by name, so the same contact finds the same client on every
    // import; and the ids in use, so a derived id never lands on another.
    let mut by_name: HashMap<String, String> =
        book.clients().iter().map(|c| (name_key(&c.name), c.id.clone())).collect();
    let mut new_clients: HashMap<String, Client> = HashMap::new();
    let mut plan = Plan::default();
    let (mut skipped_credit, mut skipped_draft, mut skipped_void) = (0usize, 0usize, 0usize);
    let (mut carried_payments, mut carried_credits) = (0usize, 0usize);
    let mut done_rows = 0usize;

    'groups: for g in &groups {
        for _ in &g.rows {
            done_rows += 1;
            opts.tick(done_rows, t.rows.len());
        }
        if errors.full() {
            break;
        }
        let (first_line, first) = (&t.rows[g.rows[0]].0, &t.rows[g.rows[0]].1);
        // Every row of the invoice must repeat the same invoice-level data;
        // a row that does not is a second invoice under the same number.
        for &r in &g.rows[1..] {
            let (line, row) = (&t.rows[r].0, &t.rows[r].1);
            for col in HEAD_COLUMNS {
                let (a, b) = (t.get(first, col), t.get(row, col));
                if a != b {
                    errors.push(t.error(
                        *line,
                        col,
                        b,
                        format!(
                            "invoice number {} is used twice: line {first_line} has '{a}' here (rows of one invoice must agree)",
                            g.number
                        ),
                    ));
                    continue 'groups;
                }
            }
        }
        match classify(&t, first) {
            Err((col, value, message)) => {
                errors.push(t.error(*first_line, col, &value, message));
                continue;
            }
            Ok(RowKind::Skip(why)) => {
                match why {
                    LeftOut::CreditNote => skipped_credit += 1,
                    LeftOut::Draft => skipped_draft += 1,
                    LeftOut::Voided => skipped_void += 1,
                }
                plan.skipped += 1;
                continue;
            }
            Ok(RowKind::Import) => {}
        }

        let mut c = Cells { t: &t, row: first, line: *first_line, errors: &mut errors, opts };
        let contact = c.required("ContactName");
        let issued = c.date("InvoiceDate");
        let due = c.date("DueDate");
        let total = c.money("Total");
        let tax_total = c.optional_money("TaxTotal");
        let paid = c.optional_money("InvoiceAmountPaid");
        let amount_due = c.optional_money("InvoiceAmountDue");
        let currency = if c.text("Currency").is_empty() { Some(None) } else { c.currency("Currency").map(Some) };
        let (
            Some(contact),
            Some(issued),
            Some(due),
            Some(total),
            Some(tax_total),
            Some(paid),
            Some(amount_due),
            Some(currency),
        ) = (contact, issued, due, total, tax_total, paid, amount_due, currency)
        else {
            continue;
        };
        if due < issued {
            c.fail("DueDate", &c.text("DueDate"), format!("is before the invoice date {issued}"));
            continue;
        }
        if total <= Decimal::ZERO {
            c.fail("Total", &c.text("Total"), "must be more than zero");
            continue;
        }

        let lines = if has_lines {
            match line_items(&t, g, opts, c.errors, total, tax_total) {
                Some(lines) => lines,
                None => continue,
            }
        } else {
            Vec::new()
        };
        let c = &mut Cells { t: &t, row: first, line: *first_line, errors: &mut *c.errors, opts };

        // What Xero had already settled: paid, and (the rest) credited.
        let settled = match (paid, amount_due) {
            (_, Some(d)) => total - d,
            (Some(p), None) => p,
            (None, None) => Decimal::ZERO,
        };
        let paid = paid.unwrap_or(settled);
        if let Some(d) = amount_due {
            if d < Decimal::ZERO || d > total {
                c.fail("InvoiceAmountDue", &c.text("InvoiceAmountDue"), "must be between zero and the Total");
                continue;
            }
        }
        if paid < Decimal::ZERO || paid > settled {
            c.fail(
                "InvoiceAmountPaid",
                &c.text("InvoiceAmountPaid"),
                format!("with InvoiceAmountDue {} it is more than the Total", plain_amount(total - settled)),
            );
            continue;
        }
        let credited = settled - paid;

        // The client: found by name, else created from the contact.
        let key = name_key(&contact);
        let client: Client = match by_name.get(&key) {
            Some(id) => match book.client(id).or_else(|| new_clients.get(id)) {
                Some(cl) => cl.clone(),
                None => continue,
            },
            None => {
                let Some(cur) = currency else {
                    c.fail("Currency", "", format!("is needed to create the client '{contact}' (no such client yet)"));
                    continue;
                };
                let id = derive_client_id(&contact, |id| book.client(id).is_some() || new_clients.contains_key(id));
                if let Err(m) = validate_client_id(&id) {
                    c.fail("ContactName", &contact, m);
                    continue;
                }
                let mut cl = Client::new(&id, contact.trim(), cur);
                cl.email = c.text("EmailAddress");
                cl.terms_days = u32::try_from((due - issued).num_days()).unwrap_or(30).min(3650);
                by_name.insert(key, id.clone());
                new_clients.insert(id.clone(), cl.clone());
                plan.batch.clients.push(cl.clone());
                cl
            }
        };
        let currency = currency.unwrap_or(client.currency);
        if currency != client.currency {
            c.fail(
                "Currency",
                currency.as_str(),
                format!("client {} ({}) is billed in {}", client.id, client.name, client.currency),
            );
            continue;
        }

        let reference = c.text("Reference");
        let date = opts.today.unwrap_or(issued).max(issued);
        let (invoice, carry_paid, carry_credit) = match book.invoice(&g.number) {
            None => {
                plan.new += 1;
                let mut inv = Invoice::new(&g.number, &client.id, issued, due, Money::new(total, currency));
                inv.lines = lines;
                inv.reference = reference;
                inv.discount = client.discount.clone();
                (inv, paid, credited)
            }
            Some(existing) => {
                if !c.update_existing(&mut plan, "InvoiceNumber", &g.number) {
                    continue;
                }
                if existing.client_id != client.id || existing.currency != currency {
                    c.fail("InvoiceNumber", &g.number, "already exists for another client or currency");
                    continue;
                }
                let mut inv = existing.clone();
                inv.issue_date = issued;
                inv.due_date = due;
                inv.total = total;
                inv.lines = lines;
                inv.reference = reference;
                // Bring dun's balance down to Xero's; never up (what dun
                // recorded on its own is kept).
                let st = invoice_state(book, existing, NaiveDate::MAX);
                let balance = total + st.fees - st.paid - st.credited - st.written_off;
                let target = total - settled;
                let gap = balance - target;
                if gap < Decimal::ZERO {
                    plan.warnings.push(format!(
                        "invoice {}: dun has {} open, less than Xero's {}; left as it is",
                        g.number,
                        plain_amount(balance),
                        plain_amount(target)
                    ));
                }
                let more_paid = (paid - st.paid).max(Decimal::ZERO).min(gap.max(Decimal::ZERO));
                let more_credit = (gap - more_paid).max(Decimal::ZERO);
                (inv, more_paid, more_credit)
            }
        };
        if carry_paid > Decimal::ZERO {
            carried_payments += 1;
            plan.batch.payments.push(Payment {
                id: ids.payment(),
                client_id: client.id.clone(),
                date,
                amount: carry_paid,
                currency,
                method: PaymentMethod::Other,
                reference: CARRIED_OVER.into(),
                allocations: vec![Allocation { invoice: g.number.clone(), amount: carry_paid }],
                reverses: None,
            });
        }
        if carry_credit > Decimal::ZERO {
            carried_credits += 1;
            plan.batch.adjustments.push(Adjustment {
                id: ids.adjustment(),
                invoice: g.number.clone(),
                date,
                kind: AdjustmentKind::Credit,
                amount: carry_credit,
                reason: CARRIED_OVER.into(),
                reverses: None,
            });
        }
        plan.batch.invoices.push(invoice);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut note = |n: usize, what: &str| {
        if n > 0 {
            plan.warnings.push(format!("{n} {what}"));
        }
    };
    note(plan.batch.clients.len(), "new client(s) created from ContactName");
    note(carried_payments, "payment(s) recorded for amounts Xero shows as paid (dated the day of the import)");
    note(carried_credits, "credit(s) recorded for amounts Xero settled other than by payment");
    note(skipped_credit, "credit note(s) left out (this import reads invoices)");
    note(skipped_draft, "draft or unapproved invoice(s) left out");
    note(skipped_void, "voided or deleted invoice(s) left out");
    Ok(plan)
}

/// The invoice's line items, one per row that has any, reconciled with
/// Xero's tax-inclusive Total: prices in a file are either inclusive (the
/// lines already add up) or exclusive (the tax is added once, as its own
/// line, so the lines still sum to the total); up to a cent per line of
/// difference is kept as a rounding line. None after recording an error.
fn line_items(
    t: &Table,
    g: &Group,
    opts: ImportOptions<'_>,
    errors: &mut Errors,
    total: Decimal,
    tax_total: Option<Decimal>,
) -> Option<Vec<LineItem>> {
    let mut lines = Vec::new();
    let mut line_tax = Decimal::ZERO;
    for &r in &g.rows {
        let (line, row) = (&t.rows[r].0, &t.rows[r].1);
        let mut lc = Cells { t, row, line: *line, errors: &mut *errors, opts };
        let (desc, qty, unit) = (lc.text("Description"), lc.text("Quantity"), lc.text("UnitAmount"));
        if desc.is_empty() && qty.is_empty() && unit.is_empty() {
            continue;
        }
        let quantity = lc.optional_amount("Quantity").map(|v| v.unwrap_or(Decimal::ONE));
        let unit_price = lc.optional_amount("UnitAmount").map(Option::unwrap_or_default);
        let discount = lc.optional_amount("Discount").map(Option::unwrap_or_default);
        let tax = lc.optional_amount("TaxAmount").map(Option::unwrap_or_default);
        let (Some(quantity), Some(unit_price), Some(discount), Some(tax)) = (quantity, unit_price, discount, tax)
        else {
            return None;
        };
        if !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&discount) {
            lc.fail("Discount", &lc.text("Discount"), "must be a percentage from 0 to 100");
            return None;
        }
        line_tax += tax;
        let unit_price = if discount.is_zero() {
            unit_price
        } else {
            unit_price * (Decimal::ONE_HUNDRED - discount) / Decimal::ONE_HUNDRED
        };
        lines.push(LineItem { description: desc, quantity, unit_price, tax_rate: None });
    }
    if lines.is_empty() {
        return Some(lines);
    }
    let net: Decimal = lines.iter().map(LineItem::total).sum();
    if net == total {
        return Some(lines);
    }
    let tax = tax_total.unwrap_or(line_tax);
    let gap = total - net - tax;
    if gap.abs() > Decimal::new(1, 2) * Decimal::from(lines.len() as u64) {
        let (line, row) = (&t.rows[g.rows[0]].0, &t.rows[g.rows[0]].1);
        let mut c = Cells { t, row, line: *line, errors, opts };
        c.fail(
            "Total",
            &c.text("Total"),
            format!(
                "the line items of invoice {} add up to {} plus tax {}, not to the Total",
                g.number,
                plain_amount(net),
                plain_amount(tax)
            ),
        );
        return None;
    }
    let extra = |description: &str, amount: Decimal| LineItem {
        description: description.into(),
        quantity: Decimal::ONE,
        unit_price: amount,
        tax_rate: None,
    };
    if !tax.is_zero() {
        lines.push(extra("Tax", tax));
    }
    if !gap.is_zero() {
        lines.push(extra("Rounding", gap));
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounts_exclusive_tax_and_a_cent_of_rounding_reconcile_with_the_total() {
        let text = "ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,TaxTotal,Currency,Description,Quantity,UnitAmount,Discount,TaxAmount\n\
                    A,I1,2026-01-01,2026-01-31,129.61,21.60,GBP,Widget,3,40.00,10,21.60\n";
        let plan = invoices(&Book::default(), "x.csv", text, ImportOptions::default(), &mut IdAlloc::starting_at(0))
            .unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<(String, String)> = plan.batch.invoices[0]
            .lines
            .iter()
            .map(|l| (l.description.clone(), crate::domain::money::plain_amount(l.total())))
            .collect();
        let want = [("Widget", "108.00"), ("Tax", "21.60"), ("Rounding", "0.01")];
        assert_eq!(lines, want.map(|(d, a)| (d.to_string(), a.to_string())));
        let two_cents = text.replace("129.61", "129.62");
        let e = invoices(&Book::default(), "x.csv", &two_cents, ImportOptions::default(), &mut IdAlloc::starting_at(0))
            .unwrap_err();
        assert!(e.to_string().contains("add up to 108.00 plus tax 21.60, not to the Total"), "{e}");
    }

    #[test]
    fn client_ids_are_stable_and_valid() {
        let none = |_: &str| false;
        assert_eq!(derive_client_id("Acme Trading Ltd", none), "ACME-TRADING-LTD");
        assert_eq!(derive_client_id("  Acme   Trading Ltd ", none), "ACME-TRADING-LTD");
        let taken = |id: &str| id == "ACME-TRADING-LTD";
        let other = derive_client_id("Acme Trading, Ltd.", taken);
        assert!(other.starts_with("ACME-TRADING-LTD-") && other.len() == 23, "{other}");
        assert_eq!(other, derive_client_id("acme trading, ltd.", taken), "case and blanks do not change the id");
        let cjk = derive_client_id("佐藤商事株式会社", none);
        assert!(cjk.starts_with("X-"), "{cjk}");
        let cafe = derive_client_id("Café Olé", none);
        assert!(cafe.starts_with("CAF-OL-"), "{cafe}");
        let long = derive_client_id(&"Very Long Company Name ".repeat(5), taken);
        assert!(validate_client_id(&long).is_ok(), "{long}");
        for id in [other, cjk, cafe] {
            assert!(validate_client_id(&id).is_ok(), "{id}");
        }
    }
}
