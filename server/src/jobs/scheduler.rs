//! Wires the sync tasks into tokio-cron-scheduler: one job per task on its
//! own schedule. The scheduler only triggers; runs claim their slot in Postgres.
use crate::services::sync::engine::{sync_all_tasks, Task, Trigger};
use crate::services::Services;
use std::sync::Arc;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

pub async fn start(s: Services) -> Result<JobScheduler, JobSchedulerError> {
    let sched = JobScheduler::new().await?;
    for task in Task::ALL {
        let schedule = s.config.schedule_of(task.name()).to_owned();
        let s = s.clone();
        let job = Job::new_async(schedule.as_str(), move |_id, _l| {
            let s = s.clone();
            Box::pin(async move {
                let results = sync_all_tasks(&s, &[task], Trigger::Schedule).await;
                let failed = results.iter().filter(|r| r.2.is_err()).count();
                tracing::info!(
                    task = task.name(),
                    accounts = results.len(),
                    failed,
                    "scheduled sync finished"
                );
            })
        })?;
        sched.add(job).await?;
    }
    if !s.config.organizations.is_empty() {
        let s = s.clone();
        let schedule = s.config.schedule_of("accounts").to_owned();
        let job = Job::new_async(schedule.as_str(), move |_id, _l| {
            let s = s.clone();
            Box::pin(async move {
                crate::services::sync::accounts::discover_all(
                    &s,
                    crate::services::sync::engine::Trigger::Schedule,
                )
                .await;
            })
        })?;
        sched.add(job).await?;
    }
    {
        let s = s.clone();
        let schedule = s.config.expiry_schedule().to_owned();
        let job = Job::new_async(schedule.as_str(), move |_id, _l| {
            let s = s.clone();
            Box::pin(async move {
                match crate::services::requests::sweep_expired(&s, chrono::Utc::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(changes = n, "expired access removed"),
                    Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
                }
                match crate::services::requests::recover_stuck(&s, chrono::Utc::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(changes = n, "changes left applying marked failed"),
                    Err(e) => tracing::warn!(error = %e, "recovering stuck changes failed"),
                }
            })
        })?;
        sched.add(job).await?;
    }
    super::denials::schedule(&sched, &s).await?;
    super::protection::schedule(&sched, &s).await?;
    // A plugin's task gets the pool and the config, not the services.
    let ctx = crate::plugins::TaskContext {
        pool: s.pool.clone(),
        config: Arc::clone(&s.config),
    };
    for task in s.plugins.scheduled_tasks.clone() {
        let ctx = ctx.clone();
        let schedule = task.schedule().to_owned();
        let job = Job::new_async(schedule.as_str(), move |_id, _l| {
            let (ctx, task) = (ctx.clone(), task.clone());
            Box::pin(async move {
                if let Err(e) = crate::plugins::run_task(task.as_ref(), &ctx).await {
                    tracing::error!(task = task.name(), error = %e, "plugin task failed");
                }
            })
        })?;
        sched.add(job).await?;
    }
    sched.start().await?;
    Ok(sched)
}
