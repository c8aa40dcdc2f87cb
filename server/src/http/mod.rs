//! Plain HTTP endpoints next to the Leptos app: health, the Weep-compatible
//! API, the CLI's browser sign-in, and the session middleware that resolves
//! the signed-in user.
pub mod cli_login;
pub mod console;
pub mod csrf;
pub mod csv;
pub mod federation_stub;
pub mod health;
pub mod metrics;
pub mod oidc;
pub mod page;
pub mod weep;

use crate::services::Services;
use app::ports::CurrentUser;
use axum::{extract::Request, extract::State, middleware::Next, response::Response};

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
    let token = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim().to_owned());
    let peer_addr = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    // An identity provider's word (a trusted proxy's headers, a plugin's)
    // comes before the cookie.
    let from_proxy = match &token {
        None => s.identify(req.headers(), peer_addr).await,
        Some(_) => None,
    };
    let resolved = match (token, from_proxy) {
        (Some(t), _) => s.resolve_token(&t).await,
        (None, Some(who)) => s
            .user_for(who.user_id, who.display_name, who.groups)
            .await
            .map(Some),
        (None, None) => s.resolve_session(cookie.as_deref()).await,
    };
    let user = match resolved {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    };
    let peer = peer_addr.map(|ip| ip.to_string());
    let user_agent = req
        .headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(256).collect());
    req.extensions_mut().insert(app::ports::ClientMeta {
        ip: peer,
        user_agent,
    });
    req.extensions_mut().insert(CurrentUser(user));
    next.run(req).await
}
