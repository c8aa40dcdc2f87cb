//! Weep-compatible credentials API (ConsoleMe's wire shapes):
//! `POST /api/v1/get_credentials`, `GET /api/v1/get_roles`.
use crate::services::role_query::RoleMatch;
use crate::services::Services;
use app::ports::ClientMeta;
use app::ports::CurrentUser;
use app::AppError;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
pub struct CredentialsRequest {
    pub requested_role: String,
    /// Weep's `--no-ip`: without `[credentials] ip_restrictions`, for those allowed.
    #[serde(default)]
    pub no_ip_restrictions: bool,
}

/// ConsoleMe's error codes: 899 bad request, 900 no matching role, 904 bad JSON.
pub(super) fn error(
    status: StatusCode,
    code: &str,
    message: String,
    requested_role: Option<&str>,
) -> Response {
    (
        status,
        Json(json!({ "code": code, "message": message, "requested_role": requested_role })),
    )
        .into_response()
}

/// An unknown role's error names the caller's eligible roles that look like
/// it (same name, name containing it, then same account; at most 10), so a
/// typo gets an answer instead of a dead end. Other errors pass through.
async fn with_candidates(
    s: &Services,
    user: &app::domain::User,
    e: AppError,
    requested: &str,
) -> Response {
    if !matches!(e, AppError::NotFound(_)) {
        return app_error(e, requested);
    }
    let (account, name) = match requested.strip_prefix("arn:") {
        Some(rest) => (
            rest.split(':').nth(3).unwrap_or_default(),
            requested.rsplit('/').next().unwrap_or_default(),
        ),
        None => requested.rsplit_once('/').unwrap_or(("", requested)),
    };
    let needle = name.to_lowercase();
    let rank = |k: &crate::services::eligible::RoleKey| {
        let n = k.name.to_lowercase();
        if n == needle {
            Some(0)
        } else if !needle.is_empty() && n.contains(&needle) {
            Some(1)
        } else if !account.is_empty() && (k.account_id == account || k.account_name == account) {
            Some(2)
        } else {
            None
        }
    };
    let eligible = eligible_roles(s, Some(user.clone()))
        .await
        .unwrap_or_default();
    let mut found: Vec<(u8, String)> = eligible
        .iter()
        .filter_map(|(k, _)| rank(k).map(|r| (r, k.arn.clone())))
        .collect();
    found.sort();
    let candidates: Vec<String> = found.into_iter().take(10).map(|(_, a)| a).collect();
    let message = if candidates.is_empty() {
        format!("{e}; you may use no role like it (GET /api/v2/get_roles lists yours)")
    } else {
        format!(
            "{e}; roles you may use that match: {}",
            candidates.join(", ")
        )
    };
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "code": "900", "message": message, "requested_role": requested, "candidates": candidates })),
    )
        .into_response()
}

/// Weep's 901: the query names more than one of the caller's roles.
fn several(requested: &str, arns: &[String]) -> Response {
    let shown: Vec<&String> = arns.iter().take(10).collect();
    (
        StatusCode::CONFLICT,
        Json(json!({
            "code": "901",
            "message": format!(
                "{requested:?} matches more than one of your roles; ask for one by ARN or account/role: {}",
                shown.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "requested_role": requested,
            "candidates": shown,
        })),
    )
        .into_response()
}

pub(super) fn app_error(e: AppError, role: &str) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // Weep's codes: 899 a bad ARN, 900 no such role for you, 901 more than
    // one, 902 the broker (STS) failed. Never 905 ("renew your mTLS
    // certificate"), which would send people on the wrong errand.
    let code = match &e {
        AppError::Forbidden(_) | AppError::NotFound(_) => "900",
        AppError::Conflict(_) => "901",
        AppError::Invalid { .. } => "899",
        AppError::Unauthenticated => "unauthenticated",
        _ => "902",
    };
    error(status, code, e.to_string(), Some(role))
}

pub async fn get_credentials(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Extension(client): Extension<ClientMeta>,
    body: axum::body::Bytes,
) -> Response {
    let Some(user) = user else {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in first".into(),
            None,
        );
    };
    let req: CredentialsRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "904",
                format!("invalid JSON body: {e}"),
                None,
            )
        }
    };
    // An ARN, `account-name-or-id/role-name`, or a role name: resolved
    // exactly, never by a silent partial match.
    let requested = match s.match_role(&user, &req.requested_role, false).await {
        Ok(RoleMatch::One(arn)) => arn,
        Ok(RoleMatch::Several(arns)) => return several(&req.requested_role, &arns),
        Ok(RoleMatch::Nothing) => {
            let e = AppError::NotFound(format!("role {:?}", req.requested_role));
            return with_candidates(&s, &user, e, &req.requested_role).await;
        }
        Err(e) => return with_candidates(&s, &user, e, &req.requested_role).await,
    };
    let role = match s
        .role_use()
        .authorize_role(&user, &requested, &client)
        .await
    {
        Ok(r) => r,
        Err(e) => return with_candidates(&s, &user, e, &req.requested_role).await,
    };
    match s
        .role_use()
        .vend_credentials(&user, &role, &client, req.no_ip_restrictions)
        .await
    {
        Ok(c) => (
            sts_timing(&c),
            Json(json!({
                "Credentials": {
                    "AccessKeyId": c.access_key_id,
                    "SecretAccessKey": c.secret_access_key,
                    "SessionToken": c.session_token,
                    "Expiration": c.expiration.timestamp(),
                    "RoleArn": role.arn().to_string(),
                }
            })),
        )
            .into_response(),
        Err(e) => app_error(e, &req.requested_role),
    }
}

/// The AssumeRole call's share of the request, for `Server-Timing`.
/// Headers of an answer carrying credentials: how long STS took, and
/// `no-store` (never cached, never compressed: see `assets`).
fn sts_timing(c: &crate::aws::sts::IssuedCredentials) -> [(&'static str, String); 2] {
    [
        (
            super::timing::HEADER,
            super::timing::entry("sts", c.sts_elapsed),
        ),
        ("cache-control", "no-store".to_owned()),
    ]
}

/// The signed-in caller's eligible cached roles with their access, or the
/// error response (401 when nobody is signed in).
pub(super) async fn eligible_roles(
    s: &Services,
    user: Option<app::domain::User>,
) -> Result<crate::services::eligible::EligibleRoles, Response> {
    let Some(user) = user else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in first".into(),
            None,
        ));
    };
    s.eligible()
        .roles(&user)
        .await
        .map_err(|e| app_error(e.into(), ""))
}

/// `GET /ecs/{account}/{role}`: the container credential provider protocol
/// (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`),
/// so the AWS CLI and SDKs fetch credentials for one role with an API token.
pub async fn ecs_credentials(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    axum::extract::Path((account, name)): axum::extract::Path<(String, String)>,
    Extension(client): Extension<ClientMeta>,
    headers: HeaderMap,
) -> Response {
    // Only an API token, never the browser's session cookie: a page on
    // another site must not be able to make a signed-in browser issue
    // credentials (the session layer reads the cookie only when no
    // Authorization header is sent).
    let user = user.filter(|_| headers.contains_key(http::header::AUTHORIZATION));
    let Some(user) = user else {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "send an API token in the Authorization header".into(),
            None,
        );
    };
    let label = format!("{account}/{name}");
    let arn = match s.role_use().resolve_role(&account, &name).await {
        Ok(a) => a,
        Err(e) => return with_candidates(&s, &user, e, &label).await,
    };
    let role = match s
        .role_use()
        .authorize_role(&user, &arn.to_string(), &client)
        .await
    {
        Ok(r) => r,
        Err(e) => return with_candidates(&s, &user, e, &label).await,
    };
    match s
        .role_use()
        .vend_credentials(&user, &role, &client, false)
        .await
    {
        Ok(c) => (
            sts_timing(&c),
            Json(json!({
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "Token": c.session_token,
                "Expiration": c.expiration.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "RoleArn": arn.to_string(),
            })),
        )
            .into_response(),
        Err(e) => app_error(e, &label),
    }
}
