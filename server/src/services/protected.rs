//! Latchkey's own roles, and the ones an operator lists in
//! `aws.protected_roles`: nobody is eligible for them, no request or direct
//! edit may target them, whatever a rule, a tag or a plugin says. The spoke
//! role opens every account to Latchkey and the hub role opens every spoke,
//! so either one in a user's hands is every account in them.
use crate::config::AwsConfig;
use app::domain::wildcard::glob_match;

#[derive(Debug, Clone, Default)]
pub struct ProtectedRoles {
    spoke_name: String,
    hub_arn: Option<String>,
    patterns: Vec<String>,
}

impl ProtectedRoles {
    pub fn from_config(aws: &AwsConfig) -> Self {
        Self {
            spoke_name: aws.spoke_role_name.to_string(),
            hub_arn: aws.hub_role_arn.as_ref().map(ToString::to_string),
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
        // The hub by account and name: a role's name is unique in its
        // account whatever its path, and an assumed-role ARN has no path.
        let account = arn.split(':').nth(4).unwrap_or("");
        if self
            .hub_arn
            .as_deref()
            .and_then(account_and_name)
            .is_some_and(|(hub_account, hub_name)| {
                hub_account == account && hub_name.eq_ignore_ascii_case(name)
            })
        {
            return Some("it is the hub role Latchkey runs as");
        }
        // A role is one role whatever its path and however its name is
        // cased, so a pattern is matched against both spellings, ignoring case.
        let pathless = format!(
            "{}:role/{name}",
            arn.rsplit_once(":role/").map_or(arn, |x| x.0)
        );
        let (arn_lc, pathless_lc) = (arn.to_ascii_lowercase(), pathless.to_ascii_lowercase());
        if self.patterns.iter().any(|p| {
            let p = p.to_ascii_lowercase();
            glob_match(&p, &arn_lc) || glob_match(&p, &pathless_lc)
        }) {
            return Some("it is listed in aws.protected_roles");
        }
        None
    }

    pub fn is_protected(&self, arn: &str) -> bool {
        self.reason(arn).is_some()
    }
}

/// A role ARN's account and name (its last path segment).
fn account_and_name(role_arn: &str) -> Option<(&str, &str)> {
    let mut parts = role_arn.splitn(6, ':');
    let account = parts.nth(4)?;
    let rest = parts.next()?.strip_prefix("role/")?;
    Some((account, rest.rsplit('/').next().unwrap_or(rest)))
}

/// The role a caller acts as, from STS `GetCallerIdentity`'s ARN
/// (`arn:aws:sts::123456789012:assumed-role/latchkey-hub/session`), as an
/// IAM role ARN; `None` for IAM users, root and federated users.
pub fn role_of_caller(caller_arn: &str) -> Option<String> {
    let mut parts = caller_arn.splitn(6, ':');
    let (_, partition, service, _, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let rest = parts.next()?;
    if service != "sts" || account.len() != 12 {
        return None;
    }
    let name = rest.strip_prefix("assumed-role/")?.split('/').next()?;
    (!name.is_empty()).then(|| format!("arn:{partition}:iam::{account}:role/{name}"))
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

    #[test]
    fn a_listed_role_is_protected_whatever_its_path_or_case() {
        let p = p();
        assert!(p.is_protected("arn:aws:iam::333333333333:role/organizationaccountaccessrole"));
        assert!(p.is_protected(
            "arn:aws:iam::333333333333:role/break/glass/OrganizationAccountAccessRole"
        ));
        assert!(!p.is_protected("arn:aws:iam::333333333333:role/OrganizationAccountAccessRole2"));
    }

    #[test]
    fn the_hub_is_protected_whatever_its_path_or_case() {
        let p = p();
        assert!(p.is_protected("arn:aws:iam::999999999999:role/infra/Latchkey-Hub"));
        assert!(!p.is_protected("arn:aws:iam::999999999998:role/latchkey-hub"));
    }

    #[test]
    fn the_role_behind_an_assumed_role_session_is_found() {
        assert_eq!(
            role_of_caller("arn:aws:sts::999999999999:assumed-role/latchkey-hub/i-0abc").as_deref(),
            Some("arn:aws:iam::999999999999:role/latchkey-hub")
        );
        assert_eq!(
            role_of_caller("arn:aws-cn:sts::999999999999:assumed-role/hub/s").as_deref(),
            Some("arn:aws-cn:iam::999999999999:role/hub")
        );
        assert_eq!(role_of_caller("arn:aws:iam::123456789012:user/moto"), None);
        assert_eq!(
            role_of_caller("arn:aws:sts::123456789012:federated-user/bob"),
            None
        );
        assert_eq!(role_of_caller("arn:aws:iam::123456789012:root"), None);
    }
}
