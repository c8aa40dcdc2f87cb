//! One role re-read on its own (after a change to it is applied), in the
//! same shape the account's IAM pass caches, so a later pass that finds the
//! role unchanged rewrites nothing.
use super::iam::{
    attached_json, decode_or_note, inline_json, sorted_tags, to_chrono, RoleSnapshot,
};
use super::AwsError;
use app::domain::AccountId;
use aws_sdk_iam::types::{AttachedPolicy, PolicyDetail};
use serde_json::Value;
use std::collections::HashMap;

/// The role named `name` as AWS holds it now; `None` when it is gone.
/// Costs `GetRole`, the two policy listings, one `GetRolePolicy` per inline
/// policy and two calls per attached policy of the account's own.
pub async fn read_role(
    iam: &aws_sdk_iam::Client,
    account: &AccountId,
    name: &str,
) -> Result<Option<RoleSnapshot>, AwsError> {
    let role = match iam.get_role().role_name(name).send().await {
        Ok(out) => match out.role {
            Some(r) => r,
            None => return Ok(None),
        },
        Err(e) => {
            return match AwsError::from_sdk(e) {
                AwsError::NotFound(_) => Ok(None),
                e => Err(e),
            }
        }
    };
    let inline = inline_policies(iam, name).await?;
    let attached: Vec<AttachedPolicy> = iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(AwsError::from_sdk)?;
    let docs = own_policy_documents(iam, account, &attached).await?;
    Ok(Some(RoleSnapshot {
        arn: role.arn.clone(),
        account_id: account.to_string(),
        name: role.role_name.clone(),
        path: if role.path.is_empty() {
            "/".to_owned()
        } else {
            role.path.clone()
        },
        role_id: role.role_id.clone(),
        created_at: to_chrono(&role.create_date),
        trust_policy: decode_or_note(role.assume_role_policy_document()),
        inline_policies: inline_json(&inline),
        managed_policies: attached_json(&attached, &docs),
        tags: sorted_tags(role.tags()),
        boundary_arn: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_owned),
        last_used_at: role
            .role_last_used()
            .and_then(|u| u.last_used_date())
            .and_then(to_chrono),
        last_used_region: role
            .role_last_used()
            .and_then(|u| u.region())
            .map(str::to_owned),
    }))
}

async fn inline_policies(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Vec<PolicyDetail>, AwsError> {
    let names: Vec<String> = iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(AwsError::from_sdk)?;
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let got = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(&n)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        out.push(
            PolicyDetail::builder()
                .policy_name(n)
                .policy_document(got.policy_document)
                .build(),
        );
    }
    Ok(out)
}

/// The default version's document of each attached policy the account owns
/// (the account pass knows those; AWS managed ones are cached without one).
async fn own_policy_documents(
    iam: &aws_sdk_iam::Client,
    account: &AccountId,
    attached: &[AttachedPolicy],
) -> Result<HashMap<String, Value>, AwsError> {
    let mut docs = HashMap::new();
    for arn in attached.iter().filter_map(|p| p.policy_arn()) {
        if arn.split(':').nth(4) != Some(account.as_str()) {
            continue;
        }
        let policy = iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        let Some(version) = policy.policy().and_then(|p| p.default_version_id()) else {
            continue;
        };
        let got = iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        let doc = got.policy_version().and_then(|v| v.document());
        docs.insert(arn.to_owned(), decode_or_note(doc));
    }
    Ok(docs)
}
