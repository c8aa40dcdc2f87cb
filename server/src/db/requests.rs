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
    pub origin: String,
    pub updated_at: DateTime<Utc>,
    /// The accounts the request's changes are applied in.
    pub account_ids: Vec<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChangeRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub position: i32,
    pub kind: String,
    pub target_arn: String,
    pub spec: Value,
    pub status: String,
    pub error: Option<String>,
    pub applied_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub generated: bool,
    pub approvals: Vec<String>,
    pub auto_rule: Option<String>,
    pub attempts: i32,
    pub expired_at: Option<DateTime<Utc>>,
    /// The account the change is applied in, fixed when it was authorized.
    pub account_id: Option<String>,
    /// What the target held when the request was made (see the migration).
    pub base_document: Option<Value>,
    pub base_read: bool,
    /// Reviewers whose edit widened the change: their approval does not count.
    #[sqlx(default)]
    pub widened_by: Vec<String>,
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
    pub origin: &'a str,
    pub account_ids: &'a [String],
}

pub async fn insert_request(
    conn: &mut PgConnection,
    r: &NewRequest<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO requests (id, requester, principal_arn, account_id, justification, status, origin, account_ids)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)",
    )
    .bind(r.id)
    .bind(r.requester)
    .bind(r.principal_arn)
    .bind(r.account_id)
    .bind(r.justification)
    .bind(r.origin)
    .bind(r.account_ids)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewChange<'a> {
    pub request_id: Uuid,
    pub position: i32,
    pub target_arn: &'a str,
    pub kind: &'a str,
    pub spec: &'a Value,
    pub expires_at: Option<DateTime<Utc>>,
    pub generated: bool,
    pub account_id: &'a str,
    /// `Some(doc or None)` when the target's current document was read.
    pub base: Option<Option<&'a Value>>,
}

pub async fn insert_change(
    conn: &mut PgConnection,
    c: &NewChange<'_>,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO request_changes
             (id, request_id, position, kind, target_arn, spec, expires_at, generated, status, account_id,
              base_document, base_read)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11)",
    )
    .bind(id)
    .bind(c.request_id)
    .bind(c.position)
    .bind(c.kind)
    .bind(c.target_arn)
    .bind(c.spec)
    .bind(c.expires_at)
    .bind(c.generated)
    .bind(c.account_id)
    .bind(c.base.flatten())
    .bind(c.base.is_some())
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
        "UPDATE requests SET status = $2, decided_by = $3, decided_at = now(), updated_at = now() WHERE id = $1",
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

/// Locks one change of a request (serialises concurrent appliers).
pub async fn change_for_update(
    conn: &mut PgConnection,
    request_id: Uuid,
    change_id: Uuid,
) -> Result<Option<ChangeRow>, sqlx::Error> {
    super::optional(
        sqlx::query_as(
            "SELECT * FROM request_changes WHERE id = $1 AND request_id = $2 FOR UPDATE",
        )
        .bind(change_id)
        .bind(request_id)
        .fetch_one(conn)
        .await,
    )
}

/// Moves a change to `status`; `applied_at` is stamped on success and every
/// move to `applying` counts one attempt.
pub async fn set_change_status(
    conn: &mut PgConnection,
    change_id: Uuid,
    status: &str,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE request_changes SET status = $2, error = $3,
             applied_at = CASE WHEN $2 = 'applied' THEN now() ELSE applied_at END,
             applying_since = CASE WHEN $2 = 'applying' THEN now() ELSE NULL END,
             attempts = attempts + CASE WHEN $2 = 'applying' THEN 1 ELSE 0 END
         WHERE id = $1",
    )
    .bind(change_id)
    .bind(status)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records one more approver of a change (and the rule, for auto-approvals).
pub async fn add_approval(
    conn: &mut PgConnection,
    change_id: Uuid,
    approver: &str,
    auto_rule: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE request_changes SET approvals = array_append(approvals, $2),
             auto_rule = COALESCE($3, auto_rule)
         WHERE id = $1",
    )
    .bind(change_id)
    .bind(approver)
    .bind(auto_rule)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that `reviewer` widened the change in an edit.
pub async fn add_widened_by(
    conn: &mut PgConnection,
    change_id: Uuid,
    reviewer: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE request_changes SET widened_by = array_append(widened_by, $2)
         WHERE id = $1 AND NOT ($2 = ANY (widened_by))",
    )
    .bind(change_id)
    .bind(reviewer)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a change's spec (edit-then-apply); earlier approvals no longer hold.
pub async fn set_change_spec(
    conn: &mut PgConnection,
    change_id: Uuid,
    spec: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE request_changes SET spec = $2, approvals = '{}' WHERE id = $1")
        .bind(change_id)
        .bind(spec)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn touch(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE requests SET updated_at = now() WHERE id = $1")
        .bind(id)
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
) -> Result<Vec<RequestListRow>, sqlx::Error> {
    let (viewer, viewer_accounts) = match f.visible_to {
        Some((u, a)) => (Some(u), a.to_vec()),
        None => (None, Vec::new()),
    };
    sqlx::query_as(
        "SELECT r.id, r.requester, r.principal_arn, r.account_id, r.status, r.created_at,
                COALESCE(array_agg(c.status ORDER BY c.position) FILTER (WHERE c.id IS NOT NULL), '{}') AS change_statuses
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
         LIMIT $8",
    )
    .bind(f.status)
    .bind(f.requester)
    .bind(f.account)
    .bind(f.since)
    .bind(f.until)
    .bind(viewer)
    .bind(&viewer_accounts)
    .bind(f.limit)
    .fetch_all(conn)
    .await
}

/// Claims the oldest applied change whose time has come; rows another
/// replica is sweeping are skipped (the lock lasts for the caller's transaction).
/// The oldest applied change whose expiry has come, other than `skip` (the
/// ones this sweep already failed on: one stuck change must not hold up
/// every other), locked for this sweep.
pub async fn claim_expired_change(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    skip: &[Uuid],
) -> Result<Option<ChangeRow>, sqlx::Error> {
    super::optional(
        sqlx::query_as(
            "SELECT * FROM request_changes
             WHERE status = 'applied' AND expires_at IS NOT NULL AND expired_at IS NULL AND expires_at <= $1
               AND NOT (id = ANY ($2))
             ORDER BY expires_at LIMIT 1
             FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .bind(skip)
        .fetch_one(conn)
        .await,
    )
}

pub async fn mark_expired(conn: &mut PgConnection, change_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE request_changes SET expired_at = now() WHERE id = $1")
        .bind(change_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records what the target holds now as the change's base (after a conflict
/// was shown, or an edit made against it).
pub async fn set_change_base(
    conn: &mut PgConnection,
    change_id: Uuid,
    base: Option<&Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE request_changes SET base_document = $2, base_read = true WHERE id = $1")
        .bind(change_id)
        .bind(base)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores the document a change was applied with after it was merged into
/// what AWS held (approvals stand: the reviewed statements are what it adds).
pub async fn set_change_spec_after_merge(
    conn: &mut PgConnection,
    change_id: Uuid,
    spec: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE request_changes SET spec = $2 WHERE id = $1")
        .bind(change_id)
        .bind(spec)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims one change left `applying` since before `before` (its process
/// stopped during the AWS call); other replicas skip it while it is held.
pub async fn claim_stuck_change(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
) -> Result<Option<ChangeRow>, sqlx::Error> {
    super::optional(
        sqlx::query_as(
            "SELECT * FROM request_changes
             WHERE status = 'applying' AND applying_since < $1
             ORDER BY applying_since LIMIT 1
             FOR UPDATE SKIP LOCKED",
        )
        .bind(before)
        .fetch_one(conn)
        .await,
    )
}
