//! Temporary access, whatever the entry point (wizard, API, advanced
//! editor, edit-before-apply): an expiring change's document is rewritten
//! so every statement it adds carries `DateLessThan aws:CurrentTime`, and
//! access ends in AWS itself even if the sweeper never runs. A change
//! marked temporary that adds nothing is refused: it would be shown as
//! "Temporary" while nothing of it could ever expire.
use app::domain::change::ChangeSpec;
use app::domain::policy::{expire_new_statements, PolicyDocument};
use app::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// `spec` with the expiry bound into the statements `target_arn` does not
/// hold yet (as cached).
pub(super) async fn bind_expiry(
    conn: &mut PgConnection,
    target_arn: &str,
    spec: &ChangeSpec,
    expires_at: DateTime<Utc>,
) -> Result<ChangeSpec, AppError> {
    let Some(doc) = spec.document().and_then(PolicyDocument::from_checked_value) else {
        return Err(AppError::invalid(
            "expires_at",
            "only a policy document with statements can be temporary",
        ));
    };
    let current = super::reconcile::current_document(conn, target_arn, spec)
        .await?
        .and_then(|v| PolicyDocument::from_checked_value(&v));
    let (bound, expiring) = expire_new_statements(&doc, current.as_ref(), expires_at.timestamp());
    if expiring == 0 {
        return Err(AppError::invalid(
            "expires_at",
            "this change adds no statement, so nothing of it would expire; leave the end time empty",
        ));
    }
    spec.with_document(bound.as_json().clone())
        .map_err(|m| AppError::invalid("document", m))
}
