//! API tokens: created once, stored hashed, accepted by the credentials APIs,
//! revocable; and the ECS credential endpoint driven by the real AWS CLI.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn setup(pool: &PgPool) -> (String, String) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    create_role(&iam, "eng-dev", &[], &[]).await;
    create_role(&iam, "prod-admin", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    // As a serving process does: tokens and role access are then resolved
    // from memory.
    s.start_background();
    for _ in 0..100 {
        if s.listening() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(s.listening(), "the change listeners did not start");
    (spawn_http(s).await, a)
}

/// Polls `status` (for up to 2 s) until it gives `want`; the last status.
async fn eventually<F, Fut>(mut status: F, want: u16) -> u16
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let mut last = 0;
    for _ in 0..100 {
        last = status().await;
        if last == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    last
}

async fn exec(pool: &PgPool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

/// The status of `GET /api/v1/get_roles` with `token`.
async fn roles_status(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/get_roles"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The status of get_credentials for `acct0/eng-dev` with `token`.
async fn credentials_status(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/get_credentials"))
        .bearer_auth(token)
        .json(&json!({ "requested_role": "acct0/eng-dev" }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_account_disabled_elsewhere_stops_credentials_here(pool: PgPool) {
    let (base, a) = setup(&pool).await;
    let eng = signed_in(&base, ENGINEER).await;
    let (_, token) = new_token(&eng, &base, "ci").await;
    assert_eq!(credentials_status(&base, &token).await, 200);
    // Another replica (or psql) disables the account: this process hears
    // it from Postgres and refuses from then on.
    sqlx::query("UPDATE accounts SET enabled = false WHERE account_id = $1")
        .bind(&a)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        eventually(|| credentials_status(&base, &token), 403).await,
        403,
        "the disabled account was not heard"
    );
    // Enabled again by an admin here: at once.
    let admin = signed_in(&base, ADMIN).await;
    let r = admin
        .post(format!("{base}/api/set_account_enabled"))
        .form(&[("account", a.as_str()), ("enabled", "true")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert_eq!(credentials_status(&base, &token).await, 200);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_token_revoked_by_another_replica_stops_working_here(pool: PgPool) {
    let (base, _) = setup(&pool).await;
    let eng = signed_in(&base, ENGINEER).await;
    let (_, token) = new_token(&eng, &base, "ci").await;
    assert_eq!(roles_status(&base, &token).await, 200);
    // Revoked behind this process's back with its notification switched
    // off: the remembered caller still answers, which shows the cache is
    // what answered...
    exec(
        &pool,
        "ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_changed",
    )
    .await;
    exec(&pool, "UPDATE api_tokens SET revoked_at = now()").await;
    assert_eq!(roles_status(&base, &token).await, 200);
    // ...and with it on, as every writer has it, the revocation reaches
    // this process by NOTIFY and the token stops working.
    exec(
        &pool,
        "ALTER TABLE api_tokens ENABLE TRIGGER api_tokens_changed",
    )
    .await;
    exec(&pool, "UPDATE api_tokens SET revoked_at = now()").await;
    assert_eq!(
        eventually(|| roles_status(&base, &token), 401).await,
        401,
        "the revocation was not heard"
    );
}

/// A browser session ended behind this process's back (another replica's
/// sign-out everywhere, an admin's revocation there, psql) stops working
/// here too, although sessions are answered from memory.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_session_ended_by_another_replica_stops_working_here(pool: PgPool) {
    let (base, _) = setup(&pool).await;
    let eng = signed_in(&base, ENGINEER).await;
    let status = || async {
        eng.get(format!("{base}/api/v1/get_roles"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status().await, 200);
    // Expired in Postgres with the notification switched off: the
    // remembered session still answers, so the cache is what answered...
    exec(
        &pool,
        "ALTER TABLE sessions DISABLE TRIGGER sessions_changed",
    )
    .await;
    exec(
        &pool,
        "UPDATE sessions SET expires_at = now() - interval '1 second'",
    )
    .await;
    assert_eq!(status().await, 200);
    // ...and as every writer has it, ending the session reaches this
    // process by NOTIFY.
    exec(
        &pool,
        "ALTER TABLE sessions ENABLE TRIGGER sessions_changed",
    )
    .await;
    exec(&pool, "DELETE FROM sessions").await;
    assert_eq!(
        eventually(status, 401).await,
        401,
        "the ended session was not heard"
    );
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
