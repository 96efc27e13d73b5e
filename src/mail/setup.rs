//! Everything a face needs besides the book to word a message: the config
//! (`[mail]`, `[aging]`, `[fees]`), the templates (the user's folder over
//! the built-ins) and the paper and font of PDFs. The CLI (`dun remind`, `dun letter`) and
//! the interface's preview build one and render through it, so both show
//! and send the same text.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::fields::{self, Fields, Inputs};
use super::plan::Planned;
use super::templates::{self, Rendered, Templates};
use crate::config::Config;
use crate::domain::{Book, LateFeePolicy};
use crate::print::pdf::{Paper, Print};
use crate::receivables::aging::{AgeBasis, AgingOptions, Buckets};
use crate::receivables::fees;

/// The folder user templates are read from: beside the config file in
/// use (`--config FILE`), else the user's config folder.
pub fn template_dir(config_path: Option<&Path>) -> Option<PathBuf> {
    match config_path {
        Some(p) => Some(p.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))),
        None => crate::store::paths::config_dir(),
    }
}

pub struct MailSetup {
    pub config: Config,
    pub templates: Templates,
    pub aging: AgingOptions,
    pub fee_policy: Option<LateFeePolicy>,
    /// Paper (`[mail] paper`) and font (`[print] font`) of PDF letters.
    pub print: Print,
}

impl MailSetup {
    /// From a loaded config; user templates are read from `template_dir`.
    pub fn new(config: Config, template_dir: Option<PathBuf>) -> Result<MailSetup, String> {
        let aging = AgingOptions {
            buckets: Buckets::new(&config.aging.buckets).map_err(|e| format!("[aging] {e}"))?,
            basis: config.aging.by.parse::<AgeBasis>().map_err(|e| format!("[aging] {e}"))?,
        };
        let f = &config.fees;
        let fee_policy =
            fees::parse_policy(f.fixed.as_deref(), f.percent.as_deref(), f.annual_rate.as_deref(), f.grace_days)?;
        let paper = Paper::parse(&config.mail.paper).map_err(|e| format!("[mail] {e}"))?;
        let print = Print { paper, font: config.print.font.as_ref().map(PathBuf::from) };
        Ok(MailSetup { templates: Templates::new(template_dir), config, aging, fee_policy, print })
    }

    pub fn inputs<'a>(&'a self, book: &'a Book, today: NaiveDate) -> Inputs<'a> {
        Inputs { book, today, mail: &self.config.mail, aging: &self.aging, fee_policy: self.fee_policy.as_ref() }
    }

    /// The fields and rendered text of a planned message.
    pub fn render(&self, book: &Book, today: NaiveDate, p: &Planned) -> Result<(Fields, Rendered), String> {
        let client = book.client(&p.client_id).ok_or_else(|| format!("no client {}", p.client_id))?;
        let f = fields::build(&self.inputs(book, today), client, p.step.clone(), Some(&p.invoices));
        let t = self.templates.get(&p.template)?;
        let r = templates::render(&t, &f).map_err(|e| e.to_string())?;
        Ok((f, r))
    }

    /// Checks every template the plan uses; the first error stops everything.
    pub fn check_used(&self, planned: &[Planned]) -> Result<(), String> {
        let mut names: Vec<&str> = planned.iter().map(|p| p.template.as_str()).collect();
        names.sort();
        names.dedup();
        for n in names {
            let t = self.templates.get(n)?;
            templates::check(&t)
                .map_err(|e| format!("{e}\nnothing was sent; fix the template (`dun templates check`)"))?;
        }
        Ok(())
    }
}
