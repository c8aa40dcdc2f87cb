//! Administration: sync health per account and task, and "run now".
use crate::error::AppError;
use crate::views::AccountSyncView;
use leptos::prelude::*;

#[server(endpoint = "sync_status")]
pub async fn sync_status() -> Result<Vec<AccountSyncView>, AppError> {
    crate::api::ctx::respond(
        async move {
            let ports = crate::api::ctx::ports()?;
            let admin = crate::domain::Admin::check(&crate::api::ctx::current_user()?)?;
            ports.sync.sync_status(&admin).await
        }
        .await,
    )
}

/// Empty `task` or `account` means all of them.
#[server(endpoint = "run_sync")]
pub async fn run_sync(
    #[server(default)] task: String,
    #[server(default)] account: String,
) -> Result<(), AppError> {
    crate::api::ctx::respond(
        async move {
            let ports = crate::api::ctx::ports()?;
            let admin = crate::domain::Admin::check(&crate::api::ctx::current_user()?)?;
            let task = Some(task.trim().to_owned()).filter(|t| !t.is_empty());
            let account = match account.trim() {
                "" => None,
                a => Some(
                    crate::domain::AccountId::parse(a)
                        .map_err(|e| AppError::invalid("account", e.0))?,
                ),
            };
            ports.sync.run_sync(&admin, task, account).await
        }
        .await,
    )
}

#[server(endpoint = "set_account_enabled")]
pub async fn set_account_enabled(account: String, enabled: bool) -> Result<(), AppError> {
    crate::api::ctx::respond(
        async move {
            let ports = crate::api::ctx::ports()?;
            let admin = crate::domain::Admin::check(&crate::api::ctx::current_user()?)?;
            let account = crate::domain::AccountId::parse(&account)
                .map_err(|e| AppError::invalid("account", e.0))?;
            ports
                .sync
                .set_account_enabled(&admin, &account, enabled)
                .await
        }
        .await,
    )
}
