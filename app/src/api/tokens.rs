//! The signed-in user's API tokens (for the CLI and the credentials APIs).
use crate::error::AppError;
use crate::views::{ApiTokenView, NewApiTokenView};
use leptos::prelude::*;

/// A token's name as typed: 1-64 characters (`example` shows one).
#[cfg(feature = "ssr")]
pub(crate) fn token_name<'a>(
    field: &str,
    name: &'a str,
    example: &str,
) -> Result<&'a str, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::invalid(
            field,
            format!("must be 1-64 characters, e.g. {example:?}"),
        ));
    }
    Ok(name)
}

/// `expires_in_days` as typed: empty means the default.
#[cfg(feature = "ssr")]
pub(crate) fn token_days(days: Option<&str>) -> Result<Option<u32>, AppError> {
    match days.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => d
            .parse::<u32>()
            .map(Some)
            .map_err(|_| AppError::invalid("expires_in_days", "must be a whole number of days")),
    }
}

#[server(endpoint = "tokens")]
pub async fn list_tokens() -> Result<Vec<ApiTokenView>, AppError> {
    crate::api::ctx::as_user(|ports, user| async move { ports.tokens.list_tokens(&user).await })
        .await
}

#[server(endpoint = "create_token")]
pub async fn create_token(
    name: String,
    /// Days until it expires; empty means the default (30).
    #[server(default)]
    expires_in_days: Option<String>,
    /// `credentials` (default) or `full`.
    #[server(default)]
    scope: Option<String>,
) -> Result<NewApiTokenView, AppError> {
    crate::api::ctx::secret_answer();
    crate::api::ctx::as_user(|ports, user| async move {
        let name = token_name("name", &name, "laptop")?;
        let days = token_days(expires_in_days.as_deref())?;
        let scope = crate::domain::token::TokenScope::parse(scope.as_deref().unwrap_or(""))
            .ok_or_else(|| AppError::invalid("scope", "must be credentials or full"))?;
        let client = crate::api::ctx::client_meta();
        ports
            .tokens
            .create_token(&user, name, days, scope, &client)
            .await
    })
    .await
}

#[server(endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let id = crate::api::ctx::field("id", crate::domain::RequestId::parse(&id))?;
        let client = crate::api::ctx::client_meta();
        ports.tokens.revoke_token(&user, &id, &client).await
    })
    .await
}
