//! The self-service wizard's submission: intents become least-privilege
//! statements, merged into the principal's Latchkey inline policy (minimised),
//! made temporary when asked, and every other account's resource or trust
//! policy that the grant needs is generated into the same request.
use super::check::Checked;
use crate::db;
use crate::services::Services;
use app::domain::change::ChangeSpec;
use app::domain::policy::{
    add_statement_to_resource_policy, cross_account_changes, generate, merge, with_expiry, Intent,
    PolicyDocument, PolicyKind, ResourcePolicyKind, Statement,
};
use app::domain::{AccountId, Partition};
use app::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::collections::HashMap;

/// The inline policy the wizard keeps its grants in, per principal.
pub const WIZARD_POLICY_NAME: &str = "latchkey-access";

/// A cached document, checked as a policy of `kind` (None when absent). A
/// cached policy that fails the checks is not silently replaced: the request
/// is refused with the findings, so nothing already granted is lost.
fn doc_of(
    arn: &str,
    v: Option<&serde_json::Value>,
    kind: PolicyKind,
) -> Result<Option<PolicyDocument>, AppError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    PolicyDocument::parse(&v.to_string(), kind)
        .map(|c| Some(c.doc))
        .map_err(|f| AppError::Invalid {
            field: "intents".into(),
            messages: std::iter::once(format!(
                "the current policy of {arn} does not pass the checks; fix it with the advanced editor first"
            ))
            .chain(f.into_iter().filter(|x| x.is_error()).map(|x| x.to_string()))
            .collect(),
        })
}

/// The principal's current wizard policy, as cached.
pub(super) async fn current_wizard_policy(
    conn: &mut PgConnection,
    principal: &str,
) -> Result<Option<serde_json::Value>, AppError> {
    let row = db::resources::get(conn, principal).await?;
    Ok(row.and_then(|r| {
        r.details["inline_policies"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"].as_str() == Some(WIZARD_POLICY_NAME))
            .map(|p| p["document"].clone())
    }))
}

/// Turns intents into the changes of one request (the principal's policy
/// first, then the generated cross-account ones).
pub(super) async fn changes_for(
    s: &Services,
    conn: &mut PgConnection,
    principal: &str,
    intents: &[Intent],
    expires_at: Option<DateTime<Utc>>,
) -> Result<Vec<Checked>, AppError> {
    let _ = s;
    let mut statements =
        generate(intents).map_err(|e| AppError::invalid("intents", e.to_string()))?;
    if let Some(at) = expires_at {
        statements = with_expiry(&statements, at.timestamp());
    }
    let current = current_wizard_policy(conn, principal).await?;
    let merged = merge(
        doc_of(principal, current.as_ref(), PolicyKind::Inline)?.as_ref(),
        &statements,
    );
    let mut out = vec![Checked {
        target_arn: principal.to_owned(),
        spec: ChangeSpec::InlinePolicyPut {
            policy_name: WIZARD_POLICY_NAME.to_owned(),
            document: merged.as_json().clone(),
        },
        expires_at,
        generated: false,
    }];
    let kind = app::domain::change::TargetKind::of(principal)
        .map_err(|m| AppError::invalid("principal_arn", m))?;
    out[0]
        .spec
        .check_target(kind)
        .map_err(|(field, m)| AppError::invalid(field, m))?;
    super::check::check_document(&out[0].spec, kind)?;

    // Which account owns each bucket the statements name, from the cache.
    let mut owners: HashMap<String, AccountId> = HashMap::new();
    for st in &statements {
        for r in st.resources() {
            let bucket = Partition::of_arn(r)
                .and_then(|p| Some((p, r.strip_prefix(&p.arn("s3", "", "", ""))?)));
            if let Some((partition, bucket)) = bucket {
                let name = bucket.split('/').next().unwrap_or_default();
                let arn = partition.arn("s3", "", "", name);
                if let Some(row) = db::resources::get(conn, &arn).await? {
                    if let Ok(a) = AccountId::parse(&row.account_id) {
                        owners.insert(name.to_owned(), a);
                    }
                }
            }
        }
    }
    let owner = |b: &str| owners.get(b).cloned();
    let generated = cross_account_changes(principal, &statements, &owner);
    // One change per resource: every statement it needs, added to its policy.
    let mut by_resource: Vec<(String, ResourcePolicyKind, Vec<Statement>)> = Vec::new();
    for g in generated {
        match by_resource
            .iter_mut()
            .find(|(arn, _, _)| *arn == g.resource_arn)
        {
            Some((_, _, sts)) => sts.push(g.statement),
            None => by_resource.push((g.resource_arn, g.kind, vec![g.statement])),
        }
    }
    for (arn, kind, sts) in by_resource {
        let row = db::resources::get(conn, &arn).await?;
        let mut doc = doc_of(
            &arn,
            row.and_then(|r| r.policy).as_ref(),
            kind.policy_kind(),
        )?;
        for st in &sts {
            doc = Some(add_statement_to_resource_policy(doc.as_ref(), st));
        }
        let Some(doc) = doc else { continue };
        let document = doc.as_json().clone();
        let spec = match kind {
            ResourcePolicyKind::TrustPolicy => ChangeSpec::TrustPolicyPut { document },
            _ => ChangeSpec::ResourcePolicyPut { document },
        };
        out.push(Checked {
            target_arn: arn,
            spec,
            expires_at,
            generated: true,
        });
    }
    Ok(out)
}

/// The wizard's view of a principal: what the user may pick, and the
/// principal's current Latchkey policy.
pub(super) async fn context(
    s: &Services,
    user: &app::domain::User,
    principal: &str,
) -> Result<app::views::WizardContextView, AppError> {
    let mut conn = crate::db::conn(&s.pool).await?;
    let principals = db::roles::list_keys(&mut conn)
        .await?
        .into_iter()
        .filter(|r| {
            !s.eligibility.protected().is_protected(&r.arn)
                && (super::common::approves(user, &r.account_id)
                    || s.eligibility.access(user, &r.arn, &r.tags).is_some())
        })
        .take(2000)
        .map(|r| {
            let label = format!("{} · {} ({})", r.name, r.account_name, r.account_id);
            (r.arn, label)
        })
        .collect();
    let (current_policy, error) = if principal.is_empty() {
        (None, None)
    } else {
        match super::check::may_request_for(s, &mut conn, user, principal, false).await {
            Ok(()) => (
                current_wizard_policy(&mut conn, principal)
                    .await?
                    .map(|v| app::domain::policy::pretty(&v)),
                None,
            ),
            Err(e) => (None, Some(e.to_string())),
        }
    };
    Ok(app::views::WizardContextView {
        principals,
        current_policy,
        error,
    })
}
