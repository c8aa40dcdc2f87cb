//! Dev mode only: a stand-in for the AWS federation endpoint, so the demo and
//! tests can follow console sign-in end to end without reaching AWS. It checks
//! the session it receives and, at login, asks STS who the session is.
use crate::services::Services;
use aws_credential_types::Credentials;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

type Sessions = Mutex<HashMap<String, (String, String, String)>>;

fn sessions() -> &'static Sessions {
    static S: OnceLock<Sessions> = OnceLock::new();
    S.get_or_init(Default::default)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub async fn federation(
    State(s): State<Services>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    match q.get("Action").map(String::as_str) {
        Some("getSigninToken") => {
            let session: Value = match q.get("Session").map(|v| serde_json::from_str(v)) {
                Some(Ok(v)) => v,
                _ => return (StatusCode::BAD_REQUEST, "Session must be JSON").into_response(),
            };
            let field = |k: &str| {
                session[k]
                    .as_str()
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            };
            let (Some(id), Some(key), Some(token)) = (
                field("sessionId"),
                field("sessionKey"),
                field("sessionToken"),
            ) else {
                return (
                    StatusCode::BAD_REQUEST,
                    "Session needs sessionId, sessionKey and sessionToken",
                )
                    .into_response();
            };
            let duration_ok = q
                .get("SessionDuration")
                .and_then(|d| d.parse::<i32>().ok())
                .is_some_and(|d| (900..=43200).contains(&d));
            if !duration_ok {
                return (
                    StatusCode::BAD_REQUEST,
                    "SessionDuration must be 900..43200",
                )
                    .into_response();
            }
            let mut buf = [0u8; 16];
            if getrandom::fill(&mut buf).is_err() {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            let signin = hex::encode(buf);
            if let Ok(mut m) = sessions().lock() {
                m.insert(signin.clone(), (id, key, token));
            }
            Json(json!({ "SigninToken": signin })).into_response()
        }
        Some("login") => {
            let creds = q
                .get("SigninToken")
                .and_then(|t| sessions().lock().ok().and_then(|mut m| m.remove(t)));
            let Some((id, key, token)) = creds else {
                return (StatusCode::BAD_REQUEST, "unknown or used SigninToken").into_response();
            };
            let conf = s
                .aws
                .hub()
                .to_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(
                        Credentials::new(id, key, Some(token), None, "federation-stub"),
                    ),
                )
                .build();
            let who = match aws_sdk_sts::Client::new(&conf)
                .get_caller_identity()
                .send()
                .await
            {
                Ok(r) => r.arn().unwrap_or_default().to_owned(),
                Err(e) => format!(
                    "(STS refused the session: {})",
                    aws_sdk_sts::error::DisplayErrorContext(&e)
                ),
            };
            let get = |k: &str| q.get(k).cloned().unwrap_or_default();
            Html(format!(
                "<!DOCTYPE html><html><head><meta charset=utf-8><title>AWS console (simulated)</title>\
                 <link rel=stylesheet href={}></head><body><div class=dev-banner>Dev mode: this stands in for the AWS console.</div>\
                 <main class=page><h1>AWS Management Console</h1><section class=card><dl class=facts>\
                 <dt>Signed in as</dt><dd><code id=caller>{}</code></dd>\
                 <dt>Destination</dt><dd><code id=destination>{}</code></dd>\
                 <dt>Issuer</dt><dd><code id=issuer>{}</code></dd></dl>\
                 <p><a href=\"/\">Back to Latchkey</a></p></section></main></body></html>",
                app::pages::assets::resolved_stylesheet_href(),
                escape(&who),
                escape(&get("Destination")),
                escape(&get("Issuer"))
            ))
            .into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            "Action must be getSigninToken or login",
        )
            .into_response(),
    }
}
