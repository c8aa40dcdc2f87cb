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
pub const KIND_GROUP: &str = "iam_group";
pub const KIND_BUCKET: &str = "s3_bucket";
pub const KIND_QUEUE: &str = "sqs_queue";
pub const KIND_TOPIC: &str = "sns_topic";

/// What an account pass read: the items in ARN order, and those it could
/// not read (which keep their cached rows until a later pass reads them).
#[derive(Debug, Default)]
pub struct AccountRead {
    pub items: Vec<ResourceSnapshot>,
    pub failed: Vec<ItemFailure>,
}

/// One item a pass could not read: its ARN and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFailure {
    pub arn: String,
    pub error: String,
}

/// Reads every item with `read`, at most `at_once` at a time (`sync.item_concurrency`;
/// throttled calls are retried by the SDK with backoff). One item's error
/// does not end the pass: it is recorded under the ARN `arn_of` gives. Only
/// when every item failed does the pass fail, with the first error (the
/// account as a whole refuses).
pub async fn read_all<T, Fut>(
    items: Vec<T>,
    at_once: usize,
    arn_of: impl Fn(&T) -> String,
    mut read: impl FnMut(T) -> Fut,
) -> Result<AccountRead, super::AwsError>
where
    Fut: std::future::Future<Output = Result<ResourceSnapshot, super::AwsError>>,
{
    use futures_util::StreamExt;
    super::progress::listed(items.len());
    let results: Vec<(String, Result<ResourceSnapshot, super::AwsError>)> =
        futures_util::stream::iter(items)
            .map(|t| {
                let arn = arn_of(&t);
                let read = read(t);
                async move {
                    let r = read.await;
                    super::progress::read(1);
                    (arn, r)
                }
            })
            .buffer_unordered(at_once.max(1))
            .collect()
            .await;
    let mut out = AccountRead::default();
    let mut first_error = None;
    for (arn, r) in results {
        match r {
            Ok(snap) => out.items.push(snap),
            Err(e) => {
                tracing::warn!(%arn, error = %e, "item not read; its cached row is kept");
                out.failed.push(ItemFailure {
                    arn,
                    error: e.to_string(),
                });
                first_error.get_or_insert(e);
            }
        }
    }
    if let (true, Some(e)) = (out.items.is_empty(), first_error) {
        return Err(e);
    }
    out.items.sort_by(|a, b| a.arn.cmp(&b.arn));
    out.failed.sort_by(|a, b| a.arn.cmp(&b.arn));
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
