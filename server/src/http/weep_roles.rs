//! What Weep and ConsoleMe's scripts read besides credentials, in
//! ConsoleMe's shapes: the roles list (`GET /api/v1/get_roles`,
//! `GET /api/v2/get_roles`, `?all=true` adds CLI-only roles), the typeahead
//! `weep search` uses (`GET /api/v1/policies/typeahead`) and the page of a
//! resource `weep open` opens (`GET /api/v2/get_resource_url`).
use super::weep::eligible_roles;
use crate::services::{eligibility::Access, Services};
use app::ports::CurrentUser;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
pub struct RolesQuery {
    /// Include CLI-only roles (ConsoleMe's `?all=true`; Weep always sends it).
    #[serde(default)]
    pub all: bool,
}

pub async fn get_roles(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(q): Query<RolesQuery>,
) -> Response {
    match eligible_roles(&s, user).await {
        Ok(roles) => {
            let arns: Vec<&str> = roles
                .iter()
                .filter(|(_, access)| *access == Access::Full || q.all)
                .map(|(k, _)| k.arn.as_str())
                .collect();
            Json(arns).into_response()
        }
        Err(r) => r,
    }
}

/// `GET /api/v2/get_roles`: ConsoleMe's envelope with `data.roles` (what
/// Weep reads), each with its account's name, `cli_only` flagged.
pub async fn get_roles_v2(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(q): Query<RolesQuery>,
) -> Response {
    match eligible_roles(&s, user).await {
        Ok(roles) => {
            // Serialised straight from the in-memory set: no row is copied.
            let data: Vec<RoleV2<'_>> = roles
                .iter()
                .filter(|(_, access)| *access == Access::Full || q.all)
                .map(|(k, access)| RoleV2 {
                    arn: &k.arn,
                    account_id: &k.account_id,
                    account_friendly_name: &k.account_name,
                    role_name: &k.name,
                    apps: Apps { app_details: [] },
                    cli_only: access == Access::CliOnly,
                })
                .collect();
            Json(RolesV2 {
                status: "success",
                status_code: 200,
                count: data.len(),
                data: RolesData {
                    roles: data,
                    apps: [],
                },
            })
            .into_response()
        }
        Err(r) => r,
    }
}

/// One role of `GET /api/v2/get_roles` (ConsoleMe's field names).
#[derive(serde::Serialize)]
struct RoleV2<'a> {
    arn: &'a str,
    account_id: &'a str,
    account_friendly_name: &'a str,
    role_name: &'a str,
    /// The applications that run as the role (none yet).
    apps: Apps,
    cli_only: bool,
}

#[derive(serde::Serialize)]
struct Apps {
    app_details: [(); 0],
}

#[derive(serde::Serialize)]
struct RolesData<'a> {
    roles: Vec<RoleV2<'a>>,
    apps: [(); 0],
}

#[derive(serde::Serialize)]
struct RolesV2<'a> {
    status: &'static str,
    status_code: u16,
    count: usize,
    data: RolesData<'a>,
}

#[derive(Debug, Deserialize)]
pub struct TypeaheadQuery {
    #[serde(default)]
    search: String,
    #[serde(default)]
    resource: String,
    limit: Option<usize>,
}

/// `GET /api/v1/policies/typeahead?resource=account|iam_arn&search=&limit=`:
/// `[{"title": ...}]`, accounts as `Name (123456789012)`, roles as ARNs (the
/// caller's eligible ones); matching any part, any case.
pub async fn typeahead(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(q): Query<TypeaheadQuery>,
) -> Response {
    let limit = q.limit.unwrap_or(1000).clamp(1, 5000);
    let needle = q.search.trim().to_lowercase();
    let roles = match eligible_roles(&s, user).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut titles: Vec<String> =
        match q.resource.as_str() {
            "account" => {
                let mut seen = std::collections::BTreeMap::new();
                for (k, _) in roles.iter() {
                    seen.insert(k.account_id.clone(), k.account_name.clone());
                }
                seen.into_iter()
                    .map(|(id, name)| format!("{name} ({id})"))
                    .collect()
            }
            "iam_arn" | "role" => roles.iter().map(|(k, _)| k.arn.clone()).collect(),
            "" => return (
                StatusCode::BAD_REQUEST,
                Json(
                    json!({ "errors": ["resource: must say what to search (account or iam_arn)"] }),
                ),
            )
                .into_response(),
            _ => Vec::new(),
        };
    titles.retain(|t| needle.is_empty() || t.to_lowercase().contains(&needle));
    titles.sort();
    titles.truncate(limit);
    let out: Vec<serde_json::Value> = titles.into_iter().map(|t| json!({ "title": t })).collect();
    Json(out).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ResourceUrlQuery {
    #[serde(default)]
    arn: String,
}

/// `GET /api/v2/get_resource_url?arn=`: `data.url`, the path of the
/// resource's page here (`weep open` appends it to the server's address).
pub async fn get_resource_url(
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(q): Query<ResourceUrlQuery>,
) -> Response {
    if user.is_none() {
        return super::weep::error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in first".into(),
            None,
        );
    }
    match resource_path(q.arn.trim()) {
        Some(url) => Json(json!({
            "status": "success", "status_code": 200, "data": { "url": url }
        }))
        .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({
                "status": "error", "status_code": 404,
                "errors": [format!("arn: Latchkey has no page for {:?} (roles, users, groups, policies, buckets, queues and topics have one)", q.arn)]
            })),
        )
            .into_response(),
    }
}

/// The page of an ARN Latchkey caches, by its kind.
fn resource_path(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, _region, account, resource] = parts.as_slice() else {
        return None;
    };
    if partition.is_empty() || resource.is_empty() {
        return None;
    }
    let page = || Some(format!("/resource?arn={}", urlencoding::encode(arn)));
    match *service {
        "iam" => match resource.split_once('/') {
            Some(("role", path_and_name)) => {
                let name = path_and_name.rsplit('/').next()?;
                Some(format!("/roles/{account}/{}", urlencoding::encode(name)))
            }
            Some(("user" | "group" | "policy", _)) => page(),
            _ => None,
        },
        "s3" if !resource.contains('/') => page(),
        "sqs" | "sns" if !account.is_empty() => page(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::resource_path;

    #[test]
    fn each_kind_opens_its_own_page() {
        assert_eq!(
            resource_path("arn:aws:iam::111122223333:role/team/app").as_deref(),
            Some("/roles/111122223333/app")
        );
        assert_eq!(
            resource_path("arn:aws:s3:::logs").as_deref(),
            Some("/resource?arn=arn%3Aaws%3As3%3A%3A%3Alogs")
        );
        assert!(resource_path("arn:aws:sqs:eu-west-1:111122223333:jobs").is_some());
        assert!(resource_path("arn:aws:iam::111122223333:user/ci").is_some());
        for none in [
            "arn:aws:s3:::logs/key.txt",
            "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
            "not-an-arn",
            "arn:aws:iam::111122223333:root",
        ] {
            assert_eq!(resource_path(none), None, "{none}");
        }
    }
}
