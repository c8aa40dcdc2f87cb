//! SNS topics of one account with their policy and tags.
use super::snapshot::{read_all, tags_json, ResourceSnapshot, KIND_TOPIC};
use super::{decode::policy_json, AwsError};
use serde_json::json;

pub async fn read_account(
    sns: &aws_sdk_sns::Client,
    account: &str,
    at_once: usize,
) -> Result<Vec<ResourceSnapshot>, AwsError> {
    let mut arns = Vec::new();
    let mut pages = sns.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(AwsError::from_sdk)?;
        arns.extend(
            page.topics()
                .iter()
                .filter_map(|t| t.topic_arn().map(str::to_owned)),
        );
    }
    read_all(arns, at_once, |arn| async move {
        read_topic(sns, account, &arn).await
    })
    .await
}

pub async fn read_topic(
    sns: &aws_sdk_sns::Client,
    account: &str,
    arn: &str,
) -> Result<ResourceSnapshot, AwsError> {
    let (attrs, tags) = tokio::join!(
        sns.get_topic_attributes().topic_arn(arn).send(),
        sns.list_tags_for_resource().resource_arn(arn).send()
    );
    let attrs = attrs.map_err(AwsError::from_sdk)?;
    let attrs = attrs.attributes();
    let get = |k: &str| attrs.and_then(|a| a.get(k)).cloned();
    let tags = tags.map_err(AwsError::from_sdk)?;
    let tags = tags_json(tags.tags().iter().map(|t| (t.key(), t.value())));
    Ok(ResourceSnapshot {
        arn: arn.to_owned(),
        kind: KIND_TOPIC,
        account_id: account.to_owned(),
        name: arn.rsplit(':').next().unwrap_or(arn).to_owned(),
        tags,
        policy: get("Policy")
            .map(|p| policy_json(&p).unwrap_or_else(|e| json!({ "_undecodable": e }))),
        details: json!({ "display_name": get("DisplayName"), "subscriptions_confirmed": get("SubscriptionsConfirmed") }),
    })
}
