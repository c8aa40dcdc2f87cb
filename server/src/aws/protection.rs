//! The credential-protection policy in IAM: read its default version, write
//! a new one (creating the policy the first time, and making room when it
//! has the five versions IAM keeps), and attach it to or detach it from roles.
use super::decode::policy_json;
use super::AwsError;
use serde_json::Value;

/// What the policy holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct LivePolicy {
    pub document: Value,
    pub version: String,
}

/// The policy's default version, or `None` when there is no such policy.
pub async fn read(iam: &aws_sdk_iam::Client, arn: &str) -> Result<Option<LivePolicy>, AwsError> {
    let got = match iam.get_policy().policy_arn(arn).send().await {
        Ok(got) => got,
        Err(e) => {
            return match AwsError::from_sdk(e) {
                AwsError::NotFound(_) => Ok(None),
                e => Err(e),
            };
        }
    };
    let Some(version) = got.policy().and_then(|p| p.default_version_id()) else {
        return Ok(None);
    };
    let v = iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    let text = v
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or_default();
    let document = policy_json(text).map_err(AwsError::Other)?;
    Ok(Some(LivePolicy {
        document,
        version: version.to_owned(),
    }))
}

/// Makes `document` the policy's default version; the version id written.
pub async fn write(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    name: &str,
    document: &Value,
    exists: bool,
) -> Result<String, AwsError> {
    let text = document.to_string();
    if !exists {
        let made = iam
            .create_policy()
            .policy_name(name)
            .policy_document(&text)
            .description(
                "Kept by Latchkey: refuses this account's role credentials outside its own networks",
            )
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        return Ok(made
            .policy()
            .and_then(|p| p.default_version_id())
            .unwrap_or("v1")
            .to_owned());
    }
    make_room(iam, arn).await?;
    let made = iam
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(&text)
        .set_as_default(true)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    Ok(made
        .policy_version()
        .and_then(|v| v.version_id())
        .unwrap_or_default()
        .to_owned())
}

/// IAM keeps at most five versions: the oldest non-default goes first.
async fn make_room(iam: &aws_sdk_iam::Client, arn: &str) -> Result<(), AwsError> {
    let listed = iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    let versions = listed.versions();
    if versions.len() < 5 {
        return Ok(());
    }
    let oldest = versions
        .iter()
        .filter(|v| !v.is_default_version())
        .min_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())));
    if let Some(id) = oldest.and_then(|v| v.version_id()) {
        iam.delete_policy_version()
            .policy_arn(arn)
            .version_id(id)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
    }
    Ok(())
}

/// The names of the roles the policy is attached to.
pub async fn attached_roles(iam: &aws_sdk_iam::Client, arn: &str) -> Result<Vec<String>, AwsError> {
    use aws_sdk_iam::types::EntityType;
    let mut out = Vec::new();
    let mut pages = iam
        .list_entities_for_policy()
        .policy_arn(arn)
        .entity_filter(EntityType::Role)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for r in page.map_err(AwsError::from_sdk)?.policy_roles() {
            if let Some(name) = r.role_name() {
                out.push(name.to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

pub async fn attach(iam: &aws_sdk_iam::Client, arn: &str, role: &str) -> Result<(), AwsError> {
    iam.attach_role_policy()
        .policy_arn(arn)
        .role_name(role)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    Ok(())
}

pub async fn detach(iam: &aws_sdk_iam::Client, arn: &str, role: &str) -> Result<(), AwsError> {
    iam.detach_role_policy()
        .policy_arn(arn)
        .role_name(role)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    Ok(())
}
