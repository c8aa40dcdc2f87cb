//! Client subcommands of the `latchkey` binary (the Weep replacement):
//! login, roles, export, credential-process, console, serve. One binary for
//! server and CLI keeps distribution simple; the client only needs reqwest.
pub mod commands;
pub mod files;
pub mod local;
pub mod login;

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

/// The server and token: from `LATCHKEY_SERVER` and `LATCHKEY_TOKEN` when
/// set (an application's token, handed over as a secret), else the file
/// `latchkey login` saved.
pub fn load() -> CliResult<ClientConfig> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(token) = env("LATCHKEY_TOKEN") {
        let server = env("LATCHKEY_SERVER")
            .ok_or("LATCHKEY_TOKEN is set but LATCHKEY_SERVER is not: set it to Latchkey's URL")?;
        return Ok(ClientConfig {
            server: server.trim_end_matches('/').to_owned(),
            token: token.trim().to_owned(),
        });
    }
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
    let text = serde_json::to_string_pretty(cfg).map_err(|e| e.to_string())?;
    write_private(&p, &text)?;
    Ok(p)
}

/// Writes `text` to `path` (made 0600, its folder made if missing),
/// through a temporary file renamed over it: a reader never sees half a file.
pub fn write_private(path: &std::path::Path, text: &str) -> CliResult<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("latchkey-tmp");
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        f.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    #[cfg(not(unix))]
    std::fs::write(&tmp, text).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))
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

pub(crate) fn field(c: &Value, k: &str) -> String {
    c[k].as_str().unwrap_or_default().to_owned()
}

pub(crate) fn rfc3339(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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
