//! RequestPort: permission requests from submission through review to apply.
//! `create` checks and stores a request, `review` holds every reviewer and
//! requester action, `apply` makes the one AWS call per change, `view` reads.
mod apply;
mod approve;
mod authz;
mod auto;
mod check;
mod clone;
mod common;
mod create;
mod expiry;
mod findings;
mod intents;
mod reconcile;
mod review;
mod temporary;
mod view;

use super::Services;
use crate::db::{self};
use app::domain::{RequestId, User};
use app::ports::{ClientMeta, NewIntentRequest, NewRequest, RequestFilter, ReviewAction};
use app::views::*;
use app::AppError;
use async_trait::async_trait;
use common::audit_refusal;

pub use apply::apply_pending_change;
pub use expiry::{recover_stuck, sweep_expired, STUCK_AFTER, SWEEPER};

pub struct RequestService(pub Services);

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
        ask: app::ports::CloneRoleRequest,
        client: &ClientMeta,
    ) -> Result<RequestId, AppError> {
        let (source_arn, new_arn) = (ask.source_arn.trim(), ask.new_arn.trim());
        let kind = app::domain::change::TargetKind::of(new_arn)
            .map_err(|m| AppError::invalid("new_arn", m))?;
        if kind != app::domain::change::TargetKind::Role {
            return Err(AppError::invalid("new_arn", "must be a role ARN"));
        }
        if let Some(why) = self.0.eligibility.protected().reason(source_arn) {
            return Err(AppError::Forbidden(format!(
                "{source_arn} is protected ({why}): it cannot be cloned"
            )));
        }
        let mut conn = crate::db::conn(&self.0.pool).await?;
        if db::resources::get(&mut conn, new_arn).await?.is_some() {
            return Err(AppError::invalid(
                "new_arn",
                format!("{new_arn} already exists"),
            ));
        }
        let spec = clone::clone_spec(&mut conn, source_arn, new_arn).await?;
        drop(conn);
        let new = NewRequest {
            principal_arn: new_arn.to_owned(),
            justification: ask.justification.clone(),
            direct: ask.direct,
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
