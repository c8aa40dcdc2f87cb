//! `[aws]`, `[[accounts]]`, `[[organizations]]` and `[console]`: which AWS
//! accounts Latchkey reaches, as which role, and console sign-in.
use super::{invalid, yes, ConfigError, HttpUrl};
use app::domain::{AccountId, RoleArn, RoleName};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Set for an emulator (http://...); unset means real AWS over HTTPS.
    pub endpoint_url: Option<HttpUrl>,
    #[serde(default = "default_region")]
    pub region: String,
    /// Regions whose queues and topics are synced in every account (read in
    /// parallel); empty means `region` alone. Buckets are listed once and
    /// each is read in its own region whatever this says.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Role assumed in every spoke account by the sync and by approvals.
    pub spoke_role_name: RoleName,
    /// Credential lifetime handed to users, in seconds.
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
}

fn default_region() -> String {
    "us-east-1".into()
}

fn default_duration() -> i32 {
    3600
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub id: AccountId,
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationConfig {
    /// The management account; its spoke role is assumed to call ListAccounts.
    pub management_account_id: AccountId,
    /// Whether newly discovered accounts are synced without an admin enabling them.
    #[serde(default = "yes")]
    pub enable_new_accounts: bool,
}

/// AWS console sign-in through the federation endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// getSigninToken / login endpoint.
    #[serde(default = "default_federation")]
    pub federation_url: HttpUrl,
    /// Shown by AWS as where the session came from (Issuer).
    #[serde(default = "default_issuer")]
    pub issuer: String,
    /// Console session length (900..=43200 seconds).
    #[serde(default = "default_duration")]
    pub session_duration_secs: i32,
}

fn default_federation() -> HttpUrl {
    HttpUrl::known("https://signin.aws.amazon.com/federation")
}

fn default_issuer() -> String {
    "https://latchkey.example.com".into()
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            federation_url: default_federation(),
            issuer: default_issuer(),
            session_duration_secs: default_duration(),
        }
    }
}

impl AwsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (i, r) in self.regions.iter().enumerate() {
            if !is_region_name(r) {
                return Err(invalid(
                    format!("aws.regions[{i}]"),
                    format!("{r:?} is not an AWS region name (like us-east-1 or eu-west-2)"),
                ));
            }
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

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: lowercase
/// words joined by dashes, ending in a number.
fn is_region_name(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}
