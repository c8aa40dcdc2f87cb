//! Run records for scheduled tasks, and the claim that makes one replica run
//! a task/account at a time.
//!
//! A run holds a Postgres advisory lock keyed `{task}:{account}` for as long
//! as it works, and its record says `running` meanwhile. "Running" on the
//! admin page is both at once: a record left `running` by a process that died
//! has no lock behind it (Postgres drops a session's locks with it), so it
//! never shows as running, and the next run of that task/account closes it.
use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

/// Identifies one execution of a task for an account.
pub struct Run<'a> {
    pub task: &'a str,
    pub account_id: &'a str,
    pub trigger: &'a str,
    pub started_at: DateTime<Utc>,
}

/// What a successful run counted, and the items it could not read.
#[derive(Debug, Default, Clone, Copy)]
pub struct Finished<'a> {
    pub items: usize,
    pub changed: usize,
    pub removed: usize,
    pub failed: &'a [crate::aws::snapshot::ItemFailure],
}

/// How many unread items a run keeps with their errors (it counts them all).
pub const ITEM_ERROR_SAMPLE: usize = 5;

/// The advisory lock key of a task/account. `running` rebuilds it in SQL as
/// `task || ':' || account_id`: keep the two in step.
fn lock_key(task: &str, account_id: &str) -> String {
    format!("{task}:{account_id}")
}

/// A task/account claimed by this process: a session advisory lock on a
/// connection of its own, so the run record can be committed (and seen by
/// every replica) while the lock is held, with one connection per run.
/// Dropped without [`Claim::release`] (a cancelled run, a failed unlock), the
/// connection is closed instead of going back to the pool, which ends the
/// session and with it the lock.
pub struct Claim {
    conn: PoolConnection<Postgres>,
    held: bool,
}

impl Claim {
    /// `None` when another run (in any replica) holds the task/account.
    pub async fn take(pool: &PgPool, task: &str, account_id: &str) -> crate::Result<Option<Claim>> {
        // Counted as held before asking: if this future is dropped mid-query
        // the lock may be granted without our knowing, so close the session.
        let mut claim = Claim {
            conn: pool.acquire().await?,
            held: true,
        };
        let locked = sqlx::query_scalar!(
            r#"SELECT pg_try_advisory_lock(hashtext($1)) AS "locked!""#,
            lock_key(task, account_id)
        )
        .fetch_one(&mut *claim.conn)
        .await?;
        claim.held = locked;
        Ok(locked.then_some(claim))
    }

    /// The claim's connection, for the run's own queries and transaction.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    /// Unlocks and returns the connection to the pool.
    pub async fn release(mut self, task: &str, account_id: &str) {
        let unlocked = sqlx::query_scalar!(
            r#"SELECT pg_advisory_unlock(hashtext($1)) AS "unlocked!""#,
            lock_key(task, account_id)
        )
        .fetch_one(&mut *self.conn)
        .await;
        match unlocked {
            Ok(true) => self.held = false,
            Ok(false) => tracing::warn!(task, account_id, "sync lock was not held at release"),
            Err(e) => {
                tracing::warn!(task, account_id, error = %e, "sync unlock failed; closing its connection")
            }
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if self.held {
            self.conn.close_on_drop();
        }
    }
}

/// Whether a scheduled run of this task/account started in the last `secs`.
pub async fn scheduled_since(
    conn: &mut PgConnection,
    task: &str,
    account_id: &str,
    secs: f64,
) -> crate::Result<bool> {
    Ok(sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM sync_runs WHERE task = $1 AND account_id = $2
             AND trigger = 'schedule' AND started_at > now() - make_interval(secs => $3)) AS "recent!""#, task, account_id, secs)
    .fetch_one(conn)
    .await?)
}

/// What a run left `running` by a process that stopped is closed with.
pub const INTERRUPTED: &str = "interrupted: the process running it stopped before it finished";

/// Records the start of a run (outcome `running`) and returns its id. Only
/// with the task/account's [`Claim`] held: any other `running` record of it
/// is then a leftover of a process that stopped, and is closed as failed.
pub async fn start(conn: &mut PgConnection, run: &Run<'_>) -> crate::Result<i64> {
    sqlx::query!(
        "UPDATE sync_runs SET outcome = 'failed', finished_at = clock_timestamp(), error = $3
         WHERE task = $1 AND account_id = $2 AND outcome = 'running'",
        run.task,
        run.account_id,
        INTERRUPTED
    )
    .execute(&mut *conn)
    .await?;
    insert_running(conn, run).await
}

async fn insert_running(conn: &mut PgConnection, run: &Run<'_>) -> crate::Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO sync_runs (task, account_id, trigger, started_at, outcome)
         VALUES ($1, $2, $3, $4, 'running') RETURNING id",
        run.task,
        run.account_id,
        run.trigger,
        run.started_at
    )
    .fetch_one(conn)
    .await?)
}

/// Closes a started run with its counts (items, changed, removed) or error.
pub async fn finish(
    conn: &mut PgConnection,
    id: i64,
    outcome: Result<Finished<'_>, &str>,
) -> crate::Result<()> {
    let (status, done, error) = match outcome {
        Ok(done) => ("success", done, None),
        Err(e) => ("failed", Finished::default(), Some(e)),
    };
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let sample = serde_json::json!(done
        .failed
        .iter()
        .take(ITEM_ERROR_SAMPLE)
        .map(|f| serde_json::json!({ "arn": f.arn, "error": f.error }))
        .collect::<Vec<_>>());
    sqlx::query!(
        "UPDATE sync_runs SET finished_at = clock_timestamp(), outcome = $2,
             items = $3, changed = $4, removed = $5, error = $6,
             item_errors = $7, item_error_sample = $8
         WHERE id = $1",
        id,
        status,
        count(done.items),
        count(done.changed),
        count(done.removed),
        error,
        count(done.failed.len()),
        sample,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a finished run in one go: counts (items, changed, removed) or the error.
pub async fn record(
    conn: &mut PgConnection,
    run: &Run<'_>,
    outcome: Result<Finished<'_>, &str>,
) -> crate::Result<()> {
    let id = insert_running(&mut *conn, run).await?;
    finish(conn, id, outcome).await
}

/// A running run's progress so far: items read and items listed (written
/// by the pass about once a second; a finished run is left alone).
pub async fn progress(pool: &PgPool, id: i64, read: u64, listed: u64) -> crate::Result<()> {
    let count = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
    sqlx::query!(
        "UPDATE sync_runs SET progress_read = $2, progress_listed = $3
         WHERE id = $1 AND outcome = 'running'",
        id,
        count(read),
        count(listed)
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A task/account running now, with its progress (items read, listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningNow {
    pub task: String,
    pub account_id: String,
    pub read: Option<i32>,
    pub listed: Option<i32>,
}

/// What runs now in any replica: a `running` record whose advisory lock is
/// held in this database. A bigint advisory key shows in `pg_locks` as its
/// high and low 32 bits (`classid`, `objid`, `objsubid` 1).
pub async fn running(conn: &mut PgConnection) -> crate::Result<Vec<RunningNow>> {
    Ok(sqlx::query_as!(
        RunningNow,
        "SELECT DISTINCT ON (r.task, r.account_id) r.task, r.account_id,
                r.progress_read AS read, r.progress_listed AS listed
         FROM sync_runs r
         CROSS JOIN LATERAL (SELECT hashtext(r.task || ':' || r.account_id)::bigint AS k) key
         JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = ((key.k >> 32) & 4294967295)
              AND l.objid::bigint = (key.k & 4294967295)
         WHERE r.outcome = 'running'
         ORDER BY r.task, r.account_id, r.id DESC",
    )
    .fetch_all(conn)
    .await?)
}

/// Every account with, per task, its last finished run and last success
/// (one row per account and task; an account never synced has one row
/// with no task).
#[derive(Debug)]
pub struct AccountTaskStatus {
    pub account_id: String,
    pub name: String,
    pub source: String,
    pub enabled: bool,
    pub task: Option<String>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_outcome: Option<String>,
    pub last_error: Option<String>,
    pub last_items: Option<i32>,
    pub last_duration_ms: Option<i64>,
    pub last_item_errors: Option<i32>,
    pub last_item_error_sample: Option<serde_json::Value>,
}

pub async fn status_by_account(conn: &mut PgConnection) -> crate::Result<Vec<AccountTaskStatus>> {
    Ok(sqlx::query_as!(
        AccountTaskStatus,
        r#"WITH last AS (
                 SELECT DISTINCT ON (task, account_id) task, account_id, outcome, error, items,
                        (EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000)::bigint AS ms,
                        item_errors, item_error_sample
                 FROM sync_runs WHERE outcome <> 'running' ORDER BY task, account_id, id DESC),
             ok AS (SELECT task, account_id, max(finished_at) AS at FROM sync_runs
                    WHERE outcome = 'success' GROUP BY task, account_id)
             SELECT a.account_id, a.name, a.source, a.enabled, l.task AS "task?", ok.at AS "last_success?",
                    l.outcome AS "last_outcome?", l.error AS "last_error?", l.items AS "last_items?",
                    l.ms AS "last_duration_ms?", l.item_errors AS "last_item_errors?",
                    l.item_error_sample AS "last_item_error_sample?"
             FROM accounts a
             LEFT JOIN last l ON l.account_id = a.account_id
             LEFT JOIN ok ON ok.account_id = l.account_id AND ok.task = l.task
             ORDER BY a.name, l.task"#,
    )
    .fetch_all(conn)
    .await?)
}

/// Per task and account: what `/metrics` reports.
#[derive(Debug)]
pub struct MetricsRow {
    pub task: String,
    pub account_id: String,
    pub last_success: Option<DateTime<Utc>>,
    pub last_duration: Option<f64>,
    pub last_items: Option<i32>,
    pub last_failed: Option<bool>,
    pub failures: i64,
    pub runs: i64,
}

pub async fn metrics(pool: &sqlx::PgPool) -> crate::Result<Vec<MetricsRow>> {
    Ok(sqlx::query_as!(
        MetricsRow,
        r#"
    WITH last AS (
        SELECT DISTINCT ON (task, account_id) task, account_id,
               EXTRACT(EPOCH FROM (finished_at - started_at))::float8 AS last_duration,
               items AS last_items, outcome = 'failed' AS last_failed
        FROM sync_runs WHERE finished_at IS NOT NULL
        ORDER BY task, account_id, id DESC)
    SELECT r.task, r.account_id,
           max(r.finished_at) FILTER (WHERE r.outcome = 'success') AS last_success,
           l.last_duration, l.last_items, l.last_failed,
           count(*) FILTER (WHERE r.outcome = 'failed') AS "failures!",
           count(*) FILTER (WHERE r.finished_at IS NOT NULL) AS "runs!"
    FROM sync_runs r JOIN last l USING (task, account_id)
    GROUP BY r.task, r.account_id, l.last_duration, l.last_items, l.last_failed
    ORDER BY r.task, r.account_id"#,
    )
    .fetch_all(pool)
    .await?)
}
