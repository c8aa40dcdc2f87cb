//! moto as the tests set it up and read it back: roles, policies, buckets.

use latchkey::services::Services;
use serde_json::Value;

/// The IAM client of `account`'s spoke session.
pub async fn iam(s: &Services, account: &str) -> aws_sdk_iam::Client {
    s.aws
        .spoke_iam(&app::domain::AccountId::parse(account).unwrap())
        .await
        .unwrap()
}

/// A trust policy: the root of account 123456789012 may assume the role.
pub const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;

/// Creates a customer managed policy; returns its ARN.
pub async fn create_policy(iam: &aws_sdk_iam::Client, name: &str, document: &str) -> String {
    iam.create_policy()
        .policy_name(name)
        .policy_document(document)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned()
}

/// An IAM tag `key=value`.
pub fn iam_tag(key: &str, value: &str) -> aws_sdk_iam::types::Tag {
    aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .unwrap()
}

/// Creates role `name` with [`TRUST`], `inline` policies (name, document)
/// and `tags` (key, value).
pub async fn create_role(
    iam: &aws_sdk_iam::Client,
    name: &str,
    inline: &[(&str, &str)],
    tags: &[(&str, &str)],
) {
    let mut req = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(TRUST);
    for (k, v) in tags {
        req = req.tags(iam_tag(k, v));
    }
    req.send().await.unwrap();
    for (pn, doc) in inline {
        iam.put_role_policy()
            .role_name(name)
            .policy_name(*pn)
            .policy_document(*doc)
            .send()
            .await
            .unwrap();
    }
}

/// The S3 client of `account`'s spoke session.
pub async fn s3(s: &Services, account: &str) -> aws_sdk_s3::Client {
    s.aws
        .spoke_s3(&app::domain::AccountId::parse(account).unwrap())
        .await
        .unwrap()
}

/// Creates bucket `name` with `s3`.
pub async fn create_bucket(s3: &aws_sdk_s3::Client, name: &str) {
    s3.create_bucket().bucket(name).send().await.unwrap();
}

/// Role `role`'s tags, as `key=value`.
pub async fn role_tags(iam: &aws_sdk_iam::Client, role: &str) -> Vec<String> {
    let got = iam.list_role_tags().role_name(role).send().await.unwrap();
    got.tags()
        .iter()
        .map(|t| format!("{}={}", t.key(), t.value()))
        .collect()
}

/// The names of role `role`'s inline policies.
pub async fn inline_policy_names(iam: &aws_sdk_iam::Client, role: &str) -> Vec<String> {
    let got = iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    got.policy_names().to_vec()
}

/// Role `role`'s inline policy `name`, its document parsed.
pub async fn inline_policy(iam: &aws_sdk_iam::Client, role: &str, name: &str) -> Value {
    let got = iam
        .get_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .unwrap();
    latchkey::aws::decode::policy_json(got.policy_document()).unwrap()
}

/// The ARNs of the managed policies attached to role `role`.
pub async fn attached_policy_arns(iam: &aws_sdk_iam::Client, role: &str) -> Vec<String> {
    let got = iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    got.attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect()
}

/// Whether IAM finds role `role` (`GetRole` succeeds).
pub async fn role_exists(iam: &aws_sdk_iam::Client, role: &str) -> bool {
    iam.get_role().role_name(role).send().await.is_ok()
}

/// The SQS client of `account`'s spoke session.
pub async fn sqs(s: &Services, account: &str) -> aws_sdk_sqs::Client {
    s.aws
        .spoke_sqs(&app::domain::AccountId::parse(account).unwrap())
        .await
        .unwrap()
}

/// The SNS client of `account`'s spoke session.
pub async fn sns(s: &Services, account: &str) -> aws_sdk_sns::Client {
    s.aws
        .spoke_sns(&app::domain::AccountId::parse(account).unwrap())
        .await
        .unwrap()
}

/// Sets bucket `name`'s tags to the one tag `key=value`.
pub async fn tag_bucket(s3: &aws_sdk_s3::Client, name: &str, key: &str, value: &str) {
    let tag = aws_sdk_s3::types::Tag::builder().key(key).value(value);
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .tag_set(tag.build().unwrap())
        .build()
        .unwrap();
    let put = s3.put_bucket_tagging().bucket(name).tagging(tagging);
    put.send().await.unwrap();
}

/// Creates queue `name` with `tags` (key, value); returns its URL.
pub async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str, tags: &[(&str, &str)]) -> String {
    let mut req = sqs.create_queue().queue_name(name);
    for (k, v) in tags {
        req = req.tags(*k, *v);
    }
    let created = req.send().await.unwrap();
    created.queue_url().unwrap().to_owned()
}

/// Creates topic `name` with `tags` (key, value); returns its ARN.
pub async fn create_topic(sns: &aws_sdk_sns::Client, name: &str, tags: &[(&str, &str)]) -> String {
    let mut req = sns.create_topic().name(name);
    for (k, v) in tags {
        req = req.tags(sns_tag(k, v));
    }
    let created = req.send().await.unwrap();
    created.topic_arn().unwrap().to_owned()
}

/// Adds the tag `key=value` to topic `arn`.
pub async fn tag_topic(sns: &aws_sdk_sns::Client, arn: &str, key: &str, value: &str) {
    let tag = sns
        .tag_resource()
        .resource_arn(arn)
        .tags(sns_tag(key, value));
    tag.send().await.unwrap();
}

/// An SNS tag `key=value`.
fn sns_tag(key: &str, value: &str) -> aws_sdk_sns::types::Tag {
    let tag = aws_sdk_sns::types::Tag::builder().key(key).value(value);
    tag.build().unwrap()
}

/// Bucket `name`'s policy document, as text.
pub async fn bucket_policy(s3: &aws_sdk_s3::Client, name: &str) -> String {
    let got = s3.get_bucket_policy().bucket(name).send().await.unwrap();
    got.policy().unwrap().to_owned()
}

/// The policy document of the queue at `url`, as text.
pub async fn queue_policy(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    use aws_sdk_sqs::types::QueueAttributeName::Policy;
    let get = sqs.get_queue_attributes().queue_url(url);
    let got = get.attribute_names(Policy).send().await.unwrap();
    got.attributes().unwrap()[&Policy].clone()
}

/// Topic `arn`'s policy document, as text.
pub async fn topic_policy(sns: &aws_sdk_sns::Client, arn: &str) -> String {
    let get = sns.get_topic_attributes().topic_arn(arn);
    let got = get.send().await.unwrap();
    got.attributes().unwrap()["Policy"].clone()
}

/// An STS client on the hub's SDK config (moto) that signs with the
/// credentials given, not Latchkey's own.
pub fn sts_as(
    s: &Services,
    key_id: &str,
    secret: &str,
    token: Option<&str>,
) -> aws_sdk_sts::Client {
    use aws_credential_types::{provider::SharedCredentialsProvider, Credentials};
    let creds = Credentials::new(key_id, secret, token.map(str::to_owned), None, "test");
    let conf = s.aws.hub().to_builder();
    let conf = conf.credentials_provider(SharedCredentialsProvider::new(creds));
    aws_sdk_sts::Client::new(&conf.build())
}
