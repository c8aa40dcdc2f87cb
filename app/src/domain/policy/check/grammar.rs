//! IAM grammar: document keys, Version, Statement, Sid, Effect,
//! Action/NotAction, Resource/NotResource, Principal/NotPrincipal.

use super::super::finding::Finding;
use super::super::kind::PolicyKind;
use super::condition::check_condition;
use super::principal::check_principal_keys;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Checks the document shape; returns the statements (with their paths) that
/// are objects, for the checks that follow.
pub(super) fn check_document<'a>(
    v: &'a Value,
    kind: PolicyKind,
    out: &mut Vec<Finding>,
) -> Vec<(String, &'a Map<String, Value>)> {
    let Some(obj) = v.as_object() else {
        out.push(Finding::error(
            "document",
            "(document)",
            "a policy must be a JSON object",
        ));
        return Vec::new();
    };
    for key in obj.keys() {
        if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
            out.push(Finding::error(
                "unknown-key",
                key.clone(),
                "unknown top-level key; allowed are Version, Id and Statement",
            ));
        }
    }
    match obj.get("Version") {
        Some(Value::String(s)) if s == "2012-10-17" => {}
        Some(Value::String(s)) if s == "2008-10-17" => out.push(Finding::warning(
            "old-version",
            "Version",
            "\"2008-10-17\" does not support policy variables; use \"2012-10-17\"",
        )),
        Some(_) => out.push(Finding::error(
            "version",
            "Version",
            "must be \"2012-10-17\" (or the old \"2008-10-17\")",
        )),
        None => out.push(Finding::error(
            "version",
            "Version",
            "is required; use \"2012-10-17\"",
        )),
    }
    if let Some(id) = obj.get("Id") {
        if !id.is_string() {
            out.push(Finding::error("id", "Id", "must be a string"));
        }
    }
    let statements: Vec<&Value> = match obj.get("Statement") {
        Some(Value::Array(a)) if !a.is_empty() => a.iter().collect(),
        Some(Value::Array(_)) => {
            out.push(Finding::error(
                "statement",
                "Statement",
                "must hold at least one statement",
            ));
            vec![]
        }
        Some(s @ Value::Object(_)) => vec![s],
        Some(_) => {
            out.push(Finding::error(
                "statement",
                "Statement",
                "must be an object or an array of objects",
            ));
            vec![]
        }
        None => {
            out.push(Finding::error("statement", "Statement", "is required"));
            vec![]
        }
    };
    if let Some(max) = kind.max_statements() {
        if statements.len() > max {
            out.push(Finding::error(
                "statement-count",
                "Statement",
                format!(
                    "a {} may hold at most {max} statements; this one has {}",
                    kind.label(),
                    statements.len()
                ),
            ));
        }
    }
    let mut sids = HashSet::new();
    let mut objects = Vec::new();
    for (i, st) in statements.into_iter().enumerate() {
        let p = format!("Statement[{i}]");
        match st.as_object() {
            Some(m) => {
                check_statement(&p, m, kind, &mut sids, out);
                objects.push((p, m));
            }
            None => out.push(Finding::error(
                "statement",
                p,
                "each statement must be an object",
            )),
        }
    }
    objects
}

fn check_statement(
    p: &str,
    m: &Map<String, Value>,
    kind: PolicyKind,
    sids: &mut HashSet<String>,
    out: &mut Vec<Finding>,
) {
    for key in m.keys() {
        match key.as_str() {
            "Sid" | "Effect" | "Action" | "NotAction" | "Resource" | "NotResource"
            | "Condition" => {}
            "Principal" | "NotPrincipal" if kind.is_identity() => out.push(Finding::error(
                "principal-forbidden",
                format!("{p}.{key}"),
                format!(
                    "is not allowed in a {} (only in trust and resource policies)",
                    kind.label()
                ),
            )),
            "Principal" | "NotPrincipal" => {}
            _ => out.push(Finding::error(
                "unknown-key",
                format!("{p}.{key}"),
                "unknown statement key; allowed are Sid, Effect, Principal, NotPrincipal, \
                 Action, NotAction, Resource, NotResource and Condition",
            )),
        }
    }
    check_sid(p, m.get("Sid"), kind, sids, out);
    match m.get("Effect").and_then(Value::as_str) {
        Some("Allow" | "Deny") => {}
        Some(other) => out.push(Finding::error(
            "effect",
            format!("{p}.Effect"),
            format!("must be \"Allow\" or \"Deny\", got {other:?}"),
        )),
        None => out.push(Finding::error(
            "effect",
            format!("{p}.Effect"),
            "is required (\"Allow\" or \"Deny\")",
        )),
    }
    if let Some(action) = key_or_not(p, m, "Action", ("action", "is required".into()), out) {
        string_list(&action.path, action.value, out);
        let n = action.value.as_array().map_or(1, Vec::len);
        let max = kind.max_actions_per_statement().filter(|m| n > *m);
        if let (false, Some(max)) = (action.not, max) {
            out.push(Finding::error(
                "action-count",
                action.path,
                format!(
                    "a {} statement may list at most {max} actions; this one has {n}",
                    kind.label()
                ),
            ));
        }
    }
    check_resource_keys(p, m, kind, out);
    check_principal_keys(p, m, kind, out);
    if let Some(c) = m.get("Condition") {
        check_condition(&format!("{p}.Condition"), c, out);
    }
}

fn check_sid(
    p: &str,
    sid: Option<&Value>,
    kind: PolicyKind,
    sids: &mut HashSet<String>,
    out: &mut Vec<Finding>,
) {
    let Some(sid) = sid else { return };
    let path = format!("{p}.Sid");
    let Some(s) = sid.as_str() else {
        out.push(Finding::error("sid", path, "must be a string"));
        return;
    };
    if kind.is_iam() && !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        out.push(Finding::error(
            "sid",
            path.clone(),
            "in IAM policies a Sid may hold only letters (A-Z, a-z) and digits",
        ));
    }
    if !sids.insert(s.to_owned()) {
        out.push(Finding::error(
            "duplicate-sid",
            path,
            format!("Sid {s:?} is used twice; Sids must be unique"),
        ));
    }
}

fn check_resource_keys(p: &str, m: &Map<String, Value>, kind: PolicyKind, out: &mut Vec<Finding>) {
    let (res, not_res) = (m.get("Resource"), m.get("NotResource"));
    if kind == PolicyKind::Trust {
        for (key, v) in [("Resource", res), ("NotResource", not_res)] {
            if v.is_some() {
                out.push(Finding::error(
                    "resource-forbidden",
                    format!("{p}.{key}"),
                    "a trust policy has no Resource: the role it belongs to is the resource",
                ));
            }
        }
        return;
    }
    let Some(Keyed { path, value: v, .. }) =
        key_or_not(p, m, "Resource", ("resource", "is required".into()), out)
    else {
        return;
    };
    string_list(&path, v, out);
    for (ep, r) in elements(&path, v) {
        if r != "*" && !is_arn_like(r) {
            out.push(Finding::error(
                "resource-arn",
                ep,
                format!(
                    "{r:?} is not an ARN; write \"*\" or arn:partition:service:region:account:resource"
                ),
            ));
        }
    }
}

/// The one of `key` and `Not{key}` a statement holds.
pub(super) struct Keyed<'a> {
    /// It is the `Not` form.
    pub not: bool,
    /// Where it is, e.g. `Statement[0].NotAction`.
    pub path: String,
    pub value: &'a Value,
}

/// Which of `key` and `Not{key}` the statement at `p` holds. Holding both
/// is an error (code: `key` in lower case); holding neither is the error
/// `missing` (code, message) at `{p}.{key}`. Either way there is nothing
/// more to check, and the answer is None.
pub(super) fn key_or_not<'a>(
    p: &str,
    m: &'a Map<String, Value>,
    key: &str,
    missing: (&str, String),
    out: &mut Vec<Finding>,
) -> Option<Keyed<'a>> {
    let not_key = format!("Not{key}");
    let (name, value, not) = match (m.get(key), m.get(&not_key)) {
        (Some(_), Some(_)) => {
            let both = format!("use either {key} or {not_key}, not both");
            out.push(Finding::error(&key.to_ascii_lowercase(), p, both));
            return None;
        }
        (None, None) => {
            let (code, message) = missing;
            out.push(Finding::error(code, format!("{p}.{key}"), message));
            return None;
        }
        (Some(v), None) => (key, v, false),
        (None, Some(v)) => (not_key.as_str(), v, true),
    };
    Some(Keyed {
        not,
        path: format!("{p}.{name}"),
        value,
    })
}

/// `arn:partition:service:region:account:resource` with a known partition
/// (or a wildcard) and a service.
pub(super) fn is_arn_like(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && (matches!(
            parts[1],
            "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
        ) || parts[1].contains('*')
            || parts[1].contains("${"))
        && !parts[2].is_empty()
}

/// A string or non-empty array of strings; reports anything else.
pub(super) fn string_list(p: &str, v: &Value, out: &mut Vec<Finding>) {
    match v {
        Value::String(_) => {}
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                if !x.is_string() {
                    out.push(Finding::error(
                        "type",
                        format!("{p}[{i}]"),
                        "must be a string",
                    ));
                }
            }
        }
        Value::Array(_) => out.push(Finding::error("empty", p, "must not be empty")),
        _ => out.push(Finding::error(
            "type",
            p,
            "must be a string or an array of strings",
        )),
    }
}

/// The string elements of a string-or-array value with their paths
/// (`X` for a single string, `X[i]` for array elements).
pub(super) fn elements<'a>(p: &str, v: &'a Value) -> Vec<(String, &'a str)> {
    match v {
        Value::String(s) => vec![(p.to_owned(), s.as_str())],
        Value::Array(a) => a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| Some((format!("{p}[{i}]"), x.as_str()?)))
            .collect(),
        _ => Vec::new(),
    }
}
