//! Inventory sync tasks. Per task and account: take the account's lock, read
//! from AWS through the spoke role, replace the cached rows, record the run.
//! One account failing never stops the others.

use crate::aws::reader::ResourceKind;
use crate::aws::snapshot::*;
use crate::db;
use app::domain::AccountId;
use sqlx::Connection;
use std::sync::Arc;

/// What a sync run uses, and nothing more: the database, the AWS clients,
/// the settings, the process-wide run limit, and what to tell when roles
/// or resources changed (the process's caches and search index).
#[derive(Clone)]
pub struct SyncContext {
    pub pool: sqlx::PgPool,
    /// Reads whole accounts (IAM, S3, SQS, SNS) from AWS.
    pub reader: Arc<dyn crate::aws::reader::AccountReader>,
    pub config: Arc<crate::config::Config>,
    /// `sync.concurrency`: task/account runs in flight in this process.
    pub limit: Arc<tokio::sync::Semaphore>,
    /// Drops what this process cached about roles (other replicas hear the
    /// change from Postgres).
    pub roles_changed: Arc<dyn Fn() + Send + Sync>,
    /// Marks the resource search index as possibly behind.
    pub resources_changed: Arc<dyn Fn() + Send + Sync>,
}

impl AsRef<SyncContext> for SyncContext {
    fn as_ref(&self) -> &SyncContext {
        self
    }
}

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
    pub(crate) fn as_str(self) -> &'static str {
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
    /// Items listed but not read (their cached rows are kept).
    pub item_errors: u64,
}

/// A task's failure: the server's one error (database or AWS).
pub type SyncError = crate::Error;

/// A scheduled run is skipped when another replica already ran this
/// task/account for the same tick (schedules are at least a minute apart).
pub(crate) const SAME_TICK_SECS: f64 = 30.0;

/// Runs one task for one account. `Ok(None)`: skipped, because another
/// replica holds the task/account or already ran this scheduled tick.
pub async fn sync_account(
    s: &(impl AsRef<SyncContext> + ?Sized),
    task: Task,
    account: &AccountId,
    trigger: Trigger,
) -> Result<Option<SyncOutcome>, SyncError> {
    let s = s.as_ref();
    let (name, acct) = (task.name(), account.as_str());
    // One limit for every run in this process; the semaphore is never closed.
    let _permit = s.limit.acquire().await.ok();
    let Some(mut claim) = db::sync_runs::Claim::take(&s.pool, name, acct).await? else {
        tracing::info!(task = name, %account, ?trigger, "sync skipped: another run holds the lock");
        return Ok(None);
    };
    let result = claimed(s, task, account, trigger, &mut claim).await;
    claim.release(name, acct).await;
    result
}

/// The run itself, with the task/account claimed: its record is committed as
/// `running` first (every replica's admin page sees it), then the data and
/// the record's outcome commit together. A failed run's writes roll back and
/// its error is recorded before the claim is let go.
async fn claimed(
    s: &SyncContext,
    task: Task,
    account: &AccountId,
    trigger: Trigger,
    claim: &mut db::sync_runs::Claim,
) -> Result<Option<SyncOutcome>, SyncError> {
    let (name, acct) = (task.name(), account.as_str());
    if trigger == Trigger::Schedule
        && db::sync_runs::scheduled_since(claim.conn(), name, acct, SAME_TICK_SECS).await?
    {
        tracing::info!(task = name, %account, "sync skipped: this tick already ran on another replica");
        return Ok(None);
    }
    let run = db::sync_runs::Run {
        task: name,
        account_id: acct,
        trigger: trigger.as_str(),
        started_at: chrono::Utc::now(),
    };
    let id = db::sync_runs::start(claim.conn(), &run).await?;
    let started = std::time::Instant::now();
    let progress = Arc::new(crate::aws::progress::Progress::default());
    let reporter = report_progress(s.pool.clone(), id, progress.clone());
    let result = crate::aws::progress::Progress::scope(progress, async {
        let mut tx = claim.conn().begin().await?;
        let (o, failed) = run_task(s, task, account, &mut tx).await?;
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let done = db::sync_runs::Finished {
            items: count(o.items),
            changed: count(o.changed),
            removed: count(o.removed),
            failed: &failed,
        };
        db::sync_runs::finish(&mut tx, id, Ok(done)).await?;
        tx.commit().await?;
        if task == Task::Iam && o.changed + o.removed > 0 {
            (s.roles_changed)();
        }
        // This replica need not wait for its own change to come back from Postgres.
        if o.changed + o.removed > 0 {
            (s.resources_changed)();
        }
        Ok::<_, SyncError>(o)
    })
    .await;
    reporter.stop().await;
    match &result {
        Ok(o) => {
            tracing::info!(task = name, %account, ?trigger, items = o.items, changed = o.changed,
                removed = o.removed, item_errors = o.item_errors, ms = started.elapsed().as_millis() as u64, "sync done");
        }
        Err(e) => {
            tracing::warn!(task = name, %account, error = %e, "sync failed");
            // The dropped transaction's rollback runs first on this connection.
            if let Err(re) = db::sync_runs::finish(claim.conn(), id, Err(&e.to_string())).await {
                tracing::error!(task = name, %account, error = %re, "cannot record the failed run");
            }
        }
    }
    result.map(Some)
}

/// Writes a running pass's progress to its record about once a second
/// (when it moved), for every replica's Admin › Sync, until stopped.
struct Reporter {
    stop: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Reporter {
    async fn stop(self) {
        self.stop.notify_one();
        let _ = self.task.await;
    }
}

fn report_progress(
    pool: sqlx::PgPool,
    id: i64,
    progress: Arc<crate::aws::progress::Progress>,
) -> Reporter {
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        let mut last = (0, 0);
        loop {
            tokio::select! {
                _ = stopped.notified() => return,
                _ = tokio::time::sleep(PROGRESS_EVERY) => {}
            }
            let now = progress.get();
            if now != last {
                last = now;
                if let Err(e) = db::sync_runs::progress(&pool, id, now.0, now.1).await {
                    tracing::debug!(error = %e, "cannot record sync progress");
                }
            }
        }
    });
    Reporter { stop, task }
}

/// How often a running pass's progress is written.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

async fn run_task(
    s: &SyncContext,
    task: Task,
    account: &AccountId,
    tx: &mut sqlx::PgConnection,
) -> Result<(SyncOutcome, Vec<ItemFailure>), SyncError> {
    let acct = account.as_str();
    // Rows written from a read begun later than this one (an item re-read
    // after an apply, while this pass was under way) are left as they are.
    let read_at = chrono::Utc::now();
    let (read, kinds): (AccountRead, &[&str]) = match task {
        Task::Iam => {
            let mut snap = s.reader.iam(account).await?;
            // The spoke role's last use is this very sync: kept, it would
            // make every run rewrite the row and report a change.
            for r in &mut snap.roles {
                if r.name
                    .eq_ignore_ascii_case(s.config.aws.spoke_role_name.as_str())
                {
                    r.last_used_at = None;
                    r.last_used_region = None;
                }
            }
            let roles_out =
                db::roles::replace_account_roles(tx, acct, &snap.roles, read_at).await?;
            let mut rows: Vec<ResourceSnapshot> =
                snap.roles.iter().map(|r| r.to_resource()).collect();
            rows.extend(snap.others);
            let res = db::resources::replace_account(
                tx,
                acct,
                &[KIND_ROLE, KIND_USER, KIND_GROUP, KIND_MANAGED_POLICY],
                &rows,
                &[],
                read_at,
            )
            .await?;
            let outcome = SyncOutcome {
                items: rows.len() as u64,
                // A role counts once even though it lives in two tables.
                changed: res.changed.max(roles_out.changed),
                removed: res.removed.max(roles_out.removed),
                item_errors: 0,
            };
            return Ok((outcome, Vec::new()));
        }
        Task::S3 => (
            read(s, account, ResourceKind::Bucket).await?,
            &[KIND_BUCKET],
        ),
        Task::Sqs => (read(s, account, ResourceKind::Queue).await?, &[KIND_QUEUE]),
        Task::Sns => (read(s, account, ResourceKind::Topic).await?, &[KIND_TOPIC]),
    };
    // An item listed but not read keeps its cached row: not read is not gone.
    let unread: Vec<String> = read.failed.iter().map(|f| f.arn.clone()).collect();
    let out =
        db::resources::replace_account(tx, acct, kinds, &read.items, &unread, read_at).await?;
    let outcome = SyncOutcome {
        items: read.items.len() as u64,
        changed: out.changed,
        removed: out.removed,
        item_errors: read.failed.len() as u64,
    };
    Ok((outcome, read.failed))
}

async fn read(
    s: &SyncContext,
    account: &AccountId,
    kind: ResourceKind,
) -> Result<AccountRead, crate::aws::AwsError> {
    let at_once = s.config.sync.item_concurrency;
    s.reader.resources(account, kind, at_once).await
}

/// Results of one task over many accounts.
pub type Results = Vec<RunResult>;

/// Runs `tasks` for every enabled account (configured or discovered), at most
/// `sync.concurrency` at a time across the process (see [`sync_account`]).
pub async fn sync_all_tasks(
    s: &(impl AsRef<SyncContext> + ?Sized),
    tasks: &[Task],
    trigger: Trigger,
) -> Results {
    sync_all_tasks_reporting(s, tasks, trigger, |_, _| {}).await
}

/// One finished task/account run, as [`Results`] holds it.
pub type RunResult = (Task, AccountId, Result<Option<SyncOutcome>, String>);

/// [`sync_all_tasks`], calling `on_done(total, result)` as each run ends
/// (`latchkey sync`'s progress bar).
pub async fn sync_all_tasks_reporting(
    s: &(impl AsRef<SyncContext> + ?Sized),
    tasks: &[Task],
    trigger: Trigger,
    mut on_done: impl FnMut(usize, &RunResult),
) -> Results {
    let s = s.as_ref();
    let mut set = tokio::task::JoinSet::new();
    let accounts = match crate::db::conn(&s.pool).await {
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
            let (s, id) = (s.clone(), id.clone());
            set.spawn(async move {
                let r = sync_account(&s, task, &id, trigger)
                    .await
                    .map_err(|e| e.to_string());
                (task, id, r)
            });
        }
    }
    let mut out = Vec::new();
    let total = set.len();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(x) => {
                on_done(total, &x);
                out.push(x)
            }
            Err(e) => tracing::error!(error = %e, "sync task panicked"),
        }
    }
    out.sort_by(|a, b| (a.0.name(), &a.1).cmp(&(b.0.name(), &b.1)));
    out
}

/// Every task for every account.
pub async fn sync_all(s: &(impl AsRef<SyncContext> + ?Sized), trigger: Trigger) -> Results {
    sync_all_tasks(s, &Task::ALL, trigger).await
}
