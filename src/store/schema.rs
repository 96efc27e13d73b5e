//! The store's schema version and the hook for migrating older stores.
//!
//! The version is kept under its own key in the `meta` tree as a raw
//! big-endian u32, outside the codec, so any future dun can read it even if
//! the record encoding has changed.

/// The schema this build writes. Bump it when a stored type changes shape,
/// and add a step to [`MIGRATIONS`] that rewrites version N−1 into N.
pub const SCHEMA_VERSION: u32 = 2;

/// A migration rewrites a store from `from` to `from + 1` in place.
pub type Migration = fn(&sled::Db) -> Result<(), String>;

/// `(from, step)`: applied in order on open until the store reaches
/// [`SCHEMA_VERSION`]. Each step must be idempotent, since a crash between a
/// step and the version bump re-runs it.
pub const MIGRATIONS: &[(u32, Migration)] = &[(1, clients_get_an_address)];

/// 1 → 2: clients gained a postal address ([`crate::domain::Client::address`]).
/// Each client record of the old shape is rewritten in the new one, with an
/// empty address; a record already in the new shape (a rerun after a crash)
/// is left alone. The caller flushes before it records the new version.
fn clients_get_an_address(db: &sled::Db) -> Result<(), String> {
    use super::codec;
    use crate::domain::client::{Client, ClientV1};
    let tree = db.open_tree("clients").map_err(|e| e.to_string())?;
    for kv in tree.iter() {
        let (k, v) = kv.map_err(|e| e.to_string())?;
        if codec::decode::<Client>(&v).is_ok() {
            continue;
        }
        let old: ClientV1 = codec::decode(&v)
            .map_err(|e| format!("client {}: cannot read it to add the address: {e}", String::from_utf8_lossy(&k)))?;
        let new = codec::encode(&Client::from(old)).map_err(|e| e.to_string())?;
        tree.insert(k, new).map_err(|e| e.to_string())?;
    }
    db.flush().map_err(|e| e.to_string())?;
    Ok(())
}

/// What opening a store of `found` means for this build.
pub fn check(found: u32) -> Result<Vec<Migration>, String> {
    if found == SCHEMA_VERSION {
        return Ok(Vec::new());
    }
    if found > SCHEMA_VERSION {
        return Err(format!(
            "this store was written by a newer dun (schema version {found}); this dun understands up to version {SCHEMA_VERSION}. Upgrade dun to open it"
        ));
    }
    let mut steps = Vec::new();
    for v in found..SCHEMA_VERSION {
        match MIGRATIONS.iter().find(|(from, _)| *from == v) {
            Some((_, step)) => steps.push(*step),
            None => {
                return Err(format!(
                    "this store has schema version {found}, and this dun has no migration from version {v}; restore it with the dun that wrote it and export it"
                ))
            }
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_and_unmigratable_versions_are_refused() {
        assert!(check(SCHEMA_VERSION).unwrap().is_empty());
        assert!(check(SCHEMA_VERSION + 1).unwrap_err().contains("newer dun"));
        assert!(check(0).unwrap_err().contains("no migration from version 0"));
        assert_eq!(check(1).unwrap().len(), 1);
    }

    /// A schema-1 dun killed during a staged import leaves a journal of
    /// schema-1 client bytes. The new dun plays it back before migrating:
    /// every client then reads in the new shape, the import undone.
    #[test]
    fn a_schema_1_crash_journal_is_played_back_before_the_migration() {
        use crate::domain::client::{Client, ClientV1};
        use crate::domain::Currency;
        use crate::store::codec;
        use crate::store::staged::{write_journal, write_records, Listed, STAGED_ABOVE};
        use crate::store::{Batch, Store, SCHEMA_KEY};

        let v1 = |c: &Client| {
            codec::encode(&ClientV1 {
                id: c.id.clone(),
                name: c.name.clone(),
                contact: c.contact.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                terms_days: c.terms_days,
                currency: c.currency,
                credit_limit: c.credit_limit,
                payment_run_days: c.payment_run_days.clone(),
                tags: c.tags.clone(),
                owner: c.owner.clone(),
                hold: c.hold.clone(),
                snoozed_until: c.snoozed_until,
                late_fee: c.late_fee.clone(),
                discount: c.discount.clone(),
            })
            .unwrap()
        };
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let c1 = Client::new("C1", "Acme", Currency::USD);
        {
            let mut s = Store::open(dir).unwrap();
            s.apply(Batch { clients: vec![c1.clone()], ..Default::default() }).unwrap();
            // The store as schema 1 wrote it.
            s.t.clients.insert("C1", v1(&c1)).unwrap();
            s.t.meta.insert(SCHEMA_KEY, &1u32.to_be_bytes()).unwrap();
            // A staged import of schema 1: C1 renamed, many clients added;
            // killed after the records, before the commit.
            let mut renamed = c1.clone();
            renamed.name = "Acme Renamed".into();
            let mut w = vec![(b"C1".to_vec(), v1(&renamed))];
            for i in 0..STAGED_ABOVE {
                let id = format!("N{i:05}");
                w.push((id.clone().into_bytes(), v1(&Client::new(&id, "New", Currency::USD))));
            }
            let t = s.t.record_trees();
            let writes = Listed(vec![(w, false)]);
            write_journal(dir, s.meta().seq, &t, &writes).unwrap();
            write_records(dir, &t, &writes).unwrap();
            s.db.flush().unwrap();
        }
        let mut s = Store::open(dir).unwrap();
        assert!(s.take_warnings().iter().any(|w| w.contains("was undone")));
        assert_eq!(s.client("C1").unwrap().as_ref(), Some(&c1), "the record itself reads in the new shape");
        let book = s.book().unwrap();
        assert_eq!(book.clients().len(), 1, "the interrupted import's clients are gone");
        let got = book.client("C1").unwrap();
        assert_eq!(got, &c1, "C1 as it was before the import, in the new shape");
        assert!(got.address.is_empty());
        assert!(s.verify().is_ok(), "{:?}", s.verify().problems);
    }
}
