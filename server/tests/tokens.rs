//! API tokens: created once, stored hashed, accepted by the credentials APIs,
//! revocable; and the ECS credential endpoint driven by the real AWS CLI.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use serde_json::Value;
use sqlx::PgPool;

/// The served account (base URL, account id) with its listeners started,
/// and a client signed in as [`ENGINEER`].
async fn setup(pool: &PgPool) -> (String, String, reqwest::Client) {
    let w = served(pool, &["eng-dev", "prod-admin"]).await;
    // As a serving process does: tokens and role access are then resolved
    // from memory.
    start_listening(&w.s).await;
    let eng = w.signed_in(ENGINEER).await;
    (w.base, w.account, eng)
}

/// [`setup`], and a full-API token of the engineer's: (base URL, account
/// id, the token).
async fn setup_token(pool: &PgPool) -> (String, String, String) {
    let (base, a, eng) = setup(pool).await;
    let (_, token) = new_token(&eng, &base, "ci").await;
    (base, a, token)
}

/// The status of `GET /api/v1/get_roles` with `token`.
async fn roles_status(base: &str, token: &str) -> u16 {
    let url = format!("{base}/api/v1/get_roles");
    token_client(token).get_status(url).await.as_u16()
}

/// The status of get_credentials for `acct0/eng-dev` with `token`.
async fn credentials_status(base: &str, token: &str) -> u16 {
    let r = credentials(&token_client(token), base, "acct0/eng-dev").await;
    r.status().as_u16()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_account_disabled_elsewhere_stops_credentials_here(pool: PgPool) {
    let (base, a, token) = setup_token(&pool).await;
    assert_eq!(credentials_status(&base, &token).await, 200);
    // Another replica (or psql) disables the account: this process hears
    // it from Postgres and refuses from then on.
    let sql = "UPDATE accounts SET enabled = false WHERE account_id = $1";
    sqlx::query(sql).bind(&a).execute(&pool).await.unwrap();
    assert_eq!(
        eventually(|| credentials_status(&base, &token), 403).await,
        403,
        "the disabled account was not heard"
    );
    // Enabled again by an admin here: at once.
    let admin = signed_in(&base, ADMIN).await;
    let r = set_account_enabled(&admin, &base, a.as_str(), true).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert_eq!(credentials_status(&base, &token).await, 200);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_token_revoked_by_another_replica_stops_working_here(pool: PgPool) {
    let (base, _, token) = setup_token(&pool).await;
    assert_eq!(roles_status(&base, &token).await, 200);
    // Revoked behind this process's back: heard only by NOTIFY.
    let revoke = "UPDATE api_tokens SET revoked_at = now()";
    let status = || roles_status(&base, &token);
    let unheard = "the revocation was not heard";
    ended_elsewhere(&pool, "api_tokens", (revoke, revoke), status, unheard).await;
}

/// A browser session ended behind this process's back (another replica's
/// sign-out everywhere, an admin's revocation there, psql) stops working
/// here too, although sessions are answered from memory.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_session_ended_by_another_replica_stops_working_here(pool: PgPool) {
    let (base, _, eng) = setup(&pool).await;
    let status = || async {
        eng.get_status(format!("{base}/api/v1/get_roles"))
            .await
            .as_u16()
    };
    assert_eq!(status().await, 200);
    // Expired in Postgres unheard, then ended as every writer does it.
    let ends = (
        "UPDATE sessions SET expires_at = now() - interval '1 second'",
        "DELETE FROM sessions",
    );
    let unheard = "the ended session was not heard";
    ended_elsewhere(&pool, "sessions", ends, status, unheard).await;
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn tokens_authenticate_the_apis_until_revoked(pool: PgPool) {
    let (base, a, eng) = setup(&pool).await;
    let (id, token) = new_token(&eng, &base, "laptop").await;
    assert!(token.starts_with("lk_") && token.len() == 67);
    let stored: String = scalar(&pool, "SELECT token_hash FROM api_tokens").await;
    assert_ne!(stored, token, "only a hash is stored");

    let api = token_client(&token);
    let roles: Vec<String> = api.get_json(format!("{base}/api/v1/get_roles")).await;
    assert_eq!(roles, [format!("arn:aws:iam::{a}:role/eng-dev")]);
    // account-name/role-name is resolved exactly.
    let r = credentials(&api, &base, "acct0/eng-dev").await;
    assert_eq!(r.status(), 200);
    let r = credentials(&api, &base, "acct0/eng").await;
    assert_eq!(r.status(), 404, "no substring guessing");
    let v2: Value = api.get_json(format!("{base}/api/v2/get_roles")).await;
    assert_eq!(v2["data"]["roles"][0]["account_friendly_name"], "acct0");
    assert_eq!(v2["data"]["roles"][0]["role_name"], "eng-dev");

    let listed: Value = eng.post_json(format!("{base}/api/tokens")).await;
    assert_eq!(listed[0]["name"], "laptop");
    assert!(listed[0]["last_used"].is_string(), "{listed}");
    // Another user cannot revoke it; the owner can, and then it stops working.
    let other = signed_in(&base, OTHER_ENGINEER).await;
    let revoke = |c: &reqwest::Client| {
        let form = [("id", id.clone())];
        c.post(format!("{base}/api/revoke_token"))
            .form(&form)
            .fetch_status()
    };
    assert_eq!(revoke(&other).await, 404);
    assert!(revoke(&eng).await.is_success());
    assert_eq!(roles_status(&base, &token).await, 401);
    assert_eq!(roles_status(&base, "lk_forged").await, 401);
    let bad = eng
        .post_form(format!("{base}/api/create_token"), &[("name", " ")])
        .await;
    assert_eq!(bad.status(), 400);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_aws_cli_gets_role_credentials_from_the_ecs_endpoint(pool: PgPool) {
    let (base, a, eng) = setup(&pool).await;
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
    let issued: Vec<(String, String)> = rows(
        &pool,
        "SELECT target, outcome FROM audit_events WHERE action = 'credentials.issue' ORDER BY id",
    )
    .await;
    assert_eq!(
        issued[0],
        (
            format!("arn:aws:iam::{a}:role/eng-dev"),
            "success".to_string()
        )
    );
    assert!(issued.iter().any(|r| r.1 == "denied"));
}
