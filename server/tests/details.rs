//! The pages of an IAM user, group and customer managed policy: what the IAM
//! sync keeps for them (against moto) and what their API and HTML show.
#![allow(clippy::unwrap_used)]
mod common;

use app::domain::inventory::encode;
use common::*;
use latchkey::services::sync::engine::{sync_account, Task, Trigger};
use serde_json::Value;
use sqlx::PgPool;

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

async fn sync_iam(s: &latchkey::services::Services, account: &str) {
    let acct = app::domain::AccountId::parse(account).unwrap();
    sync_account(s, Task::Iam, &acct, Trigger::Manual)
        .await
        .unwrap()
        .unwrap();
}

async fn api_resource(c: &reqwest::Client, base: &str, arn: &str) -> Value {
    let r = c
        .post_form(format!("{base}/api/resource"), &[("arn", arn)])
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

async fn page(c: &reqwest::Client, base: &str, arn: &str) -> String {
    let r = c
        .get(format!("{base}/resource?arn={}", encode(arn)))
        .fetch()
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    r.text().await.unwrap()
}

/// Account `a` with policy `Shared` attached to role `app` and user
/// `deploy` (who also has an inline policy, a group,
/// a console password and an access key that has been used).
async fn user_and_policy(s: &latchkey::services::Services, a: &str) -> String {
    let iam = iam(s, a).await;
    let shared = create_policy(&iam, "Shared", DOC).await;
    create_role(&iam, "app", &[], &[]).await;
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&shared)
        .send()
        .await
        .unwrap();
    iam.create_user()
        .user_name("deploy")
        .tags(iam_tag("team", "ci"))
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("deploy")
        .policy_name("push")
        .policy_document(DOC)
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("deploy")
        .policy_arn(&shared)
        .send()
        .await
        .unwrap();
    iam.create_group().group_name("ops").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("ops")
        .user_name("deploy")
        .send()
        .await
        .unwrap();
    iam.create_login_profile()
        .user_name("deploy")
        .password("correct-horse-battery-1A!")
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("deploy")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    // One call with the key: IAM (moto) notes when it was last used.
    sts_as(s, key.access_key_id(), key.secret_access_key(), None)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    shared
}

/// A fresh account with [`user_and_policy`], synced and served: (account,
/// services, the policy's ARN, base URL, a client signed in as `who`).
async fn synced(
    pool: &PgPool,
    who: &str,
) -> (
    String,
    latchkey::services::Services,
    String,
    String,
    reqwest::Client,
) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let shared = user_and_policy(&s, &a).await;
    sync_iam(&s, &a).await;
    let base = spawn_http(s.clone()).await;
    let c = signed_in(&base, who).await;
    (a, s, shared, base, c)
}

fn assert_shows(html: &str, wants: &[&str]) {
    for want in wants {
        assert!(html.contains(want), "page lacks {want}");
    }
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_users_page_shows_its_policies_groups_and_when_its_credentials_were_used(pool: PgPool) {
    let (a, _s, shared, base, eng) = synced(&pool, ENGINEER).await;
    let user_arn = format!("arn:aws:iam::{a}:user/deploy");

    // The sync keeps the user's last use from the credential report.
    let details: Value = scalar_of(
        &pool,
        "SELECT details FROM resources WHERE arn = $1",
        &user_arn,
    )
    .await;
    let used = &details["last_used"];
    assert_eq!(used["password_enabled"], true, "{details}");
    assert!(used["password_last_used"].is_null());
    assert_eq!(used["access_keys"][0]["active"], true);
    assert!(used["access_keys"][0]["last_used"].is_string(), "{used}");
    assert_eq!(
        details["managed_policies"][0]["document"]["Statement"][0]["Action"],
        "s3:GetObject"
    );
    // moto cannot give users a boundary: set one in the cache as AWS would.
    sqlx::query(
        "UPDATE resources SET details = jsonb_set(details, '{permissions_boundary}', to_jsonb($2::text))
         WHERE arn = $1",
    )
    .bind(&user_arn)
    .bind(&shared)
    .execute(&pool)
    .await
    .unwrap();

    let d = api_resource(&eng, &base, &user_arn).await;
    let u = &d["facts"]["User"];
    assert_eq!(u["inline_policies"][0]["name"], "push");
    assert!(
        u["inline_policies"][0]["document"]
            .as_str()
            .unwrap()
            .contains("\n  \"Statement\""),
        "pretty-printed: {u}"
    );
    assert_eq!(u["managed_policies"][0]["name"], "Shared");
    assert_eq!(
        u["managed_policies"][0]["href"],
        format!("/resource?arn={}", encode(&shared)),
        "the account's own policy links to its page"
    );
    assert_eq!(u["boundary_arn"], shared);
    assert!(u["boundary_href"].is_string());
    assert_eq!(u["groups"], serde_json::json!(["ops"]));
    assert!(u["created"].as_str().unwrap().ends_with("UTC"));
    assert!(
        u["last_used"]
            .as_str()
            .unwrap()
            .ends_with("UTC (access key 1)"),
        "{u}"
    );
    let creds: Vec<(String, String)> = serde_json::from_value(u["credentials"].clone()).unwrap();
    assert_eq!(creds[0], ("Console password".into(), "never".into()));
    assert_eq!(creds[1].0, "Access key 1 (active)");
    assert!(creds[1].1.ends_with("UTC"), "{creds:?}");
    assert_eq!(d["tags"], serde_json::json!([["team", "ci"]]));
    assert!(d["console_url"]
        .as_str()
        .unwrap()
        .ends_with("#/users/details/deploy"));

    // The server-rendered page.
    let html = page(&eng, &base, &user_arn).await;
    assert_shows(
        &html,
        &[
            r#"data-policy-name="push""#,
            &format!(r#"href="/resource?arn={}""#, encode(&shared)),
            "Credentials last used",
            "Access key 1 (active)",
            "Open in AWS console",
            "Refresh from AWS",
            "#/users/details/deploy",
        ],
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_managed_policys_page_shows_its_document_and_who_attaches_it_and_refreshes(pool: PgPool) {
    let (a, s, shared, base, eng) = synced(&pool, ENGINEER).await;
    let d = api_resource(&eng, &base, &shared).await;
    let p = &d["facts"]["ManagedPolicy"];
    assert_eq!(p["default_version_id"], "v1");
    assert_eq!(p["attachment_count"], 2);
    let attached = text_pairs(&p["attached_to"], "kind_label", "href");
    assert_eq!(
        attached,
        [
            ("IAM role".to_owned(), format!("/roles/{a}/app")),
            (
                "IAM user".to_owned(),
                format!(
                    "/resource?arn={}",
                    encode(&format!("arn:aws:iam::{a}:user/deploy"))
                )
            ),
        ]
    );
    assert!(d["policy"].as_str().unwrap().contains("\"s3:GetObject\""));
    let html = page(&eng, &base, &shared).await;
    assert_shows(
        &html,
        &[
            "Policy document (v1)",
            "Attached to",
            &format!(r#"href="/roles/{a}/app""#),
            "Refresh from AWS",
            "#/policies/details/",
        ],
    );

    // Detached in AWS, then "Refresh from AWS": the page follows.
    iam(&s, &a)
        .await
        .detach_role_policy()
        .role_name("app")
        .policy_arn(&shared)
        .send()
        .await
        .unwrap();
    let r = eng
        .post_form(
            format!("{base}/api/refresh_resource"),
            &[("arn", shared.as_str())],
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let d = api_resource(&eng, &base, &shared).await;
    let p = &d["facts"]["ManagedPolicy"];
    assert_eq!(p["attachment_count"], 1);
    assert_eq!(p["attached_to"].as_array().unwrap().len(), 1);
    assert_eq!(p["attached_to"][0]["name"], "deploy");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_roles_page_links_its_cached_managed_policy_and_has_console_and_refresh(pool: PgPool) {
    let (a, _s, shared, base, admin) = synced(&pool, ADMIN).await;
    let role: Value = admin
        .post_form_json(
            format!("{base}/api/role"),
            &[("account", a.as_str()), ("name", "app")],
        )
        .await;
    assert_eq!(
        role["managed_policies"][0]["href"],
        format!("/resource?arn={}", encode(&shared))
    );
    assert!(role["console_url"]
        .as_str()
        .unwrap()
        .ends_with("#/roles/details/app"));
    let html = admin.get_text(format!("{base}/roles/{a}/app")).await;
    assert_shows(
        &html,
        &[
            "Open in AWS console",
            "Refresh from AWS",
            "#/roles/details/app",
        ],
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn groups_are_cached_with_policies_and_members_and_users_see_what_they_grant(pool: PgPool) {
    let (a, s, _shared, base, eng) = synced(&pool, ENGINEER).await;
    let iam = iam(&s, &a).await;
    let group_only = create_policy(&iam, "GroupOnly", DOC).await;
    iam.attach_group_policy()
        .group_name("ops")
        .policy_arn(&group_only)
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("ops")
        .policy_name("ops-read")
        .policy_document(DOC)
        .send()
        .await
        .unwrap();
    sync_iam(&s, &a).await;

    let group_arn = format!("arn:aws:iam::{a}:group/ops");
    let g = &api_resource(&eng, &base, &group_arn).await["facts"]["Group"];
    assert_eq!(g["members"], serde_json::json!(["deploy"]));
    assert_eq!(g["inline_policies"][0]["name"], "ops-read");
    assert_eq!(g["managed_policies"][0]["arn"], group_only.as_str());
    let html = page(&eng, &base, &group_arn).await;
    assert_shows(
        &html,
        &["IAM group", "Members", "deploy", "ops-read", "GroupOnly"],
    );

    let user_arn = format!("arn:aws:iam::{a}:user/deploy");
    let u = &api_resource(&eng, &base, &user_arn).await["facts"]["User"];
    let through = &u["group_policies"][0];
    assert_eq!(through["name"], "ops");
    assert_eq!(
        through["href"],
        format!("/resource?arn={}", encode(&group_arn))
    );
    assert_eq!(through["inline_policies"][0]["name"], "ops-read");
    let html = page(&eng, &base, &user_arn).await;
    assert_shows(&html, &["Through groups", "ops-read", "GroupOnly"]);

    // The group's managed policy names the group among what attaches it.
    let p = &api_resource(&eng, &base, &group_only).await["facts"]["ManagedPolicy"];
    let attached = text_pairs(&p["attached_to"], "kind_label", "name");
    assert_eq!(attached, [("IAM group".to_owned(), "ops".to_owned())]);
}
