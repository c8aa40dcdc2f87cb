//! `[database]`: the Postgres pool and the resource search index.
use super::yes;
use serde::Deserialize;

#[derive(Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// PostgreSQL connection URL (`postgres://user:password@host:5432/db`); `DATABASE_URL` sets it too.
    pub url: String,
    /// Connections in the pool, per process.
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
