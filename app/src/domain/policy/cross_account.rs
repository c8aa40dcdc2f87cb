//! Cross-account access needs both sides: when a principal's statement
//! touches an S3 bucket, SQS queue, SNS topic or role owned by another
//! account, that resource's policy must grant the principal the same actions.
//! This module generates those resource/trust policy statements.

use super::document::{PolicyDocument, Principal, Statement};
use super::kind::{PolicyKind, TRUST_ACTIONS};
use super::statements::{combine, content_sid};
use crate::domain::wildcard::action_matches;
use crate::domain::AccountId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which resource-side policy a generated change edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ResourcePolicyKind {
    S3BucketPolicy,
    SqsQueuePolicy,
    SnsTopicPolicy,
    TrustPolicy,
}

impl ResourcePolicyKind {
    /// The checks to run on the edited policy.
    pub fn policy_kind(self) -> PolicyKind {
        match self {
            Self::S3BucketPolicy => PolicyKind::S3Bucket,
            Self::SqsQueuePolicy => PolicyKind::SqsQueue,
            Self::SnsTopicPolicy => PolicyKind::SnsTopic,
            Self::TrustPolicy => PolicyKind::Trust,
        }
    }
}

/// One statement to add to the policy of a resource in another account.
/// A resource can get several (one per distinct condition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedResourceChange {
    /// Bucket (`arn:aws:s3:::name`), queue, topic or role ARN.
    pub resource_arn: String,
    pub account_id: AccountId,
    pub kind: ResourcePolicyKind,
    pub statement: Statement,
}

/// Resource-side statements `statements` (granted to `principal_arn`) need.
///
/// `principal_arn` is the IAM ARN of the role or user that gets the identity
/// policy; its account decides what is "another account" (an ARN without a
/// 12-digit account yields nothing). S3 ARNs carry no account, so
/// `bucket_owner` says which account owns a bucket (the server answers from its
/// inventory; unknown buckets are skipped). Only `Allow` statements with an
/// `Action` list are considered, and only resources that name one bucket,
/// queue, topic or role (no wildcards there; object keys may have them).
pub fn cross_account_changes(
    principal_arn: &str,
    statements: &[Statement],
    bucket_owner: &dyn Fn(&str) -> Option<AccountId>,
) -> Vec<GeneratedResourceChange> {
    let Some(home) = principal_arn
        .split(':')
        .nth(4)
        .and_then(|a| AccountId::parse(a).ok())
    else {
        return Vec::new();
    };
    type Key = (ResourcePolicyKind, String, String);
    let mut groups: BTreeMap<Key, (AccountId, Statement)> = BTreeMap::new();
    for st in statements.iter().filter(|s| s.is_allow()) {
        for r in st.resources() {
            let Some((kind, target, account, actions)) = target_of(r, st, bucket_owner) else {
                continue;
            };
            if account == home || actions.is_empty() {
                continue;
            }
            let cond = serde_json::to_string(&st.to_value()["Condition"]).unwrap_or_default();
            let entry = groups.entry((kind, target, cond)).or_insert_with(|| {
                let mut s = Statement::allow(Vec::new(), Vec::new());
                s.principal = Some(Principal::aws(principal_arn));
                s.condition = st.condition.clone();
                if kind == ResourcePolicyKind::TrustPolicy {
                    s.resource = None;
                }
                (account.clone(), s)
            });
            if let Some(a) = &mut entry.1.action {
                a.extend(actions);
            }
            if let Some(res) = &mut entry.1.resource {
                res.push(r.clone());
            }
        }
    }
    groups
        .into_iter()
        .filter_map(|((kind, resource_arn, _), (account_id, statement))| {
            let statement = combine(vec![statement]).into_iter().next()?;
            Some(GeneratedResourceChange {
                resource_arn,
                account_id,
                kind,
                statement,
            })
        })
        .collect()
}

/// For one resource ARN of `st`: the policy kind, the policy's resource ARN,
/// the owning account and the actions of `st` that belong in that policy.
fn target_of(
    r: &str,
    st: &Statement,
    bucket_owner: &dyn Fn(&str) -> Option<AccountId>,
) -> Option<(ResourcePolicyKind, String, AccountId, Vec<String>)> {
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return None;
    }
    let concrete = |s: &str| !s.contains(['*', '?']) && !s.contains("${");
    let of_service = |svc: &str| -> Vec<String> {
        st.actions()
            .iter()
            .filter(|a| {
                a.split_once(':')
                    .is_some_and(|(s, _)| s.eq_ignore_ascii_case(svc))
            })
            .cloned()
            .collect()
    };
    match parts[2] {
        "s3" => {
            // Object keys may hold wildcards; the bucket must be named.
            let bucket = parts[5].split('/').next().filter(|b| concrete(b))?;
            let owner = bucket_owner(bucket)?;
            let target = format!("arn:{}:s3:::{bucket}", parts[1]);
            Some((
                ResourcePolicyKind::S3BucketPolicy,
                target,
                owner,
                of_service("s3"),
            ))
        }
        "sqs" | "sns" if concrete(r) => {
            let account = AccountId::parse(parts[4]).ok()?;
            let kind = if parts[2] == "sqs" {
                ResourcePolicyKind::SqsQueuePolicy
            } else {
                ResourcePolicyKind::SnsTopicPolicy
            };
            Some((kind, r.to_owned(), account, of_service(parts[2])))
        }
        "iam" if parts[5].starts_with("role/") && concrete(r) => {
            let account = AccountId::parse(parts[4]).ok()?;
            if !st
                .actions()
                .iter()
                .any(|a| action_matches(a, "sts:AssumeRole"))
            {
                return None;
            }
            let actions = TRUST_ACTIONS
                .iter()
                .filter(|t| st.actions().iter().any(|a| action_matches(a, t)))
                .map(|t| (*t).to_owned())
                .filter(|t| !t.contains("WithSAML") && !t.contains("WithWebIdentity"))
                .collect();
            Some((
                ResourcePolicyKind::TrustPolicy,
                r.to_owned(),
                account,
                actions,
            ))
        }
        _ => None,
    }
}

/// `existing` (or a new document) with `statement` added: a statement with
/// the same Sid is replaced, an identical one (ignoring the Sid) is not added
/// twice. Applying the same change twice gives the same policy.
pub fn add_statement_to_resource_policy(
    existing: Option<&PolicyDocument>,
    statement: &Statement,
) -> PolicyDocument {
    let mut st = statement.clone();
    if st.sid.is_none() {
        st.sid = Some(content_sid(&st));
    }
    let mut list: Vec<Statement> = existing
        .map(|d| d.statements().to_vec())
        .unwrap_or_default();
    let without_sid = |s: &Statement| Statement {
        sid: None,
        ..s.clone()
    };
    if let Some(same) = list.iter_mut().find(|s| s.sid == st.sid) {
        *same = st;
    } else if !list.iter().any(|s| without_sid(s) == without_sid(&st)) {
        list.push(st);
    }
    match existing {
        Some(d) => d.with_statements(list),
        None => PolicyDocument::new(list),
    }
}

#[cfg(test)]
mod tests;
