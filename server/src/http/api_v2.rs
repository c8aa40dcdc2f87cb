//! The versioned JSON API for scripts (`/api/v2/...`), in the form a
//! ConsoleMe user's scripts call it, documented by `/api/openapi.json`:
//! a role's details, the resource (policy) search, the requests list, one
//! request, and a new request (ConsoleMe's `changes.changes[]` body or
//! Latchkey's own). Every call acts as its caller (a full-API token or a
//! browser session) through the same ports the pages use, so the same
//! authorization applies; answers are plain JSON, errors
//! `{status: "error", status_code, message, field?}`.
use crate::services::Services;
use app::domain::{AccountId, RequestId, RoleName};
use app::ports::{ClientMeta, CurrentUser, RequestFilter};
use app::AppError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The OpenAPI 3 document of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> Response {
    ([(http::header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

fn error(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body =
        json!({ "status": "error", "status_code": status.as_u16(), "message": e.to_string() });
    if let AppError::Invalid { field, .. } = &e {
        body["field"] = json!(field);
    }
    (status, Json(body)).into_response()
}

fn invalid(field: &str, message: impl Into<String>) -> Response {
    error(AppError::invalid(field, message))
}

/// Parsed JSON text, or the text itself when it is not JSON.
fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn tags(t: &[(String, String)]) -> Value {
    t.iter()
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect()
}

fn signed_in(user: Option<app::domain::User>) -> Result<app::domain::User, AppError> {
    user.ok_or(AppError::Unauthenticated)
}

/// `GET /api/v2/roles/{account}/{role}`: a cached role (account by id or
/// name), its policies as JSON documents.
pub async fn role(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path((account, name)): Path<(String, String)>,
) -> Response {
    let user = match signed_in(user) {
        Ok(u) => u,
        Err(e) => return error(e),
    };
    let account = match resolve_account(&s, &account).await {
        Ok(a) => a,
        Err(e) => return error(e),
    };
    let Ok(name) = RoleName::parse(&name) else {
        return invalid(
            "role",
            "must be an IAM role name (1-64 of letters, digits and +=,.@_-)",
        );
    };
    let ports = crate::startup::ports(&s);
    match ports.roles.get_role(&user, &account, &name).await {
        Ok(r) => Json(json!({
            "arn": r.arn, "name": r.name, "path": r.path,
            "account_id": r.account_id, "account_name": r.account_name,
            "description": r.description, "created": r.created,
            "assume_role_policy_document": doc(&r.trust_policy),
            "inline_policies": r.inline_policies.iter()
                .map(|p| json!({ "policy_name": p.name, "policy_document": doc(&p.document) }))
                .collect::<Vec<_>>(),
            "managed_policies": r.managed_policies.iter()
                .map(|p| json!({ "policy_name": p.name, "policy_arn": p.arn }))
                .collect::<Vec<_>>(),
            "permissions_boundary": r.boundary_arn,
            "tags": tags(&r.tags),
            "last_used": r.last_used,
            "eligible": r.eligible,
            "synced_at": r.synced_at,
        }))
        .into_response(),
        Err(e) => error(e),
    }
}

/// An account named by id, or by its name in Latchkey.
async fn resolve_account(s: &Services, account: &str) -> Result<AccountId, AppError> {
    if let Ok(id) = AccountId::parse(account) {
        return Ok(id);
    }
    let all = s.users().all_accounts().await?;
    all.iter()
        .find(|a| a.name == account)
        .and_then(|a| AccountId::parse(&a.account_id).ok())
        .ok_or_else(|| AppError::NotFound(format!("account {account:?}")))
}

/// `GET /api/v2/policies`: the resource search (roles, users, managed
/// policies, buckets, queues, topics), 50 at a time; `next` is the query
/// of the following page.
pub async fn policies(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    let user = match signed_in(user) {
        Ok(u) => u,
        Err(e) => return error(e),
    };
    let query = match app::domain::inventory::ResourceQuery::from_params(&params) {
        Ok(q) => q,
        Err((field, message)) => return invalid(&field, message),
    };
    let ports = crate::startup::ports(&s);
    match ports.inventory.search_resources(&user, &query).await {
        Ok(page) => Json(json!({
            "resources": page.rows.iter().map(|r| json!({
                "arn": r.arn, "type": r.kind, "name": r.name,
                "account_id": r.account_id, "account_name": r.account_name,
                "region": r.region, "tags": tags(&r.tags),
            })).collect::<Vec<_>>(),
            "next": page.next,
        }))
        .into_response(),
        Err(e) => error(e),
    }
}

/// `GET /api/v2/requests`: the requests the caller may see (their own;
/// approvers those of their accounts), newest first.
pub async fn requests(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    let user = match signed_in(user) {
        Ok(u) => u,
        Err(e) => return error(e),
    };
    let get = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let filter = RequestFilter {
        status: get("status"),
        requester: get("requester"),
        account: get("account"),
        from: get("from"),
        to: get("to"),
    };
    let ports = crate::startup::ports(&s);
    match ports.requests.list_requests(&user, &filter).await {
        Ok(rows) => Json(json!({ "requests": rows.iter().map(|r| json!({
            "id": r.id, "requester": r.requester, "principal_arn": r.role_arn,
            "principal_name": r.role_name, "account_id": r.account_id,
            "status": r.status, "created": r.created,
        })).collect::<Vec<_>>() }))
        .into_response(),
        Err(e) => error(e),
    }
}

/// `GET /api/v2/requests/{id}`: one request with its changes.
pub async fn request(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> Response {
    let user = match signed_in(user) {
        Ok(u) => u,
        Err(e) => return error(e),
    };
    let Ok(id) = RequestId::parse(&id) else {
        return invalid("id", "must be a request id (a UUID)");
    };
    let ports = crate::startup::ports(&s);
    match ports.requests.get_request(&user, &id).await {
        Ok(r) => Json(json!({
            "id": r.id, "requester": r.requester, "principal_arn": r.role_arn,
            "account_id": r.account_id, "justification": r.justification,
            "status": r.request_status, "created": r.created,
            "changes": r.changes.iter().map(|c| json!({
                "id": c.id, "kind": c.kind, "summary": c.summary,
                "target_arn": c.target_arn,
                "document": c.document.as_deref().map(doc),
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => error(e),
    }
}

/// `POST /api/v2/request`: a new request, in ConsoleMe's body
/// (`{justification, changes: {changes: [...]}}`) or Latchkey's
/// (`{principal_arn, justification, changes: [{target_arn?, spec}]}`).
pub async fn create_request(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Extension(client): Extension<ClientMeta>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let user = match signed_in(user) {
        Ok(u) => u,
        Err(e) => return error(e),
    };
    let Ok(Json(body)) = body else {
        return invalid(
            "body",
            "must be a JSON object (Content-Type: application/json)",
        );
    };
    let new = match super::api_v2_body::new_request(&body) {
        Ok(n) => n,
        Err((field, message)) => return invalid(&field, message),
    };
    let ports = crate::startup::ports(&s);
    match ports.requests.create_request(&user, new, &client).await {
        Ok(id) => (
            StatusCode::CREATED,
            Json(json!({
                "status": "success",
                "request_id": id.as_str(),
                "request_url": format!("/requests/{}", id.as_str()),
            })),
        )
            .into_response(),
        Err(e) => error(e),
    }
}
