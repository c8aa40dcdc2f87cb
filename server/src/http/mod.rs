//! Plain HTTP endpoints next to the Leptos app: health, the Weep-compatible
//! API, and the session middleware that resolves the signed-in user.
pub mod console;
pub mod csv;
pub mod federation_stub;
pub mod health;
pub mod metrics;
pub mod weep;

use crate::services::Services;
use app::ports::CurrentUser;
use axum::{extract::Request, extract::State, middleware::Next, response::Response};

/// Puts the session's user (or none) into the request extensions, where
/// pages, server functions and API handlers read it.
pub async fn session_layer(State(s): State<Services>, mut req: Request, next: Next) -> Response {
    let cookie = req
        .headers()
        .get(http::header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let user = match s.resolve_session(cookie.as_deref()).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    };
    req.extensions_mut().insert(CurrentUser(user));
    next.run(req).await
}
