//! Eligible roles and role details.
use crate::error::AppError;
use crate::views::{CredentialsView, RoleDetailView, RolesHomeView};
use leptos::prelude::*;

/// How many roles the roles home shows at once: the first screen stays
/// small however many roles a user may use; the filter searches them all.
pub const ROLES_SHOWN: usize = 100;

#[server(endpoint = "eligible_roles")]
pub async fn list_eligible_roles(#[server(default)] q: String) -> Result<RolesHomeView, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        if q.chars().count() > 256 {
            return Err(AppError::invalid("q", "must be at most 256 characters"));
        }
        ports
            .roles
            .list_eligible_roles(&user, q.trim(), ROLES_SHOWN)
            .await
    })
    .await
}

#[server(endpoint = "role")]
pub async fn get_role(account: String, name: String) -> Result<RoleDetailView, AppError> {
    use crate::api::ctx::field;
    crate::api::ctx::as_user(|ports, user| async move {
        let account = field("account", crate::domain::AccountId::parse(&account))?;
        let name = field("name", crate::domain::RoleName::parse(&name))?;
        ports.roles.get_role(&user, &account, &name).await
    })
    .await
}

/// Credentials for one eligible role, for the "Credentials" panel.
#[server(endpoint = "role_credentials")]
pub async fn role_credentials(arn: String) -> Result<CredentialsView, AppError> {
    crate::api::ctx::secret_answer();
    crate::api::ctx::as_user(|ports, user| async move {
        let arn = crate::api::ctx::field("arn", crate::domain::RoleArn::parse(&arn))?;
        ports
            .roles
            .issue_credentials(&user, &arn, &crate::api::ctx::client_meta())
            .await
    })
    .await
}
