//! Inventory sync tasks. Per task and account: take the account's lock, read
//! from AWS through the spoke role, replace the cached rows, record the run.
//! One account failing never stops the others.

use crate::aws::snapshot::*;
use crate::aws::AwsError;
use crate::db;
use crate::services::Services;
use app::domain::AccountId;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A scheduled inventory task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Roles, users and customer managed policies (one GetAccountAuthorizationDetails pass).
    Iam,
    S3,
    Sqs,
    Sns,
}

impl Task {
    pub const ALL: [Task; 4] = [Task::Iam, Task::S3, Task::Sqs, Task::Sns];

    pub fn name(self) -> &'static str {
        match self {
            Task::Iam => "iam",
            Task::S3 => "s3",
            Task::Sqs => "sqs",
            Task::Sns => "sns",
        }
    }

    pub fn parse(s: &str) -> Option<Task> {
        Task::ALL.into_iter().find(|t| t.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Startup,
    Schedule,
    AfterApply,
    Manual,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Startup => "startup",
            Trigger::Schedule => "schedule",
            Trigger::AfterApply => "after_apply",
            Trigger::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOutcome {
    pub items: u64,
    pub changed: u64,
    pub removed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("AWS: {0}")]
    Aws(#[from] AwsError),
}

/// A scheduled run is skipped when another replica already ran this
/// task/account for the same tick (schedules are at least a minute apart).
const SAME_TICK_SECS: f64 = 30.0;

/// Runs one task for one account. `Ok(None)`: skipped, because another
/// replica holds the lock or already ran this scheduled tick.
pub async fn sync_account(
    s: &Services,
    task: Task,
    account: &AccountId,
    trigger: Trigger,
) -> Result<Option<SyncOutcome>, SyncError> {
    let mut tx = s.pool.begin().await?;
    // Roll back (and release the lock) on every early return.
    let lock_key = format!("{}:{account}", task.name());
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext($1))")
        .bind(&lock_key)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        tracing::info!(task = task.name(), %account, ?trigger, "sync skipped: another run holds the lock");
        return Ok(None);
    }
    if trigger == Trigger::Schedule {
        let recent: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sync_runs WHERE task = $1 AND account_id = $2
                 AND trigger = 'schedule' AND started_at > now() - make_interval(secs => $3))",
        )
        .bind(task.name())
        .bind(account.as_str())
        .bind(SAME_TICK_SECS)
        .fetch_one(&mut *tx)
        .await?;
        if recent {
            tracing::info!(task = task.name(), %account, "sync skipped: this tick already ran on another replica");
            return Ok(None);
        }
    }
    let _running = RunningGuard::new(s, task, account);
    // The run record is written in the same transaction as the data, so a
    // replica that takes the lock next sees it; no second connection is held
    // meanwhile (that could starve the pool under concurrency).
    let started_at = chrono::Utc::now();
    let started = std::time::Instant::now();
    let result = run_task(s, task, account, &mut tx).await;
    let result = match result {
        Ok(o) => {
            let recorded = db::sync_runs::record(
                &mut tx,
                &db::sync_runs::Run {
                    task: task.name(),
                    account_id: account.as_str(),
                    trigger: trigger.as_str(),
                    started_at,
                },
                Ok((o.items as i64, o.changed as i64, o.removed as i64)),
            )
            .await;
            match recorded {
                Ok(()) => tx.commit().await.map(|_| o).map_err(SyncError::from),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e),
    };
    match &result {
        Ok(o) => {
            tracing::info!(task = task.name(), %account, ?trigger, items = o.items, changed = o.changed,
                removed = o.removed, ms = started.elapsed().as_millis() as u64, "sync done");
        }
        Err(e) => {
            let mut conn = s.pool.acquire().await?;
            let run = db::sync_runs::Run {
                task: task.name(),
                account_id: account.as_str(),
                trigger: trigger.as_str(),
                started_at,
            };
            db::sync_runs::record(&mut conn, &run, Err(&e.to_string())).await?;
            tracing::warn!(task = task.name(), %account, error = %e, "sync failed");
        }
    }
    result.map(Some)
}

/// Marks a task/account as running in this process until dropped.
struct RunningGuard {
    set: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<(String, String)>>>,
    key: (String, String),
}

impl RunningGuard {
    fn new(s: &Services, task: Task, account: &AccountId) -> Self {
        let key = (task.name().to_owned(), account.to_string());
        if let Ok(mut set) = s.running.lock() {
            set.insert(key.clone());
        }
        Self {
            set: s.running.clone(),
            key,
        }
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.lock() {
            set.remove(&self.key);
        }
    }
}

async fn run_task(
    s: &Services,
    task: Task,
    account: &AccountId,
    tx: &mut sqlx::PgConnection,
) -> Result<SyncOutcome, SyncError> {
    let acct = account.as_str();
    let (rows, kinds): (Vec<ResourceSnapshot>, &[&str]) = match task {
        Task::Iam => {
            let snap =
                crate::aws::iam::read_account(&s.aws.spoke_iam(account).await?, account).await?;
            let roles_out = db::roles::replace_account_roles(tx, acct, &snap.roles).await?;
            let mut rows: Vec<ResourceSnapshot> =
                snap.roles.iter().map(|r| r.to_resource()).collect();
            rows.extend(snap.others);
            let res = db::resources::replace_account(
                tx,
                acct,
                &[KIND_ROLE, KIND_USER, KIND_MANAGED_POLICY],
                &rows,
            )
            .await?;
            return Ok(SyncOutcome {
                items: rows.len() as u64,
                // A role counts once even though it lives in two tables.
                changed: res.changed.max(roles_out.changed),
                removed: res.removed.max(roles_out.removed),
            });
        }
        Task::S3 => (
            crate::aws::s3::read_account(&s.aws.spoke_s3(account).await?, acct).await?,
            &[KIND_BUCKET],
        ),
        Task::Sqs => (
            crate::aws::sqs::read_account(&s.aws.spoke_sqs(account).await?, acct).await?,
            &[KIND_QUEUE],
        ),
        Task::Sns => (
            crate::aws::sns::read_account(&s.aws.spoke_sns(account).await?, acct).await?,
            &[KIND_TOPIC],
        ),
    };
    let out = db::resources::replace_account(tx, acct, kinds, &rows).await?;
    Ok(SyncOutcome {
        items: rows.len() as u64,
        changed: out.changed,
        removed: out.removed,
    })
}

/// Results of one task over many accounts.
pub type Results = Vec<(Task, AccountId, Result<Option<SyncOutcome>, String>)>;

/// Runs `tasks` for every enabled account (configured or discovered), at most
/// `sync.concurrency` at a time.
pub async fn sync_all_tasks(s: &Services, tasks: &[Task], trigger: Trigger) -> Results {
    let limit = Arc::new(Semaphore::new(s.config.sync.concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let accounts = match s.pool.acquire().await {
        Ok(mut conn) => db::accounts::list_enabled(&mut conn).await,
        Err(e) => Err(e),
    };
    let accounts = match accounts {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "cannot list accounts to sync");
            return Vec::new();
        }
    };
    for a in accounts {
        let Ok(id) = AccountId::parse(&a.account_id) else {
            continue;
        };
        for &task in tasks {
            let (s, id, limit) = (s.clone(), id.clone(), limit.clone());
            set.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let r = sync_account(&s, task, &id, trigger)
                    .await
                    .map_err(|e| e.to_string());
                (task, id, r)
            });
        }
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(x) => out.push(x),
            Err(e) => tracing::error!(error = %e, "sync task panicked"),
        }
    }
    out.sort_by(|a, b| (a.0.name(), &a.1).cmp(&(b.0.name(), &b.1)));
    out
}

/// Every task for every account.
pub async fn sync_all(s: &Services, trigger: Trigger) -> Results {
    sync_all_tasks(s, &Task::ALL, trigger).await
}
