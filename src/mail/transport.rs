//! How a message leaves: SMTP (lettre; none, STARTTLS or implicit TLS, with
//! optional authentication), a sendmail-compatible command, or a folder of
//! `.eml` files for another mail program. Every failure is one line the
//! user can act on: the server's reply, the TLS or connection error, the
//! command's exit status.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport as _};

use super::config::{MailConfig, Security};

/// An e-mail ready to hand off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    /// Without angle brackets: `dun.2026-03-16.C1@example.com`.
    pub message_id: String,
}

/// Builds the MIME message: UTF-8 plain text, names encoded as RFC 2047
/// words where they are not ASCII.
pub fn mime(cfg: &MailConfig, e: &Email, date: std::time::SystemTime) -> Result<Message, String> {
    let from: Mailbox = cfg.from.parse().map_err(|err| format!("[mail] from \"{}\": {err}", cfg.from))?;
    let addr = e.to.parse().map_err(|err| format!("e-mail address \"{}\": {err}", e.to))?;
    let to = Mailbox::new((!e.to_name.is_empty()).then(|| e.to_name.clone()), addr);
    let mut b = Message::builder()
        .from(from)
        .to(to)
        .subject(e.subject.clone())
        .message_id(Some(format!("<{}>", e.message_id)))
        .date(date)
        .user_agent(format!("dun {}", env!("CARGO_PKG_VERSION")))
        .header(ContentType::TEXT_PLAIN)
        // lettre adds MIME-Version only to multipart bodies; RFC 2045 wants it
        // on any message with MIME headers.
        .header(lettre::message::header::MIME_VERSION_1_0);
    if let Some(r) = &cfg.reply_to {
        b = b.reply_to(r.parse().map_err(|err| format!("[mail] reply_to \"{r}\": {err}"))?);
    }
    b.body(e.body.clone()).map_err(|err| err.to_string())
}

/// Where accepted messages go.
pub enum Transport {
    Smtp(Box<SmtpTransport>),
    Sendmail(Vec<String>),
    Folder(PathBuf),
}

/// One line, without the line breaks a server reply may hold.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The SMTP password: from the variable `smtp_password_env` names, else the
/// first line of `smtp_password_command`'s output. `None` when neither is set.
pub fn password(cfg: &MailConfig) -> Result<Option<String>, String> {
    if let Some(var) = &cfg.smtp_password_env {
        return match std::env::var(var) {
            Ok(p) if !p.is_empty() => Ok(Some(p)),
            _ => Err(format!("[mail] smtp_password_env: the variable {var} is not set")),
        };
    }
    if let Some(cmd) = &cfg.smtp_password_command {
        let out = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("[mail] smtp_password_command: cannot run it: {e}"))?;
        if !out.status.success() {
            return Err(format!("[mail] smtp_password_command failed ({})", out.status));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap_or("").to_string();
        if first.is_empty() {
            return Err("[mail] smtp_password_command printed nothing".into());
        }
        return Ok(Some(first));
    }
    Ok(None)
}

impl Transport {
    /// The transport the config describes (checked before anything is queued).
    pub fn from_config(cfg: &MailConfig) -> Result<Transport, String> {
        cfg.validate()?;
        if cfg.from.trim().is_empty() {
            return Err("[mail] from is not set (e.g. from = \"Accounts <ar@example.com>\")".into());
        }
        match cfg.transport.as_str() {
            "sendmail" => {
                let argv: Vec<String> = cfg.sendmail_command.split_whitespace().map(str::to_string).collect();
                if argv.is_empty() {
                    return Err("[mail] sendmail_command is empty".into());
                }
                Ok(Transport::Sendmail(argv))
            }
            "folder" => Ok(Transport::Folder(PathBuf::from(cfg.folder.clone().unwrap_or_default()))),
            _ => {
                if cfg.smtp_host.trim().is_empty() {
                    return Err("[mail] smtp_host is not set".into());
                }
                let host = cfg.smtp_host.trim();
                let b = match cfg.security()? {
                    Security::None => SmtpTransport::builder_dangerous(host),
                    Security::StartTls => SmtpTransport::starttls_relay(host).map_err(|e| one_line(&e.to_string()))?,
                    Security::Tls => SmtpTransport::relay(host).map_err(|e| one_line(&e.to_string()))?,
                };
                let mut b = b.port(cfg.port()).timeout(Some(Duration::from_secs(cfg.smtp_timeout_secs.max(1))));
                if let Some(user) = &cfg.smtp_user {
                    let pass = password(cfg)?.ok_or_else(|| {
                        "[mail] smtp_user is set but no password: set smtp_password_env or smtp_password_command"
                            .to_string()
                    })?;
                    b = b.credentials(Credentials::new(user.clone(), pass));
                }
                Ok(Transport::Smtp(Box::new(b.build())))
            }
        }
    }

    /// Hands one message over. `Ok` carries what the other side said (the
    /// server's reply, or where the file went); `Err` one line saying why
    /// it was not accepted.
    pub fn send(&self, msg: &Message, message_id: &str) -> Result<String, String> {
        match self {
            Transport::Smtp(t) => match t.send(msg) {
                Ok(r) => Ok(one_line(&format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")))),
                Err(e) => Err(smtp_error(&e)),
            },
            Transport::Sendmail(argv) => {
                let mut child = Command::new(&argv[0])
                    .args(&argv[1..])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("cannot run {}: {e}", argv[0]))?;
                if let Some(mut stdin) = child.stdin.take() {
                    stdin.write_all(&msg.formatted()).map_err(|e| format!("{}: {e}", argv[0]))?;
                }
                let out = child.wait_with_output().map_err(|e| format!("{}: {e}", argv[0]))?;
                if out.status.success() {
                    Ok(format!("{} accepted it", argv[0]))
                } else {
                    Err(one_line(&format!(
                        "{} failed ({}): {}",
                        argv[0],
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    )))
                }
            }
            Transport::Folder(dir) => {
                crate::store::paths::ensure_private_dir(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                let name: String = message_id
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
                    .collect();
                let path = dir.join(format!("{name}.eml"));
                crate::store::paths::write_atomic(&path, &msg.formatted())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok(format!("written to {}", path.display()))
            }
        }
    }
}

/// lettre's error as one line: the server's code and words when it replied,
/// else what went wrong with the connection.
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s = format!("{s}: {t}");
        }
        src = inner.source();
    }
    one_line(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_is_utf8_with_encoded_names() {
        let cfg = MailConfig { from: "Accounts <ar@example.com>".into(), ..Default::default() };
        let e = Email {
            to: "soren@example.dk".into(),
            to_name: "Søren Ærø".into(),
            subject: "Påmindelse: INV-1".into(),
            body: "Kære Søren,\nbeløb 1.200,00\n".into(),
            message_id: "dun.1@example.com".into(),
        };
        let m = mime(&cfg, &e, std::time::SystemTime::UNIX_EPOCH).unwrap();
        let text = String::from_utf8(m.formatted()).unwrap();
        assert!(text.contains("Content-Type: text/plain; charset=utf-8"), "{text}");
        assert!(text.contains("Message-ID: <dun.1@example.com>"), "{text}");
        assert!(text.contains("Subject: =?utf-8?"), "{text}");
        assert!(!text.contains("Søren Ærø <"), "non-ASCII names are encoded: {text}");
        let bad = Email { to: "not an address".into(), ..e };
        assert!(mime(&cfg, &bad, std::time::SystemTime::UNIX_EPOCH).unwrap_err().contains("not an address"));
    }

    #[test]
    fn passwords_come_from_env_or_command_never_config() {
        let cfg = MailConfig { smtp_password_command: Some("echo s3cret; echo more".into()), ..Default::default() };
        assert_eq!(password(&cfg).unwrap().as_deref(), Some("s3cret"));
        let cfg = MailConfig { smtp_password_env: Some("DUN_TEST_NO_SUCH_VAR_11".into()), ..Default::default() };
        assert!(password(&cfg).unwrap_err().contains("DUN_TEST_NO_SUCH_VAR_11"));
        assert_eq!(password(&MailConfig::default()).unwrap(), None);
    }
}
