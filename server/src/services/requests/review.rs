//! Review actions. Each one locks the request row, checks who may act and
//! what state allows, and records an event and an audit row in the same
//! transaction; applying then makes the AWS call once (see `apply`).
use super::{db_error, record, uuid_of, Ev};
use crate::db;
use crate::services::Services;
use app::domain::change::{ChangeSpec, TargetKind};
use app::domain::policy::PolicyDocument;
use app::domain::{ChangeStatus, RequestId, RequestStatus, User};
use app::ports::{ClientMeta, ReviewAction};
use app::AppError;
use sqlx::PgConnection;
use uuid::Uuid;

/// The longest comment kept.
const MAX_COMMENT: usize = 4000;

fn status_of(s: &str) -> RequestStatus {
    RequestStatus::parse(s).unwrap_or(RequestStatus::Pending)
}

/// Everything a reviewer should weigh for one change: the checks on the
/// document it writes, and what it does beyond a document (admin policy,
/// eligibility tags, boundary or role removal, principals from outside the
/// organisation's accounts).
pub(super) async fn findings_of(
    conn: &mut PgConnection,
    spec: &ChangeSpec,
    target_arn: &str,
    account: &str,
) -> Result<Vec<app::domain::policy::Finding>, AppError> {
    let Ok(target) = TargetKind::of(target_arn) else {
        return Ok(Vec::new());
    };
    let mut out = match (spec.document(), super::create::policy_kind(spec, target)) {
        (Some(doc), Some(kind)) => {
            app::domain::policy::check_policy(&app::domain::policy::pretty(doc), kind)
        }
        _ => Vec::new(),
    };
    out.extend(super::create::new_role_inline_findings(spec));
    let known: Vec<String> = db::accounts::list(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|a| a.account_id)
        .collect();
    out.extend(app::domain::change_risk::change_findings(
        spec, target, account, &known,
    ));
    Ok(out)
}

/// Approvals a change needs before it is applied: two distinct approvers for
/// what the findings flag as high risk, when the config asks for that.
pub(super) fn approvals_needed(s: &Services, findings: &[app::domain::policy::Finding]) -> usize {
    if s.config.requests.two_approvers_for_high_risk && app::domain::policy::is_high_risk(findings)
    {
        2
    } else {
        1
    }
}

fn target_kind(arn: &str) -> Result<TargetKind, AppError> {
    TargetKind::of(arn).map_err(|m| crate::services::internal("stored change target", m))
}

async fn locked_request(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<db::requests::RequestRow, AppError> {
    db::requests::get_for_update(conn, id)
        .await
        .map_err(db_error)?
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
    let mut tx = s.pool.begin().await.map_err(db_error)?;
    let req = locked_request(&mut tx, rid).await?;
    if !may_view(s, user, &req) {
        // The same answer as a missing request: do not reveal that it exists.
        return Err(AppError::NotFound(format!("request {id}")));
    }
    let status = status_of(&req.status);
    let changes = db::requests::changes(&mut tx, rid)
        .await
        .map_err(db_error)?;
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
            db::requests::set_status(&mut tx, rid, "cancelled", &user.id)
                .await
                .map_err(db_error)?;
            db::requests::cancel_pending_changes(&mut tx, rid)
                .await
                .map_err(db_error)?;
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
            db::requests::set_status(&mut tx, rid, "rejected", &user.id)
                .await
                .map_err(db_error)?;
            db::requests::cancel_pending_changes(&mut tx, rid)
                .await
                .map_err(db_error)?;
            ev("rejected", reason.to_owned())
        }
        ReviewAction::CancelChange { change_id } => {
            let cid = uuid_of("change_id", &change_id)?;
            let c = db::requests::change_for_update(&mut tx, rid, cid)
                .await
                .map_err(db_error)?
                .ok_or_else(|| AppError::NotFound(format!("change {change_id}")))?;
            let target_account = super::authz::change_account(&mut tx, &c).await?;
            if !(req.requester == user.id || s.approves(user, &target_account)) {
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
            db::requests::set_change_status(&mut tx, cid, "cancelled", None)
                .await
                .map_err(db_error)?;
            // Nothing left to do and nothing applied: the request ends cancelled.
            let open = changes
                .iter()
                .any(|o| o.id != cid && matches!(o.status.as_str(), "pending" | "failed"));
            if !open && !any_applied && status == RequestStatus::Pending {
                db::requests::set_status(&mut tx, rid, "cancelled", &user.id)
                    .await
                    .map_err(db_error)?;
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
        Ev {
            request_id: rid,
            actor: &user.id,
            kind,
            detail: &detail,
            target: &req.principal_arn,
            client: Some(client),
            outcome: "success",
        },
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    let event = match kind {
        "comment" => Some(crate::notify::NotifyEvent::Commented),
        "rejected" => Some(crate::notify::NotifyEvent::Rejected),
        _ => None,
    };
    if let Some(event) = event {
        s.notify_request(
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

/// Approves one change (after an optional edit), and applies it once it has
/// the approvals it needs.
async fn approve_change(
    s: &Services,
    user: &User,
    mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
    req: db::requests::RequestRow,
    change_id: &str,
    edited_document: Option<String>,
    client: &ClientMeta,
) -> Result<(), AppError> {
    let rid = req.id;
    let cid = uuid_of("change_id", change_id)?;
    let mut c = db::requests::change_for_update(&mut tx, rid, cid)
        .await
        .map_err(db_error)?
        .ok_or_else(|| AppError::NotFound(format!("change {change_id}")))?;
    let target_account = super::authz::change_account(&mut tx, &c).await?;
    // A direct edit is its author's own change, applied at once (self-approved),
    // by someone who may still edit directly there.
    let direct_edit = req.origin == "direct_edit"
        && req.requester == user.id
        && super::authz::may_edit_directly(s, user, &target_account).is_ok();
    if !(direct_edit || s.may_decide(user, &req.requester, &target_account)) {
        return Err(AppError::Forbidden(if req.requester == user.id {
            "you cannot approve your own request".into()
        } else {
            "only an approver of this account can approve this change".into()
        }));
    }
    let status = status_of(&req.status);
    if matches!(status, RequestStatus::Rejected | RequestStatus::Cancelled) {
        return Err(AppError::Conflict(format!("the request is {status}")));
    }
    if !ChangeStatus::parse(&c.status).is_some_and(ChangeStatus::can_apply) {
        return Err(AppError::Conflict(format!(
            "a {} change cannot be applied",
            c.status
        )));
    }
    let mut spec: ChangeSpec = serde_json::from_value(c.spec.clone())
        .map_err(|e| crate::services::internal("stored change", e))?;
    let self_approved = req.requester == user.id;
    if let Some(text) = edited_document.filter(|t| !t.trim().is_empty()) {
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            AppError::invalid(
                "document",
                format!(
                    "not valid JSON at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        if spec.document() != Some(&doc) {
            // Trimming the ask is reviewing it; widening it is asking.
            let narrowed = match (
                spec.document().and_then(PolicyDocument::from_checked_value),
                PolicyDocument::from_checked_value(&doc),
            ) {
                (Some(before), Some(after)) => app::domain::policy::narrows(&after, &before),
                _ => false,
            };
            if !narrowed && !direct_edit {
                db::requests::add_widened_by(&mut tx, cid, &user.id)
                    .await
                    .map_err(db_error)?;
                c.widened_by.push(user.id.clone());
            }
            spec = spec
                .with_document(doc)
                .map_err(|m| AppError::invalid("document", m))?;
            // An edited temporary change stays temporary in what is applied.
            if let Some(at) = c.expires_at {
                spec = super::temporary::bind_expiry(&mut tx, &c.target_arn, &spec, at).await?;
            }
            super::create::check_document(&spec, target_kind(&c.target_arn)?)?;
            let value =
                serde_json::to_value(&spec).map_err(|e| crate::services::internal("spec", e))?;
            db::requests::set_change_spec(&mut tx, cid, &value)
                .await
                .map_err(db_error)?;
            // The editor wrote it against what the page showed as current.
            if super::reconcile::compared(&spec) {
                let current = super::view::current_document(&mut tx, &c.target_arn, &spec).await?;
                db::requests::set_change_base(&mut tx, cid, current.as_ref())
                    .await
                    .map_err(db_error)?;
                c.base_document = current;
                c.base_read = true;
            }
            c.spec = value;
            c.approvals.clear();
            record(
                &mut tx,
                Ev {
                    request_id: rid,
                    actor: &user.id,
                    kind: "change.edited",
                    detail: &format!("{} (before applying)", spec.summary()),
                    target: &c.target_arn,
                    client: Some(client),
                    outcome: "success",
                },
            )
            .await?;
        }
    } else {
        // Re-check what was stored: the catalogue or the rules may have changed.
        super::create::check_document(&spec, target_kind(&c.target_arn)?)?;
    }
    let findings = findings_of(&mut tx, &spec, &c.target_arn, &target_account).await?;
    let needed = approvals_needed(s, &findings);
    // What this reviewer added is their own ask: the edit is kept, and
    // another approver decides it (unless admins may self-approve).
    let may_self_approve = user.is_admin && s.config.auth.allow_admin_self_approval;
    if c.widened_by.contains(&user.id) && !direct_edit && !may_self_approve {
        // The edit stands (it is recorded above); the refusal is audited by
        // the caller, as every refused approval is.
        tx.commit().await.map_err(db_error)?;
        return Err(AppError::Forbidden(
            "you widened this change, so it is partly your own ask: another approver must approve it"
                .into(),
        ));
    }
    // A failed change that already had its approvals is retried as it stands.
    let retry = c.status == "failed" && c.approvals.len() >= needed;
    if !retry {
        if c.approvals.iter().any(|a| a == &user.id) {
            return Err(AppError::Conflict(
                "you already approved this change; a second approver is needed".into(),
            ));
        }
        db::requests::add_approval(&mut tx, cid, &user.id, None)
            .await
            .map_err(db_error)?;
        c.approvals.push(user.id.clone());
    }
    let approved_detail = if direct_edit {
        format!("{} (direct edit, self-approved)", spec.summary())
    } else if self_approved {
        format!("{} (self-approved)", spec.summary())
    } else {
        spec.summary()
    };
    if c.approvals.len() < needed {
        record(
            &mut tx,
            Ev {
                request_id: rid,
                actor: &user.id,
                kind: "change.approved",
                detail: &format!(
                    "{approved_detail}: approval {} of {needed}",
                    c.approvals.len()
                ),
                target: &c.target_arn,
                client: Some(client),
                outcome: "success",
            },
        )
        .await?;
        return tx.commit().await.map_err(db_error);
    }
    if status == RequestStatus::Pending {
        db::requests::set_status(&mut tx, rid, "approved", &user.id)
            .await
            .map_err(db_error)?;
    }
    db::requests::set_change_status(&mut tx, cid, "applying", None)
        .await
        .map_err(db_error)?;
    record(
        &mut tx,
        Ev {
            request_id: rid,
            actor: &user.id,
            kind: "change.approved",
            detail: &approved_detail,
            target: &c.target_arn,
            client: Some(client),
            outcome: "success",
        },
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    let failed = super::apply_pending_change(s, rid, &c, &user.id, Some(client)).await?;
    if failed.is_none() {
        s.notify_request(
            crate::notify::NotifyEvent::Applied,
            rid,
            &req.principal_arn,
            &req.requester,
            &user.id,
            &format!("{} on {}", spec.summary(), c.target_arn),
        );
    }
    Ok(())
}
