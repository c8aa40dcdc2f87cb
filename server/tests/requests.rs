//! Permission requests end to end: submit, approve (applied in moto), reject,
//! and the server-side checks behind the buttons.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::Value;
use sqlx::PgPool;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadLogs","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::logs/*"}]}"#;

async fn setup(pool: &PgPool) -> (latchkey::services::Services, String, String) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let arn = format!("arn:aws:iam::{a}:role/eng-dev");
    (s, a, arn)
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn submit(
    c: &reqwest::Client,
    base: &str,
    arn: &str,
    policy: &str,
    why: &str,
) -> reqwest::Response {
    c.post(format!("{base}/api/create_request"))
        .form(&[
            ("role_arn", arn),
            ("policy_name", "read-logs"),
            ("policy", policy),
            ("justification", why),
        ])
        .send()
        .await
        .unwrap()
}

async fn request_id(pool: &PgPool) -> String {
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM requests")
        .fetch_one(pool)
        .await
        .unwrap();
    id.to_string()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn approved_request_puts_the_policy_on_the_role_in_moto(pool: PgPool) {
    let (s, a, arn) = setup(&pool).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let r = submit(&eng, &base, &arn, POLICY, "Needed to debug incident 42").await;
    assert!(r.status().is_success(), "{}", r.status());
    let id = request_id(&pool).await;

    let admin = signed_in(&base, ADMIN).await;
    let r = approve_all(&admin, &base, id.as_str()).await;
    assert!(r.status().is_success(), "{}", r.status());

    // In AWS (moto)
    let got = iam(&s, &a)
        .await
        .get_role_policy()
        .role_name("eng-dev")
        .policy_name("read-logs")
        .send()
        .await
        .unwrap();
    let doc = latchkey::aws::decode::policy_json(got.policy_document()).unwrap();
    assert_eq!(doc, serde_json::from_str::<Value>(POLICY).unwrap());
    // Recorded on the change and the request history, and audited
    let (status, err): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM request_changes")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), err), ("applied", None));
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM request_events ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(kinds, ["created", "change.approved", "change.applied"]);
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'request.change.applied' AND outcome = 'success'")
        .fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 1);
    // The cache was re-read, so the role page shows the policy at once.
    let inline: Value = sqlx::query_scalar("SELECT inline_policies FROM roles WHERE arn = $1")
        .bind(&arn)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(inline[0]["name"], "read-logs");

    // Approving twice applies nothing twice.
    let r = approve_all(&admin, &base, id.as_str()).await;
    assert_eq!(r.status(), 409);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn rejected_request_changes_nothing_in_aws(pool: PgPool) {
    let (s, a, arn) = setup(&pool).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    submit(&eng, &base, &arn, POLICY, "Needed to debug incident 42").await;
    let id = request_id(&pool).await;
    let admin = signed_in(&base, ADMIN).await;
    let r = admin
        .post(format!("{base}/api/reject_request"))
        .form(&[("id", id.as_str()), ("reason", "use the read-only role")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let names = iam(&s, &a)
        .await
        .list_role_policies()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap();
    assert!(names.policy_names().is_empty());
    let (req, change): (String, String) = sqlx::query_as(
        "SELECT r.status, c.status FROM requests r JOIN request_changes c ON c.request_id = r.id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((req.as_str(), change.as_str()), ("rejected", "cancelled"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn engineers_cannot_approve_and_admins_cannot_approve_their_own(pool: PgPool) {
    let (s, a, arn) = setup(&pool).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    submit(&eng, &base, &arn, POLICY, "Needed to debug incident 42").await;
    let id = request_id(&pool).await;

    // The requester may not approve; another engineer may not even see it.
    for (who, status) in [(ENGINEER, 403), (OTHER_ENGINEER, 404)] {
        let c = signed_in(&base, who).await;
        let r = approve_all(&c, &base, id.as_str()).await;
        assert_eq!(r.status(), status, "{who} must not approve");
    }
    let anon = reqwest::Client::new();
    let r = approve_all(&anon, &base, id.as_str()).await;
    assert_eq!(r.status(), 401);

    // An admin's own request cannot be self-approved (config does not allow it).
    let admin = signed_in(&base, ADMIN).await;
    submit(
        &admin,
        &base,
        &arn,
        POLICY,
        "Admin wants this for themselves",
    )
    .await;
    let own: uuid::Uuid = sqlx::query_scalar("SELECT id FROM requests WHERE requester = $1")
        .bind(ADMIN)
        .fetch_one(&pool)
        .await
        .unwrap();
    let r = approve_all(&admin, &base, &own.to_string()).await;
    assert_eq!(r.status(), 403);

    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM requests WHERE status = 'pending'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pending, 2);
    let names = iam(&s, &a)
        .await
        .list_role_policies()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap();
    assert!(names.policy_names().is_empty(), "nothing reached AWS");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn bad_input_is_refused_with_the_field_named_and_nothing_is_stored(pool: PgPool) {
    let (s, _a, arn) = setup(&pool).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    let cases = [
        (
            arn.as_str(),
            "{\"Version\": ",
            "Needed to debug incident 42",
            "policy",
            "not valid JSON",
        ),
        (
            arn.as_str(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}"#,
            "Needed to debug incident 42",
            "policy",
            "Statement[0].Resource",
        ),
        (arn.as_str(), POLICY, "", "justification", "required"),
        (
            "arn:aws:iam::12:role/x",
            POLICY,
            "Needed to debug incident 42",
            "role_arn",
            "exactly 12 digits",
        ),
        (
            "arn:aws:iam::999999999999:role/nope",
            POLICY,
            "Needed to debug incident 42",
            "principal_arn",
            "not in the cache",
        ),
    ];
    for (role, policy, why, field, needle) in cases {
        let r = submit(&eng, &base, role, policy, why).await;
        assert_eq!(r.status(), 400, "{field}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["Invalid"]["field"], field, "{body}");
        assert!(
            body["Invalid"]["messages"].to_string().contains(needle),
            "{body}"
        );
    }
    assert_eq!(count(&pool, "requests").await, 0);
    assert_eq!(count(&pool, "request_changes").await, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn requesters_see_their_own_requests_only(pool: PgPool) {
    let (s, _a, arn) = setup(&pool).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    submit(&eng, &base, &arn, POLICY, "Needed to debug incident 42").await;
    let id = request_id(&pool).await;
    let other = signed_in(&base, OTHER_ENGINEER).await;
    let r = other
        .post(format!("{base}/api/get_request"))
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let list: Value = other
        .post(format!("{base}/api/list_requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);
    let mine: Value = eng
        .post(format!("{base}/api/list_requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["status"], "pending");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_cross_origin_post_with_the_session_cookie_is_refused(pool: PgPool) {
    let (s, _a, arn) = setup(&pool).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    let form = [
        ("role_arn", arn.as_str()),
        ("policy_name", "x"),
        ("policy", POLICY),
        ("justification", "Cross-site forgery attempt"),
    ];
    let r = eng
        .post(format!("{base}/api/create_request"))
        .header("origin", "https://evil.example.com")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(count(&pool, "requests").await, 0, "nothing stored");
    // A cookie with neither Origin nor Referer is refused too.
    let bare = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    bare.post(format!("{base}/api/dev_sign_in"))
        .form(&[("user_id", ENGINEER)])
        .send()
        .await
        .unwrap();
    let r = bare
        .post(format!("{base}/api/create_request"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(count(&pool, "requests").await, 0, "nothing stored");
    let r = eng
        .post(format!("{base}/api/create_request"))
        .header("origin", base.as_str())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "same origin is fine: {}",
        r.status()
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn sessions_rotate_at_sign_in_and_end_everywhere_on_request(pool: PgPool) {
    let (s, _a, _arn) = setup(&pool).await;
    let base = spawn_http(s).await;
    let laptop = signed_in(&base, ENGINEER).await;
    let phone = signed_in(&base, ENGINEER).await;
    let sessions = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sessions")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(sessions().await, 2);
    // Signing in again from the laptop replaces its session instead of adding one.
    laptop
        .post(format!("{base}/api/dev_sign_in"))
        .form(&[("user_id", ENGINEER)])
        .send()
        .await
        .unwrap();
    assert_eq!(sessions().await, 2);
    assert!(laptop
        .post(format!("{base}/api/list_requests"))
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
    // Sign out everywhere from the phone ends the laptop's session too.
    let r = phone
        .post(format!("{base}/api/sign_out_everywhere"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    assert_eq!(sessions().await, 0);
    assert_eq!(
        laptop
            .post(format!("{base}/api/list_requests"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
