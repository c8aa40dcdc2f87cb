//! Client subcommands of the `latchkey` binary (the Weep replacement):
//! login, roles, export, credential-process, console, serve. One binary for
//! server and CLI keeps distribution simple; the client only needs reqwest.
pub mod login;

use app::domain::shell::{export_lines, Shell};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Saved by `latchkey login`: where the server is and the API token (0600).
#[derive(Debug, Serialize, Deserialize)]
pub struct ClientConfig {
    pub server: String,
    pub token: String,
}

pub type CliResult<T> = Result<T, String>;

pub fn config_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("latchkey").join("cli.json")
}

pub fn load() -> CliResult<ClientConfig> {
    let p = config_path();
    let text = std::fs::read_to_string(&p).map_err(|_| {
        format!(
            "not logged in ({} missing): run `latchkey login`",
            p.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not valid: {e}", p.display()))
}

/// Stores the server and token, readable by the owner only.
pub fn save(cfg: &ClientConfig) -> CliResult<PathBuf> {
    let p = config_path();
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(cfg).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&p)
            .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        f.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    #[cfg(not(unix))]
    std::fs::write(&p, text).map_err(|e| e.to_string())?;
    Ok(p)
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("latchkey-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

pub(crate) async fn check(resp: reqwest::Result<reqwest::Response>) -> CliResult<Value> {
    let resp = resp.map_err(|e| format!("cannot reach the server: {}", e.without_url()))?;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!(
            "{status}: {}",
            body["message"].as_str().unwrap_or("request failed")
        ))
    }
}

/// `GET {server}{path}` with the saved token, as JSON.
pub(crate) async fn get_json(cfg: &ClientConfig, path: &str) -> CliResult<Value> {
    check(
        client()
            .get(format!("{}{path}", cfg.server))
            .bearer_auth(&cfg.token)
            .send()
            .await,
    )
    .await
}

pub async fn roles() -> CliResult<()> {
    let cfg = load()?;
    let v = get_json(&cfg, "/api/v2/get_roles?all=true").await?;
    for r in v["data"]["roles"].as_array().into_iter().flatten() {
        println!(
            "{}/{}\t{}{}",
            r["account_friendly_name"].as_str().unwrap_or_default(),
            r["role_name"].as_str().unwrap_or_default(),
            r["arn"].as_str().unwrap_or_default(),
            if r["cli_only"].as_bool() == Some(true) {
                "\t(cli only)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// Credentials for `role` (ARN or account/role) from the Weep-compatible API.
pub async fn credentials(cfg: &ClientConfig, role: &str) -> CliResult<Value> {
    let v = check(
        client()
            .post(format!("{}/api/v1/get_credentials", cfg.server))
            .bearer_auth(&cfg.token)
            .json(&json!({ "requested_role": role }))
            .send()
            .await,
    )
    .await?;
    Ok(v["Credentials"].clone())
}

fn field(c: &Value, k: &str) -> String {
    c[k].as_str().unwrap_or_default().to_owned()
}

fn rfc3339(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub async fn export(role: &str, shell: &str) -> CliResult<()> {
    let shell = match shell {
        "bash" | "zsh" | "sh" => Shell::Posix,
        "fish" => Shell::Fish,
        "powershell" | "pwsh" => Shell::PowerShell,
        other => {
            return Err(format!(
                "--shell {other:?}: use bash, zsh, fish or powershell"
            ))
        }
    };
    let c = credentials(&load()?, role).await?;
    println!(
        "{}",
        export_lines(
            shell,
            &field(&c, "AccessKeyId"),
            &field(&c, "SecretAccessKey"),
            &field(&c, "SessionToken")
        )
    );
    Ok(())
}

/// The `credential_process` protocol of ~/.aws/config.
pub async fn credential_process(role: &str) -> CliResult<()> {
    let c = credentials(&load()?, role).await?;
    let out = json!({
        "Version": 1,
        "AccessKeyId": c["AccessKeyId"],
        "SecretAccessKey": c["SecretAccessKey"],
        "SessionToken": c["SessionToken"],
        "Expiration": rfc3339(c["Expiration"].as_i64().unwrap_or_default()),
    });
    println!("{out}");
    Ok(())
}

pub fn console(role: &str, region: Option<&str>) -> CliResult<()> {
    let cfg = load()?;
    // Both `account/role` and a full ARN map onto /role/{account}/{name}.
    let mut url = format!("{}/role/{role}", cfg.server);
    if let Some(r) = region {
        url.push_str(&format!("?r={}", urlencoding::encode(r)));
    }
    // Opening needs the browser's session, so this hands the URL to it.
    if !open_in_browser(&url) {
        println!("{url}");
    }
    Ok(())
}

/// Hands `url` to the desktop's browser; false when there is none to hand it
/// to (no display, e.g. over SSH) or the opener failed.
pub fn open_in_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        "xdg-open"
    } else {
        // Without a display xdg-open falls back to a text browser in this terminal.
        return false;
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether a request to the local credential server may have an answer:
/// it names this loopback address as its Host (a page on another site that
/// rebinds its DNS name to 127.0.0.1 sends its own name) and carries the
/// token printed at start (compared in constant time).
fn local_caller_ok(headers: &axum::http::HeaderMap, port: u16, token: &str) -> bool {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let host_ok = host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}");
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let given = given.strip_prefix("Bearer ").unwrap_or(given).as_bytes();
    let want = token.as_bytes();
    let same = given.len() == want.len()
        && given
            .iter()
            .zip(want)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    host_ok && same
}

/// A local ECS-style credential provider for one role on 127.0.0.1:`port`:
/// credentials are cached and refreshed 5 minutes before they expire. Only
/// callers holding the random token printed at start (the AWS SDKs send
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`) and naming the loopback Host get them.
pub async fn serve(role: &str, port: u16) -> CliResult<()> {
    use std::sync::Arc;
    use tokio::sync::Mutex;
    let cfg = Arc::new(load()?);
    let role = Arc::new(role.to_owned());
    let cache: Arc<Mutex<Option<Value>>> = Arc::new(Mutex::new(None));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut buf = [0u8; 24];
    getrandom::fill(&mut buf).map_err(|e| e.to_string())?;
    let token = Arc::new(hex::encode(buf));
    let bound_port = addr.port();
    let handler = move |headers: axum::http::HeaderMap| {
        let (cfg, role, cache, token) = (cfg.clone(), role.clone(), cache.clone(), token.clone());
        async move {
            if !local_caller_ok(&headers, bound_port, &token) {
                return (
                    axum::http::StatusCode::FORBIDDEN,
                    axum::Json(json!({
                        "message": "send the AWS_CONTAINER_AUTHORIZATION_TOKEN that latchkey serve printed, to 127.0.0.1"
                    })),
                );
            }
            let mut slot = cache.lock().await;
            let fresh = slot.as_ref().is_some_and(|c| {
                c["Expiration"].as_i64().unwrap_or(0) > chrono::Utc::now().timestamp() + 300
            });
            if !fresh {
                match credentials(&cfg, &role).await {
                    Ok(c) => *slot = Some(c),
                    Err(e) => {
                        return (
                            axum::http::StatusCode::BAD_GATEWAY,
                            axum::Json(json!({ "message": e })),
                        )
                    }
                }
            }
            let c = slot.clone().unwrap_or_default();
            (
                axum::http::StatusCode::OK,
                axum::Json(json!({
                    "AccessKeyId": c["AccessKeyId"],
                    "SecretAccessKey": c["SecretAccessKey"],
                    "Token": c["SessionToken"],
                    "Expiration": rfc3339(c["Expiration"].as_i64().unwrap_or_default()),
                })),
            )
        }
    };
    println!("export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://{addr}/");
    println!(
        "export AWS_CONTAINER_AUTHORIZATION_TOKEN={}",
        hex::encode(buf)
    );
    let app = axum::Router::new().route("/", axum::routing::get(handler));
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}
