//! `[[eligibility]]`: which groups and users may use which roles.
use super::{invalid, ConfigError};
use app::domain::application::{is_app_id, AppName};
use serde::Deserialize;

/// Members of `group` (or the user `user`, or the application `app`) may
/// use roles matching `roles`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    pub group: Option<String>,
    pub user: Option<String>,
    /// An application's name (Admin › Applications); it acts as `app/<name>`.
    pub app: Option<String>,
    pub roles: Vec<String>,
    #[serde(default)]
    pub cli_only: bool,
}

pub(super) fn validate(rules: &[EligibilityRule]) -> Result<(), ConfigError> {
    for (i, r) in rules.iter().enumerate() {
        let named = [&r.group, &r.user, &r.app]
            .iter()
            .filter(|x| x.is_some())
            .count();
        if named != 1 {
            return Err(invalid(
                format!("eligibility[{i}]"),
                "set exactly one of group, user or app",
            ));
        }
        for (field, v) in [("group", &r.group), ("user", &r.user)] {
            if v.as_deref().is_some_and(is_app_id) {
                return Err(invalid(
                    format!("eligibility[{i}].{field}"),
                    "names starting with app/ are applications: write app = \"<name>\"",
                ));
            }
        }
        if let Some(a) = &r.app {
            AppName::parse(a).map_err(|e| invalid(format!("eligibility[{i}].app"), e))?;
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

impl EligibilityRule {
    /// The principal id a non-group rule names: the user, or `app/<name>`.
    pub fn principal(&self) -> Option<String> {
        self.user.clone().or_else(|| {
            self.app
                .as_deref()
                .and_then(|a| AppName::parse(a).ok())
                .map(|a| a.principal_id())
        })
    }
}
