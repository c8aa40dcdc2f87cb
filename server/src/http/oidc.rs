//! `GET /auth/oidc/login` sends the browser to the provider;
//! `GET /auth/oidc/callback` finishes the sign-in and starts a session.
//! Every failure is a 4xx (or 502 when the provider is down) page or JSON
//! naming the problem, and no session.
use super::page::{escape, render};
use crate::auth::oidc::{OidcError, STATE_COOKIE};
use crate::services::sessions::cookie_value;
use crate::services::Services;
use app::domain::return_to::safe_return_to;
use app::ports::ClientMeta;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login(
    State(s): State<Services>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let Some(oidc) = s.oidc.clone() else {
        return failure(&headers, &s, OidcError::Discovery);
    };
    match oidc
        .begin(&s.pool, &safe_return_to(q.next.as_deref()))
        .await
    {
        Ok((url, state)) => {
            let max_age = s
                .config
                .auth
                .oidc
                .as_ref()
                .map_or(600, |o| o.login_timeout_secs);
            redirect(&url, &[s.sessions().cookie(STATE_COOKIE, &state, max_age)])
        }
        Err(e) => failure(&headers, &s, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(s): State<Services>,
    Extension(client): Extension<ClientMeta>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    match finish(&s, &client, &headers, q).await {
        Ok((cookie, return_to)) => redirect(
            &return_to,
            &[cookie, s.sessions().cookie(STATE_COOKIE, "", 0)],
        ),
        Err(e) => {
            tracing::warn!(reason = e.code(), "OIDC sign-in failed");
            failure(&headers, &s, e)
        }
    }
}

async fn finish(
    s: &Services,
    client: &ClientMeta,
    headers: &HeaderMap,
    q: CallbackQuery,
) -> Result<(String, String), OidcError> {
    let oidc = s.oidc.clone().ok_or(OidcError::Discovery)?;
    if let Some(err) = q.error {
        // Only the error code: the description is provider text we don't echo.
        let code: String = err
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(OidcError::ProviderError(code));
    }
    let state = q.state.ok_or(OidcError::MissingParameter("state"))?;
    let code = q.code.ok_or(OidcError::MissingParameter("code"))?;
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    let browser_state = cookies.and_then(|c| cookie_value(c, STATE_COOKIE));
    let (who, return_to) = oidc.complete(&s.pool, &code, &state, browser_state).await?;
    // Rotate: whatever session this browser had ends here.
    s.sessions()
        .end_session(cookies)
        .await
        .map_err(|_| OidcError::Internal)?;
    let cookie = s
        .sessions()
        .start_session(&who.user_id, &who.display_name, &who.groups, "oidc", client)
        .await
        .map_err(|_| OidcError::Internal)?;
    tracing::info!(user = %who.user_id, groups = who.groups.len(), "OIDC sign-in");
    Ok((cookie, return_to))
}

fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// The failure as an HTML page for browsers, JSON for everything else.
fn failure(headers: &HeaderMap, s: &Services, e: OidcError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let mut r = if html {
        let body = format!(
            "<section class=\"card narrow\"><h1>Sign-in failed</h1><p class=\"error\" data-error=\"{}\">{}</p>\
             <p><a href=\"/login\">Back to sign-in</a></p></section>",
            e.code(),
            escape(&e.to_string())
        );
        render(status, "Sign-in failed", &body)
    } else {
        (
            status,
            axum::Json(serde_json::json!({ "error": e.code(), "message": e.to_string() })),
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&s.sessions().cookie(STATE_COOKIE, "", 0)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
