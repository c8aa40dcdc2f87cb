//! OIDC sign-in against a real provider: the npm package `oidc-provider`
//! (end2end/oidc/provider.mjs) on loopback, driven through its own login and
//! consent pages. The happy path, and every way a sign-in must fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../common/mod.rs"]
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
        .fetch()
        .await;
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
        let r = c.get(&url).fetch().await;
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
        let r = c.post_form(action.clone(), &form).await;
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
    let r = c.post_empty(format!("{base}/api/me")).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The callback's answer: status and the JSON error code.
async fn callback(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).fetch().await;
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

mod refusals;
mod sign_in;
