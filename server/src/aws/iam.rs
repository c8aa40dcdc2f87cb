//! IAM reads and writes for one spoke account, mapped to plain snapshots.

use super::{decode::policy_json, AwsError};
use app::domain::{AccountId, PolicyDocument, RoleName};
use aws_sdk_iam::types::EntityType;
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
}

fn to_chrono(d: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(d.secs(), d.subsec_nanos())
}

fn decode_or_note(doc: Option<&str>) -> Value {
    match doc {
        None => Value::Null,
        Some(d) => policy_json(d).unwrap_or_else(|e| json!({ "_undecodable": e })),
    }
}

/// All roles of the account in one paginated `GetAccountAuthorizationDetails` pass.
pub async fn list_roles(
    iam: &aws_sdk_iam::Client,
    account: &AccountId,
) -> Result<Vec<RoleSnapshot>, AwsError> {
    let mut pages = iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    let mut roles = Vec::new();
    let mut managed_docs: HashMap<String, Value> = HashMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(AwsError::from_sdk)?;
        for p in page.policies() {
            let Some(arn) = p.arn() else { continue };
            let doc = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .and_then(|v| v.document());
            managed_docs.insert(arn.to_owned(), decode_or_note(doc));
        }
        roles.extend(page.role_detail_list().iter().cloned());
    }
    let mut out: Vec<RoleSnapshot> = roles
        .into_iter()
        .filter_map(|r| {
            let arn = r.arn()?.to_owned();
            let mut inline: Vec<Value> = r
                .role_policy_list()
                .iter()
                .map(|p| {
                    json!({
                        "name": p.policy_name().unwrap_or_default(),
                        "document": decode_or_note(p.policy_document()),
                    })
                })
                .collect();
            inline.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
            let mut managed: Vec<Value> = r
                .attached_managed_policies()
                .iter()
                .map(|p| {
                    let parn = p.policy_arn().unwrap_or_default();
                    json!({
                        "name": p.policy_name().unwrap_or_default(),
                        "arn": parn,
                        "document": managed_docs.get(parn).cloned().unwrap_or(Value::Null),
                    })
                })
                .collect();
            managed.sort_by(|a, b| a["arn"].as_str().cmp(&b["arn"].as_str()));
            let mut tags: Vec<Value> = r
                .tags()
                .iter()
                .map(|t| json!({ "key": t.key(), "value": t.value() }))
                .collect();
            tags.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
            Some(RoleSnapshot {
                arn,
                account_id: account.to_string(),
                name: r.role_name().unwrap_or_default().to_owned(),
                path: r.path().unwrap_or("/").to_owned(),
                role_id: r.role_id().unwrap_or_default().to_owned(),
                created_at: r.create_date().and_then(to_chrono),
                trust_policy: decode_or_note(r.assume_role_policy_document()),
                inline_policies: Value::Array(inline),
                managed_policies: Value::Array(managed),
                tags: Value::Array(tags),
            })
        })
        .collect();
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(out)
}

/// `PutRolePolicy`: creates or replaces one inline policy.
pub async fn put_role_policy(
    iam: &aws_sdk_iam::Client,
    role: &RoleName,
    policy_name: &str,
    document: &PolicyDocument,
) -> Result<(), AwsError> {
    iam.put_role_policy()
        .role_name(role.as_str())
        .policy_name(policy_name)
        .policy_document(document.to_compact())
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    Ok(())
}
