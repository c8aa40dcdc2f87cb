//! `[credential_protection]`: one customer managed policy per account that
//! refuses the account's role credentials outside its own networks,
//! attached to the roles that carry a tag. Off by default; the first write
//! in each account waits for an administrator's approval of the shown plan.
use super::{invalid, ConfigError, Cron};
use app::domain::protection::is_cidr;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectionConfig {
    /// Plan (and, once approved per account, write) on `schedule`.
    #[serde(default)]
    pub enabled: bool,
    /// The managed policy's name in each account.
    #[serde(default = "default_policy_name")]
    pub policy_name: String,
    /// Roles with this tag set to `true` get the policy attached; roles
    /// without it have it detached.
    #[serde(default = "default_tag_key")]
    pub tag_key: String,
    /// More source ranges allowed everywhere (offices, VPN), as CIDR.
    #[serde(default)]
    pub extra_cidrs: Vec<String>,
    /// When networks are read and the policies kept up to date.
    #[serde(default = "default_schedule")]
    pub schedule: Cron,
}

fn default_policy_name() -> String {
    "latchkey-credential-protection".to_owned()
}

fn default_tag_key() -> String {
    "latchkey-credential-protection".to_owned()
}

fn default_schedule() -> Cron {
    Cron::known("0 7 * * * *")
}

impl Default for ProtectionConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            policy_name: default_policy_name(),
            tag_key: default_tag_key(),
            extra_cidrs: Vec::new(),
            schedule: default_schedule(),
        }
    }
}

impl ProtectionConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let name_ok = (1..=128).contains(&self.policy_name.len())
            && self
                .policy_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !name_ok {
            return Err(invalid(
                "credential_protection.policy_name",
                "must be an IAM policy name (1-128 letters, digits and +=,.@_-)",
            ));
        }
        let key = &self.tag_key;
        if key.trim().is_empty() || key.len() > 128 || key.starts_with("aws:") {
            return Err(invalid(
                "credential_protection.tag_key",
                "must be a tag key (1-128 characters, not aws:...)",
            ));
        }
        for (i, c) in self.extra_cidrs.iter().enumerate() {
            if !is_cidr(c) {
                return Err(invalid(
                    format!("credential_protection.extra_cidrs[{i}]"),
                    "must be a CIDR range like 192.0.2.0/24 or 2001:db8::/32",
                ));
            }
        }
        Ok(())
    }
}
