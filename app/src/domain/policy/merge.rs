//! Adding requested statements to what a principal already has, minimally:
//! actions already granted (also through wildcards) on the same resources
//! under the same or weaker conditions are dropped, what is left joins an
//! existing statement with the same effect, principal, resources and
//! condition, or becomes a new statement (combined, sorted, content Sid).

use super::document::{Condition, PolicyDocument, Statement};
use super::statements::{combine, normalise};
use crate::domain::wildcard::{action_matches, matches};
use std::collections::HashSet;

/// `existing` (or an empty document) with `new` merged in. Deterministic:
/// the same inputs always give the same text. Run the checks on the result
/// (its size may pass the kind's limit).
pub fn merge(existing: Option<&PolicyDocument>, new: &[Statement]) -> PolicyDocument {
    merge_with(existing, &[], new)
}

/// Like [`merge`], and also drops actions that `also_granted` (the
/// principal's other policies, which stay as they are) already allow.
pub fn merge_with(
    existing: Option<&PolicyDocument>,
    also_granted: &[&PolicyDocument],
    new: &[Statement],
) -> PolicyDocument {
    let mut base: Vec<Statement> = existing
        .map(|d| d.statements().to_vec())
        .unwrap_or_default();
    let others: Vec<&Statement> = also_granted.iter().flat_map(|d| d.statements()).collect();
    let mut added = Vec::new();
    for n in new {
        let mut n = n.clone();
        normalise(&mut n);
        if let Some(actions) = &n.action {
            let left: Vec<String> = actions
                .iter()
                .filter(|a| {
                    !base.iter().any(|b| grants(b, a, &n))
                        && !others.iter().any(|b| grants(b, a, &n))
                })
                .cloned()
                .collect();
            if left.is_empty() {
                continue;
            }
            n.action = Some(left);
        }
        let joinable = base.iter_mut().find(|b| same_scope(b, &n));
        match (joinable, &n.action) {
            (Some(b), Some(actions)) => {
                if let Some(list) = &mut b.action {
                    list.extend(actions.iter().cloned());
                }
                normalise(b);
                drop_covered_actions(b);
            }
            _ => added.push(n),
        }
    }
    let mut added = combine(added);
    for st in &mut added {
        drop_covered_actions(st);
    }
    let mut sids: HashSet<String> = base.iter().filter_map(|s| s.sid.clone()).collect();
    for st in &mut added {
        if let Some(sid) = &st.sid {
            let mut unique = sid.clone();
            let mut i = 2;
            while sids.contains(&unique) {
                unique = format!("{sid}{i}");
                i += 1;
            }
            sids.insert(unique.clone());
            st.sid = Some(unique);
        }
    }
    base.extend(added);
    match existing {
        Some(d) => d.with_statements(base),
        None => PolicyDocument::new(base),
    }
}

/// True when statement `b` already allows `action` on every resource of `n`
/// under conditions `n` also has.
fn grants(b: &Statement, action: &str, n: &Statement) -> bool {
    b.is_allow()
        && b.effect == n.effect
        && b.principal == n.principal
        && b.not_principal.is_none()
        && n.not_principal.is_none()
        && b.actions().iter().any(|p| action_matches(p, action))
        && b.not_resource.is_none()
        && n.not_resource.is_none()
        && match (&b.resource, &n.resource) {
            (None, None) => true,
            (Some(have), Some(want)) => want
                .iter()
                .all(|r| have.iter().any(|h| matches(h, r, false))),
            _ => false,
        }
        && condition_subset(&b.condition, &n.condition)
}

/// Every condition of `weaker` also holds in `stronger` (same operator, key, values).
fn condition_subset(weaker: &Condition, stronger: &Condition) -> bool {
    weaker.iter().all(|(op, keys)| {
        stronger
            .get(op)
            .is_some_and(|s| keys.iter().all(|(k, v)| s.get(k) == Some(v)))
    })
}

fn same_scope(b: &Statement, n: &Statement) -> bool {
    let sorted = |v: &Option<Vec<String>>| {
        v.as_ref().map(|l| {
            let mut l = l.clone();
            l.sort();
            l.dedup();
            l
        })
    };
    b.effect == n.effect
        && b.principal == n.principal
        && b.not_principal.is_none()
        && n.not_principal.is_none()
        && b.action.is_some()
        && n.action.is_some()
        && b.not_resource.is_none()
        && n.not_resource.is_none()
        && sorted(&b.resource) == sorted(&n.resource)
        && b.condition == n.condition
}

/// Removes actions another action of the same statement already matches
/// (`s3:GetObject` next to `s3:Get*`).
fn drop_covered_actions(st: &mut Statement) {
    if let Some(list) = &mut st.action {
        let all = list.clone();
        list.retain(|a| {
            !all.iter()
                .any(|p| !p.eq_ignore_ascii_case(a) && action_matches(p, a))
        });
    }
}

#[cfg(test)]
mod tests;
