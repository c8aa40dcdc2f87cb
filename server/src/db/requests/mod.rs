//! Permission requests, their changes and their event history.
mod changes;

pub use changes::*;

use chrono::{DateTime, Utc};

use sqlx::PgConnection;

use uuid::Uuid;

#[derive(Debug, Clone)]
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
    pub origin: String,
    pub updated_at: DateTime<Utc>,
    /// The accounts the request's changes are applied in.
    pub account_ids: Vec<String>,
}

#[derive(Debug, Clone)]
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
    pub origin: &'a str,
    pub account_ids: &'a [String],
}

pub async fn insert_request(conn: &mut PgConnection, r: &NewRequest<'_>) -> crate::Result<()> {
    sqlx::query!("INSERT INTO requests (id, requester, principal_arn, account_id, justification, status, origin, account_ids)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)", r.id, r.requester, r.principal_arn, r.account_id, r.justification, r.origin, r.account_ids)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_event(
    conn: &mut PgConnection,
    request_id: Uuid,
    actor: &str,
    kind: &str,
    detail: &str,
) -> crate::Result<()> {
    sqlx::query!(
        "INSERT INTO request_events (request_id, actor, kind, detail) VALUES ($1, $2, $3, $4)",
        request_id,
        actor,
        kind,
        detail
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> crate::Result<Option<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        "SELECT id, requester, principal_arn, account_id, justification, status, created_at, decided_by, decided_at, origin, updated_at, account_ids FROM requests WHERE id = $1",
        id,
    )
    .fetch_optional(conn)
    .await?)
}

/// Locks the request row for a decision (serialises concurrent approvers).
pub async fn get_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> crate::Result<Option<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        "SELECT id, requester, principal_arn, account_id, justification, status, created_at, decided_by, decided_at, origin, updated_at, account_ids FROM requests WHERE id = $1 FOR UPDATE",
        id,
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    decided_by: &str,
) -> crate::Result<()> {
    sqlx::query!("UPDATE requests SET status = $2, decided_by = $3, decided_at = now(), updated_at = now() WHERE id = $1", id, status, decided_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn touch(conn: &mut PgConnection, id: Uuid) -> crate::Result<()> {
    sqlx::query!("UPDATE requests SET updated_at = now() WHERE id = $1", id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn events(conn: &mut PgConnection, request_id: Uuid) -> crate::Result<Vec<EventRow>> {
    Ok(sqlx::query_as!(
        EventRow,
        "SELECT at, actor, kind, detail FROM request_events WHERE request_id = $1 ORDER BY id",
        request_id,
    )
    .fetch_all(conn)
    .await?)
}

/// Requests with their change statuses; all of them, or one requester's.
#[derive(Debug, Clone)]
pub struct RequestListRow {
    pub id: Uuid,
    pub requester: String,
    pub principal_arn: String,
    pub account_id: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub change_statuses: Vec<String>,
}

/// Filters of the requests list; `None` means any.
#[derive(Debug, Default)]
pub struct ListFilter<'a> {
    pub status: Option<&'a str>,
    pub requester: Option<&'a str>,
    pub account: Option<&'a str>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Limits the list to what one user may see: their own requests and those
    /// on the accounts they approve (ids or `*`/`?` patterns). `None` for global approvers.
    pub visible_to: Option<(&'a str, &'a [String])>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut PgConnection,
    f: &ListFilter<'_>,
) -> crate::Result<Vec<RequestListRow>> {
    let (viewer, viewer_accounts) = match f.visible_to {
        Some((u, a)) => (Some(u), a.to_vec()),
        None => (None, Vec::new()),
    };
    Ok(sqlx::query_as!(
        RequestListRow,
        r#"SELECT r.id, r.requester, r.principal_arn, r.account_id, r.status, r.created_at,
                COALESCE(array_agg(c.status ORDER BY c.position) FILTER (WHERE c.id IS NOT NULL), '{}') AS "change_statuses!"
         FROM requests r LEFT JOIN request_changes c ON c.request_id = r.id
         WHERE ($1::text IS NULL OR r.status = $1)
           AND ($2::text IS NULL OR r.requester = $2)
           AND ($3::text IS NULL OR $3 = ANY(r.account_ids))
           AND ($4::timestamptz IS NULL OR r.created_at >= $4)
           AND ($5::timestamptz IS NULL OR r.created_at < $5)
           AND ($6::text IS NULL OR r.requester = $6 OR EXISTS (
                SELECT 1 FROM unnest($7::text[]) p, unnest(r.account_ids) a
                WHERE a LIKE replace(replace(p, '*', '%'), '?', '_')))
         GROUP BY r.id
         ORDER BY (r.status = 'pending') DESC, r.created_at DESC
         LIMIT $8"#,
        f.status,
        f.requester,
        f.account,
        f.since,
        f.until,
        viewer,
        &viewer_accounts,
        f.limit,
    )
    .fetch_all(conn)
    .await?)
}
