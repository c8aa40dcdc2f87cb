//! CloudTrail authorization failures ("denied calls") per principal:
//! ingested from an EventBridge -> SQS queue ([`queue`]) and from the
//! trail's S3 log files ([`logs`]), stored deduplicated ([`store`]), purged
//! after `cloudtrail.retention_days`, and listed per principal
//! ([`denials_of`]) for the pages that show them.
//!
//! Trust: whoever can send to the queue (or write to the bucket) can make
//! up events, so nothing in a message is believed beyond what it could
//! claim anyway. The EventBridge envelope's `account` and `source` are
//! ignored; the principal, and so the account a denial is filed under,
//! comes from the CloudTrail record's own `userIdentity.arn`, and a denial
//! is kept only when that account is one Latchkey manages (enabled in the
//! `accounts` table); everything else is dropped and counted. A denial is a
//! hint shown to people who may already see the principal, never a grant:
//! a forged one can at worst suggest a request that still goes through
//! review. Lock the queue down with a queue policy that lets only
//! `events.amazonaws.com` send, for the rule's ARN (`aws:SourceArn`).
pub mod logs;
pub mod notify;
pub mod queue;
pub mod shown;
pub mod store;
pub mod tagging;
pub mod verify;

use crate::aws::cloudtrail::{DenialSource, SdkDenialSource};
use crate::aws::Aws;
use crate::config::{CloudTrailConfig, Config};
use crate::db::denials::{DenialRow, Order, Verdict};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;

/// What the ingest and the purge use: the pool, the source, the settings.
#[derive(Clone)]
pub struct DenialIngest {
    pub pool: PgPool,
    pub source: Arc<dyn DenialSource>,
    pub config: CloudTrailConfig,
}

impl DenialIngest {
    /// `None` when `[cloudtrail]` configures no source.
    pub fn from_config(pool: &PgPool, aws: &Arc<Aws>, config: &Config) -> Option<Self> {
        config.cloudtrail.enabled().then(|| Self {
            pool: pool.clone(),
            source: Arc::new(SdkDenialSource::new(Arc::clone(aws), &config.cloudtrail)),
            config: config.cloudtrail.clone(),
        })
    }

    /// Denials last seen before this are purged (and not listed).
    pub fn cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - chrono::Duration::days(i64::from(self.config.retention_days))
    }
}

/// A principal's denials seen since `since` in `order` (pass
/// `DenialIngest::cutoff` or now minus 30 days), with their verdicts. The
/// caller decides who may see them.
pub async fn denials_of(
    pool: &PgPool,
    principal_arn: &str,
    since: DateTime<Utc>,
    limit: i64,
    order: Order,
) -> crate::Result<Vec<(DenialRow, Verdict)>> {
    let mut conn = crate::db::conn(pool).await?;
    crate::db::denials::for_principal(&mut conn, principal_arn, since, limit, order).await
}
