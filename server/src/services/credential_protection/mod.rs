//! Credential protection (`[credential_protection]`, off by default): per
//! account, one customer managed policy that refuses the account's role
//! credentials outside its own networks (see `app::domain::protection`),
//! attached to the roles tagged for it. Each account's first write waits
//! until an administrator approved the plan on Admin › Protection, where the
//! generated policy is shown as a diff against what IAM holds; after that,
//! each scheduled run keeps the policy in step with the account's networks.
pub mod run;

use crate::config::Config;
use crate::db;
use crate::services::Services;
use app::domain::protection::Networks;
use app::domain::{AccountId, Admin};
use app::ports::ClientMeta;
use app::views::{ProtectionAccountView, ProtectionPageView};
use app::AppError;
use async_trait::async_trait;
use run::{plan_hash, policy_arn, Actor};

fn off() -> AppError {
    AppError::Conflict(
        "credential protection is off: set [credential_protection] enabled = true".into(),
    )
}

/// The stored JSON text, pretty-printed as every policy on the site is.
fn pretty(text: &str) -> String {
    serde_json::from_str(text)
        .map(|v| app::domain::policy::pretty(&v))
        .unwrap_or_else(|_| text.to_owned())
}

/// One account's row on the page.
fn account_view(
    config: &Config,
    id: String,
    name: String,
    plan: Option<db::protection::PlanRow>,
) -> ProtectionAccountView {
    let policy_arn = AccountId::parse(&id)
        .map(|a| policy_arn(config, &a))
        .unwrap_or_default();
    let mut v = ProtectionAccountView {
        account_id: id,
        name,
        policy_arn,
        state: "not-planned".into(),
        nat_ips: Vec::new(),
        elastic_ips: Vec::new(),
        vpcs: Vec::new(),
        planned: None,
        live: None,
        live_version: None,
        plan_hash: None,
        plan_error: None,
        planned_at: None,
        approved_by: None,
        approved_at: None,
        written_at: None,
        write_error: None,
        attached: Vec::new(),
        attach_errors: Vec::new(),
    };
    let Some(p) = plan else { return v };
    let networks: Networks = serde_json::from_value(p.networks).unwrap_or_default();
    v.state = match (&p.planned, &p.plan_error, &p.write_error, &p.approved_at) {
        (_, Some(_), _, _) | (None, _, _, _) => "cannot-write",
        (_, _, Some(_), Some(_)) => "write-failed",
        (_, _, _, None) => "awaiting-approval",
        (Some(doc), ..)
            if p.live
                .as_deref()
                .is_some_and(|l| run::same_document(l, doc)) =>
        {
            "up-to-date"
        }
        _ => "update-pending",
    }
    .into();
    v.nat_ips = networks.nat_ips.into_iter().collect();
    v.elastic_ips = networks.elastic_ips.into_iter().collect();
    v.vpcs = networks.vpcs.into_iter().collect();
    v.plan_hash = p.planned.as_deref().map(plan_hash);
    v.planned = p.planned.as_deref().map(pretty);
    v.live = p.live.as_deref().map(pretty);
    v.live_version = p.live_version;
    v.plan_error = p.plan_error;
    v.planned_at = Some(p.planned_at.to_rfc3339());
    v.approved_by = p.approved_by;
    v.approved_at = p.approved_at.map(|t| t.to_rfc3339());
    v.written_at = p.written_at.map(|t| t.to_rfc3339());
    v.write_error = p.write_error;
    v.attached = p.attached;
    v.attach_errors = p.attach_errors;
    v
}

/// The admin page's port.
pub struct ProtectionService(pub Services);

#[async_trait]
impl app::ports::ProtectionPort for ProtectionService {
    async fn protection(&self, _admin: &Admin) -> Result<ProtectionPageView, AppError> {
        let c = &self.0.config.credential_protection;
        let mut page = ProtectionPageView {
            enabled: c.enabled,
            policy_name: c.policy_name.clone(),
            tag_key: c.tag_key.clone(),
            extra_cidrs: c.extra_cidrs.clone(),
            accounts: Vec::new(),
        };
        if !c.enabled {
            return Ok(page);
        }
        let rows = db::protection::all(&mut *db::conn(&self.0.pool).await?).await?;
        page.accounts = rows
            .into_iter()
            .map(|(id, name, plan)| account_view(&self.0.config, id, name, plan))
            .collect();
        Ok(page)
    }

    async fn run_protection(&self, admin: &Admin, client: &ClientMeta) -> Result<(), AppError> {
        if !self.0.config.credential_protection.enabled {
            return Err(off());
        }
        let actor = Actor {
            id: &admin.user().id,
            client,
        };
        self.0.protect_accounts(&actor).await?;
        Ok(())
    }

    async fn approve_protection(
        &self,
        admin: &Admin,
        account: &AccountId,
        plan_hash: &str,
        client: &ClientMeta,
    ) -> Result<(), AppError> {
        if !self.0.config.credential_protection.enabled {
            return Err(off());
        }
        let actor = Actor {
            id: &admin.user().id,
            client,
        };
        self.0
            .approve_protection_plan(account, plan_hash, &actor)
            .await
            .map(drop)
    }
}
