//! `latchkey login` through the browser: the real CLI binary waits on its
//! loopback while a signed-in client authorizes it on `/cli/login`; and the
//! rules of the authorize page and the code exchange (`/api/v1/cli/token`).
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::*;
use latchkey::auth::cli_login::challenge_for;
use latchkey::jobs::sync::{sync_all, Trigger};
use latchkey::services::sessions::hash_token;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// The RFC 7636 example verifier.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const STATE: &str = "test-state-0123456789";

fn temp_home() -> PathBuf {
    std::env::temp_dir().join(format!("latchkey-cli-login-{}", uuid::Uuid::new_v4()))
}

/// `latchkey login --no-browser` running in the background: the URL it
/// printed, and the rest of its standard error. Killed if the test fails.
struct LoginProcess {
    child: Option<Child>,
    url: String,
    stderr: Receiver<String>,
}

impl Drop for LoginProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl LoginProcess {
    async fn start(base: &str, home: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .args(["login", "--server", base, "--no-browser"])
            .env("XDG_CONFIG_HOME", home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let prefix = format!("{base}/cli/login?");
        let (url, rx) = tokio::task::spawn_blocking(move || loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the CLI printed no sign-in URL");
            if line.trim().starts_with(&prefix) {
                break (line.trim().to_owned(), rx);
            }
        })
        .await
        .unwrap();
        Self {
            child: Some(child),
            url,
            stderr: rx,
        }
    }

    /// Waits for the CLI to exit: (success, stdout, rest of stderr).
    async fn finish(mut self) -> (bool, String, String) {
        let mut child = self.child.take().unwrap();
        let out = tokio::task::spawn_blocking(move || {
            let status = child.wait().unwrap();
            let mut stdout = String::new();
            std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
            (status.success(), stdout)
        });
        let (ok, stdout) = tokio::time::timeout(Duration::from_secs(60), out)
            .await
            .expect("the CLI did not exit")
            .unwrap();
        let stderr: Vec<String> = self.stderr.try_iter().collect();
        (ok, stdout, stderr.join("\n"))
    }
}

/// A hidden form field's value from the authorize page.
fn hidden(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} field in {html}"))
        + name.len()
        + 15;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

fn query_param(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn latchkey_login_through_the_browser_saves_a_working_token(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let home = temp_home();
    let login = LoginProcess::start(&base, &home).await;
    let port = query_param(&login.url, "port");

    // The browser: the authorize page, then its form, then the CLI's loopback.
    let browser = signed_in_without_redirects(&base, ENGINEER).await;
    let page = browser.get(&login.url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(
            "Authorize the Latchkey CLI on this computer as <strong>Erin Engineer</strong>"
        ),
        "{html}"
    );
    assert!(html.contains(&format!("127.0.0.1:{port}")));
    let form: Vec<(&str, String)> = ["port", "state", "challenge"]
        .into_iter()
        .map(|f| (f, hidden(&html, f)))
        .collect();
    let r = browser
        .post(format!("{base}/cli/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let callback = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&format!("http://127.0.0.1:{port}/callback?code=")),
        "{callback}"
    );
    assert_eq!(
        query_param(&callback, "state"),
        query_param(&login.url, "state")
    );
    let tab = reqwest::get(&callback).await.unwrap();
    assert_eq!(tab.status(), StatusCode::OK);
    assert!(tab.text().await.unwrap().contains("You can close this tab"));

    let (ok, out, err) = login.finish().await;
    assert!(ok, "stdout: {out}\nstderr: {err}");
    assert!(out.contains(&format!("logged in to {base}")), "{out}");
    let saved = home.join("latchkey").join("cli.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let h = home.clone();
    let roles = stdout(
        &tokio::task::spawn_blocking(move || cli(&h, &["roles"]))
            .await
            .unwrap(),
    );
    assert!(
        roles.contains(&format!("acct0/eng-dev\tarn:aws:iam::{a}:role/eng-dev")),
        "{roles}"
    );

    // Only the code's hash was stored, and it is spent.
    let code = query_param(&callback, "code");
    let stored: Vec<(String, bool)> =
        sqlx::query_as("SELECT code_hash, used_at IS NOT NULL FROM cli_logins")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(stored, vec![(hash_token(&code), true)]);
    let (name, via, actor): (String, String, String) = sqlx::query_as(
        "SELECT t.name, e.detail->>'via', e.actor FROM api_tokens t
         JOIN audit_events e ON e.action = 'token.create' AND e.target = t.id::text",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(name.starts_with("CLI on "), "{name}");
    assert_eq!((via.as_str(), actor.as_str()), ("cli-login", ENGINEER));
    // Issuing the one-time code is audited too, with where the browser was.
    let (actor, ip): (String, Option<String>) = sqlx::query_as(
        "SELECT actor, ip FROM audit_events WHERE action = 'cli.code_issue' AND outcome = 'success'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (actor.as_str(), ip.as_deref()),
        (ENGINEER, Some("127.0.0.1"))
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn cancelling_in_the_browser_stops_the_cli_and_stray_callbacks_are_ignored(pool: PgPool) {
    let s = services(pool.clone(), config(&[])).await;
    let base = spawn_http(s).await;
    let home = temp_home();
    let login = LoginProcess::start(&base, &home).await;
    let port = query_param(&login.url, "port");

    // A callback with another state is answered and ignored.
    let stray = reqwest::get(format!(
        "http://127.0.0.1:{port}/callback?code=x&state=someone-else"
    ))
    .await
    .unwrap();
    assert_eq!(stray.status(), StatusCode::BAD_REQUEST);

    let browser = signed_in_without_redirects(&base, ENGINEER).await;
    let html = browser
        .get(&login.url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cancel = hidden_href(&html, "cancel-cli");
    assert!(cancel.starts_with(&format!(
        "http://127.0.0.1:{port}/callback?error=access_denied"
    )));
    reqwest::get(&cancel).await.unwrap();

    let (ok, _, err) = login.finish().await;
    assert!(!ok);
    assert!(err.contains("not authorized in the browser"), "{err}");
    assert!(!home.join("latchkey").join("cli.json").exists());
    let _ = std::fs::remove_dir_all(&home);
}

/// The href of the link with `data-testid`, unescaped.
fn hidden_href(html: &str, testid: &str) -> String {
    let end = html.find(&format!("\" data-testid=\"{testid}\"")).unwrap();
    let start = html[..end].rfind("href=\"").unwrap() + 6;
    html[start..end].replace("&amp;", "&")
}

/// Authorizes a CLI on `port` with [`VERIFIER`]'s challenge; returns the code.
async fn authorize(c: &reqwest::Client, base: &str) -> String {
    let r = c
        .post(format!("{base}/cli/login"))
        .form(&[
            ("port", "4242"),
            ("state", STATE),
            ("challenge", &challenge_for(VERIFIER)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    query_param(r.headers()[header::LOCATION].to_str().unwrap(), "code")
}

async fn exchange(base: &str, body: Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/cli/token"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_code_is_exchanged_for_a_token_only_once(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let code = authorize(&eng, &base).await;
    let body = json!({ "code": code, "verifier": VERIFIER, "name": "CLI on test" });
    let (status, v) = exchange(&base, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let token = v["token"].as_str().unwrap();
    assert!(token.starts_with("lk_"));
    let roles = reqwest::Client::new()
        .get(format!("{base}/api/v1/get_roles"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(roles.status(), StatusCode::OK);

    let (status, v) = exchange(&base, body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["field"], "code");
    assert!(
        v["message"].as_str().unwrap().contains("already used"),
        "{v}"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM api_tokens").await, 1);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_wrong_verifier_is_refused_and_changes_nothing(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let code = authorize(&eng, &base).await;
    let wrong = "x".repeat(43);
    let (status, v) = exchange(&base, json!({ "code": code, "verifier": wrong })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["field"], "verifier");
    assert_eq!(
        v["message"],
        "verifier: does not match the challenge the code was issued for"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM api_tokens").await, 0);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM cli_logins WHERE used_at IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM audit_events WHERE action = 'token.create'"
        )
        .await,
        0
    );
    // The refusal spent nothing: the CLI holding the real verifier still gets in.
    let (status, _) = exchange(&base, json!({ "code": code, "verifier": VERIFIER })).await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_expired_code_is_refused(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let code = authorize(&eng, &base).await;
    let expires: i64 = count(
        &pool,
        "SELECT extract(epoch FROM expires_at - created_at)::bigint FROM cli_logins",
    )
    .await;
    assert_eq!(expires, 300, "codes live 5 minutes");
    sqlx::query("UPDATE cli_logins SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let (status, v) = exchange(&base, json!({ "code": code, "verifier": VERIFIER })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["field"], "code");
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
    assert_eq!(count(&pool, "SELECT count(*) FROM api_tokens").await, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn anonymous_users_are_sent_to_sign_in_and_come_back(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let challenge = challenge_for(VERIFIER);
    let path = format!("/cli/login?port=4242&state={STATE}&challenge={challenge}");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    let r = anon.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/login?next={}", urlencoding::encode(&path)));
    // Posting the form without a session issues nothing.
    let r = anon
        .post(format!("{base}/cli/login"))
        .form(&[
            ("port", "4242"),
            ("state", STATE),
            ("challenge", &challenge),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login?next="));
    assert_eq!(count(&pool, "SELECT count(*) FROM cli_logins").await, 0);

    // The sign-in page carries `next` to the dev sign-in, which comes back.
    let login_page = anon.get(format!("{base}{to}")).send().await.unwrap();
    let html = login_page.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "name=\"next\" value=\"{}\"",
            path.replace('&', "&amp;")
        )),
        "{html}"
    );
    let r = anon
        .post(format!("{base}/api/dev_sign_in"))
        .form(&[("user_id", ENGINEER), ("next", &path)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[header::LOCATION].to_str().unwrap(), path);
    let r = anon.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Erin Engineer"));

    // A `next` off this site is not followed.
    let r = anon
        .post(format!("{base}/api/dev_sign_in"))
        .form(&[("user_id", ENGINEER), ("next", "//evil.example/x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[header::LOCATION].to_str().unwrap(), "/");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_cross_origin_authorize_post_is_refused(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let challenge = challenge_for(VERIFIER);
    let form = [
        ("port", "4242"),
        ("state", STATE),
        ("challenge", &challenge),
    ];
    let r = eng
        .post(format!("{base}/cli/login"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(header::LOCATION).is_none());
    assert_eq!(count(&pool, "SELECT count(*) FROM cli_logins").await, 0);
    // The page itself posts from its own origin.
    let r = eng
        .post(format!("{base}/cli/login"))
        .header(header::ORIGIN, &base)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn ports_that_are_not_1_to_65535_are_refused_naming_port(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let challenge = challenge_for(VERIFIER);
    for port in ["abc", "0", "65536", "-1", "", "4242@evil.example"] {
        let r = eng
            .get(format!("{base}/cli/login"))
            .query(&[("port", port), ("state", STATE), ("challenge", &challenge)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{port}");
        let html = r.text().await.unwrap();
        assert!(html.contains("data-field=\"port\""), "{port}: {html}");
        assert!(
            html.contains("port: must be a number from 1 to 65535"),
            "{html}"
        );
        let r = eng
            .post(format!("{base}/cli/login"))
            .form(&[("port", port), ("state", STATE), ("challenge", &challenge)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{port}");
    }
    let r = eng
        .get(format!(
            "{base}/cli/login?state={STATE}&challenge={challenge}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(count(&pool, "SELECT count(*) FROM cli_logins").await, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn bad_token_requests_name_the_field_and_rule(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let code = "c".repeat(43);
    let cases = [
        (
            json!({}),
            StatusCode::BAD_REQUEST,
            "code",
            "code: is required",
        ),
        (
            json!({ "code": "short", "verifier": VERIFIER }),
            StatusCode::BAD_REQUEST,
            "code",
            "code: must be 43 characters",
        ),
        (
            json!({ "code": code, "verifier": "short" }),
            StatusCode::BAD_REQUEST,
            "verifier",
            "verifier: must be 43-128 characters",
        ),
        (
            json!({ "code": code, "verifier": VERIFIER, "name": "n".repeat(65) }),
            StatusCode::BAD_REQUEST,
            "name",
            "name: must be 1-64 characters",
        ),
        (
            json!({ "code": code, "verifier": VERIFIER }),
            StatusCode::UNAUTHORIZED,
            "code",
            "code: unknown",
        ),
    ];
    for (body, status, field, message) in cases {
        let (s, v) = exchange(&base, body.clone()).await;
        assert_eq!(s, status, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
        assert!(
            v["message"].as_str().unwrap().starts_with(message),
            "{body}: {v}"
        );
    }
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/cli/token"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["field"], "body");
    assert_eq!(count(&pool, "SELECT count(*) FROM api_tokens").await, 0);
}
