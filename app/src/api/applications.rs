//! Applications (admins only): non-human principals that get role
//! credentials with their own tokens or client certificates.
use crate::error::AppError;
use crate::views::{ApplicationView, NewApiTokenView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn app_name(field: &str, name: &str) -> Result<crate::domain::application::AppName, AppError> {
    crate::domain::application::AppName::parse(name).map_err(|e| AppError::invalid(field, e))
}

/// Free text of at most `max` characters, trimmed.
#[cfg(feature = "ssr")]
fn text(field: &str, v: &str, max: usize) -> Result<String, AppError> {
    let v = v.trim();
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters on one line"),
        ));
    }
    Ok(v.to_owned())
}

#[server(endpoint = "applications")]
pub async fn list_applications() -> Result<Vec<ApplicationView>, AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        ports.applications.list_applications(&admin).await
    })
    .await
}

#[server(endpoint = "create_application")]
pub async fn create_application(
    name: String,
    #[server(default)] description: String,
    #[server(default)] owner: String,
    /// The client certificate subject a trusted proxy forwards; empty: none.
    #[server(default)]
    mtls_subject: String,
) -> Result<(), AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let subject = text("mtls_subject", &mtls_subject, 1024)?;
        let new = crate::ports::NewApplication {
            name: app_name("name", &name)?,
            description: text("description", &description, 200)?,
            owner: text("owner", &owner, 100)?,
            mtls_subject: Some(subject).filter(|s| !s.is_empty()),
        };
        let client = crate::api::ctx::client_meta();
        ports
            .applications
            .create_application(&admin, &new, &client)
            .await
    })
    .await
}

#[server(endpoint = "disable_application")]
pub async fn disable_application(name: String) -> Result<(), AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let name = app_name("name", &name)?;
        let client = crate::api::ctx::client_meta();
        ports
            .applications
            .disable_application(&admin, &name, &client)
            .await
    })
    .await
}

#[server(endpoint = "create_application_token")]
pub async fn create_application_token(
    app: String,
    token_name: String,
    /// Days until it expires; empty means 90 (at most applications.token_max_days).
    #[server(default)]
    expires_in_days: Option<String>,
) -> Result<NewApiTokenView, AppError> {
    crate::api::ctx::secret_answer();
    crate::api::ctx::as_admin(|ports, admin| async move {
        let app = app_name("app", &app)?;
        use crate::api::tokens::{token_days, token_name as checked_name};
        let token_name = checked_name("token_name", &token_name, "prod")?;
        let days = token_days(expires_in_days.as_deref())?;
        let client = crate::api::ctx::client_meta();
        ports
            .applications
            .create_application_token(&admin, &app, token_name, days, &client)
            .await
    })
    .await
}

#[server(endpoint = "revoke_application_token")]
pub async fn revoke_application_token(app: String, id: String) -> Result<(), AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let app = app_name("app", &app)?;
        let id = crate::api::ctx::field("id", crate::domain::RequestId::parse(&id))?;
        let client = crate::api::ctx::client_meta();
        ports
            .applications
            .revoke_application_token(&admin, &app, &id, &client)
            .await
    })
    .await
}
