//! `[role_tags]`: which role tag keys make a role usable by the groups (or
//! user ids) their value lists, `:`-separated.
//!
//! A role tagged with any key of `authorized` is usable from the console and
//! the CLI; with any key of `authorized_cli_only`, from the CLI alone. Absent,
//! the keys are `latchkey-authorized` and `latchkey-authorized-cli-only`;
//! organisations moving from ConsoleMe set `consoleme-authorized` and
//! `consoleme-authorized-cli-only` to keep their tags working. An empty list
//! is allowed and means what it says: no tag grants that access (both empty:
//! only `[[eligibility]]` rules and plugins do). It can only take access
//! away, never give it, so it is not refused.
use super::{invalid, ConfigError, TagKey};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleTagsConfig {
    /// Tag keys that grant console and CLI use.
    #[serde(default = "default_authorized")]
    pub authorized: Vec<TagKey>,
    /// Tag keys that grant CLI use only.
    #[serde(default = "default_authorized_cli_only")]
    pub authorized_cli_only: Vec<TagKey>,
}

fn default_authorized() -> Vec<TagKey> {
    vec![TagKey::known("latchkey-authorized")]
}

fn default_authorized_cli_only() -> Vec<TagKey> {
    vec![TagKey::known("latchkey-authorized-cli-only")]
}

impl Default for RoleTagsConfig {
    fn default() -> Self {
        Self {
            authorized: default_authorized(),
            authorized_cli_only: default_authorized_cli_only(),
        }
    }
}

impl RoleTagsConfig {
    /// A key in both lists would grant the console and not grant it. IAM
    /// role tag keys ignore case (a role cannot hold `A` and `a`), so the
    /// lists are compared ignoring case too.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (i, key) in self.authorized_cli_only.iter().enumerate() {
            if self.authorized.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                return Err(invalid(
                    format!("role_tags.authorized_cli_only[{i}]"),
                    format!(
                        "{:?} is also in role_tags.authorized: a key grants either \
                         console and CLI or the CLI only, not both",
                        key.as_str()
                    ),
                ));
            }
        }
        Ok(())
    }
}
