//! Grammar checks.

use super::*;
use crate::domain::policy::{check_policy, PolicyDocument, PolicyKind};

#[test]
fn a_least_privilege_policy_has_no_findings() {
    assert_eq!(codes(GOOD, PolicyKind::Inline), vec![]);
    let d = PolicyDocument::parse_identity_policy(GOOD).unwrap();
    assert_eq!(d.as_json()["Statement"][0]["Sid"], "Read");
    assert!(d.to_pretty().contains("\n  \"Statement\""));
}

#[test]
fn a_single_statement_object_and_a_condition_are_accepted() {
    let p = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}}"#;
    assert_eq!(errors(p, PolicyKind::Inline), Vec::<String>::new());
    assert!(PolicyDocument::parse_identity_policy(p).is_ok());
}

#[test]
fn bad_json_names_line_and_column() {
    let f = check_policy(
        "{\"Version\": \"2012-10-17\",\n \"Statement\": [}",
        PolicyKind::Inline,
    );
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].code.as_str(), f[0].line), ("json", 2));
    assert!(f[0].column > 1);
    assert!(f[0].to_string().starts_with("line 2, column"), "{}", f[0]);
}

#[test]
fn grammar_findings_point_at_the_line_of_the_element() {
    let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\",\n    \"Action\": [\"s3:GetObject\", \"s3:Gett*\"],\n    \"Resource\": \"*\"\n  }]\n}";
    let f = check_policy(text, PolicyKind::Inline);
    let bad = f.iter().find(|f| f.code == "unknown-action").unwrap();
    assert_eq!(bad.path, "Statement[0].Action[1]");
    assert_eq!((bad.line, bad.column), (5, 32));
}

#[test]
fn version_must_be_a_known_value() {
    assert!(errors(r#"{"Statement":[]}"#, PolicyKind::Inline).contains(&"version@Version".into()));
    let p = GOOD.replace("2012-10-17", "2020-01-01");
    assert!(errors(&p, PolicyKind::Inline).contains(&"version@Version".into()));
    let old = GOOD.replace("2012-10-17", "2008-10-17");
    assert_eq!(errors(&old, PolicyKind::Inline), Vec::<String>::new());
    assert!(warnings(&old, PolicyKind::Inline).contains(&"old-version@Version".into()));
}

#[test]
fn statement_must_be_present_and_non_empty() {
    let e = errors(r#"{"Version":"2012-10-17"}"#, PolicyKind::Inline);
    assert_has(&e, &["statement@Statement"]);
    let e = errors(
        r#"{"Version":"2012-10-17","Statement":[]}"#,
        PolicyKind::Inline,
    );
    assert_has(&e, &["statement@Statement"]);
    let e = errors(
        r#"{"Version":"2012-10-17","Statement":[1]}"#,
        PolicyKind::Inline,
    );
    assert_has(&e, &["statement@Statement[0]"]);
}

#[test]
fn unknown_top_level_and_statement_keys_are_errors() {
    let p = r#"{"Version":"2012-10-17","Foo":1,"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Bar":2}]}"#;
    let e = errors(p, PolicyKind::Inline);
    assert_has(&e, &["unknown-key@Foo", "unknown-key@Statement[0].Bar"]);
}

#[test]
fn non_object_documents_are_refused() {
    assert_eq!(
        errors("[]", PolicyKind::Inline),
        vec!["document@(document)"]
    );
}

#[test]
fn sids_must_be_unique_and_alphanumeric_in_iam_policies() {
    let p = inline(
        r#"{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:PutObject","Resource":"*"},{"Sid":"has space","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}"#,
    );
    let e = errors(&p, PolicyKind::Inline);
    assert_has(
        &e,
        &["duplicate-sid@Statement[1].Sid", "sid@Statement[2].Sid"],
    );
    // Resource policies allow other characters in a Sid.
    let bucket = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Allow reads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    assert_eq!(errors(bucket, PolicyKind::S3Bucket), Vec::<String>::new());
}

#[test]
fn effect_must_be_allow_or_deny() {
    for statement in [
        r#"{"Effect":"Permit","Action":"s3:GetObject","Resource":"*"}"#,
        r#"{"Action":"s3:GetObject","Resource":"*"}"#,
    ] {
        assert_errors(
            statement,
            PolicyKind::Inline,
            &["effect@Statement[0].Effect"],
        );
    }
}

#[test]
fn exactly_one_of_action_and_not_action_is_required() {
    let both = inline(r#"{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}"#);
    assert!(errors(&both, PolicyKind::Inline).contains(&"action@Statement[0]".into()));
    assert_errors(
        r#"{"Effect":"Allow","Resource":"*"}"#,
        PolicyKind::Inline,
        &["action@Statement[0].Action"],
    );
    assert_errors(
        r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#,
        PolicyKind::Inline,
        &["empty@Statement[0].Action"],
    );
}

#[test]
fn exactly_one_of_resource_and_not_resource_is_required_outside_trust_policies() {
    assert_errors(
        r#"{"Effect":"Allow","Action":"s3:GetObject"}"#,
        PolicyKind::Inline,
        &["resource@Statement[0].Resource"],
    );
    let both = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","NotResource":"arn:aws:s3:::b/*"}"#,
    );
    assert!(errors(&both, PolicyKind::Inline).contains(&"resource@Statement[0]".into()));
    assert_errors(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"bucket"}"#,
        PolicyKind::Inline,
        &["resource-arn@Statement[0].Resource"],
    );
}

#[test]
fn principal_is_forbidden_in_identity_policies() {
    let p = inline(r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#);
    for kind in [
        PolicyKind::Inline,
        PolicyKind::Managed,
        PolicyKind::Boundary,
    ] {
        assert_eq!(
            errors(&p, kind),
            vec!["principal-forbidden@Statement[0].Principal"]
        );
    }
}

#[test]
fn principal_is_required_in_trust_and_resource_policies() {
    assert_errors(
        r#"{"Effect":"Allow","Action":"sts:AssumeRole"}"#,
        PolicyKind::Trust,
        &["principal-required@Statement[0].Principal"],
    );
    assert_errors(
        r#"{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}"#,
        PolicyKind::SqsQueue,
        &["principal-required@Statement[0].Principal"],
    );
    let bad = inline(
        r#"{"Effect":"Allow","Principal":{"AWS":"bob","Robot":"x"},"Action":"sts:AssumeRole"}"#,
    );
    let e = errors(&bad, PolicyKind::Trust);
    assert_has(
        &e,
        &[
            "principal@Statement[0].Principal.AWS",
            "principal@Statement[0].Principal.Robot",
        ],
    );
}

#[test]
fn trust_policies_grant_only_sts_actions_and_have_no_resource() {
    let good = inline(
        r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}"#,
    );
    assert_eq!(codes(&good, PolicyKind::Trust), vec![]);
    let bad = inline(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}"#,
    );
    let e = errors(&bad, PolicyKind::Trust);
    assert_has(
        &e,
        &[
            "trust-action@Statement[0].Action",
            "resource-forbidden@Statement[0].Resource",
        ],
    );
}

#[test]
fn condition_operators_must_be_iam_operators() {
    let ok = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["team*"]},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"Null":{"aws:TokenIssueTime":"false"},"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}"#,
    );
    assert_eq!(errors(&ok, PolicyKind::Inline), Vec::<String>::new());
    let bad = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqual":{"aws:username":"bob"},"NullIfExists":{"aws:x":"true"},"ForSomeValues:StringLike":{"aws:y":"z"}}}"#,
    );
    let e = errors(&bad, PolicyKind::Inline);
    assert_has(
        &e,
        &[
            "condition-operator@Statement[0].Condition.StringEqual",
            "condition-operator@Statement[0].Condition.NullIfExists",
            "condition-operator@Statement[0].Condition.ForSomeValues:StringLike",
        ],
    );
}

#[test]
fn condition_values_must_fit_the_operator() {
    let bad = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"},"NumericEquals":{"s3:max-keys":"ten"},"Bool":{"aws:SecureTransport":"yes"},"IpAddress":{"aws:SourceIp":"10.0.0.0/33"},"ArnLike":{"aws:SourceArn":"role/x"},"StringEquals":{"nokey":"x","aws:y":[]}}}"#,
    );
    let e = errors(&bad, PolicyKind::Inline);
    assert_has(
        &e,
        &[
            "condition-value@Statement[0].Condition.DateLessThan.aws:CurrentTime",
            "condition-value@Statement[0].Condition.NumericEquals.s3:max-keys",
            "condition-value@Statement[0].Condition.Bool.aws:SecureTransport",
            "condition-value@Statement[0].Condition.IpAddress.aws:SourceIp",
            "condition-value@Statement[0].Condition.ArnLike.aws:SourceArn",
            "condition-key@Statement[0].Condition.StringEquals.nokey",
            "empty@Statement[0].Condition.StringEquals.aws:y",
        ],
    );
}

#[test]
fn duplicate_keys_are_errors() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    assert_eq!(
        errors(p, PolicyKind::Inline),
        vec!["duplicate-key@Statement[0].Effect"]
    );
}

#[test]
fn id_must_be_a_string() {
    let p = GOOD.replace(r#""Version""#, r#""Id":7,"Version""#);
    assert_eq!(errors(&p, PolicyKind::Inline), vec!["id@Id"]);
    let p = GOOD.replace(r#""Version""#, r#""Id":"my-policy","Version""#);
    assert_eq!(errors(&p, PolicyKind::Inline), Vec::<String>::new());
}

#[test]
fn principal_and_not_principal_together_are_refused_and_not_principal_with_allow_warns() {
    let both = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"NotPrincipal":{"AWS":"111122223333"},"Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:111122223333:t"}]}"#;
    assert!(errors(both, PolicyKind::SnsTopic).contains(&"principal@Statement[0]".into()));
    let not = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:111122223333:t"}]}"#;
    assert_eq!(errors(not, PolicyKind::SnsTopic), Vec::<String>::new());
    assert_eq!(
        warnings(not, PolicyKind::SnsTopic),
        vec!["allow-not-principal@Statement[0].NotPrincipal"]
    );
}
