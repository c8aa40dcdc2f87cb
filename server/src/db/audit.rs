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
