//! CloudTrail denials' background work, when `[cloudtrail]` sets a source:
//! the queue poller (a task for the life of the process) and the scheduled
//! S3 log read, the digests to the people concerned (`notify`), the owner
//! and creator tags (`tag_resources`) and the retention purge. Each only triggers the service.
use crate::services::denials::{logs, queue, store, DenialIngest};
use crate::services::Services;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

/// Starts polling the queue, when one is configured.
pub fn start_queue(s: &Services) {
    if let Some(ingest) = DenialIngest::from_config(&s.pool, &s.aws, &s.config) {
        if ingest.config.queue_url.is_some() {
            tokio::spawn(queue::poll_forever(ingest));
        }
    }
}

/// Adds the log read (when a bucket is configured) and the purge.
pub async fn schedule(sched: &JobScheduler, s: &Services) -> Result<(), JobSchedulerError> {
    let Some(ingest) = DenialIngest::from_config(&s.pool, &s.aws, &s.config) else {
        return Ok(());
    };
    if ingest.config.bucket.is_some() {
        let i = ingest.clone();
        let job = Job::new_async(ingest.config.schedule.as_str(), move |_id, _l| {
            let i = i.clone();
            Box::pin(async move {
                match logs::read_logs(&i).await {
                    Ok(o) => tracing::info!(
                        files = o.files,
                        stored = o.stored,
                        skipped = o.skipped_files,
                        failed = o.failed,
                        "CloudTrail log files read"
                    ),
                    Err(e) => tracing::warn!(error = %e, "reading CloudTrail log files failed"),
                }
            })
        })?;
        sched.add(job).await?;
    }
    if ingest.config.notify {
        let s2 = s.clone();
        let job = Job::new_async(ingest.config.notify_schedule.as_str(), move |_id, _l| {
            let s = s2.clone();
            Box::pin(async move {
                match s.notify_denials().await {
                    Ok(n) if n.messages > 0 => tracing::info!(
                        denials = n.denials,
                        messages = n.messages,
                        "people told of new denied calls"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "telling people of denied calls failed"),
                }
            })
        })?;
        sched.add(job).await?;
    }
    if ingest.config.tag_resources {
        let s2 = s.clone();
        let job = Job::new_async(ingest.config.tag_schedule.as_str(), move |_id, _l| {
            let s = s2.clone();
            Box::pin(async move {
                match s.tag_created().await {
                    Ok(t) if t.tagged + t.failed > 0 => tracing::info!(
                        tagged = t.tagged,
                        failed = t.failed,
                        "created resources tagged with their creator"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "tagging created resources failed"),
                }
            })
        })?;
        sched.add(job).await?;
    }
    let purge_schedule = ingest.config.purge_schedule.clone();
    let job = Job::new_async(purge_schedule.as_str(), move |_id, _l| {
        let i = ingest.clone();
        Box::pin(async move {
            match store::purge(&i.pool, i.cutoff(chrono::Utc::now())).await {
                Ok(n) => tracing::info!(removed = n, "old CloudTrail denials purged"),
                Err(e) => tracing::warn!(error = %e, "purging CloudTrail denials failed"),
            }
        })
    })?;
    sched.add(job).await?;
    Ok(())
}
