//! Eligibility from role tags, and who is told why.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn role_tags_make_roles_eligible_for_the_groups_they_name(pool: PgPool) {
    let roles: [(&str, &[(&str, &str)]); 3] = [
        ("reports", &[("latchkey-authorized", "finance:engineers")]),
        ("batch", &[("latchkey-authorized-cli-only", "engineers")]),
        ("other", &[("latchkey-authorized", "finance")]),
    ];
    let w = served_tagged(&pool, config, &roles).await;
    let eng = w.signed_in(ENGINEER).await;
    let (_, a, base) = w.into_parts();
    let roles: Vec<String> = eng
        .get_json(format!("{base}/api/v1/get_roles?all=true"))
        .await;
    assert_eq!(
        roles,
        [
            format!("arn:aws:iam::{a}:role/batch"),
            format!("arn:aws:iam::{a}:role/reports")
        ]
    );
    let console_only: Vec<String> = eng.get_json(format!("{base}/api/v1/get_roles")).await;
    assert_eq!(console_only, [format!("arn:aws:iam::{a}:role/reports")]);
    for (role, status) in [("reports", 200), ("batch", 200), ("other", 403)] {
        let r = credentials(&eng, &base, &format!("arn:aws:iam::{a}:role/{role}")).await;
        assert_eq!(r.status(), status, "{role}");
    }
    // Administrators see who may use a role and why; engineers do not.
    let admin = signed_in(&base, ADMIN).await;
    let form = [("account", a.as_str()), ("name", "reports")];
    let detail: Value = admin
        .post_form_json(format!("{base}/api/role"), &form)
        .await;
    let grants = text_pairs(&detail["grants"], "principal", "reason");
    assert_eq!(
        grants,
        [
            (
                "group or user finance".to_string(),
                "role tag latchkey-authorized".to_string()
            ),
            (
                "group or user engineers".to_string(),
                "role tag latchkey-authorized".to_string()
            ),
        ]
    );
    let mine: Value = eng.post_form_json(format!("{base}/api/role"), &form).await;
    assert!(mine["grants"].as_array().unwrap().is_empty());
}

/// `[role_tags]` as an organisation moving from ConsoleMe sets it.
const CONSOLEME_TAGS: &str = "\n[role_tags]\nauthorized = [\"consoleme-authorized\"]\n\
                              authorized_cli_only = [\"consoleme-authorized-cli-only\"]\n";

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn consoleme_tag_keys_grant_the_console_and_the_cli_once_configured(pool: PgPool) {
    // A first server plays the federation endpoint (dev stub).
    let stub = spawn_http(services(pool.clone(), config(&[])).await).await;
    let extra = format!(
        "\n[console]\nfederation_url = \"{stub}/dev/federation\"\n\
         issuer = \"https://latchkey.test\"\n{CONSOLEME_TAGS}"
    );
    let roles: [(&str, &[(&str, &str)]); 3] = [
        ("reports", &[("consoleme-authorized", "finance:engineers")]),
        ("batch", &[("consoleme-authorized-cli-only", "engineers")]),
        ("old", &[("latchkey-authorized", "engineers")]),
    ];
    let w = served_tagged(&pool, |a| config_with(a, &extra), &roles).await;
    let eng = w.signed_in(ENGINEER).await;
    let (_, a, base) = w.into_parts();
    let arn = |r: &str| format!("arn:aws:iam::{a}:role/{r}");
    let all: Vec<String> = eng
        .get_json(format!("{base}/api/v1/get_roles?all=true"))
        .await;
    assert_eq!(all, [arn("batch"), arn("reports")]);
    let console_roles: Vec<String> = eng.get_json(format!("{base}/api/v1/get_roles")).await;
    assert_eq!(console_roles, [arn("reports")]);
    // The CLI-only twin grants credentials and no console sign-in.
    let browser = signed_in_without_redirects(&base, ENGINEER).await;
    for (role, creds, console) in [
        ("reports", 200, 303),
        ("batch", 200, 403),
        ("old", 403, 403),
    ] {
        let r = credentials(&eng, &base, &arn(role)).await;
        assert_eq!(r.status(), creds, "credentials for {role}");
        let page = format!("{base}/role/{a}/{role}");
        assert_eq!(
            browser.get_status(page).await,
            console,
            "console for {role}"
        );
    }
    // Who is told why names the configured key.
    let form = [("account", a.as_str()), ("name", "batch")];
    let admin = signed_in(&base, ADMIN).await;
    let detail: Value = admin
        .post_form_json(format!("{base}/api/role"), &form)
        .await;
    assert_eq!(
        text_pairs(&detail["grants"], "principal", "reason"),
        [(
            "group or user engineers".to_string(),
            "role tag consoleme-authorized-cli-only".to_string()
        )]
    );
    let me: Value = eng.post_json(format!("{base}/api/me")).await;
    let sources = texts(&me["groups"][0]["grants"], "source");
    assert_eq!(
        sources,
        [
            "access rule eligibility[0]".to_owned(),
            format!("role tag consoleme-authorized-cli-only on {}", arn("batch")),
            format!("role tag consoleme-authorized on {}", arn("reports")),
        ],
        "{me}"
    );
}
