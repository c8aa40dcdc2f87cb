//! Plain HTTP endpoints next to the Leptos app: health, the Weep-compatible
//! API, the CLI's browser sign-in, the session middleware that resolves the
//! signed-in user, and the one that sends anonymous browsers to sign-in.
pub mod api_v2;
mod api_v2_body;
pub mod assets;
pub mod cli_login;
pub mod client_addr;
pub mod console;
pub mod csrf;
pub mod csv;
pub mod federation_stub;
pub mod headers;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod oidc;
pub mod page;
pub mod request_id;
pub mod timing;
pub mod weep;
pub mod weep_login;
pub mod weep_roles;

use crate::services::Services;
use app::domain::token::TokenScope;
use app::ports::CurrentUser;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{extract::Request, extract::State, middleware::Next};

/// What a credentials-only API token may call: role credentials (the Weep
/// API and the ECS endpoint) and the roles list, which is all the CLI and
/// the AWS SDKs need.
fn credentials_route(path: &str) -> bool {
    matches!(
        path,
        "/api/v1/get_credentials"
            | "/api/v1/get_roles"
            | "/api/v2/get_roles"
            | "/api/v1/policies/typeahead"
            | "/api/v2/get_resource_url"
    ) || path.starts_with("/ecs/")
}

/// Weep's token cookie, when the request carries no browser session.
pub fn weep_cookie(header: Option<&str>) -> Option<String> {
    use crate::services::sessions::cookies::{cookie_value, COOKIE_NAME, SECURE_COOKIE_NAME};
    let h = header?;
    if cookie_value(h, COOKIE_NAME).is_some() || cookie_value(h, SECURE_COOKIE_NAME).is_some() {
        return None;
    }
    cookie_value(h, crate::services::weep_login::COOKIE).map(|v| v.trim().to_owned())
}

/// Where a new token is made: only a person signed in with a browser may
/// make one, so a stolen token can never renew itself past its end.
fn mints_tokens(path: &str) -> bool {
    matches!(
        path,
        "/api/create_token" | "/api/create_application_token" | "/cli/login"
    )
}

/// Puts the caller's user (or none) into the request extensions, where
/// pages, server functions and API handlers read it.
pub async fn session_layer(State(s): State<Services>, mut req: Request, next: Next) -> Response {
    let cookie = req
        .headers()
        .get(http::header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // An API token (`Authorization: Bearer lk_…`, or the bare token as the
    // AWS SDKs send AWS_CONTAINER_AUTHORIZATION_TOKEN) or the session cookie.
    let bearer = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim().to_owned());
    // Stock Weep sends its token as a cookie (ConsoleMe's JWT cookie); a
    // browser's session cookie, when there is one, comes first.
    let weep = weep_cookie(cookie.as_deref());
    let token = bearer.or_else(|| weep.clone());
    let peer_addr = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    // An application's client certificate, as a trusted TLS proxy checked
    // it, comes after a token and before a person's identity.
    let from_cert = match &token {
        None => s.config.applications.subject_from(req.headers(), peer_addr),
        Some(_) => None,
    };
    // An identity provider's word (a trusted proxy's headers, a plugin's)
    // comes before the cookie.
    let from_proxy = match (&token, &from_cert) {
        (None, None) => {
            let built_in = s
                .trusted_headers
                .as_deref()
                .map(|t| t as &dyn crate::plugins::IdentityProvider);
            s.plugins.identify(built_in, req.headers(), peer_addr).await
        }
        _ => None,
    };
    let started = std::time::Instant::now();
    let mut scope = None;
    let via_proxy = from_proxy.is_some();
    let resolved = match (token, from_cert, from_proxy) {
        (Some(t), _, _) => s.tokens().resolve(&t).await.map(|g| {
            g.map(|g| {
                scope = Some(g.scope);
                g.user
            })
        }),
        (None, Some(subject), _) => {
            // An application reaches the credential endpoints only, known
            // certificate or not.
            scope = Some(TokenScope::Credentials);
            s.application_for_subject(&subject).await
        }
        (None, None, Some(who)) => s
            .users()
            .user_for(who.user_id, who.display_name, who.groups)
            .await
            .map(Some),
        (None, None, None) => s.sessions().resolve_session(cookie.as_deref()).await,
    };
    let user = match resolved {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    };
    if weep.is_some() && user.is_none() && credentials_route(req.uri().path()) {
        // What ConsoleMe answers: Weep forgets its cookie and signs in again.
        return (
            http::StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "code": "invalid_jwt",
                "message": "JWT is invalid or has expired."
            })),
        )
            .into_response();
    }
    if scope.is_some() && mints_tokens(req.uri().path()) {
        return (
            http::StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "Forbidden": "an API token cannot make tokens; sign in with a browser \
                              (Settings, or `latchkey login`) for a new one"
            })),
        )
            .into_response();
    }
    if scope == Some(TokenScope::Credentials) && !credentials_route(req.uri().path()) {
        return (
            http::StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "Forbidden": "this API token may only get credentials and list roles; \
                              make a token with full API access in Settings for this"
            })),
        )
            .into_response();
    }
    let peer = client_addr::client_addr(peer_addr, req.headers(), &s.config.server.trusted_proxies)
        .map(|ip| ip.to_string());
    let user_agent = req
        .headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(256).collect());
    let client = app::ports::ClientMeta {
        ip: peer,
        user_agent,
    };
    if let (true, Some(u)) = (via_proxy, &user) {
        s.sessions().audit_proxy_sign_in(u, &client).await;
    }
    req.extensions_mut().insert(client);
    req.extensions_mut().insert(CurrentUser(user));
    let auth = timing::entry("auth", started.elapsed());
    let mut resp = next.run(req).await;
    timing::append(&mut resp, &auth);
    resp
}

/// Pages need a signed-in user: an anonymous page load is redirected to the
/// sign-in page, which brings the user back afterwards. Server functions
/// (`/api/...`) answer 401 instead, and the sign-in page itself is public.
/// Runs inside [`session_layer`], on the Leptos routes only.
pub async fn pages_need_sign_in(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let page = req.method() == http::Method::GET && !path.starts_with("/api/") && path != "/login";
    let anonymous = req
        .extensions()
        .get::<CurrentUser>()
        .is_none_or(|u| u.0.is_none());
    if page && anonymous {
        let here = req.uri().path_and_query().map_or(path, |p| p.as_str());
        let to = format!("/login?next={}", urlencoding::encode(here));
        return Redirect::to(&to).into_response();
    }
    next.run(req).await
}

/// How many pages render at once. A page's render hops between tasks (each
/// resource is its own task), so with every request admitted at once 50
/// renders take turns on two cores and each finishes only when most of the
/// others do; a slow one (a deep search) finishes last of all. Admitted a
/// few at a time in arrival order, a page waits for those ahead of it and
/// then renders nearly alone.
#[derive(Clone)]
pub struct PageGate {
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    /// `server.render_timeout_secs`.
    deadline: std::time::Duration,
}

impl PageGate {
    /// `server.page_concurrency`, by default twice the cores: one render on
    /// the CPU, one waiting on Postgres. On 2 cores at 50 clients over 1M
    /// rows, /resources p99 went from 38 to 22 ms for a mix of 801 queries
    /// (first page 23 -> 18 ms) at the same throughput; 2 and 8 at once were
    /// a little worse, 1,000 (no gate) was where it started.
    pub fn new(permits: Option<usize>, deadline: std::time::Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let n = permits.unwrap_or(2 * cores).max(1);
        Self {
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(n)),
            deadline,
        }
    }
}

/// Largest page held to be sent as one body (the largest real page, Admin >
/// Sync with every account, is ~300 KB); past it the page fails with a 500
/// rather than hold more memory for one request.
const WHOLE_PAGE_LIMIT: usize = 64 << 20;

/// Sends each server-rendered page as one body with its length, not as the
/// stream of small chunks Leptos renders it in: every page's data comes from
/// memory or Postgres within milliseconds, so waiting for the last chunk
/// costs nothing a user sees, while one write instead of many (each a
/// chunked-encoding frame and a syscall) is a fifth more pages a second on
/// /resources at 50 clients. Streaming stays in-order (`SsrMode::InOrder`),
/// so the body is the same complete HTML either way.
///
/// Pages are also rendered a few at a time ([`PageGate`]), first come first
/// served, and the rest wait at the gate.
pub async fn whole_pages(
    axum::extract::State(gate): axum::extract::State<PageGate>,
    req: Request,
    next: Next,
) -> Response {
    let page = req.method() == http::Method::GET && !req.uri().path().starts_with("/api/");
    if !page {
        return next.run(req).await;
    }
    // A request abandoned while it waits for its turn is dropped there (it
    // costs nothing, and nobody can queue up renders for others to wait
    // behind). Once admitted, the render runs to its end even if the browser
    // goes away: dropped half-way, Leptos disposed the page's reactive owner
    // while a resource task still ran, and that task panicked looking for
    // the router.
    //
    // A render past its deadline is answered 503 and its turn handed on;
    // it is left to finish (or not) on its own. The turn is shared so that
    // whichever comes first, the render's end or the deadline, gives it up.
    let path = req.uri().path().to_owned();
    let turn = gate.turns.clone().acquire_owned().await.ok();
    let turn = std::sync::Arc::new(std::sync::Mutex::new(turn));
    let held = turn.clone();
    let render = tokio::spawn(async move {
        let res = whole(next.run(req).await).await;
        give_up(&held);
        res
    });
    match tokio::time::timeout(gate.deadline, render).await {
        Ok(Ok(res)) => res,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "a page render failed");
            http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(_) => {
            give_up(&turn);
            tracing::error!(
                path = %path,
                deadline_secs = gate.deadline.as_secs(),
                "a page did not finish rendering in time: answered 503 and its turn handed on"
            );
            let mut res = page::render(
                http::StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "<section class=\"card narrow\" data-testid=\"render-timeout\">\
                 <h1>This page took too long</h1><p class=\"error\" role=\"alert\">\
                 It did not finish rendering in time. <a href=\"\">Try again</a> in a moment.\
                 </p></section>",
            );
            res.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("5"),
            );
            res
        }
    }
}

/// Hands a render's turn at the gate on (once: later calls do nothing).
fn give_up(turn: &std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>) {
    if let Ok(mut t) = turn.lock() {
        t.take();
    }
}

/// `res` with its HTML body collected into one buffer (other responses as
/// they are).
async fn whole(res: Response) -> Response {
    let html = res
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html || res.headers().contains_key(http::header::CONTENT_LENGTH) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    match axum::body::to_bytes(body, WHOLE_PAGE_LIMIT).await {
        Ok(bytes) => {
            parts.headers.remove(http::header::TRANSFER_ENCODING);
            parts.headers.insert(
                http::header::CONTENT_LENGTH,
                http::HeaderValue::from(bytes.len()),
            );
            Response::from_parts(parts, axum::body::Body::from(bytes))
        }
        Err(e) => {
            tracing::warn!(error = %e, "a page could not be rendered whole");
            http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
