//! Latchkey's own roles, and the ones an operator lists in
//! `aws.protected_roles`: nobody is eligible for them, no request or direct
//! edit may target them, whatever a rule, a tag or a plugin says. The spoke
//! role opens every account to Latchkey and the hub role opens every spoke,
//! so either one in a user's hands is every account in them.
use crate::config::AwsConfig;
use app::domain::glob::glob_match;

#[derive(Debug, Clone, Default)]
pub struct ProtectedRoles {
    spoke_name: String,
    hub_arn: Option<String>,
    patterns: Vec<String>,
}

impl ProtectedRoles {
    pub fn from_config(aws: &AwsConfig) -> Self {
        Self {
            spoke_name: aws.spoke_role_name.clone(),
            hub_arn: aws.hub_role_arn.clone(),
            patterns: aws.protected_roles.clone(),
        }
    }

    /// Why `arn` is protected, if it is a protected role's ARN.
    pub fn reason(&self, arn: &str) -> Option<&'static str> {
        let arn = arn.trim();
        let resource = arn.splitn(6, ':').nth(5)?;
        if arn.split(':').nth(2) != Some("iam") {
            return None;
        }
        let rest = resource.strip_prefix("role/")?;
        let name = rest.rsplit('/').next().unwrap_or(rest);
        // IAM role names are unique regardless of case.
        if !self.spoke_name.is_empty() && name.eq_ignore_ascii_case(&self.spoke_name) {
            return Some("it is the spoke role Latchkey uses in every account");
        }
        if self
            .hub_arn
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(arn))
        {
            return Some("it is the hub role Latchkey runs as");
        }
        if self.patterns.iter().any(|p| glob_match(p, arn)) {
            return Some("it is listed in aws.protected_roles");
        }
        None
    }

    pub fn is_protected(&self, arn: &str) -> bool {
        self.reason(arn).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> ProtectedRoles {
        ProtectedRoles {
            spoke_name: "LatchkeySpoke".into(),
            hub_arn: Some("arn:aws:iam::999999999999:role/latchkey-hub".into()),
            patterns: vec!["arn:aws:iam::*:role/OrganizationAccountAccessRole".into()],
        }
    }

    #[test]
    fn the_spoke_role_is_protected_in_every_account_and_path_and_case() {
        let p = p();
        assert!(p.is_protected("arn:aws:iam::111111111111:role/LatchkeySpoke"));
        assert!(p.is_protected("arn:aws:iam::222222222222:role/ops/latchkeyspoke"));
        assert!(!p.is_protected("arn:aws:iam::111111111111:role/LatchkeySpoke2"));
    }

    #[test]
    fn the_hub_and_listed_roles_are_protected_other_roles_are_not() {
        let p = p();
        assert!(p.is_protected("arn:aws:iam::999999999999:role/latchkey-hub"));
        assert!(!p.is_protected("arn:aws:iam::111111111111:role/latchkey-hub"));
        assert!(p.is_protected("arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"));
        assert!(!p.is_protected("arn:aws:iam::333333333333:role/eng-app"));
        assert!(!p.is_protected("arn:aws:s3:::LatchkeySpoke"));
        assert!(!p.is_protected("arn:aws:iam::111111111111:user/LatchkeySpoke"));
    }
}
