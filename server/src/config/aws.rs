//! `[aws]`, `[[accounts]]`, `[[organizations]]` and `[console]`: which AWS
//! accounts Latchkey reaches, as which role, and console sign-in.
use super::{invalid, yes, ConfigError, HttpUrl};
use app::domain::partition::is_region_name;
use app::domain::{AccountId, Partition, RoleArn, RoleName};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Set for an emulator (http://...); unset means real AWS over HTTPS.
    pub endpoint_url: Option<HttpUrl>,
    /// Region of the hub's STS and of single-region calls; its partition is the default partition.
    #[serde(default = "default_region")]
    pub region: String,
    /// `aws`, `aws-cn` or `aws-us-gov`; unset means the partition `region`
    /// is in. ARNs Latchkey builds and the console hosts follow it.
    #[serde(default)]
    pub partition: Option<Partition>,
    /// Regions whose queues and topics are synced in every account (read in
    /// parallel); empty means `region` alone. Buckets are listed once and
    /// each is read in its own region whatever this says.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Read queues and topics in every region enabled in each account
    /// (Account Management `ListRegions`; the spoke role needs
    /// `account:ListRegions`), narrowed to `regions` when that is set.
    #[serde(default)]
    pub discover_regions: bool,
    /// Role assumed in every spoke account by the sync and by approvals.
    pub spoke_role_name: RoleName,
    /// Credential lifetime handed to users, in seconds: 900 to 43200 (what
    /// AssumeRole allows, and no more than each role's maximum session
    /// duration). When Latchkey itself runs as a role (`hub_role_arn`: an
    /// instance, task or IRSA role), assuming users' roles is role chaining,
    /// which AWS caps at 3600.
    #[serde(default = "default_duration")]
    pub credential_duration_secs: i32,
    /// The role Latchkey itself runs as (the hub), when it is one: never
    /// eligible, never a request target. The spoke role in every account is
    /// protected the same way without being listed.
    #[serde(default)]
    pub hub_role_arn: Option<RoleArn>,
    /// More roles nobody may use or change through Latchkey, whatever a rule
    /// or tag says: role ARNs or ARN patterns with `*` and `?`
    /// (e.g. `arn:aws:iam::*:role/OrganizationAccountAccessRole`).
    #[serde(default)]
    pub protected_roles: Vec<String>,
    /// How long one try of one AWS call may take, in seconds (1 to 60),
    /// from connecting to the whole answer read; a try that takes longer is
    /// given up and retried like a dropped connection, so an endpoint that
    /// stops answering cannot hold a page, a sync or an approval forever.
    /// Connecting alone may take 3.1 s. At most 60, so that every try of an
    /// approved change ends well before a change still applying after 10
    /// minutes is taken for cut off and marked failed.
    #[serde(default = "default_call_timeout")]
    pub call_timeout_secs: u64,
}

fn default_region() -> String {
    "us-east-1".into()
}

fn default_duration() -> i32 {
    3600
}

/// The longest `aws.call_timeout_secs` allowed.
pub const MAX_CALL_TIMEOUT_SECS: u64 = 60;

fn default_call_timeout() -> u64 {
    30
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The account's 12-digit id.
    pub id: AccountId,
    /// The name pages show for it.
    pub name: String,
    /// Whether it is synced and its roles usable; admins can change it on Admin › Sync.
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationConfig {
    /// The management account; its spoke role is assumed to call ListAccounts.
    pub management_account_id: AccountId,
    /// Whether newly discovered accounts are synced without an admin enabling them.
    #[serde(default = "yes")]
    pub enable_new_accounts: bool,
}

/// AWS console sign-in through the federation endpoint.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// getSigninToken / login endpoint; unset means the partition's
    /// (`signin.aws.amazon.com`, `signin.amazonaws.cn`,
    /// `signin.amazonaws-us-gov.com`).
    #[serde(default)]
    pub federation_url: Option<HttpUrl>,
    /// Shown by AWS as where the session came from (Issuer).
    #[serde(default = "default_issuer")]
    pub issuer: String,
    /// Console session length (900..=43200 seconds).
    #[serde(default = "default_duration")]
    pub session_duration_secs: i32,
}

fn default_issuer() -> String {
    "https://latchkey.example.com".into()
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            federation_url: None,
            issuer: default_issuer(),
            session_duration_secs: default_duration(),
        }
    }
}

impl AwsConfig {
    /// The partition every account is in: as configured, else `region`'s.
    pub fn partition(&self) -> Partition {
        self.partition
            .unwrap_or_else(|| Partition::of_region(&self.region))
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let partition = self.partition();
        if !is_region_name(&self.region) {
            return Err(invalid(
                "aws.region",
                format!(
                    "{:?} is not an AWS region name (like us-east-1 or eu-west-2)",
                    self.region
                ),
            ));
        }
        if Partition::of_region(&self.region) != partition {
            return Err(invalid(
                "aws.partition",
                format!(
                    "{partition} does not hold aws.region {:?} (it is in {})",
                    self.region,
                    Partition::of_region(&self.region)
                ),
            ));
        }
        if let Some(hub) = &self.hub_role_arn {
            if hub.partition() != partition {
                return Err(invalid(
                    "aws.hub_role_arn",
                    format!(
                        "must be in partition {partition} like aws.region, not {}",
                        hub.partition()
                    ),
                ));
            }
        }
        for (i, r) in self.regions.iter().enumerate() {
            if !is_region_name(r) {
                return Err(invalid(
                    format!("aws.regions[{i}]"),
                    format!("{r:?} is not an AWS region name (like us-east-1 or eu-west-2)"),
                ));
            }
            if Partition::of_region(r) != partition {
                return Err(invalid(
                    format!("aws.regions[{i}]"),
                    format!("{r:?} is outside partition {partition} (one deployment serves one partition)"),
                ));
            }
        }
        if !(900..=43200).contains(&self.credential_duration_secs) {
            return Err(invalid(
                "aws.credential_duration_secs",
                "must be between 900 and 43200 (what AssumeRole allows)",
            ));
        }
        if self.hub_role_arn.is_some() && self.credential_duration_secs > 3600 {
            return Err(invalid(
                "aws.credential_duration_secs",
                "must be at most 3600 when Latchkey runs as a role (aws.hub_role_arn): \
                 assuming users' roles from a role session is role chaining, which AWS caps at one hour",
            ));
        }
        if !(1..=MAX_CALL_TIMEOUT_SECS).contains(&self.call_timeout_secs) {
            return Err(invalid(
                "aws.call_timeout_secs",
                "must be between 1 and 60 seconds (every try of a change must end \
                 within the 10 minutes after which an unfinished change is marked failed)",
            ));
        }
        for p in &self.protected_roles {
            if !p.starts_with("arn:") || !p.contains(":role/") {
                return Err(invalid(
                    "aws.protected_roles",
                    format!("{p:?} must be a role ARN or an ARN pattern with * and ?"),
                ));
            }
        }
        Ok(())
    }
}

impl ConsoleConfig {
    /// The federation endpoint for roles in `partition`.
    pub fn federation_url(&self, partition: Partition) -> &str {
        self.federation_url
            .as_deref()
            .unwrap_or(partition.federation_url())
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(900..=43200).contains(&self.session_duration_secs) {
            return Err(invalid(
                "console.session_duration_secs",
                "must be between 900 and 43200",
            ));
        }
        Ok(())
    }
}
