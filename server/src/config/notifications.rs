//! `[notifications]`: e-mail and Slack.
use super::{invalid, ConfigError, SecretString};
use serde::Deserialize;

/// Who hears about requests: e-mail over SMTP and a Slack incoming webhook.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Latchkey's public URL, for links in messages (e.g. https://latchkey.example.com).
    pub base_url: Option<String>,
    pub email: Option<EmailConfig>,
    pub slack: Option<SlackConfig>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// SMTP server host name.
    pub smtp_host: String,
    /// SMTP port (587 for STARTTLS, 465 for TLS).
    #[serde(default = "default_smtp_port")]
    pub smtp_port: u16,
    /// `starttls` (default), `tls` (implicit TLS) or `none` (local relays only).
    #[serde(default)]
    pub tls: SmtpTls,
    /// SMTP user name, if the server wants one.
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

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: a relay on the same host or network only.
    None,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The incoming-webhook URL; it is a secret and never logged.
    pub webhook_url: SecretString,
}

impl NotificationsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(u) = &self.base_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(invalid("notifications.base_url", "must be an http(s) URL"));
            }
        }
        if let Some(e) = &self.email {
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
            if !(s.webhook_url.expose().starts_with("https://")
                || s.webhook_url.expose().starts_with("http://"))
            {
                return Err(invalid(
                    "notifications.slack.webhook_url",
                    "must be an http(s) URL",
                ));
            }
        }
        Ok(())
    }
}
