//! Approving one change: an optional edit first, the approvals it needs,
//! then the apply once it has them.
use super::common::{record, uuid_of, Ev};
use super::findings::{approvals_needed, findings_of, status_of, target_kind};
use crate::db;
use crate::services::Services;
use app::domain::change::ChangeSpec;
use app::domain::policy::PolicyDocument;
use app::domain::{ChangeStatus, RequestStatus, User};
use app::ports::ClientMeta;
use app::AppError;

/// Approves one change (after an optional edit), and applies it once it has
/// the approvals it needs.
pub(super) async fn approve_change(
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
        .await?
        .ok_or_else(|| AppError::NotFound(format!("change {change_id}")))?;
    let target_account = super::authz::change_account(&mut tx, &c).await?;
    // A direct edit is its author's own change, applied at once (self-approved),
    // by someone who may still edit directly there.
    let direct_edit = req.origin == "direct_edit"
        && req.requester == user.id
        && super::authz::may_edit_directly(s, user, &target_account).is_ok();
    if !(direct_edit || super::common::may_decide(s, user, &req.requester, &target_account)) {
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
        .map_err(|e| crate::services::errors::internal("stored change", e))?;
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
                db::requests::add_widened_by(&mut tx, cid, &user.id).await?;
                c.widened_by.push(user.id.clone());
            }
            spec = spec
                .with_document(doc)
                .map_err(|m| AppError::invalid("document", m))?;
            // An edited temporary change stays temporary in what is applied.
            if let Some(at) = c.expires_at {
                spec = super::temporary::bind_expiry(&mut tx, &c.target_arn, &spec, at).await?;
            }
            super::check::check_document(&spec, target_kind(&c.target_arn)?)?;
            let value = serde_json::to_value(&spec)
                .map_err(|e| crate::services::errors::internal("spec", e))?;
            db::requests::set_change_spec(&mut tx, cid, &value).await?;
            // The editor wrote it against what the page showed as current.
            if super::reconcile::compared(&spec) {
                let current =
                    super::reconcile::current_document(&mut tx, &c.target_arn, &spec).await?;
                db::requests::set_change_base(&mut tx, cid, current.as_ref()).await?;
                c.base_document = current;
                c.base_read = true;
            }
            c.spec = value;
            c.approvals.clear();
            record(
                &mut tx,
                Ev::by(rid, &user.id, "change.edited", &c.target_arn)
                    .detail(&format!("{} (before applying)", spec.summary()))
                    .client(Some(client)),
            )
            .await?;
        }
    } else {
        // Re-check what was stored: the catalogue or the rules may have changed.
        super::check::check_document(&spec, target_kind(&c.target_arn)?)?;
    }
    let findings = findings_of(s, &mut tx, &spec, &c.target_arn, &target_account).await?;
    let needed = approvals_needed(s, &findings);
    // What this reviewer added is their own ask: the edit is kept, and
    // another approver decides it (unless admins may self-approve).
    let may_self_approve = user.is_admin && s.config.auth.allow_admin_self_approval;
    if c.widened_by.contains(&user.id) && !direct_edit && !may_self_approve {
        // The edit stands (it is recorded above); the refusal is audited by
        // the caller, as every refused approval is.
        crate::db::commit(tx).await?;
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
        db::requests::add_approval(&mut tx, cid, &user.id, None).await?;
        c.approvals.push(user.id.clone());
    }
    let approved_detail = if direct_edit {
        format!("{} (direct edit, self-approved)", spec.summary())
    } else if self_approved {
        format!("{} (self-approved)", spec.summary())
    } else {
        spec.summary()
    };
    let enough = c.approvals.len() >= needed;
    if enough {
        if status == RequestStatus::Pending {
            db::requests::set_status(&mut tx, rid, "approved", &user.id).await?;
        }
        db::requests::set_change_status(&mut tx, cid, "applying", None).await?;
    }
    let detail = if enough {
        approved_detail
    } else {
        format!(
            "{approved_detail}: approval {} of {needed}",
            c.approvals.len()
        )
    };
    let ev = Ev::by(rid, &user.id, "change.approved", &c.target_arn).detail(&detail);
    record(&mut tx, ev.client(Some(client))).await?;
    if !enough {
        return Ok(crate::db::commit(tx).await?);
    }
    crate::db::commit(tx).await?;
    let failed = super::apply::apply_pending_change(s, rid, &c, &user.id, Some(client)).await?;
    if failed.is_none() {
        s.notifiers.request_event(
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
