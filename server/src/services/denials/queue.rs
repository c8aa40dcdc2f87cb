//! The EventBridge -> SQS path: receive (long polling), parse each body (an
//! EventBridge event whose `detail` is the CloudTrail record), store every
//! good one in one transaction, and only then delete them.
//!
//! A body that is not such an event is left on the queue: it reappears
//! after the queue's visibility timeout, and the queue's redrive policy
//! (`maxReceiveCount` to a dead-letter queue) moves it aside; configure
//! one. If storing fails nothing is deleted, so every message comes back.
//! If deleting fails after storing, those events come back and are counted
//! again (at-least-once): a count may run high, a denial is never lost.
use super::store::store_records;
use super::DenialIngest;
use app::domain::cloudtrail::record_of_eventbridge;
use serde_json::Value;
use std::time::Duration;

/// What one receive did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollOutcome {
    pub received: usize,
    /// Denied events stored.
    pub stored: usize,
    pub deleted: usize,
    /// Bodies that are not an EventBridge event: left on the queue.
    pub kept: usize,
}

/// One receive, store and delete.
pub async fn poll_once(ingest: &DenialIngest, wait_seconds: i32) -> crate::Result<PollOutcome> {
    let messages = ingest.source.receive(wait_seconds).await?;
    let mut out = PollOutcome {
        received: messages.len(),
        ..Default::default()
    };
    let mut records: Vec<Value> = Vec::with_capacity(messages.len());
    let mut done = Vec::with_capacity(messages.len());
    for m in &messages {
        let event: Option<Value> = serde_json::from_str(&m.body).ok();
        match event.as_ref().and_then(record_of_eventbridge) {
            Some(record) => {
                records.push(record.clone());
                done.push(m.receipt_handle.clone());
            }
            None => out.kept += 1,
        }
    }
    if out.kept > 0 {
        tracing::warn!(
            kept = out.kept,
            "CloudTrail queue: messages that are not EventBridge events left on the queue"
        );
    }
    if !records.is_empty() {
        let mut tx = crate::db::begin(&ingest.pool).await?;
        out.stored = store_records(&mut tx, &records).await?.stored;
        crate::db::commit(tx).await?;
    }
    ingest.source.delete(&done).await?;
    out.deleted = done.len();
    Ok(out)
}

/// Polls until the process ends; a failure waits (doubling, up to a
/// minute) and tries again.
pub async fn poll_forever(ingest: DenialIngest) {
    let mut backoff = Duration::from_secs(1);
    loop {
        match poll_once(&ingest, ingest.config.wait_seconds).await {
            Ok(out) => {
                backoff = Duration::from_secs(1);
                if out.stored > 0 {
                    tracing::info!(
                        received = out.received,
                        stored = out.stored,
                        "CloudTrail denials stored from the queue"
                    );
                }
                if out.received == 0 && ingest.config.wait_seconds == 0 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "CloudTrail queue poll failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
    }
}
