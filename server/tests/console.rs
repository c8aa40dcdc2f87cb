//! Console sign-in: /role/{account}/{name} -> federation endpoint -> login URL,
//! against the dev-mode federation stub and moto.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn console_signin_reaches_the_federation_endpoint_with_the_users_session(pool: PgPool) {
    let a = unique_account();
    // A first server plays the federation endpoint (dev stub); the second is Latchkey.
    let stub = spawn_http(services(pool.clone(), config(&[])).await).await;
    let extra = format!(
        "\n[console]\nfederation_url = \"{stub}/dev/federation\"\nissuer = \"https://latchkey.test\"\n\
         [[eligibility]]\ngroup = \"engineers\"\nroles = [\"arn:aws:iam::*:role/cli-*\"]\ncli_only = true\n"
    );
    let s = services(pool.clone(), config_with(&[&a], &extra)).await;
    let iam = iam(&s, &a).await;
    for r in ["eng-dev", "cli-batch", "prod-admin"] {
        create_role(&iam, r, &[], &[]).await;
    }
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;

    // By account name, with a region and a deep link.
    let r = eng
        .get(format!(
            "{base}/role/acct0/eng-dev?r=eu-west-1&redirect=/s3/"
        ))
        .fetch()
        .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let login = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        login.starts_with(&format!(
            "{stub}/dev/federation?Action=login&Issuer=https%3A%2F%2Flatchkey.test&Destination="
        )),
        "{login}"
    );
    assert!(
        login.contains(
            &urlencoding::encode("https://eu-west-1.console.aws.amazon.com/s3/?region=eu-west-1")
                .into_owned()
        ),
        "{login}"
    );
    // The stub checked the session and STS says it is the role, as the user.
    let page = reqwest::get(&login).await.unwrap().text().await.unwrap();
    assert!(
        page.contains(&format!("arn:aws:sts::{a}:assumed-role/eng-dev/{ENGINEER}")),
        "{page}"
    );
    // The token is single-use.
    assert_eq!(reqwest::get(&login).await.unwrap().status(), 400);

    // By account id and by full ARN.
    for path in [
        format!("/role/{a}/eng-dev"),
        format!("/role/arn:aws:iam::{a}:role/eng-dev"),
    ] {
        let r = eng.get(format!("{base}{path}")).fetch().await;
        assert_eq!(r.status(), 303, "{path}");
    }

    // Refusals
    let status = |path: String| {
        let eng = eng.clone();
        let base = base.clone();
        async move { eng.get_status(format!("{base}{path}")).await.as_u16() }
    };
    assert_eq!(
        status(format!("/role/{a}/cli-batch")).await,
        403,
        "CLI-only roles get no console"
    );
    assert_eq!(
        status(format!("/role/{a}/prod-admin")).await,
        403,
        "not eligible"
    );
    assert_eq!(status(format!("/role/{a}/eng-missing")).await, 404);
    assert_eq!(status("/role/nosuch/eng-dev".into()).await, 404);
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = anon.get(format!("{base}/role/{a}/eng-dev")).fetch().await;
    assert_eq!(r.headers()["location"], "/login");

    let audit: Vec<(String, String)> = rows(
        &pool,
        "SELECT target, outcome FROM audit_events WHERE action = 'console.signin' ORDER BY id",
    )
    .await;
    let arn = |r: &str| format!("arn:aws:iam::{a}:role/{r}");
    assert_eq!(
        audit,
        [
            (arn("eng-dev"), "success".to_string()),
            (arn("eng-dev"), "success".to_string()),
            (arn("eng-dev"), "success".to_string()),
            (arn("cli-batch"), "denied".to_string()),
            (arn("prod-admin"), "denied".to_string()),
        ]
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_ambiguous_account_name_lists_the_candidates(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let s = services(pool.clone(), config(&[&a, &b])).await;
    execute(&pool, "UPDATE accounts SET name = 'shared'").await;
    let base = spawn_http(s).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let r = eng.get(format!("{base}/role/shared/eng-dev")).fetch().await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(body.contains(&a) && body.contains(&b), "{body}");
}

/// ConsoleMe's bookmarks and the JSON its page called: `/role/{name}` opens
/// the one role of that exact name, several (or only partial matches) get a
/// page to choose from, never a guess; a role path in an ARN works.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn bookmarks_by_role_name_open_exactly_that_role_or_ask(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let stub = spawn_http(services(pool.clone(), config(&[])).await).await;
    let extra = format!(
        "\n[console]\nfederation_url = \"{stub}/dev/federation\"\nissuer = \"https://latchkey.test\"\n{}",
        account(&b, "other")
    );
    let s = services(pool.clone(), config_with(&[&a], &extra)).await;
    let iam_a = iam(&s, &a).await;
    for r in ["eng-dev", "eng-ops", "eng-twin", "prod-admin"] {
        create_role(&iam_a, r, &[], &[]).await;
    }
    iam_a
        .create_role()
        .role_name("pathy")
        .path("/eng-team/")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    create_role(&iam(&s, &b).await, "eng-twin", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let get = |path: String| {
        let (eng, base) = (eng.clone(), base.clone());
        async move { eng.get(format!("{base}{path}")).fetch().await }
    };

    // Exactly one role of that name: straight to the console.
    let r = get("/role/eng-dev".into()).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with(&stub));
    let r = get("/role/ENG-DEV".into()).await;
    assert_eq!(r.status(), 303, "names match in any case, as IAM's do");
    let r = get(format!("/role/arn:aws:iam::{a}:role/eng-team/pathy")).await;
    assert_eq!(r.status(), 303, "an ARN with a path");

    // Two roles of that name, or only partial matches: the person chooses.
    for (query, expected) in [
        (
            "eng-twin",
            vec![
                format!("arn:aws:iam::{a}:role/eng-twin"),
                format!("arn:aws:iam::{b}:role/eng-twin"),
            ],
        ),
        ("eng-o", vec![format!("arn:aws:iam::{a}:role/eng-ops")]),
    ] {
        let r = get(format!("/role/{query}")).await;
        assert_eq!(r.status(), 200, "{query}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Which role?"), "{page}");
        for arn in &expected {
            assert!(
                page.contains(&format!("data-role=\"{arn}\"")),
                "{query}: {arn}"
            );
        }
        assert_eq!(page.matches("data-role=").count(), expected.len(), "{page}");
    }
    // Nothing of theirs by that name: not found, and nothing about others' roles.
    let r = get("/role/prod-admin".into()).await;
    assert_eq!(r.status(), 404);
    assert!(
        !r.text().await.unwrap().contains(&a),
        "no ARN of a role they may not use"
    );
    assert_eq!(get("/role/a/b/c".into()).await.status(), 400);

    // The JSON ConsoleMe's page asked: the sign-in URL, or the chooser.
    let v: serde_json::Value = eng
        .get_json(format!("{base}/api/v2/role_login/eng-dev"))
        .await;
    assert_eq!(v["type"], "redirect");
    assert_eq!(v["reason"], "console_login");
    assert!(
        v["redirect_url"].as_str().unwrap().starts_with(&stub),
        "{v}"
    );
    let v: serde_json::Value = eng
        .get_json(format!("{base}/api/v2/role_login/eng-twin"))
        .await;
    assert_eq!(
        (v["reason"].as_str(), v["redirect_url"].as_str()),
        (Some("multiple_roles"), Some("/role/eng-twin"))
    );
    let r = eng
        .get(format!("{base}/api/v2/role_login/prod-admin"))
        .fetch()
        .await;
    assert_eq!(r.status(), 404);
}
