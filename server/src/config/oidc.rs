//! `[auth.oidc]`: OpenID Connect sign-in.
use super::{invalid, ConfigError, SecretString};
use serde::Deserialize;

/// OpenID Connect sign-in (authorization code with PKCE, state and nonce).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer; its discovery document is
    /// `{issuer_url}/.well-known/openid-configuration`.
    pub issuer_url: String,
    /// This application's client id at the provider.
    pub client_id: String,
    pub client_secret: SecretString,
    /// This server's `/auth/oidc/callback` as the provider knows it.
    pub redirect_url: String,
    /// Scopes asked for; include whatever carries the groups claim.
    #[serde(default = "default_oidc_scopes")]
    pub scopes: Vec<String>,
    /// Claim holding the user's groups (a dotted path for nested claims,
    /// e.g. `realm_access.roles`).
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Also read claims (groups) from the userinfo endpoint.
    #[serde(default)]
    pub use_userinfo: bool,
    /// Claim used as the user id (`email` must then be verified, or `sub`).
    #[serde(default = "default_user_id_claim")]
    pub user_id_claim: String,
    /// Shown on the sign-in button: "Sign in with {provider_name}".
    #[serde(default = "default_provider_name")]
    pub provider_name: String,
    /// How long a started sign-in may take at the provider.
    #[serde(default = "default_login_timeout")]
    pub login_timeout_secs: i64,
}

fn default_oidc_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}

pub(super) fn default_groups_claim() -> String {
    "groups".into()
}

pub(super) fn default_user_id_claim() -> String {
    "email".into()
}

fn default_provider_name() -> String {
    "single sign-on".into()
}

fn default_login_timeout() -> i64 {
    600
}

impl OidcConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let url = |key: &str, v: &str| -> Result<openidconnect::url::Url, ConfigError> {
            let u = openidconnect::url::Url::parse(v)
                .map_err(|e| invalid(format!("auth.oidc.{key}"), format!("not a URL: {e}")))?;
            if !matches!(u.scheme(), "https" | "http") {
                return Err(invalid(
                    format!("auth.oidc.{key}"),
                    "must be an http(s) URL",
                ));
            }
            Ok(u)
        };
        url("issuer_url", &self.issuer_url)?;
        let redirect = url("redirect_url", &self.redirect_url)?;
        if redirect.path() != "/auth/oidc/callback" {
            return Err(invalid(
                "auth.oidc.redirect_url",
                "must end in /auth/oidc/callback (this server's callback route)",
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err(invalid("auth.oidc.client_id", "must not be empty"));
        }
        if self.client_secret.expose().is_empty() {
            return Err(invalid("auth.oidc.client_secret", "must not be empty"));
        }
        if !self.scopes.iter().any(|s| s == "openid") {
            return Err(invalid("auth.oidc.scopes", "must include \"openid\""));
        }
        for (key, v) in [
            ("groups_claim", &self.groups_claim),
            ("user_id_claim", &self.user_id_claim),
        ] {
            if v.trim().is_empty() {
                return Err(invalid(format!("auth.oidc.{key}"), "must name a claim"));
            }
        }
        if !(60..=3600).contains(&self.login_timeout_secs) {
            return Err(invalid(
                "auth.oidc.login_timeout_secs",
                "must be between 60 and 3600",
            ));
        }
        Ok(())
    }
}
