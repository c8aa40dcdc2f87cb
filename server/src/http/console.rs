//! `GET /role/{account-name-or-id}/{role-name}`, `/role/{full ARN}` or
//! `/role/{role name}` (ConsoleMe's bookmarks: the one role of that exact
//! name, else a page to choose from, never a guess), `?r=region&redirect=/path`:
//! signs the user in to the AWS console as the role.
use super::page::{escape, render};
use crate::services::role_query::RoleMatch;
use crate::services::Services;
use app::domain::RoleArn;
use app::ports::ClientMeta;
use app::ports::CurrentUser;
use app::AppError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;

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

/// The role a `/role/...` path names: an ARN (any path), or
/// `account/role`, or (ConsoleMe's bookmarks) one segment, a role name.
enum Named {
    Arn(String),
    AccountRole(String, String),
    Query(String),
}

fn named(rest: &str) -> Option<Named> {
    if rest.starts_with("arn:") {
        return Some(Named::Arn(rest.to_owned()));
    }
    match rest.split('/').collect::<Vec<_>>().as_slice() {
        [q] if !q.is_empty() => Some(Named::Query((*q).to_owned())),
        [a, n] if !a.is_empty() && !n.is_empty() => {
            Some(Named::AccountRole((*a).to_owned(), (*n).to_owned()))
        }
        _ => None,
    }
}

/// Several roles a bookmark could mean: the person picks one.
fn chooser(query: &str, arns: &[String]) -> Response {
    let items: String = arns
        .iter()
        .map(|arn| {
            let account = arn.split(':').nth(4).unwrap_or_default();
            let name = arn.rsplit('/').next().unwrap_or_default();
            format!(
                "<li><a href=\"/role/{}/{}\" data-role=\"{}\">{}</a></li>",
                escape(account),
                escape(&urlencoding::encode(name)),
                escape(arn),
                escape(arn)
            )
        })
        .collect();
    let body = format!(
        "<section class=\"card narrow\" data-testid=\"role-chooser\"><h1>Which role?</h1>\
         <p><code>{}</code> could mean several of your roles. Pick one:</p><ul>{items}</ul></section>",
        escape(query)
    );
    render(StatusCode::OK, "Which role?", &body)
}

enum Resolved {
    Role(RoleArn),
    /// The query, and the roles it could mean.
    Several(String, Vec<String>),
}

async fn resolve(s: &Services, user: &app::domain::User, rest: &str) -> Result<Resolved, AppError> {
    let arn = match named(rest) {
        Some(Named::Arn(arn)) => arn,
        Some(Named::AccountRole(account, name)) => {
            return s
                .role_use()
                .resolve_role(&account, &name)
                .await
                .map(Resolved::Role)
        }
        Some(Named::Query(query)) => match s.match_role(user, &query, true).await? {
            RoleMatch::One(arn) => arn,
            RoleMatch::Several(arns) => return Ok(Resolved::Several(query, arns)),
            RoleMatch::Nothing => {
                return Err(AppError::NotFound(format!(
                    "a role of yours named {query:?} (your roles are listed on the home page)"
                )))
            }
        },
        None => {
            return Err(AppError::invalid(
                "role",
                "must be /role/{role ARN}, /role/{account}/{role} or /role/{role name}",
            ))
        }
    };
    RoleArn::parse(&arn)
        .map(Resolved::Role)
        .map_err(|e| AppError::invalid("role", e.0))
}

/// `GET /api/v2/role_login/{role}`: what ConsoleMe's page calls to open the
/// console: `{type: "redirect", redirect_url, reason}` with the AWS sign-in
/// URL, or the chooser's path when the query means several roles.
pub async fn role_login(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Extension(client): Extension<ClientMeta>,
    Path(rest): Path<String>,
    Query(q): Query<ConsoleQuery>,
) -> Response {
    use axum::Json;
    use serde_json::json;
    let fail = |e: AppError| {
        let status =
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(json!({ "type": "error", "message": e.to_string() })),
        )
            .into_response()
    };
    let Some(user) = user else {
        return fail(AppError::Unauthenticated);
    };
    let role = match resolve(&s, &user, &rest).await {
        Ok(Resolved::Role(r)) => r,
        Ok(Resolved::Several(query, arns)) => {
            return Json(json!({
                "type": "redirect", "reason": "multiple_roles", "roles": arns,
                "redirect_url": format!("/role/{}", urlencoding::encode(&query)),
            }))
            .into_response()
        }
        Err(e) => return fail(e),
    };
    match s
        .role_use()
        .console_signin(&user, &role, q.r.as_deref(), q.redirect.as_deref(), &client)
        .await
    {
        Ok(url) => Json(json!({
            "type": "redirect", "reason": "console_login",
            "role": role.to_string(), "redirect_url": url,
        }))
        .into_response(),
        Err(e) => fail(e),
    }
}

pub async fn signin(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(rest): Path<String>,
    Query(q): Query<ConsoleQuery>,
    Extension(client): Extension<ClientMeta>,
) -> Response {
    let Some(user) = user else {
        return Redirect::to("/login").into_response();
    };
    let role = match resolve(&s, &user, &rest).await {
        Ok(Resolved::Role(r)) => Ok(r),
        Ok(Resolved::Several(query, arns)) => return chooser(&query, &arns),
        Err(e) => Err(e),
    };
    let role = match role {
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
