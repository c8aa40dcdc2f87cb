//! Who created a cached resource (CloudTrail `Create*` events).
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatorRow {
    pub arn: String,
    pub account_id: String,
    pub created_by: String,
    pub creator_arn: String,
    pub event_name: String,
    pub created_at: DateTime<Utc>,
}

/// Adds creations; a later creation of the same ARN replaces an earlier one.
pub async fn upsert(conn: &mut PgConnection, rows: &[CreatorRow]) -> crate::Result<u64> {
    let col = |f: fn(&CreatorRow) -> &String| rows.iter().map(f).cloned().collect::<Vec<_>>();
    let at: Vec<DateTime<Utc>> = rows.iter().map(|r| r.created_at).collect();
    Ok(sqlx::query!(
        "INSERT INTO creators (arn, account_id, created_by, creator_arn, event_name, created_at)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
         ON CONFLICT (arn) DO UPDATE SET account_id = excluded.account_id,
             created_by = excluded.created_by, creator_arn = excluded.creator_arn,
             event_name = excluded.event_name, created_at = excluded.created_at
         WHERE excluded.created_at > creators.created_at",
        &col(|r| &r.arn),
        &col(|r| &r.account_id),
        &col(|r| &r.created_by),
        &col(|r| &r.creator_arn),
        &col(|r| &r.event_name),
        &at,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn get(conn: &mut PgConnection, arn: &str) -> crate::Result<Option<CreatorRow>> {
    Ok(sqlx::query_as!(
        CreatorRow,
        "SELECT arn, account_id, created_by, creator_arn, event_name, created_at
         FROM creators WHERE arn = $1",
        arn
    )
    .fetch_optional(conn)
    .await?)
}

/// Created resources not tagged yet that are cached (kind and account from
/// the cache), at most `limit`, oldest first.
pub async fn untagged(
    conn: &mut PgConnection,
    limit: i64,
) -> crate::Result<Vec<(CreatorRow, String)>> {
    let rows = sqlx::query!(
        r#"SELECT c.arn, c.account_id, c.created_by, c.creator_arn, c.event_name, c.created_at,
                  r.kind
           FROM creators c JOIN resources r ON r.arn = c.arn
           JOIN accounts a ON a.account_id = r.account_id AND a.enabled
           WHERE c.tagged_at IS NULL ORDER BY c.created_at LIMIT $1"#,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                CreatorRow {
                    arn: r.arn,
                    account_id: r.account_id,
                    created_by: r.created_by,
                    creator_arn: r.creator_arn,
                    event_name: r.event_name,
                    created_at: r.created_at,
                },
                r.kind,
            )
        })
        .collect())
}

/// Records a tagging attempt: done (`error` none) or refused.
pub async fn set_tagged(
    conn: &mut PgConnection,
    arn: &str,
    error: Option<&str>,
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE creators SET tagged_at = CASE WHEN $2::text IS NULL THEN now() END, tag_error = $2
         WHERE arn = $1",
        arn,
        error
    )
    .execute(conn)
    .await?;
    Ok(())
}
