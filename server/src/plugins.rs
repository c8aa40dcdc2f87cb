//! Extension points for a private build. Each trait has the built-in
//! behaviour as its default implementation; a build adds its own from its own
//! crate and runs the same binary:
//!
//! ```no_run
//! # async fn f() -> std::process::ExitCode {
//! use latchkey::plugins::Plugins;
//! latchkey::run(Plugins::default() /* .with_notifier(MySlack) ... */).await
//! # }
//! ```
//!
//! See `docs/plugins.md` and `server/examples/private_plugin.rs`.
pub use crate::auth::oidc::Identity;
pub use crate::notify::{Notification, Notifier, NotifyEvent};
pub use crate::services::eligibility::{Access, EligibilitySource};
use async_trait::async_trait;
use http::HeaderMap;
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Arc;

/// Tells who a request is from, before the session cookie is looked at
/// (built in: trusted proxy headers, when configured).
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// `None` when this provider has nothing to say about the request.
    async fn identify(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<Identity>;
}

/// Adds to or rewrites a user's groups after sign-in and on every request
/// (built in: the groups the identity provider sent, unchanged).
#[async_trait]
pub trait GroupSource: Send + Sync {
    async fn groups(&self, user_id: &str, groups: Vec<String>) -> Vec<String>;
}

/// What an auto-approval rule sees of a new request.
#[derive(Debug, Clone)]
pub struct AutoApprovalInput {
    pub requester: String,
    /// The principal's account.
    pub account_id: String,
    pub principal_arn: String,
    /// Every policy document the request would apply (all changes').
    pub documents: Vec<Value>,
    /// Every change: what it does, to what, where, with which documents.
    /// A rule should look here: a change may have no document at all
    /// (`managed_policy_attach`, `tags_put`), and may target another account.
    pub changes: Vec<AutoApprovalChange>,
}

/// One change as an auto-approval rule sees it.
#[derive(Debug, Clone)]
pub struct AutoApprovalChange {
    /// `inline_policy_put`, `managed_policy_attach`, `tags_put`, ...
    pub kind: String,
    pub target_arn: String,
    /// The account the change is applied in.
    pub account_id: String,
    /// Its documents: the one it writes, and for a role creation its trust
    /// policy and every inline policy.
    pub documents: Vec<Value>,
    /// The full change as stored (`kind` plus its fields).
    pub spec: Value,
}

/// Approves requests without a human when it says so; the rule's name is
/// recorded as the approver (built in: none, every request needs a human).
pub trait AutoApprovalRule: Send + Sync {
    fn name(&self) -> &str;
    fn approves(&self, request: &AutoApprovalInput) -> bool;
}

/// A job of the build's own on a cron schedule (six fields, with seconds).
/// With several replicas it runs once per tick: a Postgres advisory lock on
/// its name is taken for the run.
#[async_trait]
pub trait ScheduledTask: Send + Sync {
    fn name(&self) -> &str;
    fn schedule(&self) -> &str;
    async fn run(&self, ctx: &TaskContext) -> Result<(), String>;
}

/// What a scheduled task is given: the database and the configuration.
#[derive(Clone)]
pub struct TaskContext {
    pub pool: sqlx::PgPool,
    pub config: Arc<crate::config::Config>,
}

/// The plugins a build runs with. `Plugins::default()` is the stock binary.
#[derive(Clone, Default)]
pub struct Plugins {
    pub identity_providers: Vec<Arc<dyn IdentityProvider>>,
    pub group_sources: Vec<Arc<dyn GroupSource>>,
    pub eligibility_sources: Vec<Arc<dyn EligibilitySource>>,
    pub notifiers: Vec<Arc<dyn Notifier>>,
    pub auto_approval_rules: Vec<Arc<dyn AutoApprovalRule>>,
    pub scheduled_tasks: Vec<Arc<dyn ScheduledTask>>,
}

/// `with_x(plugin)` adds one plugin to the list `field`.
macro_rules! adders {
    ($($with:ident => $field:ident: $trait:ident),* $(,)?) => {
        impl Plugins {
            $(
                pub fn $with(mut self, p: impl $trait + 'static) -> Self {
                    self.$field.push(Arc::new(p));
                    self
                }
            )*
        }
    };
}

adders! {
    with_identity_provider => identity_providers: IdentityProvider,
    with_group_source => group_sources: GroupSource,
    with_eligibility_source => eligibility_sources: EligibilitySource,
    with_notifier => notifiers: Notifier,
    with_auto_approval_rule => auto_approval_rules: AutoApprovalRule,
    with_scheduled_task => scheduled_tasks: ScheduledTask,
}

#[async_trait]
impl IdentityProvider for crate::auth::trusted::TrustedHeaders {
    async fn identify(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<Identity> {
        self.identity(headers, peer).await
    }
}

impl Plugins {
    /// Who the identity providers say the request is from: `built_in` (a
    /// trusted proxy's headers, when configured) first, then the build's.
    pub async fn identify(
        &self,
        built_in: Option<&dyn IdentityProvider>,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Option<Identity> {
        let providers = self.identity_providers.iter().map(|p| p.as_ref());
        for p in built_in.into_iter().chain(providers) {
            if let Some(who) = p.identify(headers, peer).await {
                if app::domain::application::is_app_id(&who.user_id) {
                    // Applications' ids are theirs alone (see start_session).
                    tracing::warn!("an identity provider named an application's id; ignored");
                    return None;
                }
                return Some(who);
            }
        }
        None
    }

    /// The first auto-approval rule that approves the request, by name.
    pub fn auto_approval(&self, request: &AutoApprovalInput) -> Option<String> {
        self.auto_approval_rules
            .iter()
            .find(|r| r.approves(request))
            .map(|r| r.name().to_owned())
    }
}

/// Runs one scheduled task unless another replica is running it (a
/// transaction-scoped advisory lock on its name, held for the run).
pub async fn run_task(task: &dyn ScheduledTask, ctx: &TaskContext) -> Result<bool, String> {
    let mut tx = ctx.pool.begin().await.map_err(|e| e.to_string())?;
    let key = format!("latchkey-plugin-task:{}", task.name());
    let claimed = crate::db::try_xact_lock(&mut tx, &key)
        .await
        .map_err(|e| e.to_string())?;
    if !claimed {
        return Ok(false);
    }
    let started = std::time::Instant::now();
    let r = task.run(ctx).await;
    tracing::info!(
        task = task.name(),
        ok = r.is_ok(),
        ms = started.elapsed().as_millis() as u64,
        "plugin task finished"
    );
    tx.commit().await.map_err(|e| e.to_string())?;
    r.map(|()| true)
}
