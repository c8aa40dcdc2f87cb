//! `[auth]`: sign-in, sessions, API tokens, admins and approvers.
use super::oidc::OidcConfig;
use super::trusted::TrustedHeadersConfig;
use super::{invalid, ConfigError};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Sign-in by picking a `dev_users` entry, no password: demos and tests only (refused with `server.production`).
    #[serde(default)]
    pub dev_mode: bool,
    /// Members of these groups are administrators (config only: never editable at run time).
    #[serde(default)]
    pub admin_groups: Vec<String>,
    #[serde(default)]
    pub dev_users: Vec<DevUser>,
    /// How long a browser session lasts.
    #[serde(default = "default_session_hours")]
    pub session_hours: i64,
    /// The longest an API token made in Settings may live, in days.
    #[serde(default = "default_token_max_days")]
    pub token_max_days: u32,
    /// How long the token `latchkey login` gets lives, in days.
    #[serde(default = "default_cli_token_days")]
    pub cli_token_days: u32,
    /// Lets an admin approve their own requests (recorded as such).
    #[serde(default)]
    pub allow_admin_self_approval: bool,
    /// Lets dev sign-in run next to OIDC or trusted headers, or against real
    /// AWS (no `aws.endpoint_url`). Anyone who reaches the sign-in page can
    /// then be anyone: for tests and demos only.
    #[serde(default)]
    pub i_know_dev_mode_is_unsafe: bool,
    /// Groups whose members approve requests in some accounts.
    #[serde(default)]
    pub approvers: Vec<ApproverRule>,
    /// Sign-in through an OpenID Connect provider.
    pub oidc: Option<OidcConfig>,
    /// The user as an authenticating proxy in front says (ALB, oauth2-proxy).
    pub trusted_headers: Option<TrustedHeadersConfig>,
}

/// Members of `group` approve requests in `accounts` (the domain's rule,
/// shared with Admin › Access).
pub use app::domain::access_rules::ApproverRule;

fn default_session_hours() -> i64 {
    12
}

fn default_token_max_days() -> u32 {
    90
}

fn default_cli_token_days() -> u32 {
    app::domain::token::DEFAULT_TOKEN_DAYS
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            dev_mode: false,
            admin_groups: Vec::new(),
            dev_users: Vec::new(),
            session_hours: default_session_hours(),
            token_max_days: default_token_max_days(),
            cli_token_days: default_cli_token_days(),
            allow_admin_self_approval: false,
            i_know_dev_mode_is_unsafe: false,
            approvers: Vec::new(),
            oidc: None,
            trusted_headers: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DevUser {
    pub id: String,
    /// The name pages show.
    pub display_name: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

impl AuthConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (i, a) in self.approvers.iter().enumerate() {
            a.check(&format!("auth.approvers[{i}]"))
                .map_err(|(field, message)| invalid(field, message))?;
        }
        if let Some(o) = &self.oidc {
            o.validate()?;
        }
        if let Some(t) = &self.trusted_headers {
            t.validate()?;
        }
        if !(1..=3650).contains(&self.token_max_days) {
            return Err(invalid("auth.token_max_days", "must be 1-3650 days"));
        }
        if !(1..=self.token_max_days).contains(&self.cli_token_days) {
            return Err(invalid(
                "auth.cli_token_days",
                "must be at least 1 and at most auth.token_max_days",
            ));
        }
        if self.session_hours <= 0 {
            return Err(invalid("auth.session_hours", "must be at least 1"));
        }
        Ok(())
    }
}
