//! Checking a request before anything is stored: each change's target,
//! names, policy checks and expiry, the justification, and whether the
//! requester may ask for the target at all.
use crate::db;
use crate::services::Services;
use app::domain::change::{ChangeSpec, TargetKind};
use app::domain::policy::{check_policy, pretty, Finding, PolicyKind};
use app::domain::User;
use app::ports::NewChange;
use app::AppError;
use chrono::{DateTime, Utc};

/// At most this many changes in one request.
pub(super) const MAX_CHANGES: usize = 20;
/// The longest justification kept (a reviewer reads it; notifications carry it).
pub(super) const MAX_JUSTIFICATION: usize = 4000;
/// Temporary access may last at most this long.
pub(super) const MAX_EXPIRY_DAYS: i64 = 90;

/// A checked change, ready to store.
pub(super) struct Checked {
    pub target_arn: String,
    pub spec: ChangeSpec,
    pub expires_at: Option<DateTime<Utc>>,
    pub generated: bool,
}

/// The checks a change's document gets: decided by what it writes and where.
pub(super) fn policy_kind(spec: &ChangeSpec, target: TargetKind) -> Option<PolicyKind> {
    Some(match spec {
        ChangeSpec::InlinePolicyPut { .. } => PolicyKind::Inline,
        ChangeSpec::ManagedPolicyDocumentPut { .. } => PolicyKind::Managed,
        ChangeSpec::TrustPolicyPut { .. } | ChangeSpec::RoleCreate { .. } => PolicyKind::Trust,
        ChangeSpec::ResourcePolicyPut { .. } => match target {
            TargetKind::S3Bucket => PolicyKind::S3Bucket,
            TargetKind::SqsQueue => PolicyKind::SqsQueue,
            _ => PolicyKind::SnsTopic,
        },
        _ => return None,
    })
}

/// The checks on a new role's inline policies, as if each were put alone
/// (paths prefixed with the policy's name); none for other changes.
pub(super) fn new_role_inline_findings(spec: &ChangeSpec) -> Vec<Finding> {
    let ChangeSpec::RoleCreate {
        inline_policies, ..
    } = spec
    else {
        return Vec::new();
    };
    inline_policies
        .iter()
        .flat_map(|p| {
            check_policy(&pretty(&p.document), PolicyKind::Inline)
                .into_iter()
                .map(|mut f| {
                    f.path = format!("{}: {}", p.name, f.path);
                    f
                })
        })
        .collect()
}

/// Runs the policy checks on the document a change writes (as the reviewer
/// sees it, pretty-printed, so lines match). Errors refuse the change; the
/// warnings are returned.
pub(super) fn check_document(
    spec: &ChangeSpec,
    target: TargetKind,
) -> Result<Vec<Finding>, AppError> {
    let (Some(doc), Some(kind)) = (spec.document(), policy_kind(spec, target)) else {
        return Ok(Vec::new());
    };
    let mut findings = check_policy(&pretty(doc), kind);
    findings.extend(new_role_inline_findings(spec));
    if findings.iter().any(Finding::is_error) {
        return Err(AppError::Invalid {
            field: "policy".into(),
            messages: findings
                .iter()
                .filter(|f| f.is_error())
                .map(|f| f.to_string())
                .collect(),
        });
    }
    Ok(findings)
}

pub(super) fn parse_expiry(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
    let at = DateTime::parse_from_rfc3339(s.trim())
        .map_err(|_| {
            AppError::invalid(
                "expires_at",
                "must be a date and time such as 2026-12-01T17:00:00Z",
            )
        })?
        .with_timezone(&Utc);
    if at <= now {
        return Err(AppError::invalid("expires_at", "must be in the future"));
    }
    if at > now + chrono::Duration::days(MAX_EXPIRY_DAYS) {
        return Err(AppError::invalid(
            "expires_at",
            format!("temporary access lasts at most {MAX_EXPIRY_DAYS} days"),
        ));
    }
    Ok(at)
}

/// Checks one change as given by a person; nothing is stored.
pub(super) fn check_change(c: NewChange, now: DateTime<Utc>) -> Result<Checked, AppError> {
    let target_arn = c.target_arn.trim().to_owned();
    let target = TargetKind::of(&target_arn).map_err(|m| AppError::invalid("target_arn", m))?;
    c.spec
        .check_target(target)
        .map_err(|(field, m)| AppError::invalid(field, m))?;
    if matches!(c.spec, ChangeSpec::RoleCreate { .. }) {
        let name = target_arn.rsplit('/').next().unwrap_or_default();
        app::domain::change::check_role_name(name)
            .map_err(|(field, m)| AppError::invalid(field, m))?;
    }
    check_document(&c.spec, target)?;
    let expires_at = match c.expires_at.as_deref().filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(s) => {
            if !matches!(
                c.spec,
                ChangeSpec::InlinePolicyPut { .. } | ChangeSpec::ResourcePolicyPut { .. }
            ) {
                return Err(AppError::invalid(
                    "expires_at",
                    "only policy statements can be temporary",
                ));
            }
            Some(parse_expiry(s, now)?)
        }
    };
    Ok(Checked {
        target_arn,
        spec: c.spec,
        expires_at,
        generated: false,
    })
}

/// Whether `user` may ask for changes to `principal`: approvers of its account
/// may ask for anything there; others for roles they are eligible to use and
/// for bucket, queue and topic policies.
pub(super) async fn may_request_for(
    s: &Services,
    conn: &mut sqlx::PgConnection,
    user: &User,
    principal: &str,
    creating: bool,
) -> Result<(), AppError> {
    super::common::protected(s, principal)?;
    let row = db::resources::get(conn, principal).await?;
    if row.is_none() && creating {
        // A role that does not exist yet: only its account's approvers create roles.
        let account = principal.split(':').nth(4).unwrap_or_default();
        return if super::common::approves(user, account) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "only approvers of account {account} may create roles in it"
            )))
        };
    }
    let row = row.ok_or_else(|| {
        AppError::invalid(
            "principal_arn",
            format!("{principal} is not in the cache (is its account synced?)"),
        )
    })?;
    if super::common::approves(user, &row.account_id) {
        return Ok(());
    }
    let allowed = match row.kind.as_str() {
        "role" => s.eligibility.access(user, principal, &row.tags).is_some(),
        "s3_bucket" | "sqs_queue" | "sns_topic" => true,
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "you may not request changes to {principal}"
        )))
    }
}

/// What every request needs besides its changes.
pub(super) fn check_justification(text: &str) -> Result<String, AppError> {
    let justification = text.trim().to_owned();
    let n = justification.chars().count();
    if n < 10 {
        return Err(AppError::invalid(
            "justification",
            "is required: say in at least 10 characters why this access is needed",
        ));
    }
    if n > MAX_JUSTIFICATION {
        return Err(AppError::invalid(
            "justification",
            format!("may be at most {MAX_JUSTIFICATION} characters; this one has {n}"),
        ));
    }
    Ok(justification)
}

pub(super) fn parse_optional_expiry(
    s: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_expiry(s, now).map(Some),
    }
}
