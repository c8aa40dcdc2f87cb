//! Test helpers: real Postgres (one database per test via #[sqlx::test]) and
//! a real moto server; every test works in its own random AWS account ids.
// Each test crate uses a part of this module: the rest is not dead code.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use latchkey::aws::Aws;
use latchkey::config::Config;
use latchkey::services::Services;
use sqlx::PgPool;
use std::sync::Arc;

mod api;
mod aws;
mod config_toml;
mod db;
mod fault_proxy;
mod heard;
mod http;
mod json;
mod outage;
mod pg_cluster;
mod process;
mod served;
mod sinks;
pub use api::*;
pub use aws::*;
pub use config_toml::*;
pub use db::*;
pub use fault_proxy::*;
pub use heard::*;
pub use http::*;
pub use json::*;
pub use outage::*;
pub use pg_cluster::*;
pub use process::*;
pub use served::*;
pub use sinks::*;

pub fn moto_url() -> String {
    std::env::var("LATCHKEY_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:5100".into())
}

/// A fresh 12-digit account id, so tests sharing one moto never collide.
pub fn unique_account() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 900_000_000_000 + 100_000_000_000;
    n.to_string()
}

pub const ENGINEER: &str = "erin@example.com";
pub const OTHER_ENGINEER: &str = "eve@example.com";
pub const ADMIN: &str = "ada@example.com";
/// Engineers who also approve `acct0` (resp. `acct1`), with [`LEADS`].
pub const LEAD_A: &str = "lead-a@example.com";
pub const LEAD_B: &str = "lead-b@example.com";

/// Extra config (for [`config_with`]): LEAD_A approves the first account,
/// LEAD_B the second; both are engineers too.
pub const LEADS: &str = r#"
        [[auth.dev_users]]
        id = "lead-a@example.com"
        display_name = "Lead A"
        groups = ["engineers", "leads-a"]
        [[auth.dev_users]]
        id = "lead-b@example.com"
        display_name = "Lead B"
        groups = ["engineers", "leads-b"]
        [[auth.approvers]]
        group = "leads-a"
        accounts = ["acct0"]
        [[auth.approvers]]
        group = "leads-b"
        accounts = ["acct1"]
"#;

/// A config for `accounts` where engineers may use `eng-*` roles.
pub fn config(accounts: &[&str]) -> Config {
    config_with(accounts, "")
}

/// Like [`config`], with extra TOML appended (e.g. `[[organizations]]`).
pub fn config_with(accounts: &[&str], extra: &str) -> Config {
    config_auth(accounts, "", extra)
}

/// Like [`config_with`], with `auth_keys` put in the `[auth]` table
/// (e.g. `allow_admin_self_approval = true`).
pub fn config_auth(accounts: &[&str], auth_keys: &str, extra: &str) -> Config {
    config_in(accounts, &[("auth", auth_keys)], extra)
}

/// Like [`config_with`], with keys put in the named tables (`aws`, `auth`).
pub fn config_in(accounts: &[&str], tables: &[(&str, &str)], extra: &str) -> Config {
    if std::env::var("AWS_ACCESS_KEY_ID").is_err() {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    }
    let t = config_toml_in(accounts, tables, extra);
    Config::from_toml(&t, std::iter::empty()).expect("test config")
}

/// The TOML [`config_in`] parses (for a `latchkey` process of the test's).
pub fn config_toml_in(accounts: &[&str], tables: &[(&str, &str)], extra: &str) -> String {
    let auth_keys = "# Tests pair dev sign-in with OIDC and trusted headers on purpose.\n\
                     i_know_dev_mode_is_unsafe = true\nadmin_groups = [\"admins\"]";
    let mut t = dev_mode_toml(&moto_url(), auth_keys);
    t += &dev_user(ENGINEER, "Erin Engineer", &["engineers"]);
    t += &dev_user(OTHER_ENGINEER, "Eve Engineer", &["engineers"]);
    t += &dev_user(ADMIN, "Ada Admin", &["admins"]);
    t += &eligibility("engineers", &[ENG_ROLE_PATTERN]);
    for (i, a) in accounts.iter().enumerate() {
        t += &account(a, &format!("acct{i}"));
    }
    t.push_str(extra);
    for (table, keys) in tables {
        t = t.replacen(&format!("[{table}]\n"), &format!("[{table}]\n{keys}\n"), 1);
    }
    t
}

/// The server's log goes to the test's output, shown when the test fails:
/// warnings and errors, or what `LATCHKEY_TEST_LOG` (an `EnvFilter`) asks.
pub fn log_to_test_output() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_env("LATCHKEY_TEST_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    });
}

pub async fn services(pool: PgPool, cfg: Config) -> Services {
    log_to_test_output();
    let accounts: Vec<(String, String, bool)> = cfg
        .accounts
        .iter()
        .map(|a| (a.id.to_string(), a.name.clone(), true))
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::accounts::upsert_from_config(&mut conn, &accounts)
        .await
        .unwrap();
    drop(conn);
    let aws = Aws::new(&cfg.aws).await;
    Services::new(pool, aws, Arc::new(cfg))
}

/// Services under [`config`] for two fresh accounts, each with its own
/// role of `roles` (no policies, no tags) created in moto, not yet synced.
pub async fn two_accounts(pool: &PgPool, roles: [&str; 2]) -> (Services, [String; 2]) {
    let accounts = [unique_account(), unique_account()];
    let s = services(pool.clone(), config(&[&accounts[0], &accounts[1]])).await;
    for (account, role) in accounts.iter().zip(roles) {
        create_role(&iam(&s, account).await, role, &[], &[]).await;
    }
    (s, accounts)
}

pub fn user(id: &str, groups: &[&str], is_admin: bool) -> app::domain::User {
    app::domain::User {
        id: id.into(),
        display_name: id.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        is_admin,
        approver_accounts: vec![],
    }
}

/// Serves the full router on an ephemeral port; returns its base URL.
pub async fn spawn_http(s: Services) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    spawn_http_on(listener, s).await
}

/// Like [`spawn_http`] on a listener bound beforehand (when the config must
/// name the server's own URL, e.g. an OIDC redirect URL).
pub async fn spawn_http_on(listener: tokio::net::TcpListener, s: Services) -> String {
    spawn_http_site(listener, s, None).await
}

/// Like [`spawn_http_on`], serving the site (pkg/, hash.txt) in `site_root`
/// instead of Leptos.toml's.
pub async fn spawn_http_site(
    listener: tokio::net::TcpListener,
    s: Services,
    site_root: Option<&str>,
) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");
    let mut opts = leptos_config::get_configuration(Some(path))
        .unwrap()
        .leptos_options;
    if let Some(root) = site_root {
        opts.site_root = root.into();
    }
    let app = latchkey::startup::router(s, opts);
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            latchkey::startup::without_nagle(listener),
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// An HTTP client signed in (dev mode) as `user_id`.
pub async fn signed_in(base: &str, user_id: &str) -> reqwest::Client {
    sign_in(reqwest::Client::builder(), base, user_id).await
}

/// Like [`signed_in`], but redirects are returned, not followed.
pub async fn signed_in_without_redirects(base: &str, user_id: &str) -> reqwest::Client {
    let b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    sign_in(b, base, user_id).await
}

async fn sign_in(b: reqwest::ClientBuilder, base: &str, user_id: &str) -> reqwest::Client {
    // Like a browser, it says where its requests come from.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let c = b
        .timeout(REQUEST_TIMEOUT)
        .cookie_store(true)
        .default_headers(headers)
        .user_agent("latchkey-tests")
        .build()
        .unwrap();
    let r = c
        .post(format!("{base}/api/dev_sign_in"))
        .form(&[("user_id", user_id)])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "sign-in failed: {}",
        r.status()
    );
    c
}

/// A client that sends `token` as its bearer credentials on every request,
/// as the CLI and scripts do; no cookies.
pub fn token_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = format!("Bearer {token}").parse().unwrap();
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Fails the test with every cell of a table that did not answer as it
/// should (`wrong`, one a line) out of the `cells` it checked.
pub fn assert_no_wrong_cells(wrong: &[String], cells: usize) {
    let (n, all) = (wrong.len(), wrong.join("\n"));
    assert!(wrong.is_empty(), "{n} of {cells} cells differ:\n{all}");
}

/// Runs the `latchkey` CLI with its config under `home`.
pub fn cli(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args(args)
        .env("XDG_CONFIG_HOME", home)
        .output()
        .unwrap()
}

/// A CLI run's standard output, after checking it succeeded.
pub fn stdout(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}
