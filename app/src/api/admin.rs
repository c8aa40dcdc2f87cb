//! Administration: sync health per account and task, and "run now".
use crate::error::AppError;
use crate::views::AccountSyncView;
use leptos::prelude::*;

#[server(endpoint = "sync_status")]
pub async fn sync_status() -> Result<Vec<AccountSyncView>, AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move { ports.sync.sync_status(&admin).await })
        .await
}

/// The `account` input of a filter: empty means every account.
#[cfg(feature = "ssr")]
fn optional_account(text: &str) -> Result<Option<crate::domain::AccountId>, AppError> {
    match text.trim() {
        "" => Ok(None),
        a => crate::api::ctx::field("account", crate::domain::AccountId::parse(a)).map(Some),
    }
}

/// Empty `task` or `account` means all of them.
#[server(endpoint = "run_sync")]
pub async fn run_sync(
    #[server(default)] task: String,
    #[server(default)] account: String,
) -> Result<(), AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let task = Some(task.trim().to_owned()).filter(|t| !t.is_empty());
        let account = optional_account(&account)?;
        let client = crate::api::ctx::client_meta();
        ports.sync.run_sync(&admin, task, account, &client).await
    })
    .await
}

#[server(endpoint = "set_account_enabled")]
pub async fn set_account_enabled(account: String, enabled: bool) -> Result<(), AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let account = crate::api::ctx::field("account", crate::domain::AccountId::parse(&account))?;
        ports
            .sync
            .set_account_enabled(&admin, &account, enabled, &crate::api::ctx::client_meta())
            .await
    })
    .await
}

/// The audit log, newest first, 100 at a time. `params` are the page's URL
/// query (actor, action, target, account, since, until, before).
#[server(endpoint = "audit")]
pub async fn list_audit(
    #[server(default)] params: std::collections::BTreeMap<String, String>,
) -> Result<Vec<crate::views::AuditEventView>, AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let get = |k: &str| {
            params
                .get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let date = |k: &str| -> Result<Option<String>, AppError> {
            match get(k) {
                None => Ok(None),
                Some(v) if v.len() >= 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-' => {
                    Ok(Some(v))
                }
                Some(v) => Err(AppError::invalid(
                    k,
                    format!("{v:?} is not a date (YYYY-MM-DD or RFC 3339)"),
                )),
            }
        };
        let filter = crate::ports::AuditFilter {
            actor: get("actor"),
            action: get("action"),
            target: get("target"),
            account: optional_account(&get("account").unwrap_or_default())?,
            since: date("since")?,
            until: date("until")?,
            before: match get("before") {
                None => None,
                Some(b) => Some(
                    b.parse()
                        .map_err(|_| AppError::invalid("before", "must be an event id"))?,
                ),
            },
        };
        ports.audit.list_audit(&admin, &filter).await
    })
    .await
}

/// Offboarding: ends every session and revokes every API token of one
/// person (by user id, as the audit log shows it). Admins only.
#[server(endpoint = "revoke_user_access")]
pub async fn revoke_user_access(
    user_id: String,
) -> Result<crate::views::RevokedAccessView, AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let user_id = user_id.trim();
        if user_id.is_empty() || user_id.chars().count() > 256 {
            return Err(AppError::invalid("user_id", "must be 1-256 characters"));
        }
        let client = crate::api::ctx::client_meta();
        ports
            .tokens
            .revoke_user_access(&admin, user_id, &client)
            .await
    })
    .await
}

/// Admin › Protection: every account's credential-protection plan.
#[server(endpoint = "protection")]
pub async fn protection_status() -> Result<crate::views::ProtectionPageView, AppError> {
    crate::api::ctx::as_admin(
        |ports, admin| async move { ports.protection.protection(&admin).await },
    )
    .await
}

/// Reads every account's networks and plans now; writes where approved.
#[server(endpoint = "run_protection")]
pub async fn run_protection() -> Result<(), AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let client = crate::api::ctx::client_meta();
        ports.protection.run_protection(&admin, &client).await
    })
    .await
}

/// Approves `account`'s first write of the plan shown as `plan_hash`.
#[server(endpoint = "approve_protection")]
pub async fn approve_protection(account: String, plan_hash: String) -> Result<(), AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let account = crate::api::ctx::field("account", crate::domain::AccountId::parse(&account))?;
        let plan_hash = plan_hash.trim();
        if plan_hash.len() != 64 || !plan_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::invalid(
                "plan_hash",
                "must name the shown plan (64 hex digits)",
            ));
        }
        let client = crate::api::ctx::client_meta();
        ports
            .protection
            .approve_protection(&admin, &account, plan_hash, &client)
            .await
    })
    .await
}
