//! The review workflow on Postgres + moto: every change kind applied and
//! visible in AWS, edit-then-apply, failure and retry, withdraw, comments,
//! and who may do which review action.
#![allow(clippy::unwrap_used)]
#[path = "../common/mod.rs"]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

const READ_LOGS: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadLogs","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"}]}"#;

struct World {
    s: latchkey::services::Services,
    account: String,
    role: String,
    base: String,
}

async fn world(pool: &PgPool) -> World {
    world_with(pool, "").await
}

/// A world whose `[auth]` table also holds `auth_keys`.
async fn world_with(pool: &PgPool, auth_keys: &str) -> World {
    let a = unique_account();
    let s = services(pool.clone(), config_auth(&[&a], auth_keys, "")).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[("old", READ_LOGS)], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    World {
        role: format!("arn:aws:iam::{a}:role/eng-dev"),
        account: a,
        s,
        base,
    }
}

async fn submit(
    c: &reqwest::Client,
    base: &str,
    principal: &str,
    changes: Value,
) -> reqwest::Response {
    let body = json!({
        "principal_arn": principal,
        "justification": "Needed for the billing migration",
        "changes": changes,
    });
    c.post_json_body(format!("{base}/api/submit_request"), &body)
        .await
}

async fn submitted(c: &reqwest::Client, base: &str, principal: &str, changes: Value) -> String {
    let r = submit(c, base, principal, changes).await;
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str::<String>(&body).unwrap()
}

async fn changes(pool: &PgPool, id: &str) -> Vec<(String, String, Option<String>)> {
    rows_of(pool, "SELECT id::text, status, error FROM request_changes WHERE request_id = $1::uuid ORDER BY position", id).await
}

async fn apply(c: &reqwest::Client, base: &str, id: &str, change: &str) -> reqwest::Response {
    review(
        c,
        base,
        &[("id", id), ("action", "apply"), ("change_id", change)],
    )
    .await
}

/// `apply` of change `change` of request `id` with the reviewer's edit `document`.
async fn apply_edited(
    c: &reqwest::Client,
    base: &str,
    (id, change): (&str, &str),
    document: &str,
) -> reqwest::Response {
    let form = [
        ("id", id),
        ("action", "apply"),
        ("change_id", change),
        ("document", document),
    ];
    review(c, base, &form).await
}

/// The changes of a request that puts inline policy `name` on `role`.
fn put_inline(role: &str, name: &str, document: Value) -> Value {
    json!([{"target_arn": role, "spec": {"kind": "inline_policy_put", "policy_name": name, "document": document}}])
}

mod apply;
mod edit;
mod requesters;
mod roles;
mod scopes;
