//! The temporary-access sweeper. Expiring statements carry a `DateLessThan
//! aws:CurrentTime` condition, so access ends on time even if this never
//! runs; the sweeper then removes the dead statements so policies stay small
//! and honest, and records that on the request.
use super::common::{record, Ev};
use crate::db;
use crate::services::sync::engine::Trigger;
use crate::services::Services;
use app::domain::change::ChangeSpec;
use app::domain::policy::{remove_expired_grants, PolicyDocument, PolicyKind};
use app::domain::AccountId;
use app::AppError;
use chrono::{DateTime, Utc};

/// The actor recorded for the sweeper's work.
pub const SWEEPER: &str = "latchkey (expiry sweeper)";

/// A change still `applying` this long after it was claimed was cut off.
pub const STUCK_AFTER: chrono::Duration = chrono::Duration::minutes(10);

/// Marks every change left `applying` since before `now - STUCK_AFTER` as
/// failed with a clear, retryable error, recorded on its request and in
/// the audit trail. Returns how many were recovered.
pub async fn recover_stuck(s: &Services, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut recovered = 0;
    loop {
        let mut tx = crate::db::begin(&s.pool).await?;
        let Some(c) = db::requests::claim_stuck_change(&mut tx, now - STUCK_AFTER).await? else {
            return Ok(recovered);
        };
        let error = "interrupted while applying (the server stopped during the AWS call): \
                     check the target in AWS, then retry";
        db::requests::set_change_status(&mut tx, c.id, "failed", Some(error)).await?;
        record(
            &mut tx,
            Ev::by(c.request_id, SWEEPER, "change.failed", &c.target_arn)
                .detail(&format!("{} on {}: {error}", c.kind, c.target_arn))
                .outcome("failure"),
        )
        .await?;
        crate::db::commit(tx).await?;
        recovered += 1;
    }
}

/// Removes every expired statement whose change has come due; returns how
/// many changes were swept. Replicas share the work (SKIP LOCKED).
pub async fn sweep_expired(s: &Services, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut swept = 0;
    // Changes that failed in this sweep: retried next time, not again now.
    let mut failed = Vec::new();
    loop {
        let mut tx = crate::db::begin(&s.pool).await?;
        let Some(c) = db::requests::claim_expired_change(&mut tx, now, &failed).await? else {
            return Ok(swept);
        };
        // Read what AWS holds now, not what the cache held at apply time.
        if let Err(e) = s.refresh_item(&c.target_arn, Trigger::AfterApply).await {
            tracing::warn!(target_arn = %c.target_arn, error = %e, "expiry: refresh failed; will retry");
            failed.push(c.id);
            continue;
        }
        let detail = match sweep_one(s, &mut tx, &c, now).await {
            Ok(detail) => detail,
            Err(e) => {
                tracing::warn!(target_arn = %c.target_arn, error = %e, "expiry: cleanup failed; will retry");
                failed.push(c.id);
                continue;
            }
        };
        db::requests::mark_expired(&mut tx, c.id).await?;
        record(
            &mut tx,
            Ev::by(c.request_id, SWEEPER, "change.expired", &c.target_arn).detail(&detail),
        )
        .await?;
        crate::db::commit(tx).await?;
        swept += 1;
    }
}

/// The policy a change wrote, as the cache holds it now, with the checks
/// kind to read it back; `None` when the target or the policy is gone.
async fn current_policy(
    conn: &mut sqlx::PgConnection,
    c: &db::requests::ChangeRow,
    spec: &ChangeSpec,
) -> Result<Option<PolicyDocument>, String> {
    let row = db::resources::get(conn, &c.target_arn)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{} is gone", c.target_arn))?;
    let (current, kind) = match spec {
        ChangeSpec::InlinePolicyPut { policy_name, .. } => (
            row.details["inline_policies"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"].as_str() == Some(policy_name))
                .map(|p| p["document"].clone()),
            PolicyKind::Inline,
        ),
        ChangeSpec::ResourcePolicyPut { .. } => (row.policy.clone(), PolicyKind::S3Bucket),
        _ => return Ok(None),
    };
    let Some(current) = current.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    PolicyDocument::parse(&current.to_string(), kind)
        .or_else(|_| PolicyDocument::parse(&current.to_string(), PolicyKind::SnsTopic))
        .map(|c| Some(c.doc))
        .map_err(|_| "the current policy does not parse".to_owned())
}

/// Removes the expired statements from the change's policy in AWS, then
/// reads the target back: `change.expired` is recorded only once AWS holds
/// no expired statement of it.
async fn sweep_one(
    s: &Services,
    conn: &mut sqlx::PgConnection,
    c: &db::requests::ChangeRow,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let spec: ChangeSpec = serde_json::from_value(c.spec.clone()).map_err(|e| e.to_string())?;
    if !matches!(
        spec,
        ChangeSpec::InlinePolicyPut { .. } | ChangeSpec::ResourcePolicyPut { .. }
    ) {
        return Ok("nothing to remove".into());
    }
    let Some(doc) = current_policy(conn, c, &spec).await? else {
        return Ok("the policy is already gone".into());
    };
    // What the change granted, so a grant whose condition was stripped in
    // AWS is found by its content and removed all the same.
    let granted = spec
        .document()
        .and_then(PolicyDocument::from_checked_value)
        .ok_or_else(|| "the change's document does not parse".to_owned())?;
    let (kept, removed) = remove_expired_grants(&doc, &granted, now.timestamp());
    if removed == 0 {
        return Ok("no expired statements were left".into());
    }
    let new_spec = match (&spec, kept.statements().is_empty()) {
        (ChangeSpec::InlinePolicyPut { policy_name, .. }, true) => ChangeSpec::InlinePolicyDelete {
            policy_name: policy_name.clone(),
        },
        _ => spec
            .with_document(kept.as_json().clone())
            .map_err(|e| e.to_string())?,
    };
    let account = c
        .account_id
        .clone()
        .or_else(|| c.target_arn.split(':').nth(4).map(str::to_owned))
        .unwrap_or_default();
    let account = AccountId::parse(&account).map_err(|e| e.to_string())?;
    s.writer
        .apply(&account, &c.target_arn, &new_spec)
        .await
        .map_err(|e| e.to_string())?;
    // Verify: read the target back from AWS and look again.
    s.refresh_item(&c.target_arn, Trigger::AfterApply)
        .await
        .map_err(|e| format!("could not read {} back: {e}", c.target_arn))?;
    if let Some(after) = current_policy(conn, c, &spec).await? {
        let (_, left) = remove_expired_grants(&after, &granted, now.timestamp());
        if left > 0 {
            return Err(format!(
                "AWS still holds {left} expired statement(s) after cleanup"
            ));
        }
    }
    Ok(format!(
        "removed {removed} expired statement(s): {}",
        new_spec.summary()
    ))
}
