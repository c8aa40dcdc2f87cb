//! `[credentials]`: what issued credentials may do beyond the role's own
//! policies. With `ip_restrictions` set, every issued session carries a
//! session policy refusing calls from other addresses (AWS services acting
//! for the session excepted), as ConsoleMe's `ip_restrictions` did; members
//! of `no_ip_restrictions_groups` may ask without it (Weep's
//! `no_ip_restrictions`), which is audited.
use super::{invalid, ConfigError};
use app::domain::protection::is_cidr;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    /// CIDR ranges issued credentials work from (empty: anywhere).
    #[serde(default)]
    pub ip_restrictions: Vec<String>,
    /// Groups whose members may ask for credentials without them.
    #[serde(default)]
    pub no_ip_restrictions_groups: Vec<String>,
}

impl CredentialsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (i, c) in self.ip_restrictions.iter().enumerate() {
            if !is_cidr(c) {
                return Err(invalid(
                    format!("credentials.ip_restrictions[{i}]"),
                    "must be a CIDR range like 10.0.0.0/8 or 2001:db8::/32",
                ));
            }
        }
        Ok(())
    }
}
