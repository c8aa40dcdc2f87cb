//! `latchkey serve`: a credential server on 127.0.0.1 for the AWS SDKs and
//! CLI, in both of Weep's modes at once:
//! - the ECS container provider (`AWS_CONTAINER_CREDENTIALS_FULL_URI` +
//!   `AWS_CONTAINER_AUTHORIZATION_TOKEN`): `/` for the role given at start,
//!   `/ecs/{role}` for any of your roles (ARN, account/role or name), each
//!   cached and renewed five minutes before it expires;
//! - EC2 instance metadata (`AWS_EC2_METADATA_SERVICE_ENDPOINT`), for the
//!   role given at start: `/latest/api/token` (IMDSv2), `.../iam/security-credentials/`
//!   and `.../iam/info`. IMDSv2 is required unless `--allow-imdsv1`.
//!
//! Only this computer's loopback is served, to requests naming it as their
//! Host (a page that rebinds its own DNS name to 127.0.0.1 sends its name).
//! The ECS paths want the random token printed at start; the metadata paths
//! cannot (the SDKs send none), so they refuse what a browser or a proxy
//! sends (Origin, Referer, X-Forwarded-For, a browser's User-Agent) and,
//! with IMDSv2, want a session token from a PUT, which a page cannot make.
use super::{credentials, load, rfc3339, CliResult, ClientConfig};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// How long credentials are kept: until five minutes before they expire.
const RENEW_BEFORE_SECS: i64 = 300;
/// IMDSv2 session tokens live at most six hours, as EC2's do.
const MAX_IMDS_TTL: u64 = 21_600;

pub struct ServeOptions {
    pub role: Option<String>,
    pub port: u16,
    pub allow_imdsv1: bool,
    /// Roles to assume in turn from the served role's credentials (`-A`).
    pub chain: Vec<String>,
}

struct Local {
    cfg: ClientConfig,
    role: Option<String>,
    port: u16,
    token: String,
    allow_imdsv1: bool,
    chain: Vec<String>,
    cache: Mutex<HashMap<String, Value>>,
    /// IMDSv2 session tokens and when each ends.
    sessions: Mutex<HashMap<String, std::time::Instant>>,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

fn random_hex(n: usize) -> CliResult<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| e.to_string())?;
    Ok(hex::encode(buf))
}

impl Local {
    fn host_ok(&self, headers: &HeaderMap) -> bool {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let p = self.port;
        host == format!("127.0.0.1:{p}") || host == format!("localhost:{p}")
    }

    /// The printed token, compared in constant time.
    fn token_ok(&self, headers: &HeaderMap) -> bool {
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let given = given.strip_prefix("Bearer ").unwrap_or(given).as_bytes();
        let want = self.token.as_bytes();
        given.len() == want.len()
            && given
                .iter()
                .zip(want)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// What a browser or a forwarding proxy adds, which the SDKs never send.
    fn from_browser_or_proxy(headers: &HeaderMap) -> bool {
        let ua = headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        ua.contains("mozilla")
            || ["origin", "referer", "x-forwarded-for"]
                .iter()
                .any(|h| headers.contains_key(*h))
    }

    /// Credentials for `role` (then each role of the chain), from the cache
    /// while they have five minutes left.
    async fn credentials(&self, role: &str) -> Result<Value, String> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.get(role) {
            if c["Expiration"].as_i64().unwrap_or(0)
                > chrono::Utc::now().timestamp() + RENEW_BEFORE_SECS
            {
                return Ok(c.clone());
            }
        }
        let mut c = credentials(&self.cfg, role).await?;
        for next in &self.chain {
            c = super::files::assume(&c, next).await?;
        }
        cache.insert(role.to_owned(), c.clone());
        Ok(c)
    }

    async fn ecs(&self, headers: &HeaderMap, role: Option<&str>) -> Response {
        if !(self.host_ok(headers) && self.token_ok(headers)) {
            return refuse(
                StatusCode::FORBIDDEN,
                "send the AWS_CONTAINER_AUTHORIZATION_TOKEN that latchkey serve printed, to 127.0.0.1",
            );
        }
        let Some(role) = role.or(self.role.as_deref()) else {
            return refuse(StatusCode::NOT_FOUND, "no role: ask for /ecs/{role}");
        };
        match self.credentials(role).await {
            Ok(c) => Json(json!({
                "AccessKeyId": c["AccessKeyId"],
                "SecretAccessKey": c["SecretAccessKey"],
                "Token": c["SessionToken"],
                "Expiration": rfc3339(c["Expiration"].as_i64().unwrap_or_default()),
                "RoleArn": c["RoleArn"],
            }))
            .into_response(),
            Err(e) => refuse(StatusCode::BAD_GATEWAY, &e),
        }
    }

    /// Whether a metadata request may be answered; the refusal if not.
    async fn imds_ok(&self, headers: &HeaderMap) -> Result<(), Response> {
        if !self.host_ok(headers) || Self::from_browser_or_proxy(headers) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "not from this computer's AWS SDK",
            ));
        }
        match headers
            .get("x-aws-ec2-metadata-token")
            .and_then(|v| v.to_str().ok())
        {
            Some(t) => {
                let sessions = self.sessions.lock().await;
                match sessions.get(t) {
                    Some(until) if *until > std::time::Instant::now() => Ok(()),
                    _ => Err(refuse(
                        StatusCode::UNAUTHORIZED,
                        "the metadata token is unknown or expired",
                    )),
                }
            }
            None if self.allow_imdsv1 => Ok(()),
            None => Err(refuse(
                StatusCode::UNAUTHORIZED,
                "IMDSv2 is required: PUT /latest/api/token first (or serve with --allow-imdsv1)",
            )),
        }
    }

    fn short_name(&self) -> Option<&str> {
        self.role
            .as_deref()
            .map(|r| r.rsplit('/').next().unwrap_or(r))
    }
}

async fn root(State(l): State<Arc<Local>>, headers: HeaderMap) -> Response {
    l.ecs(&headers, None).await
}

async fn ecs_role(
    State(l): State<Arc<Local>>,
    Path(role): Path<String>,
    headers: HeaderMap,
) -> Response {
    l.ecs(&headers, Some(&role)).await
}

async fn imds_token(State(l): State<Arc<Local>>, headers: HeaderMap) -> Response {
    if !l.host_ok(&headers) || Local::from_browser_or_proxy(&headers) {
        return refuse(StatusCode::FORBIDDEN, "not from this computer's AWS SDK");
    }
    let ttl = headers
        .get("x-aws-ec2-metadata-token-ttl-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let Some(ttl) = ttl.filter(|t| (1..=MAX_IMDS_TTL).contains(t)) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "X-aws-ec2-metadata-token-ttl-seconds: must be 1-21600",
        );
    };
    let Ok(token) = random_hex(32) else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "no randomness");
    };
    let until = std::time::Instant::now() + std::time::Duration::from_secs(ttl);
    let mut sessions = l.sessions.lock().await;
    sessions.retain(|_, t| *t > std::time::Instant::now());
    sessions.insert(token.clone(), until);
    (
        [("x-aws-ec2-metadata-token-ttl-seconds", ttl.to_string())],
        token,
    )
        .into_response()
}

async fn imds_roles(State(l): State<Arc<Local>>, headers: HeaderMap) -> Response {
    if let Err(r) = l.imds_ok(&headers).await {
        return r;
    }
    match l.short_name() {
        Some(name) => name.to_owned().into_response(),
        None => refuse(
            StatusCode::NOT_FOUND,
            "no role: start latchkey serve with one",
        ),
    }
}

async fn imds_credentials(
    State(l): State<Arc<Local>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = l.imds_ok(&headers).await {
        return r;
    }
    let (Some(role), Some(short)) = (l.role.clone(), l.short_name()) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "no role: start latchkey serve with one",
        );
    };
    if name != short {
        return refuse(StatusCode::NOT_FOUND, "no such role here");
    }
    match l.credentials(&role).await {
        Ok(c) => Json(json!({
            "Code": "Success",
            "LastUpdated": rfc3339(chrono::Utc::now().timestamp()),
            "Type": "AWS-HMAC",
            "AccessKeyId": c["AccessKeyId"],
            "SecretAccessKey": c["SecretAccessKey"],
            "Token": c["SessionToken"],
            "Expiration": rfc3339(c["Expiration"].as_i64().unwrap_or_default()),
        }))
        .into_response(),
        Err(e) => refuse(StatusCode::BAD_GATEWAY, &e),
    }
}

async fn imds_info(State(l): State<Arc<Local>>, headers: HeaderMap) -> Response {
    if let Err(r) = l.imds_ok(&headers).await {
        return r;
    }
    let Some(role) = l.role.clone() else {
        return refuse(
            StatusCode::NOT_FOUND,
            "no role: start latchkey serve with one",
        );
    };
    let arn = match l.credentials(&role).await {
        Ok(c) => c["RoleArn"].as_str().unwrap_or_default().to_owned(),
        Err(e) => return refuse(StatusCode::BAD_GATEWAY, &e),
    };
    Json(json!({
        "Code": "Success",
        "LastUpdated": rfc3339(chrono::Utc::now().timestamp()),
        "InstanceProfileArn": arn.replacen(":role/", ":instance-profile/", 1),
        "InstanceProfileId": "AIPALATCHKEYLOCAL",
    }))
    .into_response()
}

pub async fn serve(o: ServeOptions) -> CliResult<()> {
    let cfg = load()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", o.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", o.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let token = random_hex(24)?;
    let has_role = o.role.is_some();
    let state = Arc::new(Local {
        cfg,
        role: o.role,
        port: addr.port(),
        token: token.clone(),
        allow_imdsv1: o.allow_imdsv1,
        chain: o.chain,
        cache: Mutex::new(HashMap::new()),
        sessions: Mutex::new(HashMap::new()),
    });
    use axum::routing::{get, put};
    let creds = "/latest/meta-data/iam/security-credentials";
    let app = axum::Router::new()
        .route("/", get(root))
        .route("/ecs/{*role}", get(ecs_role))
        .route("/latest/api/token", put(imds_token))
        .route(creds, get(imds_roles))
        .route(&format!("{creds}/"), get(imds_roles))
        .route(&format!("{creds}/{{name}}"), get(imds_credentials))
        .route("/latest/meta-data/iam/info", get(imds_info))
        .with_state(state);
    println!("export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://{addr}/");
    println!("export AWS_CONTAINER_AUTHORIZATION_TOKEN={token}");
    if has_role {
        println!(
            "# or, as instance metadata: export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://{addr}/"
        );
    }
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}
