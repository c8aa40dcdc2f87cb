//! `latchkey login` through the browser: the real CLI binary waits on its
//! loopback while a signed-in client authorizes it on `/cli/login`; and the
//! rules of the authorize page and the code exchange (`/api/v1/cli/token`).
#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../common/mod.rs"]
mod common;

use common::*;
use latchkey::auth::cli_login::challenge_for;
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
        // The reader thread may still be forwarding the last lines: read
        // until it hangs up (the pipe closed), not just what has arrived.
        let mut stderr = Vec::new();
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(5)) {
            stderr.push(line);
        }
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

/// The href of the link with `data-testid`, unescaped.
fn hidden_href(html: &str, testid: &str) -> String {
    let end = html.find(&format!("\" data-testid=\"{testid}\"")).unwrap();
    let start = html[..end].rfind("href=\"").unwrap() + 6;
    html[start..end].replace("&amp;", "&")
}

/// Authorizes a CLI on `port` with [`VERIFIER`]'s challenge; returns the code.
async fn authorize(c: &reqwest::Client, base: &str) -> String {
    let r = c
        .post_form(
            format!("{base}/cli/login"),
            &[
                ("port", "4242"),
                ("state", STATE),
                ("challenge", &challenge_for(VERIFIER)),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    query_param(r.headers()[header::LOCATION].to_str().unwrap(), "code")
}

async fn exchange(base: &str, body: Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post_json_body(format!("{base}/api/v1/cli/token"), &body)
        .await;
    (r.status(), r.json().await.unwrap())
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

mod browser;
mod exchange;
mod web;
