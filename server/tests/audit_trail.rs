//! The audit trail is complete (issue #12 item 18): sign-outs, proxy
//! sign-ins, CLI codes, token changes with where they came from, refused
//! approvals and direct edits; and a change cut off while applying is
//! recovered as failed, retryable, with its history and audit rows.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn audited(
    pool: &PgPool,
    action: &str,
    outcome: &str,
) -> Vec<(String, Option<String>, Option<String>)> {
    let sql = "SELECT actor, ip, user_agent FROM audit_events WHERE action = $1 AND outcome = $2 ORDER BY id";
    rows_with(pool, sql, &[action, outcome]).await
}

/// Changes that tag `role` with `k=v`.
fn tag_k_v(role: &str) -> Value {
    json!([{"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": "k", "value": "v"}]}}])
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn every_security_event_leaves_an_audit_row_with_its_origin(pool: PgPool) {
    let proxies = |accounts: &[&str]| {
        let table =
            "\n[auth.trusted_headers]\nmode = \"headers\"\ntrusted_proxies = [\"127.0.0.1/32\"]\n";
        config_with(accounts, table)
    };
    let w = served_with(&pool, proxies, &["eng-dev"]).await;
    let (base, role) = (w.base.clone(), w.role("eng-dev"));
    let eng = w.signed_in(ENGINEER).await;

    // Tokens: created and revoked, with the caller's address and agent.
    let (id, _) = new_token(&eng, &base, "laptop").await;
    eng.post_form(format!("{base}/api/revoke_token"), &[("id", id.as_str())])
        .await;
    for action in ["token.create", "token.revoke"] {
        let rows = audited(&pool, action, "success").await;
        assert_eq!(rows.len(), 1, "{action}");
        assert_eq!(rows[0].1.as_deref(), Some("127.0.0.1"), "{action}");
        assert!(rows[0].2.is_some(), "{action} keeps the user agent");
    }

    // Refused: approving one's own request, and a direct edit by an engineer.
    let rid = asked(&eng, &base, &role, tag_k_v(&role)).await;
    let change: String = scalar(&pool, "SELECT id::text FROM request_changes").await;
    let r = review(
        &eng,
        &base,
        &[
            ("id", rid.as_str()),
            ("action", "apply"),
            ("change_id", change.as_str()),
        ],
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = submit_request(&eng, &base, &role, tag_k_v(&role), true).await;
    assert_eq!(r.status(), 403);
    assert_eq!(audited(&pool, "request.approve", "denied").await.len(), 1);
    assert_eq!(
        audited(&pool, "request.direct_edit", "denied").await.len(),
        1
    );

    // A proxy's sign-in is recorded once, not on every request.
    for _ in 0..3 {
        let r = reqwest::Client::new()
            .post(format!("{base}/api/me"))
            .header("origin", &base)
            .header("x-forwarded-user", "pat@example.com")
            .header("x-forwarded-groups", "engineers")
            .fetch()
            .await;
        assert_eq!(r.status(), 200);
    }
    let proxy: Vec<String> = scalars(&pool, "SELECT actor FROM audit_events WHERE action = 'signin' AND detail->>'method' = 'trusted_headers'").await;
    assert_eq!(proxy, ["pat@example.com"]);

    // Signing out.
    eng.post_empty(format!("{base}/api/sign_out")).await;
    let out = audited(&pool, "signout", "success").await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0, ENGINEER);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_change_cut_off_while_applying_is_recovered_as_failed_and_retryable(pool: PgPool) {
    let (s, a, base) = served(&pool, &["eng-dev"]).await.into_parts();
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let eng = signed_in(&base, ENGINEER).await;
    let rid = asked(&eng, &base, &role, tag_k_v(&role)).await;
    // As if a server claimed it and stopped during the AWS call.
    execute(&pool, "UPDATE request_changes SET status = 'applying', applying_since = now() - interval '1 hour',
             approvals = ARRAY['ada@example.com']").await;
    let now = chrono::Utc::now();
    assert_eq!(
        latchkey::services::requests::recover_stuck(&s, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        latchkey::services::requests::recover_stuck(&s, now)
            .await
            .unwrap(),
        0
    );
    let (status, error): (String, Option<String>) =
        row(&pool, "SELECT status, error FROM request_changes").await;
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("interrupted while applying"));
    assert_eq!(
        audited(&pool, "request.change.failed", "failure")
            .await
            .len(),
        1
    );
    // Retried by an approver, it applies.
    let admin = signed_in(&base, ADMIN).await;
    assert!(approve_all(&admin, &base, &rid).await.status().is_success());
    let status: String = scalar(&pool, "SELECT status FROM request_changes").await;
    assert_eq!(status, "applied");
}
