//! Accounts, the resources table and resource details.
use crate::error::AppError;
use crate::views::{AccountView, ResourceDetailView, ResourcePageView};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[server(endpoint = "accounts")]
pub async fn list_accounts() -> Result<Vec<AccountView>, AppError> {
    crate::api::ctx::as_user(
        |ports, user| async move { ports.inventory.list_accounts(&user).await },
    )
    .await
}

#[server(endpoint = "regions")]
pub async fn list_regions() -> Result<Vec<String>, AppError> {
    crate::api::ctx::as_user(|ports, user| async move { ports.inventory.list_regions(&user).await })
        .await
}

/// `params` are the page's URL query parameters (type, account, q, tag,
/// region, sort, dir, after).
#[server(endpoint = "resources")]
pub async fn search_resources(
    #[server(default)] params: BTreeMap<String, String>,
) -> Result<ResourcePageView, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let query = crate::domain::inventory::ResourceQuery::from_params(&params)
            .map_err(|(field, message)| AppError::invalid(field, message))?;
        ports.inventory.search_resources(&user, &query).await
    })
    .await
}

/// Resource ARNs vary by service; only the `arn:` shape is checked here and
/// the cache lookup decides whether it exists.
#[cfg(feature = "ssr")]
fn check_arn(arn: &str) -> Result<(), AppError> {
    if arn.starts_with("arn:") {
        Ok(())
    } else {
        Err(AppError::invalid(
            "arn",
            "must be an ARN (arn:partition:service:...)",
        ))
    }
}

#[server(endpoint = "resource")]
pub async fn get_resource(arn: String) -> Result<ResourceDetailView, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        check_arn(&arn)?;
        ports.inventory.get_resource(&user, &arn).await
    })
    .await
}

#[server(endpoint = "refresh_resource")]
pub async fn refresh_resource(arn: String) -> Result<(), AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        check_arn(&arn)?;
        let client = crate::api::ctx::client_meta();
        ports.inventory.refresh_resource(&user, &arn, &client).await
    })
    .await
}

/// Up to 10 cached principals/resources whose name or ARN contains `q`
/// (optionally of one type, in one region), for pickers such as the
/// request wizard.
#[server(endpoint = "typeahead")]
pub async fn typeahead(
    q: String,
    #[server(default)] kind: String,
    #[server(default)] region: String,
) -> Result<Vec<crate::views::ResourceRowView>, AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let mut params = BTreeMap::new();
        params.insert("q".to_owned(), q);
        params.insert("type".to_owned(), kind);
        params.insert("region".to_owned(), region);
        let query = crate::domain::inventory::ResourceQuery::from_params(&params)
            .map_err(|(field, message)| AppError::invalid(field, message))?;
        if query.text.is_none() {
            return Ok(Vec::new());
        }
        let mut page = ports.inventory.search_resources(&user, &query).await?;
        page.rows.truncate(10);
        Ok(page.rows)
    })
    .await
}
