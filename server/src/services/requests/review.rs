//! Review actions. Each one locks the request row, checks who may act and
//! what state allows, and records an event and an audit row in the same
//! transaction; applying then makes the AWS call once (see `apply`).
use super::approve::approve_change;
use super::common::{record, uuid_of, Ev};
use super::findings::status_of;
use crate::db;
use crate::services::Services;
use app::domain::{ChangeStatus, RequestId, RequestStatus, User};
use app::ports::{ClientMeta, ReviewAction};
use app::AppError;
use sqlx::PgConnection;
use uuid::Uuid;

/// The longest comment kept.
pub(super) const MAX_COMMENT: usize = 4000;

pub(super) async fn locked_request(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<db::requests::RequestRow, AppError> {
    db::requests::get_for_update(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("request {id}")))
}

pub(super) use super::authz::may_view;

pub(super) async fn review(
    s: &Services,
    user: &User,
    id: &RequestId,
    action: ReviewAction,
    client: &ClientMeta,
) -> Result<(), AppError> {
    let rid = uuid_of("id", id.as_str())?;
    let mut tx = crate::db::begin(&s.pool).await?;
    let req = locked_request(&mut tx, rid).await?;
    if !may_view(user, &req) {
        // The same answer as a missing request: do not reveal that it exists.
        return Err(AppError::NotFound(format!("request {id}")));
    }
    let status = status_of(&req.status);
    let changes = db::requests::changes(&mut tx, rid).await?;
    let any_applied = changes
        .iter()
        .any(|c| c.status == "applied" || c.status == "applying");
    let ev = |kind: &'static str, detail: String| (kind, detail);
    let (kind, detail) = match action {
        ReviewAction::Comment { text } => {
            let text = text.trim();
            if text.is_empty() || text.chars().count() > MAX_COMMENT {
                return Err(AppError::invalid(
                    "comment",
                    format!("must be 1-{MAX_COMMENT} characters"),
                ));
            }
            ev("comment", text.to_owned())
        }
        ReviewAction::Cancel => {
            if req.requester != user.id {
                return Err(AppError::Forbidden(
                    "only the requester can withdraw a request".into(),
                ));
            }
            if status != RequestStatus::Pending || any_applied {
                return Err(AppError::Conflict(
                    "a request can be withdrawn only while nothing of it is applied".into(),
                ));
            }
            db::requests::set_status(&mut tx, rid, "cancelled", &user.id).await?;
            db::requests::cancel_pending_changes(&mut tx, rid).await?;
            ev("cancelled", String::new())
        }
        ReviewAction::Reject { reason } => {
            if !super::authz::may_decide_all(s, user, &req) {
                return Err(AppError::Forbidden(
                    "only an approver of every account this request changes (other than the requester) can reject it".into(),
                ));
            }
            if status != RequestStatus::Pending || any_applied {
                return Err(AppError::Conflict(
                    "only a pending request with nothing applied can be rejected; cancel the remaining changes instead".into(),
                ));
            }
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > MAX_COMMENT {
                return Err(AppError::invalid(
                    "reason",
                    format!("say in 1-{MAX_COMMENT} characters why the request is rejected"),
                ));
            }
            db::requests::set_status(&mut tx, rid, "rejected", &user.id).await?;
            db::requests::cancel_pending_changes(&mut tx, rid).await?;
            ev("rejected", reason.to_owned())
        }
        ReviewAction::CancelChange { change_id } => {
            let cid = uuid_of("change_id", &change_id)?;
            let c = db::requests::change_for_update(&mut tx, rid, cid)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("change {change_id}")))?;
            let target_account = super::authz::change_account(&mut tx, &c).await?;
            if !(req.requester == user.id || super::common::approves(user, &target_account)) {
                return Err(AppError::Forbidden(
                    "only the requester or an approver can cancel a change".into(),
                ));
            }
            if !matches!(
                ChangeStatus::parse(&c.status),
                Some(ChangeStatus::Pending | ChangeStatus::Failed)
            ) {
                return Err(AppError::Conflict(format!(
                    "a {} change cannot be cancelled",
                    c.status
                )));
            }
            db::requests::set_change_status(&mut tx, cid, "cancelled", None).await?;
            // Nothing left to do and nothing applied: the request ends cancelled.
            let open = changes
                .iter()
                .any(|o| o.id != cid && matches!(o.status.as_str(), "pending" | "failed"));
            if !open && !any_applied && status == RequestStatus::Pending {
                db::requests::set_status(&mut tx, rid, "cancelled", &user.id).await?;
            }
            ev("change.cancelled", c.kind.clone())
        }
        ReviewAction::Apply {
            change_id,
            edited_document,
        } => {
            return approve_change(s, user, tx, req, &change_id, edited_document, client).await;
        }
    };
    record(
        &mut tx,
        Ev::by(rid, &user.id, kind, &req.principal_arn)
            .detail(&detail)
            .client(Some(client)),
    )
    .await?;
    crate::db::commit(tx).await?;
    let event = match kind {
        "comment" => Some(crate::notify::NotifyEvent::Commented),
        "rejected" => Some(crate::notify::NotifyEvent::Rejected),
        _ => None,
    };
    if let Some(event) = event {
        s.notifiers.request_event(
            event,
            rid,
            &req.principal_arn,
            &req.requester,
            &user.id,
            &detail,
        );
    }
    Ok(())
}
