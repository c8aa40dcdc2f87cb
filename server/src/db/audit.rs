//! Audit events: who did what to what, when, from where.
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

pub async fn record(conn: &mut PgConnection, e: AuditEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (actor, action, target, outcome, ip, user_agent, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.actor)
    .bind(e.action)
    .bind(e.target)
    .bind(e.outcome)
    .bind(e.ip)
    .bind(e.user_agent)
    .bind(e.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Remembers that `user_id` just used `role_arn` (recent roles first).
pub async fn touch_recent_role(
    conn: &mut PgConnection,
    user_id: &str,
    role_arn: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO recent_roles (user_id, role_arn) VALUES ($1, $2)
         ON CONFLICT (user_id, role_arn) DO UPDATE SET used_at = now()",
    )
    .bind(user_id)
    .bind(role_arn)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user's most recently used role ARNs, newest first.
pub async fn recent_roles(
    conn: &mut PgConnection,
    user_id: &str,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT role_arn FROM recent_roles WHERE user_id = $1 ORDER BY used_at DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}
