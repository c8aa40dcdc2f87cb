//! S3 buckets of one account with their policy and tags.
use super::snapshot::{read_all, tags_json, AccountRead, ResourceSnapshot, KIND_BUCKET};
use super::tagging::{tags_by_arn, tags_of, TagsByArn};
use super::{decode::policy_json, AwsError};
use app::domain::Partition;
use aws_sdk_s3::error::ProvideErrorMetadata;
use serde_json::json;
use serde_json::Value;

/// Every bucket with its policy (one call each) and tags (one tagging-API
/// call for all of them, or one call each where that API is denied or the
/// bucket lives in another region). Each bucket is read in its own region:
/// AWS answers a call on a bucket from another region with a redirect the
/// SDK does not follow.
pub async fn read_account(
    s3: &aws_sdk_s3::Client,
    tagging: &aws_sdk_resourcegroupstagging::Client,
    account: &str,
    at_once: usize,
) -> Result<AccountRead, AwsError> {
    let (buckets, found) =
        tokio::join!(s3.list_buckets().send(), tags_by_arn(tagging, "s3:bucket"));
    let buckets = buckets.map_err(AwsError::from_sdk)?;
    let found = found?;
    let found = found.as_ref();
    let listed: Vec<(String, Option<String>)> = buckets
        .buckets()
        .iter()
        .filter_map(|b| Some((b.name()?.to_owned(), b.bucket_region().map(str::to_owned))))
        .collect();
    let partition = partition_of(s3);
    let arn_of = |(name, _): &(String, Option<String>)| bucket_arn(partition, name);
    read_all(listed, at_once, arn_of, |(name, region)| async move {
        read_bucket_in(s3, account, &name, region, found).await
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
    read_bucket_in(s3, account, name, None, known).await
}

/// The bucket's region: as listed when AWS said it, else `GetBucketLocation`
/// (answered from any region; no constraint is us-east-1, `EU` eu-west-1).
async fn region_of(
    s3: &aws_sdk_s3::Client,
    name: &str,
    listed: Option<String>,
) -> Result<String, AwsError> {
    if let Some(r) = listed.filter(|r| !r.is_empty()) {
        return Ok(r);
    }
    let got = s3
        .get_bucket_location()
        .bucket(name)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    Ok(match got.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(r) => r.to_owned(),
    })
}

/// A client for the bucket's own region (AWS redirects a call on a bucket
/// made from another region), the region, and whether it is `s3`'s own.
pub async fn in_bucket_region(
    s3: &aws_sdk_s3::Client,
    name: &str,
    listed_region: Option<String>,
) -> Result<(aws_sdk_s3::Client, String, bool), AwsError> {
    let region = region_of(s3, name, listed_region).await?;
    if s3.config().region().map(|r| r.as_ref()) == Some(region.as_str()) {
        return Ok((s3.clone(), region, true));
    }
    let conf = s3
        .config()
        .to_builder()
        .region(aws_sdk_s3::config::Region::new(region.clone()))
        .build();
    Ok((aws_sdk_s3::Client::from_conf(conf), region, false))
}

async fn read_bucket_in(
    s3: &aws_sdk_s3::Client,
    account: &str,
    name: &str,
    listed_region: Option<String>,
    known: Option<&TagsByArn>,
) -> Result<ResourceSnapshot, AwsError> {
    let arn = bucket_arn(partition_of(s3), name);
    let (s3, region, home) = in_bucket_region(s3, name, listed_region).await?;
    // The tagging API answered for the listing client's region only.
    let known = known.filter(|_| home);
    let s3 = &s3;
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
        details: json!({ "region": region }),
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

/// The partition the client's region is in (buckets' ARNs name it).
fn partition_of(s3: &aws_sdk_s3::Client) -> Partition {
    Partition::of_region(s3.config().region().map_or("", |r| r.as_ref()))
}

fn bucket_arn(partition: Partition, name: &str) -> String {
    partition.arn("s3", "", "", name)
}
