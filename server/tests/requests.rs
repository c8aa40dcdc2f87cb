//! Permission requests end to end: submit, approve (applied in moto), reject,
//! and the server-side checks behind the buttons.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::Services;
use serde_json::Value;
use sqlx::PgPool;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadLogs","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::logs/*"}]}"#;

const WHY: &str = "Needed to debug incident 42";

/// One account with `eng-dev`, served: (services, account, base URL, the
/// role's ARN, an engineer's client).
async fn setup(pool: &PgPool) -> (Services, String, String, String, reqwest::Client) {
    let w = served(pool, &["eng-dev"]).await;
    let (arn, eng) = (w.role("eng-dev"), w.signed_in(ENGINEER).await);
    let (s, a, base) = w.into_parts();
    (s, a, base, arn, eng)
}

/// The names of `eng-dev`'s inline policies in AWS.
async fn inline_names(s: &Services, a: &str) -> Vec<String> {
    inline_policy_names(&iam(s, a).await, "eng-dev").await
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
    c.post_form(
        format!("{base}/api/create_request"),
        &[
            ("role_arn", arn),
            ("policy_name", "read-logs"),
            ("policy", policy),
            ("justification", why),
        ],
    )
    .await
}

/// [`setup`], then the engineer's request for [`POLICY`], which must be
/// accepted: the same, with the request's id last.
async fn setup_asked(pool: &PgPool) -> (Services, String, String, String, reqwest::Client, String) {
    let (s, a, base, arn, eng) = setup(pool).await;
    let r = submit(&eng, &base, &arn, POLICY, WHY).await;
    assert!(r.status().is_success(), "{}", r.status());
    let id = request_id(pool).await;
    (s, a, base, arn, eng, id)
}

async fn request_id(pool: &PgPool) -> String {
    let id: uuid::Uuid = scalar(pool, "SELECT id FROM requests").await;
    id.to_string()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn approved_request_puts_the_policy_on_the_role_in_moto(pool: PgPool) {
    let (s, a, base, arn, _, id) = setup_asked(&pool).await;

    let admin = signed_in(&base, ADMIN).await;
    let r = approve_all(&admin, &base, id.as_str()).await;
    assert!(r.status().is_success(), "{}", r.status());

    // In AWS (moto)
    let doc = inline_policy(&iam(&s, &a).await, "eng-dev", "read-logs").await;
    assert_eq!(doc, serde_json::from_str::<Value>(POLICY).unwrap());
    // Recorded on the change and the request history, and audited
    let (status, err): (String, Option<String>) =
        row(&pool, "SELECT status, error FROM request_changes").await;
    assert_eq!((status.as_str(), err), ("applied", None));
    let kinds: Vec<String> = scalars(&pool, "SELECT kind FROM request_events ORDER BY id").await;
    assert_eq!(kinds, ["created", "change.approved", "change.applied"]);
    let audited: i64 = scalar(&pool, "SELECT count(*) FROM audit_events WHERE action = 'request.change.applied' AND outcome = 'success'").await;
    assert_eq!(audited, 1);
    // The cache was re-read, so the role page shows the policy at once.
    let inline: Value = scalar_of(
        &pool,
        "SELECT inline_policies FROM roles WHERE arn = $1",
        &arn,
    )
    .await;
    assert_eq!(inline[0]["name"], "read-logs");

    // Approving twice applies nothing twice.
    let r = approve_all(&admin, &base, id.as_str()).await;
    assert_eq!(r.status(), 409);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn rejected_request_changes_nothing_in_aws(pool: PgPool) {
    let (s, a, base, _, _, id) = setup_asked(&pool).await;
    let admin = signed_in(&base, ADMIN).await;
    let r = admin
        .post_form(
            format!("{base}/api/reject_request"),
            &[("id", id.as_str()), ("reason", "use the read-only role")],
        )
        .await;
    assert!(r.status().is_success());
    assert!(inline_names(&s, &a).await.is_empty());
    let (req, change): (String, String) = row(
        &pool,
        "SELECT r.status, c.status FROM requests r JOIN request_changes c ON c.request_id = r.id",
    )
    .await;
    assert_eq!((req.as_str(), change.as_str()), ("rejected", "cancelled"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn engineers_cannot_approve_and_admins_cannot_approve_their_own(pool: PgPool) {
    let (s, a, base, arn, _, id) = setup_asked(&pool).await;

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
    let own: uuid::Uuid =
        scalar_of(&pool, "SELECT id FROM requests WHERE requester = $1", ADMIN).await;
    let r = approve_all(&admin, &base, &own.to_string()).await;
    assert_eq!(r.status(), 403);

    let pending: i64 = scalar(
        &pool,
        "SELECT count(*) FROM requests WHERE status = 'pending'",
    )
    .await;
    assert_eq!(pending, 2);
    assert!(inline_names(&s, &a).await.is_empty(), "nothing reached AWS");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn bad_input_is_refused_with_the_field_named_and_nothing_is_stored(pool: PgPool) {
    let (_, _, base, arn, eng) = setup(&pool).await;
    let cases = [
        (
            arn.as_str(),
            "{\"Version\": ",
            WHY,
            "policy",
            "not valid JSON",
        ),
        (
            arn.as_str(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}"#,
            WHY,
            "policy",
            "Statement[0].Resource",
        ),
        (arn.as_str(), POLICY, "", "justification", "required"),
        (
            "arn:aws:iam::12:role/x",
            POLICY,
            WHY,
            "role_arn",
            "exactly 12 digits",
        ),
        (
            "arn:aws:iam::999999999999:role/nope",
            POLICY,
            WHY,
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
    let (_, _, base, _, eng, id) = setup_asked(&pool).await;
    let other = signed_in(&base, OTHER_ENGINEER).await;
    let r = get_request(&other, &base, id.as_str()).await;
    assert_eq!(r.status(), 404);
    let list: Value = other.post_json(format!("{base}/api/list_requests")).await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    let mine: Value = eng.post_json(format!("{base}/api/list_requests")).await;
    assert_eq!(mine[0]["status"], "pending");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_cross_origin_post_with_the_session_cookie_is_refused(pool: PgPool) {
    let (_, _, base, arn, eng) = setup(&pool).await;
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
        .fetch()
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(count(&pool, "requests").await, 0, "nothing stored");
    // A cookie with neither Origin nor Referer is refused too.
    let bare = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    bare.post_form(format!("{base}/api/dev_sign_in"), &[("user_id", ENGINEER)])
        .await;
    let r = bare
        .post_form(format!("{base}/api/create_request"), &form)
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(count(&pool, "requests").await, 0, "nothing stored");
    let r = eng
        .post(format!("{base}/api/create_request"))
        .header("origin", base.as_str())
        .form(&form)
        .fetch()
        .await;
    assert!(
        r.status().is_success(),
        "same origin is fine: {}",
        r.status()
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn sessions_rotate_at_sign_in_and_end_everywhere_on_request(pool: PgPool) {
    // No engineer signed in yet: the test counts the sessions.
    let (_, _, base) = served(&pool, &["eng-dev"]).await.into_parts();
    let laptop = signed_in(&base, ENGINEER).await;
    let phone = signed_in(&base, ENGINEER).await;
    let sessions = || scalar::<i64>(&pool, "SELECT count(*) FROM sessions");
    assert_eq!(sessions().await, 2);
    // Signing in again from the laptop replaces its session instead of adding one.
    laptop
        .post_form(format!("{base}/api/dev_sign_in"), &[("user_id", ENGINEER)])
        .await;
    assert_eq!(sessions().await, 2);
    assert!(laptop
        .post_status(format!("{base}/api/list_requests"))
        .await
        .is_success());
    // Sign out everywhere from the phone ends the laptop's session too.
    let r = phone
        .post_empty(format!("{base}/api/sign_out_everywhere"))
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    assert_eq!(sessions().await, 0);
    assert_eq!(
        laptop
            .post_status(format!("{base}/api/list_requests"))
            .await,
        401
    );
}
