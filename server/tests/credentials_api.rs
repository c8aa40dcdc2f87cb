//! The Weep-compatible credentials API and health endpoints over HTTP.
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
    (spawn_http(s).await, a)
}

async fn audit(pool: &PgPool) -> Vec<(String, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT actor, target, outcome, ip FROM audit_events WHERE action = 'credentials.issue' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn eligible_role_gets_sts_credentials_and_the_issuance_is_audited(pool: PgPool) {
    let (base, a) = setup(&pool).await;
    let eng = signed_in(&base, ENGINEER).await;
    let arn = format!("arn:aws:iam::{a}:role/eng-dev");
    let r = eng
        .post(format!("{base}/api/v1/get_credentials"))
        .json(&json!({ "requested_role": arn }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Server-Timing splits the server's time from the AssumeRole call.
    let timing = r.headers()["server-timing"].to_str().unwrap().to_owned();
    let ms = |name: &str| -> f64 {
        timing
            .split(", ")
            .find_map(|e| e.strip_prefix(name)?.strip_prefix(";dur="))
            .unwrap_or_else(|| panic!("{name} in {timing}"))
            .parse()
            .unwrap()
    };
    assert!(ms("sts") > 0.0 && ms("app") >= ms("sts"), "{timing}");
    assert!(ms("auth") > 0.0 && ms("app") >= ms("auth"), "{timing}");
    let body: Value = r.json().await.unwrap();
    let c = &body["Credentials"];
    assert!(
        c["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{body}"
    );
    assert!(!c["SecretAccessKey"].as_str().unwrap().is_empty());
    assert!(!c["SessionToken"].as_str().unwrap().is_empty());
    assert!(c["Expiration"].as_i64().unwrap() > chrono::Utc::now().timestamp());

    // The credentials work: STS says who they are.
    let creds = aws_credential_types::Credentials::new(
        c["AccessKeyId"].as_str().unwrap(),
        c["SecretAccessKey"].as_str().unwrap(),
        Some(c["SessionToken"].as_str().unwrap().to_owned()),
        None,
        "test",
    );
    let conf = aws_sdk_sts::config::Builder::new()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(moto_url())
        .credentials_provider(creds)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let me = aws_sdk_sts::Client::from_conf(conf)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some(a.as_str()));
    assert!(
        me.arn()
            .unwrap()
            .contains(&format!("assumed-role/eng-dev/{ENGINEER}")),
        "{:?}",
        me.arn()
    );

    let rows = audit(&pool).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2.as_str()),
        (ENGINEER, arn.as_str(), "success")
    );
    assert_eq!(rows[0].3.as_deref(), Some("127.0.0.1"));
    let detail: Value =
        sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'credentials.issue'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        detail.get("SecretAccessKey").is_none()
            && !detail
                .to_string()
                .contains(c["SessionToken"].as_str().unwrap())
    );
    // The role now leads the engineer's "Recently used" list.
    let recent: Vec<String> =
        sqlx::query_scalar("SELECT role_arn FROM recent_roles WHERE user_id = $1")
            .bind(ENGINEER)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(recent, std::slice::from_ref(&arn));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn ineligible_unknown_and_malformed_roles_are_refused_with_json_errors(pool: PgPool) {
    let (base, a) = setup(&pool).await;
    let eng = signed_in(&base, ENGINEER).await;
    let post = |role: Value| {
        let eng = eng.clone();
        let base = base.clone();
        async move {
            let r = eng
                .post(format!("{base}/api/v1/get_credentials"))
                .json(&role)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let (st, body) =
        post(json!({ "requested_role": format!("arn:aws:iam::{a}:role/prod-admin") })).await;
    assert_eq!(st, 403);
    assert_eq!(body["code"], "900");
    assert!(body["message"].as_str().unwrap().contains("not authorized"));
    assert!(body.get("Credentials").is_none());

    let (st, body) =
        post(json!({ "requested_role": format!("arn:aws:iam::{a}:role/eng-missing") })).await;
    assert_eq!((st, body["code"].as_str()), (404, Some("900")));
    // Unknown roles come back with the caller's roles that look like them:
    // here the account's one role the engineer may use, never prod-admin.
    let eng_dev = format!("arn:aws:iam::{a}:role/eng-dev");
    assert_eq!(body["candidates"], json!([eng_dev]), "{body}");
    assert!(body["message"].as_str().unwrap().contains(&eng_dev));
    let (st, body) = post(json!({ "requested_role": format!("{a}/ENG-de") })).await;
    assert_eq!(
        (st, &body["candidates"]),
        (404, &json!([eng_dev])),
        "{body}"
    );

    let (st, body) = post(json!({ "requested_role": "eng-dev" })).await;
    assert_eq!((st, body["code"].as_str()), (400, Some("899")));

    let r = eng
        .post(format!("{base}/api/v1/get_credentials"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "904");

    let denied: Vec<_> = audit(&pool)
        .await
        .into_iter()
        .filter(|r| r.2 == "denied")
        .collect();
    assert_eq!(denied.len(), 2, "refusals for real role ARNs are audited");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn anonymous_callers_get_401_and_roles_list_only_eligible_arns(pool: PgPool) {
    let (base, a) = setup(&pool).await;
    let anon = reqwest::Client::new();
    let r = anon
        .post(format!("{base}/api/v1/get_credentials"))
        .json(&json!({ "requested_role": format!("arn:aws:iam::{a}:role/eng-dev") }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        anon.get(format!("{base}/api/v1/get_roles"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert!(audit(&pool).await.is_empty());

    let eng = signed_in(&base, ENGINEER).await;
    let roles: Vec<String> = eng
        .get(format!("{base}/api/v1/get_roles"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(roles, [format!("arn:aws:iam::{a}:role/eng-dev")]);

    let health: Value = anon
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(
        anon.get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn role_tags_make_roles_eligible_for_the_groups_they_name(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    create_role(
        &iam,
        "reports",
        &[],
        &[("latchkey-authorized", "finance:engineers")],
    )
    .await;
    create_role(
        &iam,
        "batch",
        &[],
        &[("latchkey-authorized-cli-only", "engineers")],
    )
    .await;
    create_role(&iam, "other", &[], &[("latchkey-authorized", "finance")]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    let roles: Vec<String> = eng
        .get(format!("{base}/api/v1/get_roles?all=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        roles,
        [
            format!("arn:aws:iam::{a}:role/batch"),
            format!("arn:aws:iam::{a}:role/reports")
        ]
    );
    let console_only: Vec<String> = eng
        .get(format!("{base}/api/v1/get_roles"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(console_only, [format!("arn:aws:iam::{a}:role/reports")]);
    for (role, status) in [("reports", 200), ("batch", 200), ("other", 403)] {
        let r = eng
            .post(format!("{base}/api/v1/get_credentials"))
            .json(&json!({ "requested_role": format!("arn:aws:iam::{a}:role/{role}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{role}");
    }
    // Administrators see who may use a role and why; engineers do not.
    let admin = signed_in(&base, ADMIN).await;
    let detail: Value = admin
        .post(format!("{base}/api/role"))
        .form(&[("account", a.as_str()), ("name", "reports")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let grants: Vec<(String, String)> = detail["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["principal"].as_str().unwrap().to_owned(),
                g["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
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
    let mine: Value = eng
        .post(format!("{base}/api/role"))
        .form(&[("account", a.as_str()), ("name", "reports")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(mine["grants"].as_array().unwrap().is_empty());
}

/// The roles home sends the first 100 of a user's roles however many they
/// may use, filters all of them on the server, and sees a change the next
/// sync makes at once (the in-memory answer is dropped on every change).
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_roles_home_sends_a_first_screen_and_filters_every_role(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    s.start_background();
    while !s.listening() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let iam_a = iam(&s, &a).await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..150 {
        let iam_a = iam_a.clone();
        set.spawn(async move { create_role(&iam_a, &format!("eng-r{i:03}"), &[], &[]).await });
    }
    while set.join_next().await.is_some() {}
    create_role(&iam_a, "ops-only", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let home = |q: &'static str| {
        let (eng, base) = (eng.clone(), base.clone());
        async move {
            let r = eng
                .post(format!("{base}/api/eligible_roles"))
                .form(&[("q", q)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            let names: Vec<String> = v["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["roles"].as_array().unwrap().clone())
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect();
            (
                v["total"].as_u64().unwrap(),
                v["matched"].as_u64().unwrap(),
                names,
            )
        }
    };
    let (total, matched, names) = home("").await;
    assert_eq!((total, matched, names.len()), (150, 150, 100));
    assert_eq!(names[0], "eng-r000");
    let (_, matched, names) = home("R14").await;
    assert_eq!(matched, 10, "eng-r140..149, whatever the case: {names:?}");
    assert!(names.contains(&"eng-r149".to_owned()));
    assert_eq!(home("ops-only").await.1, 0, "never an ineligible role");
    let r = eng
        .post(format!("{base}/api/eligible_roles"))
        .form(&[("q", "x".repeat(300))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "an overlong filter");
    assert!(r.text().await.unwrap().contains("\"q\""));
    let anon = reqwest::Client::new()
        .post(format!("{base}/api/eligible_roles"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    // Tagged for engineers in AWS, then synced: eligible at once.
    iam_a
        .tag_role()
        .role_name("ops-only")
        .tags(iam_tag("latchkey-authorized", "engineers"))
        .send()
        .await
        .unwrap();
    sync_all(&s, Trigger::Manual).await;
    assert_eq!(home("ops-only").await.1, 1);
    let page = eng
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Showing 100 of 151"),
        "the first screen says how many"
    );
    assert!(page.len() < 100_000, "first screen is {} bytes", page.len());
}

/// "Recently used" on the roles home is answered from memory, and a role
/// used through another replica moves to the top at once: the change's
/// notification drops the cached list on every replica.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn recently_used_roles_follow_a_use_on_any_replica(pool: PgPool) {
    let a = unique_account();
    let s1 = services(pool.clone(), config(&[&a])).await;
    let s2 = services(pool.clone(), config(&[&a])).await;
    for s in [&s1, &s2] {
        s.start_background();
        for _ in 0..500 {
            if s.listening() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(s.listening(), "the change listeners did not start");
    }
    let iam_a = iam(&s1, &a).await;
    create_role(&iam_a, "eng-dev", &[], &[]).await;
    create_role(&iam_a, "eng-ops", &[], &[]).await;
    sync_all(&s1, Trigger::Manual).await;
    let (base1, base2) = (spawn_http(s1).await, spawn_http(s2).await);
    // The same engineer in two browser tabs, one on each replica.
    let eng1 = signed_in(&base1, ENGINEER).await;
    let eng2 = signed_in(&base2, ENGINEER).await;
    let recent = |base: String| {
        let eng = eng1.clone();
        async move {
            let v: Value = eng
                .post(format!("{base}/api/eligible_roles"))
                .form(&[("q", "")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["recent"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let issue = |eng: &reqwest::Client, base: String, role: &'static str| {
        let (eng, arn) = (eng.clone(), format!("arn:aws:iam::{a}:role/{role}"));
        async move {
            let r = eng
                .post(format!("{base}/api/v1/get_credentials"))
                .json(&json!({ "requested_role": arn }))
                .send()
                .await
                .unwrap();
            let status = r.status();
            assert_eq!(status, 200, "{base}: {}", r.text().await.unwrap());
        }
    };
    assert!(recent(base1.clone()).await.is_empty());
    issue(&eng1, base1.clone(), "eng-dev").await;
    assert_eq!(
        recent(base1.clone()).await,
        ["eng-dev"],
        "at once on the replica that issued"
    );
    issue(&eng2, base2.clone(), "eng-ops").await;
    let mut seen = Vec::new();
    for _ in 0..250 {
        seen = recent(base1.clone()).await;
        if seen.first().map(String::as_str) == Some("eng-ops") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        seen,
        ["eng-ops", "eng-dev"],
        "replica 1 hears a use on replica 2"
    );
}
