//! Run records for scheduled tasks.
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Identifies one execution of a task for an account.
pub struct Run<'a> {
    pub task: &'a str,
    pub account_id: &'a str,
    pub trigger: &'a str,
    pub started_at: DateTime<Utc>,
}

/// Records a finished run: counts (items, changed, removed) or the error.
pub async fn record(
    conn: &mut PgConnection,
    run: &Run<'_>,
    outcome: Result<(i64, i64, i64), &str>,
) -> Result<(), sqlx::Error> {
    let (status, (items, changed, removed), error) = match outcome {
        Ok(c) => ("success", c, None),
        Err(e) => ("failed", (0, 0, 0), Some(e)),
    };
    sqlx::query(
        "INSERT INTO sync_runs (task, account_id, trigger, started_at, finished_at, outcome, items, changed, removed, error)
         VALUES ($1, $2, $3, $4, clock_timestamp(), $5, $6, $7, $8, $9)",
    )
    .bind(run.task)
    .bind(run.account_id)
    .bind(run.trigger)
    .bind(run.started_at)
    .bind(status)
    .bind(items as i32)
    .bind(changed as i32)
    .bind(removed as i32)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub task: String,
    pub trigger: String,
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
