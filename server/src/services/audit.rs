//! AuditPort: the audit log for administrators.
use app::domain::Admin;
use app::ports::AuditFilter;
use app::views::AuditEventView;
use app::AppError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The audit log reads Postgres and nothing else.
pub struct AuditService {
    pool: PgPool,
}

impl AuditService {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

const PAGE: i64 = 100;

#[async_trait]
impl app::ports::AuditPort for AuditService {
    async fn list_audit(
        &self,
        _admin: &Admin,
        f: &AuditFilter,
    ) -> Result<Vec<AuditEventView>, AppError> {
        let time = |k: &str, v: &Option<String>| -> Result<Option<DateTime<Utc>>, AppError> {
            match v {
                None => Ok(None),
                Some(s) => parse_time(s).map(Some).ok_or_else(|| {
                    AppError::invalid(k, format!("{s:?} is not a date (YYYY-MM-DD or RFC 3339)"))
                }),
            }
        };
        let (since, until) = (time("since", &f.since)?, time("until", &f.until)?);
        let target_like = f.target.as_ref().map(|t| {
            format!(
                "%{}%",
                t.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        // A role or resource ARN names its account as the 5th field; account-level events target the id.
        let account_like = f.account.as_ref().map(|a| format!("%:{a}:%"));
        let search = crate::db::audit::Search {
            actor: f.actor.as_deref(),
            action: f.action.as_deref(),
            target_like: target_like.as_deref(),
            account_like: account_like.as_deref(),
            account: f.account.as_ref().map(|a| a.to_string()),
            since,
            until,
            before: f.before,
            limit: PAGE,
        };
        let mut conn = crate::db::conn(&self.pool).await?;
        let rows = crate::db::audit::search(&mut conn, &search).await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEventView {
                id: r.id,
                at: r.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                actor: r.actor,
                action: r.action,
                target: r.target,
                outcome: r.outcome,
                ip: r.ip,
                user_agent: r.user_agent,
                detail: r.detail.to_string(),
            })
            .collect())
    }
}

/// RFC 3339, or a date meaning its midnight UTC.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
}
