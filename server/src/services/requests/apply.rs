//! Applying one claimed change: the change is already `applying` (committed),
//! so no other reviewer or replica can start it again. The AWS call happens
//! outside any transaction; its outcome is recorded on the change either way,
//! and a failed change can be retried.
use super::common::{record, Ev};
use crate::db;
use crate::services::sync::engine::Trigger;
use crate::services::Services;
use app::domain::change::ChangeSpec;
use app::domain::AccountId;
use app::ports::ClientMeta;
use app::AppError;
use uuid::Uuid;

/// Makes the AWS call for a claimed change and records the outcome. Returns
/// the AWS error text when AWS said no (the change is then `failed`).
pub async fn apply_pending_change(
    s: &Services,
    request_id: Uuid,
    change: &db::requests::ChangeRow,
    actor: &str,
    client: Option<&ClientMeta>,
) -> Result<Option<String>, AppError> {
    let spec: Result<ChangeSpec, _> = serde_json::from_value(change.spec.clone());
    let mut conn = crate::db::conn(&s.pool).await?;
    let account =
        Some(super::authz::change_account(&mut conn, change).await?).filter(|a| !a.is_empty());
    // Checked when the request was made; the account may have been
    // disabled (or dropped from the organisation) since.
    let unmanaged = match &account {
        Some(a) => crate::services::errors::managed_account(&mut conn, a)
            .await
            .err(),
        None => None,
    };
    drop(conn);
    let protected = s.eligibility.protected().reason(&change.target_arn);
    let outcome = match (spec, account.as_deref().map(AccountId::parse)) {
        _ if unmanaged.is_some() => Err(unmanaged.map(|e| e.to_string()).unwrap_or_default()),
        // Checked when the request was made; checked again in case the
        // protected list grew since.
        _ if protected.is_some() => Err(format!(
            "{} is protected ({}): Latchkey never changes it",
            change.target_arn,
            protected.unwrap_or_default()
        )),
        (Err(e), _) => Err(format!("stored change is unreadable: {e}")),
        (_, None) => Err(format!("{} is not in the cache", change.target_arn)),
        (_, Some(Err(e))) => Err(e.to_string()),
        (Ok(spec), Some(Ok(account))) => {
            match super::reconcile::live_spec(s, change, spec).await {
                Err(conflict) => Err(conflict),
                Ok((spec, merged)) => {
                    let applied = s
                        .writer
                        .apply(&account, &change.target_arn, &spec)
                        .await
                        .map_err(|e| e.to_string());
                    if merged && applied.is_ok() {
                        // What was applied is what the change now says.
                        if let Ok(v) = serde_json::to_value(&spec) {
                            let mut conn = crate::db::conn(&s.pool).await?;
                            db::requests::set_change_spec_after_merge(&mut conn, change.id, &v)
                                .await?;
                        }
                    }
                    applied
                }
            }
        }
    };
    let error = outcome.err();
    let (status, verb) = match error {
        None => ("applied", "applied"),
        Some(_) => ("failed", "failed"),
    };
    let mut tx = crate::db::begin(&s.pool).await?;
    db::requests::set_change_status(&mut tx, change.id, status, error.as_deref()).await?;
    let summary = serde_json::from_value::<ChangeSpec>(change.spec.clone())
        .map(|c| c.summary())
        .unwrap_or_else(|_| change.kind.clone());
    let detail = match &error {
        None => format!("{summary} on {}", change.target_arn),
        Some(e) => format!("{summary} on {} failed: {e}", change.target_arn),
    };
    record(
        &mut tx,
        Ev::by(
            request_id,
            actor,
            &format!("change.{verb}"),
            &change.target_arn,
        )
        .detail(&detail)
        .client(client)
        .outcome(if error.is_none() {
            "success"
        } else {
            "failure"
        }),
    )
    .await?;
    crate::db::commit(tx).await?;
    if error.is_none() {
        // Re-read the target so the cache and its page show the new state at once.
        if let Err(e) = s
            .refresh_item(&change.target_arn, Trigger::AfterApply)
            .await
        {
            tracing::warn!(target_arn = %change.target_arn, error = %e, "refresh after apply failed");
        }
        // Would the principal's denied calls now go through?
        if let Err(e) = verify_after(s, request_id).await {
            tracing::warn!(%request_id, error = %e, "checking denied calls after apply failed");
        }
    }
    Ok(error)
}

/// Judges the request's principal's open denied calls now that its change is
/// in AWS and re-read (the other account's side of a grant may be what
/// allowed it).
async fn verify_after(s: &Services, request_id: Uuid) -> crate::Result<()> {
    if !s.denials_on() {
        return Ok(());
    }
    let mut conn = crate::db::conn(&s.pool).await?;
    let principal = db::requests::get(&mut conn, request_id)
        .await?
        .map(|r| r.principal_arn);
    drop(conn);
    if let Some(p) = principal {
        s.verify_denials(&p, Some(request_id)).await?;
    }
    Ok(())
}
