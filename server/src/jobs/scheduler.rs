//! Wires the sync into tokio-cron-scheduler.
use super::sync::{sync_all, Trigger};
use crate::services::Services;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

pub async fn start(s: Services) -> Result<JobScheduler, JobSchedulerError> {
    let sched = JobScheduler::new().await?;
    let schedule = s.config.sync.schedule.clone();
    let job = Job::new_async(schedule.as_str(), move |_id, _l| {
        let s = s.clone();
        Box::pin(async move {
            let results = sync_all(&s, Trigger::Schedule).await;
            let failed = results.iter().filter(|r| r.1.is_err()).count();
            tracing::info!(accounts = results.len(), failed, "scheduled sync finished");
        })
    })?;
    sched.add(job).await?;
    sched.start().await?;
    Ok(sched)
}
