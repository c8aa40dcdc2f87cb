//! Auto-approval: a wizard request that only reads, inside accounts a
//! configured rule names, is approved and applied at once; every change says
//! which rule approved it.
use super::common::{record, Ev};
use crate::config::AutoApproveRule;
use crate::db;
use crate::services::Services;
use app::domain::policy::{catalogue, Intent};
use app::domain::wildcard::glob_match;
use app::AppError;
use uuid::Uuid;

/// Whether every action the intents grant only reads.
fn read_only(intents: &[Intent]) -> bool {
    intents.iter().all(|i| {
        i.groups.iter().all(|g| g.is_read_only())
            && i.custom_actions.iter().all(|a| {
                let matched = catalogue::expand(a);
                !matched.is_empty() && matched.iter().all(|(_, act)| !act.level.is_write())
            })
    })
}

/// The first plugin rule (`crate::plugins::AutoApprovalRule`) that approves
/// the request, by name.
pub(super) fn plugin_rule(
    s: &Services,
    user: &app::domain::User,
    account_id: &str,
    principal_arn: &str,
    changes: &[super::authz::Authorized],
) -> Option<String> {
    let changes: Vec<crate::plugins::AutoApprovalChange> = changes
        .iter()
        .map(|a| {
            let spec = &a.change().spec;
            let mut documents: Vec<serde_json::Value> =
                spec.document().cloned().into_iter().collect();
            if let app::domain::change::ChangeSpec::RoleCreate {
                inline_policies, ..
            } = spec
            {
                documents.extend(inline_policies.iter().map(|p| p.document.clone()));
            }
            crate::plugins::AutoApprovalChange {
                kind: spec.kind().to_owned(),
                target_arn: a.change().target_arn.clone(),
                account_id: a.account().to_owned(),
                documents,
                spec: serde_json::to_value(spec).unwrap_or_default(),
            }
        })
        .collect();
    s.plugins.auto_approval(&crate::plugins::AutoApprovalInput {
        requester: user.id.clone(),
        account_id: account_id.to_owned(),
        principal_arn: principal_arn.to_owned(),
        documents: changes.iter().flat_map(|c| c.documents.clone()).collect(),
        changes,
    })
}

/// The first rule that approves a request touching `accounts` (ids).
pub(super) async fn matching_rule(
    s: &Services,
    conn: &mut sqlx::PgConnection,
    intents: &[Intent],
    accounts: &[String],
) -> Result<Option<AutoApproveRule>, AppError> {
    let rules = &s.config.requests.auto_approve;
    if rules.is_empty() || !read_only(intents) {
        return Ok(None);
    }
    let known = db::accounts::list(conn).await?;
    let name_of = |id: &str| {
        known
            .iter()
            .find(|a| a.account_id == id)
            .map(|a| a.name.clone())
    };
    Ok(rules
        .iter()
        .find(|r| {
            accounts.iter().all(|id| {
                let name = name_of(id).unwrap_or_default();
                r.accounts
                    .iter()
                    .any(|p| glob_match(p, id) || (!name.is_empty() && glob_match(p, &name)))
            })
        })
        .cloned())
}

/// Approves every change of the request under `rule` and applies them.
pub(super) async fn approve_and_apply(
    s: &Services,
    request_id: Uuid,
    rule: &str,
) -> Result<(), AppError> {
    let actor = format!("latchkey (rule {rule})");
    let mut tx = crate::db::begin(&s.pool).await?;
    let req = db::requests::get_for_update(&mut tx, request_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("request {request_id}")))?;
    db::requests::set_status(&mut tx, request_id, "approved", &actor).await?;
    let changes = db::requests::changes(&mut tx, request_id).await?;
    for c in &changes {
        db::requests::add_approval(&mut tx, c.id, &actor, Some(rule)).await?;
        db::requests::set_change_status(&mut tx, c.id, "applying", None).await?;
        record(
            &mut tx,
            Ev::by(request_id, &actor, "change.approved", &c.target_arn)
                .detail(&format!("auto-approved by rule “{rule}”: {}", c.kind)),
        )
        .await?;
    }
    crate::db::commit(tx).await?;
    for c in &changes {
        let failed = super::apply::apply_pending_change(s, request_id, c, &actor, None).await?;
        if failed.is_none() {
            s.notifiers.request_event(
                crate::notify::NotifyEvent::Applied,
                request_id,
                &req.principal_arn,
                &req.requester,
                &actor,
                &format!("{} on {} (rule {rule})", c.kind, c.target_arn),
            );
        }
    }
    Ok(())
}
