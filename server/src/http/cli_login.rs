//! The CLI's browser sign-in over HTTP:
//! `GET /cli/login?port&state&challenge` asks the signed-in user to authorize
//! the CLI (anonymous users go to sign-in and come back);
//! `POST /cli/login` (a plain form, same-origin checked by `csrf_layer`)
//! issues a single-use code and 303s to `http://127.0.0.1:{port}/callback`;
//! `POST /api/v1/cli/token` `{code, verifier, name?}` -> `{token}`.
use super::page::{escape, render};
use crate::auth::cli_login::{parse_code, parse_verifier, AuthorizeRequest, CliLoginError};
use crate::services::{cli_login::parse_token_name, Services};
use app::domain::User;
use app::ports::{ClientMeta, CurrentUser};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use serde::Deserialize;
use serde_json::json;

/// What the CLI puts in the page's URL, and the form posts back.
#[derive(Debug, Deserialize)]
pub struct AuthorizeParams {
    port: Option<String>,
    state: Option<String>,
    challenge: Option<String>,
}

impl AuthorizeParams {
    fn parse(&self) -> Result<AuthorizeRequest, CliLoginError> {
        AuthorizeRequest::parse(
            self.port.as_deref(),
            self.state.as_deref(),
            self.challenge.as_deref(),
        )
    }
}

fn error_page(e: &CliLoginError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = format!(
        "<section class=\"card narrow\"><h1>CLI sign-in failed</h1>\
         <p class=\"error\" role=\"alert\" data-field=\"{}\">{}</p>\
         <p class=\"muted\">Run <code>latchkey login</code> again to start over.</p></section>",
        e.field().unwrap_or_default(),
        escape(&e.to_string())
    );
    render(status, "CLI sign-in failed", &body)
}

/// To sign-in, then back to this page with the same parameters.
fn to_sign_in(req: &AuthorizeRequest) -> Response {
    Redirect::to(&format!(
        "/login?next={}",
        urlencoding::encode(&req.page_path())
    ))
    .into_response()
}

/// Why the page or form cannot go on.
enum Refused {
    Invalid(CliLoginError),
    Anonymous(AuthorizeRequest),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Self::Invalid(e) => error_page(&e),
            Self::Anonymous(req) => to_sign_in(&req),
        }
    }
}

/// The parsed request and its signed-in user. Bad parameters come first:
/// signing in would not fix them.
fn checked(p: &AuthorizeParams, user: Option<User>) -> Result<(AuthorizeRequest, User), Refused> {
    let req = p.parse().map_err(Refused::Invalid)?;
    match user {
        Some(u) => Ok((req, u)),
        None => Err(Refused::Anonymous(req)),
    }
}

pub async fn page(
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let (req, user) = match checked(&p, user) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let body = format!(
        "<section class=\"card narrow\" data-testid=\"cli-authorize\">\
         <h1>Authorize the Latchkey CLI</h1>\
         <p>Authorize the Latchkey CLI on this computer as <strong>{name}</strong> \
         <span class=\"muted\">({id})</span>?</p>\
         <p class=\"muted\">The CLI gets an API token that acts as you. It appears on \
         <a href=\"/settings\">Settings</a>, where you can revoke it. \
         Only continue if you just ran <code>latchkey login</code> on this computer.</p>\
         <dl class=\"facts\"><dt>Sent to</dt><dd><code>127.0.0.1:{port}</code> (this computer)</dd></dl>\
         <form method=\"post\" action=\"/cli/login\" class=\"actions\">\
         <input type=\"hidden\" name=\"port\" value=\"{port}\">\
         <input type=\"hidden\" name=\"state\" value=\"{state}\">\
         <input type=\"hidden\" name=\"challenge\" value=\"{challenge}\">\
         <button type=\"submit\" class=\"primary\" data-testid=\"authorize-cli\">Authorize</button>\
         <a href=\"{cancel}\" data-testid=\"cancel-cli\">Cancel</a></form></section>",
        name = escape(&user.display_name),
        id = escape(&user.id),
        port = req.port.get(),
        state = escape(&req.state),
        challenge = escape(&req.challenge),
        cancel = escape(&req.cancel_url()),
    );
    render(StatusCode::OK, "Authorize the CLI", &body)
}

pub async fn authorize(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Extension(client): Extension<app::ports::ClientMeta>,
    Form(p): Form<AuthorizeParams>,
) -> Response {
    let (req, user) = match checked(&p, user) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    match s.cli_login().authorize(&user, &req, &client).await {
        Ok(callback) => Redirect::to(&callback).into_response(),
        Err(e) => error_page(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    code: Option<String>,
    verifier: Option<String>,
    name: Option<String>,
}

fn json_error(e: &CliLoginError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let error = match e {
        CliLoginError::Invalid { .. } => "invalid_request",
        CliLoginError::Internal(_) => "internal",
        _ => "invalid_grant",
    };
    let body = json!({ "error": error, "field": e.field(), "message": e.to_string() });
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

pub async fn token(
    State(s): State<Services>,
    Extension(client): Extension<ClientMeta>,
    body: axum::body::Bytes,
) -> Response {
    let req: TokenRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return json_error(&CliLoginError::Invalid {
                field: "body",
                rule: format!("must be a JSON object {{code, verifier, name?}}: {e}"),
            })
        }
    };
    let parsed = (|| {
        Ok::<_, CliLoginError>((
            parse_code(req.code.as_deref())?,
            parse_verifier(req.verifier.as_deref())?,
            parse_token_name(req.name.as_deref())?,
        ))
    })();
    let (code, verifier, name) = match parsed {
        Ok(p) => p,
        Err(e) => return json_error(&e),
    };
    match s
        .cli_login()
        .exchange(&code, &verifier, &name, &client)
        .await
    {
        Ok(t) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            Json(json!({ "token": t.token, "id": t.id, "name": t.name })),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(field = e.field(), reason = %e, "CLI token exchange refused");
            json_error(&e)
        }
    }
}
