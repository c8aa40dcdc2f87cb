//! Permission requests, their changes and their event history.
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub requester: String,
    pub principal_arn: String,
    pub account_id: String,
    pub justification: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChangeRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub position: i32,
    pub kind: String,
    pub policy_name: String,
    pub document: Value,
    pub status: String,
    pub error: Option<String>,
    pub applied_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

pub struct NewRequest<'a> {
    pub id: Uuid,
    pub requester: &'a str,
    pub principal_arn: &'a str,
    pub account_id: &'a str,
    pub justification: &'a str,
}

pub async fn insert_request(
    conn: &mut PgConnection,
    r: &NewRequest<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO requests (id, requester, principal_arn, account_id, justification, status)
         VALUES ($1, $2, $3, $4, $5, 'pending')",
    )
    .bind(r.id)
    .bind(r.requester)
    .bind(r.principal_arn)
    .bind(r.account_id)
    .bind(r.justification)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_inline_policy_change(
    conn: &mut PgConnection,
    request_id: Uuid,
    position: i32,
    policy_name: &str,
    document: &Value,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO request_changes (id, request_id, position, kind, policy_name, document, status)
         VALUES ($1, $2, $3, 'inline_policy_put', $4, $5, 'pending')",
    )
    .bind(id)
    .bind(request_id)
    .bind(position)
    .bind(policy_name)
    .bind(document)
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn add_event(
    conn: &mut PgConnection,
    request_id: Uuid,
    actor: &str,
    kind: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_events (request_id, actor, kind, detail) VALUES ($1, $2, $3, $4)",
    )
    .bind(request_id)
    .bind(actor)
    .bind(kind)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<RequestRow>, sqlx::Error> {
    super::optional(
        sqlx::query_as("SELECT * FROM requests WHERE id = $1")
            .bind(id)
            .fetch_one(conn)
            .await,
    )
}

/// Locks the request row for a decision (serialises concurrent approvers).
pub async fn get_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<RequestRow>, sqlx::Error> {
    super::optional(
        sqlx::query_as("SELECT * FROM requests WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_one(conn)
            .await,
    )
}

pub async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    decided_by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE requests SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(decided_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn changes(
    conn: &mut PgConnection,
    request_id: Uuid,
) -> Result<Vec<ChangeRow>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM request_changes WHERE request_id = $1 ORDER BY position")
        .bind(request_id)
        .fetch_all(conn)
        .await
}

pub async fn set_change_outcome(
    conn: &mut PgConnection,
    change_id: Uuid,
    status: &str,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE request_changes SET status = $2, error = $3,
             applied_at = CASE WHEN $2 = 'applied' THEN now() ELSE applied_at END
         WHERE id = $1",
    )
    .bind(change_id)
    .bind(status)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn cancel_pending_changes(
    conn: &mut PgConnection,
    request_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE request_changes SET status = 'cancelled' WHERE request_id = $1 AND status = 'pending'")
        .bind(request_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn events(
    conn: &mut PgConnection,
    request_id: Uuid,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at, actor, kind, detail FROM request_events WHERE request_id = $1 ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await
}

/// Requests with their change statuses; all of them, or one requester's.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestListRow {
    pub id: Uuid,
    pub requester: String,
    pub principal_arn: String,
    pub account_id: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub change_statuses: Vec<String>,
}

pub async fn list(
    conn: &mut PgConnection,
    requester: Option<&str>,
    limit: i64,
) -> Result<Vec<RequestListRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.requester, r.principal_arn, r.account_id, r.status, r.created_at,
                COALESCE(array_agg(c.status ORDER BY c.position) FILTER (WHERE c.id IS NOT NULL), '{}') AS change_statuses
         FROM requests r LEFT JOIN request_changes c ON c.request_id = r.id
         WHERE $1::text IS NULL OR r.requester = $1
         GROUP BY r.id
         ORDER BY (r.status = 'pending') DESC, r.created_at DESC
         LIMIT $2",
    )
    .bind(requester)
    .bind(limit)
    .fetch_all(conn)
    .await
}
