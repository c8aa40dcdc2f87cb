//! A request's changes: each one's spec, status, approvals and the
//! claims the expiry sweeper and the apply-recovery job make on them.
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone)]
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
    pub widened_by: Vec<String>,
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

pub async fn insert_change(conn: &mut PgConnection, c: &NewChange<'_>) -> crate::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query!("INSERT INTO request_changes
             (id, request_id, position, kind, target_arn, spec, expires_at, generated, status, account_id,
              base_document, base_read)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11)", id, c.request_id, c.position, c.kind, c.target_arn, c.spec, c.expires_at, c.generated, c.account_id, c.base.flatten(), c.base.is_some())
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn changes(conn: &mut PgConnection, request_id: Uuid) -> crate::Result<Vec<ChangeRow>> {
    Ok(sqlx::query_as!(
        ChangeRow,
        "SELECT id, request_id, position, kind, target_arn, spec, status, error, applied_at, expires_at,
                generated, approvals, auto_rule, attempts, expired_at, account_id, base_document,
                base_read, widened_by
         FROM request_changes WHERE request_id = $1 ORDER BY position",
        request_id,
    )
    .fetch_all(conn)
    .await?)
}

/// Locks one change of a request (serialises concurrent appliers).
pub async fn change_for_update(
    conn: &mut PgConnection,
    request_id: Uuid,
    change_id: Uuid,
) -> crate::Result<Option<ChangeRow>> {
    Ok(sqlx::query_as!(
        ChangeRow,
        "SELECT id, request_id, position, kind, target_arn, spec, status, error, applied_at, expires_at,
                generated, approvals, auto_rule, attempts, expired_at, account_id, base_document,
                base_read, widened_by
             FROM request_changes WHERE id = $1 AND request_id = $2 FOR UPDATE",
        change_id,
        request_id,
    )
    .fetch_optional(conn)
    .await?)
}

/// Moves a change to `status`; `applied_at` is stamped on success and every
/// move to `applying` counts one attempt.
pub async fn set_change_status(
    conn: &mut PgConnection,
    change_id: Uuid,
    status: &str,
    error: Option<&str>,
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE request_changes SET status = $2, error = $3,
             applied_at = CASE WHEN $2 = 'applied' THEN now() ELSE applied_at END,
             applying_since = CASE WHEN $2 = 'applying' THEN now() ELSE NULL END,
             attempts = attempts + CASE WHEN $2 = 'applying' THEN 1 ELSE 0 END
         WHERE id = $1",
        change_id,
        status,
        error
    )
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
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE request_changes SET approvals = array_append(approvals, $2),
             auto_rule = COALESCE($3, auto_rule)
         WHERE id = $1",
        change_id,
        approver,
        auto_rule
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that `reviewer` widened the change in an edit.
pub async fn add_widened_by(
    conn: &mut PgConnection,
    change_id: Uuid,
    reviewer: &str,
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE request_changes SET widened_by = array_append(widened_by, $2)
         WHERE id = $1 AND NOT ($2 = ANY (widened_by))",
        change_id,
        reviewer
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a change's spec (edit-then-apply); earlier approvals no longer hold.
pub async fn set_change_spec(
    conn: &mut PgConnection,
    change_id: Uuid,
    spec: &Value,
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE request_changes SET spec = $2, approvals = '{}' WHERE id = $1",
        change_id,
        spec
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn cancel_pending_changes(
    conn: &mut PgConnection,
    request_id: Uuid,
) -> crate::Result<()> {
    sqlx::query!("UPDATE request_changes SET status = 'cancelled' WHERE request_id = $1 AND status = 'pending'", request_id)
        .execute(conn)
        .await?;
    Ok(())
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
) -> crate::Result<Option<ChangeRow>> {
    Ok(sqlx::query_as!(
        ChangeRow,
        "SELECT id, request_id, position, kind, target_arn, spec, status, error, applied_at, expires_at,
                generated, approvals, auto_rule, attempts, expired_at, account_id, base_document,
                base_read, widened_by
             FROM request_changes
             WHERE status = 'applied' AND expires_at IS NOT NULL AND expired_at IS NULL AND expires_at <= $1
               AND NOT (id = ANY ($2))
             ORDER BY expires_at LIMIT 1
             FOR UPDATE SKIP LOCKED",
        now,
        skip,
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn mark_expired(conn: &mut PgConnection, change_id: Uuid) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE request_changes SET expired_at = now() WHERE id = $1",
        change_id
    )
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
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE request_changes SET base_document = $2, base_read = true WHERE id = $1",
        change_id,
        base
    )
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
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE request_changes SET spec = $2 WHERE id = $1",
        change_id,
        spec
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims one change left `applying` since before `before` (its process
/// stopped during the AWS call); other replicas skip it while it is held.
pub async fn claim_stuck_change(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
) -> crate::Result<Option<ChangeRow>> {
    Ok(sqlx::query_as!(
        ChangeRow,
        "SELECT id, request_id, position, kind, target_arn, spec, status, error, applied_at, expires_at,
                generated, approvals, auto_rule, attempts, expired_at, account_id, base_document,
                base_read, widened_by
             FROM request_changes
             WHERE status = 'applying' AND applying_since < $1
             ORDER BY applying_since LIMIT 1
             FOR UPDATE SKIP LOCKED",
        before,
    )
    .fetch_optional(conn)
    .await?)
}
