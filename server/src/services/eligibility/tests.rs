//! Who gets which access from config rules and role tags.
use super::*;
use serde_json::json;

fn elig() -> Eligibility {
    let cfg = crate::config::Config::minimal_with(
        r#"
        [[eligibility]]
        group = "engineers"
        roles = ["arn:aws:iam::222222222222:role/demo-*"]
        [[eligibility]]
        group = "data"
        roles = ["arn:aws:iam::333333333333:role/etl"]
        cli_only = true
        [[eligibility]]
        user = "ops@example.com"
        roles = ["arn:aws:iam::*:role/*"]
        "#,
    );
    Eligibility::from_config(&cfg)
}

fn user(id: &str, groups: &[&str]) -> User {
    User {
        id: id.into(),
        display_name: id.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        is_admin: false,
        approver_accounts: vec![],
    }
}

/// A role's tags granting the groups or users `value` names, in full
/// or (`cli_only`) for the CLI alone.
fn tag(cli_only: bool, value: &str) -> serde_json::Value {
    let key = if cli_only {
        "latchkey-authorized-cli-only"
    } else {
        "latchkey-authorized"
    };
    json!([{ "key": key, "value": value }])
}

#[test]
fn group_patterns_grant_matching_roles_only() {
    let eng = user("e@example.com", &["engineers"]);
    for (arn, want) in [
        (
            "arn:aws:iam::222222222222:role/demo-reader",
            Some(Access::Full),
        ),
        ("arn:aws:iam::333333333333:role/demo-reader", None),
        ("arn:aws:iam::222222222222:role/prod-admin", None),
    ] {
        assert_eq!(elig().access(&eng, arn, &json!([])), want, "{arn}");
    }
}

#[test]
fn role_tags_grant_their_groups() {
    let u = user("x@example.com", &["analysts"]);
    let arn = "arn:aws:iam::444444444444:role/reports";
    for (tags, want) in [
        (json!([]), None),
        (tag(false, "finance:analysts"), Some(Access::Full)),
        (tag(true, "analysts"), Some(Access::CliOnly)),
        // Whole group names only.
        (tag(false, "analysts-team"), None),
        (tag(false, "x@example.com"), Some(Access::Full)),
    ] {
        assert_eq!(elig().access(&u, arn, &tags), want, "{tags}");
    }
}

#[test]
fn cli_only_rules_and_user_rules() {
    let d = user("d@example.com", &["data"]);
    let ops = user("ops@example.com", &[]);
    for (who, arn, want) in [
        (
            &d,
            "arn:aws:iam::333333333333:role/etl",
            Some(Access::CliOnly),
        ),
        (&d, "arn:aws:iam::333333333333:role/etl2", None),
        (
            &ops,
            "arn:aws:iam::444444444444:role/anything",
            Some(Access::Full),
        ),
    ] {
        assert_eq!(
            elig().access(who, arn, &json!([])),
            want,
            "{} on {arn}",
            who.id
        );
    }
}

#[test]
fn only_the_configured_tag_keys_grant() {
    let cfg = crate::config::Config::minimal_with(
        r#"
        [role_tags]
        authorized = ["consoleme-authorized", "team-authorized"]
        authorized_cli_only = ["consoleme-authorized-cli-only"]
        "#,
    );
    let e = Eligibility::from_config(&cfg);
    let u = user("x@example.com", &["analysts"]);
    let arn = "arn:aws:iam::444444444444:role/reports";
    let one = |key: &str, value: &str| json!([{ "key": key, "value": value }]);
    for (tags, want) in [
        (
            one("consoleme-authorized", "finance:analysts"),
            Some(Access::Full),
        ),
        (one("team-authorized", "analysts"), Some(Access::Full)),
        (
            one("consoleme-authorized-cli-only", "analysts"),
            Some(Access::CliOnly),
        ),
        // The built-in keys grant nothing once others are configured, nor
        // does a key that differs in case.
        (tag(false, "analysts"), None),
        (tag(true, "analysts"), None),
        (one("ConsoleMe-Authorized", "analysts"), None),
        // Both: the better access wins, whichever tag comes first.
        (
            json!([{"key": "consoleme-authorized-cli-only", "value": "analysts"},
                   {"key": "consoleme-authorized", "value": "analysts"}]),
            Some(Access::Full),
        ),
    ] {
        assert_eq!(e.access(&u, arn, &tags), want, "{tags}");
    }
    let named = e.tag_principals(&one("consoleme-authorized-cli-only", "a: b"));
    assert_eq!(
        named,
        [
            (
                "a".to_owned(),
                Access::CliOnly,
                "consoleme-authorized-cli-only".to_owned()
            ),
            (
                "b".to_owned(),
                Access::CliOnly,
                "consoleme-authorized-cli-only".to_owned()
            ),
        ]
    );
    assert!(e.tag_principals(&tag(false, "a")).is_empty());
}

#[test]
fn empty_tag_key_lists_make_tags_grant_nothing() {
    let cfg = crate::config::Config::minimal_with(
        "[role_tags]\nauthorized = []\nauthorized_cli_only = []\n",
    );
    let e = Eligibility::from_config(&cfg);
    let u = user("x@example.com", &["analysts"]);
    let arn = "arn:aws:iam::444444444444:role/reports";
    assert_eq!(e.access(&u, arn, &tag(false, "analysts")), None);
    assert!(e.tag_keys().is_empty());
}

#[test]
fn applications_are_eligible_by_their_rules_and_tags_only() {
    let cfg = crate::config::Config::minimal_with(
        r#"
        [[eligibility]]
        app = "billing-batch"
        roles = ["arn:aws:iam::222222222222:role/billing-*"]
        "#,
    );
    let e = Eligibility::from_config(&cfg);
    let app = user("app/billing-batch", &[]);
    let billing = "arn:aws:iam::222222222222:role/billing-writer";
    assert_eq!(e.access(&app, billing, &json!([])), Some(Access::Full));
    assert_eq!(
        e.access(&app, "arn:aws:iam::222222222222:role/other", &json!([])),
        None
    );
    // A person whose identity provider puts them in a group called
    // `app/billing-batch` gets neither the app's rule nor its tags.
    let person = user("mallory@example.com", &["app/billing-batch"]);
    assert_eq!(e.access(&person, billing, &json!([])), None);
    let tagged = tag(false, "ops:app/billing-batch");
    assert_eq!(
        e.access(&person, "arn:aws:iam::222222222222:role/x", &tagged),
        None
    );
    assert_eq!(
        e.access(&app, "arn:aws:iam::222222222222:role/x", &tagged),
        Some(Access::Full)
    );
    let grants = e.grants(billing, &json!([]));
    assert_eq!(grants[0].principal, "application billing-batch");
}
