//! Applying against what AWS holds now, not what the cache held when the
//! request was made. Just before a policy-writing change is applied its
//! target is read again from AWS: unchanged, the change goes as approved;
//! changed, an additive change (it keeps every statement the target held
//! then) is merged into the live document, and anything else is refused
//! with a conflict the reviewer can look at and retry. A policy the cache
//! never saw is therefore never replaced by one statement.
use crate::db;
use crate::services::sync::engine::Trigger;
use crate::services::Services;
use app::domain::change::ChangeSpec;
use app::domain::policy::PolicyDocument;
use app::AppError;
use serde_json::Value;
use sqlx::PgConnection;

/// The change kinds whose document replaces one the target holds.
pub(super) fn compared(spec: &ChangeSpec) -> bool {
    matches!(
        spec,
        ChangeSpec::InlinePolicyPut { .. }
            | ChangeSpec::TrustPolicyPut { .. }
            | ChangeSpec::ResourcePolicyPut { .. }
            | ChangeSpec::ManagedPolicyDocumentPut { .. }
    )
}

fn doc(v: Option<&Value>) -> Option<PolicyDocument> {
    v.and_then(PolicyDocument::from_checked_value)
}

/// What to apply for `change` now: `Ok((spec, merged))` or the conflict.
pub(super) async fn live_spec(
    s: &Services,
    change: &db::requests::ChangeRow,
    spec: ChangeSpec,
) -> Result<(ChangeSpec, bool), String> {
    if !change.base_read || !compared(&spec) {
        return Ok((spec, false));
    }
    // Boxed: the sync it may run is a deep future of its own.
    Box::pin(s.refresh_item(&change.target_arn, Trigger::AfterApply))
        .await
        .map_err(|e| format!("could not read {} from AWS first: {e}", change.target_arn))?;
    let mut conn = s.pool.acquire().await.map_err(|e| e.to_string())?;
    let current = super::reconcile::current_document(&mut conn, &change.target_arn, &spec)
        .await
        .map_err(|e| e.to_string())?;
    if current == change.base_document {
        return Ok((spec, false));
    }
    let base = doc(change.base_document.as_ref());
    let asked = doc(spec.document()).ok_or("the change's document does not parse")?;
    let kept_all = base.as_ref().is_none_or(|b| {
        b.statements()
            .iter()
            .all(|st| asked.statements().contains(st))
    });
    let live = doc(current.as_ref());
    if kept_all {
        // Additive: what it adds, on top of what AWS holds now.
        let added = asked
            .statements()
            .iter()
            .filter(|st| !base.as_ref().is_some_and(|b| b.statements().contains(st)));
        let merged = match &live {
            Some(l) => {
                let mut statements = l.statements().to_vec();
                statements.extend(added.filter(|st| !l.statements().contains(st)).cloned());
                l.with_statements(statements)
            }
            None => asked.with_statements(added.cloned().collect()),
        };
        let spec = spec
            .with_document(merged.as_json().clone())
            .map_err(|e| e.to_string())?;
        return Ok((spec, true));
    }
    // Not additive: refuse; what AWS holds now becomes the base, so the
    // review page shows the real diff and a retry applies deliberately.
    db::requests::set_change_base(&mut conn, change.id, current.as_ref())
        .await
        .map_err(|e| app::AppError::from(e).to_string())?;
    Err(format!(
        "{} changed in AWS since this request was made, and this change would undo that; \
         look at the new diff, then retry or edit before applying",
        change.target_arn
    ))
}

/// What the target of a change holds now, as cached, for the diff.
pub(super) async fn current_document(
    conn: &mut PgConnection,
    target: &str,
    spec: &ChangeSpec,
) -> Result<Option<Value>, AppError> {
    let Some(row) = db::resources::get(conn, target).await? else {
        return Ok(None);
    };
    Ok(match spec {
        ChangeSpec::InlinePolicyPut { policy_name, .. } => row.details["inline_policies"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"].as_str() == Some(policy_name))
            .map(|p| p["document"].clone()),
        ChangeSpec::TrustPolicyPut { .. }
        | ChangeSpec::ResourcePolicyPut { .. }
        | ChangeSpec::ManagedPolicyDocumentPut { .. } => row.policy,
        _ => None,
    })
}
