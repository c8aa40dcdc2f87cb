//! `latchkey login`: sign in through the browser the way gh, gcloud and
//! `aws sso login` do, or with an API token from Settings (`--token T`, or
//! `--token` alone to paste one).
//!
//! The browser flow: listen on 127.0.0.1 (a free port), send the browser to
//! `{server}/cli/login?port&state&challenge`, wait for it to come back to
//! `/callback?code&state`, check the state, then exchange the code and the
//! PKCE verifier (only its SHA-256 ever left this process) for a token.
use super::{check, client, save, CliResult, ClientConfig};
use crate::auth::cli_login::{challenge_for, new_secret};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Html;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// How long to wait for the user to authorize in the browser.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(300);

/// Where the token comes from.
pub enum TokenSource {
    /// The browser flow; `open` false only prints the URL.
    Browser {
        open: bool,
    },
    /// Pasted on standard input.
    Stdin,
    Given(String),
}

pub async fn login(server: &str, source: TokenSource) -> CliResult<()> {
    let server = server.trim_end_matches('/').to_owned();
    if !(server.starts_with("https://") || server.starts_with("http://")) {
        return Err(format!(
            "--server {server:?}: must be an http:// or https:// URL"
        ));
    }
    let token = match source {
        TokenSource::Given(t) => t,
        TokenSource::Stdin => read_pasted(&server)?,
        TokenSource::Browser { open } => browser_token(&server, open).await?,
    };
    let cfg = ClientConfig { server, token };
    // Prove the token works before saving it.
    super::get_json(&cfg, "/api/v1/get_roles").await?;
    let p = save(&cfg)?;
    println!(
        "logged in to {}; token saved in {}",
        cfg.server,
        p.display()
    );
    Ok(())
}

fn read_pasted(server: &str) -> CliResult<String> {
    eprintln!("Create a token at {server}/settings and paste it here:");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim().to_owned())
}

async fn browser_token(server: &str, open: bool) -> CliResult<String> {
    let secret = |what: &str| new_secret().map_err(|e| format!("cannot make a random {what}: {e}"));
    let (state, verifier) = (secret("state")?, secret("verifier")?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e} (use --token instead)"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let url = format!(
        "{server}/cli/login?port={port}&state={state}&challenge={}",
        challenge_for(&verifier)
    );
    if open && super::open_in_browser(&url) {
        eprintln!(
            "Your browser has been opened to authorize this computer. If it did not open, visit:"
        );
    } else {
        eprintln!("Open this URL in a browser on this computer to authorize the CLI:");
    }
    eprintln!("\n    {url}\n\nWaiting up to 5 minutes for the browser…");
    let code = wait_for_code(listener, &state).await?;
    let v = check(
        client()
            .post(format!("{server}/api/v1/cli/token"))
            .json(&json!({ "code": code, "verifier": verifier, "name": token_name() }))
            .send()
            .await,
    )
    .await?;
    v["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the server's answer has no token".to_owned())
}

#[derive(Debug, Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn tab_page(title: &str, text: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto\">\
         <h1>{title}</h1><p>{text}</p></body></html>"
    ))
}

/// Serves `/callback` until the browser arrives with our state (a request
/// with another state is answered and ignored), or the timeout.
async fn wait_for_code(listener: tokio::net::TcpListener, state: &str) -> CliResult<String> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<CliResult<String>>(1);
    let expected = Arc::new(state.to_owned());
    let callback = move |Query(q): Query<Callback>| {
        let (tx, expected) = (tx.clone(), expected.clone());
        async move {
            if q.state.as_deref() != Some(expected.as_str()) {
                return (
                    StatusCode::BAD_REQUEST,
                    tab_page(
                        "Not this sign-in",
                        "This link is not for the sign-in the Latchkey CLI is waiting for. Run <code>latchkey login</code> again.",
                    ),
                );
            }
            let (outcome, page) = match (q.code, q.error) {
                (Some(code), _) => (
                    Ok(code),
                    tab_page(
                        "You can close this tab",
                        "The Latchkey CLI is finishing the sign-in; return to your terminal.",
                    ),
                ),
                (None, error) => {
                    // Only an error code's safe characters reach the terminal.
                    let why: String = error
                        .unwrap_or_else(|| "no code".into())
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .take(64)
                        .collect();
                    (
                        Err(format!(
                            "the sign-in was not authorized in the browser ({why})"
                        )),
                        tab_page(
                            "Sign-in cancelled",
                            "The Latchkey CLI was not authorized. You can close this tab.",
                        ),
                    )
                }
            };
            let _ = tx.try_send(outcome);
            (StatusCode::OK, page)
        }
    };
    let app = axum::Router::new().route("/callback", axum::routing::get(callback));
    let stop = Arc::new(tokio::sync::Notify::new());
    let server = tokio::spawn({
        let stop = stop.clone();
        async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.notified().await })
                .await
        }
    });
    let got = tokio::time::timeout(BROWSER_TIMEOUT, rx.recv()).await;
    // Let the browser receive its page, without waiting on idle keep-alives.
    stop.notify_one();
    let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    match got {
        Ok(Some(r)) => r,
        Ok(None) => Err("the local listener stopped unexpectedly".into()),
        Err(_) => Err(
            "no answer from the browser within 5 minutes; run `latchkey login` again, or use --token"
                .into(),
        ),
    }
}

/// "CLI on <hostname>", within the 64 characters a token name may have.
fn token_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| {
            std::process::Command::new("hostname")
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        })
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| {
            h.trim()
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this computer".into());
    format!("CLI on {host}").chars().take(64).collect()
}
