//! SNS topics of one account with their policy and tags.
use super::snapshot::{read_all, tags_json, AccountRead, ResourceSnapshot, KIND_TOPIC};
use super::tagging::{tags_by_arn, tags_of, TagsByArn};
use super::{decode::policy_json, AwsError};
use serde_json::json;

/// Every topic with its attributes (one call each) and tags (one
/// tagging-API call for all of them, or one call each where it is denied).
pub async fn read_account(
    sns: &aws_sdk_sns::Client,
    tagging: &aws_sdk_resourcegroupstagging::Client,
    account: &str,
    at_once: usize,
) -> Result<AccountRead, AwsError> {
    let list = async {
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
        Ok::<_, AwsError>(arns)
    };
    let (arns, found) = tokio::join!(list, tags_by_arn(tagging, "sns:topic"));
    let (arns, found) = (arns?, found?);
    let found = found.as_ref();
    read_all(arns, at_once, String::clone, |arn| async move {
        read_topic(sns, account, &arn, found).await
    })
    .await
}

/// One topic; its tags from `known` when the tagging API answered, else
/// from `ListTagsForResource`.
pub async fn read_topic(
    sns: &aws_sdk_sns::Client,
    account: &str,
    arn: &str,
    known: Option<&TagsByArn>,
) -> Result<ResourceSnapshot, AwsError> {
    let attrs = sns.get_topic_attributes().topic_arn(arn).send();
    let (attrs, tags) = match known {
        Some(found) => (attrs.await, tags_of(found, arn)),
        None => {
            let (a, t) = tokio::join!(attrs, sns.list_tags_for_resource().resource_arn(arn).send());
            let t = t.map_err(AwsError::from_sdk)?;
            (a, tags_json(t.tags().iter().map(|t| (t.key(), t.value()))))
        }
    };
    let attrs = attrs.map_err(AwsError::from_sdk)?;
    let attrs = attrs.attributes();
    let get = |k: &str| attrs.and_then(|a| a.get(k)).cloned();
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
