//! Vending STS credentials to users for roles they are eligible for.
//! Every issuance and every refusal is audited; credentials are never logged.

use super::{eligibility::EligibleRole, Services};
use crate::aws::sts::IssuedCredentials;
use crate::db::{self, audit::AuditEvent};
use app::domain::{RoleArn, User};
use app::AppError;
use serde_json::json;

use app::ports::ClientMeta;

/// What using a role needs, and no more: the caches and rules that decide
/// access, the broker that assumes it, and how long what it hands out
/// lives. Credentials (here) and console sign-in (`console.rs`) are its
/// two uses.
pub struct RoleUse<'a> {
    pub(super) pool: &'a sqlx::PgPool,
    pub(super) role_cache: &'a super::notified_cache::RoleCache,
    pub(super) recent_cache: &'a super::notified_cache::RecentCache,
    pub(super) eligibility: &'a super::eligibility::Eligibility,
    pub(super) broker: &'a dyn crate::aws::broker::CredentialBroker,
    pub(super) credential_duration_secs: i32,
    pub(super) console: &'a crate::config::ConsoleConfig,
    pub(super) restrictions: &'a crate::config::CredentialsConfig,
}

impl Services {
    pub fn role_use(&self) -> RoleUse<'_> {
        RoleUse {
            pool: &self.pool,
            role_cache: &self.role_cache,
            recent_cache: &self.recent_cache,
            eligibility: &self.eligibility,
            broker: self.broker.as_ref(),
            credential_duration_secs: self.config.aws.credential_duration_secs,
            console: &self.config.console,
            restrictions: &self.config.credentials,
        }
    }
}

impl RoleUse<'_> {
    /// Checks that the role is cached and the user eligible; returns the
    /// proof. Refusals of a well-formed ARN are audited.
    pub async fn authorize_role(
        &self,
        user: &User,
        requested: &str,
        client: &ClientMeta,
    ) -> Result<EligibleRole, AppError> {
        let arn =
            RoleArn::parse(requested).map_err(|e| AppError::invalid("requested_role", e.0))?;
        let decision = self.role_access(user, &arn).await;
        if let Err(e @ (AppError::Forbidden(_) | AppError::NotFound(_))) = &decision {
            let mut conn = crate::db::conn(self.pool).await?;
            db::audit::record(
                &mut conn,
                AuditEvent::by(&user.id, "credentials.issue", &arn.to_string(), client)
                    .outcome("denied")
                    .detail(json!({ "reason": e.to_string() })),
            )
            .await?;
        }
        decision
    }

    /// The user's access to a cached role: the one check behind credentials
    /// and console sign-in. A role whose account is disabled is refused, as
    /// it is left out of every role list.
    pub(super) async fn role_access(
        &self,
        user: &User,
        arn: &RoleArn,
    ) -> Result<EligibleRole, AppError> {
        let key = arn.to_string();
        let row = match self.role_cache.get(&key) {
            Some(row) => row,
            None => {
                let epoch = self.role_cache.epoch();
                let mut conn = crate::db::conn(self.pool).await?;
                let row = db::roles::access_by_arn(&mut conn, &key)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("role {arn}")))?;
                self.role_cache.put(&key, &row, epoch);
                row
            }
        };
        if !row.account_enabled {
            return Err(AppError::Forbidden(format!(
                "account {} is disabled in Latchkey",
                row.account_id
            )));
        }
        self.eligibility
            .check(user, arn, &row.tags)
            .ok_or_else(|| AppError::Forbidden(format!("you are not authorized to use {arn}")))
    }

    /// AssumeRole as the user; audited whether AWS says yes or no. With
    /// `[credentials] ip_restrictions`, the session is narrowed to those
    /// ranges unless the user asked `unrestricted` and may (a member of
    /// `no_ip_restrictions_groups`); a refused ask is audited too.
    pub async fn vend_credentials(
        &self,
        user: &User,
        role: &EligibleRole,
        client: &ClientMeta,
        unrestricted: bool,
    ) -> Result<IssuedCredentials, AppError> {
        let r = self.restrictions;
        let restricted = !r.ip_restrictions.is_empty();
        let opt_out = restricted && unrestricted;
        let arn = role.arn().to_string();
        if opt_out
            && !user
                .groups
                .iter()
                .any(|g| r.no_ip_restrictions_groups.contains(g))
        {
            let why = "no_ip_restrictions: you may not turn IP restrictions off; ask without it";
            let mut conn = crate::db::conn(self.pool).await?;
            db::audit::record(
                &mut conn,
                AuditEvent::by(&user.id, "credentials.issue", &arn, client)
                    .outcome("denied")
                    .detail(json!({ "reason": why, "no_ip_restrictions": true })),
            )
            .await?;
            return Err(AppError::Forbidden(why.into()));
        }
        let policy = (restricted && !opt_out)
            .then(|| app::domain::protection::ip_session_policy(&r.ip_restrictions));
        let result = self
            .broker
            .assume_for_user(
                role.arn(),
                &user.id,
                self.credential_duration_secs,
                policy.as_deref(),
            )
            .await;
        let audit_started = std::time::Instant::now();
        // The audit row and the recent-roles mark are one statement: both or
        // neither, one round trip, one commit.
        let mut conn = crate::db::conn(self.pool).await?;
        db::audit::record_role_use(
            &mut conn,
            AuditEvent::by(&user.id, "credentials.issue", &arn, client)
                .outcome(if result.is_ok() { "success" } else { "failure" })
                .detail(match &result {
                    Ok(c) => json!({
                        "expiration": c.expiration.to_rfc3339(), "access_key_id": c.access_key_id,
                        "ip_restricted": policy.is_some(), "no_ip_restrictions": opt_out,
                    }),
                    Err(e) => json!({ "error": e.to_string() }),
                }),
            result.is_ok(),
        )
        .await?;
        if result.is_ok() {
            // At once here; other replicas hear the change.
            self.recent_cache.forget(&user.id);
        }
        // Where an issuance's time goes (STS, then the audit commit): the
        // bench reads these to tell our tail from the emulator's.
        tracing::debug!(
            sts_us = result
                .as_ref()
                .map_or(0, |c| c.sts_elapsed.as_micros() as u64),
            audit_us = audit_started.elapsed().as_micros() as u64,
            ok = result.is_ok(),
            "credentials issued"
        );
        Ok(result?)
    }
}
