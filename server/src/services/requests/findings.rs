//! What a reviewer weighs for a change (its findings and how many
//! approvals they call for), and reading stored states and targets.
use crate::db;
use crate::services::Services;
use app::domain::change::{ChangeSpec, TargetKind};
use app::domain::RequestStatus;
use app::AppError;
use sqlx::PgConnection;

pub(super) fn status_of(s: &str) -> RequestStatus {
    RequestStatus::parse(s).unwrap_or(RequestStatus::Pending)
}

/// Everything a reviewer should weigh for one change: the checks on the
/// document it writes, and what it does beyond a document (admin policy,
/// eligibility tags, boundary or role removal, principals from outside the
/// organisation's accounts). Eligibility tags are the keys `s`'s
/// `[role_tags]` names.
pub(super) async fn findings_of(
    s: &Services,
    conn: &mut PgConnection,
    spec: &ChangeSpec,
    target_arn: &str,
    account: &str,
) -> Result<Vec<app::domain::policy::Finding>, AppError> {
    let Ok(target) = TargetKind::of(target_arn) else {
        return Ok(Vec::new());
    };
    let mut out = match (spec.document(), super::check::policy_kind(spec, target)) {
        (Some(doc), Some(kind)) => {
            app::domain::policy::check_policy(&app::domain::policy::pretty(doc), kind)
        }
        _ => Vec::new(),
    };
    out.extend(super::check::new_role_inline_findings(spec));
    let known: Vec<String> = db::accounts::list(conn)
        .await?
        .into_iter()
        .map(|a| a.account_id)
        .collect();
    let keys = s.eligibility.tag_keys();
    let eligibility_keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    out.extend(app::domain::change_risk::change_findings(
        spec,
        target,
        account,
        &known,
        &eligibility_keys,
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

pub(super) fn target_kind(arn: &str) -> Result<TargetKind, AppError> {
    TargetKind::of(arn).map_err(|m| crate::services::errors::internal("stored change target", m))
}
