//! Credential protection on `credential_protection.schedule`, when enabled:
//! the job only triggers the service.
use crate::services::credential_protection::run::Actor;
use crate::services::Services;
use app::ports::ClientMeta;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

pub async fn schedule(sched: &JobScheduler, s: &Services) -> Result<(), JobSchedulerError> {
    let c = &s.config.credential_protection;
    if !c.enabled {
        return Ok(());
    }
    let s2 = s.clone();
    let job = Job::new_async(c.schedule.as_str(), move |_id, _l| {
        let s = s2.clone();
        Box::pin(async move {
            let client = ClientMeta::default();
            let actor = Actor {
                id: "latchkey",
                client: &client,
            };
            match s.protect_accounts(&actor).await {
                Ok(r) => tracing::info!(
                    planned = r.planned,
                    written = r.written,
                    attached = r.attached,
                    detached = r.detached,
                    failed = r.failed,
                    "credential protection run"
                ),
                Err(e) => tracing::warn!(error = %e, "credential protection failed"),
            }
        })
    })?;
    sched.add(job).await?;
    Ok(())
}
