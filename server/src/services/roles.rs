//! RolePort: eligible roles and role details from the cache.
use super::details::{inline_views, managed_views, policy_href, when};
use super::inventory::tag_pairs;
use super::{eligibility::Access, Services};
use crate::aws::snapshot::KIND_ROLE;
use crate::db;
use app::domain::{policy::pretty, AccountId, RoleName, User};
use app::views::*;
use app::AppError;
use async_trait::async_trait;
use std::collections::HashSet;

pub struct RoleService(pub Services);

/// How many recently used roles the roles home shows first.
const RECENT_SHOWN: i64 = 5;

/// The roles `user_id` used last, newest first: from the cache while it is
/// listening (every replica hears each change), else from Postgres, kept
/// unless a change arrived meanwhile.
async fn recent_roles(
    cache: &super::notified_cache::RecentCache,
    pool: &sqlx::PgPool,
    user_id: &str,
) -> crate::Result<Vec<String>> {
    if let Some(arns) = cache.get(user_id) {
        return Ok(arns);
    }
    let epoch = cache.epoch();
    let mut conn = pool.acquire().await?;
    let arns = db::audit::recent_roles(&mut conn, user_id, RECENT_SHOWN).await?;
    cache.put(user_id, &arns, epoch);
    Ok(arns)
}

#[async_trait]
impl app::ports::RolePort for RoleService {
    async fn list_eligible_roles(
        &self,
        user: &User,
        filter: &str,
        limit: usize,
    ) -> Result<RolesHomeView, AppError> {
        let eligible = self.0.eligible().roles(user).await?;
        let recent_arns = recent_roles(&self.0.recent_cache, &self.0.pool, &user.id).await?;
        let summary = |k: &db::roles::RoleKey, access: Access| RoleSummaryView {
            arn: k.arn.clone(),
            name: k.name.clone(),
            account_id: k.account_id.clone(),
            account_name: k.account_name.clone(),
            cli_only: access == Access::CliOnly,
        };
        let needle = filter.to_lowercase();
        let hit = |k: &db::roles::RoleKey| {
            needle.is_empty()
                || [&k.arn, &k.name, &k.account_name, &k.account_id]
                    .iter()
                    .any(|s| s.to_lowercase().contains(&needle))
        };
        let (mut out, mut matched, mut shown): (Vec<AccountRolesView>, usize, usize) =
            (Vec::new(), 0, 0);
        for (k, access) in eligible.iter().filter(|(k, _)| hit(k)) {
            matched += 1;
            if shown == limit {
                continue;
            }
            shown += 1;
            let role = summary(k, access);
            match out.last_mut() {
                Some(g) if g.account_id == k.account_id => g.roles.push(role),
                _ => out.push(AccountRolesView {
                    account_id: k.account_id.clone(),
                    account_name: k.account_name.clone(),
                    roles: vec![role],
                }),
            }
        }
        let recent = recent_arns
            .iter()
            .filter_map(|arn| {
                eligible
                    .iter()
                    .find(|(k, _)| &k.arn == arn)
                    .map(|(k, a)| summary(k, a))
            })
            .collect();
        Ok(RolesHomeView {
            recent,
            accounts: out,
            total: eligible.len(),
            matched,
            shown,
        })
    }

    async fn issue_credentials(
        &self,
        user: &User,
        role: &app::domain::RoleArn,
        client: &app::ports::ClientMeta,
    ) -> Result<CredentialsView, AppError> {
        let client = app::ports::ClientMeta {
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
        };
        let eligible = self
            .0
            .role_use()
            .authorize_role(user, &role.to_string(), &client)
            .await?;
        let c = self
            .0
            .role_use()
            .vend_credentials(user, &eligible, &client, false)
            .await?;
        Ok(CredentialsView {
            role_arn: role.to_string(),
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: c.session_token,
            expiration: c
                .expiration
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }

    async fn get_role(
        &self,
        user: &User,
        account: &AccountId,
        name: &RoleName,
    ) -> Result<RoleDetailView, AppError> {
        let mut conn = crate::db::conn(&self.0.pool).await?;
        let r = db::roles::get_by_name(&mut conn, account.as_str(), name.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("role {name} in account {account}")))?;
        let eligible =
            r.account_enabled && self.0.eligibility.access(user, &r.arn, &r.tags).is_some();
        let grants = if user.is_admin {
            self.0
                .eligibility
                .grants(&r.arn, &r.tags)
                .into_iter()
                .map(|g| GrantView {
                    principal: g.principal,
                    cli_only: g.access == Access::CliOnly,
                    reason: g.reason,
                })
                .collect()
        } else {
            Vec::new()
        };
        let cached = super::details::cached_policies(
            &mut conn,
            &r.managed_policies,
            r.boundary_arn.as_deref(),
        )
        .await?;
        drop(conn);
        let denials = self
            .0
            .denied_calls(&r.arn, user.is_admin || eligible)
            .await?;
        let console_url =
            super::inventory::console_url(KIND_ROLE, &r.arn, &r.name, self.0.aws.region());
        let created_by = self.0.created_by(&r.arn).await?;
        let mut view = role_view(r, &cached, console_url, eligible, grants);
        view.denials = denials;
        view.created_by = created_by;
        Ok(view)
    }
}

fn role_view(
    r: db::roles::RoleRow,
    cached: &HashSet<String>,
    console_url: String,
    eligible: bool,
    grants: Vec<GrantView>,
) -> RoleDetailView {
    RoleDetailView {
        boundary_href: r
            .boundary_arn
            .as_deref()
            .and_then(|b| policy_href(b, cached)),
        inline_policies: inline_views(&r.inline_policies),
        managed_policies: managed_views(&r.managed_policies, cached),
        tags: tag_pairs(&r.tags),
        arn: r.arn,
        name: r.name,
        path: r.path,
        account_id: r.account_id,
        account_name: r.account_name,
        description: r.description,
        created: r.created_at.as_ref().map(when),
        trust_policy: pretty(&r.trust_policy),
        synced_at: r.synced_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        boundary_arn: r.boundary_arn,
        last_used: r.last_used_at.map(|t| match &r.last_used_region {
            Some(region) => format!("{} in {region}", when(&t)),
            None => when(&t),
        }),
        console_url,
        eligible,
        grants,
        denials: None,
        created_by: None,
    }
}
