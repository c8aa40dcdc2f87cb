//! Audit events: who did what to what, when, from where.
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

pub struct AuditEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub outcome: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub detail: Value,
}

impl<'a> AuditEvent<'a> {
    /// `actor` did `action` to `target` from `client`: a success with no
    /// detail until [`Self::outcome`] / [`Self::detail`] say otherwise.
    pub fn by(
        actor: &'a str,
        action: &'a str,
        target: &'a str,
        client: &'a app::ports::ClientMeta,
    ) -> Self {
        Self {
            actor,
            action,
            target,
            outcome: "success",
            ip: client.ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
            detail: Value::Object(Default::default()),
        }
    }

    pub fn outcome(self, outcome: &'a str) -> Self {
        Self { outcome, ..self }
    }

    pub fn detail(self, detail: Value) -> Self {
        Self { detail, ..self }
    }
}

pub async fn record(conn: &mut PgConnection, e: AuditEvent<'_>) -> crate::Result<()> {
    record_role_use(conn, e, false).await
}

/// The audit row of an issuance and, when it succeeded, the user's
/// recently used mark for the role: one statement, both or neither.
pub async fn record_role_use(
    conn: &mut PgConnection,
    e: AuditEvent<'_>,
    used: bool,
) -> crate::Result<()> {
    sqlx::query!(
        "WITH audit AS (
             INSERT INTO audit_events (actor, action, target, outcome, ip, user_agent, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7))
         INSERT INTO recent_roles (user_id, role_arn) SELECT $1, $3 WHERE $8
         ON CONFLICT (user_id, role_arn) DO UPDATE SET used_at = now()",
        e.actor,
        e.action,
        e.target,
        e.outcome,
        e.ip,
        e.user_agent,
        e.detail,
        used,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn recent_roles(
    conn: &mut PgConnection,
    user_id: &str,
    limit: i64,
) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT role_arn FROM recent_roles WHERE user_id = $1 ORDER BY used_at DESC LIMIT $2",
        user_id,
        limit
    )
    .fetch_all(conn)
    .await?)
}

/// One audit event as the audit page lists it.
#[derive(Debug)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: serde_json::Value,
}

/// The audit page's filters; `None` matches everything.
pub struct Search<'a> {
    pub actor: Option<&'a str>,
    pub action: Option<&'a str>,
    /// A LIKE pattern on the target (escaped by the caller).
    pub target_like: Option<&'a str>,
    /// A LIKE pattern on the target's account field, or the account id itself.
    pub account_like: Option<&'a str>,
    pub account: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Events older than this id (the next page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// Newest first.
pub async fn search(conn: &mut PgConnection, s: &Search<'_>) -> crate::Result<Vec<AuditRow>> {
    Ok(sqlx::query_as!(
        AuditRow,
        "SELECT id, at, actor, action, target, outcome, ip, user_agent, detail FROM audit_events
             WHERE ($1::text IS NULL OR actor = $1)
               AND ($2::text IS NULL OR action = $2)
               AND ($3::text IS NULL OR target LIKE $3)
               AND ($4::text IS NULL OR target LIKE $4 OR target = $5)
               AND ($6::timestamptz IS NULL OR at >= $6)
               AND ($7::timestamptz IS NULL OR at < $7)
               AND ($8::bigint IS NULL OR id < $8)
             ORDER BY id DESC LIMIT $9",
        s.actor,
        s.action,
        s.target_like,
        s.account_like,
        s.account.as_deref(),
        s.since,
        s.until,
        s.before,
        s.limit,
    )
    .fetch_all(conn)
    .await?)
}
