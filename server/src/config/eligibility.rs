//! `[[eligibility]]`: which groups and users may use which roles.
use super::{invalid, ConfigError};
use serde::Deserialize;

/// Members of `group` (or the user `user`) may use roles matching `roles`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    pub group: Option<String>,
    pub user: Option<String>,
    pub roles: Vec<String>,
    #[serde(default)]
    pub cli_only: bool,
}

pub(super) fn validate(rules: &[EligibilityRule]) -> Result<(), ConfigError> {
    for (i, r) in rules.iter().enumerate() {
        if r.group.is_none() == r.user.is_none() {
            return Err(invalid(
                format!("eligibility[{i}]"),
                "set exactly one of group or user",
            ));
        }
        for p in &r.roles {
            if !p.starts_with("arn:") {
                return Err(invalid(
                    format!("eligibility[{i}].roles"),
                    format!("{p:?} must be a role ARN or an ARN pattern with * and ?"),
                ));
            }
        }
    }
    Ok(())
}
