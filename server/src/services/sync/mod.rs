//! Keeping the cache in step with AWS: the engine (per task and account, a
//! claimed run that replaces the cached rows), account discovery from
//! Organizations, and the SyncPort the admin's sync page uses (the last
//! runs; "run now" in the background). `jobs::scheduler` only triggers these.
pub mod accounts;
pub mod engine;

use app::domain::{AccountId, Admin};
use app::views::{AccountSyncView, TaskStatusView};
use app::AppError;
use async_trait::async_trait;
use engine::{sync_account, SyncContext, Task, Trigger};

pub use crate::db::sync_runs::MetricsRow;

/// Per task and account: the last success, the last run's duration, items
/// and outcome, and the counts of runs and failures (`/metrics`).
pub async fn run_metrics(pool: &sqlx::PgPool) -> crate::Result<Vec<MetricsRow>> {
    crate::db::sync_runs::metrics(pool).await
}

/// The admin's sync page: reads runs from Postgres, starts runs with the
/// sync context, and nothing else.
pub struct SyncService {
    sync: SyncContext,
}

impl SyncService {
    pub fn new(sync: SyncContext) -> Self {
        Self { sync }
    }
}

#[async_trait]
impl app::ports::SyncPort for SyncService {
    async fn sync_status(&self, _admin: &Admin) -> Result<Vec<AccountSyncView>, AppError> {
        let mut conn = crate::db::conn(&self.sync.pool).await?;
        let rows = crate::db::sync_runs::status_by_account(&mut conn).await?;
        let running = crate::db::sync_runs::running(&mut conn).await?;
        drop(conn);
        let mut out: Vec<AccountSyncView> = Vec::new();
        for r in rows {
            if out.last().map(|a| &a.account_id) != Some(&r.account_id) {
                out.push(AccountSyncView {
                    account_id: r.account_id.clone(),
                    name: r.name.clone(),
                    source: r.source.clone(),
                    enabled: r.enabled,
                    tasks: Task::ALL
                        .iter()
                        .map(|t| TaskStatusView {
                            task: t.name().into(),
                            last_success: None,
                            last_outcome: None,
                            last_error: None,
                            last_items: None,
                            last_duration_ms: None,
                            item_errors: 0,
                            item_error_sample: Vec::new(),
                            running: false,
                            progress_read: None,
                            progress_listed: None,
                        })
                        .collect(),
                });
            }
            let (Some(acct), Some(task)) = (out.last_mut(), r.task) else {
                continue;
            };
            if let Some(t) = acct.tasks.iter_mut().find(|t| t.task == task) {
                t.last_success = r.last_success.map(|d| d.to_rfc3339());
                t.last_outcome = r.last_outcome;
                t.last_error = r.last_error;
                t.last_items = r.last_items;
                t.last_duration_ms = r.last_duration_ms;
                t.item_errors = r.last_item_errors.unwrap_or(0);
                t.item_error_sample = item_error_lines(r.last_item_error_sample);
            }
        }
        for now in &running {
            let t = out
                .iter_mut()
                .filter(|a| a.account_id == now.account_id)
                .flat_map(|a| a.tasks.iter_mut())
                .find(|t| t.task == now.task);
            if let Some(t) = t {
                t.running = true;
                t.progress_read = now.read;
                t.progress_listed = now.listed.filter(|n| *n > 0);
            }
        }
        Ok(out)
    }

    async fn set_account_enabled(
        &self,
        admin: &Admin,
        account: &AccountId,
        enabled: bool,
        client: &app::ports::ClientMeta,
    ) -> Result<(), AppError> {
        let mut tx = crate::db::begin(&self.sync.pool).await?;
        if !crate::db::accounts::set_enabled(&mut tx, account.as_str(), enabled).await? {
            return Err(AppError::NotFound(format!("account {account}")));
        }
        crate::db::audit::record(
            &mut tx,
            crate::db::audit::AuditEvent::by(
                &admin.user().id,
                if enabled {
                    "account.enable"
                } else {
                    "account.disable"
                },
                account.as_str(),
                client,
            ),
        )
        .await?;
        crate::db::commit(tx).await?;
        // Other replicas hear it from Postgres; this one need not wait.
        (self.sync.roles_changed)();
        Ok(())
    }

    async fn run_sync(
        &self,
        admin: &Admin,
        task: Option<String>,
        account: Option<AccountId>,
        client: &app::ports::ClientMeta,
    ) -> Result<(), AppError> {
        let tasks: Vec<Task> = match task.as_deref() {
            None => Task::ALL.to_vec(),
            Some(t) => vec![Task::parse(t).ok_or_else(|| {
                AppError::invalid(
                    "task",
                    format!("unknown task {t:?}; tasks are iam, s3, sqs, sns"),
                )
            })?],
        };
        let mut conn = crate::db::conn(&self.sync.pool).await?;
        let accounts: Vec<AccountId> = crate::db::accounts::list_enabled(&mut conn)
            .await?
            .into_iter()
            .filter_map(|a| AccountId::parse(&a.account_id).ok())
            .filter(|a| account.as_ref().is_none_or(|want| want == a))
            .collect();
        if accounts.is_empty() {
            return Err(AppError::invalid("account", "is not an enabled account"));
        }
        crate::db::audit::record(
            &mut conn,
            crate::db::audit::AuditEvent::by(
                &admin.user().id,
                "sync.run_now",
                &account
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "*".into()),
                client,
            )
            .outcome("started")
            .detail(
                serde_json::json!({ "tasks": tasks.iter().map(|t| t.name()).collect::<Vec<_>>() }),
            ),
        )
        .await?;
        for a in accounts {
            for &t in &tasks {
                let (s, a) = (self.sync.clone(), a.clone());
                tokio::spawn(async move {
                    if let Err(e) = sync_account(&s, t, &a, Trigger::Manual).await {
                        tracing::warn!(task = t.name(), account = %a, error = %e, "run-now sync failed");
                    }
                });
            }
        }
        Ok(())
    }
}

/// The stored sample of unread items as lines an admin reads ("arn: why").
fn item_error_lines(sample: Option<serde_json::Value>) -> Vec<String> {
    let Some(serde_json::Value::Array(items)) = sample else {
        return Vec::new();
    };
    items
        .iter()
        .map(|i| {
            let text = |k: &str| i.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
            format!("{}: {}", text("arn"), text("error"))
        })
        .collect()
}
