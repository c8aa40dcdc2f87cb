//! Admin › Access: the access rules (eligibility, approvers, role tag
//! keys), edited one change at a time; each save is a new version. Every
//! edit names the version it was made on, so a stale page is refused.
use crate::error::AppError;
use crate::views::AccessPageView;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::domain::access_rules::AccessEdit;

#[server(endpoint = "access_rules")]
pub async fn access_rules() -> Result<AccessPageView, AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move { ports.access.access_rules(&admin).await })
        .await
}

/// Entries typed one per line or separated by commas (account names and
/// tag keys may hold spaces).
#[cfg(feature = "ssr")]
fn entries(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Saves the edit `make` builds (after the caller is known to be an
/// administrator: input is judged only for those who may change anything).
#[cfg(feature = "ssr")]
async fn change(
    base_version: String,
    note: String,
    make: impl FnOnce() -> Result<AccessEdit, AppError> + Send + 'static,
) -> Result<i64, AppError> {
    crate::api::ctx::as_admin(|ports, admin| async move {
        let base = base_version.trim().parse::<i64>().map_err(|_| {
            AppError::invalid("base_version", "must be the version the page showed")
        })?;
        let note = note.trim().to_owned();
        if note.chars().count() > 500 {
            return Err(AppError::invalid("note", "must be at most 500 characters"));
        }
        let edit = make()?;
        let client = crate::api::ctx::client_meta();
        ports
            .access
            .change_access_rules(&admin, base, &edit, &note, &client)
            .await
    })
    .await
}

/// Adds a rule: `kind` is group, user, app or group_or_user; `roles` are
/// role ARNs or patterns.
#[server(endpoint = "add_eligibility_rule")]
pub async fn add_eligibility_rule(
    base_version: String,
    kind: String,
    name: String,
    roles: String,
    #[server(default)] cli_only: Option<String>,
    #[server(default)] note: String,
) -> Result<i64, AppError> {
    use crate::domain::access_rules::EligibilityRule;
    change(base_version, note, move || {
        let name = Some(name.trim().to_owned());
        let mut rule = EligibilityRule {
            roles: entries(&roles),
            cli_only: cli_only.is_some_and(|v| v != "false"),
            ..Default::default()
        };
        match kind.as_str() {
            "group" => rule.group = name,
            "user" => rule.user = name,
            "app" => rule.app = name,
            "group_or_user" => rule.group_or_user = name,
            _ => {
                return Err(AppError::invalid(
                    "kind",
                    "must be group, user, app or group_or_user",
                ))
            }
        }
        Ok(AccessEdit::AddRule { rule })
    })
    .await
}

/// Removes entry `index` of `list` (`eligibility` or `approvers`).
#[server(endpoint = "remove_access_rule")]
pub async fn remove_access_rule(
    base_version: String,
    list: String,
    index: usize,
    #[server(default)] note: String,
) -> Result<i64, AppError> {
    change(base_version, note, move || match list.as_str() {
        "eligibility" => Ok(AccessEdit::RemoveRule { index }),
        "approvers" => Ok(AccessEdit::RemoveApprover { index }),
        _ => Err(AppError::invalid(
            "list",
            "must be eligibility or approvers",
        )),
    })
    .await
}

/// Adds an approver rule: members of `group` approve in `accounts` (ids,
/// names or patterns; `*` is every account).
#[server(endpoint = "add_approver")]
pub async fn add_approver(
    base_version: String,
    group: String,
    accounts: String,
    #[server(default)] note: String,
) -> Result<i64, AppError> {
    use crate::domain::access_rules::ApproverRule;
    change(base_version, note, move || {
        let rule = ApproverRule {
            group: group.trim().to_owned(),
            accounts: entries(&accounts),
        };
        Ok(AccessEdit::AddApprover { rule })
    })
    .await
}

/// Replaces the role tag keys that grant console and CLI, and CLI only.
#[server(endpoint = "set_role_tag_keys")]
pub async fn set_role_tag_keys(
    base_version: String,
    #[server(default)] authorized: String,
    #[server(default)] authorized_cli_only: String,
    #[server(default)] note: String,
) -> Result<i64, AppError> {
    use crate::domain::access_rules::RoleTagKeys;
    change(base_version, note, move || {
        let keys = RoleTagKeys {
            authorized: entries(&authorized),
            authorized_cli_only: entries(&authorized_cli_only),
        };
        Ok(AccessEdit::SetRoleTags { keys })
    })
    .await
}
