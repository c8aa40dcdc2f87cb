//! Unit tests of the parent module.
use super::*;
use serde_json::json;

#[test]
fn targets_are_classified_from_their_arn() {
    let cases = [
        ("arn:aws:iam::111111111111:role/app", TargetKind::Role),
        ("arn:aws:iam::111111111111:user/ci", TargetKind::User),
        (
            "arn:aws:iam::111111111111:policy/p",
            TargetKind::ManagedPolicy,
        ),
        (
            "arn:aws:sqs:us-east-1:111111111111:jobs",
            TargetKind::SqsQueue,
        ),
        (
            "arn:aws:sns:us-east-1:111111111111:alerts",
            TargetKind::SnsTopic,
        ),
    ];
    for (arn, kind) in cases {
        assert_eq!(TargetKind::of(arn), Ok(kind), "{arn}");
    }
    assert_eq!(
        TargetKind::of("arn:aws:s3:::logs"),
        Ok(TargetKind::S3Bucket)
    );
    assert!(TargetKind::of("arn:aws:s3:::logs/key").is_err());
    assert!(TargetKind::of("arn:aws:s3::111111111111:logs").is_err());
    assert!(TargetKind::of("arn:aws:s3:us-east-1::logs").is_err());
    assert!(TargetKind::of("arn:aws:iam::1234:role/x").is_err());
    assert!(TargetKind::of("role/x").is_err());
}

#[test]
fn a_trust_policy_change_only_fits_a_role() {
    let spec = ChangeSpec::TrustPolicyPut {
        document: json!({}),
    };
    assert!(spec.check_target(TargetKind::Role).is_ok());
    let err = spec.check_target(TargetKind::User).unwrap_err();
    assert_eq!(err.0, "target_arn");
    assert!(err.1.contains("cannot target a user"));
}

#[test]
fn resource_policies_fit_buckets_queues_and_topics_only() {
    let spec = ChangeSpec::ResourcePolicyPut {
        document: json!({}),
    };
    for k in [
        TargetKind::S3Bucket,
        TargetKind::SqsQueue,
        TargetKind::SnsTopic,
    ] {
        assert!(spec.check_target(k).is_ok());
    }
    assert!(spec.check_target(TargetKind::Role).is_err());
}

/// Why `spec` may not be made to a role: (field, message).
#[track_caller]
fn refusal_on_a_role(spec: &ChangeSpec) -> (String, String) {
    spec.check_target(TargetKind::Role).unwrap_err()
}

#[test]
fn bad_names_and_tags_name_the_field() {
    let bad = ChangeSpec::InlinePolicyDelete {
        policy_name: "no spaces".into(),
    };
    assert_eq!(refusal_on_a_role(&bad).0, "policy_name");
    let reserved = ChangeSpec::TagsPut {
        tags: vec![Tag {
            key: "aws:owner".into(),
            value: "x".into(),
        }],
    };
    assert!(refusal_on_a_role(&reserved).1.contains("reserved"));
    let attach = ChangeSpec::ManagedPolicyAttach {
        policy_arn: "ReadOnly".into(),
    };
    assert_eq!(refusal_on_a_role(&attach).0, "policy_arn");
    let aws_managed = ChangeSpec::ManagedPolicyAttach {
        policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
    };
    assert!(aws_managed.check_target(TargetKind::Role).is_ok());
}

#[test]
fn specs_round_trip_through_json_with_their_kind() {
    let spec = ChangeSpec::InlinePolicyPut {
        policy_name: "read".into(),
        document: json!({"Version": "2012-10-17", "Statement": []}),
    };
    let v = serde_json::to_value(&spec).unwrap();
    assert_eq!(v["kind"], "inline_policy_put");
    assert_eq!(serde_json::from_value::<ChangeSpec>(v).unwrap(), spec);
}

#[test]
fn only_document_changes_can_be_edited() {
    let put = ChangeSpec::TrustPolicyPut {
        document: json!({"a": 1}),
    };
    assert_eq!(
        put.with_document(json!({"b": 2})).unwrap().document(),
        Some(&json!({"b": 2}))
    );
    assert!(ChangeSpec::BoundaryDelete.with_document(json!({})).is_err());
}
