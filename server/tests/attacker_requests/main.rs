//! The attacker's suite, what is applied (issue #12 items 2, 7, 9, 15):
//! temporary access ends in AWS, document-less high-risk changes need two
//! approvers, a policy that moved in AWS is merged into or refused, and a
//! spoke session acting in another account is never used.
#![allow(clippy::unwrap_used)]
#[path = "../common/mod.rs"]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// A config for `accounts` where admins may approve their own requests.
fn self_approval(accounts: &[&str]) -> latchkey::config::Config {
    config_auth(accounts, "allow_admin_self_approval = true", "")
}

/// A config for `accounts` with [`LEADS`] and two approvers for high risk.
fn two_approvers(accounts: &[&str]) -> latchkey::config::Config {
    let extra = format!("{LEADS}\n[requests]\ntwo_approvers_for_high_risk = true\n");
    config_with(accounts, &extra)
}

/// Half an hour from now, as `expires_at` takes it.
fn in_half_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// How many `change.expired` events request `id` has.
async fn expired_events(pool: &PgPool, id: &str) -> i64 {
    scalar_of(
        pool,
        "SELECT count(*) FROM request_events WHERE request_id = $1::uuid AND kind = 'change.expired'",
        id,
    )
    .await
}

/// The first change of request `id` as the reviewer `c` sees it, and the
/// codes of its findings.
async fn first_change(c: &reqwest::Client, base: &str, id: &str) -> (Value, Vec<String>) {
    let view: Value = json_of(get_request(c, base, id).await).await;
    let change = view["changes"][0].clone();
    let codes = change["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect();
    (change, codes)
}

mod high_risk;
mod moved;
mod temporary;
