//! Faults survived, nothing lost (issue #14 item 7): the emulator going away
//! mid-sync, Postgres restarted under a running server, a server killed
//! between claiming a change and recording its outcome, and one of two
//! replicas killed mid-sync.
#![allow(clippy::unwrap_used)]
#[path = "../common/mod.rs"]
mod common;

use common::*;
use serde_json::{json, Value};
use sqlx::PgPool;

/// Config for a `latchkey` process of a test: nothing runs on a schedule
/// during the test (each test starts the work it means to see).
const NO_SCHEDULE: &str = "\n[sync]\non_start = false\nschedule = \"0 0 0 1 1 *\"\n\
                           [sync.schedules]\nexpiry = \"0 0 0 1 1 *\"\n";

/// Grants reading the logs bucket: an inline policy one approval applies.
const READ_LOGS: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadLogs","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"}]}"#;

/// The changes of a request putting inline policy `read-logs` on `role`.
fn read_logs_on(role: &str) -> Value {
    let document: Value = serde_json::from_str(READ_LOGS).unwrap();
    json!([{"target_arn": role, "spec": {"kind": "inline_policy_put", "policy_name": "read-logs", "document": document}}])
}

/// Every cached row of `account` as (kind, ARN, tags, policy, details):
/// the resources table (roles, buckets, queues...) and the roles table.
async fn cache_of(pool: &PgPool, account: &str) -> Vec<(String, String, Value, Value, Value)> {
    rows_of(
        pool,
        "SELECT kind, arn, tags, coalesce(policy, 'null'), details FROM resources
         WHERE account_id = $1
         UNION ALL
         SELECT 'roles table', arn, tags, inline_policies, managed_policies FROM roles
         WHERE account_id = $1
         ORDER BY 1, 2",
        account,
    )
    .await
}

/// The ARNs of [`cache_of`], each as often as it is cached.
async fn cached_arns(pool: &PgPool, account: &str) -> Vec<(String, String)> {
    let rows = cache_of(pool, account).await;
    rows.into_iter()
        .map(|(kind, arn, ..)| (kind, arn))
        .collect()
}

/// One task's status for `account`, as the admin's sync page reads it.
async fn task_status(admin: &reqwest::Client, base: &str, account: &str, task: &str) -> Value {
    let status: Value = admin.post_json(format!("{base}/api/sync_status")).await;
    let acct = status
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == account)
        .unwrap();
    let tasks = acct["tasks"].as_array().unwrap();
    tasks.iter().find(|t| t["task"] == task).unwrap().clone()
}

/// Polls (up to 30 s) until `done` holds; fails the test with `what`.
async fn until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

mod applying;
mod emulator;
mod postgres;
mod replicas;
