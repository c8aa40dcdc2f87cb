//! The setup most HTTP tests start from: a fresh account whose roles are in
//! moto and in the cache, behind a server on an ephemeral port.

use super::{
    asked, config, create_role, iam, services, signed_in, spawn_http, unique_account, ENGINEER,
};
use latchkey::config::Config;
use latchkey::services::sync::engine::{sync_all, Trigger};
use latchkey::services::Services;
use serde_json::json;
use sqlx::PgPool;
use std::time::Duration;

/// A served account: its services, its id and the server's base URL.
pub struct Served {
    pub s: Services,
    pub account: String,
    pub base: String,
}

impl Served {
    /// The ARN of role `name` in the account.
    pub fn role(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:role/{name}", self.account)
    }

    /// (services, account id, base URL), for tests that name them apart.
    pub fn into_parts(self) -> (Services, String, String) {
        (self.s, self.account, self.base)
    }

    /// A client signed in (dev mode) as `user`.
    pub async fn signed_in(&self, user: &str) -> reqwest::Client {
        signed_in(&self.base, user).await
    }

    /// The id of [`ENGINEER`]'s request (which must be accepted) to tag
    /// role `name` with `key=value`.
    pub async fn asked_to_tag(&self, name: &str, key: &str, value: &str) -> String {
        let role = self.role(name);
        let tag = json!([{"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": key, "value": value}]}}]);
        asked(&self.signed_in(ENGINEER).await, &self.base, &role, tag).await
    }
}

/// A fresh account under [`config`] with `roles` (no policies, no tags)
/// created in moto, synced, and served.
pub async fn served(pool: &PgPool, roles: &[&str]) -> Served {
    served_with(pool, config, roles).await
}

/// Like [`served`], under the config `cfg` makes for the account's id.
pub async fn served_with(
    pool: &PgPool,
    cfg: impl FnOnce(&[&str]) -> Config,
    roles: &[&str],
) -> Served {
    let untagged: Vec<(&str, &[(&str, &str)])> = roles.iter().map(|r| (*r, &[][..])).collect();
    served_tagged(pool, cfg, &untagged).await
}

/// Like [`served_with`], each role (name, tags) created with its tags.
pub async fn served_tagged(
    pool: &PgPool,
    cfg: impl FnOnce(&[&str]) -> Config,
    roles: &[(&str, &[(&str, &str)])],
) -> Served {
    let account = unique_account();
    let s = services(pool.clone(), cfg(&[&account])).await;
    let iam = iam(&s, &account).await;
    for (role, tags) in roles {
        create_role(&iam, role, &[], tags).await;
    }
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    Served { s, account, base }
}

/// A fresh account under [`config`], served as it is (no role, nothing
/// synced): the base URL and a client signed in as `user`.
pub async fn served_bare(pool: &PgPool, user: &str) -> (String, reqwest::Client) {
    let account = unique_account();
    let s = services(pool.clone(), config(&[&account])).await;
    let base = spawn_http(s).await;
    let c = signed_in(&base, user).await;
    (base, c)
}

/// Starts `s`'s background work as a serving process does, and waits (up to
/// 5 s) until its change listeners are subscribed.
pub async fn start_listening(s: &Services) {
    s.start_background();
    for _ in 0..250 {
        if s.listening() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(s.listening(), "the change listeners did not start");
}
