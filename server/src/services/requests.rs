//! RequestPort: submit, review, approve (apply to AWS) and reject requests.
use super::{db_error, Services};
use crate::aws::iam::put_role_policy;
use crate::db::{self, audit::AuditEvent};
use app::domain::request::display_status;
use app::domain::{
    policy::pretty, Admin, ChangeStatus, RequestAction, RequestId, RequestStatus, RoleArn, User,
};
use app::ports::NewInlinePolicyRequest;
use app::views::*;
use app::AppError;
use async_trait::async_trait;
use serde_json::json;
use uuid::Uuid;

pub struct RequestService(pub Services);

fn uuid_of(id: &RequestId) -> Result<Uuid, AppError> {
    Uuid::parse_str(id.as_str()).map_err(|e| AppError::invalid("id", e.to_string()))
}

fn ts(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn status_of(s: &str) -> Result<RequestStatus, AppError> {
    RequestStatus::parse(s).ok_or_else(|| super::internal("request status", s))
}

impl RequestService {
    fn may_decide(&self, user: &User, requester: &str) -> bool {
        user.is_admin && (requester != user.id || self.0.config.auth.allow_admin_self_approval)
    }

    /// Locks, checks and records a decision in one transaction.
    async fn decide(
        &self,
        admin: &Admin,
        id: &RequestId,
        action: RequestAction,
        detail: &str,
    ) -> Result<db::requests::RequestRow, AppError> {
        let uid = uuid_of(id)?;
        let actor = admin.user().id.as_str();
        let mut tx = self.0.pool.begin().await.map_err(db_error)?;
        let req = db::requests::get_for_update(&mut tx, uid)
            .await
            .map_err(db_error)?
            .ok_or_else(|| AppError::NotFound(format!("request {id}")))?;
        if !self.may_decide(admin.user(), &req.requester) {
            return Err(AppError::Forbidden(
                "you cannot decide your own request".into(),
            ));
        }
        let next = status_of(&req.status)?
            .apply(action)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        db::requests::set_status(&mut tx, uid, next.as_str(), actor)
            .await
            .map_err(db_error)?;
        if next == RequestStatus::Rejected {
            db::requests::cancel_pending_changes(&mut tx, uid)
                .await
                .map_err(db_error)?;
        }
        db::requests::add_event(&mut tx, uid, actor, next.as_str(), detail)
            .await
            .map_err(db_error)?;
        db::audit::record(
            &mut tx,
            AuditEvent {
                actor,
                action: &format!("request.{}", next.as_str()),
                target: &req.principal_arn,
                outcome: "success",
                ip: None,
                user_agent: None,
                detail: json!({ "request_id": uid, "detail": detail }),
            },
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(req)
    }

    /// Applies every pending or failed change once and records each outcome.
    async fn apply_changes(
        &self,
        actor: &str,
        req: &db::requests::RequestRow,
    ) -> Result<(), AppError> {
        let role = RoleArn::parse(&req.principal_arn)?;
        let mut conn = self.0.pool.acquire().await.map_err(db_error)?;
        let changes = db::requests::changes(&mut conn, req.id)
            .await
            .map_err(db_error)?;
        let iam = self.0.aws.spoke_iam(role.account()).await;
        for c in changes {
            if !ChangeStatus::parse(&c.status).is_some_and(ChangeStatus::can_apply) {
                continue;
            }
            let outcome = match (
                &iam,
                app::domain::PolicyDocument::parse_identity_policy(&c.document.to_string()),
            ) {
                (Err(e), _) => Err(e.to_string()),
                (_, Err(f)) => Err(format!(
                    "policy no longer valid: {}",
                    f.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                (Ok(iam), Ok(doc)) => put_role_policy(iam, role.name(), &c.policy_name, &doc)
                    .await
                    .map_err(|e| e.to_string()),
            };
            let mut tx = self.0.pool.begin().await.map_err(db_error)?;
            let (status, err) = match &outcome {
                Ok(()) => ("applied", None),
                Err(e) => ("failed", Some(e.as_str())),
            };
            db::requests::set_change_outcome(&mut tx, c.id, status, err)
                .await
                .map_err(db_error)?;
            let detail = match err {
                None => format!("PutRolePolicy {} on {}", c.policy_name, role),
                Some(e) => format!("PutRolePolicy {} failed: {e}", c.policy_name),
            };
            db::requests::add_event(&mut tx, req.id, actor, &format!("change.{status}"), &detail)
                .await
                .map_err(db_error)?;
            db::audit::record(
                &mut tx,
                AuditEvent {
                    actor,
                    action: "policy.put_inline",
                    target: &req.principal_arn,
                    outcome: if err.is_none() { "success" } else { "failure" },
                    ip: None,
                    user_agent: None,
                    detail: json!({ "request_id": req.id, "policy_name": c.policy_name, "error": err }),
                },
            )
            .await
            .map_err(db_error)?;
            tx.commit().await.map_err(db_error)?;
        }
        // Re-read the account so the role page shows the new state at once.
        if let Err(e) = crate::jobs::sync::sync_account(
            &self.0,
            crate::jobs::sync::Task::Iam,
            role.account(),
            crate::jobs::sync::Trigger::AfterApply,
        )
        .await
        {
            tracing::warn!(account = %role.account(), error = %e, "refresh after apply failed");
        }
        Ok(())
    }
}

#[async_trait]
impl app::ports::RequestPort for RequestService {
    async fn create_request(
        &self,
        user: &User,
        new: NewInlinePolicyRequest,
    ) -> Result<RequestId, AppError> {
        let mut tx = self.0.pool.begin().await.map_err(db_error)?;
        let arn = new.role.to_string();
        if db::roles::get_by_arn(&mut tx, &arn)
            .await
            .map_err(db_error)?
            .is_none()
        {
            return Err(AppError::invalid(
                "role_arn",
                format!("{arn} is not a known role (is its account synced?)"),
            ));
        }
        let id = Uuid::new_v4();
        db::requests::insert_request(
            &mut tx,
            &db::requests::NewRequest {
                id,
                requester: &user.id,
                principal_arn: &arn,
                account_id: new.role.account().as_str(),
                justification: &new.justification,
            },
        )
        .await
        .map_err(db_error)?;
        db::requests::insert_inline_policy_change(
            &mut tx,
            id,
            0,
            &new.policy_name,
            new.document.as_json(),
        )
        .await
        .map_err(db_error)?;
        db::requests::add_event(
            &mut tx,
            id,
            &user.id,
            "created",
            &format!("asked to put inline policy {}", new.policy_name),
        )
        .await
        .map_err(db_error)?;
        db::audit::record(
            &mut tx,
            AuditEvent {
                actor: &user.id,
                action: "request.created",
                target: &arn,
                outcome: "success",
                ip: None,
                user_agent: None,
                detail: json!({ "request_id": id }),
            },
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        RequestId::parse(&id.to_string()).map_err(AppError::from)
    }

    async fn list_requests(&self, user: &User) -> Result<Vec<RequestSummaryView>, AppError> {
        let mut conn = self.0.pool.acquire().await.map_err(db_error)?;
        let who = (!user.is_admin).then_some(user.id.as_str());
        let rows = db::requests::list(&mut conn, who, 200)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|r| {
                let changes: Vec<ChangeStatus> = r
                    .change_statuses
                    .iter()
                    .filter_map(|s| ChangeStatus::parse(s))
                    .collect();
                Ok(RequestSummaryView {
                    id: r.id.to_string(),
                    requester: r.requester,
                    role_name: r
                        .principal_arn
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    role_arn: r.principal_arn,
                    account_id: r.account_id,
                    status: display_status(status_of(&r.status)?, &changes).to_owned(),
                    created: ts(r.created_at),
                })
            })
            .collect()
    }

    async fn get_request(
        &self,
        user: &User,
        id: &RequestId,
    ) -> Result<RequestDetailView, AppError> {
        let uid = uuid_of(id)?;
        let mut conn = self.0.pool.acquire().await.map_err(db_error)?;
        let not_found = || AppError::NotFound(format!("request {id}"));
        let r = db::requests::get(&mut conn, uid)
            .await
            .map_err(db_error)?
            .ok_or_else(not_found)?;
        if !(user.is_admin || r.requester == user.id) {
            // Same answer as a missing request: do not reveal that it exists.
            return Err(not_found());
        }
        let changes = db::requests::changes(&mut conn, uid)
            .await
            .map_err(db_error)?;
        let events = db::requests::events(&mut conn, uid)
            .await
            .map_err(db_error)?;
        let statuses: Vec<ChangeStatus> = changes
            .iter()
            .filter_map(|c| ChangeStatus::parse(&c.status))
            .collect();
        let req_status = status_of(&r.status)?;
        Ok(RequestDetailView {
            id: r.id.to_string(),
            can_decide: self.may_decide(user, &r.requester),
            requester: r.requester,
            role_name: r
                .principal_arn
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned(),
            role_arn: r.principal_arn,
            account_id: r.account_id,
            justification: r.justification,
            status: display_status(req_status, &statuses).to_owned(),
            request_status: req_status.as_str().to_owned(),
            created: ts(r.created_at),
            changes: changes
                .into_iter()
                .map(|c| ChangeView {
                    id: c.id.to_string(),
                    kind: c.kind,
                    policy_name: c.policy_name,
                    document: pretty(&c.document),
                    status: c.status,
                    error: c.error,
                    applied_at: c.applied_at.map(ts),
                })
                .collect(),
            events: events
                .into_iter()
                .map(|e| EventView {
                    at: ts(e.at),
                    actor: e.actor,
                    kind: e.kind,
                    detail: e.detail,
                })
                .collect(),
        })
    }

    async fn approve_request(&self, admin: &Admin, id: &RequestId) -> Result<(), AppError> {
        let req = self.decide(admin, id, RequestAction::Approve, "").await?;
        self.apply_changes(&admin.user().id, &req).await
    }

    async fn reject_request(
        &self,
        admin: &Admin,
        id: &RequestId,
        reason: &str,
    ) -> Result<(), AppError> {
        self.decide(admin, id, RequestAction::Reject, reason)
            .await
            .map(|_| ())
    }
}
