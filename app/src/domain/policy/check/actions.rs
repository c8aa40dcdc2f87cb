//! Catalogue checks: known service prefixes and action names (wildcards must
//! match at least one action), trust-policy actions, and actions whose
//! resource types match none of the statement's resources.

use super::super::catalogue::{self, ResourceType};
use super::super::finding::Finding;
use super::super::kind::{PolicyKind, TRUST_ACTIONS};
use super::grammar::{elements, is_arn_like};
use super::str_list;
use crate::domain::wildcard::{action_matches, overlap};
use serde_json::{Map, Value};

pub(super) fn check_statement(
    p: &str,
    m: &Map<String, Value>,
    kind: PolicyKind,
    out: &mut Vec<Finding>,
) {
    let (key, list) = match (m.get("Action"), m.get("NotAction")) {
        (Some(a), None) => ("Action", a),
        (None, Some(a)) => ("NotAction", a),
        _ => return,
    };
    let path = format!("{p}.{key}");
    let mut known = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (ep, a) in elements(&path, list) {
        // A repeated action says nothing new; checking it again costs an expansion.
        if !seen.insert(a.to_ascii_lowercase()) {
            continue;
        }
        if check_action(&ep, a, kind, key, out) {
            known.push((ep, a));
        }
    }
    if key == "Action" {
        if let Some(res) = m.get("Resource") {
            let resources: Vec<&str> = str_list(Some(res))
                .into_iter()
                .filter(|r| *r == "*" || is_arn_like(r))
                .collect();
            if !resources.is_empty() && !resources.contains(&"*") {
                for (ep, a) in known {
                    check_resource_types(&ep, a, &resources, out);
                }
            }
        }
    }
}

/// Reports a malformed or unknown action; true when it names catalogue actions.
fn check_action(p: &str, a: &str, kind: PolicyKind, key: &str, out: &mut Vec<Finding>) -> bool {
    if kind == PolicyKind::Trust {
        if key == "NotAction" {
            out.push(Finding::error(
                "trust-action",
                p,
                "a trust policy names the actions it allows; NotAction is not allowed",
            ));
        } else if !TRUST_ACTIONS.iter().any(|t| action_matches(a, t)) {
            out.push(Finding::error(
                "trust-action",
                p,
                format!("{a:?} cannot be granted by a trust policy; use one of {TRUST_ACTIONS:?}"),
            ));
            return false;
        }
    }
    if a == "*" {
        return true;
    }
    let Some((svc, name)) = a.split_once(':') else {
        out.push(Finding::error(
            "action-syntax",
            p,
            format!("{a:?} is not an action; write service:Action, for example s3:GetObject"),
        ));
        return false;
    };
    let svc_ok = !svc.is_empty()
        && svc
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '*' | '?'));
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '?' | '-' | '_'));
    if !svc_ok || !name_ok {
        out.push(Finding::error(
            "action-syntax",
            p,
            format!("{a:?} is not an action; write service:Action, for example s3:GetObject"),
        ));
        return false;
    }
    if !svc.contains(['*', '?']) && catalogue::service(svc).is_none() {
        out.push(Finding::error(
            "unknown-service",
            p,
            format!("{svc:?} is not a known AWS service prefix"),
        ));
        return false;
    }
    if catalogue::matches(a) == 0 {
        let hint = catalogue::complete(&format!("{svc}:{}", &name[..name.len().min(3)]), 3);
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", hint.join(", "))
        };
        out.push(Finding::error(
            "unknown-action",
            p,
            format!("{a:?} matches no {svc} action{hint}"),
        ));
        return false;
    }
    true
}

fn check_resource_types(p: &str, pattern: &str, resources: &[&str], out: &mut Vec<Finding>) {
    let expanded = catalogue::expand(pattern);
    let applies = expanded.iter().any(|(svc, a)| {
        svc.types_of(a)
            .any(|t| resources.iter().any(|r| arn_matches_type(t, r)))
    });
    if applies || expanded.is_empty() {
        return;
    }
    let scoped: Vec<&ResourceType> = expanded
        .iter()
        .flat_map(|(svc, a)| svc.types_of(a))
        .collect();
    if scoped.is_empty() {
        out.push(Finding::warning(
            "resource-not-scopable",
            p,
            format!(
                "{pattern} works only with \"Resource\": \"*\"; on these ARNs it grants nothing"
            ),
        ));
    } else {
        let mut names: Vec<String> = scoped
            .iter()
            .map(|t| format!("{} ({})", t.name, t.arn_pattern))
            .collect();
        names.sort();
        names.dedup();
        names.truncate(4);
        out.push(Finding::error(
            "resource-mismatch",
            p,
            format!(
                "{pattern} applies to none of this statement's resources; it takes {}",
                names.join(", ")
            ),
        ));
    }
}

/// True when the ARN (pattern) `resource` can name a resource of type `rt`,
/// with the rules of parliament's `is_arn_match`: the partition, service,
/// region and account parts must agree (`*` in the type matches any non-empty
/// part), the rest is compared as two wildcard patterns, and a `bucket` never
/// has a `/` in it. Policy variables (`${aws:username}`) count as `*`.
pub fn arn_matches_type(rt: &ResourceType, resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    let resource = strip_variables(resource);
    if rt.name.contains("bucket") && resource.contains('/') {
        return false;
    }
    let want: Vec<&str> = rt.arn_pattern.splitn(6, ':').collect();
    let got: Vec<&str> = resource.splitn(6, ':').collect();
    if want.len() < 6 || got.len() < 6 {
        return false;
    }
    for i in 0..5 {
        let ok = (want[i] == "*" && !got[i].is_empty()) || got[i] == "*" || want[i] == got[i];
        if !ok {
            return false;
        }
    }
    overlap(want[5], got[5])
}

fn strip_variables(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}
