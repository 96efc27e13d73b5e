//! A small file beside the sled folder that remembers the last write sequence
//! number and the record counts.
//!
//! sled 0.34 opens without error after a damaged byte in its log and quietly
//! drops every record after it. The sequence number inside sled would drop
//! back with them, so it cannot tell. This file lives outside sled and is
//! rewritten (atomically) after every flushed write; if sled's sequence is
//! behind it, writes have been lost and dun says so instead of carrying on.

use std::fs;
use std::path::Path;

use super::paths::write_atomic;
use super::Counts;

pub const FILE: &str = "dun.manifest";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub seq: u64,
    pub counts: Counts,
}

impl Manifest {
    pub fn read(dir: &Path) -> Result<Option<Manifest>, String> {
        let path = dir.join(FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        // Strict: an empty, cut or garbled manifest must not read as "no
        // writes yet", which would silently turn the lost-writes check off.
        let damaged = |why: &str| {
            format!(
                "{} is damaged ({why}), so dun cannot check that no writes were lost. Run `dun verify`; \
                 if it finds no problems, delete that file and dun writes a new one",
                path.display()
            )
        };
        let mut m = Manifest::default();
        let mut seen = [false; 6];
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once(' ') else {
                return Err(damaged(&format!("line '{}'", crate::text::sanitize(line))));
            };
            let v: u64 = v.trim().parse().map_err(|_| damaged(&format!("line '{}'", crate::text::sanitize(line))))?;
            let (i, slot) = match k {
                "seq" => (0, &mut m.seq),
                "clients" => (1, &mut m.counts.clients),
                "invoices" => (2, &mut m.counts.invoices),
                "payments" => (3, &mut m.counts.payments),
                "adjustments" => (4, &mut m.counts.adjustments),
                "notes" => (5, &mut m.counts.notes),
                _ => return Err(damaged(&format!("unknown line '{}'", crate::text::sanitize(line)))),
            };
            *slot = v;
            seen[i] = true;
        }
        if !seen.iter().all(|s| *s) {
            return Err(damaged(if text.trim().is_empty() { "empty" } else { "lines missing" }));
        }
        Ok(Some(m))
    }

    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let c = &self.counts;
        let text = format!(
            "# dun store manifest: written after every flushed write; do not edit\nseq {}\nclients {}\ninvoices {}\npayments {}\nadjustments {}\nnotes {}\n",
            self.seq, c.clients, c.invoices, c.payments, c.adjustments, c.notes
        );
        write_atomic(&dir.join(FILE), text.as_bytes())
    }
}
