//! The Weep-compatible credentials API and health endpoints over HTTP.
#![allow(clippy::unwrap_used)]
#[path = "../common/mod.rs"]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

/// One account with `eng-dev` (eligible) and `prod-admin`, served.
async fn setup(pool: &PgPool) -> Served {
    served(pool, &["eng-dev", "prod-admin"]).await
}

async fn audit(pool: &PgPool) -> Vec<(String, String, String, Option<String>)> {
    rows(
        pool,
        "SELECT actor, target, outcome, ip FROM audit_events WHERE action = 'credentials.issue' ORDER BY id",
    )
    .await
}

mod access_rules;
mod applications;
mod eligibility;
mod home;
mod ip;
mod issue;
mod scripts_api;
mod weep;
