//! The role sync against moto and Postgres.
#![allow(clippy::unwrap_used)]
#[path = "../common/mod.rs"]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_account, sync_all, SyncOutcome, Task, Trigger};
use latchkey::services::Services;
use serde_json::Value;
use sqlx::PgPool;

async fn cached(pool: &PgPool, account: &str) -> Vec<(String, Value, Value, Value)> {
    rows_of(pool, "SELECT name, inline_policies, managed_policies, tags FROM roles WHERE account_id = $1 ORDER BY name", account).await
}

/// A manual run of `task` for `account`, which must run and succeed.
async fn run_task(s: &Services, task: Task, account: &str) -> SyncOutcome {
    let acct = app::domain::AccountId::parse(account).unwrap();
    let run = sync_account(s, task, &acct, Trigger::Manual).await;
    run.unwrap()
        .unwrap_or_else(|| panic!("{task:?} of {account} did not run"))
}

/// One task's status for the first account, as the admin API returns it.
async fn task_status(admin: &reqwest::Client, base: &str, task: &str) -> Value {
    let status: Value = admin.post_json(format!("{base}/api/sync_status")).await;
    status[0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == task)
        .unwrap()
        .clone()
}

mod caching;
mod cli;
mod faults;
mod refresh;
mod regions;
mod running;
mod runs;
