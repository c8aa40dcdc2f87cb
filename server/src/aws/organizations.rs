//! Member accounts of an AWS Organization.
use super::AwsError;
use aws_sdk_organizations::types::AccountStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    pub active: bool,
}

pub async fn list_accounts(
    org: &aws_sdk_organizations::Client,
) -> Result<Vec<OrgAccount>, AwsError> {
    let mut out = Vec::new();
    let mut pages = org.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        for a in page.map_err(AwsError::from_sdk)?.accounts() {
            let Some(id) = a.id() else { continue };
            out.push(OrgAccount {
                id: id.to_owned(),
                name: a.name().unwrap_or(id).to_owned(),
                active: a.status() == Some(&AccountStatus::Active),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The service control policies that apply to `account`: one list of policy
/// documents (JSON text) per level, from the root down to the account.
pub async fn scp_levels(
    org: &aws_sdk_organizations::Client,
    account: &str,
) -> Result<Vec<Vec<String>>, AwsError> {
    use aws_sdk_organizations::types::ParentType;
    let mut levels = vec![scps_of(org, account).await?];
    let mut child = account.to_owned();
    // Accounts sit under at most five levels of OUs below the root.
    for _ in 0..8 {
        let parents = org
            .list_parents()
            .child_id(&child)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        let Some(parent) = parents.parents().first() else {
            break;
        };
        let Some(id) = parent.id() else { break };
        levels.push(scps_of(org, id).await?);
        if parent.r#type() == Some(&ParentType::Root) {
            break;
        }
        child = id.to_owned();
    }
    levels.reverse();
    Ok(levels)
}

/// The documents of the SCPs attached to one account, OU or root.
async fn scps_of(
    org: &aws_sdk_organizations::Client,
    target: &str,
) -> Result<Vec<String>, AwsError> {
    use aws_sdk_organizations::types::PolicyType;
    let mut docs = Vec::new();
    let mut pages = org
        .list_policies_for_target()
        .target_id(target)
        .filter(PolicyType::ServiceControlPolicy)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for summary in page.map_err(AwsError::from_sdk)?.policies() {
            let Some(id) = summary.id() else { continue };
            let got = org
                .describe_policy()
                .policy_id(id)
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
            if let Some(content) = got.policy().and_then(|p| p.content()) {
                docs.push(content.to_owned());
            }
        }
    }
    Ok(docs)
}
