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
