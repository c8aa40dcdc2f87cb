//! After a change to a principal is applied: would each of its open denied
//! calls now be allowed? Judged by `app::domain::policy::eval` over what the
//! cache holds (the re-read after the apply has just refreshed the role):
//! its inline and managed policies (a user's groups' too), its permissions
//! boundary, and the resource's own policy (across accounts, both sides).
//! Allowed: resolved, by the request. Otherwise the reason is kept: not
//! allowed by the boundary, explicitly denied by the bucket policy, or that
//! it cannot be told here (an AWS managed policy's document is not cached,
//! a condition on the caller's IP...). Service control policies are read
//! level by level through the configured organizations' management
//! accounts; when they cannot be read, they are not judged.
use crate::aws::snapshot::{KIND_GROUP, KIND_USER};
use crate::db;
use crate::services::Services;
use app::domain::policy::eval::{evaluate, Call, Decision, Policies, Source};
use app::domain::policy::PolicyDocument;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// What a check found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub resolved: usize,
    pub still_denied: usize,
}

/// A principal's policies as cached, and what is missing from the cache.
#[derive(Default)]
struct Cached {
    identity: Vec<PolicyDocument>,
    boundary: Option<PolicyDocument>,
    tags: Vec<(String, String)>,
    /// Identity policies whose documents are not cached.
    gaps: Vec<String>,
    /// A permissions boundary set but not cached.
    boundary_gap: Option<String>,
}

fn docs_of(list: &Value, gaps: &mut Vec<String>, out: &mut Vec<PolicyDocument>) {
    for p in list.as_array().map(Vec::as_slice).unwrap_or_default() {
        match PolicyDocument::from_checked_value(&p["document"]) {
            Some(d) => out.push(d),
            None => gaps.push(format!(
                "the document of {} is not cached (AWS managed policies are not read)",
                p["name"]
                    .as_str()
                    .or(p["arn"].as_str())
                    .unwrap_or("a policy")
            )),
        }
    }
}

async fn boundary_of(
    conn: &mut PgConnection,
    arn: Option<&str>,
    c: &mut Cached,
) -> crate::Result<()> {
    let Some(arn) = arn else { return Ok(()) };
    let doc = db::resources::get(conn, arn)
        .await?
        .and_then(|r| r.policy)
        .and_then(|p| PolicyDocument::from_checked_value(&p));
    match doc {
        Some(d) => c.boundary = Some(d),
        None => c.boundary_gap = Some(format!("the permissions boundary {arn} is not cached")),
    }
    Ok(())
}

/// `None`: not a role or user Latchkey caches.
async fn cached_principal(conn: &mut PgConnection, arn: &str) -> crate::Result<Option<Cached>> {
    let mut c = Cached::default();
    if let Some(r) = db::roles::get_by_arn(conn, arn).await? {
        docs_of(&r.inline_policies, &mut c.gaps, &mut c.identity);
        docs_of(&r.managed_policies, &mut c.gaps, &mut c.identity);
        c.tags = crate::services::inventory::tag_pairs(&r.tags);
        boundary_of(conn, r.boundary_arn.as_deref(), &mut c).await?;
        return Ok(Some(c));
    }
    let Some(u) = db::resources::get(conn, arn)
        .await?
        .filter(|r| r.kind == KIND_USER)
    else {
        return Ok(None);
    };
    let d = &u.details;
    docs_of(&d["inline_policies"], &mut c.gaps, &mut c.identity);
    docs_of(&d["managed_policies"], &mut c.gaps, &mut c.identity);
    let groups: Vec<String> = d["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for g in db::resources::named(conn, &u.account_id, KIND_GROUP, &groups).await? {
        docs_of(&g.details["inline_policies"], &mut c.gaps, &mut c.identity);
        docs_of(&g.details["managed_policies"], &mut c.gaps, &mut c.identity);
    }
    c.tags = crate::services::inventory::tag_pairs(&u.tags);
    boundary_of(conn, d["permissions_boundary"].as_str(), &mut c).await?;
    Ok(Some(c))
}

/// The cached resource a denied call named (an S3 object: its bucket): its
/// policy, its account, and whether it is cached at all.
async fn resource_side(
    conn: &mut PgConnection,
    resource: &str,
) -> crate::Result<(Option<PolicyDocument>, Option<String>, bool)> {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let arn = match parts.as_slice() {
        [_, partition, "s3", "", "", rest] => {
            let bucket = rest.split('/').next().unwrap_or_default();
            format!("arn:{partition}:s3:::{bucket}")
        }
        _ => resource.to_owned(),
    };
    let row = db::resources::get(conn, &arn).await?;
    let cached = row.is_some();
    let account = row.as_ref().map(|r| r.account_id.clone()).or_else(|| {
        parts
            .get(4)
            .filter(|a| !a.is_empty())
            .map(|a| (*a).to_owned())
    });
    let policy = row
        .and_then(|r| r.policy)
        .and_then(|p| PolicyDocument::from_checked_value(&p));
    Ok((policy, account, cached))
}

impl Services {
    /// The SCPs over the principal's account, level by level, from the first
    /// configured organization it belongs to; none when it is in none or
    /// they cannot be read (then they are not judged).
    async fn scps_of(&self, principal_arn: &str) -> Vec<Vec<PolicyDocument>> {
        let Some(account) = principal_arn.split(':').nth(4) else {
            return Vec::new();
        };
        for o in &self.config.organizations {
            let Ok(org) = self.aws.spoke_organizations(&o.management_account_id).await else {
                continue;
            };
            match crate::aws::organizations::scp_levels(&org, account).await {
                Ok(levels) => {
                    return levels
                        .iter()
                        .map(|level| {
                            level
                                .iter()
                                .filter_map(|text| crate::aws::decode::policy_json(text).ok())
                                .filter_map(|v| PolicyDocument::from_checked_value(&v))
                                .collect()
                        })
                        .collect()
                }
                Err(e) => tracing::debug!(account, error = %e, "no SCPs read for the account"),
            }
        }
        Vec::new()
    }

    /// Judges `principal_arn`'s open denied calls (seen within retention)
    /// against the cache now; `request` is the one whose change was applied.
    pub async fn verify_denials(
        &self,
        principal_arn: &str,
        request: Option<Uuid>,
    ) -> crate::Result<Verified> {
        let mut out = Verified::default();
        if !self.denials_on() {
            return Ok(out);
        }
        let mut conn = db::conn(&self.pool).await?;
        let open = db::denials::open_for(&mut conn, principal_arn, self.denials_since()).await?;
        if open.is_empty() {
            return Ok(out);
        }
        let Some(cached) = cached_principal(&mut conn, principal_arn).await? else {
            return Ok(out);
        };
        drop(conn);
        let scps = self.scps_of(principal_arn).await;
        let scp_refs: Vec<Vec<&PolicyDocument>> =
            scps.iter().map(|level| level.iter().collect()).collect();
        let mut conn = db::conn(&self.pool).await?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for (action, resource, code) in &open {
            let (policy, account, resource_cached) = resource_side(&mut conn, resource).await?;
            let mut call =
                Call::new(principal_arn, action, resource).with("aws:CurrentTime", &[&now]);
            call.resource_account = account;
            for (k, v) in &cached.tags {
                call = call.with(&format!("aws:PrincipalTag/{k}"), &[v]);
            }
            let p = Policies {
                identity: cached.identity.iter().collect(),
                boundary: cached.boundary.as_ref(),
                resource: policy.as_ref(),
                scps: scp_refs.clone(),
            };
            let decision = match evaluate(&p, &call) {
                // What is not cached might have held what decides.
                Decision::Allowed if cached.boundary_gap.is_some() => Decision::Unknown {
                    why: cached.boundary_gap.clone().unwrap_or_default(),
                },
                Decision::NotAllowed {
                    missing: Source::Identity,
                } if !cached.gaps.is_empty() => Decision::Unknown {
                    why: cached.gaps.join("; "),
                },
                Decision::NotAllowed {
                    missing: Source::Resource,
                } if !resource_cached => Decision::Unknown {
                    why: format!("{resource} is in an account Latchkey does not read, so its policy is not known"),
                },
                d => d,
            };
            let allowed = decision.is_allowed();
            let why = (!allowed).then(|| decision.explain());
            let key = (action.as_str(), resource.as_str(), code.as_str());
            db::denials::judge(
                &mut conn,
                principal_arn,
                key,
                allowed,
                why.as_deref(),
                request,
            )
            .await?;
            if allowed {
                out.resolved += 1;
            } else {
                out.still_denied += 1;
            }
        }
        tracing::info!(
            principal = principal_arn,
            resolved = out.resolved,
            still_denied = out.still_denied,
            "denied calls checked after an apply"
        );
        Ok(out)
    }
}
