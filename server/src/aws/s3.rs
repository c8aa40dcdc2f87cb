//! S3 buckets of one account with their policy and tags.
use super::snapshot::{tags_json, ResourceSnapshot, KIND_BUCKET};
use super::{decode::policy_json, AwsError};
use aws_sdk_s3::error::ProvideErrorMetadata;
use serde_json::json;

pub async fn read_account(
    s3: &aws_sdk_s3::Client,
    account: &str,
) -> Result<Vec<ResourceSnapshot>, AwsError> {
    let buckets = s3.list_buckets().send().await.map_err(AwsError::from_sdk)?;
    let mut out = Vec::new();
    for b in buckets.buckets() {
        let Some(name) = b.name() else { continue };
        out.push(read_bucket(s3, account, name).await?);
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(out)
}

pub async fn read_bucket(
    s3: &aws_sdk_s3::Client,
    account: &str,
    name: &str,
) -> Result<ResourceSnapshot, AwsError> {
    let policy = match s3.get_bucket_policy().bucket(name).send().await {
        Ok(p) => p
            .policy()
            .map(|t| policy_json(t).unwrap_or_else(|e| json!({ "_undecodable": e }))),
        Err(e) if e.code() == Some("NoSuchBucketPolicy") => None,
        Err(e) => return Err(AwsError::from_sdk(e)),
    };
    let tags = match s3.get_bucket_tagging().bucket(name).send().await {
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
