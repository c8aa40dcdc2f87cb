//! `[cloudtrail]`: where CloudTrail authorization failures are read from.
//! Off unless `queue_url` or `bucket` is set.
use super::{invalid, ConfigError, Cron, HttpUrl};
use app::domain::partition::is_region_name;
use app::domain::AccountId;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudTrailConfig {
    /// SQS queue fed by an EventBridge rule matching denied calls; polled
    /// continuously (long polling).
    #[serde(default)]
    pub queue_url: Option<HttpUrl>,
    /// The trail's S3 bucket; its log files are read on `schedule`.
    #[serde(default)]
    pub bucket: Option<String>,
    /// The trail's S3 key prefix (what comes before `AWSLogs/`), if any.
    #[serde(default)]
    pub key_prefix: String,
    /// Set for an organization trail: keys are
    /// `AWSLogs/{organization_id}/{account}/CloudTrail/...`.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Region of the queue and the bucket (default `aws.region`).
    #[serde(default)]
    pub region: Option<String>,
    /// Read the queue and bucket as this account's spoke role (e.g. the
    /// log-archive account); unset: with the hub's own credentials.
    #[serde(default)]
    pub read_as_account: Option<AccountId>,
    /// When the S3 log files are read (six-field cron, with seconds).
    #[serde(default = "default_schedule")]
    pub schedule: Cron,
    /// Denials not seen for this many days are purged.
    #[serde(default = "default_retention")]
    pub retention_days: u32,
    /// When the purge runs.
    #[serde(default = "default_purge_schedule")]
    pub purge_schedule: Cron,
    /// Long-polling wait of one ReceiveMessage (0-20 s).
    #[serde(default = "default_wait")]
    pub wait_seconds: i32,
    /// Tell each principal's owner (its `owner_tag_key` tag, when an
    /// address) and the people whose sessions were denied (names that are
    /// addresses) about new denied calls, batched on `notify_schedule`,
    /// each with its pre-filled request link; through `[notifications]`.
    #[serde(default)]
    pub notify: bool,
    /// Tag key naming a principal's or resource's owner (an email address).
    #[serde(default = "default_owner_tag_key")]
    pub owner_tag_key: String,
    #[serde(default = "default_notify_schedule")]
    pub notify_schedule: Cron,
    /// Tag each created resource (recorded from `Create*` events) with its
    /// creator under `creator_tag_key` and, as its owner, under
    /// `owner_tag_key`, where it has no such tag yet; on `tag_schedule`.
    #[serde(default)]
    pub tag_resources: bool,
    /// Tag key `tag_resources` writes the creator under.
    #[serde(default = "default_creator_tag_key")]
    pub creator_tag_key: String,
    #[serde(default = "default_tag_schedule")]
    pub tag_schedule: Cron,
}

fn default_creator_tag_key() -> String {
    "created-by".to_owned()
}

fn default_tag_schedule() -> Cron {
    Cron::known("0 */10 * * * *")
}

fn default_owner_tag_key() -> String {
    "owner".to_owned()
}

fn default_notify_schedule() -> Cron {
    Cron::known("0 */15 * * * *")
}

fn default_schedule() -> Cron {
    Cron::known("0 */5 * * * *")
}

fn default_purge_schedule() -> Cron {
    Cron::known("0 17 3 * * *")
}

fn default_retention() -> u32 {
    30
}

fn default_wait() -> i32 {
    20
}

impl Default for CloudTrailConfig {
    fn default() -> Self {
        Self {
            queue_url: None,
            bucket: None,
            key_prefix: String::new(),
            organization_id: None,
            region: None,
            read_as_account: None,
            schedule: default_schedule(),
            retention_days: default_retention(),
            purge_schedule: default_purge_schedule(),
            wait_seconds: default_wait(),
            notify: false,
            owner_tag_key: default_owner_tag_key(),
            notify_schedule: default_notify_schedule(),
            tag_resources: false,
            creator_tag_key: default_creator_tag_key(),
            tag_schedule: default_tag_schedule(),
        }
    }
}

impl CloudTrailConfig {
    /// Whether any source is configured.
    pub fn enabled(&self) -> bool {
        self.queue_url.is_some() || self.bucket.is_some()
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(b) = &self.bucket {
            let ok = (3..=63).contains(&b.len())
                && b.bytes().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-'
                });
            if !ok {
                return Err(invalid(
                    "cloudtrail.bucket",
                    "must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)",
                ));
            }
        }
        if self.key_prefix.starts_with('/') || self.key_prefix.ends_with('/') {
            return Err(invalid(
                "cloudtrail.key_prefix",
                "is written without leading or trailing '/' (the trail's S3 key prefix)",
            ));
        }
        if let Some(org) = &self.organization_id {
            let ok = org.strip_prefix("o-").is_some_and(|rest| {
                (10..=32).contains(&rest.len())
                    && rest
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
            if !ok {
                return Err(invalid(
                    "cloudtrail.organization_id",
                    "must be an organization id like o-a1b2c3d4e5",
                ));
            }
            if self.bucket.is_none() {
                return Err(invalid(
                    "cloudtrail.organization_id",
                    "names the trail's key layout; set cloudtrail.bucket too",
                ));
            }
        }
        if let Some(r) = &self.region {
            if !is_region_name(r) {
                return Err(invalid(
                    "cloudtrail.region",
                    "must be a region name like eu-west-1",
                ));
            }
        }
        if !(1..=3650).contains(&self.retention_days) {
            return Err(invalid("cloudtrail.retention_days", "must be 1-3650"));
        }
        for (field, key) in [
            ("cloudtrail.owner_tag_key", &self.owner_tag_key),
            ("cloudtrail.creator_tag_key", &self.creator_tag_key),
        ] {
            if key.trim().is_empty() || key.len() > 128 || key.starts_with("aws:") {
                return Err(invalid(
                    field,
                    "must be a tag key (1-128 characters, not aws:...)",
                ));
            }
        }
        if !(0..=20).contains(&self.wait_seconds) {
            return Err(invalid(
                "cloudtrail.wait_seconds",
                "must be 0-20 (SQS long polling waits at most 20 s)",
            ));
        }
        Ok(())
    }
}
