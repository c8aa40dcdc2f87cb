//! One good and one bad policy (at least) for every check.

use super::super::{check_policy, PolicyDocument, PolicyKind, Severity};

fn codes(text: &str, kind: PolicyKind) -> Vec<(Severity, String, String)> {
    check_policy(text, kind)
        .into_iter()
        .map(|f| (f.severity, f.code, f.path))
        .collect()
}

fn errors(text: &str, kind: PolicyKind) -> Vec<String> {
    check_policy(text, kind)
        .into_iter()
        .filter(|f| f.is_error())
        .map(|f| format!("{}@{}", f.code, f.path))
        .collect()
}

fn warnings(text: &str, kind: PolicyKind) -> Vec<String> {
    check_policy(text, kind)
        .into_iter()
        .filter(|f| !f.is_error())
        .map(|f| format!("{}@{}", f.code, f.path))
        .collect()
}

fn inline(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

const GOOD: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:List*"],"Resource":["arn:aws:s3:::demo-bucket/*","arn:aws:s3:::demo-bucket"]}]}"#;

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
    assert!(e.contains(&"statement@Statement".into()), "{e:?}");
    let e = errors(
        r#"{"Version":"2012-10-17","Statement":[]}"#,
        PolicyKind::Inline,
    );
    assert!(e.contains(&"statement@Statement".into()), "{e:?}");
    let e = errors(
        r#"{"Version":"2012-10-17","Statement":[1]}"#,
        PolicyKind::Inline,
    );
    assert!(e.contains(&"statement@Statement[0]".into()), "{e:?}");
}

#[test]
fn unknown_top_level_and_statement_keys_are_errors() {
    let p = r#"{"Version":"2012-10-17","Foo":1,"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Bar":2}]}"#;
    let e = errors(p, PolicyKind::Inline);
    assert!(e.contains(&"unknown-key@Foo".into()), "{e:?}");
    assert!(e.contains(&"unknown-key@Statement[0].Bar".into()), "{e:?}");
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
    assert!(
        e.contains(&"duplicate-sid@Statement[1].Sid".into()),
        "{e:?}"
    );
    assert!(e.contains(&"sid@Statement[2].Sid".into()), "{e:?}");
    // Resource policies allow other characters in a Sid.
    let bucket = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Allow reads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    assert_eq!(errors(bucket, PolicyKind::S3Bucket), Vec::<String>::new());
}

#[test]
fn effect_must_be_allow_or_deny() {
    let e = errors(
        &inline(r#"{"Effect":"Permit","Action":"s3:GetObject","Resource":"*"}"#),
        PolicyKind::Inline,
    );
    assert_eq!(e, vec!["effect@Statement[0].Effect"]);
    let e = errors(
        &inline(r#"{"Action":"s3:GetObject","Resource":"*"}"#),
        PolicyKind::Inline,
    );
    assert_eq!(e, vec!["effect@Statement[0].Effect"]);
}

#[test]
fn exactly_one_of_action_and_not_action_is_required() {
    let both = inline(r#"{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}"#);
    assert!(errors(&both, PolicyKind::Inline).contains(&"action@Statement[0]".into()));
    let none = inline(r#"{"Effect":"Allow","Resource":"*"}"#);
    assert_eq!(
        errors(&none, PolicyKind::Inline),
        vec!["action@Statement[0].Action"]
    );
    let empty = inline(r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#);
    assert_eq!(
        errors(&empty, PolicyKind::Inline),
        vec!["empty@Statement[0].Action"]
    );
}

#[test]
fn exactly_one_of_resource_and_not_resource_is_required_outside_trust_policies() {
    let none = inline(r#"{"Effect":"Allow","Action":"s3:GetObject"}"#);
    assert_eq!(
        errors(&none, PolicyKind::Inline),
        vec!["resource@Statement[0].Resource"]
    );
    let both = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","NotResource":"arn:aws:s3:::b/*"}"#,
    );
    assert!(errors(&both, PolicyKind::Inline).contains(&"resource@Statement[0]".into()));
    let not_arn = inline(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"bucket"}"#);
    assert_eq!(
        errors(&not_arn, PolicyKind::Inline),
        vec!["resource-arn@Statement[0].Resource"]
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
    let trust = inline(r#"{"Effect":"Allow","Action":"sts:AssumeRole"}"#);
    assert_eq!(
        errors(&trust, PolicyKind::Trust),
        vec!["principal-required@Statement[0].Principal"]
    );
    let queue = inline(
        r#"{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}"#,
    );
    assert_eq!(
        errors(&queue, PolicyKind::SqsQueue),
        vec!["principal-required@Statement[0].Principal"]
    );
    let bad = inline(
        r#"{"Effect":"Allow","Principal":{"AWS":"bob","Robot":"x"},"Action":"sts:AssumeRole"}"#,
    );
    let e = errors(&bad, PolicyKind::Trust);
    assert!(
        e.contains(&"principal@Statement[0].Principal.AWS".into()),
        "{e:?}"
    );
    assert!(
        e.contains(&"principal@Statement[0].Principal.Robot".into()),
        "{e:?}"
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
    assert!(
        e.contains(&"trust-action@Statement[0].Action".into()),
        "{e:?}"
    );
    assert!(
        e.contains(&"resource-forbidden@Statement[0].Resource".into()),
        "{e:?}"
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
    for op in ["StringEqual", "NullIfExists", "ForSomeValues:StringLike"] {
        assert!(
            e.contains(&format!("condition-operator@Statement[0].Condition.{op}")),
            "{e:?}"
        );
    }
}

#[test]
fn condition_values_must_fit_the_operator() {
    let bad = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"},"NumericEquals":{"s3:max-keys":"ten"},"Bool":{"aws:SecureTransport":"yes"},"IpAddress":{"aws:SourceIp":"10.0.0.0/33"},"ArnLike":{"aws:SourceArn":"role/x"},"StringEquals":{"nokey":"x","aws:y":[]}}}"#,
    );
    let e = errors(&bad, PolicyKind::Inline);
    for p in [
        "condition-value@Statement[0].Condition.DateLessThan.aws:CurrentTime",
        "condition-value@Statement[0].Condition.NumericEquals.s3:max-keys",
        "condition-value@Statement[0].Condition.Bool.aws:SecureTransport",
        "condition-value@Statement[0].Condition.IpAddress.aws:SourceIp",
        "condition-value@Statement[0].Condition.ArnLike.aws:SourceArn",
        "condition-key@Statement[0].Condition.StringEquals.nokey",
        "empty@Statement[0].Condition.StringEquals.aws:y",
    ] {
        assert!(e.contains(&p.to_owned()), "{p} missing from {e:?}");
    }
}

#[test]
fn unknown_services_and_actions_are_errors_but_matching_wildcards_are_fine() {
    let ok = inline(
        r#"{"Effect":"Allow","Action":["s3:Get*","S3:listbucket","sqs:*Message"],"Resource":"*"}"#,
    );
    assert_eq!(errors(&ok, PolicyKind::Inline), Vec::<String>::new());
    let bad = inline(
        r#"{"Effect":"Allow","Action":["s3:Gett*","s3:GetObjekt","nosuch:Get","getobject","s3:Get Object"],"Resource":"*"}"#,
    );
    let e = errors(&bad, PolicyKind::Inline);
    assert_eq!(
        e,
        vec![
            "unknown-action@Statement[0].Action[0]",
            "unknown-action@Statement[0].Action[1]",
            "unknown-service@Statement[0].Action[2]",
            "action-syntax@Statement[0].Action[3]",
            "action-syntax@Statement[0].Action[4]",
        ]
    );
}

#[test]
fn object_actions_on_a_bucket_arn_are_a_resource_mismatch() {
    let bad = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::demo-bucket"}"#,
    );
    assert_eq!(
        errors(&bad, PolicyKind::Inline),
        vec!["resource-mismatch@Statement[0].Action"]
    );
    let list_on_objects = inline(
        r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::demo-bucket/*"}"#,
    );
    assert_eq!(
        errors(&list_on_objects, PolicyKind::Inline),
        vec!["resource-mismatch@Statement[0].Action"]
    );
}

#[test]
fn queue_actions_on_a_topic_arn_are_a_resource_mismatch() {
    let bad = inline(
        r#"{"Effect":"Allow","Action":["sqs:SendMessage","sns:Publish"],"Resource":"arn:aws:sns:us-east-1:111122223333:events"}"#,
    );
    assert_eq!(
        errors(&bad, PolicyKind::Inline),
        vec!["resource-mismatch@Statement[0].Action[0]"]
    );
}

#[test]
fn actions_that_take_only_star_warn_when_given_an_arn() {
    let p = inline(
        r#"{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::demo-bucket"}"#,
    );
    assert_eq!(errors(&p, PolicyKind::Inline), Vec::<String>::new());
    assert_eq!(
        warnings(&p, PolicyKind::Inline),
        vec!["resource-not-scopable@Statement[0].Action"]
    );
}

#[test]
fn size_limits_depend_on_the_kind() {
    let actions: Vec<String> = (0..420).map(|_| "\"s3:GetObject\"".to_owned()).collect();
    let p = inline(&format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        actions.join(",")
    ));
    // ~6,380 non-whitespace characters: over the managed limit, under the inline one.
    assert!(!errors(&p, PolicyKind::Inline)
        .iter()
        .any(|e| e.starts_with("size@")));
    assert!(errors(&p, PolicyKind::Managed).contains(&"size@(document)".into()));
    let spaced = p.replace(',', ",          ");
    assert!(!errors(&spaced, PolicyKind::Inline)
        .iter()
        .any(|e| e.starts_with("size@")));
    let big: Vec<String> = (0..700).map(|_| "\"s3:GetObject\"".to_owned()).collect();
    let p = inline(&format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        big.join(",")
    ));
    let f = check_policy(&p, PolicyKind::Inline);
    let size = f.iter().find(|f| f.code == "size").unwrap();
    assert!(size.message.contains("10240"), "{}", size.message);
}

#[test]
fn sqs_policies_hold_at_most_twenty_statements() {
    let st = r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}"#;
    let p = inline(&vec![st; 21].join(","));
    assert!(errors(&p, PolicyKind::SqsQueue).contains(&"statement-count@Statement".into()));
    let p = inline(&vec![st; 20].join(","));
    assert_eq!(errors(&p, PolicyKind::SqsQueue), Vec::<String>::new());
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
fn wildcard_actions_warn_and_are_high_risk() {
    let p = inline(r#"{"Effect":"Allow","Action":["*","s3:*"],"Resource":"arn:aws:s3:::b"}"#);
    let w = warnings(&p, PolicyKind::Inline);
    assert!(
        w.contains(&"action-wildcard-all@Statement[0].Action[0]".into()),
        "{w:?}"
    );
    assert!(
        w.contains(&"service-wildcard@Statement[0].Action[1]".into()),
        "{w:?}"
    );
    assert!(super::super::is_high_risk(&check_policy(
        &p,
        PolicyKind::Inline
    )));
    assert!(!super::super::is_high_risk(&check_policy(
        GOOD,
        PolicyKind::Inline
    )));
}

#[test]
fn write_actions_on_every_resource_warn_but_reads_do_not() {
    let w = warnings(
        &inline(r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}"#),
        PolicyKind::Inline,
    );
    assert_eq!(w, vec!["resource-wildcard-write@Statement[0].Resource"]);
    let w = warnings(
        &inline(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#),
        PolicyKind::Inline,
    );
    assert_eq!(w, Vec::<String>::new());
}

#[test]
fn pass_role_on_star_warns() {
    let w = warnings(
        &inline(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}"#),
        PolicyKind::Inline,
    );
    assert!(
        w.contains(&"passrole-wildcard@Statement[0].Action".into()),
        "{w:?}"
    );
    let w = warnings(
        &inline(
            r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/app"}"#,
        ),
        PolicyKind::Inline,
    );
    assert!(
        !w.iter().any(|x| x.starts_with("passrole-wildcard")),
        "{w:?}"
    );
}

#[test]
fn privilege_escalation_actions_warn_even_on_named_resources() {
    let w = warnings(
        &inline(
            r#"{"Effect":"Allow","Action":["iam:CreatePolicyVersion","iam:Attach*"],"Resource":"arn:aws:iam::111122223333:policy/p"}"#,
        ),
        PolicyKind::Inline,
    );
    assert!(
        w.contains(&"privilege-escalation@Statement[0].Action[0]".into()),
        "{w:?}"
    );
    assert!(
        w.contains(&"privilege-escalation@Statement[0].Action[1]".into()),
        "{w:?}"
    );
}

#[test]
fn pass_role_with_compute_creation_warns() {
    let p = inline(
        r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/app"},{"Effect":"Allow","Action":"lambda:CreateFunction","Resource":"*"}"#,
    );
    let w = warnings(&p, PolicyKind::Inline);
    assert!(
        w.contains(&"passrole-with-compute@Statement[1].Action".into()),
        "{w:?}"
    );
    let alone = inline(r#"{"Effect":"Allow","Action":"lambda:CreateFunction","Resource":"*"}"#);
    assert!(!warnings(&alone, PolicyKind::Inline)
        .iter()
        .any(|x| x.starts_with("passrole-with-compute")));
}

#[test]
fn public_principals_warn_unless_a_condition_restricts_them() {
    let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}]}"#;
    assert_eq!(
        warnings(public, PolicyKind::SqsQueue),
        vec!["public-principal@Statement[0].Principal"]
    );
    let restricted = public.replace(
        r#""Resource""#,
        r#""Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}},"Resource""#,
    );
    assert_eq!(
        warnings(&restricted, PolicyKind::SqsQueue),
        Vec::<String>::new()
    );
}

#[test]
fn allow_with_not_action_warns() {
    let w = warnings(
        &inline(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#),
        PolicyKind::Inline,
    );
    assert!(
        w.contains(&"allow-not-action@Statement[0].NotAction".into()),
        "{w:?}"
    );
}

#[test]
fn parse_separates_warnings_from_a_valid_document() {
    let p = inline(r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}"#);
    let checked = PolicyDocument::parse(&p, PolicyKind::Inline).unwrap();
    assert_eq!(checked.warnings.len(), 1);
    assert!(checked.is_high_risk());
    assert_eq!(checked.doc.statements()[0].actions(), ["s3:PutObject"]);
    let err =
        PolicyDocument::parse(&inline(r#"{"Effect":"Allow"}"#), PolicyKind::Inline).unwrap_err();
    assert!(err.iter().any(|f| f.is_error()));
}

#[test]
fn legacy_check_identity_policy_returns_only_errors() {
    let v: serde_json::Value =
        serde_json::from_str(&inline(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#)).unwrap();
    assert!(super::super::check_identity_policy(&v).is_empty());
    let v: serde_json::Value = serde_json::from_str(&inline(
        r#"{"Effect":"Allow","Action":"s3:Nope","Resource":"*"}"#,
    ))
    .unwrap();
    assert_eq!(super::super::check_identity_policy(&v).len(), 1);
}

mod parser_properties {
    use super::super::super::{check_policy, PolicyDocument, PolicyKind};
    use proptest::prelude::*;
    use serde_json::Value;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            prop_oneof![
                Just("2012-10-17".to_owned()),
                Just("Allow".to_owned()),
                Just("Deny".to_owned()),
                Just("*".to_owned()),
                Just("s3:GetObject".to_owned()),
                Just("arn:aws:s3:::b/*".to_owned()),
                ".{0,12}",
            ]
            .prop_map(Value::String),
        ];
        let keys = prop_oneof![
            Just("Version".to_owned()),
            Just("Statement".to_owned()),
            Just("Effect".to_owned()),
            Just("Action".to_owned()),
            Just("Resource".to_owned()),
            Just("Principal".to_owned()),
            Just("Condition".to_owned()),
            Just("Sid".to_owned()),
            "[A-Za-z:]{1,8}",
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((keys.clone(), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn checking_random_json_never_panics(v in json(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&v).unwrap_or_default() } else { v.to_string() };
            for kind in PolicyKind::ALL {
                let _ = check_policy(&text, kind);
                let _ = PolicyDocument::parse(&text, kind);
            }
        }

        #[test]
        fn checking_random_text_never_panics(text in "\\PC{0,64}") {
            let _ = check_policy(&text, PolicyKind::Inline);
        }

        #[test]
        fn parse_serialise_parse_is_stable(
            actions in prop::collection::vec(prop::sample::select(vec!["s3:GetObject", "s3:Get*", "sqs:SendMessage", "kms:Decrypt"]), 1..4),
            resources in prop::collection::vec(prop::sample::select(vec!["*", "arn:aws:s3:::b/*", "arn:aws:sqs:us-east-1:111122223333:q"]), 1..3),
            deny in any::<bool>(),
            single in any::<bool>(),
        ) {
            let st = serde_json::json!({
                "Effect": if deny { "Deny" } else { "Allow" },
                "Action": actions,
                "Resource": resources,
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            });
            let doc = if single {
                serde_json::json!({"Version": "2012-10-17", "Statement": st})
            } else {
                serde_json::json!({"Version": "2012-10-17", "Statement": [st]})
            };
            let first = PolicyDocument::parse(&doc.to_string(), PolicyKind::Inline);
            if let Ok(first) = first {
                let again = PolicyDocument::parse(&first.doc.to_pretty(), PolicyKind::Inline);
                prop_assert!(again.is_ok());
                if let Ok(again) = again {
                    prop_assert_eq!(&again.doc, &first.doc);
                    prop_assert_eq!(again.doc.to_compact(), first.doc.to_compact());
                }
            }
        }
    }
}
