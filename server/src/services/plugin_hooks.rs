//! What the services do with a build's plugins: ask its identity providers
//! and group sources, tell its notifiers, consult its auto-approval rules and
//! run its scheduled tasks (see `crate::plugins` for the traits).
use super::Services;
use crate::auth::oidc::Identity;
use crate::plugins::{AutoApprovalInput, IdentityProvider, ScheduledTask, TaskContext};
use http::HeaderMap;
use std::net::IpAddr;
use std::sync::Arc;

impl Services {
    /// Who the identity providers say the request is from (built-ins first).
    pub async fn identify(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<Identity> {
        if let Some(t) = &self.trusted_headers {
            if let Some(who) = t.identify(headers, peer).await {
                return Some(who);
            }
        }
        for p in &self.plugins.identity_providers {
            if let Some(who) = p.identify(headers, peer).await {
                return Some(who);
            }
        }
        None
    }

    /// The first auto-approval rule that approves the request, by name.
    pub fn auto_approval(&self, request: &AutoApprovalInput) -> Option<String> {
        self.plugins
            .auto_approval_rules
            .iter()
            .find(|r| r.approves(request))
            .map(|r| r.name().to_owned())
    }

    /// Runs one plugin task unless another replica is running it.
    pub async fn run_scheduled_task(&self, task: &dyn ScheduledTask) -> Result<bool, String> {
        let mut tx = self.pool.begin().await.map_err(|e| e.to_string())?;
        let key = format!("latchkey-plugin-task:{}", task.name());
        let claimed = crate::db::try_xact_lock(&mut tx, &key)
            .await
            .map_err(|e| e.to_string())?;
        if !claimed {
            return Ok(false);
        }
        let started = std::time::Instant::now();
        let ctx = TaskContext {
            pool: self.pool.clone(),
            config: Arc::clone(&self.config),
        };
        let r = task.run(&ctx).await;
        tracing::info!(
            task = task.name(),
            ok = r.is_ok(),
            ms = started.elapsed().as_millis() as u64,
            "plugin task finished"
        );
        tx.commit().await.map_err(|e| e.to_string())?;
        r.map(|()| true)
    }
}
