//! AWS access: the hub configuration, spoke sessions (hub -> spoke role,
//! cached until shortly before expiry) and typed errors. Every client goes
//! through the real SDK, pointed at AWS or at an emulator by `endpoint_url`.

pub mod apply;
pub mod broker;
pub mod cloudtrail;
pub mod credential_report;
pub mod decode;
pub mod ec2;
pub mod federation;
pub mod iam;
pub mod iam_role;
pub mod organizations;
pub mod progress;
pub mod protection;
pub mod reader;
pub mod regions;
pub mod s3;
pub mod snapshot;
pub mod sns;
pub mod sqs;
pub mod sts;
pub mod tag_missing;
pub mod tagging;
pub mod writer;

use crate::config::AwsConfig;
use app::domain::{AccountId, Partition};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::ProvideErrorMetadata;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

/// What went wrong talking to AWS, classified so callers can react.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AwsError {
    #[error("access denied: {0}")]
    Denied(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("throttled: {0}")]
    Throttled(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("{0}")]
    Other(String),
}

impl AwsError {
    /// Maps an SDK error by its AWS error code. The one place where codes become kinds.
    pub fn from_sdk<E, R>(e: aws_smithy_runtime_api::client::result::SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let code = e.code().unwrap_or("").to_owned();
        let msg = match e.message() {
            Some(m) => format!("{code}: {m}"),
            None => format!("{}", aws_sdk_sts::error::DisplayErrorContext(&e)),
        };
        match code.as_str() {
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => Self::Denied(msg),
            "NoSuchEntity" | "NoSuchEntityException" => Self::NotFound(msg),
            "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => Self::Throttled(msg),
            "MalformedPolicyDocument" | "ValidationError" | "InvalidInput" | "LimitExceeded" => {
                Self::Invalid(msg)
            }
            _ => Self::Other(msg),
        }
    }
}

/// Hub configuration plus a cache of spoke sessions.
pub struct Aws {
    hub: SdkConfig,
    spoke_role_name: String,
    partition: Partition,
    emulator: bool,
    /// Where queues and topics are read.
    regions: Regions,
    spokes: Mutex<HashMap<AccountId, (SdkConfig, SystemTime)>>,
}

/// The region settings an [`Aws`] was made with, and what discovery found.
#[derive(Default)]
struct Regions {
    discover: bool,
    /// `aws.regions` as written (empty: every enabled region when discovering).
    listed: Vec<String>,
    /// What is read without discovery: `aws.regions`, else `aws.region`.
    configured: Vec<String>,
    enabled: Mutex<HashMap<AccountId, (std::time::Instant, Vec<String>)>>,
}

/// How many times [`Aws::new`]'s clients try each call.
pub const CALL_ATTEMPTS: u32 = 5;

/// The SDK's longest wait between two tries.
pub const MAX_BACKOFF_SECS: u64 = 20;

/// Spoke sessions are renewed this long before they expire.
const SPOKE_REFRESH_MARGIN: Duration = Duration::from_secs(300);

impl Aws {
    /// Hub credentials come from the default chain (environment, profile...).
    pub async fn new(cfg: &AwsConfig) -> Arc<Self> {
        Self::with_attempts(cfg, CALL_ATTEMPTS).await
    }

    /// [`Aws::new`] making each call at most `attempts` times.
    pub async fn with_attempts(cfg: &AwsConfig, attempts: u32) -> Arc<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(cfg.region.clone()))
            .http_client(http_client(cfg.endpoint_url.as_deref()));
        if let Some(ep) = &cfg.endpoint_url {
            loader = loader.endpoint_url(ep.as_str());
        }
        // Throttling and transient errors are retried with exponential
        // backoff; adaptive mode also slows a client's calls down once AWS
        // throttles them (a token bucket per service and region), so a
        // thousand accounts' passes back off together instead of each
        // spending its retries against the same rate limit.
        loader = loader.retry_config(
            aws_config::retry::RetryConfig::adaptive()
                .with_max_attempts(attempts)
                .with_max_backoff(Duration::from_secs(MAX_BACKOFF_SECS)),
        );
        // The SDK sets no limit on a call by default: an endpoint that takes
        // a connection and never answers would hold its caller (a page, a
        // sync holding its lock, an approval) forever. A try that runs out
        // of time is retried like a dropped connection.
        loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(3100))
                .operation_attempt_timeout(Duration::from_secs(cfg.call_timeout_secs))
                .build(),
        );
        let hub = loader.load().await;
        Arc::new(Self {
            hub,
            spoke_role_name: cfg.spoke_role_name.to_string(),
            partition: cfg.partition(),
            emulator: cfg.endpoint_url.is_some(),
            regions: Regions {
                discover: cfg.discover_regions,
                listed: cfg.regions.clone(),
                configured: if cfg.regions.is_empty() {
                    vec![cfg.region.clone()]
                } else {
                    cfg.regions.clone()
                },
                ..Default::default()
            },
            spokes: Mutex::new(HashMap::new()),
        })
    }

    pub fn hub(&self) -> &SdkConfig {
        &self.hub
    }

    pub fn hub_sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.hub)
    }

    /// SDK config acting as the spoke role in `account`, checked to act in
    /// that account: STS `GetCallerIdentity` must name it, for a cached
    /// session as for a new one. A cached session that fails the check (the
    /// emulator or a proxy restarted, credentials mapped elsewhere) is
    /// dropped and assumed afresh; a fresh one that fails it is refused, so
    /// nothing is read into or written to the wrong account.
    pub async fn spoke(&self, account: &AccountId) -> Result<SdkConfig, AwsError> {
        let cached = {
            let cache = self.spokes.lock().await;
            cache
                .get(account)
                .filter(|(_, expires)| SystemTime::now() + SPOKE_REFRESH_MARGIN < *expires)
                .map(|(conf, _)| conf.clone())
        };
        // Checked outside the lock: other accounts' callers need not wait.
        if let Some(conf) = cached {
            match self.acts_in(&conf, account).await {
                Ok(()) => return Ok(conf),
                // Throttled is AWS being busy, not the session being wrong.
                Err(e @ AwsError::Throttled(_)) => return Err(e),
                Err(e) => {
                    tracing::warn!(%account, error = %e, "cached spoke session failed its check; assuming again")
                }
            }
        }
        let (conf, expires) = self.assume_spoke(account).await?;
        self.acts_in(&conf, account).await?;
        self.spokes
            .lock()
            .await
            .insert(account.clone(), (conf.clone(), expires));
        Ok(conf)
    }

    /// Whether a session acts in `account`, by STS's own word.
    async fn acts_in(&self, conf: &SdkConfig, account: &AccountId) -> Result<(), AwsError> {
        let me = aws_sdk_sts::Client::new(conf)
            .get_caller_identity()
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        match me.account() {
            Some(a) if a == account.as_str() => Ok(()),
            other => Err(AwsError::Denied(format!(
                "the spoke session for account {account} acts in account {}: refusing to use it",
                other.unwrap_or("(none)")
            ))),
        }
    }

    /// Puts a session in the cache as `account`'s (tests: a session that
    /// acts elsewhere, as after an emulator restart).
    #[doc(hidden)]
    pub async fn cache_spoke_session(&self, account: &AccountId, conf: SdkConfig) {
        let expires = SystemTime::now() + Duration::from_secs(3600);
        self.spokes
            .lock()
            .await
            .insert(account.clone(), (conf, expires));
    }

    async fn assume_spoke(&self, account: &AccountId) -> Result<(SdkConfig, SystemTime), AwsError> {
        let arn = self.partition.arn(
            "iam",
            "",
            account.as_str(),
            &format!("role/{}", self.spoke_role_name),
        );
        let out = self
            .hub_sts()
            .assume_role()
            .role_arn(&arn)
            .role_session_name("latchkey")
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        let c = out
            .credentials()
            .ok_or_else(|| AwsError::Other(format!("AssumeRole {arn} returned no credentials")))?;
        let expires = SystemTime::try_from(*c.expiration()).unwrap_or_else(|_| SystemTime::now());
        let creds = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            Some(expires),
            "latchkey-spoke",
        );
        let conf = self
            .hub
            .to_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(creds),
            )
            .build();
        Ok((conf, expires))
    }

    /// S3 with path-style addressing when an emulator endpoint is set.
    pub async fn spoke_s3(&self, account: &AccountId) -> Result<aws_sdk_s3::Client, AwsError> {
        let conf = aws_sdk_s3::config::Builder::from(&self.spoke(account).await?)
            .force_path_style(self.emulator)
            .build();
        Ok(aws_sdk_s3::Client::from_conf(conf))
    }

    /// S3 on any session, with path-style addressing for an emulator.
    pub fn s3_with(&self, conf: &SdkConfig) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(conf)
            .force_path_style(self.emulator)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub fn region(&self) -> &str {
        self.hub.region().map(|r| r.as_ref()).unwrap_or("us-east-1")
    }

    /// The spoke session in the region an ARN names (a queue's or topic's),
    /// or in the default region when it names none.
    pub async fn spoke_for(&self, account: &AccountId, arn: &str) -> Result<SdkConfig, AwsError> {
        let spoke = self.spoke(account).await?;
        Ok(match arn.split(':').nth(3).filter(|r| !r.is_empty()) {
            Some(region) => in_region(&spoke, region),
            None => spoke,
        })
    }
}

/// The same session calling `region`'s endpoints.
pub fn in_region(conf: &SdkConfig, region: &str) -> SdkConfig {
    conf.to_builder()
        .region(Region::new(region.to_owned()))
        .build()
}

/// Plain HTTP for an http:// emulator endpoint, rustls (ring) HTTPS otherwise.
pub(crate) fn http_client(
    endpoint: Option<&str>,
) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::{tls, Builder};
    match endpoint {
        Some(ep) if ep.starts_with("http://") => Builder::new().build_http(),
        _ => Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https(),
    }
}

/// `spoke_x(account)`: service x's client, signed as `account`'s spoke role.
macro_rules! spoke_clients {
    ($($(#[$doc:meta])* $name:ident -> $client:ty),* $(,)?) => {
        impl Aws {
            $(
                $(#[$doc])*
                pub async fn $name(&self, account: &AccountId) -> Result<$client, AwsError> {
                    Ok(<$client>::new(&self.spoke(account).await?))
                }
            )*
        }
    };
}

spoke_clients! {
    spoke_iam -> aws_sdk_iam::Client,
    spoke_sqs -> aws_sdk_sqs::Client,
    spoke_sns -> aws_sdk_sns::Client,
    spoke_organizations -> aws_sdk_organizations::Client,
    /// The Resource Groups Tagging API (`tag:GetResources`): every bucket's,
    /// queue's or topic's tags in one paginated call.
    spoke_tagging -> aws_sdk_resourcegroupstagging::Client,
}
