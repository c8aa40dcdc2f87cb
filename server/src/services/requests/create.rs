//! Submitting a request: every change is checked (target, names, policy
//! checks, expiry) before anything is stored; then one transaction stores the
//! request, its changes, its first event and the audit row.
use super::check::*;
use super::common::{record, Ev};
use crate::db;
use crate::services::Services;
use app::domain::change::{ChangeSpec, TargetKind};
use app::domain::{RequestId, User};
use app::ports::{ClientMeta, NewRequest};
use app::AppError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(super) async fn create(
    s: &Services,
    user: &User,
    new: NewRequest,
    client: &ClientMeta,
    origin: &str,
) -> Result<RequestId, AppError> {
    let justification = check_justification(&new.justification)?;
    if new.changes.is_empty() {
        return Err(AppError::invalid("changes", "ask for at least one change"));
    }
    if new.changes.len() > MAX_CHANGES {
        return Err(AppError::invalid(
            "changes",
            format!("at most {MAX_CHANGES} changes fit in one request"),
        ));
    }
    let principal = new.principal_arn.trim().to_owned();
    TargetKind::of(&principal).map_err(|m| AppError::invalid("principal_arn", m))?;
    let now = Utc::now();
    let changes = new
        .changes
        .into_iter()
        .map(|c| check_change(c, now))
        .collect::<Result<Vec<_>, _>>()?;

    store(
        s,
        user,
        &principal,
        &justification,
        changes,
        client,
        origin,
        None,
    )
    .await
}

/// Checks the requester may ask for `principal`, then stores the request and
/// its already-checked changes in one transaction. `intents` lets the wizard
/// build its changes inside the same transaction.
#[allow(clippy::too_many_arguments)]
pub(super) async fn store(
    s: &Services,
    user: &User,
    principal: &str,
    justification: &str,
    mut changes: Vec<Checked>,
    client: &ClientMeta,
    origin: &str,
    intents: Option<(&[app::domain::policy::Intent], Option<DateTime<Utc>>)>,
) -> Result<RequestId, AppError> {
    let principal = principal.to_owned();
    let justification = justification.to_owned();
    let direct = origin == "direct_edit";
    let mut tx = crate::db::begin(&s.pool).await?;
    let creating = changes
        .iter()
        .any(|c| matches!(c.spec, ChangeSpec::RoleCreate { .. }) && c.target_arn == principal);
    may_request_for(s, &mut tx, user, &principal, creating).await?;
    if let Some((intents, expires_at)) = intents {
        changes = super::intents::changes_for(s, &mut tx, &principal, intents, expires_at).await?;
    }
    // Temporary means temporary in AWS, whoever built the change.
    // (The wizard's generated changes carry it already, from the same rule.)
    for c in changes.iter_mut().filter(|c| !c.generated) {
        if let Some(at) = c.expires_at {
            c.spec = super::temporary::bind_expiry(&mut tx, &c.target_arn, &c.spec, at).await?;
            let target =
                TargetKind::of(&c.target_arn).map_err(|m| AppError::invalid("target_arn", m))?;
            check_document(&c.spec, target)?;
        }
    }
    // Every target, not only the principal: the proof `insert_change` needs.
    let changes = super::authz::authorize(s, &mut tx, user, changes, direct).await?;
    let accounts = super::authz::accounts_of(&changes);
    let mut rule = None;
    if let Some((intents, _)) = intents {
        // The accounts of what is granted count, not only of what changes.
        let mut touched = accounts.clone();
        for i in intents {
            match super::common::owner_account(&mut tx, &i.resource.arn()).await? {
                Some(a) => touched.push(a),
                // A resource of unknown owner: no rule can vouch for it.
                None => touched.push(String::new()),
            }
        }
        rule = super::auto::matching_rule(s, &mut tx, intents, &touched)
            .await?
            .map(|r| r.name);
    }
    let account = super::common::owner_account(&mut tx, &principal)
        .await?
        .ok_or_else(|| AppError::invalid("principal_arn", "has no known account"))?;
    if rule.is_none() && !direct {
        rule = super::auto::plugin_rule(s, user, &account, &principal, &changes);
    }
    // No rule, built in or a plugin's, stands in for the second approver a
    // high-risk change needs.
    if rule.is_some() && s.config.requests.two_approvers_for_high_risk {
        for a in &changes {
            let c = a.change();
            let findings =
                super::findings::findings_of(s, &mut tx, &c.spec, &c.target_arn, a.account())
                    .await?;
            if app::domain::policy::is_high_risk(&findings) {
                rule = None;
                break;
            }
        }
    }
    let id = Uuid::new_v4();
    db::requests::insert_request(
        &mut tx,
        &db::requests::NewRequest {
            id,
            requester: &user.id,
            principal_arn: &principal,
            account_id: &account,
            justification: &justification,
            origin,
            account_ids: &accounts,
        },
    )
    .await?;
    let mut summary = Vec::new();
    for (i, authorized) in changes.iter().enumerate() {
        let c = authorized.change();
        let base = match super::reconcile::compared(&c.spec) {
            true => {
                Some(super::reconcile::current_document(&mut tx, &c.target_arn, &c.spec).await?)
            }
            false => None,
        };
        let spec =
            serde_json::to_value(&c.spec).map_err(|e| super::super::errors::internal("spec", e))?;
        db::requests::insert_change(
            &mut tx,
            &db::requests::NewChange {
                request_id: id,
                position: i32::try_from(i).unwrap_or(i32::MAX),
                target_arn: &c.target_arn,
                kind: c.spec.kind(),
                spec: &spec,
                expires_at: c.expires_at,
                generated: c.generated,
                account_id: authorized.account(),
                base: base.as_ref().map(Option::as_ref),
            },
        )
        .await?;
        summary.push(c.spec.summary());
    }
    let detail = format!("asked to {}", summary.join("; "));
    record(
        &mut tx,
        Ev::by(id, &user.id, "created", &principal)
            .detail(&detail)
            .client(Some(client)),
    )
    .await?;
    crate::db::commit(tx).await?;
    s.notifiers.request_event(
        crate::notify::NotifyEvent::Created,
        id,
        &principal,
        &user.id,
        &user.id,
        &format!("{detail}\nJustification: {justification}"),
    );
    if let Some(rule) = rule {
        super::auto::approve_and_apply(s, id, &rule).await?;
    }
    RequestId::parse(&id.to_string()).map_err(AppError::from)
}
