//! Permission requests: submit, list, review, approve, reject.
use crate::error::AppError;
use crate::views::{RequestDetailView, RequestSummaryView};
use leptos::prelude::*;

/// Checks the form fields of a new inline-policy request. Shared by the server
/// function and the browser so both show the same messages.
pub fn validate_new_request(
    role_arn: &str,
    policy_name: &str,
    policy: &str,
    justification: &str,
) -> Result<
    (
        crate::domain::RoleArn,
        String,
        crate::domain::PolicyDocument,
        String,
    ),
    AppError,
> {
    let role =
        crate::domain::RoleArn::parse(role_arn).map_err(|e| AppError::invalid("role_arn", e.0))?;
    let name = policy_name.trim();
    if name.is_empty()
        || name.len() > 128
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        return Err(AppError::invalid(
            "policy_name",
            "must be 1-128 characters of letters, digits and +=,.@_-",
        ));
    }
    let doc = crate::domain::PolicyDocument::parse_identity_policy(policy).map_err(|f| {
        AppError::Invalid {
            field: "policy".into(),
            messages: f.into_iter().map(|x| x.to_string()).collect(),
        }
    })?;
    let why = justification.trim();
    if why.len() < 10 {
        return Err(AppError::invalid(
            "justification",
            "is required: say in at least 10 characters why this access is needed",
        ));
    }
    Ok((role, name.to_owned(), doc, why.to_owned()))
}

#[server(endpoint = "create_request")]
pub async fn create_request(
    role_arn: String,
    policy_name: String,
    policy: String,
    justification: String,
) -> Result<String, AppError> {
    crate::api::ctx::respond(
        async move {
            let ports = crate::api::ctx::ports()?;
            let user = crate::api::ctx::current_user()?;
            let (role, policy_name, document, justification) =
                validate_new_request(&role_arn, &policy_name, &policy, &justification)?;
            let new = crate::ports::NewInlinePolicyRequest {
                role,
                policy_name,
                document,
                justification,
            };
            let id = ports.requests.create_request(&user, new).await?;
            leptos_axum::redirect(&format!("/requests/{id}"));
            Ok(id.to_string())
        }
        .await,
    )
}

#[server(endpoint = "list_requests")]
pub async fn list_requests() -> Result<Vec<RequestSummaryView>, AppError> {
    crate::api::ctx::respond(
        async move {
            let ports = crate::api::ctx::ports()?;
            let user = crate::api::ctx::current_user()?;
            ports.requests.list_requests(&user).await
        }
        .await,
    )
}

#[server(endpoint = "get_request")]
pub async fn get_request(id: String) -> Result<RequestDetailView, AppError> {
    crate::api::ctx::respond(
        async move {
            let ports = crate::api::ctx::ports()?;
            let user = crate::api::ctx::current_user()?;
            let id =
                crate::domain::RequestId::parse(&id).map_err(|e| AppError::invalid("id", e.0))?;
            ports.requests.get_request(&user, &id).await
        }
        .await,
    )
}

#[server(endpoint = "approve_request")]
pub async fn approve_request(id: String) -> Result<(), AppError> {
    crate::api::ctx::respond(
        async move {
            let ports = crate::api::ctx::ports()?;
            let user = crate::api::ctx::current_user()?;
            let admin = crate::domain::Admin::check(&user)?;
            let id =
                crate::domain::RequestId::parse(&id).map_err(|e| AppError::invalid("id", e.0))?;
            ports.requests.approve_request(&admin, &id).await?;
            leptos_axum::redirect(&format!("/requests/{id}"));
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "reject_request")]
pub async fn reject_request(id: String, reason: String) -> Result<(), AppError> {
    crate::api::ctx::respond(
        async move {
            let ports = crate::api::ctx::ports()?;
            let user = crate::api::ctx::current_user()?;
            let admin = crate::domain::Admin::check(&user)?;
            let id =
                crate::domain::RequestId::parse(&id).map_err(|e| AppError::invalid("id", e.0))?;
            ports
                .requests
                .reject_request(&admin, &id, reason.trim())
                .await?;
            leptos_axum::redirect(&format!("/requests/{id}"));
            Ok(())
        }
        .await,
    )
}
