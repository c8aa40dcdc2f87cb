//! Who created a role, user, bucket, queue or topic: CloudTrail's record of
//! a successful `CreateRole`, `CreateUser`, `CreateBucket`, `CreateQueue`
//! or `CreateTopic`, read from the same ingest as the denials. The created
//! resource's ARN comes from the response (roles, users, topics, queues'
//! URLs) or the request (a bucket's name); the creator is the session or
//! user name, with the principal behind it.
use super::{principal_of, text, Principal, Skip, MAX_FIELD};
use crate::domain::{AccountId, Partition};
use serde_json::Value;

/// One resource created, and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creation {
    pub resource_arn: String,
    /// The account the resource was created in (`recipientAccountId`).
    pub account: AccountId,
    pub event_name: String,
    pub principal: Principal,
    /// The session name of an assumed role, else the user's name.
    pub who: Option<String>,
    pub event_time: String,
}

/// The creation a record reports (`Skip::NotDenial` stands for "not a
/// creation" here), or why it reports none.
pub fn creation_of(record: &Value) -> Result<Creation, Skip> {
    if record.get("errorCode").is_some_and(|c| !c.is_null()) {
        return Err(Skip::NotDenial);
    }
    let name = text(record, "eventName").ok_or(Skip::NotDenial)?;
    let source = text(record, "eventSource").unwrap_or_default();
    let partition = record
        .pointer("/userIdentity/arn")
        .and_then(Value::as_str)
        .and_then(Partition::of_arn)
        .unwrap_or_default();
    let region = text(record, "awsRegion").unwrap_or_default();
    let at = |p: &str| record.pointer(p).and_then(Value::as_str);
    let arn = match (source, name) {
        ("iam.amazonaws.com", "CreateRole") => at("/responseElements/role/arn").map(str::to_owned),
        ("iam.amazonaws.com", "CreateUser") => at("/responseElements/user/arn").map(str::to_owned),
        ("s3.amazonaws.com", "CreateBucket") => {
            at("/requestParameters/bucketName").map(|b| partition.arn("s3", "", "", b))
        }
        ("sns.amazonaws.com", "CreateTopic") => at("/responseElements/topicArn").map(str::to_owned),
        ("sqs.amazonaws.com", "CreateQueue") => {
            at("/responseElements/queueUrl").and_then(|u| queue_arn(u, partition, region))
        }
        _ => return Err(Skip::NotDenial),
    }
    .ok_or(Skip::Malformed("no created resource"))?;
    if arn.len() > MAX_FIELD || arn.chars().any(char::is_control) {
        return Err(Skip::Malformed("field too long"));
    }
    let account = text(record, "recipientAccountId")
        .and_then(|a| AccountId::parse(a).ok())
        .ok_or(Skip::Malformed("no recipientAccountId"))?;
    let identity = record
        .get("userIdentity")
        .ok_or(Skip::Malformed("no userIdentity"))?;
    let (principal, who) = principal_of(identity)?;
    let event_time = text(record, "eventTime").ok_or(Skip::Malformed("no eventTime"))?;
    Ok(Creation {
        resource_arn: arn,
        account,
        event_name: name.to_owned(),
        principal,
        who: who.filter(|w| {
            !w.is_empty() && w.len() <= super::MAX_WHO && !w.chars().any(char::is_control)
        }),
        event_time: event_time.to_owned(),
    })
}

/// `https://sqs.eu-west-1.amazonaws.com/111122223333/jobs` ->
/// `arn:aws:sqs:eu-west-1:111122223333:jobs`.
fn queue_arn(url: &str, partition: Partition, event_region: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let mut parts = rest.split('/');
    let host = parts.next()?;
    let account = parts.next().filter(|a| AccountId::parse(a).is_ok())?;
    let name = parts.next().filter(|n| !n.is_empty())?;
    let region = host
        .strip_prefix("sqs.")
        .and_then(|h| h.split('.').next())
        .filter(|r| crate::domain::partition::is_region_name(r))
        .unwrap_or(event_region);
    Some(partition.arn("sqs", region, account, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn created(source: &str, name: &str, request: Value, response: Value) -> Value {
        json!({
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/Deploy/erin@example.com",
                "accountId": "111122223333",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/Deploy", "accountId": "111122223333", "userName": "Deploy"}}
            },
            "eventTime": "2026-12-05T10:11:12Z", "eventSource": source, "eventName": name,
            "awsRegion": "eu-west-1", "requestParameters": request, "responseElements": response,
            "recipientAccountId": "111122223333"
        })
    }

    #[test]
    fn each_kind_names_what_it_created_and_who() {
        let cases = [
            (
                created(
                    "iam.amazonaws.com",
                    "CreateRole",
                    json!({"roleName": "app"}),
                    json!({"role": {"arn": "arn:aws:iam::111122223333:role/svc/app"}}),
                ),
                "arn:aws:iam::111122223333:role/svc/app",
            ),
            (
                created(
                    "iam.amazonaws.com",
                    "CreateUser",
                    json!({"userName": "bot"}),
                    json!({"user": {"arn": "arn:aws:iam::111122223333:user/bot"}}),
                ),
                "arn:aws:iam::111122223333:user/bot",
            ),
            (
                created(
                    "s3.amazonaws.com",
                    "CreateBucket",
                    json!({"bucketName": "reports"}),
                    Value::Null,
                ),
                "arn:aws:s3:::reports",
            ),
            (
                created(
                    "sqs.amazonaws.com",
                    "CreateQueue",
                    json!({"queueName": "jobs"}),
                    json!({"queueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs"}),
                ),
                "arn:aws:sqs:eu-west-1:111122223333:jobs",
            ),
            (
                created(
                    "sns.amazonaws.com",
                    "CreateTopic",
                    json!({"name": "events"}),
                    json!({"topicArn": "arn:aws:sns:eu-west-1:111122223333:events"}),
                ),
                "arn:aws:sns:eu-west-1:111122223333:events",
            ),
        ];
        for (record, arn) in cases {
            let c = creation_of(&record).unwrap();
            assert_eq!(c.resource_arn, arn);
            assert_eq!(c.who.as_deref(), Some("erin@example.com"));
            assert_eq!(
                c.principal.arn_with_path("/"),
                "arn:aws:iam::111122223333:role/Deploy"
            );
            assert_eq!(c.account.as_str(), "111122223333");
        }
    }

    #[test]
    fn failures_other_calls_and_records_without_the_resource_are_not_creations() {
        let mut failed = created(
            "s3.amazonaws.com",
            "CreateBucket",
            json!({"bucketName": "x1y"}),
            Value::Null,
        );
        failed["errorCode"] = json!("BucketAlreadyExists");
        assert_eq!(creation_of(&failed), Err(Skip::NotDenial));
        let other = created(
            "s3.amazonaws.com",
            "PutObject",
            json!({"bucketName": "x1y"}),
            Value::Null,
        );
        assert_eq!(creation_of(&other), Err(Skip::NotDenial));
        let no_arn = created("iam.amazonaws.com", "CreateRole", json!({}), json!({}));
        assert!(matches!(creation_of(&no_arn), Err(Skip::Malformed(_))));
        let mut by_service = created(
            "sns.amazonaws.com",
            "CreateTopic",
            json!({}),
            json!({"topicArn": "arn:aws:sns:eu-west-1:111122223333:t"}),
        );
        by_service["userIdentity"] =
            json!({"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"});
        assert_eq!(creation_of(&by_service), Err(Skip::ServicePrincipal));
    }
}
