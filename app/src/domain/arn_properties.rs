//! Property tests of the ARN parsers every request goes through: random
//! text never panics them, what they accept keeps its meaning when printed
//! and parsed again, and an accepted target ARN names exactly one kind.
//! `PROPTEST_CASES=200000 cargo test -p app arn_properties` runs them at scale.
use crate::domain::change::TargetKind;
use crate::domain::RoleArn;
use proptest::prelude::*;

fn arnish() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just(String::new()),
        Just("aws".to_owned()),
        Just("aws-cn".to_owned()),
        Just("iam".to_owned()),
        Just("s3".to_owned()),
        Just("sqs".to_owned()),
        Just("sns".to_owned()),
        Just("us-east-1".to_owned()),
        Just("123456789012".to_owned()),
        Just("role/eng-app".to_owned()),
        Just("role/a/b/c".to_owned()),
        Just("user/x".to_owned()),
        Just("policy/p".to_owned()),
        Just("bucket".to_owned()),
        "[a-zA-Z0-9:/*?+=,.@_\\-\\u{0}-\\u{7f}]{0,16}",
        ".{0,8}",
    ];
    (
        prop_oneof![Just("arn".to_owned()), ".{0,4}"],
        proptest::collection::vec(part, 0..8),
    )
        .prop_map(|(head, parts)| {
            let mut s = head;
            for p in parts {
                s.push(':');
                s.push_str(&p);
            }
            s
        })
}

proptest! {
    #[test]
    fn target_parsing_never_panics_and_kinds_are_consistent(s in arnish()) {
        if let Ok(kind) = TargetKind::of(&s) {
            let parts: Vec<&str> = s.splitn(6, ':').collect();
            prop_assert_eq!(parts.len(), 6);
            match kind {
                TargetKind::S3Bucket => prop_assert!(parts[3].is_empty() && parts[4].is_empty()),
                _ => prop_assert!(parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit())),
            }
        }
    }

    #[test]
    fn role_arns_round_trip_through_display(s in arnish()) {
        if let Ok(arn) = RoleArn::parse(&s) {
            let again = RoleArn::parse(&arn.to_string());
            prop_assert_eq!(again.as_ref().ok(), Some(&arn));
            prop_assert_eq!(TargetKind::of(&arn.to_string()), Ok(TargetKind::Role));
        }
    }

    #[test]
    fn any_text_at_all_is_refused_or_parsed_without_panic(s in ".{0,64}") {
        let _ = TargetKind::of(&s);
        let _ = RoleArn::parse(&s);
    }
}
