//! Submitting a request: every change is checked (target, names, policy
//! checks, expiry) before anything is stored; then one transaction stores the
//! request, its changes, its first event and the audit row.
use super::{db_error, record, Ev};
use crate::db;
use crate::services::Services;
use app::domain::change::{ChangeSpec, TargetKind};
use app::domain::policy::{check_policy, pretty, Finding, PolicyKind};
use app::domain::{RequestId, User};
use app::ports::{ClientMeta, NewChange, NewRequest};
use app::AppError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// At most this many changes in one request.
const MAX_CHANGES: usize = 20;
/// The longest justification kept (a reviewer reads it; notifications carry it).
pub(super) const MAX_JUSTIFICATION: usize = 4000;
/// Temporary access may last at most this long.
const MAX_EXPIRY_DAYS: i64 = 90;

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

fn parse_expiry(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
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
    super::authz::protected(s, principal)?;
    let row = db::resources::get(conn, principal)
        .await
        .map_err(db_error)?;
    if row.is_none() && creating {
        // A role that does not exist yet: only its account's approvers create roles.
        let account = principal.split(':').nth(4).unwrap_or_default();
        return if s.approves(user, account) {
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
    if s.approves(user, &row.account_id) {
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
    let mut tx = s.pool.begin().await.map_err(db_error)?;
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
            match super::owner_account(&mut tx, &i.resource.arn()).await? {
                Some(a) => touched.push(a),
                // A resource of unknown owner: no rule can vouch for it.
                None => touched.push(String::new()),
            }
        }
        rule = super::auto::matching_rule(s, &mut tx, intents, &touched)
            .await?
            .map(|r| r.name);
    }
    let account = super::owner_account(&mut tx, &principal)
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
                super::review::findings_of(&mut tx, &c.spec, &c.target_arn, a.account()).await?;
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
    .await
    .map_err(db_error)?;
    let mut summary = Vec::new();
    for (i, authorized) in changes.iter().enumerate() {
        let c = authorized.change();
        let base = match super::reconcile::compared(&c.spec) {
            true => Some(super::view::current_document(&mut tx, &c.target_arn, &c.spec).await?),
            false => None,
        };
        let spec = serde_json::to_value(&c.spec).map_err(|e| super::super::internal("spec", e))?;
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
        .await
        .map_err(db_error)?;
        summary.push(c.spec.summary());
    }
    let detail = format!("asked to {}", summary.join("; "));
    record(
        &mut tx,
        Ev {
            request_id: id,
            actor: &user.id,
            kind: "created",
            detail: &detail,
            target: &principal,
            client: Some(client),
            outcome: "success",
        },
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    s.notify_request(
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
