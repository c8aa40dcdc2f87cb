//! `[server]`: where Latchkey listens and how it serves pages.
use super::{invalid, ConfigError, HttpUrl, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on (ip:port); overrides Leptos.toml's site-addr when set.
    pub listen: Option<std::net::SocketAddr>,
    /// Leptos runtime settings file (site root, output name), read at start-up; `LEPTOS_*` variables override it.
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
    /// Longest a page may take to render, in seconds (1 to 300). A render
    /// still going then is answered 503 and gives its turn up, so a page
    /// that never finishes cannot keep others waiting behind it.
    #[serde(default = "default_render_timeout")]
    pub render_timeout_secs: u64,
    /// The address people and Weep reach Latchkey at (`https://latchkey.example.com`),
    /// for links Latchkey hands out; unset: the request's Host.
    #[serde(default)]
    pub public_url: Option<HttpUrl>,
    /// Load balancers and reverse proxies in front of Latchkey (IP networks,
    /// e.g. `["10.0.0.0/8"]`). From a peer in them, the client's address
    /// (what the audit trail records and per-address limits count) is the
    /// right-most `X-Forwarded-For` address outside them; from anyone else
    /// the header is ignored, so a client cannot choose its own address.
    #[serde(default)]
    pub trusted_proxies: Vec<crate::auth::cidr::Cidr>,
}

fn default_render_timeout() -> u64 {
    30
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
            render_timeout_secs: default_render_timeout(),
            public_url: None,
            trusted_proxies: Vec::new(),
        }
    }
}

impl ServerConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().trim().len() < 16)
        {
            return Err(invalid(
                "server.metrics_token",
                "must be at least 16 characters",
            ));
        }
        if !(1..=300).contains(&self.render_timeout_secs) {
            return Err(invalid(
                "server.render_timeout_secs",
                "must be between 1 and 300 seconds",
            ));
        }
        if self
            .page_concurrency
            .is_some_and(|n| !(1..=1024).contains(&n))
        {
            return Err(invalid(
                "server.page_concurrency",
                "must be 1-1024 (pages rendered at once)",
            ));
        }
        Ok(())
    }
}
