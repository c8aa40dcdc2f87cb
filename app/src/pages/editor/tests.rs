//! Unit tests of the parent module.
use super::*;

#[test]
fn highlighting_keeps_every_character_and_tells_keys_from_values() {
    let text = "{\"Effect\": \"Allow\", \"n\": 12, \"b\": true}";
    let tokens = highlight(text);
    assert_eq!(
        tokens.iter().map(|t| t.1.as_str()).collect::<String>(),
        text
    );
    assert!(tokens.contains(&("j-key", "\"Effect\"".into())));
    assert!(tokens.contains(&("j-str", "\"Allow\"".into())));
    assert!(tokens.contains(&("j-num", "12".into())));
    assert!(tokens.contains(&("j-lit", "true".into())));
}

#[test]
fn tags_are_read_one_per_line() {
    let spec = build_spec("tags_put", "", "", "team = data\nenv=prod\n").unwrap();
    assert_eq!(
        spec,
        ChangeSpec::TagsPut {
            tags: vec![
                Tag {
                    key: "team".into(),
                    value: "data".into()
                },
                Tag {
                    key: "env".into(),
                    value: "prod".into()
                }
            ]
        }
    );
    assert!(build_spec("trust_policy_put", "", "{", "").is_err());
}
