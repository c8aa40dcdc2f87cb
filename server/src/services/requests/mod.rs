//! RequestPort: permission requests from submission through review to apply.
//! `create` checks and stores a request, `review` holds every reviewer and
//! requester action, `apply` makes the one AWS call per change, `view` reads.
mod apply;
mod approve;
mod authz;
mod auto;
mod check;
mod clone;
mod create;
mod expiry;
mod findings;
mod intents;
mod reconcile;
mod review;
mod temporary;
mod view;

use super::{errors::db_error, Services};
use crate::db::{self, audit::AuditEvent};
use app::domain::{RequestId, User};
use app::ports::{ClientMeta, NewIntentRequest, NewRequest, RequestFilter, ReviewAction};
use app::views::*;
use app::AppError;
use async_trait::async_trait;
use sqlx::PgConnection;
use uuid::Uuid;

pub use apply::apply_pending_change;
pub use expiry::{recover_stuck, sweep_expired, STUCK_AFTER, SWEEPER};

pub struct RequestService(pub Services);

fn uuid_of(field: &str, id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::invalid(field, "is not a request or change id"))
}

fn ts(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The account that owns an ARN: its account field, or for S3 buckets (whose
/// ARNs carry none) the account the cache found the bucket in.
async fn owner_account(conn: &mut PgConnection, arn: &str) -> Result<Option<String>, AppError> {
    let from_arn = arn.split(':').nth(4).filter(|a| !a.is_empty());
    if let Some(a) = from_arn {
        return Ok(Some(a.to_owned()));
    }
    Ok(db::resources::get(conn, arn)
        .await
        .map_err(db_error)?
        .map(|r| r.account_id))
}

impl Services {
    /// Tells the configured notifiers about a request event (after commit).
    pub(crate) fn notify_request(
        &self,
        event: crate::notify::NotifyEvent,
        request_id: Uuid,
        principal_arn: &str,
        requester: &str,
        actor: &str,
        detail: &str,
    ) {
        let id = request_id.to_string();
        self.notifiers.send(crate::notify::Notification {
            event,
            link: self.notifiers.link(&id),
            request_id: id,
            principal_arn: principal_arn.to_owned(),
            requester: requester.to_owned(),
            actor: actor.to_owned(),
            detail: detail.to_owned(),
        });
    }

    /// Whether `user` approves changes in `account`: administrators everywhere,
    /// approver groups in the accounts config gives them (the `Approver` proof's rule).
    pub fn approves(&self, user: &User, account: &str) -> bool {
        app::domain::AccountId::parse(account)
            .map(|a| app::domain::Approver::check(user, &a).is_ok())
            .unwrap_or(false)
    }

    /// Whether `user` may decide a request `requester` made in `account`:
    /// an approver there, and not the requester unless admins may self-approve.
    pub fn may_decide(&self, user: &User, requester: &str, account: &str) -> bool {
        self.approves(user, account)
            && (requester != user.id
                || (user.is_admin && self.config.auth.allow_admin_self_approval))
    }
}

/// Audits a refused ask (a direct edit, an approval, a rejection) on its
/// own connection: the refused action's transaction was rolled back.
async fn audit_refusal(
    s: &Services,
    user: &User,
    action: &str,
    target: &str,
    why: &str,
    client: &ClientMeta,
) {
    let Ok(mut conn) = s.pool.acquire().await else {
        return;
    };
    let recorded = db::audit::record(
        &mut conn,
        AuditEvent {
            actor: &user.id,
            action,
            target,
            outcome: "denied",
            ip: client.ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
            detail: serde_json::json!({ "reason": why }),
        },
    )
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, action, "could not audit a refusal");
    }
}

/// One entry of a request's history, also written to the audit trail.
struct Ev<'a> {
    request_id: Uuid,
    actor: &'a str,
    kind: &'a str,
    detail: &'a str,
    target: &'a str,
    client: Option<&'a ClientMeta>,
    outcome: &'a str,
}

/// Writes the event and its audit row in the caller's transaction.
async fn record(conn: &mut PgConnection, e: Ev<'_>) -> Result<(), AppError> {
    db::requests::add_event(conn, e.request_id, e.actor, e.kind, e.detail)
        .await
        .map_err(db_error)?;
    db::requests::touch(conn, e.request_id)
        .await
        .map_err(db_error)?;
    db::audit::record(
        conn,
        AuditEvent {
            actor: e.actor,
            action: &format!("request.{}", e.kind),
            target: e.target,
            outcome: e.outcome,
            ip: e.client.and_then(|c| c.ip.as_deref()),
            user_agent: e.client.and_then(|c| c.user_agent.as_deref()),
            detail: serde_json::json!({ "request_id": e.request_id, "detail": e.detail }),
        },
    )
    .await
    .map_err(db_error)
}

#[async_trait]
impl app::ports::RequestPort for RequestService {
    async fn create_request(
        &self,
        user: &User,
        new: NewRequest,
        client: &ClientMeta,
    ) -> Result<RequestId, AppError> {
        let direct = new.direct;
        let principal = new.principal_arn.clone();
        let created = create::create(
            &self.0,
            user,
            new,
            client,
            if direct { "direct_edit" } else { "request" },
        )
        .await;
        if let Err(AppError::Forbidden(why)) = &created {
            let action = if direct {
                "request.direct_edit"
            } else {
                "request.create"
            };
            audit_refusal(&self.0, user, action, &principal, why, client).await;
        }
        let id = created?;
        if direct {
            // Every change was checked to be in the user's accounts; apply in order.
            for change_id in view::change_ids(&self.0, &id).await? {
                let action = ReviewAction::Apply {
                    change_id,
                    edited_document: None,
                };
                review::review(&self.0, user, &id, action, client).await?;
            }
        }
        Ok(id)
    }

    async fn create_from_intents(
        &self,
        user: &User,
        new: NewIntentRequest,
        client: &ClientMeta,
    ) -> Result<RequestId, AppError> {
        let justification = check::check_justification(&new.justification)?;
        if new.intents.is_empty() {
            return Err(AppError::invalid(
                "intents",
                "pick at least one resource and what to do with it",
            ));
        }
        let expires_at =
            check::parse_optional_expiry(new.expires_at.as_deref(), chrono::Utc::now())?;
        let principal = new.principal_arn.trim();
        app::domain::change::TargetKind::of(principal)
            .map_err(|m| AppError::invalid("principal_arn", m))?;
        create::store(
            &self.0,
            user,
            principal,
            &justification,
            Vec::new(),
            client,
            "request",
            Some((&new.intents, expires_at)),
        )
        .await
    }

    async fn clone_role(
        &self,
        user: &User,
        source_arn: &str,
        new_arn: &str,
        justification: &str,
        direct: bool,
        client: &ClientMeta,
    ) -> Result<RequestId, AppError> {
        let new_arn = new_arn.trim();
        let kind = app::domain::change::TargetKind::of(new_arn)
            .map_err(|m| AppError::invalid("new_arn", m))?;
        if kind != app::domain::change::TargetKind::Role {
            return Err(AppError::invalid("new_arn", "must be a role ARN"));
        }
        if let Some(why) = self.0.eligibility.protected().reason(source_arn.trim()) {
            return Err(AppError::Forbidden(format!(
                "{} is protected ({why}): it cannot be cloned",
                source_arn.trim()
            )));
        }
        let mut conn = self.0.pool.acquire().await.map_err(db_error)?;
        if db::resources::get(&mut conn, new_arn)
            .await
            .map_err(db_error)?
            .is_some()
        {
            return Err(AppError::invalid(
                "new_arn",
                format!("{new_arn} already exists"),
            ));
        }
        let spec = clone::clone_spec(&mut conn, source_arn.trim(), new_arn).await?;
        drop(conn);
        let new = NewRequest {
            principal_arn: new_arn.to_owned(),
            justification: justification.to_owned(),
            direct,
            changes: vec![app::ports::NewChange {
                target_arn: new_arn.to_owned(),
                spec,
                expires_at: None,
            }],
        };
        self.create_request(user, new, client).await
    }

    async fn wizard_context(
        &self,
        user: &User,
        principal: &str,
    ) -> Result<WizardContextView, AppError> {
        intents::context(&self.0, user, principal).await
    }

    async fn list_requests(
        &self,
        user: &User,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestSummaryView>, AppError> {
        view::list(&self.0, user, filter).await
    }

    async fn get_request(
        &self,
        user: &User,
        id: &RequestId,
    ) -> Result<RequestDetailView, AppError> {
        view::get(&self.0, user, id).await
    }

    async fn review(
        &self,
        user: &User,
        id: &RequestId,
        action: ReviewAction,
        client: &ClientMeta,
    ) -> Result<(), AppError> {
        let what = match &action {
            ReviewAction::Apply { .. } => "request.approve",
            ReviewAction::CancelChange { .. } => "request.cancel_change",
            ReviewAction::Reject { .. } => "request.reject",
            ReviewAction::Cancel => "request.withdraw",
            ReviewAction::Comment { .. } => "request.comment",
        };
        let result = review::review(&self.0, user, id, action, client).await;
        if let Err(AppError::Forbidden(why)) = &result {
            audit_refusal(&self.0, user, what, id.as_str(), why, client).await;
        }
        result
    }
}
