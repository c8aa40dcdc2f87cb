//! SQS queues of one account with their policy and tags.
use super::snapshot::{read_all, tags_json, AccountRead, ResourceSnapshot, KIND_QUEUE};
use super::tagging::{tags_by_arn, tags_of, TagsByArn};
use super::{decode::policy_json, AwsError};
use app::domain::Partition;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::json;

/// Every queue with its attributes (one call each) and tags (one
/// tagging-API call for all of them, or one call each where it is denied).
pub async fn read_account(
    sqs: &aws_sdk_sqs::Client,
    tagging: &aws_sdk_resourcegroupstagging::Client,
    account: &str,
    at_once: usize,
) -> Result<AccountRead, AwsError> {
    let list = async {
        let mut urls = Vec::new();
        let mut pages = sqs.list_queues().into_paginator().send();
        while let Some(page) = pages.next().await {
            urls.extend(
                page.map_err(AwsError::from_sdk)?
                    .queue_urls()
                    .iter()
                    .cloned(),
            );
        }
        Ok::<_, AwsError>(urls)
    };
    let (urls, found) = tokio::join!(list, tags_by_arn(tagging, "sqs:queue"));
    let (urls, found) = (urls?, found?);
    let found = found.as_ref();
    let arn_of = |url: &String| queue_arn(sqs, account, url);
    read_all(urls, at_once, arn_of, |url| async move {
        read_queue(sqs, account, &url, found).await
    })
    .await
}

/// One queue; its tags from `known` when the tagging API answered, else
/// from `ListQueueTags`.
pub async fn read_queue(
    sqs: &aws_sdk_sqs::Client,
    account: &str,
    url: &str,
    known: Option<&TagsByArn>,
) -> Result<ResourceSnapshot, AwsError> {
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send();
    let (attrs, listed) = match known {
        Some(_) => (attrs.await, None),
        None => {
            let (a, t) = tokio::join!(attrs, sqs.list_queue_tags().queue_url(url).send());
            (a, Some(t.map_err(AwsError::from_sdk)?))
        }
    };
    let attrs = attrs.map_err(AwsError::from_sdk)?;
    let attrs = attrs.attributes();
    let get = |k: QueueAttributeName| attrs.and_then(|a| a.get(&k)).cloned();
    let name = url.rsplit('/').next().unwrap_or(url).to_owned();
    let arn = get(QueueAttributeName::QueueArn).unwrap_or_else(|| queue_arn(sqs, account, url));
    let tags = match (known, &listed) {
        (Some(found), _) => tags_of(found, &arn),
        (None, listed) => tags_json(
            listed
                .iter()
                .filter_map(|l| l.tags())
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ),
    };
    Ok(ResourceSnapshot {
        arn,
        kind: KIND_QUEUE,
        account_id: account.to_owned(),
        name,
        tags,
        policy: get(QueueAttributeName::Policy)
            .map(|p| policy_json(&p).unwrap_or_else(|e| json!({ "_undecodable": e }))),
        details: json!({
            // The emulator echoes the endpoint it was called on; keep only the path-independent facts.
            "visibility_timeout": get(QueueAttributeName::VisibilityTimeout),
            "fifo": get(QueueAttributeName::FifoQueue).as_deref() == Some("true"),
        }),
    })
}

/// A queue's ARN from its URL, in the client's region: what the sync keys a
/// queue it could not read by, and the ARN of one whose attributes lack it.
fn queue_arn(sqs: &aws_sdk_sqs::Client, account: &str, url: &str) -> String {
    let region = sqs.config().region().map_or("", |r| r.as_ref());
    let name = url.rsplit('/').next().unwrap_or(url);
    Partition::of_region(region).arn("sqs", region, account, name)
}
