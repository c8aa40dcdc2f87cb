//! Generation from intents: every action group, prefixes, custom actions, URL encoding.

use super::*;
use crate::domain::policy::{check_policy, PolicyDocument, PolicyKind};
use crate::domain::Partition;

const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:jobs";
const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:events";
const ROLE: &str = "arn:aws:iam::111122223333:role/deployer";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";

fn bucket(prefix: Option<&str>) -> ResourceTarget {
    ResourceTarget::S3Bucket {
        bucket: "demo-bucket".into(),
        prefix: prefix.map(str::to_owned),
        partition: Partition::Aws,
    }
}

fn intent(resource: ResourceTarget, groups: &[ActionGroup]) -> Intent {
    Intent {
        resource,
        groups: groups.to_vec(),
        custom_actions: vec![],
    }
}

/// A sample target for each group.
fn target_for(g: ActionGroup) -> ResourceTarget {
    match g.service() {
        "s3" => bucket(Some("reports/")),
        "sqs" => ResourceTarget::from_arn(QUEUE, None).unwrap(),
        "sns" => ResourceTarget::from_arn(TOPIC, None).unwrap(),
        "iam" => ResourceTarget::from_arn(ROLE, None).unwrap(),
        "kms" => ResourceTarget::from_arn(KEY, None).unwrap(),
        _ => ResourceTarget::from_arn(SECRET, None).unwrap(),
    }
}

fn as_doc(statements: Vec<Statement>) -> String {
    PolicyDocument::new(statements).to_pretty()
}

#[test]
fn every_action_group_generates_a_policy_without_findings() {
    for g in ActionGroup::ALL {
        let st = generate(&[intent(target_for(g), &[g])]).unwrap();
        let text = as_doc(st.clone());
        assert_eq!(
            check_policy(&text, PolicyKind::Inline),
            vec![],
            "{g:?}: {text}"
        );
        let granted: Vec<&str> = st
            .iter()
            .flat_map(|s| s.actions())
            .map(String::as_str)
            .collect();
        let mut want = g.actions().to_vec();
        want.sort_by_key(|a| a.to_ascii_lowercase());
        assert_eq!(granted, want, "{g:?}");
        assert!(
            st.iter().all(|s| !s.resources().contains(&"*".to_owned())),
            "{g:?}"
        );
    }
}

#[test]
fn s3_get_with_prefix_grants_only_objects_under_it() {
    let st = generate(&[intent(bucket(Some("reports/")), &[ActionGroup::S3Get])]).unwrap();
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].resources(), ["arn:aws:s3:::demo-bucket/reports/*"]);
    assert!(st[0].condition.is_empty());
}

#[test]
fn s3_list_with_prefix_is_limited_by_an_s3_prefix_condition_on_the_bucket() {
    let st = generate(&[intent(bucket(Some("reports/")), &[ActionGroup::S3List])]).unwrap();
    let v = st[0].to_value();
    assert_eq!(v["Resource"], "arn:aws:s3:::demo-bucket");
    assert_eq!(v["Action"], "s3:ListBucket");
    assert_eq!(v["Condition"]["StringLike"]["s3:prefix"], "reports/*");
    let whole = generate(&[intent(bucket(None), &[ActionGroup::S3List])]).unwrap();
    assert!(whole[0].condition.is_empty());
}

#[test]
fn object_groups_on_one_bucket_share_one_statement() {
    let st = generate(&[intent(
        bucket(None),
        &[
            ActionGroup::S3Put,
            ActionGroup::S3Get,
            ActionGroup::S3List,
            ActionGroup::S3Delete,
        ],
    )])
    .unwrap();
    assert_eq!(st.len(), 2, "{st:?}");
    let objects = st
        .iter()
        .find(|s| s.resources() == ["arn:aws:s3:::demo-bucket/*"])
        .unwrap();
    assert_eq!(objects.actions().len(), 12);
    assert!(objects
        .actions()
        .windows(2)
        .all(|w| w[0].to_lowercase() < w[1].to_lowercase()));
}

#[test]
fn sqs_groups_share_get_queue_url_once() {
    let st = generate(&[intent(
        target_for(ActionGroup::SqsSend),
        &[
            ActionGroup::SqsSend,
            ActionGroup::SqsReceive,
            ActionGroup::SqsDelete,
        ],
    )])
    .unwrap();
    assert_eq!(st.len(), 1);
    assert_eq!(
        st[0]
            .actions()
            .iter()
            .filter(|a| *a == "sqs:GetQueueUrl")
            .count(),
        1
    );
    assert_eq!(st[0].resources(), [QUEUE]);
}

#[test]
fn sids_are_derived_from_content_and_stable() {
    let a = generate(&[intent(bucket(None), &[ActionGroup::S3Get])]).unwrap();
    let b = generate(&[intent(bucket(None), &[ActionGroup::S3Get])]).unwrap();
    let c = generate(&[intent(bucket(None), &[ActionGroup::S3Put])]).unwrap();
    assert_eq!(a[0].sid, b[0].sid);
    assert_ne!(a[0].sid, c[0].sid);
    let sid = a[0].sid.clone().unwrap();
    assert!(sid.starts_with("LatchkeyS3") && sid.chars().all(|c| c.is_ascii_alphanumeric()));
}

#[test]
fn a_group_on_the_wrong_kind_of_resource_is_refused() {
    let err = generate(&[intent(
        target_for(ActionGroup::SnsPublish),
        &[ActionGroup::SqsSend],
    )]);
    assert!(
        matches!(err, Err(IntentError::WrongTarget { .. })),
        "{err:?}"
    );
    assert_eq!(
        generate(&[intent(bucket(None), &[])]),
        Err(IntentError::Empty)
    );
}

#[test]
fn custom_actions_take_the_catalogue_spelling_and_the_matching_arn() {
    let mut i = intent(bucket(Some("logs/")), &[]);
    i.custom_actions = vec![
        "s3:getobjectattributes".into(),
        "s3:GetBucketLocation".into(),
    ];
    let st = generate(&[i]).unwrap();
    let text = as_doc(st.clone());
    assert_eq!(check_policy(&text, PolicyKind::Inline), vec![], "{text}");
    let obj = st
        .iter()
        .find(|s| s.actions() == ["s3:GetObjectAttributes"])
        .unwrap();
    assert_eq!(obj.resources(), ["arn:aws:s3:::demo-bucket/logs/*"]);
    let b = st
        .iter()
        .find(|s| s.actions() == ["s3:GetBucketLocation"])
        .unwrap();
    assert_eq!(b.resources(), ["arn:aws:s3:::demo-bucket"]);
}

#[test]
fn unknown_or_mismatched_custom_actions_are_refused() {
    let mut i = intent(bucket(None), &[]);
    i.custom_actions = vec!["s3:GetObjekt".into()];
    assert_eq!(
        generate(&[i.clone()]),
        Err(IntentError::UnknownAction("s3:GetObjekt".into()))
    );
    i.custom_actions = vec!["sqs:SendMessage".into()];
    assert!(matches!(
        generate(&[i]),
        Err(IntentError::CustomActionMismatch { .. })
    ));
}

#[test]
fn targets_are_typed_from_their_arn() {
    assert_eq!(
        ResourceTarget::from_arn("arn:aws:s3:::demo-bucket", Some("a/")).unwrap(),
        bucket(Some("a/"))
    );
    assert!(matches!(
        ResourceTarget::from_arn(QUEUE, None),
        Ok(ResourceTarget::SqsQueue { .. })
    ));
    assert!(matches!(
        ResourceTarget::from_arn(ROLE, None),
        Ok(ResourceTarget::IamRole { .. })
    ));
    assert!(matches!(
        ResourceTarget::from_arn("arn:aws:dynamodb:us-east-1:111122223333:table/t", None),
        Ok(ResourceTarget::Arn { .. })
    ));
    assert!(ResourceTarget::from_arn("arn:aws:s3:::Bad_Bucket", None).is_err());
    assert!(ResourceTarget::from_arn("not-an-arn", None).is_err());
    assert!(ResourceTarget::from_arn("arn:aws:s3:::b*", None).is_err());
    assert_eq!(
        ResourceTarget::from_arn("arn:aws:s3:::demo-bucket", Some("a*")),
        Err(IntentError::BadPrefix)
    );
}

#[test]
fn intents_survive_a_trip_through_a_url() {
    let mut i = intent(
        bucket(Some("reports/2026 q4/")),
        &[ActionGroup::S3Get, ActionGroup::S3List],
    );
    i.custom_actions = vec!["s3:GetObjectAttributes".into()];
    let s = i.encode();
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{s}"
    );
    assert_eq!(Intent::decode(&s), Ok(i));
    assert_eq!(Intent::decode("%%%"), Err(IntentError::BadEncoding));
}

#[test]
fn a_decoded_intent_is_validated_like_input() {
    let evil = Intent {
        resource: ResourceTarget::SqsQueue {
            arn: "arn:aws:sqs:*:*:*".into(),
        },
        groups: vec![ActionGroup::SqsSend],
        custom_actions: vec![],
    };
    assert!(matches!(
        Intent::decode(&evil.encode()),
        Err(IntentError::BadArn(_))
    ));
}

#[test]
fn each_service_offers_its_own_groups_and_every_group_belongs_to_one() {
    assert_eq!(
        ActionGroup::for_service("s3"),
        [
            ActionGroup::S3List,
            ActionGroup::S3Get,
            ActionGroup::S3Put,
            ActionGroup::S3Delete
        ]
    );
    let total: usize = ["s3", "sqs", "sns", "iam", "kms", "secretsmanager"]
        .iter()
        .map(|s| ActionGroup::for_service(s).len())
        .sum();
    assert_eq!(total, ActionGroup::ALL.len());
    assert!(ActionGroup::for_service("dynamodb").is_empty());
}

#[test]
fn only_groups_without_write_actions_count_as_read_only() {
    let read_only: Vec<ActionGroup> = ActionGroup::ALL
        .into_iter()
        .filter(|g| g.is_read_only())
        .collect();
    assert_eq!(
        read_only,
        [
            ActionGroup::S3List,
            ActionGroup::S3Get,
            ActionGroup::SqsGetAttributes,
            ActionGroup::SnsGetAttributes,
            ActionGroup::SecretsRead,
        ]
    );
}

#[test]
fn a_bucket_keeps_its_partition_and_an_unknown_partition_is_refused() {
    let t = ResourceTarget::from_arn("arn:aws-cn:s3:::logs", Some("app/")).unwrap();
    assert_eq!(t.arn(), "arn:aws-cn:s3:::logs");
    let st = generate(&[intent(t.clone(), &[ActionGroup::S3Get])]).unwrap();
    assert_eq!(st[0].resources(), ["arn:aws-cn:s3:::logs/app/*"]);
    // The partition survives the link the wizard is opened with.
    let i = intent(t, &[ActionGroup::S3Get]);
    assert_eq!(Intent::decode(&i.encode()), Ok(i));

    let gov = ResourceTarget::from_arn("arn:aws-us-gov:sqs:us-gov-west-1:111122223333:q", None);
    assert!(matches!(gov, Ok(ResourceTarget::SqsQueue { .. })));
    assert!(matches!(
        ResourceTarget::from_arn("arn:aws-mars:s3:::logs", None),
        Err(IntentError::BadArn(_))
    ));
}

#[test]
fn a_denied_call_becomes_that_action_on_that_resource_and_no_more() {
    let one = |action: &str, resource: &str| {
        let i = Intent::for_denied_call(action, resource).unwrap();
        assert_eq!(Intent::decode(&i.encode()).unwrap(), i, "survives the link");
        let st = generate(&[i]).unwrap();
        assert_eq!(st.len(), 1, "{action} on {resource}");
        (st[0].actions().to_vec(), st[0].resources().to_vec())
    };
    // An S3 object: its bucket narrowed to that key.
    assert_eq!(
        one("s3:PutObject", "arn:aws:s3:::reports/2026/q4.csv"),
        (
            vec!["s3:PutObject".to_owned()],
            vec!["arn:aws:s3:::reports/2026/q4.csv*".to_owned()]
        )
    );
    assert_eq!(
        one("s3:ListBucket", "arn:aws:s3:::reports").1,
        ["arn:aws:s3:::reports"]
    );
    assert_eq!(one("sqs:SendMessage", QUEUE).1, [QUEUE]);
    assert_eq!(one("sns:Publish", TOPIC).1, [TOPIC]);
    // A call that named no resource: only an action that takes none.
    assert_eq!(one("s3:ListAllMyBuckets", "*").1, ["*"]);
    assert!(matches!(
        Intent::for_denied_call("iam:PassRole", "*"),
        Err(IntentError::CustomActionMismatch { .. })
    ));
    // The wizard refuses "*" for such an action just the same.
    let mut any = intent(ResourceTarget::from_arn("*", None).unwrap(), &[]);
    any.custom_actions = vec!["sqs:DeleteQueue".into()];
    assert!(generate(&[any]).is_err());
    // Nothing the catalogue does not know is offered.
    assert!(Intent::for_denied_call("s3:NoSuchCall", "arn:aws:s3:::reports").is_err());
    assert!(Intent::for_denied_call("s3:GetObject", "not an arn").is_err());
}
