//! What a sync task reads from AWS for one item, in the shape it is cached.
use serde_json::{json, Value};

/// One cached principal or resource. JSON is normalised (tags sorted by key)
/// so an unchanged item produces an identical row.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSnapshot {
    pub arn: String,
    pub kind: &'static str,
    pub account_id: String,
    pub name: String,
    pub tags: Value,
    pub policy: Option<Value>,
    pub details: Value,
}

pub const KIND_ROLE: &str = "role";
pub const KIND_USER: &str = "user";
pub const KIND_MANAGED_POLICY: &str = "managed_policy";
pub const KIND_BUCKET: &str = "s3_bucket";
pub const KIND_QUEUE: &str = "sqs_queue";
pub const KIND_TOPIC: &str = "sns_topic";

/// Reads every item with `read`, at most `at_once` at a time (`sync.item_concurrency`;
/// throttled calls are retried by the SDK with backoff), and returns the
/// snapshots in ARN order (the first error ends the run).
pub async fn read_all<T, Fut>(
    items: Vec<T>,
    at_once: usize,
    read: impl FnMut(T) -> Fut,
) -> Result<Vec<ResourceSnapshot>, super::AwsError>
where
    Fut: std::future::Future<Output = Result<ResourceSnapshot, super::AwsError>>,
{
    use futures_util::{StreamExt, TryStreamExt};
    let mut out: Vec<ResourceSnapshot> = futures_util::stream::iter(items)
        .map(read)
        .buffer_unordered(at_once.max(1))
        .try_collect()
        .await?;
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(out)
}

/// `[{"key","value"}]` sorted by key, from any (key, value) pairs.
pub fn tags_json<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let mut v: Vec<(&str, &str)> = pairs.into_iter().collect();
    v.sort();
    Value::Array(
        v.into_iter()
            .map(|(k, val)| json!({ "key": k, "value": val }))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::tags_json;

    #[test]
    fn tags_are_sorted_by_key() {
        let t = tags_json([("team", "a"), ("env", "prod")]);
        assert_eq!(t[0]["key"], "env");
        assert_eq!(t[1]["value"], "a");
    }
}
