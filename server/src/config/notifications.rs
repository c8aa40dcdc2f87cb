//! `[notifications]`: e-mail and Slack.
use super::{invalid, ConfigError, SecretString};
use serde::Deserialize;

/// Who hears about requests: e-mail over SMTP and a Slack incoming webhook.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Latchkey's public URL, for links in messages (e.g. https://latchkey.example.com).
    pub base_url: Option<String>,
    pub email: Option<EmailConfig>,
    pub slack: Option<SlackConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub smtp_host: String,
    #[serde(default = "default_smtp_port")]
    pub smtp_port: u16,
    /// `starttls` (default), `tls` (implicit TLS) or `none` (local relays only).
    #[serde(default = "default_smtp_tls")]
    pub tls: String,
    pub username: Option<String>,
    /// Never logged.
    pub password: Option<SecretString>,
    /// The sender, e.g. `Latchkey <latchkey@example.com>`.
    pub from: String,
    /// Addresses told about new requests and comments (the approvers' list).
    #[serde(default)]
    pub approvers: Vec<String>,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_smtp_tls() -> String {
    "starttls".into()
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The incoming-webhook URL; it is a secret and never logged.
    pub webhook_url: String,
}

impl std::fmt::Debug for SlackConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackConfig { webhook_url: <redacted> }")
    }
}

impl NotificationsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(u) = &self.base_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(invalid("notifications.base_url", "must be an http(s) URL"));
            }
        }
        if let Some(e) = &self.email {
            if !matches!(e.tls.as_str(), "starttls" | "tls" | "none") {
                return Err(invalid(
                    "notifications.email.tls",
                    "must be starttls, tls or none",
                ));
            }
            let mailbox = |key: &str, v: &str| {
                v.parse::<lettre::message::Mailbox>()
                    .map(drop)
                    .map_err(|e| invalid(key, format!("`{v}` is not an e-mail address: {e}")))
            };
            mailbox("notifications.email.from", &e.from)?;
            for (i, a) in e.approvers.iter().enumerate() {
                mailbox(&format!("notifications.email.approvers[{i}]"), a)?;
            }
        }
        if let Some(s) = &self.slack {
            if !(s.webhook_url.starts_with("https://") || s.webhook_url.starts_with("http://")) {
                return Err(invalid(
                    "notifications.slack.webhook_url",
                    "must be an http(s) URL",
                ));
            }
        }
        Ok(())
    }
}
