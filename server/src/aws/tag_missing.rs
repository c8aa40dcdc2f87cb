//! Adding tags a resource lacks, never changing one it has: the resource's
//! live tags are read first (not the cache, which may be behind), and only
//! keys absent there are written. Roles, users, buckets (whose tag set is
//! replaced whole: read, merged, put back), queues and topics.
use super::{Aws, AwsError};
use app::domain::AccountId;
use std::collections::BTreeMap;

type Tags = BTreeMap<String, String>;

/// Adds the `wanted` tags whose keys `arn` lacks; the ones added.
pub async fn add_missing(
    aws: &Aws,
    account: &AccountId,
    kind: &str,
    arn: &str,
    wanted: &[(String, String)],
) -> Result<Vec<(String, String)>, AwsError> {
    let name = arn.rsplit(['/', ':']).next().unwrap_or_default();
    let live = live_tags(aws, account, kind, arn, name).await?;
    let add: Vec<(String, String)> = wanted
        .iter()
        .filter(|(k, _)| !live.contains_key(k))
        .cloned()
        .collect();
    if add.is_empty() {
        return Ok(add);
    }
    write(aws, account, kind, arn, name, &live, &add).await?;
    Ok(add)
}

async fn live_tags(
    aws: &Aws,
    account: &AccountId,
    kind: &str,
    arn: &str,
    name: &str,
) -> Result<Tags, AwsError> {
    // Every service's tag type has `key()` and `value()` as &str.
    macro_rules! pairs {
        ($tags:expr) => {
            $tags
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect::<Tags>()
        };
    }
    Ok(match kind {
        "role" | "user" => {
            let iam = aws.spoke_iam(account).await?;
            if kind == "role" {
                let out = iam.list_role_tags().role_name(name).send().await;
                pairs!(out.map_err(AwsError::from_sdk)?.tags())
            } else {
                let out = iam.list_user_tags().user_name(name).send().await;
                pairs!(out.map_err(AwsError::from_sdk)?.tags())
            }
        }
        "s3_bucket" => {
            let s3 = aws.spoke_s3(account).await?;
            let (s3, _, _) = super::s3::in_bucket_region(&s3, name, None).await?;
            match s3.get_bucket_tagging().bucket(name).send().await {
                Ok(out) => pairs!(out.tag_set()),
                Err(e)
                    if e.as_service_error().and_then(|s| s.meta().code())
                        == Some("NoSuchTagSet") =>
                {
                    Tags::new()
                }
                Err(e) => return Err(AwsError::from_sdk(e)),
            }
        }
        "sqs_queue" => {
            let (sqs, url) = queue(aws, account, arn, name).await?;
            let out = sqs
                .list_queue_tags()
                .queue_url(url)
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
            out.tags()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect()
        }
        "sns_topic" => {
            let sns = aws_sdk_sns::Client::new(&aws.spoke_for(account, arn).await?);
            let out = sns
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
            pairs!(out.tags())
        }
        other => return Err(AwsError::Invalid(format!("cannot tag a {other}"))),
    })
}

async fn queue(
    aws: &Aws,
    account: &AccountId,
    arn: &str,
    name: &str,
) -> Result<(aws_sdk_sqs::Client, String), AwsError> {
    let sqs = aws_sdk_sqs::Client::new(&aws.spoke_for(account, arn).await?);
    let url = sqs
        .get_queue_url()
        .queue_name(name)
        .queue_owner_aws_account_id(account.as_str())
        .send()
        .await
        .map_err(AwsError::from_sdk)?
        .queue_url
        .ok_or_else(|| AwsError::NotFound(format!("queue {arn}")))?;
    Ok((sqs, url))
}

fn iam_tags(add: &[(String, String)]) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsError> {
    add.iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError::Invalid(e.to_string()))
        })
        .collect()
}

async fn write(
    aws: &Aws,
    account: &AccountId,
    kind: &str,
    arn: &str,
    name: &str,
    live: &Tags,
    add: &[(String, String)],
) -> Result<(), AwsError> {
    match kind {
        "role" => {
            let iam = aws.spoke_iam(account).await?;
            iam.tag_role()
                .role_name(name)
                .set_tags(Some(iam_tags(add)?))
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
        }
        "user" => {
            let iam = aws.spoke_iam(account).await?;
            iam.tag_user()
                .user_name(name)
                .set_tags(Some(iam_tags(add)?))
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
        }
        "s3_bucket" => {
            let s3 = aws.spoke_s3(account).await?;
            let (s3, _, _) = super::s3::in_bucket_region(&s3, name, None).await?;
            let all = live
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .chain(add.iter().cloned());
            let set = all
                .map(|(k, v)| aws_sdk_s3::types::Tag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AwsError::Invalid(e.to_string()))?;
            let tagging = aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(set))
                .build()
                .map_err(|e| AwsError::Invalid(e.to_string()))?;
            s3.put_bucket_tagging()
                .bucket(name)
                .tagging(tagging)
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
        }
        "sqs_queue" => {
            let (sqs, url) = queue(aws, account, arn, name).await?;
            sqs.tag_queue()
                .queue_url(url)
                .set_tags(Some(add.iter().cloned().collect()))
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
        }
        "sns_topic" => {
            let sns = aws_sdk_sns::Client::new(&aws.spoke_for(account, arn).await?);
            let tags = add
                .iter()
                .map(|(k, v)| aws_sdk_sns::types::Tag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AwsError::Invalid(e.to_string()))?;
            sns.tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
        }
        other => return Err(AwsError::Invalid(format!("cannot tag a {other}"))),
    }
    Ok(())
}
