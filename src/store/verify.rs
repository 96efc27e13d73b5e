//! `dun verify`: checks everything the store promises and says plainly what
//! is wrong. It reads; it never repairs.

use std::collections::HashSet;

use super::manifest::Manifest;
use super::{codec, id_key, pair_key, show_key, Counts, Store};
use crate::domain::{Adjustment, Client, Invoice, Note, Payment};

#[derive(Debug, Default)]
pub struct VerifyReport {
    /// What was found, counted from the trees themselves.
    pub counts: Counts,
    /// Each problem in one plain sentence. Empty means the store is sound.
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

const MAX_LISTED: usize = 50;

fn problem(r: &mut VerifyReport, msg: String) {
    if r.problems.len() < MAX_LISTED {
        r.problems.push(msg);
    } else if r.problems.len() == MAX_LISTED {
        r.problems.push("... more problems not listed".into());
    }
}

fn decode_tree<T: serde::de::DeserializeOwned>(
    r: &mut VerifyReport,
    tree: &sled::Tree,
    name: &str,
    mut each: impl FnMut(&mut VerifyReport, &[u8], T),
) -> u64 {
    let mut n = 0;
    for kv in tree.iter() {
        match kv {
            Err(e) => {
                problem(r, engine_damage(name, &e));
                break;
            }
            Ok((k, v)) => {
                n += 1;
                match codec::decode::<T>(&v) {
                    Ok(rec) => each(r, &k, rec),
                    Err(e) => problem(r, format!("{name} record {}: {e}", show_key(&k))),
                }
            }
        }
    }
    n
}

pub(super) fn run(store: &Store) -> VerifyReport {
    let t = store.trees();
    let mut r = VerifyReport::default();
    let mut client_ids = HashSet::new();
    let mut invoice_client = std::collections::HashMap::new();
    let mut want_ix_ci: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut want_ix_cn = HashSet::new();
    // The largest id of each kind: the store's counters must be at or above
    // them, or a new record would be handed an id already taken (a write
    // checks only ids at or below its counter against the trees).
    let (mut max_payment, mut max_adjustment, mut max_note) = (0u64, 0u64, 0u64);

    r.counts.clients = decode_tree::<Client>(&mut r, &t.clients, "clients", |r, k, c| {
        if k != c.id.as_bytes() {
            problem(r, format!("clients record {} holds client {}", show_key(k), c.id));
        }
        client_ids.insert(c.id);
    });
    r.counts.invoices = decode_tree::<Invoice>(&mut r, &t.invoices, "invoices", |r, k, inv| {
        if k != inv.number.as_bytes() {
            problem(r, format!("invoices record {} holds invoice {}", show_key(k), inv.number));
        }
        if !client_ids.contains(inv.client_id.as_str()) {
            problem(r, format!("invoice {} belongs to client {}, which is missing", inv.number, inv.client_id));
        }
        // The tree is in key order, so each client's list comes out sorted.
        want_ix_ci.entry(inv.client_id.as_str().to_owned()).or_default().push(inv.number.as_str().to_owned());
        // Inline (compact) strings: no allocation per invoice.
        invoice_client.insert(inv.number.clone(), inv.client_id.clone());
    });
    r.counts.payments = decode_tree::<Payment>(&mut r, &t.payments, "payments", |r, k, p| {
        if k != id_key(p.id) {
            problem(r, format!("payments record {} holds payment {}", show_key(k), p.id));
        }
        max_payment = max_payment.max(p.id);
        for a in &p.allocations {
            if !invoice_client.contains_key(a.invoice.as_str()) {
                problem(r, format!("payment {} allocates to invoice {}, which is missing", p.id, a.invoice));
            }
        }
    });
    r.counts.adjustments = decode_tree::<Adjustment>(&mut r, &t.adjustments, "adjustments", |r, _, a| {
        max_adjustment = max_adjustment.max(a.id);
        if !invoice_client.contains_key(a.invoice.as_str()) {
            problem(r, format!("adjustment {} is for invoice {}, which is missing", a.id, a.invoice));
        }
    });
    r.counts.notes = decode_tree::<Note>(&mut r, &t.notes, "notes", |r, k, n| {
        if k != id_key(n.id) {
            problem(r, format!("notes record {} holds note {}", show_key(k), n.id));
        }
        max_note = max_note.max(n.id);
        if !client_ids.contains(&n.client_id) {
            problem(r, format!("note {} belongs to client {}, which is missing", n.id, n.client_id));
        }
        want_ix_cn.insert(pair_key(&n.client_id, &id_key(n.id)));
    });

    check_client_invoices(&mut r, &t.ix_client_invoices, &want_ix_ci);
    for (name, tree, want) in [("ix_client_notes", &t.ix_client_notes, &want_ix_cn)] {
        let mut seen = 0usize;
        for kv in tree.iter() {
            match kv {
                Err(e) => {
                    problem(&mut r, engine_damage(name, &e));
                    break;
                }
                Ok((k, _)) => {
                    if want.contains(k.as_ref()) {
                        seen += 1;
                    } else {
                        problem(&mut r, format!("{name} has an entry {} with no record behind it", show_key(&k)));
                    }
                }
            }
        }
        if seen != want.len() {
            problem(&mut r, format!("{name} is missing {} entries", want.len() - seen));
        }
    }

    let meta = store.meta();
    let c = &meta.counts;
    for (what, recorded, found) in [
        ("clients", c.clients, r.counts.clients),
        ("invoices", c.invoices, r.counts.invoices),
        ("payments", c.payments, r.counts.payments),
        ("adjustments", c.adjustments, r.counts.adjustments),
        ("notes", c.notes, r.counts.notes),
    ] {
        if recorded != found {
            problem(
                &mut r,
                format!(
                    "{what}: the store recorded {recorded} but holds {found}: records have gone missing or appeared"
                ),
            );
        }
    }
    for (what, counter, max) in [
        ("payment", meta.next_payment_id, max_payment),
        ("adjustment", meta.next_adjustment_id, max_adjustment),
        ("note", meta.next_note_id, max_note),
    ] {
        if max > counter {
            problem(
                &mut r,
                format!(
                    "{what} {max} is stored but the store's {what} ids stop at {counter}: \
                     a new {what} could be given an id already taken"
                ),
            );
        }
    }
    match Manifest::read(store.dir()) {
        Ok(Some(m)) => {
            if m.seq != meta.seq {
                problem(&mut r, format!("the manifest records write {} but the store is at write {}", m.seq, meta.seq));
            }
            if m.counts != meta.counts {
                problem(&mut r, "the manifest's record counts differ from the store's".into());
            }
        }
        Ok(None) => problem(&mut r, "the manifest file is missing".into()),
        Err(e) => problem(&mut r, e),
    }
    r.problems = root_cause_first(std::mem::take(&mut r.problems));
    r
}

/// A damaged page, in words: sled's own message names its internal file
/// offsets (`Read corrupted data at file offset Some(Inline(…))`), which
/// mean nothing to the user.
fn engine_damage(tree: &str, e: &sled::Error) -> String {
    let what = match e {
        sled::Error::Io(io) => format!("cannot be read ({})", super::paths::plain_os_error(io)),
        _ => "cannot be read: the store's files are damaged there".to_string(),
    };
    format!("{tree}: part of it {what}; the records after that point were not checked")
}

/// Orders problems so the cause comes first: damage the engine or the
/// record checksums report, then the rest. When there is damage, the
/// references it breaks ("... which is missing") are its consequence, not
/// separate losses, and are summed up in one line.
fn root_cause_first(problems: Vec<String>) -> Vec<String> {
    let is_root = |p: &String| p.contains("cannot be read") || p.contains("checksum") || p.contains("damaged");
    let (roots, rest): (Vec<String>, Vec<String>) = problems.into_iter().partition(is_root);
    if roots.is_empty() {
        return rest;
    }
    let (knock_on, other): (Vec<String>, Vec<String>) = rest.into_iter().partition(|p| p.ends_with("which is missing"));
    let mut out = roots;
    if !knock_on.is_empty() {
        out.push(format!(
            "{} records refer to clients or invoices that could not be read (a consequence of the damage above, \
             not separate losses)",
            knock_on.len()
        ));
    }
    out.extend(other);
    out
}

/// Each client's entry in `ix_client_invoices` lists exactly its invoices.
fn check_client_invoices(
    r: &mut VerifyReport,
    tree: &sled::Tree,
    want: &std::collections::BTreeMap<String, Vec<String>>,
) {
    const NAME: &str = "ix_client_invoices";
    let mut seen = 0usize;
    for kv in tree.iter() {
        let (k, v) = match kv {
            Ok(kv) => kv,
            Err(e) => {
                problem(r, engine_damage(NAME, &e));
                return;
            }
        };
        let client = String::from_utf8_lossy(&k);
        let listed = match codec::decode::<Vec<String>>(&v) {
            Ok(listed) => listed,
            Err(e) => {
                problem(r, format!("{NAME} entry for client {client}: {e}"));
                continue;
            }
        };
        match want.get(client.as_ref()) {
            None => problem(r, format!("{NAME} has an entry for client {client}, who has no invoices")),
            Some(numbers) => {
                seen += 1;
                if listed != *numbers {
                    problem(
                        r,
                        format!(
                            "{NAME} lists {} invoices for client {client}, but {} invoices belong to it",
                            listed.len(),
                            numbers.len()
                        ),
                    );
                }
            }
        }
    }
    if seen != want.len() {
        problem(r, format!("{NAME} is missing the entries of {} clients", want.len() - seen));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Client, Currency, NoteKind};
    use crate::store::{Batch, Meta, META_KEY};

    /// A store whose id counters fell below the ids it holds is reported,
    /// kind by kind; a sound one is not.
    #[test]
    fn ids_above_the_store_counters_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let notes = (1..=3).map(|id| Note::new(id, "C1", at, day, "me", NoteKind::Internal, "x")).collect();
        let batch = Batch { clients: vec![Client::new("C1", "Acme", Currency::USD)], notes, ..Default::default() };
        store.apply(batch).unwrap();
        assert!(store.verify().is_ok(), "{:?}", store.verify().problems);
        let meta = Meta { next_note_id: 2, ..store.meta() };
        store.trees().meta.insert(META_KEY, codec::encode(&meta).unwrap()).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let problems = store.verify().problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("note 3 is stored but the store's note ids stop at 2"), "{problems:?}");
    }

    #[test]
    fn the_cause_comes_first_and_its_consequences_are_summed_up() {
        let got = root_cause_first(vec![
            "invoice I1 belongs to client C1, which is missing".into(),
            "invoice I2 belongs to client C1, which is missing".into(),
            "clients: the store recorded 3 but holds 2: records have gone missing or appeared".into(),
            engine_damage("clients", &sled::Error::Corruption { at: None, bt: () }),
        ]);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].starts_with("clients: part of it cannot be read"), "{got:?}");
        assert!(!got[0].contains("offset") && !got[0].contains("Some("), "{got:?}");
        assert!(got[1].starts_with("2 records refer to clients or invoices that could not be read"), "{got:?}");
        // Without damage, nothing is folded away.
        let plain = vec!["note 4 belongs to client C9, which is missing".to_string()];
        assert_eq!(root_cause_first(plain.clone()), plain);
    }
}
