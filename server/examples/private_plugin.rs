//! A private build of Latchkey: the stock server plus this organisation's own
//! plugins, in its own crate, without forking. Copy this file as `src/main.rs`
//! of a crate that depends on `latchkey` (the `server` package) and
//! `async-trait`; `cargo test` compiles it here so it keeps building, and
//! `server/tests/plugins.rs` runs these same plugins in-process.
use async_trait::async_trait;
use latchkey::plugins::{
    Access, AutoApprovalInput, AutoApprovalRule, EligibilitySource, GroupSource, Identity,
    IdentityProvider, Notification, Notifier, Plugins, ScheduledTask, TaskContext,
};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Identity from the service mesh's sidecar, which runs on the same host.
pub struct MeshIdentity;

#[async_trait]
impl IdentityProvider for MeshIdentity {
    async fn identify(&self, headers: &http::HeaderMap, peer: Option<IpAddr>) -> Option<Identity> {
        if !peer.is_some_and(|p| p.is_loopback()) {
            return None;
        }
        let user = headers.get("x-mesh-user")?.to_str().ok()?.to_owned();
        let groups = headers
            .get("x-mesh-groups")
            .and_then(|v| v.to_str().ok())
            .map(|g| g.split(',').map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default();
        Some(Identity {
            display_name: user.clone(),
            user_id: user,
            groups,
        })
    }
}

/// Every employee is in `everyone` (a real one would ask the HR directory).
pub struct EveryoneGroup;

#[async_trait]
impl GroupSource for EveryoneGroup {
    async fn groups(&self, _user_id: &str, mut groups: Vec<String>) -> Vec<String> {
        if !groups.iter().any(|g| g == "everyone") {
            groups.push("everyone".into());
        }
        groups
    }
}

/// Whoever is on call may use the break-glass role in every account.
pub struct OnCallBreakGlass;

impl EligibilitySource for OnCallBreakGlass {
    fn access(
        &self,
        user: &app::domain::User,
        role_arn: &str,
        _tags: &serde_json::Value,
    ) -> Option<Access> {
        (user.in_group("on-call") && role_arn.ends_with(":role/break-glass"))
            .then_some(Access::Full)
    }
}

/// Posts request events to the team chat (here: into an outbox).
#[derive(Clone, Default)]
pub struct ChatNotifier {
    pub outbox: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Notifier for ChatNotifier {
    fn name(&self) -> &'static str {
        "chat"
    }

    async fn notify(&self, n: &Notification) -> Result<(), String> {
        let line = format!(
            "{} {} request {}: {}",
            n.actor, n.event, n.request_id, n.detail
        );
        self.outbox
            .lock()
            .map_err(|_| "outbox poisoned".to_owned())?
            .push(line);
        Ok(())
    }
}

/// Read-only actions in the sandbox accounts need no human.
pub struct ReadOnlyInSandbox {
    pub sandbox_accounts: Vec<String>,
}

impl AutoApprovalRule for ReadOnlyInSandbox {
    fn name(&self) -> &str {
        "read-only-in-sandbox"
    }
    fn approves(&self, r: &AutoApprovalInput) -> bool {
        let read_only = |a: &str| {
            let verb = a.split(':').nth(1).unwrap_or_default();
            ["Get", "List", "Describe"]
                .iter()
                .any(|p| verb.starts_with(p))
        };
        // Every change must be a policy document that only reads, applied in
        // a sandbox account. Nothing at all, or any change without a document
        // (attaching AdministratorAccess, tagging a role eligible), is for a human.
        let reads = |d: &serde_json::Value| {
            d["Statement"].as_array().is_some_and(|st| {
                !st.is_empty()
                    && st.iter().all(|s| match &s["Action"] {
                        serde_json::Value::String(a) => read_only(a),
                        serde_json::Value::Array(v) => {
                            !v.is_empty() && v.iter().all(|a| a.as_str().is_some_and(read_only))
                        }
                        _ => false,
                    })
            })
        };
        !r.changes.is_empty()
            && r.changes.iter().all(|c| {
                matches!(c.kind.as_str(), "inline_policy_put" | "resource_policy_put")
                    && self.sandbox_accounts.contains(&c.account_id)
                    && !c.documents.is_empty()
                    && c.documents.iter().all(reads)
            })
    }
}

/// Counts live sessions every hour (a real one might export them somewhere).
pub struct SessionCount;

#[async_trait]
impl ScheduledTask for SessionCount {
    fn name(&self) -> &str {
        "session-count"
    }
    fn schedule(&self) -> &str {
        "0 0 * * * *"
    }
    async fn run(&self, ctx: &TaskContext) -> Result<(), String> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
            .fetch_one(&ctx.pool)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(sessions = n, "live sessions");
        Ok(())
    }
}

/// This organisation's plugins.
pub fn plugins(notifier: ChatNotifier) -> Plugins {
    Plugins::default()
        .with_identity_provider(MeshIdentity)
        .with_group_source(EveryoneGroup)
        .with_eligibility_source(OnCallBreakGlass)
        .with_notifier(notifier)
        .with_auto_approval_rule(ReadOnlyInSandbox {
            sandbox_accounts: vec!["333333333333".into()],
        })
        .with_scheduled_task(SessionCount)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    latchkey::run(plugins(ChatNotifier::default())).await
}
