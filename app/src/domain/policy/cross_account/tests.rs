//! Cross-account generation for buckets, queues, topics and roles, and idempotent adds.

use super::*;
use crate::domain::policy::{
    check_policy, generate, with_expiry, ActionGroup, Intent, PolicyKind, ResourceTarget,
};

const ME: &str = "arn:aws:iam::111111111111:role/app";
const OTHER: &str = "222222222222";

fn owner(bucket: &str) -> Option<AccountId> {
    match bucket {
        "theirs" => AccountId::parse(OTHER).ok(),
        "mine" => AccountId::parse("111111111111").ok(),
        _ => None,
    }
}

fn gen(arn: &str, prefix: Option<&str>, groups: &[ActionGroup]) -> Vec<Statement> {
    generate(&[Intent {
        resource: ResourceTarget::from_arn(arn, prefix).unwrap(),
        groups: groups.to_vec(),
        custom_actions: vec![],
    }])
    .unwrap()
}

/// Sending to the queue `jobs` in the other account.
fn send_to_jobs() -> Vec<Statement> {
    gen(
        "arn:aws:sqs:us-east-1:222222222222:jobs",
        None,
        &[ActionGroup::SqsSend],
    )
}

fn check(change: &GeneratedResourceChange) {
    let doc = add_statement_to_resource_policy(None, &change.statement);
    let f = check_policy(&doc.to_pretty(), change.kind.policy_kind());
    assert_eq!(f, vec![], "{}", doc.to_pretty());
}

#[test]
fn a_bucket_in_another_account_gets_a_bucket_policy_statement() {
    let st = gen(
        "arn:aws:s3:::theirs",
        Some("in/"),
        &[ActionGroup::S3Get, ActionGroup::S3List],
    );
    let changes = cross_account_changes(ME, &st, &owner);
    assert_eq!(changes.len(), 2, "{changes:?}");
    for c in &changes {
        assert_eq!(c.kind, ResourcePolicyKind::S3BucketPolicy);
        assert_eq!(c.resource_arn, "arn:aws:s3:::theirs");
        assert_eq!(c.account_id.as_str(), OTHER);
        assert_eq!(c.statement.principal, Some(Principal::aws(ME)));
        check(c);
    }
    let list = changes
        .iter()
        .find(|c| c.statement.actions() == ["s3:ListBucket"])
        .unwrap();
    assert_eq!(
        list.statement.to_value()["Condition"]["StringLike"]["s3:prefix"],
        "in/*"
    );
}

#[test]
fn resources_in_the_principals_own_account_need_no_change() {
    let st = gen("arn:aws:s3:::mine", None, &[ActionGroup::S3Get]);
    assert!(cross_account_changes(ME, &st, &owner).is_empty());
    let st = gen(
        "arn:aws:sqs:us-east-1:111111111111:q",
        None,
        &[ActionGroup::SqsSend],
    );
    assert!(cross_account_changes(ME, &st, &owner).is_empty());
}

#[test]
fn buckets_of_unknown_owner_are_skipped() {
    let st = gen("arn:aws:s3:::unknown", None, &[ActionGroup::S3Get]);
    assert!(cross_account_changes(ME, &st, &owner).is_empty());
}

#[test]
fn queues_and_topics_in_another_account_get_their_policy_statements() {
    let q = "arn:aws:sqs:us-east-1:222222222222:jobs";
    let t = "arn:aws:sns:us-east-1:222222222222:events";
    let mut st = gen(q, None, &[ActionGroup::SqsSend, ActionGroup::SqsReceive]);
    st.extend(gen(t, None, &[ActionGroup::SnsPublish]));
    let changes = cross_account_changes(ME, &st, &owner);
    assert_eq!(changes.len(), 2);
    let queue = changes
        .iter()
        .find(|c| c.kind == ResourcePolicyKind::SqsQueuePolicy)
        .unwrap();
    assert_eq!(queue.resource_arn, q);
    assert_eq!(
        queue.statement.actions(),
        [
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueUrl",
            "sqs:ReceiveMessage",
            "sqs:SendMessage"
        ]
    );
    assert_eq!(queue.statement.resources(), [q]);
    let topic = changes
        .iter()
        .find(|c| c.kind == ResourcePolicyKind::SnsTopicPolicy)
        .unwrap();
    assert_eq!(topic.statement.actions(), ["sns:Publish"]);
    for c in &changes {
        check(c);
    }
}

#[test]
fn assuming_a_role_in_another_account_needs_its_trust_policy() {
    let role = "arn:aws:iam::222222222222:role/deployer";
    let st = gen(role, None, &[ActionGroup::StsAssumeRole]);
    let changes = cross_account_changes(ME, &st, &owner);
    assert_eq!(changes.len(), 1);
    let c = &changes[0];
    assert_eq!(
        (c.kind, c.resource_arn.as_str()),
        (ResourcePolicyKind::TrustPolicy, role)
    );
    assert_eq!(c.statement.actions(), ["sts:AssumeRole"]);
    assert_eq!(c.statement.resource, None);
    check(c);
}

#[test]
fn expiry_conditions_carry_over_to_the_resource_side() {
    let st = with_expiry(&send_to_jobs(), 1_795_600_800);
    let changes = cross_account_changes(ME, &st, &owner);
    assert_eq!(
        changes[0].statement.to_value()["Condition"]["DateLessThan"]["aws:CurrentTime"],
        "2026-11-25T10:00:00Z"
    );
}

#[test]
fn a_principal_without_an_account_yields_nothing() {
    let st = send_to_jobs();
    assert!(cross_account_changes("bob", &st, &owner).is_empty());
}

#[test]
fn adding_the_same_statement_twice_changes_nothing() {
    let st = send_to_jobs();
    let c = &cross_account_changes(ME, &st, &owner)[0];
    let existing = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Mine","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:222222222222:jobs"}]}"#,
        PolicyKind::SqsQueue,
    )
    .unwrap()
    .doc;
    let once = add_statement_to_resource_policy(Some(&existing), &c.statement);
    assert_eq!(once.statements().len(), 2);
    assert_eq!(once.statements()[0], existing.statements()[0]);
    assert_eq!(
        add_statement_to_resource_policy(Some(&once), &c.statement),
        once
    );
    assert_eq!(
        check_policy(&once.to_pretty(), PolicyKind::SqsQueue),
        vec![]
    );
}

#[test]
fn wildcard_resources_name_no_single_resource_and_are_skipped() {
    let st = vec![Statement::allow(
        vec!["sqs:SendMessage".into(), "s3:GetObject".into()],
        vec![
            "arn:aws:sqs:us-east-1:222222222222:*".into(),
            "arn:aws:s3:::their*/x".into(),
        ],
    )];
    assert!(cross_account_changes(ME, &st, &|_| AccountId::parse(OTHER).ok()).is_empty());
}
