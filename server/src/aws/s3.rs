//! S3 buckets of one account with their policy and tags.
use super::snapshot::{read_all, tags_json, ResourceSnapshot, KIND_BUCKET};
use super::tagging::{tags_by_arn, tags_of, TagsByArn};
use super::{decode::policy_json, AwsError};
use aws_sdk_s3::error::ProvideErrorMetadata;
use serde_json::json;
use serde_json::Value;

/// Every bucket with its policy (one call each) and tags (one tagging-API
/// call for all of them, or one call each where that API is denied).
pub async fn read_account(
    s3: &aws_sdk_s3::Client,
    tagging: &aws_sdk_resourcegroupstagging::Client,
    account: &str,
    at_once: usize,
) -> Result<Vec<ResourceSnapshot>, AwsError> {
    let (buckets, found) =
        tokio::join!(s3.list_buckets().send(), tags_by_arn(tagging, "s3:bucket"));
    let buckets = buckets.map_err(AwsError::from_sdk)?;
    let found = found?;
    let found = found.as_ref();
    let names: Vec<String> = buckets
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_owned))
        .collect();
    read_all(names, at_once, |name| async move {
        read_bucket(s3, account, &name, found).await
    })
    .await
}

/// One bucket; its tags from `known` when the tagging API answered, else
/// from `GetBucketTagging`.
pub async fn read_bucket(
    s3: &aws_sdk_s3::Client,
    account: &str,
    name: &str,
    known: Option<&TagsByArn>,
) -> Result<ResourceSnapshot, AwsError> {
    let arn = format!("arn:aws:s3:::{name}");
    let policy = s3.get_bucket_policy().bucket(name).send();
    let (policy, tags) = match known {
        Some(found) => (policy.await, tags_of(found, &arn)),
        None => {
            let (p, t) = tokio::join!(policy, s3.get_bucket_tagging().bucket(name).send());
            (p, bucket_tags(t)?)
        }
    };
    let policy = match policy {
        Ok(p) => p
            .policy()
            .map(|t| policy_json(t).unwrap_or_else(|e| json!({ "_undecodable": e }))),
        Err(e) if e.code() == Some("NoSuchBucketPolicy") => None,
        Err(e) => return Err(AwsError::from_sdk(e)),
    };
    Ok(ResourceSnapshot {
        arn,
        kind: KIND_BUCKET,
        account_id: account.to_owned(),
        name: name.to_owned(),
        tags,
        policy,
        details: json!({}),
    })
}

fn bucket_tags(
    got: Result<
        aws_sdk_s3::operation::get_bucket_tagging::GetBucketTaggingOutput,
        aws_sdk_s3::error::SdkError<
            aws_sdk_s3::operation::get_bucket_tagging::GetBucketTaggingError,
        >,
    >,
) -> Result<Value, AwsError> {
    match got {
        Ok(t) => Ok(tags_json(t.tag_set().iter().map(|t| (t.key(), t.value())))),
        Err(e) if e.code() == Some("NoSuchTagSet") => Ok(tags_json([])),
        Err(e) => Err(AwsError::from_sdk(e)),
    }
}
