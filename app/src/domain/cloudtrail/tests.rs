//! Records written after AWS's "CloudTrail record contents" and
//! "CloudTrail userIdentity element" pages (field names and shapes as
//! documented there; ids made up).
use super::*;
use serde_json::json;

fn assumed_role_get_object() -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEID:alice@example.com",
            "arn": "arn:aws:sts::111122223333:assumed-role/Deploy/alice@example.com",
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLEKEY",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLEID",
                    "arn": "arn:aws:iam::111122223333:role/teams/Deploy",
                    "accountId": "111122223333",
                    "userName": "Deploy"
                },
                "attributes": {"creationDate": "2026-12-01T09:00:00Z", "mfaAuthenticated": "false"}
            }
        },
        "eventTime": "2026-12-01T10:11:12Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.0",
        "errorCode": "AccessDenied",
        "errorMessage": "Access Denied",
        "requestParameters": {"bucketName": "reports", "key": "2026/q4.csv", "Host": "reports.s3.eu-west-1.amazonaws.com"},
        "responseElements": null,
        "requestID": "EXAMPLE123",
        "eventID": "6b7e0c0e-0000-4000-8000-000000000001",
        "readOnly": true,
        "resources": [
            {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::reports/2026/q4.csv"},
            {"accountId": "111122223333", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::reports"}
        ],
        "eventType": "AwsApiCall",
        "managementEvent": false,
        "recipientAccountId": "111122223333",
        "eventCategory": "Data"
    })
}

#[test]
fn an_assumed_role_session_is_stored_under_its_role_with_the_issuers_path() {
    let d = denial_of(&assumed_role_get_object()).expect("a denial");
    assert_eq!(
        d.principal.arn_with_path("/ignored/"),
        "arn:aws:iam::111122223333:role/teams/Deploy"
    );
    assert_eq!(d.principal.account().as_str(), "111122223333");
    assert_eq!(d.action, "s3:GetObject");
    assert_eq!(d.resource, "arn:aws:s3:::reports/2026/q4.csv");
    assert_eq!(d.error_code, "AccessDenied");
    assert_eq!(d.who.as_deref(), Some("alice@example.com"));
    assert_eq!(d.event_time, "2026-12-01T10:11:12Z");
}

#[test]
fn without_a_session_issuer_the_role_takes_the_path_it_is_given() {
    let mut r = assumed_role_get_object();
    r["userIdentity"]["sessionContext"] = json!({"attributes": {}});
    let d = denial_of(&r).expect("a denial");
    assert_eq!(
        d.principal.arn_with_path("/"),
        "arn:aws:iam::111122223333:role/Deploy"
    );
    assert_eq!(
        d.principal.arn_with_path("/ops/"),
        "arn:aws:iam::111122223333:role/ops/Deploy"
    );
}

#[test]
fn a_session_issuer_naming_another_role_or_account_is_not_believed() {
    let mut r = assumed_role_get_object();
    r["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] =
        json!("arn:aws:iam::999999999999:role/teams/Deploy");
    let d = denial_of(&r).expect("a denial");
    assert_eq!(
        d.principal.arn_with_path("/"),
        "arn:aws:iam::111122223333:role/Deploy"
    );
    r["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] =
        json!("arn:aws:iam::111122223333:role/teams/Admin");
    let d = denial_of(&r).expect("a denial");
    assert_eq!(
        d.principal.arn_with_path("/"),
        "arn:aws:iam::111122223333:role/Deploy"
    );
}

#[test]
fn an_iam_user_is_stored_under_its_arn_with_its_user_name() {
    let r = json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEID",
            "arn": "arn:aws:iam::111122223333:user/ci/builder",
            "accountId": "111122223333",
            "accessKeyId": "AKIAEXAMPLEKEY",
            "userName": "builder"
        },
        "eventTime": "2026-12-01T11:00:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "RunInstances",
        "awsRegion": "us-east-1",
        "errorCode": "Client.UnauthorizedOperation",
        "errorMessage": "You are not authorized to perform this operation.",
        "requestParameters": {"instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890"}]}},
        "responseElements": null,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    });
    let d = denial_of(&r).expect("a denial");
    assert_eq!(
        d.principal.arn_with_path("/"),
        "arn:aws:iam::111122223333:user/ci/builder"
    );
    assert_eq!(d.action, "ec2:RunInstances");
    assert_eq!(d.resource, "*", "no resource named: the wildcard");
    assert_eq!(d.error_code, "Client.UnauthorizedOperation");
    assert_eq!(d.who.as_deref(), Some("builder"));
}

#[test]
fn root_is_kept_and_named_root() {
    let r = json!({
        "userIdentity": {"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"},
        "eventTime": "2026-12-01T11:00:00Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "CreateUser",
        "awsRegion": "us-east-1",
        "errorCode": "AccessDenied",
        "requestParameters": {"userName": "x"}
    });
    let d = denial_of(&r).expect("a denial");
    assert_eq!(
        d.principal.arn_with_path("/"),
        "arn:aws:iam::111122223333:root"
    );
    assert_eq!(d.who.as_deref(), Some("root"));
    assert_eq!(d.action, "iam:CreateUser");
}

#[test]
fn aws_service_principals_and_account_only_callers_are_skipped() {
    let service = json!({
        "userIdentity": {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"},
        "eventTime": "2026-12-01T11:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "PutObject",
        "errorCode": "AccessDenied",
        "requestParameters": {"bucketName": "trail-logs"}
    });
    assert_eq!(denial_of(&service), Err(Skip::ServicePrincipal));
    let mut account = service.clone();
    account["userIdentity"] =
        json!({"type": "AWSAccount", "principalId": "AIDAEXAMPLE", "accountId": "444455556666"});
    assert_eq!(denial_of(&account), Err(Skip::NoPrincipal));
}

#[test]
fn a_role_call_made_through_a_service_is_the_roles_denial() {
    let mut r = assumed_role_get_object();
    r["userIdentity"]["invokedBy"] = json!("cloudformation.amazonaws.com");
    assert!(denial_of(&r).is_ok());
}

#[test]
fn only_denials_are_kept() {
    let mut r = assumed_role_get_object();
    r["errorCode"] = json!("NoSuchKey");
    assert_eq!(denial_of(&r), Err(Skip::NotDenial));
    r.as_object_mut().map(|o| o.remove("errorCode"));
    assert_eq!(denial_of(&r), Err(Skip::NotDenial));
    for code in [
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "Client.UnauthorizedOperation",
        "KMS.AccessDeniedException",
    ] {
        assert!(is_denial_code(code), "{code}");
    }
    for code in ["ThrottlingException", "Unauthorized", "accessdenied"] {
        assert!(!is_denial_code(code), "{code}");
    }
}

#[test]
fn other_partitions_keep_their_partition() {
    let r = json!({
        "userIdentity": {
            "type": "AssumedRole",
            "arn": "arn:aws-cn:sts::111122223333:assumed-role/Deploy/bob",
            "accountId": "111122223333"
        },
        "eventTime": "2026-12-01T11:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBucket",
        "awsRegion": "cn-north-1",
        "errorCode": "AccessDenied",
        "requestParameters": {"bucketName": "cn-reports"}
    });
    let d = denial_of(&r).expect("a denial");
    assert_eq!(
        d.principal.arn_with_path("/"),
        "arn:aws-cn:iam::111122223333:role/Deploy"
    );
    assert_eq!(d.resource, "arn:aws-cn:s3:::cn-reports");
    assert_eq!(d.who.as_deref(), Some("bob"));
}

#[test]
fn obvious_request_parameters_name_the_resource() {
    let mut r = assumed_role_get_object();
    r.as_object_mut().map(|o| o.remove("resources"));
    r["eventSource"] = json!("sqs.amazonaws.com");
    r["eventName"] = json!("SendMessage");
    r["requestParameters"] = json!({"queueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/orders", "messageBody": "HIDDEN_DUE_TO_SECURITY_REASONS"});
    assert_eq!(
        denial_of(&r).expect("a denial").resource,
        "arn:aws:sqs:eu-west-1:111122223333:orders"
    );
    r["eventSource"] = json!("sts.amazonaws.com");
    r["eventName"] = json!("AssumeRole");
    r["requestParameters"] =
        json!({"roleArn": "arn:aws:iam::444455556666:role/Reader", "roleSessionName": "x"});
    let d = denial_of(&r).expect("a denial");
    assert_eq!(
        (d.action.as_str(), d.resource.as_str()),
        ("sts:AssumeRole", "arn:aws:iam::444455556666:role/Reader")
    );
}

#[test]
fn event_sources_map_to_iam_prefixes() {
    assert_eq!(
        action_of("monitoring.amazonaws.com", "PutMetricData").as_deref(),
        Ok("cloudwatch:PutMetricData")
    );
    assert_eq!(
        action_of("kms.amazonaws.com", "Decrypt").as_deref(),
        Ok("kms:Decrypt")
    );
    assert!(action_of("", "X").is_err());
    assert!(action_of("s3.amazonaws.com", "Get Object; drop").is_err());
}

#[test]
fn broken_records_are_refused_not_guessed() {
    let mut r = assumed_role_get_object();
    r["userIdentity"]["arn"] = json!("arn:aws:sts::not-an-account:assumed-role/Deploy/x");
    assert!(matches!(denial_of(&r), Err(Skip::Malformed(_))));
    let mut r = assumed_role_get_object();
    r["resources"] = json!([{"ARN": "a".repeat(MAX_FIELD + 1)}]);
    assert!(matches!(denial_of(&r), Err(Skip::Malformed(_))));
}

#[test]
fn an_eventbridge_event_carries_the_record_in_detail_and_a_log_file_in_records() {
    let event = json!({
        "version": "0", "id": "c1", "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.s3", "account": "999999999999", "time": "2026-12-01T10:11:12Z",
        "region": "eu-west-1", "resources": [], "detail": assumed_role_get_object()
    });
    let d = denial_of(record_of_eventbridge(&event).expect("detail")).expect("a denial");
    assert_eq!(
        d.principal.account().as_str(),
        "111122223333",
        "the record, not the envelope"
    );
    assert!(record_of_eventbridge(&json!({"detail": "x"})).is_none());
    let file = json!({"Records": [assumed_role_get_object(), {"eventName": "x"}]});
    assert_eq!(records_of_log_file(&file).map(<[Value]>::len), Some(2));
}
