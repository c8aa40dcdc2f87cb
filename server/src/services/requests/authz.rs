//! Who may ask for which change, and who may decide it. A request is stored
//! only as [`Authorized`] changes, which nothing outside this module can
//! build: each one names a target the requester may ask about, in a known,
//! enabled account, never one of Latchkey's protected roles, and carries the
//! account the change will be applied in. Review then follows those accounts.
use super::check::Checked;
use crate::db;
use crate::services::Services;
use app::domain::change::{ChangeSpec, TargetKind};
use app::domain::User;
use app::AppError;
use sqlx::PgConnection;

/// A change the requester may ask for, with the account it is applied in.
pub(super) struct Authorized {
    change: Checked,
    account: String,
}

impl Authorized {
    pub fn change(&self) -> &Checked {
        &self.change
    }
    pub fn account(&self) -> &str {
        &self.account
    }
}

/// The accounts a set of authorized changes touches, sorted, once each.
pub(super) fn accounts_of(changes: &[Authorized]) -> Vec<String> {
    let mut out: Vec<String> = changes.iter().map(|c| c.account.clone()).collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `user` may edit directly in `account`, i.e. apply a change with
/// nobody else's approval: administrators, or approvers of the account when
/// `requests.approvers_may_edit_directly` says so, and in either case only
/// where self-approval is allowed.
pub(super) fn may_edit_directly(s: &Services, user: &User, account: &str) -> Result<(), AppError> {
    let approver_may =
        s.config.requests.approvers_may_edit_directly && super::common::approves(user, account);
    if !(user.is_admin || approver_may) {
        return Err(AppError::Forbidden(format!(
            "only administrators{} edit directly in account {account}; submit a request instead",
            if s.config.requests.approvers_may_edit_directly {
                " and its approvers"
            } else {
                ""
            }
        )));
    }
    if !s.config.auth.allow_admin_self_approval {
        return Err(AppError::Forbidden(
            "a direct edit approves itself, and this server wants a second person \
             (auth.allow_admin_self_approval is off): submit a request instead"
                .into(),
        ));
    }
    Ok(())
}

/// Checks every change's target and returns the changes as [`Authorized`].
/// `direct`: the changes are a direct edit, applied without review.
pub(super) async fn authorize(
    s: &Services,
    conn: &mut PgConnection,
    user: &User,
    changes: Vec<Checked>,
    direct: bool,
) -> Result<Vec<Authorized>, AppError> {
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        let account = authorize_one(s, conn, user, &change, direct).await?;
        out.push(Authorized { change, account });
    }
    Ok(out)
}

async fn authorize_one(
    s: &Services,
    conn: &mut PgConnection,
    user: &User,
    c: &Checked,
    direct: bool,
) -> Result<String, AppError> {
    let arn = c.target_arn.as_str();
    let kind = TargetKind::of(arn).map_err(|m| AppError::invalid("target_arn", m))?;
    if kind == TargetKind::Role {
        super::common::protected(s, arn)?;
    }
    let creating = matches!(c.spec, ChangeSpec::RoleCreate { .. });
    let row = db::resources::get(conn, arn).await?;
    let (account, tags) = match (&row, creating) {
        (Some(_), true) => {
            return Err(AppError::invalid(
                "target_arn",
                format!("{arn} already exists"),
            ))
        }
        (Some(r), false) => (r.account_id.clone(), r.tags.clone()),
        (None, true) => (
            arn.split(':').nth(4).unwrap_or_default().to_owned(),
            serde_json::Value::Null,
        ),
        (None, false) => {
            return Err(AppError::invalid(
                "target_arn",
                format!("{arn} is not in the cache (is its account synced?)"),
            ))
        }
    };
    crate::services::errors::managed_account(conn, &account).await?;
    if direct {
        may_edit_directly(s, user, &account)?;
        return Ok(account);
    }
    if super::common::approves(user, &account) {
        return Ok(account);
    }
    let allowed = match kind {
        _ if creating => false,
        // A role the requester may use; or the trust change the wizard
        // generates so their role may assume another one (its account's
        // approvers decide it).
        TargetKind::Role => {
            s.eligibility.access(user, arn, &tags).is_some()
                || (c.generated && matches!(c.spec, ChangeSpec::TrustPolicyPut { .. }))
        }
        // Anyone may ask for access to a bucket, queue or topic; its
        // account's approvers decide.
        TargetKind::S3Bucket | TargetKind::SqsQueue | TargetKind::SnsTopic => true,
        TargetKind::User | TargetKind::ManagedPolicy => false,
    };
    if allowed {
        Ok(account)
    } else if creating {
        Err(AppError::Forbidden(format!(
            "only approvers of account {account} may create roles in it"
        )))
    } else {
        Err(AppError::Forbidden(format!(
            "you may not request changes to {arn}: ask for a role you may use, \
             or for access to a bucket, queue or topic"
        )))
    }
}

/// Whether `user` may see a request: its requester, or an approver of an
/// account one of its changes is applied in.
pub(super) fn may_view(user: &User, r: &db::requests::RequestRow) -> bool {
    r.requester == user.id
        || r.account_ids
            .iter()
            .any(|a| super::common::approves(user, a))
}

/// Whether `user` may decide (reject) the whole request: an approver of
/// every account its changes are applied in, and not its requester unless
/// admins may self-approve.
pub(super) fn may_decide_all(s: &Services, user: &User, r: &db::requests::RequestRow) -> bool {
    !r.account_ids.is_empty()
        && r.account_ids
            .iter()
            .all(|a| super::common::may_decide(s, user, &r.requester, a))
}

/// The account a stored change is applied in: fixed when it was
/// authorized (older rows: read off the target, as before).
pub(super) async fn change_account(
    conn: &mut PgConnection,
    c: &db::requests::ChangeRow,
) -> Result<String, AppError> {
    if let Some(a) = &c.account_id {
        return Ok(a.clone());
    }
    Ok(super::common::owner_account(conn, &c.target_arn)
        .await?
        .unwrap_or_default())
}
