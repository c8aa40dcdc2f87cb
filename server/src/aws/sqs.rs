//! SQS queues of one account with their policy and tags.
use super::snapshot::{read_all, tags_json, ResourceSnapshot, KIND_QUEUE};
use super::{decode::policy_json, AwsError};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::json;

pub async fn read_account(
    sqs: &aws_sdk_sqs::Client,
    account: &str,
    at_once: usize,
) -> Result<Vec<ResourceSnapshot>, AwsError> {
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
    read_all(urls, at_once, |url| async move {
        read_queue(sqs, account, &url).await
    })
    .await
}

pub async fn read_queue(
    sqs: &aws_sdk_sqs::Client,
    account: &str,
    url: &str,
) -> Result<ResourceSnapshot, AwsError> {
    let (attrs, tags) = tokio::join!(
        sqs.get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::All)
            .send(),
        sqs.list_queue_tags().queue_url(url).send()
    );
    let attrs = attrs.map_err(AwsError::from_sdk)?;
    let attrs = attrs.attributes();
    let get = |k: QueueAttributeName| attrs.and_then(|a| a.get(&k)).cloned();
    let name = url.rsplit('/').next().unwrap_or(url).to_owned();
    let arn = get(QueueAttributeName::QueueArn)
        .unwrap_or_else(|| format!("arn:aws:sqs:::{account}:{name}"));
    let tags = tags.map_err(AwsError::from_sdk)?;
    let tags = tags_json(
        tags.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
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
