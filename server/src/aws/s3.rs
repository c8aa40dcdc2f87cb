//! S3 buckets of one account with their policy and tags.
use super::snapshot::{read_all, tags_json, ResourceSnapshot, KIND_BUCKET};
use super::{decode::policy_json, AwsError};
use aws_sdk_s3::error::ProvideErrorMetadata;
use serde_json::json;

pub async fn read_account(
    s3: &aws_sdk_s3::Client,
    account: &str,
    at_once: usize,
) -> Result<Vec<ResourceSnapshot>, AwsError> {
    let buckets = s3.list_buckets().send().await.map_err(AwsError::from_sdk)?;
    let names: Vec<String> = buckets
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_owned))
        .collect();
    read_all(names, at_once, |name| async move {
        read_bucket(s3, account, &name).await
    })
    .await
}

pub async fn read_bucket(
    s3: &aws_sdk_s3::Client,
    account: &str,
    name: &str,
) -> Result<ResourceSnapshot, AwsError> {
    let (policy, tags) = tokio::join!(
        s3.get_bucket_policy().bucket(name).send(),
        s3.get_bucket_tagging().bucket(name).send()
    );
    let policy = match policy {
        Ok(p) => p
            .policy()
            .map(|t| policy_json(t).unwrap_or_else(|e| json!({ "_undecodable": e }))),
        Err(e) if e.code() == Some("NoSuchBucketPolicy") => None,
        Err(e) => return Err(AwsError::from_sdk(e)),
    };
    let tags = match tags {
        Ok(t) => tags_json(t.tag_set().iter().map(|t| (t.key(), t.value()))),
        Err(e) if e.code() == Some("NoSuchTagSet") => tags_json([]),
        Err(e) => return Err(AwsError::from_sdk(e)),
    };
    Ok(ResourceSnapshot {
        arn: format!("arn:aws:s3:::{name}"),
        kind: KIND_BUCKET,
        account_id: account.to_owned(),
        name: name.to_owned(),
        tags,
        policy,
        details: json!({}),
    })
}
