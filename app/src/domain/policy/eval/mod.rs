//! Would AWS allow this call? IAM's documented evaluation logic over the
//! policies Latchkey caches, for one principal, action and resource: an
//! explicit Deny anywhere wins; SCPs (when given) must allow; a permissions
//! boundary (when set) must allow; then an identity-policy Allow, or, in the
//! principal's own account, a resource-policy Allow naming it; across
//! accounts both the identity policy and the resource's policy must allow.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
//!
//! Conditions are evaluated against the keys the caller knows (see
//! [`conditions`]); a statement whose condition names a key or operator this
//! evaluator cannot judge is *uncertain*: an uncertain Allow is not counted,
//! and an uncertain Deny that would otherwise apply makes the answer
//! [`Decision::Unknown`], never a guess.
mod conditions;
#[cfg(test)]
mod tests;

use super::{wildcard_matches, Effect, PolicyDocument, Principal, Statement};
use conditions::{condition_holds, Holds};
use std::collections::BTreeMap;

/// The call: who, what, on which resource, and the request's context keys
/// (`aws:SourceIp`, `aws:PrincipalTag/team`... lower-cased names; each key
/// with one or more values).
#[derive(Debug, Clone, Default)]
pub struct Call {
    /// `arn:aws:iam::111122223333:role/name` (or a user's ARN).
    pub principal_arn: String,
    pub action: String,
    /// The resource's ARN, or `*` when the call names none.
    pub resource: String,
    /// The account owning the resource, when known and not the principal's.
    pub resource_account: Option<String>,
    pub context: BTreeMap<String, Vec<String>>,
}

impl Call {
    pub fn new(principal_arn: &str, action: &str, resource: &str) -> Self {
        let mut context = BTreeMap::new();
        context.insert(
            "aws:principalarn".to_owned(),
            vec![principal_arn.to_owned()],
        );
        if let Some(account) = principal_arn.split(':').nth(4) {
            context.insert("aws:principalaccount".to_owned(), vec![account.to_owned()]);
        }
        Self {
            principal_arn: principal_arn.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: None,
            context,
        }
    }

    /// Its context holds every key the request has: a key it lacks is
    /// absent (as AWS judges it), not unknown.
    pub fn complete(mut self) -> Self {
        self.context
            .insert(conditions::COMPLETE.to_owned(), vec!["true".to_owned()]);
        self
    }

    /// With one more context key (its name in any case).
    pub fn with(mut self, key: &str, values: &[&str]) -> Self {
        self.context.insert(
            key.to_ascii_lowercase(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        );
        self
    }

    fn principal_account(&self) -> &str {
        self.principal_arn.split(':').nth(4).unwrap_or_default()
    }

    fn cross_account(&self) -> bool {
        self.resource_account
            .as_deref()
            .is_some_and(|a| a != self.principal_account())
    }
}

/// What applies to the principal and the resource.
#[derive(Debug, Clone, Default)]
pub struct Policies<'a> {
    /// Inline and attached managed policies (and, for a user, its groups').
    pub identity: Vec<&'a PolicyDocument>,
    pub boundary: Option<&'a PolicyDocument>,
    /// The resource's own policy (bucket, queue, topic, key...).
    pub resource: Option<&'a PolicyDocument>,
    /// Service control policies, one list per level from the root down to
    /// the principal's account (each level must allow), when known; empty
    /// means none are known (not "none allow").
    pub scps: Vec<Vec<&'a PolicyDocument>>,
}

/// Which kind of policy decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Identity,
    Boundary,
    Resource,
    Scp,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Identity => "an identity policy",
            Source::Boundary => "the permissions boundary",
            Source::Resource => "the resource policy",
            Source::Scp => "a service control policy",
        }
    }
}

/// The answer, with the reason a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// An explicit Deny (its Sid, when it has one).
    Denied {
        by: Source,
        sid: Option<String>,
    },
    /// No Allow where one is needed.
    NotAllowed {
        missing: Source,
    },
    /// A statement that could decide has a condition this evaluator cannot
    /// judge (the key or operator named).
    Unknown {
        why: String,
    },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        *self == Decision::Allowed
    }

    /// "denied by the permissions boundary (Sid NoIam)" and the like.
    pub fn explain(&self) -> String {
        match self {
            Decision::Allowed => "allowed".to_owned(),
            Decision::Denied { by, sid } => match sid {
                Some(s) => format!("explicitly denied by {} (Sid {s})", by.label()),
                None => format!("explicitly denied by {}", by.label()),
            },
            Decision::NotAllowed { missing } => format!("not allowed by {}", missing.label()),
            Decision::Unknown { why } => format!("cannot be decided here: {why}"),
        }
    }
}

/// What one kind of policy says about the call.
#[derive(Debug, Default)]
struct Verdict {
    deny: Option<Option<String>>,
    allow: bool,
    /// Why a Deny, or an Allow, that matched could not be judged.
    unsure_deny: Option<String>,
    unsure_allow: Option<String>,
}

fn verdict(docs: &[&PolicyDocument], call: &Call, resource_policy: bool) -> Verdict {
    let mut v = Verdict::default();
    for st in docs.iter().flat_map(|d| d.statements()) {
        if !statement_applies(st, call, resource_policy) {
            continue;
        }
        match condition_holds(&st.condition, &call.context) {
            Holds::No => {}
            Holds::Yes => match st.effect {
                Effect::Deny => v.deny = Some(st.sid.clone()),
                Effect::Allow => v.allow = true,
            },
            Holds::Unsure(why) => {
                match st.effect {
                    Effect::Deny => v.unsure_deny.get_or_insert(why),
                    Effect::Allow => v.unsure_allow.get_or_insert(why),
                };
            }
        }
    }
    v
}

/// Action, resource and (for a resource policy) principal all match.
fn statement_applies(st: &Statement, call: &Call, resource_policy: bool) -> bool {
    let action = match (&st.action, &st.not_action) {
        (Some(a), _) => a.iter().any(|p| wildcard_matches(p, &call.action, true)),
        (None, Some(n)) => !n.iter().any(|p| wildcard_matches(p, &call.action, true)),
        (None, None) => false,
    };
    let resource = match (&st.resource, &st.not_resource) {
        (Some(r), _) => r.iter().any(|p| resource_matches(p, &call.resource)),
        (None, Some(n)) => !n.iter().any(|p| resource_matches(p, &call.resource)),
        // A resource policy's statement may leave Resource out: its resource.
        (None, None) => resource_policy,
    };
    let principal = !resource_policy
        || match (&st.principal, &st.not_principal) {
            (Some(p), _) => principal_matches(p, call),
            (None, Some(n)) => !principal_matches(n, call),
            (None, None) => false,
        };
    action && resource && principal
}

fn resource_matches(pattern: &str, resource: &str) -> bool {
    pattern == "*" || wildcard_matches(pattern, resource, false)
}

/// `"*"`, the principal's ARN, its account (`111122223333` or
/// `arn:aws:iam::111122223333:root`).
fn principal_matches(p: &Principal, call: &Call) -> bool {
    match p {
        Principal::Any => true,
        Principal::Map(m) => m.get("AWS").is_some_and(|list| {
            let account = call.principal_account();
            list.iter().any(|v| {
                v == "*"
                    || v == &call.principal_arn
                    || v == account
                    || (v.ends_with(":root") && v.split(':').nth(4) == Some(account))
            })
        }),
    }
}

/// IAM's decision for `call` under `p`.
pub fn evaluate(p: &Policies<'_>, call: &Call) -> Decision {
    let identity = verdict(&p.identity, call, false);
    let boundary = p.boundary.map(|b| verdict(&[b], call, false));
    let resource = p.resource.map(|r| verdict(&[r], call, true));
    let scps: Vec<Verdict> = p
        .scps
        .iter()
        .map(|level| verdict(level, call, false))
        .collect();

    // 1. An explicit Deny anywhere decides.
    let levels = scps.iter().map(|v| (Some(v), Source::Scp));
    for (v, by) in [
        (Some(&identity), Source::Identity),
        (boundary.as_ref(), Source::Boundary),
        (resource.as_ref(), Source::Resource),
    ]
    .into_iter()
    .chain(levels)
    {
        if let Some(Some(sid)) = v.map(|v| v.deny.clone()) {
            return Decision::Denied { by, sid };
        }
    }
    // A missing Allow: unknown when an Allow was there but not judged.
    let unsure = |v: &Verdict, missing: Source| match &v.unsure_allow {
        Some(why) => Decision::Unknown { why: why.clone() },
        None => Decision::NotAllowed { missing },
    };
    // 2. Guardrails: SCPs and the boundary must allow.
    for v in &scps {
        if !v.allow {
            return unsure(v, Source::Scp);
        }
    }
    let resource_allows = resource.as_ref().is_some_and(|v| v.allow);
    if let Some(v) = &boundary {
        if !v.allow {
            return unsure(v, Source::Boundary);
        }
    }
    // 3. Grants.
    let granted = if call.cross_account() {
        if !identity.allow {
            return unsure(&identity, Source::Identity);
        }
        if !resource_allows {
            return match &resource {
                Some(v) => unsure(v, Source::Resource),
                None => Decision::NotAllowed {
                    missing: Source::Resource,
                },
            };
        }
        true
    } else {
        identity.allow || resource_allows
    };
    if !granted {
        return unsure(&identity, Source::Identity);
    }
    // A Deny not judged could still apply to an otherwise allowed call.
    for v in [Some(&identity), boundary.as_ref(), resource.as_ref()]
        .into_iter()
        .flatten()
        .chain(scps.iter())
    {
        if let Some(why) = &v.unsure_deny {
            return Decision::Unknown { why: why.clone() };
        }
    }
    Decision::Allowed
}
