//! Tags of every bucket, queue or topic of an account from the Resource Groups
//! Tagging API: one paginated `tag:GetResources` call instead of one tag call
//! per item. The API answers from its own index, which can trail a tag change
//! made a moment ago by seconds; the next sync picks it up.
use super::snapshot::tags_json;
use super::AwsError;
use serde_json::Value;
use std::collections::HashMap;

/// Cached tags (`[{"key","value"}]`, sorted) by ARN.
pub type TagsByArn = HashMap<String, Value>;

/// Every tagged resource of `resource_type` (`s3:bucket`, `sqs:queue`,
/// `sns:topic`) in the client's account and region. `None` when the spoke
/// role may not call `tag:GetResources`: the caller then reads each item's
/// tags from its own service, as before. A resource that is absent has no
/// tags.
pub async fn tags_by_arn(
    client: &aws_sdk_resourcegroupstagging::Client,
    resource_type: &str,
) -> Result<Option<TagsByArn>, AwsError> {
    let mut out = TagsByArn::new();
    let mut pages = client
        .get_resources()
        .resource_type_filters(resource_type)
        .resources_per_page(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page.map_err(AwsError::from_sdk) {
            Ok(p) => p,
            Err(AwsError::Denied(why)) => {
                tracing::info!(resource_type, %why, "tag:GetResources denied; reading tags per item");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        for m in page.resource_tag_mapping_list() {
            let Some(arn) = m.resource_arn() else {
                continue;
            };
            let tags = tags_json(m.tags().iter().map(|t| (t.key(), t.value())));
            out.insert(arn.to_owned(), tags);
        }
    }
    Ok(Some(out))
}

/// The tags of `arn` as found by [`tags_by_arn`]: none when absent.
pub fn tags_of(found: &TagsByArn, arn: &str) -> Value {
    found.get(arn).cloned().unwrap_or_else(|| tags_json([]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_the_tagging_api_does_not_list_has_no_tags() {
        let mut found = TagsByArn::new();
        found.insert("arn:aws:s3:::a".into(), tags_json([("team", "x")]));
        assert_eq!(tags_of(&found, "arn:aws:s3:::a")[0]["value"], "x");
        assert_eq!(tags_of(&found, "arn:aws:s3:::b"), tags_json([]));
    }
}
