//! `[sync]`: when and how widely the inventory is read from AWS.
use super::{invalid, yes, ConfigError, Cron};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Default six-field cron expression (with seconds), e.g. "0 */15 * * * *".
    #[serde(default = "default_schedule")]
    pub schedule: Cron,
    /// Per-task schedules (iam, s3, sqs, sns) overriding `schedule`.
    #[serde(default)]
    pub schedules: std::collections::BTreeMap<String, Cron>,
    /// Sync every enabled account when the server starts.
    #[serde(default = "yes")]
    pub on_start: bool,
    /// Task/account runs in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Items (buckets, queues, topics) one run reads at once: enough to hide
    /// each call's round trip, few enough for the services' request rates.
    #[serde(default = "default_item_concurrency")]
    pub item_concurrency: usize,
}

fn default_concurrency() -> usize {
    4
}

fn default_item_concurrency() -> usize {
    8
}

fn default_schedule() -> Cron {
    Cron::known("0 */15 * * * *")
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            schedule: default_schedule(),
            schedules: Default::default(),
            on_start: true,
            concurrency: default_concurrency(),
            item_concurrency: default_item_concurrency(),
        }
    }
}

impl SyncConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=64).contains(&self.item_concurrency) {
            return Err(invalid(
                "sync.item_concurrency",
                "must be 1-64 (items of one account read at once)",
            ));
        }
        for k in self.schedules.keys() {
            if !["accounts", "iam", "s3", "sqs", "sns", "expiry"].contains(&k.as_str()) {
                return Err(invalid(
                    format!("sync.schedules.{k}"),
                    "unknown task; tasks are accounts, iam, s3, sqs, sns, expiry",
                ));
            }
        }
        Ok(())
    }
}
