//! Typed settings: a TOML file plus `LATCHKEY__SECTION__KEY` environment
//! overrides (and `DATABASE_URL`), checked at boot. A bad value stops start-up
//! with a message naming its key.

mod applications;
mod auth;
mod aws;
mod checked;
mod cloudtrail;
mod credentials;
mod database;
mod eligibility;
mod notifications;
mod oidc;
mod protection;
pub mod reference;
mod requests;
mod role_tags;
mod secret;
mod server;
mod sync;
#[cfg(test)]
mod tests;
mod trusted;

pub use applications::ApplicationsConfig;
pub use auth::{ApproverRule, AuthConfig, DevUser};
pub use aws::{AccountConfig, AwsConfig, ConsoleConfig, OrganizationConfig};
pub use checked::{Cron, HttpUrl, TagKey};
pub use cloudtrail::CloudTrailConfig;
pub use credentials::CredentialsConfig;
pub use database::{redact_url_password, DatabaseConfig};
pub use eligibility::EligibilityRule;
pub use notifications::{EmailConfig, NotificationsConfig, SlackConfig, SmtpTls};
pub use oidc::OidcConfig;
pub use protection::ProtectionConfig;
pub use requests::{AutoApproveRule, RequestsConfig};
pub use role_tags::RoleTagsConfig;
pub use secret::SecretString;
pub use server::ServerConfig;
pub use sync::SyncConfig;
pub use trusted::{TrustedHeadersConfig, TrustedMode};

use app::domain::AccountId;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub aws: AwsConfig,
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    #[serde(default)]
    pub sync: SyncConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub eligibility: Vec<EligibilityRule>,
    /// Which role tags grant use of a role, besides `eligibility`.
    #[serde(default)]
    pub role_tags: RoleTagsConfig,
    #[serde(default)]
    pub console: ConsoleConfig,
    /// AWS Organizations whose member accounts are discovered (ListAccounts).
    #[serde(default)]
    pub organizations: Vec<OrganizationConfig>,
    #[serde(default)]
    pub notifications: NotificationsConfig,
    #[serde(default)]
    pub requests: RequestsConfig,
    /// CloudTrail denials: an EventBridge -> SQS queue and/or the trail's
    /// S3 log files (off unless one is set).
    #[serde(default)]
    pub cloudtrail: CloudTrailConfig,
    /// A managed policy per account refusing role credentials used outside
    /// the account's networks (off by default).
    #[serde(default)]
    pub credential_protection: ProtectionConfig,
    /// Restrictions on issued credentials (ConsoleMe's ip_restrictions).
    #[serde(default)]
    pub credentials: CredentialsConfig,
    /// Applications' tokens and client-certificate identity.
    #[serde(default)]
    pub applications: ApplicationsConfig,
}

fn yes() -> bool {
    true
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config: {0}")]
    Parse(String),
    #[error("config key {key}: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

#[cfg(test)]
impl Config {
    /// The smallest valid config (a database and a spoke role name) plus
    /// `extra` TOML sections, for unit tests.
    pub(crate) fn minimal_with(extra: &str) -> Self {
        let text = format!(
            "[database]\nurl = \"postgres://x/y\"\n[aws]\nspoke_role_name = \"S\"\n{extra}"
        );
        Self::from_toml(&text, std::iter::empty()).expect("a valid test config")
    }
}

impl Config {
    /// The access rules the config file says (the seed of Admin › Access).
    pub fn access_rules(&self) -> app::domain::access_rules::AccessRules {
        let keys = |k: &[TagKey]| k.iter().map(|k| k.to_string()).collect();
        app::domain::access_rules::AccessRules {
            eligibility: self.eligibility.clone(),
            approvers: self.auth.approvers.clone(),
            role_tags: app::domain::access_rules::RoleTagKeys {
                authorized: keys(&self.role_tags.authorized),
                authorized_cli_only: keys(&self.role_tags.authorized_cli_only),
            },
        }
    }

    /// Reads the file, applies environment overrides, validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text, std::env::vars())
    }

    pub fn from_toml(
        text: &str,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut value: toml::Table =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        for (k, v) in env {
            if k == "DATABASE_URL" {
                set_path(&mut value, &["database", "url"], &v, true);
            } else if let Some(rest) = k.strip_prefix("LATCHKEY__") {
                let path: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
                let refs: Vec<&str> = path.iter().map(String::as_str).collect();
                let text = reference::is_text_key(&refs);
                set_path(&mut value, &refs, &v, text);
            }
        }
        // Typed fields (account ids, ARNs, cron expressions) refuse a bad
        // value as they are read; the path says which key it was.
        let cfg: Config =
            serde_path_to_error::deserialize(toml::Value::Table(value)).map_err(|e| {
                let key = e.path().to_string();
                let inner = e.into_inner();
                if key.is_empty() || key == "." {
                    ConfigError::Parse(inner.to_string())
                } else {
                    invalid(key, inner.message())
                }
            })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Each section checks its own keys; then the rules that span sections.
    fn validate(&self) -> Result<(), ConfigError> {
        self.server.validate()?;
        self.aws.validate()?;
        self.console.validate()?;
        if self.aws.hub_role_arn.is_some() && self.console.session_duration_secs > 3600 {
            return Err(invalid(
                "console.session_duration_secs",
                "must be at most 3600 when Latchkey runs as a role (aws.hub_role_arn): \
                 a console session from a chained role session lasts at most one hour",
            ));
        }
        self.sync.validate()?;
        eligibility::validate(&self.eligibility)?;
        self.role_tags.validate()?;
        self.auth.validate()?;
        self.notifications.validate()?;
        self.cloudtrail.validate()?;
        self.credential_protection.validate()?;
        self.credentials.validate()?;
        self.applications.validate()?;
        self.validate_dev_mode()
    }

    /// Dev sign-in lets anyone be anyone: never in production, and next to
    /// real sign-in or real AWS only when the operator says they know.
    fn validate_dev_mode(&self) -> Result<(), ConfigError> {
        if !self.auth.dev_mode {
            return Ok(());
        }
        if self.server.production {
            return Err(invalid(
                "auth.dev_mode",
                "dev sign-in cannot be enabled when server.production = true",
            ));
        }
        if !self.auth.i_know_dev_mode_is_unsafe {
            let beside = if self.auth.oidc.is_some() {
                Some("OIDC sign-in ([auth.oidc])")
            } else if self.auth.trusted_headers.is_some() {
                Some("trusted headers ([auth.trusted_headers])")
            } else if self.aws.endpoint_url.is_none() {
                Some("real AWS (no aws.endpoint_url)")
            } else {
                None
            };
            if let Some(beside) = beside {
                return Err(invalid(
                    "auth.dev_mode",
                    format!(
                        "dev sign-in lets anyone be anyone; it is refused next to {beside} \
                         unless auth.i_know_dev_mode_is_unsafe = true"
                    ),
                ));
            }
        }
        if self.auth.dev_users.is_empty() {
            return Err(invalid(
                "auth.dev_users",
                "dev mode needs at least one dev user",
            ));
        }
        if let Some(i) = self
            .auth
            .dev_users
            .iter()
            .position(|u| app::domain::application::is_app_id(&u.id))
        {
            return Err(invalid(
                format!("auth.dev_users[{i}].id"),
                "ids starting with app/ belong to applications",
            ));
        }
        Ok(())
    }

    /// The cron expression of a task.
    pub fn schedule_of(&self, task: &str) -> &str {
        self.sync
            .schedules
            .get(task)
            .unwrap_or(&self.sync.schedule)
            .as_str()
    }

    /// When the temporary-access sweeper runs (default every five minutes).
    pub fn expiry_schedule(&self) -> &str {
        self.sync
            .schedules
            .get("expiry")
            .map_or("0 */5 * * * *", Cron::as_str)
    }

    pub fn spoke_role_arn(&self, account: &AccountId) -> String {
        let role = format!("role/{}", self.aws.spoke_role_name);
        self.aws.partition().arn("iam", "", account.as_str(), &role)
    }
}

/// Sets `path` to an environment value: text as it is where the key holds
/// text, else read as TOML would (an array, a boolean, an integer).
fn set_path(t: &mut toml::Table, path: &[&str], v: &str, text: bool) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = t;
    for p in parents {
        let entry = cur
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(next) => cur = next,
            _ => return,
        }
    }
    if text {
        cur.insert(last.to_string(), toml::Value::String(v.to_owned()));
        return;
    }
    // `[...]` is a TOML array, e.g. LATCHKEY__AUTH__OIDC__SCOPES='["openid", "email"]'.
    if v.trim_start().starts_with('[') {
        if let Ok(mut t) = toml::from_str::<toml::Table>(&format!("v = {v}")) {
            if let Some(arr) = t.remove("v") {
                cur.insert(last.to_string(), arr);
                return;
            }
        }
    }
    let val = match v {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => match v.parse::<i64>() {
            Ok(n) if !v.starts_with('0') || v == "0" => toml::Value::Integer(n),
            _ => toml::Value::String(v.to_owned()),
        },
    };
    cur.insert(last.to_string(), val);
}
