//! The `[mail]` section of config.toml: who sends, how messages leave, and
//! what every message says about paying. The keys `from`, `smtp_host`,
//! `smtp_port`, `smtp_security`, `smtp_user` and `smtp_password_env` are a
//! contract (issue 11); the rest are dun's own.
//!
//! A password is never a config key: it comes from the environment variable
//! `smtp_password_env` names, or from the output of `smtp_password_command`.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// The sender, `Name <address>`.
    pub from: String,
    /// Where replies go, when not to `from`.
    pub reply_to: Option<String>,
    /// How e-mail leaves: "smtp" (default), "sendmail" or "folder".
    pub transport: String,
    pub smtp_host: String,
    pub smtp_port: Option<u16>,
    /// none | starttls | tls
    pub smtp_security: String,
    pub smtp_user: Option<String>,
    /// The environment variable that holds the SMTP password.
    pub smtp_password_env: Option<String>,
    /// A command whose first line of output is the password (`pass show smtp`).
    pub smtp_password_command: Option<String>,
    /// Seconds to wait for the server before a message counts as failed.
    pub smtp_timeout_secs: u64,
    /// The sendmail-compatible command for transport = "sendmail"; it gets
    /// the message on standard input.
    pub sendmail_command: String,
    /// For transport = "folder": where `.eml` files are written.
    pub folder: Option<String>,
    /// Where PDF letters go when `remind --send` produces them (default:
    /// `letters/` in the data directory).
    pub letters_dir: Option<String>,
    /// "a4" (default) or "letter".
    pub paper: String,
    /// The sender's organisation, shown above the address block.
    pub sender_name: String,
    /// The sender's postal address, one line per entry.
    pub sender_address: Vec<String>,
    /// Closing lines under every message (name, role, phone).
    pub signature: String,
    /// Bank details and how to pay, printed in every message.
    pub payment_instructions: String,
    /// Wording printed when fees or interest are charged (e.g. the statute
    /// that allows them).
    pub statutory_wording: String,
    /// Payment link per provider: a URL with `{number}`, `{amount}`,
    /// `{currency}` and `{client_id}` filled in per invoice. dun keeps no
    /// provider secrets; these are public pay-by-link addresses.
    pub payment_links: BTreeMap<String, String>,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: String::new(),
            reply_to: None,
            transport: "smtp".into(),
            smtp_host: String::new(),
            smtp_port: None,
            smtp_security: "starttls".into(),
            smtp_user: None,
            smtp_password_env: None,
            smtp_password_command: None,
            smtp_timeout_secs: 30,
            sendmail_command: "/usr/sbin/sendmail -t -i".into(),
            folder: None,
            letters_dir: None,
            paper: "a4".into(),
            sender_name: String::new(),
            sender_address: Vec::new(),
            signature: String::new(),
            payment_instructions: String::new(),
            statutory_wording: String::new(),
            payment_links: BTreeMap::new(),
        }
    }
}

/// How a connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    None,
    StartTls,
    Tls,
}

impl MailConfig {
    /// Checks the values a typo could break; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        self.security()?;
        if !matches!(self.transport.as_str(), "smtp" | "sendmail" | "folder") {
            return Err(format!("[mail] transport must be smtp, sendmail or folder, not \"{}\"", self.transport));
        }
        if !matches!(self.paper.as_str(), "a4" | "letter") {
            return Err(format!("[mail] paper must be \"a4\" or \"letter\", not \"{}\"", self.paper));
        }
        if self.transport == "folder" && self.folder.is_none() {
            return Err("[mail] transport = \"folder\" needs folder = \"/path/to/outbox\"".into());
        }
        if let Some((name, url)) = self.payment_links.iter().find(|(_, u)| !u.starts_with("https://")) {
            return Err(format!("[mail.payment_links] {name}: \"{url}\" must start with https://"));
        }
        Ok(())
    }

    pub fn security(&self) -> Result<Security, String> {
        match self.smtp_security.as_str() {
            "none" => Ok(Security::None),
            "starttls" => Ok(Security::StartTls),
            "tls" => Ok(Security::Tls),
            s => Err(format!("[mail] smtp_security must be none, starttls or tls, not \"{s}\"")),
        }
    }

    /// The port: `smtp_port`, else the usual one for the security.
    pub fn port(&self) -> u16 {
        self.smtp_port.unwrap_or(match self.security() {
            Ok(Security::Tls) => 465,
            Ok(Security::StartTls) => 587,
            _ => 25,
        })
    }

    /// The address part of `from` (`ar@example.com` of `Accounts <ar@example.com>`).
    pub fn from_address(&self) -> &str {
        match (self.from.rfind('<'), self.from.rfind('>')) {
            (Some(a), Some(b)) if a < b => &self.from[a + 1..b],
            _ => self.from.trim(),
        }
    }

    /// The display-name part of `from`, else the sender's name.
    pub fn from_name(&self) -> &str {
        match self.from.rfind('<') {
            Some(a) if !self.from[..a].trim().is_empty() => self.from[..a].trim().trim_matches('"'),
            _ => self.sender_name.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_keys_parse() {
        let c: MailConfig = toml::from_str(
            r#"from = "Accounts <ar@example.com>"
smtp_host = "127.0.0.1"
smtp_port = 2525
smtp_security = "none"
smtp_user = "ar@example.com"
smtp_password_env = "DUN_SMTP_PASSWORD"
"#,
        )
        .unwrap();
        c.validate().unwrap();
        assert_eq!(c.port(), 2525);
        assert_eq!(c.from_address(), "ar@example.com");
        assert_eq!(c.from_name(), "Accounts");
        assert_eq!(c.security().unwrap(), Security::None);
    }

    #[test]
    fn bad_values_name_the_key() {
        let c = MailConfig { smtp_security: "ssl".into(), ..Default::default() };
        assert!(c.validate().unwrap_err().contains("smtp_security"));
        let c = MailConfig { transport: "folder".into(), ..Default::default() };
        assert!(c.validate().unwrap_err().contains("folder"));
        let mut c = MailConfig::default();
        c.payment_links.insert("stripe".into(), "http://x".into());
        assert!(c.validate().unwrap_err().contains("stripe"));
        assert!(toml::from_str::<MailConfig>("smtp_password = \"x\"").is_err(), "no password key");
    }
}
