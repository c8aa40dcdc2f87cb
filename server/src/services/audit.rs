//! AuditPort: the audit log for administrators.
use super::{db_error, Services};
use app::domain::Admin;
use app::ports::AuditFilter;
use app::views::AuditEventView;
use app::AppError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub struct AuditService(pub Services);

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    target: String,
    outcome: String,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: serde_json::Value,
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
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, at, actor, action, target, outcome, ip, user_agent, detail FROM audit_events
             WHERE ($1::text IS NULL OR actor = $1)
               AND ($2::text IS NULL OR action = $2)
               AND ($3::text IS NULL OR target LIKE $3)
               AND ($4::text IS NULL OR target LIKE $4 OR target = $5)
               AND ($6::timestamptz IS NULL OR at >= $6)
               AND ($7::timestamptz IS NULL OR at < $7)
               AND ($8::bigint IS NULL OR id < $8)
             ORDER BY id DESC LIMIT $9",
        )
        .bind(&f.actor)
        .bind(&f.action)
        .bind(target_like)
        .bind(account_like)
        .bind(f.account.as_ref().map(|a| a.to_string()))
        .bind(since)
        .bind(until)
        .bind(f.before)
        .bind(PAGE)
        .fetch_all(&self.0.pool)
        .await
        .map_err(db_error)?;
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
