//! IAM reads and writes for one spoke account, mapped to plain snapshots.

use super::snapshot::{
    tags_json, ResourceSnapshot, KIND_GROUP, KIND_MANAGED_POLICY, KIND_ROLE, KIND_USER,
};
use super::{decode::policy_json, AwsError};
use app::domain::AccountId;
use aws_sdk_iam::types::{AttachedPolicy, EntityType, PolicyDetail};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;

/// A role as the sync stores it. JSON columns are sorted so that an unchanged
/// role produces byte-identical rows (a second sync changes nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSnapshot {
    pub arn: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    pub role_id: String,
    pub created_at: Option<DateTime<Utc>>,
    pub trust_policy: Value,
    pub inline_policies: Value,
    pub managed_policies: Value,
    pub tags: Value,
    pub boundary_arn: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_region: Option<String>,
}

pub(super) fn to_chrono(d: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(d.secs(), d.subsec_nanos())
}

pub(super) fn decode_or_note(doc: Option<&str>) -> Value {
    match doc {
        None => Value::Null,
        Some(d) => policy_json(d).unwrap_or_else(|e| json!({ "_undecodable": e })),
    }
}

/// Everything the IAM task caches for one account.
#[derive(Debug, Clone, Default)]
pub struct IamSnapshot {
    pub roles: Vec<RoleSnapshot>,
    /// Users, groups and customer managed policies.
    pub others: Vec<ResourceSnapshot>,
}

impl RoleSnapshot {
    /// The row this role gets in the searchable resources table.
    pub fn to_resource(&self) -> ResourceSnapshot {
        ResourceSnapshot {
            arn: self.arn.clone(),
            kind: KIND_ROLE,
            account_id: self.account_id.clone(),
            name: self.name.clone(),
            tags: self.tags.clone(),
            policy: Some(self.trust_policy.clone()),
            details: json!({
                "path": self.path,
                "inline_policies": self.inline_policies,
                "managed_policies": self.managed_policies,
                "permissions_boundary": self.boundary_arn,
                "last_used": self.last_used_at,
                "last_used_region": self.last_used_region,
            }),
        }
    }
}

pub(super) fn sorted_tags(tags: &[aws_sdk_iam::types::Tag]) -> Value {
    tags_json(tags.iter().map(|t| (t.key(), t.value())))
}

/// Inline policies as cached: `[{"name", "document"}]` sorted by name.
pub(super) fn inline_json(list: &[PolicyDetail]) -> Value {
    let mut inline: Vec<Value> = list
        .iter()
        .map(|p| {
            json!({
                "name": p.policy_name().unwrap_or_default(),
                "document": decode_or_note(p.policy_document()),
            })
        })
        .collect();
    inline.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Value::Array(inline)
}

/// Attached managed policies as cached: `[{"name", "arn", "document"}]`
/// sorted by ARN; the document is known for the account's own policies.
pub(super) fn attached_json(list: &[AttachedPolicy], docs: &HashMap<String, Value>) -> Value {
    let mut managed: Vec<Value> = list
        .iter()
        .map(|p| {
            let arn = p.policy_arn().unwrap_or_default();
            json!({
                "name": p.policy_name().unwrap_or_default(),
                "arn": arn,
                "document": docs.get(arn).cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    managed.sort_by(|a, b| a["arn"].as_str().cmp(&b["arn"].as_str()));
    Value::Array(managed)
}

/// Roles, users, groups and customer managed policies of the account in
/// one paginated `GetAccountAuthorizationDetails` pass.
pub async fn read_account(
    iam: &aws_sdk_iam::Client,
    account: &AccountId,
) -> Result<IamSnapshot, AwsError> {
    let mut pages = iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .filter(EntityType::User)
        .filter(EntityType::Group)
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    let mut roles = Vec::new();
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut policies = Vec::new();
    let mut managed_docs: HashMap<String, Value> = HashMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(AwsError::from_sdk)?;
        // One pass lists and reads together: no total is known ahead.
        super::progress::read(
            page.policies().len()
                + page.role_detail_list().len()
                + page.user_detail_list().len()
                + page.group_detail_list().len(),
        );
        for p in page.policies() {
            let Some(arn) = p.arn() else { continue };
            let doc = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .and_then(|v| v.document());
            let doc = decode_or_note(doc);
            managed_docs.insert(arn.to_owned(), doc.clone());
            policies.push(ResourceSnapshot {
                arn: arn.to_owned(),
                kind: KIND_MANAGED_POLICY,
                account_id: account.to_string(),
                // Some implementations leave PolicyName empty here; the ARN ends with it.
                name: p
                    .policy_name()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn))
                    .to_owned(),
                tags: Value::Array(vec![]),
                policy: Some(doc),
                details: json!({
                    "path": p.path(),
                    "attachment_count": p.attachment_count(),
                    "default_version_id": p.default_version_id(),
                    "created": p.create_date().and_then(to_chrono),
                }),
            });
        }
        roles.extend(page.role_detail_list().iter().cloned());
        users.extend(page.user_detail_list().iter().cloned());
        groups.extend(page.group_detail_list().iter().cloned());
    }
    // Only worth a report when the account has users.
    let usage = if users.is_empty() {
        None
    } else {
        super::credential_report::read(iam).await
    };
    let mut others: Vec<ResourceSnapshot> = users
        .iter()
        .filter_map(|u| {
            let arn = u.arn()?.to_owned();
            let mut groups: Vec<&str> = u.group_list().iter().map(String::as_str).collect();
            groups.sort();
            let mut details = json!({
                "path": u.path(),
                "inline_policies": inline_json(u.user_policy_list()),
                "managed_policies": attached_json(u.attached_managed_policies(), &managed_docs),
                "permissions_boundary": u
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn()),
                "groups": groups,
                "created": u.create_date().and_then(to_chrono),
            });
            if let Some(used) = usage.as_ref().and_then(|m| m.get(&arn)) {
                details["last_used"] = used.to_json();
            }
            Some(ResourceSnapshot {
                arn,
                kind: KIND_USER,
                account_id: account.to_string(),
                name: u.user_name().unwrap_or_default().to_owned(),
                tags: sorted_tags(u.tags()),
                policy: None,
                details,
            })
        })
        .collect();
    others.extend(policies);
    others.extend(group_snapshots(&groups, &users, &managed_docs, account));
    others.sort_by(|a, b| a.arn.cmp(&b.arn));
    let mut out: Vec<RoleSnapshot> = roles
        .into_iter()
        .filter_map(|r| {
            let arn = r.arn()?.to_owned();
            let tags = sorted_tags(r.tags());
            Some(RoleSnapshot {
                arn,
                account_id: account.to_string(),
                name: r.role_name().unwrap_or_default().to_owned(),
                path: r.path().unwrap_or("/").to_owned(),
                role_id: r.role_id().unwrap_or_default().to_owned(),
                created_at: r.create_date().and_then(to_chrono),
                trust_policy: decode_or_note(r.assume_role_policy_document()),
                inline_policies: inline_json(r.role_policy_list()),
                managed_policies: attached_json(r.attached_managed_policies(), &managed_docs),
                tags,
                boundary_arn: r
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_owned),
                last_used_at: r
                    .role_last_used()
                    .and_then(|u| u.last_used_date())
                    .and_then(to_chrono),
                last_used_region: r
                    .role_last_used()
                    .and_then(|u| u.region())
                    .map(str::to_owned),
            })
        })
        .collect();
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(IamSnapshot { roles: out, others })
}

/// Each group with its policies and members (the users whose group list
/// names it), as the user page shows what a user has through groups.
fn group_snapshots(
    groups: &[aws_sdk_iam::types::GroupDetail],
    users: &[aws_sdk_iam::types::UserDetail],
    managed_docs: &HashMap<String, Value>,
    account: &AccountId,
) -> Vec<ResourceSnapshot> {
    groups
        .iter()
        .filter_map(|g| {
            let name = g.group_name()?;
            let mut members: Vec<&str> = users
                .iter()
                .filter(|u| u.group_list().iter().any(|n| n == name))
                .filter_map(|u| u.user_name())
                .collect();
            members.sort();
            Some(ResourceSnapshot {
                arn: g.arn()?.to_owned(),
                kind: KIND_GROUP,
                account_id: account.to_string(),
                name: name.to_owned(),
                tags: Value::Array(vec![]),
                policy: None,
                details: json!({
                    "path": g.path(),
                    "inline_policies": inline_json(g.group_policy_list()),
                    "managed_policies": attached_json(g.attached_managed_policies(), managed_docs),
                    "members": members,
                    "created": g.create_date().and_then(to_chrono),
                }),
            })
        })
        .collect()
}
