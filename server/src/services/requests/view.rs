//! Reading requests: the filtered list and the review page's view, with each
//! change beside what its target holds now (for the diff).
use super::authz::may_view;
use super::common::{ts, uuid_of};
use super::findings::{approvals_needed, findings_of};
use crate::db;
use crate::services::Services;
use app::domain::change::ChangeSpec;
use app::domain::request::display_status;
use app::domain::{policy::pretty, ChangeStatus, RequestId, RequestStatus, User};
use app::ports::RequestFilter;
use app::views::*;
use app::AppError;
use chrono::{NaiveDate, TimeZone, Utc};

fn status_of(s: &str) -> Result<RequestStatus, AppError> {
    RequestStatus::parse(s).ok_or_else(|| crate::services::errors::internal("request status", s))
}

fn day(field: &str, s: &Option<String>) -> Result<Option<chrono::DateTime<Utc>>, AppError> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Some(Utc.from_utc_datetime(&d)))
            .ok_or_else(|| AppError::invalid(field, "must be a date such as 2026-11-24")),
    }
}

fn name_of(arn: &str) -> String {
    arn.rsplit(['/', ':']).next().unwrap_or_default().to_owned()
}

pub(super) async fn list(
    s: &Services,
    user: &User,
    f: &RequestFilter,
) -> Result<Vec<RequestSummaryView>, AppError> {
    let status = f.status.as_deref().filter(|x| !x.is_empty());
    if let Some(st) = status {
        if RequestStatus::parse(st).is_none() {
            return Err(AppError::invalid(
                "status",
                "must be pending, approved, rejected or cancelled",
            ));
        }
    }
    let since = day("from", &f.from)?;
    let until = day("to", &f.to)?.map(|d| d + chrono::Duration::days(1));
    // Global approvers see everything; account approvers their accounts'
    // requests and their own; everyone else their own.
    let everything = user.is_admin || user.approver_accounts.iter().any(|p| p == "*");
    let own: Vec<String> = user.approver_accounts.clone();
    let mut conn = crate::db::conn(&s.pool).await?;
    let rows = db::requests::list(
        &mut conn,
        &db::requests::ListFilter {
            status,
            requester: f.requester.as_deref().filter(|x| !x.is_empty()),
            account: f.account.as_deref().filter(|x| !x.is_empty()),
            since,
            until,
            visible_to: (!everything).then_some((user.id.as_str(), own.as_slice())),
            limit: 200,
        },
    )
    .await?;
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
                role_name: name_of(&r.principal_arn),
                role_arn: r.principal_arn,
                account_id: r.account_id,
                status: display_status(status_of(&r.status)?, &changes).to_owned(),
                created: ts(r.created_at),
            })
        })
        .collect()
}

pub(super) async fn get(
    s: &Services,
    user: &User,
    id: &RequestId,
) -> Result<RequestDetailView, AppError> {
    let uid = uuid_of("id", id.as_str())?;
    let mut conn = crate::db::conn(&s.pool).await?;
    let not_found = || AppError::NotFound(format!("request {id}"));
    let r = db::requests::get(&mut conn, uid)
        .await?
        .ok_or_else(not_found)?;
    if !may_view(user, &r) {
        // Same answer as a missing request: do not reveal that it exists.
        return Err(not_found());
    }
    let changes = db::requests::changes(&mut conn, uid).await?;
    let events = db::requests::events(&mut conn, uid).await?;
    let statuses: Vec<ChangeStatus> = changes
        .iter()
        .filter_map(|c| ChangeStatus::parse(&c.status))
        .collect();
    let req_status = status_of(&r.status)?;
    let open = matches!(req_status, RequestStatus::Pending | RequestStatus::Approved);
    let any_applied = changes
        .iter()
        .any(|c| c.status == "applied" || c.status == "applying");
    let mut change_views = Vec::with_capacity(changes.len());
    for c in changes {
        let spec: Option<ChangeSpec> = serde_json::from_value(c.spec.clone()).ok();
        let current = match &spec {
            Some(sp) => super::reconcile::current_document(&mut conn, &c.target_arn, sp).await?,
            None => None,
        };
        let account = super::authz::change_account(&mut conn, &c).await?;
        let findings = match &spec {
            Some(sp) => findings_of(s, &mut conn, sp, &c.target_arn, &account).await?,
            None => Vec::new(),
        };
        let needed = approvals_needed(s, &findings);
        let applicable = ChangeStatus::parse(&c.status).is_some_and(ChangeStatus::can_apply);
        change_views.push(ChangeView {
            id: c.id.to_string(),
            summary: spec.as_ref().map(ChangeSpec::summary).unwrap_or_default(),
            document: spec.as_ref().and_then(|sp| sp.document()).map(pretty),
            current_document: current.as_ref().map(pretty),
            approvals_needed: needed,
            can_apply: open
                && applicable
                && super::common::may_decide(s, user, &r.requester, &account)
                && (!c.approvals.contains(&user.id)
                    || (c.status == "failed" && c.approvals.len() >= needed)),
            findings,
            kind: c.kind,
            target_arn: c.target_arn,
            status: c.status,
            error: c.error,
            applied_at: c.applied_at.map(ts),
            expires_at: c.expires_at.map(ts),
            expired_at: c.expired_at.map(ts),
            generated: c.generated,
            approvals: c.approvals,
            auto_rule: c.auto_rule,
        });
    }
    Ok(RequestDetailView {
        id: r.id.to_string(),
        can_decide: req_status == RequestStatus::Pending
            && !any_applied
            && super::authz::may_decide_all(s, user, &r),
        can_cancel: req_status == RequestStatus::Pending && !any_applied && r.requester == user.id,
        requester: r.requester,
        role_name: name_of(&r.principal_arn),
        role_arn: r.principal_arn,
        account_id: r.account_id,
        justification: r.justification,
        status: display_status(req_status, &statuses).to_owned(),
        request_status: req_status.as_str().to_owned(),
        origin: r.origin,
        created: ts(r.created_at),
        changes: change_views,
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

/// The ids of a request's changes, in order.
pub(super) async fn change_ids(s: &Services, id: &RequestId) -> Result<Vec<String>, AppError> {
    let uid = uuid_of("id", id.as_str())?;
    let mut conn = crate::db::conn(&s.pool).await?;
    Ok(db::requests::changes(&mut conn, uid)
        .await?
        .into_iter()
        .map(|c| c.id.to_string())
        .collect())
}
