//! `[[eligibility]]`: which groups, users and applications may use which
//! roles. The rule type and its checks are the domain's
//! ([`app::domain::access_rules`]), shared with Admin › Access, where the
//! rules can be edited at run time; the config file seeds them.
use super::{invalid, ConfigError};
pub use app::domain::access_rules::EligibilityRule;

pub(super) fn validate(rules: &[EligibilityRule]) -> Result<(), ConfigError> {
    for (i, r) in rules.iter().enumerate() {
        r.check(&format!("eligibility[{i}]"))
            .map_err(|(field, message)| invalid(field, message))?;
    }
    Ok(())
}
