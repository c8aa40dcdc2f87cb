//! What a change risks beyond what its document's checks see: the changes
//! with no document (attaching an admin policy, tagging a role eligible,
//! dropping a boundary, deleting a role) and the principals a trust or
//! resource policy lets in from outside the organisation's accounts. The
//! reviewer sees these next to the document's findings, and the high-risk
//! ones count for `two_approvers_for_high_risk`.
use crate::domain::change::{ChangeSpec, Tag, TargetKind};
use crate::domain::policy::Finding;
use serde_json::Value;

/// AWS managed policies that amount to administrator (or IAM) rights.
const ADMIN_LIKE: &[&str] = &[
    "AdministratorAccess",
    "IAMFullAccess",
    "PowerUserAccess",
    "AWSOrganizationsFullAccess",
    "AdministratorAccess-Amplify",
];

fn admin_like(policy_arn: &str) -> bool {
    let name = policy_arn.rsplit('/').next().unwrap_or(policy_arn);
    ADMIN_LIKE.contains(&name) || name.to_ascii_lowercase().contains("admin")
}

/// The 12-digit accounts an `AWS` principal value names (ids, root or role ARNs).
fn principal_accounts(doc: &Value) -> Vec<String> {
    let statements = match &doc["Statement"] {
        Value::Array(a) => a.iter().collect(),
        s @ Value::Object(_) => vec![s],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for st in statements {
        let aws = &st["Principal"]["AWS"];
        let values: Vec<&str> = match aws {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for v in values {
            let account = if v.starts_with("arn:") {
                v.split(':').nth(4).unwrap_or_default()
            } else {
                v
            };
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
                out.push(account.to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether `key` is one of the role tag keys that decide who may use a
/// role. IAM role tag keys ignore case, so this does too: a key that only
/// differs in case is flagged rather than let through.
fn is_eligibility_key(key: &str, eligibility_keys: &[&str]) -> bool {
    eligibility_keys.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// A finding for each tag that decides who may use `role`.
fn eligibility_tags<'a>(
    tags: &'a [Tag],
    eligibility_keys: &'a [&str],
    role: &'a str,
) -> impl Iterator<Item = Finding> + 'a {
    tags.iter()
        .filter(|t| is_eligibility_key(&t.key, eligibility_keys))
        .map(move |t| {
            Finding::warning(
                "eligibility-tag",
                format!("tags.{}", t.key),
                format!(
                    "this tag decides who may use {role}: it would let {} use it",
                    t.value
                ),
            )
        })
}

/// Findings on what `spec` does to a `target` in `target_account`;
/// `known_accounts` are the accounts Latchkey manages (the organisation),
/// `eligibility_keys` the role tag keys that grant use of a role (the
/// server's `[role_tags]`).
pub fn change_findings(
    spec: &ChangeSpec,
    target: TargetKind,
    target_account: &str,
    known_accounts: &[String],
    eligibility_keys: &[&str],
) -> Vec<Finding> {
    let mut out = Vec::new();
    match spec {
        ChangeSpec::ManagedPolicyAttach { policy_arn } if admin_like(policy_arn) => {
            out.push(Finding::warning(
                "admin-policy-attach",
                "policy_arn",
                format!("{policy_arn} gives administrator-level rights"),
            ))
        }
        ChangeSpec::TagsPut { tags } if target == TargetKind::Role => {
            out.extend(eligibility_tags(tags, eligibility_keys, "the role"));
        }
        ChangeSpec::TagsRemove { keys } if target == TargetKind::Role => {
            for k in keys
                .iter()
                .filter(|k| is_eligibility_key(k, eligibility_keys))
            {
                out.push(Finding::warning(
                    "eligibility-tag",
                    format!("tags.{k}"),
                    "this tag decides who may use the role",
                ));
            }
        }
        ChangeSpec::BoundaryPut { policy_arn } if admin_like(policy_arn) => {
            out.push(Finding::warning(
                "boundary-admin",
                "permissions_boundary",
                format!("{policy_arn} as a boundary bounds nothing: it allows administrator-level rights"),
            ))
        }
        // A new role (or a clone) carries its policies and tags from the
        // start: the same risks as attaching and tagging them afterwards.
        ChangeSpec::RoleCreate {
            managed_policy_arns,
            tags,
            ..
        } => {
            for arn in managed_policy_arns.iter().filter(|a| admin_like(a)) {
                out.push(Finding::warning(
                    "admin-policy-attach",
                    "managed_policy_arns",
                    format!("the new role gets {arn}, which gives administrator-level rights"),
                ));
            }
            out.extend(eligibility_tags(tags, eligibility_keys, "the new role"));
        }
        ChangeSpec::BoundaryDelete => out.push(Finding::warning(
            "boundary-removed",
            "permissions_boundary",
            "removing the permissions boundary lifts the ceiling on everything the principal holds",
        )),
        ChangeSpec::RoleDelete => out.push(Finding::warning(
            "role-delete",
            "role",
            "deleting a role cannot be undone: its policies and trust go with it",
        )),
        _ => {}
    }
    let document = match spec {
        ChangeSpec::TrustPolicyPut { document } | ChangeSpec::ResourcePolicyPut { document } => {
            Some(document)
        }
        ChangeSpec::RoleCreate { trust_policy, .. } => Some(trust_policy),
        _ => None,
    };
    if let Some(doc) = document {
        for account in principal_accounts(doc) {
            if !known_accounts.contains(&account) {
                out.push(Finding::warning(
                    "principal-outside-org",
                    "Principal.AWS",
                    format!("account {account} is not one of this organisation's accounts"),
                ));
            } else if account != target_account {
                out.push(Finding::warning(
                    "cross-account",
                    "Principal.AWS",
                    format!("lets account {account} in"),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The server's default `[role_tags]`.
    const KEYS: &[&str] = &["latchkey-authorized", "latchkey-authorized-cli-only"];

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn a_new_role_with_admin_rights_or_an_eligibility_tag_is_flagged() {
        let spec = ChangeSpec::RoleCreate {
            trust_policy: json!({"Version": "2012-10-17", "Statement": []}),
            description: None,
            inline_policies: Vec::new(),
            managed_policy_arns: vec!["arn:aws:iam::aws:policy/AdministratorAccess".into()],
            tags: vec![Tag {
                key: "latchkey-authorized".into(),
                value: "everyone".into(),
            }],
        };
        let f = change_findings(&spec, TargetKind::Role, "111111111111", &[], KEYS);
        assert_eq!(codes(&f), ["admin-policy-attach", "eligibility-tag"]);
        assert!(crate::domain::policy::is_high_risk(&f));
        let boundary = ChangeSpec::BoundaryPut {
            policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
        };
        let f = change_findings(&boundary, TargetKind::Role, "111111111111", &[], KEYS);
        assert_eq!(codes(&f), ["boundary-admin"]);
        assert!(crate::domain::policy::is_high_risk(&f));
    }

    #[test]
    fn document_less_changes_that_grant_or_unguard_are_flagged() {
        let known = vec!["111111111111".to_owned()];
        let f = |spec: ChangeSpec| {
            change_findings(&spec, TargetKind::Role, "111111111111", &known, KEYS)
        };
        let attach = ChangeSpec::ManagedPolicyAttach {
            policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
        };
        assert_eq!(codes(&f(attach)), ["admin-policy-attach"]);
        let read = ChangeSpec::ManagedPolicyAttach {
            policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
        };
        assert!(f(read).is_empty());
        let tag = ChangeSpec::TagsPut {
            tags: vec![Tag {
                key: "latchkey-authorized-cli-only".into(),
                value: "engineers".into(),
            }],
        };
        assert_eq!(codes(&f(tag)), ["eligibility-tag"]);
        assert_eq!(codes(&f(ChangeSpec::BoundaryDelete)), ["boundary-removed"]);
        assert_eq!(codes(&f(ChangeSpec::RoleDelete)), ["role-delete"]);
    }

    #[test]
    fn trust_in_accounts_outside_the_organisation_is_flagged() {
        let known = vec!["111111111111".to_owned(), "222222222222".to_owned()];
        let trust = |who: &str| ChangeSpec::TrustPolicyPut {
            document: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": who}, "Action": "sts:AssumeRole"}]}),
        };
        let f = |spec: ChangeSpec| {
            change_findings(&spec, TargetKind::Role, "111111111111", &known, KEYS)
        };
        assert_eq!(
            codes(&f(trust("arn:aws:iam::999999999999:root"))),
            ["principal-outside-org"]
        );
        assert_eq!(codes(&f(trust("222222222222"))), ["cross-account"]);
        assert!(f(trust("arn:aws:iam::111111111111:role/x")).is_empty());
    }

    #[test]
    fn the_configured_tag_keys_are_the_ones_flagged() {
        let put = |key: &str| ChangeSpec::TagsPut {
            tags: vec![Tag {
                key: key.into(),
                value: "everyone".into(),
            }],
        };
        let consoleme = ["consoleme-authorized", "consoleme-authorized-cli-only"];
        let f = |spec: ChangeSpec| {
            change_findings(&spec, TargetKind::Role, "111111111111", &[], &consoleme)
        };
        assert_eq!(codes(&f(put("consoleme-authorized"))), ["eligibility-tag"]);
        assert_eq!(
            codes(&f(put("ConsoleMe-Authorized-CLI-Only"))),
            ["eligibility-tag"]
        );
        let removed = ChangeSpec::TagsRemove {
            keys: vec!["consoleme-authorized-cli-only".into()],
        };
        assert_eq!(codes(&f(removed)), ["eligibility-tag"]);
        // Not configured, it grants nothing and is a plain tag.
        assert!(f(put("latchkey-authorized")).is_empty());
        let none = change_findings(&put("latchkey-authorized"), TargetKind::Role, "1", &[], &[]);
        assert!(none.is_empty());
    }
}
