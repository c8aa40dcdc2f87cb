//! Credential protection's state per account (`protection_plans`).
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub account_id: String,
    pub networks: Value,
    pub planned: Option<String>,
    pub plan_error: Option<String>,
    pub live: Option<String>,
    pub live_version: Option<String>,
    pub planned_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub written_at: Option<DateTime<Utc>>,
    pub written_version: Option<String>,
    pub write_error: Option<String>,
    pub attached: Vec<String>,
    pub attach_errors: Vec<String>,
}

/// A fresh plan: what was read and generated now. Approval is kept.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub networks: Value,
    pub planned: Option<String>,
    pub plan_error: Option<String>,
    pub live: Option<String>,
    pub live_version: Option<String>,
}

pub async fn put_plan(conn: &mut PgConnection, account: &str, p: &NewPlan) -> crate::Result<()> {
    sqlx::query!(
        "INSERT INTO protection_plans (account_id, networks, planned, plan_error, live, live_version, planned_at)
         VALUES ($1, $2, $3, $4, $5, $6, now())
         ON CONFLICT (account_id) DO UPDATE SET networks = excluded.networks,
             planned = excluded.planned, plan_error = excluded.plan_error,
             live = excluded.live, live_version = excluded.live_version,
             planned_at = excluded.planned_at",
        account,
        p.networks,
        p.planned,
        p.plan_error,
        p.live,
        p.live_version,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a write did: the version now default (and live), or why it failed.
pub async fn put_written(
    conn: &mut PgConnection,
    account: &str,
    result: Result<(&str, &str), &str>,
) -> crate::Result<()> {
    match result {
        Ok((doc, version)) => sqlx::query!(
            "UPDATE protection_plans SET written_at = now(), written_version = $2,
                 live = $3, live_version = $2, write_error = NULL
             WHERE account_id = $1",
            account,
            version,
            doc,
        )
        .execute(conn)
        .await
        .map(drop)?,
        Err(why) => sqlx::query!(
            "UPDATE protection_plans SET write_error = $2 WHERE account_id = $1",
            account,
            why,
        )
        .execute(conn)
        .await
        .map(drop)?,
    }
    Ok(())
}

pub async fn put_attached(
    conn: &mut PgConnection,
    account: &str,
    attached: &[String],
    errors: &[String],
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE protection_plans SET attached = $2, attach_errors = $3 WHERE account_id = $1",
        account,
        attached,
        errors,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn approve(conn: &mut PgConnection, account: &str, by: &str) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE protection_plans SET approved_by = $2, approved_at = now() WHERE account_id = $1",
        account,
        by,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, account: &str) -> crate::Result<Option<PlanRow>> {
    Ok(sqlx::query_as!(
        PlanRow,
        "SELECT account_id, networks, planned, plan_error, live, live_version, planned_at,
                approved_by, approved_at, written_at, written_version, write_error,
                attached, attach_errors
         FROM protection_plans WHERE account_id = $1",
        account
    )
    .fetch_optional(conn)
    .await?)
}

/// Every enabled account with its plan, if it has one, by account id.
pub async fn all(conn: &mut PgConnection) -> crate::Result<Vec<(String, String, Option<PlanRow>)>> {
    let rows = sqlx::query!(
        r#"SELECT a.account_id AS "id!", a.name AS "name!", p.account_id AS "plan?",
                  p.networks AS "networks?", p.planned, p.plan_error, p.live, p.live_version,
                  p.planned_at AS "planned_at?", p.approved_by, p.approved_at, p.written_at,
                  p.written_version, p.write_error,
                  p.attached AS "attached?", p.attach_errors AS "attach_errors?"
           FROM accounts a LEFT JOIN protection_plans p ON p.account_id = a.account_id
           WHERE a.enabled ORDER BY a.account_id"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let plan = match (r.plan, r.networks, r.planned_at) {
                (Some(account_id), Some(networks), Some(planned_at)) => Some(PlanRow {
                    account_id,
                    networks,
                    planned: r.planned,
                    plan_error: r.plan_error,
                    live: r.live,
                    live_version: r.live_version,
                    planned_at,
                    approved_by: r.approved_by,
                    approved_at: r.approved_at,
                    written_at: r.written_at,
                    written_version: r.written_version,
                    write_error: r.write_error,
                    attached: r.attached.unwrap_or_default(),
                    attach_errors: r.attach_errors.unwrap_or_default(),
                }),
                _ => None,
            };
            (r.id, r.name, plan)
        })
        .collect())
}

/// The cached roles of `account` whose tag `key` is `true` (any case):
/// (name, path).
pub async fn tagged_roles(
    conn: &mut PgConnection,
    account: &str,
    key: &str,
) -> crate::Result<Vec<(String, String)>> {
    let rows = sqlx::query!(
        r#"SELECT name, path FROM roles
           WHERE account_id = $1 AND EXISTS (
               SELECT 1 FROM jsonb_array_elements(tags) t
               WHERE t->>'key' = $2 AND lower(t->>'value') = 'true')
           ORDER BY name"#,
        account,
        key,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.name, r.path)).collect())
}
