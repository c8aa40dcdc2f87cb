//! ConsoleMe's own example configs, imported.
use super::*;

/// ConsoleMe's dynamic config, as its /config page holds it (the shape of
/// `example_config/example_config_test.yaml`'s `dynamic_config`).
const DYNAMIC: &str = r#"
group_mapping:
  someuser@example.com:
    roles:
      - arn:aws:iam::123456789012:role/userrolename
  group1@example.com:
    roles:
      - arn:aws:iam::123456789012:role/rolename
    cli_only_roles:
      - arn:aws:iam::123456789012:role/rolename2
      - rolename3
permission_templates:
  - key: s3write
    text: S3 write
    value: s3:PutObject
"#;

/// A static config with its settings (ConsoleMe's CDK `config.yaml`).
const STATIC: &str = r#"
cloud_credential_authorization_mapping:
  role_tags:
    enabled: true
    authorized_groups_tags:
      - consoleme-authorized
    authorized_groups_cli_only_tags:
      - consoleme-owner-dl
      - consoleme-authorized-cli-only
  dynamic_config:
    enabled: true
application_admin: consoleme_admin@example.com
groups:
  can_admin:
    - consoleme_admins
  can_edit_config:
    - consoleme_admins
  can_admin_policies:
    - policy_approvers@example.com
dynamic_config:
  group_mapping:
    data@example.com:
      cli_only_roles:
        - arn:aws:iam::123456789012:role/etl
"#;

fn rule(key: &str, roles: &[&str], cli_only: bool) -> EligibilityRule {
    EligibilityRule {
        group_or_user: Some(key.into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        cli_only,
        ..Default::default()
    }
}

#[test]
fn a_dynamic_config_becomes_group_or_user_rules() {
    let got = import(DYNAMIC).unwrap();
    assert_eq!(
        got.rules.eligibility,
        [
            rule(
                "group1@example.com",
                &["arn:aws:iam::123456789012:role/rolename"],
                false
            ),
            rule(
                "group1@example.com",
                &["arn:aws:iam::123456789012:role/rolename2"],
                true
            ),
            rule(
                "someuser@example.com",
                &["arn:aws:iam::123456789012:role/userrolename"],
                false
            ),
        ]
    );
    assert_eq!(
        got.skipped,
        ["group_mapping.group1@example.com: \"rolename3\" is not a role ARN"]
    );
    assert!(got.rules.check().is_ok());
}

#[test]
fn a_static_config_gives_tag_keys_approvers_and_its_inline_mapping() {
    let got = import(STATIC).unwrap();
    let t = &got.rules.role_tags;
    assert_eq!(t.authorized, ["consoleme-authorized"]);
    assert_eq!(
        t.authorized_cli_only,
        ["consoleme-owner-dl", "consoleme-authorized-cli-only"]
    );
    assert_eq!(
        got.rules.approvers,
        [ApproverRule {
            group: "policy_approvers@example.com".into(),
            accounts: vec!["*".into()]
        }]
    );
    assert_eq!(
        got.rules.eligibility,
        [rule(
            "data@example.com",
            &["arn:aws:iam::123456789012:role/etl"],
            true
        )]
    );
    assert_eq!(
        got.admins,
        ["consoleme_admin@example.com", "consoleme_admins"]
    );
}

#[test]
fn anything_else_is_refused_with_what_was_expected() {
    assert!(import("[1, 2").unwrap_err().contains("not ConsoleMe YAML"));
    assert!(import("region: us-east-1\n")
        .unwrap_err()
        .contains("group_mapping"));
}
