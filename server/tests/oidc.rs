//! OIDC sign-in against a real provider: the npm package `oidc-provider`
//! (end2end/oidc/provider.mjs) on loopback, driven through its own login and
//! consent pages. The happy path, and every way a sign-in must fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::*;
use reqwest::redirect::Policy;
use serde_json::Value;
use sqlx::PgPool;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `oidc-provider`; killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_provider(redirect_uri: &str, env: &[(&str, &str)]) -> Provider {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end");
    assert!(
        std::path::Path::new(dir)
            .join("node_modules/oidc-provider")
            .exists(),
        "run `npm ci` in end2end/ first (scripts/test.sh does)"
    );
    let port = free_port();
    let child = Command::new("node")
        .arg("oidc/provider.mjs")
        .current_dir(dir)
        .env("PORT", port.to_string())
        .env("REDIRECT_URI", redirect_uri)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node is installed");
    let p = Provider {
        child,
        issuer: format!("http://127.0.0.1:{port}"),
    };
    let discovery = format!("{}/.well-known/openid-configuration", p.issuer);
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(&discovery).await {
            if r.status().is_success() {
                return p;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("oidc-provider did not start at {}", p.issuer);
}

/// A Latchkey server (dev mode and OIDC) and its provider. `team-a-leads`
/// approve in the first account; `admins` are admins.
async fn setup(pool: PgPool, provider_env: &[(&str, &str)]) -> (String, Provider, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let redirect = format!("{base}/auth/oidc/callback");
    let provider = start_provider(&redirect, provider_env).await;
    let a = unique_account();
    let cfg = config_with(
        &[&a],
        &format!(
            r#"
            [auth.oidc]
            issuer_url = "{issuer}"
            client_id = "latchkey"
            client_secret = "latchkey-secret"
            redirect_url = "{redirect}"
            scopes = ["openid", "email", "profile", "groups"]
            provider_name = "Test IdP"
            [[auth.approvers]]
            group = "team-a-leads"
            accounts = ["acct0"]
            "#,
            issuer = provider.issuer
        ),
    );
    let s = services(pool, cfg).await;
    spawn_http_on(listener, s).await;
    (base, provider, a)
}

/// A browser of `base`: it keeps cookies and sends its Origin on every request.
fn browser_of(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response, from: &str) -> String {
    let loc = r.headers()["location"].to_str().unwrap();
    reqwest::Url::parse(from)
        .unwrap()
        .join(loc)
        .unwrap()
        .to_string()
}

/// `/auth/oidc/login` → the provider's authorization URL.
async fn start_login(c: &reqwest::Client, base: &str, next: &str) -> String {
    let r = c
        .get(format!("{base}/auth/oidc/login?next={next}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    location(&r, base)
}

fn form_action(html: &str) -> String {
    let start = html.find("action=\"").expect("a form") + 8;
    let end = html[start..].find('"').unwrap();
    html[start..start + end].replace("&amp;", "&")
}

/// Follows the provider: its login page (any password), its consent page,
/// until it redirects to Latchkey's callback; returns that callback URL.
async fn sign_in_at_provider(
    c: &reqwest::Client,
    auth_url: &str,
    login: &str,
    base: &str,
) -> String {
    let mut url = auth_url.to_owned();
    for _ in 0..12 {
        if url.starts_with(base) {
            return url;
        }
        let r = c.get(&url).send().await.unwrap();
        if r.status().is_redirection() {
            url = location(&r, &url);
            continue;
        }
        assert_eq!(r.status(), 200, "provider page {url}");
        let html = r.text().await.unwrap();
        let action = reqwest::Url::parse(&url)
            .unwrap()
            .join(&form_action(&html))
            .unwrap();
        let form: Vec<(&str, &str)> = if html.contains(r#"name="login""#) {
            vec![("prompt", "login"), ("login", login), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        let r = c.post(action.clone()).form(&form).send().await.unwrap();
        assert!(
            r.status().is_redirection(),
            "posting {action}: {}",
            r.status()
        );
        url = location(&r, action.as_str());
    }
    panic!("the provider never redirected back to Latchkey");
}

async fn me(c: &reqwest::Client, base: &str) -> (u16, Value) {
    let r = c.post(format!("{base}/api/me")).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The callback's answer: status and the JSON error code.
async fn callback(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

fn param(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn signing_in_through_the_provider_starts_a_session_with_its_groups(pool: PgPool) {
    let (base, _p, account) = setup(pool.clone(), &[]).await;
    let page = reqwest::get(format!("{base}/login"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in with Test IdP"));

    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/me").await;
    assert_eq!(param(&auth, "code_challenge_method"), "S256");
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    let r = c
        .get(&cb)
        .header("user-agent", "oidc-test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/me",
        "back to the page that asked"
    );
    let cookies: Vec<&str> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("latchkey_session=")
        && c.contains("HttpOnly")
        && c.contains("SameSite=Lax")));

    let (status, m) = me(&c, &base).await;
    assert_eq!(status, 200);
    assert_eq!(m["user"]["id"], "erin@example.com");
    assert_eq!(m["user"]["display_name"], "Erin Engineer");
    assert_eq!(
        m["user"]["groups"],
        serde_json::json!(["engineers", "team-a-leads"])
    );
    assert_eq!(m["user"]["is_admin"], false);
    assert_eq!(m["approver_accounts"][0]["account_id"], account.as_str());

    let (ip, ua, method): (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT ip, user_agent, detail->>'method' FROM audit_events WHERE action = 'signin' AND actor = 'erin@example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (ip.as_deref(), ua.as_deref(), method.as_deref()),
        (Some("127.0.0.1"), Some("oidc-test"), Some("oidc"))
    );

    // An admin by group; signing in again in a browser that holds Erin's
    // Latchkey session ends that session (rotation). A fresh cookie jar, so
    // the provider does not reuse its own session for Erin.
    let session = cookies
        .iter()
        .find(|c| c.starts_with("latchkey_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(&session, &base.parse().unwrap());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let c = reqwest::Client::builder()
        .default_headers(headers)
        .cookie_provider(jar)
        .redirect(Policy::none())
        .build()
        .unwrap();
    assert_eq!(me(&c, &base).await.1["user"]["id"], "erin@example.com");
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "ada@example.com", &base).await;
    assert_eq!(c.get(&cb).send().await.unwrap().status(), 303);
    let (_, m) = me(&c, &base).await;
    assert_eq!(m["user"]["id"], "ada@example.com");
    assert_eq!(m["user"]["is_admin"], true);
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(live, 1, "the first session ended at the second sign-in");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_callback_with_a_bad_state_or_a_provider_error_starts_no_session(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(
        callback(&c, &with_param(&cb, "state", "forged-state")).await,
        (400, "bad_state".into())
    );
    assert_eq!(
        callback(&c, &format!("{base}/auth/oidc/callback?state=x")).await,
        (400, "missing_parameter".into())
    );
    assert_eq!(
        callback(
            &c,
            &format!("{base}/auth/oidc/callback?error=access_denied&state=x")
        )
        .await,
        (400, "provider_error".into())
    );
    assert_eq!(me(&c, &base).await.0, 401);

    let html = c
        .get(with_param(&cb, "state", "forged-state"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 400);
    assert!(html.text().await.unwrap().contains("Sign-in failed"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_replayed_callback_or_code_is_refused(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(c.get(&cb).send().await.unwrap().status(), 303);

    // The same callback again: its state was consumed.
    let other = browser_of(&base);
    assert_eq!(callback(&other, &cb).await, (400, "bad_state".into()));
    // The same code under a fresh, valid state: the provider refuses it.
    let auth2 = start_login(&other, &base, "/").await;
    let replay = with_param(&cb, "state", &param(&auth2, "state"));
    assert_eq!(
        callback(&other, &replay).await,
        (401, "code_rejected".into())
    );
    assert_eq!(me(&other, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_callback_in_another_browser_is_refused(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[]).await;
    let victim = browser_of(&base);
    let attacker = browser_of(&base);
    let auth = start_login(&attacker, &base, "/").await;
    let cb = sign_in_at_provider(&attacker, &auth, "erin@example.com", &base).await;
    assert_eq!(
        callback(&victim, &cb).await,
        (400, "state_not_this_browser".into())
    );
    assert_eq!(me(&victim, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_with_another_nonce_is_refused(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let tampered = with_param(&auth, "nonce", "not-the-nonce-latchkey-sent");
    let cb = sign_in_at_provider(&c, &tampered, "erin@example.com", &base).await;
    assert_eq!(callback(&c, &cb).await, (401, "wrong_nonce".into()));
    assert_eq!(me(&c, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_expired_id_token_is_refused(pool: PgPool) {
    // The provider's clock runs two hours behind: its tokens arrive expired.
    let (base, _p, _) = setup(pool, &[("CLOCK_OFFSET_SECS", "-7200")]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(callback(&c, &cb).await, (401, "token_expired".into()));
    assert_eq!(me(&c, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_signed_by_another_key_is_refused(pool: PgPool) {
    // The provider publishes a different key under its signing key's id.
    let (base, _p, _) = setup(pool, &[("FORGE_JWKS", "1")]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(callback(&c, &cb).await, (401, "bad_signature".into()));
    assert_eq!(me(&c, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_for_another_audience_is_refused(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[("ID_TOKEN_AUDIENCE", "some-other-app")]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(callback(&c, &cb).await, (401, "wrong_audience".into()));
    assert_eq!(me(&c, &base).await.0, 401);
}
