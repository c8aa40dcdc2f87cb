//! Typed settings: a TOML file plus `LATCHKEY__SECTION__KEY` environment
//! overrides (and `DATABASE_URL`), checked at boot. A bad value stops start-up
//! with a message naming its key.

use app::domain::AccountId;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
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
    #[serde(default)]
    pub console: ConsoleConfig,
    /// AWS Organizations whose member accounts are discovered (ListAccounts).
    #[serde(default)]
    pub organizations: Vec<OrganizationConfig>,
    #[serde(default)]
    pub notifications: NotificationsConfig,
    #[serde(default)]
    pub requests: RequestsConfig,
}

/// AWS console sign-in through the federation endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// getSigninToken / login endpoint.
    #[serde(default = "default_federation")]
    pub federation_url: String,
    /// Shown by AWS as where the session came from (Issuer).
    #[serde(default = "default_issuer")]
    pub issuer: String,
    /// Console session length (900..=43200 seconds).
    #[serde(default = "default_duration")]
    pub session_duration_secs: i32,
}
fn default_federation() -> String {
    "https://signin.aws.amazon.com/federation".into()
}
fn default_issuer() -> String {
    "https://latchkey.example.com".into()
}
impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            federation_url: default_federation(),
            issuer: default_issuer(),
            session_duration_secs: default_duration(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationConfig {
    /// The management account; its spoke role is assumed to call ListAccounts.
    pub management_account_id: String,
    /// Whether newly discovered accounts are synced without an admin enabling them.
    #[serde(default = "yes")]
    pub enable_new_accounts: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on; overrides Leptos.toml's site-addr when set.
    pub listen: Option<String>,
    #[serde(default = "default_leptos_file")]
    pub leptos_config: String,
    /// Whether this is a production deployment (dev sign-in is refused then).
    #[serde(default)]
    pub production: bool,
    /// When set, `GET /metrics` wants `Authorization: Bearer <this>`
    /// (Prometheus' `authorization` / `bearer_token_file`); unset, it is open.
    #[serde(default)]
    pub metrics_token: Option<SecretString>,
    /// How many server-rendered pages render at once, the rest waiting their
    /// turn in arrival order (default: twice the cores).
    #[serde(default)]
    pub page_concurrency: Option<usize>,
}
fn default_leptos_file() -> String {
    "Leptos.toml".into()
}
impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: None,
            leptos_config: default_leptos_file(),
            production: false,
            metrics_token: None,
            page_concurrency: None,
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    #[serde(default = "default_pool")]
    pub max_connections: u32,
    /// How many resource searches may run at once (default: twice the cores).
    #[serde(default)]
    pub search_concurrency: Option<usize>,
    /// Answer resource searches from an in-process index (rebuilt in the
    /// background after changes; about 200 bytes per cached row). Off: every
    /// search is a SQL query.
    #[serde(default = "yes")]
    pub search_index: bool,
}
/// The URL's password never reaches a log line.
impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url_password(&self.url))
            .field("max_connections", &self.max_connections)
            .field("search_concurrency", &self.search_concurrency)
            .field("search_index", &self.search_index)
            .finish()
    }
}

/// `scheme://user:password@host/...` with the password replaced.
pub fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(parts) => parts,
        None => return url.to_owned(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:[redacted]@{host}"),
        None => url.to_owned(),
    }
}

fn default_pool() -> u32 {
    10
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Set for an emulator (http://...); unset means real AWS over HTTPS.
    pub endpoint_url: Option<String>,
    #[serde(default = "default_region")]
    pub region: String,
    /// Role assumed in every spoke account by the sync and by approvals.
    pub spoke_role_name: String,
    /// Credential lifetime handed to users, in seconds.
    #[serde(default = "default_duration")]
    pub credential_duration_secs: i32,
    /// The role Latchkey itself runs as (the hub), when it is one: never
    /// eligible, never a request target. The spoke role in every account is
    /// protected the same way without being listed.
    #[serde(default)]
    pub hub_role_arn: Option<String>,
    /// More roles nobody may use or change through Latchkey, whatever a rule
    /// or tag says: role ARNs or ARN patterns with `*` and `?`
    /// (e.g. `arn:aws:iam::*:role/OrganizationAccountAccessRole`).
    #[serde(default)]
    pub protected_roles: Vec<String>,
}
fn default_region() -> String {
    "us-east-1".into()
}
fn default_duration() -> i32 {
    3600
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub id: String,
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Default six-field cron expression (with seconds), e.g. "0 */15 * * * *".
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// Per-task schedules (iam, s3, sqs, sns) overriding `schedule`.
    #[serde(default)]
    pub schedules: std::collections::BTreeMap<String, String>,
    #[serde(default = "yes")]
    pub on_start: bool,
    /// Task/account runs in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Items (buckets, queues, topics) one run reads at once: enough to hide
    /// each call's round trip, few enough for the services' request rates.
    #[serde(default = "default_item_concurrency")]
    pub item_concurrency: usize,
}
fn default_concurrency() -> usize {
    4
}
fn default_item_concurrency() -> usize {
    8
}
fn default_schedule() -> String {
    "0 */15 * * * *".into()
}
impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            schedule: default_schedule(),
            schedules: Default::default(),
            on_start: true,
            concurrency: default_concurrency(),
            item_concurrency: default_item_concurrency(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub dev_mode: bool,
    #[serde(default)]
    pub admin_groups: Vec<String>,
    #[serde(default)]
    pub dev_users: Vec<DevUser>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrustedMode {
    /// AWS ALB authentication: the signed `x-amzn-oidc-data` JWT.
    Alb,
    /// Plain headers, e.g. oauth2-proxy's `X-Forwarded-User`/`-Groups`.
    Headers,
}

/// Identity from headers set by a proxy. Only requests whose socket peer is
/// in `trusted_proxies` are believed; from anywhere else the headers are ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedHeadersConfig {
    pub mode: TrustedMode,
    pub trusted_proxies: Vec<crate::auth::cidr::Cidr>,
    /// headers mode: the user id header.
    #[serde(default = "default_user_header")]
    pub user_header: String,
    /// headers mode: comma-separated groups.
    #[serde(default = "default_groups_header")]
    pub groups_header: String,
    /// alb mode: the load balancer's ARN; tokens signed by another are refused.
    pub alb_arn: Option<String>,
    /// alb mode: where public keys are fetched (`{url}/{kid}`); defaults to
    /// `https://public-keys.auth.elb.{region of alb_arn}.amazonaws.com`.
    pub alb_public_key_url: Option<String>,
    /// alb mode: claims holding the groups and the user id.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    #[serde(default = "default_user_id_claim")]
    pub user_id_claim: String,
}
fn default_user_header() -> String {
    "x-forwarded-user".into()
}
fn default_groups_header() -> String {
    "x-forwarded-groups".into()
}

impl TrustedHeadersConfig {
    /// The ALB public key base URL (validated at load).
    pub fn alb_key_url(&self) -> Option<String> {
        if let Some(u) = &self.alb_public_key_url {
            return Some(u.trim_end_matches('/').to_owned());
        }
        let region = self.alb_arn.as_deref()?.split(':').nth(3)?;
        Some(format!(
            "https://public-keys.auth.elb.{region}.amazonaws.com"
        ))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let key = |k: &str| format!("auth.trusted_headers.{k}");
        if self.trusted_proxies.is_empty() {
            return Err(invalid(
                key("trusted_proxies"),
                "list the proxies' networks, e.g. [\"10.0.0.0/8\"]",
            ));
        }
        for (k, v) in [
            ("user_header", &self.user_header),
            ("groups_header", &self.groups_header),
        ] {
            if http::HeaderName::from_bytes(v.as_bytes()).is_err() {
                return Err(invalid(key(k), "not a valid header name"));
            }
        }
        if self.mode == TrustedMode::Alb {
            let arn = self.alb_arn.as_deref().unwrap_or_default();
            let parts: Vec<&str> = arn.split(':').collect();
            if parts.len() < 6
                || !arn.starts_with("arn:aws")
                || parts[2] != "elasticloadbalancing"
                || parts[3].is_empty()
            {
                return Err(invalid(
                    key("alb_arn"),
                    "alb mode needs the load balancer ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/...)",
                ));
            }
            if let Some(u) = &self.alb_public_key_url {
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    return Err(invalid(key("alb_public_key_url"), "must be an http(s) URL"));
                }
            }
        }
        Ok(())
    }
}

/// A secret from config: never printed by `Debug`, read with [`SecretString::expose`].
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

/// OpenID Connect sign-in (authorization code with PKCE, state and nonce).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer; its discovery document is
    /// `{issuer_url}/.well-known/openid-configuration`.
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// This server's `/auth/oidc/callback` as the provider knows it.
    pub redirect_url: String,
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
fn default_groups_claim() -> String {
    "groups".into()
}
fn default_user_id_claim() -> String {
    "email".into()
}
fn default_provider_name() -> String {
    "single sign-on".into()
}
fn default_login_timeout() -> i64 {
    600
}

/// Members of `group` approve requests in `accounts`: 12-digit ids, account
/// names, or patterns of either with `*` and `?` (`"*"` is every account).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproverRule {
    pub group: String,
    pub accounts: Vec<String>,
}
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevUser {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Members of `group` (or the user `user`) may use roles matching `roles`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    pub group: Option<String>,
    pub user: Option<String>,
    pub roles: Vec<String>,
    #[serde(default)]
    pub cli_only: bool,
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

impl Config {
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
                set_path(&mut value, &["database", "url"], &v);
            } else if let Some(rest) = k.strip_prefix("LATCHKEY__") {
                let path: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
                let refs: Vec<&str> = path.iter().map(String::as_str).collect();
                set_path(&mut value, &refs, &v);
            }
        }
        let cfg: Config = toml::Value::Table(value)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.notifications.validate()?;
        if self
            .server
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().trim().len() < 16)
        {
            return Err(invalid(
                "server.metrics_token",
                "must be at least 16 characters",
            ));
        }
        if self.auth.dev_mode && self.server.production {
            return Err(invalid(
                "auth.dev_mode",
                "dev sign-in cannot be enabled when server.production = true",
            ));
        }
        if self.auth.dev_mode && !self.auth.i_know_dev_mode_is_unsafe {
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
        if let Some(ep) = &self.aws.endpoint_url {
            if !(ep.starts_with("http://") || ep.starts_with("https://")) {
                return Err(invalid(
                    "aws.endpoint_url",
                    "must start with http:// or https://",
                ));
            }
        }
        app::domain::RoleName::parse(&self.aws.spoke_role_name)
            .map_err(|e| invalid("aws.spoke_role_name", e.0))?;
        if let Some(hub) = &self.aws.hub_role_arn {
            app::domain::RoleArn::parse(hub).map_err(|e| invalid("aws.hub_role_arn", e.0))?;
        }
        for p in &self.aws.protected_roles {
            if !p.starts_with("arn:") || !p.contains(":role/") {
                return Err(invalid(
                    "aws.protected_roles",
                    format!("{p:?} must be a role ARN or an ARN pattern with * and ?"),
                ));
            }
        }
        for (i, a) in self.accounts.iter().enumerate() {
            AccountId::parse(&a.id).map_err(|e| invalid(format!("accounts[{i}].id"), e.0))?;
        }
        if !(self.console.federation_url.starts_with("https://")
            || self.console.federation_url.starts_with("http://"))
        {
            return Err(invalid("console.federation_url", "must be an http(s) URL"));
        }
        if !(900..=43200).contains(&self.console.session_duration_secs) {
            return Err(invalid(
                "console.session_duration_secs",
                "must be between 900 and 43200",
            ));
        }
        for (i, o) in self.organizations.iter().enumerate() {
            AccountId::parse(&o.management_account_id)
                .map_err(|e| invalid(format!("organizations[{i}].management_account_id"), e.0))?;
        }
        let schedules = std::iter::once(("sync.schedule".to_string(), &self.sync.schedule)).chain(
            self.sync
                .schedules
                .iter()
                .map(|(k, v)| (format!("sync.schedules.{k}"), v)),
        );
        for (key, expr) in schedules {
            tokio_cron_scheduler::Job::new_async(expr.as_str(), |_, _| Box::pin(async {}))
                .map_err(|e| invalid(&key, format!("not a valid cron expression: {e}")))?;
        }
        if self
            .server
            .page_concurrency
            .is_some_and(|n| !(1..=1024).contains(&n))
        {
            return Err(invalid(
                "server.page_concurrency",
                "must be 1-1024 (pages rendered at once)",
            ));
        }
        if !(1..=64).contains(&self.sync.item_concurrency) {
            return Err(invalid(
                "sync.item_concurrency",
                "must be 1-64 (items of one account read at once)",
            ));
        }
        for k in self.sync.schedules.keys() {
            if !["accounts", "iam", "s3", "sqs", "sns", "expiry"].contains(&k.as_str()) {
                return Err(invalid(
                    format!("sync.schedules.{k}"),
                    "unknown task; tasks are accounts, iam, s3, sqs, sns, expiry",
                ));
            }
        }
        for (i, r) in self.eligibility.iter().enumerate() {
            if r.group.is_none() == r.user.is_none() {
                return Err(invalid(
                    format!("eligibility[{i}]"),
                    "set exactly one of group or user",
                ));
            }
            for p in &r.roles {
                if !p.starts_with("arn:") {
                    return Err(invalid(
                        format!("eligibility[{i}].roles"),
                        format!("{p:?} must be a role ARN or an ARN pattern with * and ?"),
                    ));
                }
            }
        }
        for (i, a) in self.auth.approvers.iter().enumerate() {
            if a.group.trim().is_empty() {
                return Err(invalid(
                    format!("auth.approvers[{i}].group"),
                    "must name a group",
                ));
            }
            if a.accounts.is_empty() || a.accounts.iter().any(|p| p.trim().is_empty()) {
                return Err(invalid(
                    format!("auth.approvers[{i}].accounts"),
                    "list account ids, names or patterns (\"*\" for every account)",
                ));
            }
        }
        if let Some(o) = &self.auth.oidc {
            o.validate()?;
        }
        if let Some(t) = &self.auth.trusted_headers {
            t.validate()?;
        }
        if !(1..=3650).contains(&self.auth.token_max_days) {
            return Err(invalid("auth.token_max_days", "must be 1-3650 days"));
        }
        if !(1..=self.auth.token_max_days).contains(&self.auth.cli_token_days) {
            return Err(invalid(
                "auth.cli_token_days",
                "must be at least 1 and at most auth.token_max_days",
            ));
        }
        if self.auth.session_hours <= 0 {
            return Err(invalid("auth.session_hours", "must be at least 1"));
        }
        if self.auth.dev_mode && self.auth.dev_users.is_empty() {
            return Err(invalid(
                "auth.dev_users",
                "dev mode needs at least one dev user",
            ));
        }
        Ok(())
    }

    /// The cron expression of a task.
    pub fn schedule_of(&self, task: &str) -> &str {
        self.sync.schedules.get(task).unwrap_or(&self.sync.schedule)
    }

    /// When the temporary-access sweeper runs (default every five minutes).
    pub fn expiry_schedule(&self) -> &str {
        self.sync
            .schedules
            .get("expiry")
            .map_or("0 */5 * * * *", String::as_str)
    }

    pub fn spoke_role_arn(&self, account: &AccountId) -> String {
        format!("arn:aws:iam::{}:role/{}", account, self.aws.spoke_role_name)
    }
}

impl OidcConfig {
    fn validate(&self) -> Result<(), ConfigError> {
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

fn set_path(t: &mut toml::Table, path: &[&str], v: &str) {
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

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
        [database]
        url = "postgres://localhost/x"
        [aws]
        endpoint_url = "http://127.0.0.1:5000"
        spoke_role_name = "LatchkeySpoke"
        [[accounts]]
        id = "222222222222"
        name = "dev"
        [auth]
        dev_mode = true
        admin_groups = ["admins"]
        [[auth.dev_users]]
        id = "a@example.com"
        display_name = "A"
        [[eligibility]]
        group = "engineers"
        roles = ["arn:aws:iam::*:role/demo-*"]
    "#;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let t = BASE.replace("postgres://localhost/x", "postgres://lk:hunter2secret@db/x")
            + "\n[server]\nmetrics_token = \"metrics-token-0123456789\"\n";
        let cfg = Config::from_toml(&t, std::iter::empty()).unwrap();
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("hunter2secret"), "{shown}");
        assert!(!shown.contains("metrics-token-0123456789"), "{shown}");
        assert!(shown.contains("postgres://lk:[redacted]@db/x"), "{shown}");
        assert_eq!(redact_url_password("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn a_valid_file_loads_and_env_overrides_win() {
        let env = vec![
            ("DATABASE_URL".to_string(), "postgres://db/y".to_string()),
            (
                "LATCHKEY__SYNC__SCHEDULE".to_string(),
                "0 0 * * * *".to_string(),
            ),
            (
                "LATCHKEY__SERVER__LISTEN".to_string(),
                "127.0.0.1:4000".to_string(),
            ),
            (
                "LATCHKEY__AUTH__ADMIN_GROUPS".to_string(),
                r#"["ops", "sec"]"#.to_string(),
            ),
        ];
        let c = Config::from_toml(BASE, env.into_iter()).unwrap();
        assert_eq!(c.database.url, "postgres://db/y");
        assert_eq!(c.sync.schedule, "0 0 * * * *");
        assert_eq!(c.server.listen.as_deref(), Some("127.0.0.1:4000"));
        assert_eq!(
            c.auth.admin_groups,
            ["ops", "sec"],
            "arrays from the environment"
        );
        assert_eq!(
            c.spoke_role_arn(&AccountId::parse("222222222222").unwrap()),
            "arn:aws:iam::222222222222:role/LatchkeySpoke"
        );
    }

    fn err(text: &str) -> String {
        Config::from_toml(text, std::iter::empty())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bad_values_name_their_key() {
        assert!(err(&BASE.replace("\"222222222222\"", "\"22\"")).contains("accounts[0].id"));
        assert!(err(&format!("{BASE}\n[sync]\nschedule = \"every day\"")).contains("sync.schedule"));
        assert!(
            err(&format!("{BASE}\n[sync]\nitem_concurrency = 0")).contains("sync.item_concurrency")
        );
        assert!(err(&format!("{BASE}\n[server]\npage_concurrency = 0"))
            .contains("server.page_concurrency"));
        assert!(
            err(&format!("{BASE}\n[sync.schedules]\ns3 = \"nope\"")).contains("sync.schedules.s3")
        );
        assert!(
            err(&format!("{BASE}\n[sync.schedules]\nec2 = \"0 0 * * * *\""))
                .contains("sync.schedules.ec2")
        );
        assert!(err(&format!(
            "{BASE}\n[[organizations]]\nmanagement_account_id = \"1\""
        ))
        .contains("organizations[0]"));
        assert!(err(&BASE.replace("arn:aws:iam::*:role/demo-*", "demo-*"))
            .contains("eligibility[0].roles"));
        assert!(err(&format!("{BASE}\n[server]\nproduction = true")).contains("auth.dev_mode"));
        // Dev sign-in next to a real identity source or real AWS needs the flag.
        let real_aws = BASE.replace("endpoint_url = \"http://127.0.0.1:5000\"", "");
        assert!(err(&real_aws).contains("auth.dev_mode: dev sign-in lets anyone be anyone"));
        let flagged = real_aws.replace(
            "dev_mode = true",
            "dev_mode = true\ni_know_dev_mode_is_unsafe = true",
        );
        assert!(Config::from_toml(&flagged, std::iter::empty()).is_ok());
        assert!(err(&format!("{BASE}\n[server]\nmetrics_token = \"short\""))
            .contains("server.metrics_token: must be at least 16 characters"));
        assert!(err(&format!(
            "{BASE}\n[[auth.approvers]]\ngroup = \"leads\"\naccounts = []"
        ))
        .contains("auth.approvers[0].accounts"));
        let oidc = "\n[auth.oidc]\nissuer_url = \"https://idp.example.com\"\nclient_id = \"lk\"\nclient_secret = \"s3cret\"\nredirect_url = \"https://lk.example.com/auth/oidc/callback\"\n";
        let with_oidc = BASE
            .replace(
                "dev_mode = true",
                "dev_mode = true\ni_know_dev_mode_is_unsafe = true",
            )
            .replace("[[auth.dev_users]]", &format!("{oidc}\n[[auth.dev_users]]"));
        let c = Config::from_toml(&with_oidc, std::iter::empty()).unwrap();
        assert!(!format!("{c:?}").contains("s3cret"), "secrets never print");
        assert!(err(&with_oidc.replace(
            "idp.example.com\"",
            "idp.example.com\"\nscopes = [\"email\"]"
        ))
        .contains("auth.oidc.scopes"));
        assert!(err(&with_oidc.replace("/auth/oidc/callback", "/cb"))
            .contains("auth.oidc.redirect_url"));
        assert!(err(&with_oidc.replace("https://idp.example.com", "idp"))
            .contains("auth.oidc.issuer_url"));
        assert!(
            err(&BASE.replace("http://127.0.0.1:5000", "127.0.0.1:5000"))
                .contains("aws.endpoint_url")
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(err(&BASE.replace("[aws]", "[aws]\nendpoint = \"x\"")).contains("endpoint"));
    }
}

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
    fn validate(&self) -> Result<(), ConfigError> {
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

/// How permission requests are reviewed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestsConfig {
    /// Changes the policy checks flag as high risk (wildcards, privilege
    /// escalation, public principals) need two distinct approvers.
    #[serde(default)]
    pub two_approvers_for_high_risk: bool,
    /// Wizard requests these rules approve without a person.
    #[serde(default)]
    pub auto_approve: Vec<AutoApproveRule>,
    /// Lets account approvers (not only admins) edit directly in the
    /// accounts they approve. A direct edit is a self-approval either way,
    /// so it also needs `auth.allow_admin_self_approval`.
    #[serde(default)]
    pub approvers_may_edit_directly: bool,
}

/// Approves wizard requests whose every action only reads (action groups
/// marked read-only, custom actions of access level List or Read) on
/// resources and principals that all live in the rule's accounts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoApproveRule {
    /// Shown on every change it approves.
    pub name: String,
    /// Account ids or names (globs allowed), e.g. ["sandbox", "dev-*"].
    pub accounts: Vec<String>,
}
