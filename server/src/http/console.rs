//! `GET /role/{account-name-or-id}/{role-name}` (or `/role/{full ARN}`),
//! `?r=region&redirect=/path`: signs the user in to the AWS console as the role.
use super::page::{escape, render};
use crate::services::Services;
use app::ports::ClientMeta;
use app::ports::CurrentUser;
use app::AppError;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Debug, Deserialize)]
pub struct ConsoleQuery {
    pub r: Option<String>,
    pub redirect: Option<String>,
}

fn error_page(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = format!(
        "<h1>Console sign-in failed</h1><div class=\"error\" role=\"alert\">{}</div>\
         <p><a href=\"/\">Back to your roles</a></p>",
        escape(&e.to_string())
    );
    render(status, "Console sign-in failed", &body)
}

pub async fn signin(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path((account, name)): Path<(String, String)>,
    Query(q): Query<ConsoleQuery>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let Some(user) = user else {
        return Redirect::to("/login").into_response();
    };
    let client = ClientMeta {
        ip: peer.map(|Extension(ConnectInfo(a))| a.ip().to_string()),
        user_agent: headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(256).collect()),
    };
    let role = match s.role_use().resolve_role(&account, &name).await {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    match s
        .role_use()
        .console_signin(&user, &role, q.r.as_deref(), q.redirect.as_deref(), &client)
        .await
    {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => error_page(e),
    }
}
