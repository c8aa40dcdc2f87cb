//! Permission requests: submit, list, review (apply, edit, cancel, reject,
//! comment). Every action is re-checked by the server's request service.
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ports::{NewChange, NewRequest, ReviewAction};
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

#[cfg(feature = "ssr")]
fn parse_id(id: &str) -> Result<crate::domain::RequestId, AppError> {
    crate::domain::RequestId::parse(id).map_err(|e| AppError::invalid("id", e.0))
}

/// The form on a role page: one inline policy.
#[server(endpoint = "create_request")]
pub async fn create_request(
    role_arn: String,
    policy_name: String,
    policy: String,
    justification: String,
) -> Result<String, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let (role, policy_name, document, justification) =
            validate_new_request(&role_arn, &policy_name, &policy, &justification)?;
        let new = NewRequest {
            principal_arn: role.to_string(),
            justification,
            direct: false,
            changes: vec![NewChange {
                target_arn: role.to_string(),
                spec: crate::domain::change::ChangeSpec::InlinePolicyPut {
                    policy_name,
                    // The document as typed (it passed the checks): the reviewer
                    // and AWS get exactly what the requester wrote.
                    document: serde_json::from_str(&policy)
                        .unwrap_or_else(|_| document.as_json().clone()),
                },
                expires_at: None,
            }],
        };
        let client = crate::api::ctx::client_meta();
        let id = ports.requests.create_request(&user, new, &client).await?;
        leptos_axum::redirect(&format!("/requests/{id}"));
        Ok(id.to_string())
    })
    .await
}

/// One change as the wizard and the advanced editor send it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChangeInput {
    pub target_arn: String,
    pub spec: crate::domain::change::ChangeSpec,
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Submits any set of changes to one principal (wizard, advanced editor, API).
#[server(endpoint = "submit_request", input = server_fn::codec::Json)]
pub async fn submit_request(
    principal_arn: String,
    justification: String,
    changes: Vec<ChangeInput>,
    /// An approver's direct edit: applied at once, recorded as self-approved.
    #[server(default)]
    direct: bool,
) -> Result<String, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let new = NewRequest {
            principal_arn,
            justification,
            direct,
            changes: changes
                .into_iter()
                .map(|c| NewChange {
                    target_arn: c.target_arn,
                    spec: c.spec,
                    expires_at: c.expires_at,
                })
                .collect(),
        };
        let client = crate::api::ctx::client_meta();
        let id = ports.requests.create_request(&user, new, &client).await?;
        Ok(id.to_string())
    })
    .await
}

#[server(endpoint = "list_requests")]
pub async fn list_requests(
    #[server(default)] status: Option<String>,
    #[server(default)] requester: Option<String>,
    #[server(default)] account: Option<String>,
    #[server(default)] from: Option<String>,
    #[server(default)] to: Option<String>,
) -> Result<Vec<RequestSummaryView>, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let filter = crate::ports::RequestFilter {
            status,
            requester,
            account,
            from,
            to,
        };
        ports.requests.list_requests(&user, &filter).await
    })
    .await
}

#[server(endpoint = "get_request")]
pub async fn get_request(id: String) -> Result<RequestDetailView, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        ports.requests.get_request(&user, &parse_id(&id)?).await
    })
    .await
}

/// Approves and applies every open change of a request, in order.
#[server(endpoint = "approve_request")]
pub async fn approve_request(id: String) -> Result<(), AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let rid = parse_id(&id)?;
        let client = crate::api::ctx::client_meta();
        let view = ports.requests.get_request(&user, &rid).await?;
        if !view.changes.iter().any(|c| c.can_apply) {
            let open = view
                .changes
                .iter()
                .any(|c| c.status == "pending" || c.status == "failed");
            return Err(if open {
                AppError::Forbidden("there is nothing here you can approve".into())
            } else {
                AppError::Conflict("nothing is left to approve".into())
            });
        }
        for c in view.changes.into_iter().filter(|c| c.can_apply) {
            let action = ReviewAction::Apply {
                change_id: c.id,
                edited_document: None,
            };
            ports.requests.review(&user, &rid, action, &client).await?;
        }
        leptos_axum::redirect(&format!("/requests/{id}"));
        Ok(())
    })
    .await
}

/// Runs one review step on request `id` as the signed-in user, then shows
/// the request again (a plain form post lands back on its page).
#[cfg(feature = "ssr")]
async fn review(id: String, action: ReviewAction) -> Result<(), AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let rid = parse_id(&id)?;
        let client = crate::api::ctx::client_meta();
        ports.requests.review(&user, &rid, action, &client).await?;
        leptos_axum::redirect(&format!("/requests/{id}"));
        Ok(())
    })
    .await
}

/// Approves and applies one change, optionally with the approver's edit of
/// its document.
#[server(endpoint = "apply_change")]
pub async fn apply_change(
    id: String,
    change_id: String,
    #[server(default)] document: Option<String>,
) -> Result<(), AppError> {
    review(
        id,
        ReviewAction::Apply {
            change_id,
            edited_document: document,
        },
    )
    .await
}

/// Cancels one open change of a request.
#[server(endpoint = "cancel_change")]
pub async fn cancel_change(id: String, change_id: String) -> Result<(), AppError> {
    review(id, ReviewAction::CancelChange { change_id }).await
}

#[server(endpoint = "reject_request")]
pub async fn reject_request(id: String, reason: String) -> Result<(), AppError> {
    review(id, ReviewAction::Reject { reason }).await
}

/// The requester withdraws the request while nothing of it is applied.
#[server(endpoint = "cancel_request")]
pub async fn cancel_request(id: String) -> Result<(), AppError> {
    review(id, ReviewAction::Cancel).await
}

#[server(endpoint = "comment_request")]
pub async fn comment_request(id: String, text: String) -> Result<(), AppError> {
    review(id, ReviewAction::Comment { text }).await
}

/// What the wizard needs for a principal: the principals the user may ask
/// for, and that principal's current Latchkey policy (for the diff).
#[server(endpoint = "wizard_context")]
pub async fn wizard_context(
    principal: String,
) -> Result<crate::views::WizardContextView, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        ports.requests.wizard_context(&user, principal.trim()).await
    })
    .await
}

/// Submits the wizard: the server generates, merges and checks the policy
/// again, and adds the cross-account changes the grant needs.
#[server(endpoint = "submit_intents", input = server_fn::codec::Json)]
pub async fn submit_intents(
    principal_arn: String,
    intents: Vec<crate::domain::policy::Intent>,
    justification: String,
    expires_at: Option<String>,
) -> Result<String, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let client = crate::api::ctx::client_meta();
        let new = crate::ports::NewIntentRequest {
            principal_arn,
            intents,
            justification,
            expires_at,
        };
        let id = ports
            .requests
            .create_from_intents(&user, new, &client)
            .await?;
        Ok(id.to_string())
    })
    .await
}

/// Creates a copy of a cached role (within or across accounts) as a request,
/// or at once when an approver asks for a direct edit.
#[server(endpoint = "clone_role")]
pub async fn clone_role(
    source_arn: String,
    new_arn: String,
    justification: String,
    #[server(default)] direct: bool,
) -> Result<String, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let client = crate::api::ctx::client_meta();
        let new = crate::ports::CloneRoleRequest {
            source_arn,
            new_arn,
            justification,
            direct,
        };
        let id = ports.requests.clone_role(&user, new, &client).await?;
        leptos_axum::redirect(&format!("/requests/{id}"));
        Ok(id.to_string())
    })
    .await
}
