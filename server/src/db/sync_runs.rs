//! Run records for scheduled tasks.
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

pub async fn start(
    conn: &mut PgConnection,
    task: &str,
    account_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO sync_runs (task, account_id) VALUES ($1, $2) RETURNING id")
        .bind(task)
        .bind(account_id)
        .fetch_one(conn)
        .await
}

pub async fn finish_success(
    conn: &mut PgConnection,
    id: i64,
    items: i64,
    changed: i64,
    removed: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sync_runs SET finished_at = now(), outcome = 'success', items = $2, changed = $3, removed = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(items as i32)
    .bind(changed as i32)
    .bind(removed as i32)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn finish_failed(
    conn: &mut PgConnection,
    id: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sync_runs SET finished_at = now(), outcome = 'failed', error = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub task: String,
    pub account_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: String,
    pub items: i32,
    pub changed: i32,
    pub removed: i32,
    pub error: Option<String>,
}

pub async fn recent(conn: &mut PgConnection, limit: i64) -> Result<Vec<RunRow>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM sync_runs ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await
}
