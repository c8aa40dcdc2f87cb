//! Merge and minimisation: coverage by wildcards, wider resources, conditions; determinism.

use super::merge;
use crate::domain::policy::{
    check_policy, generate, with_expiry, ActionGroup, Intent, PolicyDocument, PolicyKind,
    ResourceTarget, Statement,
};
use crate::domain::Partition;

fn doc(text: &str) -> PolicyDocument {
    PolicyDocument::parse(text, PolicyKind::Inline).unwrap().doc
}

fn bucket_intent(groups: &[ActionGroup]) -> Vec<Statement> {
    generate(&[Intent {
        resource: ResourceTarget::S3Bucket {
            bucket: "demo-bucket".into(),
            prefix: None,
            partition: Partition::Aws,
        },
        groups: groups.to_vec(),
        custom_actions: vec![],
    }])
    .unwrap()
}

#[test]
fn merging_into_nothing_gives_the_new_statements() {
    let new = bucket_intent(&[ActionGroup::S3Get]);
    let out = merge(None, &new);
    assert_eq!(out.statements(), new.as_slice());
    assert_eq!(check_policy(&out.to_pretty(), PolicyKind::Inline), vec![]);
}

#[test]
fn actions_already_granted_by_a_wildcard_are_dropped() {
    let existing = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Old","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::demo-bucket/*"}]}"#,
    );
    let out = merge(Some(&existing), &bucket_intent(&[ActionGroup::S3Get]));
    assert_eq!(out, existing);
}

#[test]
fn a_grant_on_a_wider_resource_covers_a_narrower_request() {
    let existing = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:*:111122223333:*"}]}"#,
    );
    let new = generate(&[Intent {
        resource: ResourceTarget::from_arn("arn:aws:sqs:us-east-1:111122223333:jobs", None)
            .unwrap(),
        groups: vec![ActionGroup::SqsSend],
        custom_actions: vec![],
    }])
    .unwrap();
    assert_eq!(merge(Some(&existing), &new).statements().len(), 1);
}

#[test]
fn a_grant_on_another_resource_does_not_cover_the_request() {
    let existing = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}]}"#,
    );
    let out = merge(Some(&existing), &bucket_intent(&[ActionGroup::S3Get]));
    assert_eq!(out.statements().len(), 2);
    assert_eq!(out.statements()[0], existing.statements()[0]);
}

#[test]
fn only_the_missing_actions_are_added_to_a_statement_with_the_same_scope() {
    let existing = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Old","Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::demo-bucket/*"}]}"#,
    );
    let out = merge(Some(&existing), &bucket_intent(&[ActionGroup::S3Get]));
    assert_eq!(out.statements().len(), 1, "{}", out.to_pretty());
    let st = &out.statements()[0];
    assert_eq!(st.sid.as_deref(), Some("Old"));
    assert_eq!(
        st.actions(),
        [
            "s3:GetObject",
            "s3:GetObjectTagging",
            "s3:GetObjectVersion",
            "s3:GetObjectVersionTagging",
            "s3:PutObject"
        ]
    );
    assert_eq!(check_policy(&out.to_pretty(), PolicyKind::Inline), vec![]);
}

#[test]
fn a_deny_never_counts_as_a_grant() {
    let existing = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
    );
    let out = merge(Some(&existing), &bucket_intent(&[ActionGroup::S3Get]));
    assert_eq!(out.statements().len(), 2);
}

#[test]
fn an_expiring_request_is_covered_by_a_permanent_grant_but_not_the_reverse() {
    let permanent = bucket_intent(&[ActionGroup::S3Get]);
    let expiring = with_expiry(&permanent, 1_795_600_800);
    let out = merge(Some(&PolicyDocument::new(permanent.clone())), &expiring);
    assert_eq!(out.statements(), permanent.as_slice());
    let out = merge(Some(&PolicyDocument::new(expiring.clone())), &permanent);
    assert_eq!(out.statements().len(), 2);
    assert_eq!(check_policy(&out.to_pretty(), PolicyKind::Inline), vec![]);
}

#[test]
fn merging_is_deterministic_and_idempotent() {
    let existing = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}]}"#,
    );
    let new = bucket_intent(&[ActionGroup::S3Get, ActionGroup::S3List, ActionGroup::S3Put]);
    let once = merge(Some(&existing), &new);
    assert_eq!(once.to_compact(), merge(Some(&existing), &new).to_compact());
    assert_eq!(merge(Some(&once), &new), once);
    assert_eq!(check_policy(&once.to_pretty(), PolicyKind::Inline), vec![]);
}

#[test]
fn new_statements_never_reuse_an_existing_sid() {
    let new = bucket_intent(&[ActionGroup::S3Get]);
    let sid = new[0].sid.clone().unwrap();
    let clash = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}","Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}}]}}"#
    );
    let out = merge(Some(&doc(&clash)), &new);
    assert_eq!(out.statements()[1].sid, Some(format!("{sid}2")));
    assert_eq!(check_policy(&out.to_pretty(), PolicyKind::Inline), vec![]);
}

#[test]
fn actions_covered_by_a_wildcard_in_the_same_statement_are_removed() {
    let existing = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Old","Effect":"Allow","Action":["s3:Put*"],"Resource":"arn:aws:s3:::demo-bucket/*"}]}"#,
    );
    let mut new = bucket_intent(&[ActionGroup::S3Get]);
    new[0].action.as_mut().unwrap().push("s3:PutObject".into());
    let out = merge(Some(&existing), &new);
    let st = &out.statements()[0];
    assert!(st.actions().contains(&"s3:Put*".to_owned()));
    assert!(
        !st.actions().contains(&"s3:PutObject".to_owned()),
        "{:?}",
        st.actions()
    );
}

#[test]
fn actions_granted_by_the_principals_other_policies_are_not_requested_again() {
    let managed = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject*","Resource":"arn:aws:s3:::*"}]}"#,
    );
    let new = bucket_intent(&[ActionGroup::S3Get, ActionGroup::S3Put]);
    let out = super::merge_with(None, &[&managed], &new);
    let actions: Vec<&String> = out.statements().iter().flat_map(|s| s.actions()).collect();
    assert!(
        actions.iter().all(|a| a.starts_with("s3:Put")
            || a.starts_with("s3:AbortM")
            || a.starts_with("s3:ListM")),
        "{actions:?}"
    );
    assert_eq!(check_policy(&out.to_pretty(), PolicyKind::Inline), vec![]);
}

#[test]
fn statements_of_the_existing_policy_keep_the_form_they_were_written_in() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Mine","Effect":"Allow","Action":["sqs:SendMessage"],"Resource":["arn:aws:sqs:us-east-1:111122223333:q"]}]}"#;
    let existing = doc(text);
    assert_eq!(existing.to_compact(), text);
    let out = merge(Some(&existing), &bucket_intent(&[ActionGroup::S3Get]));
    assert_eq!(
        out.as_json()["Statement"][0],
        existing.as_json()["Statement"][0]
    );
    assert_eq!(out.statements().len(), 2);
    let new = &out.as_json()["Statement"][1];
    assert_eq!(new["Resource"], "arn:aws:s3:::demo-bucket/*");
}
