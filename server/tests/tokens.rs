//! API tokens: created once, stored hashed, accepted by the credentials APIs,
//! revocable; and the ECS credential endpoint driven by the real AWS CLI.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::jobs::sync::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn setup(pool: &PgPool) -> (String, String) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    create_role(&iam, "eng-dev", &[], &[]).await;
    create_role(&iam, "prod-admin", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    (spawn_http(s).await, a)
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn tokens_authenticate_the_apis_until_revoked(pool: PgPool) {
    let (base, a) = setup(&pool).await;
    let eng = signed_in(&base, ENGINEER).await;
    let (id, token) = new_token(&eng, &base, "laptop").await;
    assert!(token.starts_with("lk_") && token.len() == 67);
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(stored, token, "only a hash is stored");

    let api = reqwest::Client::new();
    let roles: Vec<String> = api
        .get(format!("{base}/api/v1/get_roles"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(roles, [format!("arn:aws:iam::{a}:role/eng-dev")]);
    // account-name/role-name is resolved exactly.
    let r = api
        .post(format!("{base}/api/v1/get_credentials"))
        .bearer_auth(&token)
        .json(&json!({ "requested_role": "acct0/eng-dev" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = api
        .post(format!("{base}/api/v1/get_credentials"))
        .bearer_auth(&token)
        .json(&json!({ "requested_role": "acct0/eng" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "no substring guessing");
    let v2: Value = api
        .get(format!("{base}/api/v2/get_roles"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v2["data"][0]["account_friendly_name"], "acct0");
    assert_eq!(v2["data"][0]["role_name"], "eng-dev");

    let listed: Value = eng
        .post(format!("{base}/api/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["name"], "laptop");
    assert!(listed[0]["last_used"].is_string(), "{listed}");
    // Another user cannot revoke it; the owner can, and then it stops working.
    let other = signed_in(&base, OTHER_ENGINEER).await;
    assert_eq!(
        other
            .post(format!("{base}/api/revoke_token"))
            .form(&[("id", id.as_str())])
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert!(eng
        .post(format!("{base}/api/revoke_token"))
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
    assert_eq!(
        api.get(format!("{base}/api/v1/get_roles"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        api.get(format!("{base}/api/v1/get_roles"))
            .bearer_auth("lk_forged")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let bad = eng
        .post(format!("{base}/api/create_token"))
        .form(&[("name", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_aws_cli_gets_role_credentials_from_the_ecs_endpoint(pool: PgPool) {
    let (base, a) = setup(&pool).await;
    let eng = signed_in(&base, ENGINEER).await;
    let (_, token) = new_token(&eng, &base, "laptop").await;
    let aws = std::env::var("LATCHKEY_TEST_AWS_CLI").unwrap_or_else(|_| "aws".into());
    let run = |uri: String, token: String| {
        let aws = aws.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(&aws)
                .args([
                    "sts",
                    "get-caller-identity",
                    "--output",
                    "json",
                    "--endpoint-url",
                    &moto_url(),
                ])
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("HOME", std::env::temp_dir())
                .env("AWS_DEFAULT_REGION", "us-east-1")
                .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri)
                .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", token)
                .output()
                .expect("run the AWS CLI (set LATCHKEY_TEST_AWS_CLI)")
        })
    };
    let out = run(format!("{base}/ecs/{a}/eng-dev"), token.clone())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let me: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        me["Arn"],
        format!("arn:aws:sts::{a}:assumed-role/eng-dev/{ENGINEER}")
    );

    // An ineligible role or a bad token gets nothing.
    let out = run(format!("{base}/ecs/{a}/prod-admin"), token.clone())
        .await
        .unwrap();
    assert!(!out.status.success());
    let out = run(format!("{base}/ecs/{a}/eng-dev"), "lk_nope".into())
        .await
        .unwrap();
    assert!(!out.status.success());
    let issued: Vec<(String, String)> = sqlx::query_as(
        "SELECT target, outcome FROM audit_events WHERE action = 'credentials.issue' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        issued[0],
        (
            format!("arn:aws:iam::{a}:role/eng-dev"),
            "success".to_string()
        )
    );
    assert!(issued.iter().any(|r| r.1 == "denied"));
}
