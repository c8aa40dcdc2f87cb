//! Catalogue, resource type, size and risk checks.

use super::*;
use crate::domain::policy::{check_policy, PolicyDocument, PolicyKind};

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

/// Asserts that `statement`, alone in an inline policy, puts the action at
/// `action` (`Action`, `Action[0]`...) on a resource of the wrong type, and
/// that nothing else is wrong with it.
#[track_caller]
fn assert_resource_mismatch(statement: &str, action: &str) {
    assert_eq!(
        errors(&inline(statement), PolicyKind::Inline),
        vec![format!("resource-mismatch@Statement[0].{action}")],
        "{statement}"
    );
}

#[test]
fn object_actions_on_a_bucket_arn_are_a_resource_mismatch() {
    assert_resource_mismatch(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::demo-bucket"}"#,
        "Action",
    );
    // and the other way round: listing on object ARNs
    assert_resource_mismatch(
        r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::demo-bucket/*"}"#,
        "Action",
    );
}

#[test]
fn queue_actions_on_a_topic_arn_are_a_resource_mismatch() {
    assert_resource_mismatch(
        r#"{"Effect":"Allow","Action":["sqs:SendMessage","sns:Publish"],"Resource":"arn:aws:sns:us-east-1:111122223333:events"}"#,
        "Action[0]",
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
fn wildcard_actions_warn_and_are_high_risk() {
    let p = inline(r#"{"Effect":"Allow","Action":["*","s3:*"],"Resource":"arn:aws:s3:::b"}"#);
    let w = warnings(&p, PolicyKind::Inline);
    assert_has(
        &w,
        &[
            "action-wildcard-all@Statement[0].Action[0]",
            "service-wildcard@Statement[0].Action[1]",
        ],
    );
    assert!(crate::domain::policy::is_high_risk(&check_policy(
        &p,
        PolicyKind::Inline
    )));
    assert!(!crate::domain::policy::is_high_risk(&check_policy(
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
    assert_has(&w, &["passrole-wildcard@Statement[0].Action"]);
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
    assert_has(
        &w,
        &[
            "privilege-escalation@Statement[0].Action[0]",
            "privilege-escalation@Statement[0].Action[1]",
        ],
    );
}

#[test]
fn pass_role_with_compute_creation_warns() {
    let p = inline(
        r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/app"},{"Effect":"Allow","Action":"lambda:CreateFunction","Resource":"*"}"#,
    );
    let w = warnings(&p, PolicyKind::Inline);
    assert_has(&w, &["passrole-with-compute@Statement[1].Action"]);
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
    assert_has(&w, &["allow-not-action@Statement[0].NotAction"]);
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
    assert!(crate::domain::policy::check_identity_policy(&v).is_empty());
    let v: serde_json::Value = serde_json::from_str(&inline(
        r#"{"Effect":"Allow","Action":"s3:Nope","Resource":"*"}"#,
    ))
    .unwrap();
    assert_eq!(crate::domain::policy::check_identity_policy(&v).len(), 1);
}

#[test]
fn allow_with_not_resource_warns_but_deny_does_not() {
    let allow = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secret/*"}"#,
    );
    assert_eq!(
        warnings(&allow, PolicyKind::Inline),
        vec!["allow-not-resource@Statement[0].NotResource"]
    );
    let deny = allow.replace("Allow", "Deny");
    assert_eq!(codes(&deny, PolicyKind::Inline), vec![]);
}

#[test]
fn deny_statements_raise_no_risk_warnings() {
    let p = inline(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#);
    assert_eq!(codes(&p, PolicyKind::Inline), vec![]);
}

#[test]
fn policy_variables_in_resources_are_accepted_as_wildcards() {
    let p = inline(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#,
    );
    assert_eq!(codes(&p, PolicyKind::Inline), vec![]);
}

#[test]
fn every_policy_kind_has_a_size_limit_and_identity_kinds_forbid_principal() {
    for kind in PolicyKind::ALL {
        let limit = match kind.size_rule() {
            crate::domain::policy::SizeRule::NonWhitespaceChars(n)
            | crate::domain::policy::SizeRule::CompactBytes(n) => n,
        };
        assert!((2_048..=30_720).contains(&limit), "{kind:?}");
        assert_eq!(
            kind.is_identity(),
            !kind.is_resource() && kind != PolicyKind::Trust
        );
    }
}

#[test]
fn sqs_statements_list_at_most_seven_actions() {
    let acts = [
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessage",
        "GetQueueUrl",
        "GetQueueAttributes",
        "ChangeMessageVisibility",
        "PurgeQueue",
        "ListQueueTags",
    ];
    let st = |n: usize| {
        let list: Vec<String> = acts[..n].iter().map(|a| format!("\"sqs:{a}\"")).collect();
        inline(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":[{}],"Resource":"arn:aws:sqs:us-east-1:111122223333:q"}}"#,
            list.join(",")
        ))
    };
    assert_eq!(errors(&st(7), PolicyKind::SqsQueue), Vec::<String>::new());
    assert_eq!(
        errors(&st(8), PolicyKind::SqsQueue),
        vec!["action-count@Statement[0].Action"]
    );
    assert!(!errors(&st(8), PolicyKind::Inline)
        .iter()
        .any(|e| e.starts_with("action-count")));
}

#[test]
fn a_document_with_too_many_wildcard_patterns_is_refused_unanalysed() {
    let many: Vec<String> = (0..51).map(|i| format!("\"s3:Get*{i}\"")).collect();
    let p = inline(&format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        many.join(",")
    ));
    let f = check_policy(&p, PolicyKind::Inline);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, "too-many-wildcards");
    // Repeats of one pattern count once and are checked once.
    let same = vec!["\"s3:Get*\""; 500].join(",");
    let p = inline(&format!(
        r#"{{"Effect":"Allow","Action":[{same}],"Resource":"*"}}"#
    ));
    assert!(!check_policy(&p, PolicyKind::Inline)
        .iter()
        .any(|f| f.is_error()));
}
