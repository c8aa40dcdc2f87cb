//! Stock Weep's challenge sign-in over HTTP (ConsoleMe's paths and shapes):
//! `GET /noauth/v1/challenge_generator/{user}` -> `{challenge_url, polling_url}`;
//! `GET /noauth/v1/challenge_poller/{secret}` -> `{status}` until approved,
//! then `{status: "success", encoded_jwt, cookie_name, expiration, user}`
//! (always JSON: Weep gives up on anything else);
//! `GET /challenge_validator/{id}`: the page the browser opens (anonymous
//! users sign in and come back); `POST` approves (same-origin checked).
use super::page::{escape, render};
use crate::services::weep_login::{WeepLoginError, COOKIE};
use crate::services::{weep_login::Poll, Services};
use app::ports::{ClientMeta, CurrentUser};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use serde_json::json;

/// This site's address as Weep reached it: `server.public_url` when set,
/// else the request's Host (https unless dev mode or the proxy says http).
fn base_url(s: &Services, headers: &HeaderMap) -> String {
    if let Some(u) = &s.config.server.public_url {
        return u.as_str().trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(if s.config.auth.dev_mode {
            "http"
        } else {
            "https"
        });
    format!("{proto}://{host}")
}

fn no_store(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

pub async fn generate(
    State(s): State<Services>,
    Extension(client): Extension<ClientMeta>,
    Path(user): Path<String>,
    headers: HeaderMap,
) -> Response {
    match s.weep_login().create(&user, &client).await {
        Ok(c) => {
            let base = base_url(&s, &headers);
            no_store(
                StatusCode::OK,
                json!({
                    "challenge_url": format!("{base}/challenge_validator/{}", c.id),
                    "polling_url": format!("{base}/noauth/v1/challenge_poller/{}", c.poll),
                }),
            )
        }
        Err(e) => no_store(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            json!({ "status": "error", "message": e.to_string() }),
        ),
    }
}

pub async fn poll(
    State(s): State<Services>,
    Extension(client): Extension<ClientMeta>,
    Path(secret): Path<String>,
) -> Response {
    let body = match s.weep_login().poll(&secret, &client).await {
        Ok(Poll::Pending) => json!({ "status": "pending" }),
        Ok(Poll::Expired) => json!({ "status": "expired" }),
        Ok(Poll::Unknown) => json!({ "status": "unknown" }),
        Ok(Poll::Approved {
            token,
            expires,
            user,
        }) => json!({
            "status": "success",
            "cookie_name": COOKIE,
            "encoded_jwt": token,
            "expiration": expires,
            "user": user,
            "secure": false,
            "http_only": true,
        }),
        Err(e) => json!({ "status": "error", "message": e.to_string() }),
    };
    no_store(StatusCode::OK, body)
}

fn error_page(e: &WeepLoginError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = format!(
        "<section class=\"card narrow\" data-testid=\"weep-refused\"><h1>Weep sign-in refused</h1>\
         <p class=\"error\" role=\"alert\">{}</p></section>",
        escape(&e.to_string())
    );
    render(status, "Weep sign-in refused", &body)
}

fn to_sign_in(id: &str) -> Response {
    let back = format!("/challenge_validator/{id}");
    Redirect::to(&format!("/login?next={}", urlencoding::encode(&back))).into_response()
}

pub async fn page(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Extension(client): Extension<ClientMeta>,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = user else {
        return to_sign_in(&id);
    };
    let shown = match s.weep_login().show(&id, &user).await {
        Ok(c) => c,
        Err(e) => return error_page(&e),
    };
    let from = shown
        .ip
        .clone()
        .unwrap_or_else(|| "an unknown address".into());
    let elsewhere = match (&shown.ip, &client.ip) {
        (Some(w), Some(me)) if w != me => format!(
            "<p class=\"notice\" data-testid=\"weep-elsewhere\">This request came from \
             <strong>{}</strong>, not from the address your browser uses ({}). Approve only \
             if you ran weep yourself on that machine.</p>",
            escape(w),
            escape(me)
        ),
        _ => String::new(),
    };
    let body = format!(
        "<section class=\"card narrow\" data-testid=\"weep-authorize\">\
         <h1>Sign in Weep</h1>\
         <p>Let Weep get AWS credentials as <strong>{name}</strong> <span class=\"muted\">({id})</span>?</p>\
         <dl class=\"facts\"><dt>Asked for</dt><dd><code>{requested}</code></dd>\
         <dt>From</dt><dd><code>{from}</code></dd><dt>Program</dt><dd><code>{agent}</code></dd>\
         <dt>At</dt><dd>{at}</dd></dl>{elsewhere}\
         <p class=\"muted\">Weep gets a token that may only list your roles and get their \
         credentials. It appears on <a href=\"/settings\">Settings</a>, where you can revoke it.</p>\
         <form method=\"post\" action=\"/challenge_validator/{secret}\" class=\"actions\">\
         <button type=\"submit\" class=\"primary\" data-testid=\"approve-weep\">Approve</button>\
         <a href=\"/\">Cancel</a></form></section>",
        name = escape(&user.display_name),
        id = escape(&user.id),
        requested = escape(&shown.requested_user),
        from = escape(&from),
        agent = escape(shown.user_agent.as_deref().unwrap_or("unknown")),
        at = shown.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        secret = escape(&id),
    );
    render(StatusCode::OK, "Sign in Weep", &body)
}

pub async fn approve(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Extension(client): Extension<ClientMeta>,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = user else {
        return to_sign_in(&id);
    };
    match s.weep_login().approve(&id, &user, &client).await {
        Ok(()) => render(
            StatusCode::OK,
            "Weep signed in",
            "<section class=\"card narrow\" data-testid=\"weep-approved\"><h1>Weep is signed in</h1>\
             <p>Go back to your terminal: Weep goes on by itself. You can close this tab.</p></section>",
        ),
        Err(e) => error_page(&e),
    }
}
