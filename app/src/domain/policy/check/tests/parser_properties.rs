//! Property tests: the parser never panics and round trips are stable.

use crate::domain::policy::{check_policy, PolicyDocument, PolicyKind};
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
            // Whatever is accepted must be accepted again, unchanged, after a round trip.
            if let Ok(first) = PolicyDocument::parse(&text, kind) {
                let again = PolicyDocument::parse(&first.doc.to_pretty(), kind);
                prop_assert_eq!(again.map(|c| c.doc), Ok(first.doc));
            }
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
