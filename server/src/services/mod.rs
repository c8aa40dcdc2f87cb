//! Implementations of `app::ports`, composed of db + aws + domain.
pub mod access_rules;
pub mod applications;
pub mod audit;
pub mod cli_login;
pub mod console;
pub mod credential_protection;
pub mod credentials;
pub mod denials;
pub mod details;
pub mod eligibility;
pub mod eligible;
pub mod errors;
pub mod identity;
pub mod inventory;
pub mod notified_cache;
pub mod protected;
pub mod requests;
pub mod role_query;
pub mod roles;
pub mod sessions;
pub mod sync;
pub mod tokens;
pub mod weep_login;

use crate::aws::Aws;
use crate::config::Config;
use eligibility::Eligibility;
pub use errors::internal;
use sqlx::PgPool;
use std::sync::Arc;

/// Everything a service needs, cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub pool: PgPool,
    pub aws: Arc<Aws>,
    /// AssumeRole as a user (credentials, console sign-in).
    pub broker: Arc<dyn crate::aws::broker::CredentialBroker>,
    /// Applies reviewed changes (requests, expiry).
    pub writer: Arc<dyn crate::aws::writer::ChangeWriter>,
    /// Re-reads one bucket, queue or topic (refresh, after an apply).
    pub reader: Arc<dyn crate::aws::reader::ResourceReader>,
    pub config: Arc<Config>,
    pub eligibility: Arc<Eligibility>,
    /// Admin and approver groups from config.
    pub app_roles: Arc<crate::auth::AppRoles>,
    /// OIDC sign-in, when `[auth.oidc]` is configured.
    pub oidc: Option<Arc<crate::auth::oidc::Oidc>>,
    /// Identity from a trusted proxy, when `[auth.trusted_headers]` is configured.
    pub trusted_headers: Option<Arc<crate::auth::trusted::TrustedHeaders>>,
    /// The private build's plugins (`Plugins::default()` for the stock binary).
    pub plugins: Arc<crate::plugins::Plugins>,
    pub notifiers: crate::notify::Notifiers,
    /// Bounds concurrent resource searches (`database.search_concurrency`).
    pub search_gate: crate::services::inventory::search::SearchGate,
    /// API token → user, while [`Services::start_background`]'s listener runs.
    pub token_cache: Arc<tokens::grant::TokenCache>,
    /// Session cookie hash → its session, likewise.
    pub session_cache: Arc<notified_cache::SessionCache>,
    /// Every known account, likewise (the resources page's filter, approver
    /// patterns).
    pub accounts_cache: Arc<notified_cache::AccountsCache>,
    /// Role ARN → its account state and tags, likewise.
    pub role_cache: Arc<notified_cache::RoleCache>,
    /// Each user's recently used roles (the roles home's first section).
    pub recent_cache: Arc<notified_cache::RecentCache>,
    /// Each user's eligible roles (see [`eligible`]), on the same channel.
    pub eligible_cache: Arc<eligible::cache::EligibleCache>,
    /// The version of the access rules in force here (Admin › Access).
    pub access_version: Arc<access_rules::live::LiveVersion>,
    /// What sync runs use (schedules, start-up, Run now, refreshes); its
    /// limit is `sync.concurrency` runs at once in this process.
    pub sync: crate::services::sync::engine::SyncContext,
    /// Refreshes from AWS each user may ask for, per minute.
    pub refresh_limit: Arc<inventory::per_minute::PerMinute>,
    /// When each user last signed in through a proxy's headers (audit once),
    /// and with which groups (a change reaches their API tokens at once).
    pub proxy_sign_ins: Arc<std::sync::Mutex<std::collections::HashMap<String, ProxySignIn>>>,
}

/// A proxy-header sign-in as this process last saw it.
#[derive(Debug, Clone)]
pub struct ProxySignIn {
    pub at: std::time::Instant,
    pub groups: Vec<String>,
}

impl Services {
    pub fn new(pool: PgPool, aws: Arc<Aws>, config: Arc<Config>) -> Self {
        let eligibility = Arc::new(Eligibility::from_config(&config));
        // Addresses and URLs were checked with the config; what fails here is TLS set-up.
        let notifiers = crate::notify::Notifiers::from_config(&config.notifications)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "notifications disabled");
                crate::notify::Notifiers::default()
            });
        let app_roles = Arc::new(crate::auth::AppRoles::from_config(&config.auth));
        let oidc = config
            .auth
            .oidc
            .clone()
            .map(|o| Arc::new(crate::auth::oidc::Oidc::new(o)));
        let trusted_headers = config
            .auth
            .trusted_headers
            .clone()
            .map(|t| Arc::new(crate::auth::trusted::TrustedHeaders::new(t)));
        let role_cache = Arc::new(notified_cache::RoleCache::new(
            notified_cache::ROLE_CHANNEL,
            std::time::Duration::from_secs(300),
        ));
        let eligible_cache = Arc::new(eligible::cache::EligibleCache::new(
            notified_cache::ROLE_CHANNEL,
            std::time::Duration::from_secs(300),
        ));
        let search_gate = {
            use crate::services::inventory::search::SearchGate;
            let permits = config
                .database
                .search_concurrency
                .unwrap_or_else(SearchGate::default_permits);
            if config.database.search_index {
                SearchGate::new(permits)
            } else {
                SearchGate::without_index(permits)
            }
        };
        // One reader serves both: whole accounts (sync), one item (refresh).
        let reader = Arc::new(crate::aws::reader::SdkReader(Arc::clone(&aws)));
        let sync = crate::services::sync::engine::SyncContext {
            pool: pool.clone(),
            reader: Arc::clone(&reader) as _,
            config: Arc::clone(&config),
            limit: Arc::new(tokio::sync::Semaphore::new(config.sync.concurrency.max(1))),
            roles_changed: {
                let (roles, eligible) = (Arc::clone(&role_cache), Arc::clone(&eligible_cache));
                Arc::new(move || {
                    roles.forget("");
                    eligible.forget("");
                })
            },
            resources_changed: {
                let index = Arc::clone(search_gate.index());
                Arc::new(move || index.changed())
            },
        };
        Self {
            broker: Arc::new(crate::aws::broker::StsBroker::new(aws.hub())),
            writer: Arc::new(crate::aws::writer::SdkWriter(Arc::clone(&aws))),
            reader,
            pool,
            aws,
            eligibility,
            app_roles,
            oidc,
            trusted_headers,
            plugins: Default::default(),
            notifiers,
            search_gate,
            token_cache: Arc::new(tokens::grant::TokenCache::new(
                notified_cache::TOKEN_CHANNEL,
                std::time::Duration::from_secs(60),
            )),
            session_cache: Arc::new(notified_cache::SessionCache::new(
                notified_cache::SESSION_CHANNEL,
                std::time::Duration::from_secs(60),
            )),
            accounts_cache: Arc::new(notified_cache::AccountsCache::new(
                notified_cache::RESOURCES_CHANNEL,
                std::time::Duration::from_secs(300),
            )),
            role_cache: Arc::clone(&role_cache),
            recent_cache: Arc::new(notified_cache::RecentCache::new(
                notified_cache::RECENT_CHANNEL,
                std::time::Duration::from_secs(300),
            )),
            eligible_cache: Arc::clone(&eligible_cache),
            sync,
            refresh_limit: Arc::new(inventory::per_minute::PerMinute::new(
                inventory::per_minute::REFRESHES_PER_MINUTE,
            )),
            proxy_sign_ins: Default::default(),
            access_version: Default::default(),
            config,
        }
    }

    /// Whether Postgres answers (`/readyz`).
    pub async fn database_ready(&self) -> crate::Result<()> {
        crate::db::ping(&self.pool).await
    }

    /// Whether both change listeners are subscribed, so the caches answer.
    pub fn listening(&self) -> bool {
        self.token_cache.is_live()
            && self.session_cache.is_live()
            && self.accounts_cache.is_live()
            && self.role_cache.is_live()
            && self.eligible_cache.is_live()
            && self.recent_cache.is_live()
            && self.access_version.is_live()
            && self.search_gate.index().is_listening()
    }

    /// The work a serving process keeps doing besides requests: listening
    /// for token and role changes (so API tokens and role access are
    /// resolved from memory) and reading the resource search index.
    pub fn start_background(&self) {
        tokio::spawn(Arc::clone(&self.token_cache).listen(self.pool.clone()));
        tokio::spawn(Arc::clone(&self.session_cache).listen(self.pool.clone()));
        tokio::spawn(Arc::clone(&self.accounts_cache).listen(self.pool.clone()));
        tokio::spawn(Arc::clone(self.search_gate.index()).listen(self.pool.clone()));
        tokio::spawn(Arc::clone(&self.role_cache).listen(self.pool.clone()));
        tokio::spawn(Arc::clone(&self.eligible_cache).listen(self.pool.clone()));
        tokio::spawn(Arc::clone(&self.recent_cache).listen(self.pool.clone()));
        tokio::spawn(self.clone().listen_access_rules());
        self.search_gate.index().request_rebuild(&self.pool);
    }

    /// The same services running a private build's plugins.
    pub fn with_plugins(mut self, plugins: crate::plugins::Plugins) -> Self {
        // The rules in force (perhaps loaded from Postgres) stay.
        self.eligibility = Arc::new(
            self.eligibility
                .rebuilt_with_sources(plugins.eligibility_sources.clone()),
        );
        for n in &plugins.notifiers {
            self.notifiers = self.notifiers.clone().with(Arc::clone(n));
        }
        self.plugins = Arc::new(plugins);
        self
    }
}

impl AsRef<crate::services::sync::engine::SyncContext> for Services {
    fn as_ref(&self) -> &crate::services::sync::engine::SyncContext {
        &self.sync
    }
}
