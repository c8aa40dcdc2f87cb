//! Policy checks: grammar, catalogue (known services and actions, resource
//! types), size limits and risk warnings. Every finding carries the JSON path
//! and, when checked from text, the line and column of the problem.
//!
//! Severity policy: anything AWS would reject, or that certainly does not do
//! what it says (an unknown action, `s3:GetObject` on a bucket ARN,
//! `sqs:SendMessage` on an SNS topic), is an `Error`. Things AWS accepts but a
//! reviewer should look at (wildcards, privilege escalation, public
//! principals, an action that only takes `"Resource": "*"` given an ARN) are
//! `Warning`s.

mod actions;
mod condition;
mod grammar;
mod principal;
mod risk;

pub use actions::arn_matches_type;
pub use condition::{base_operator, CONDITION_OPERATORS};
pub use risk::PRIVILEGE_ESCALATION_ACTIONS;

use super::finding::{Finding, Severity};
use super::kind::{PolicyKind, SizeRule};
use super::span::Spans;
use serde_json::Value;

/// Every finding for a policy text of `kind`, errors first, then by position.
pub fn check_policy(text: &str, kind: PolicyKind) -> Vec<Finding> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let mut f = Finding::error("json", "(document)", format!("not valid JSON: {e}"));
            f.line = u32::try_from(e.line()).unwrap_or(u32::MAX);
            f.column = u32::try_from(e.column()).unwrap_or(u32::MAX);
            return vec![f];
        }
    };
    // Size first: an oversized document is refused without analysing it,
    // so a huge one cannot buy CPU (wildcards are expanded per action).
    if let Some(f) = check_size(text, &v, kind) {
        return vec![f];
    }
    let spans = Spans::scan(text);
    let mut out = check_value(&v, kind);
    for d in &spans.duplicates {
        out.push(Finding::error(
            "duplicate-key",
            d.clone(),
            "this key appears more than once; only one of them would count",
        ));
    }
    for f in &mut out {
        if let Some((line, column)) = spans.locate(&f.path) {
            f.line = line;
            f.column = column;
        }
    }
    out.sort_by_key(|f| (f.severity, f.line, f.column));
    out
}

/// Distinct wildcard actions one document may hold: each is expanded
/// against the whole catalogue, so this bounds the work a check costs.
pub const MAX_WILDCARD_ACTIONS: usize = 50;

/// The distinct `Action`/`NotAction` patterns with `*` or `?` in `v`.
fn wildcard_actions(v: &Value) -> usize {
    let statements = match &v["Statement"] {
        Value::Array(a) => a.iter().collect(),
        s @ Value::Object(_) => vec![s],
        _ => Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    for st in statements {
        for key in ["Action", "NotAction"] {
            for a in str_list(st.get(key)) {
                if a.contains(['*', '?']) {
                    seen.insert(a.to_ascii_lowercase());
                }
            }
        }
    }
    seen.len()
}

/// Findings on an already parsed JSON value, without positions or size limits.
pub fn check_value(v: &Value, kind: PolicyKind) -> Vec<Finding> {
    let wildcards = wildcard_actions(v);
    if wildcards > MAX_WILDCARD_ACTIONS {
        return vec![Finding::error(
            "too-many-wildcards",
            "(document)",
            format!(
                "{wildcards} different wildcard actions; at most {MAX_WILDCARD_ACTIONS} can be checked: name the actions, or use fewer patterns"
            ),
        )];
    }
    let mut out = Vec::new();
    let statements = grammar::check_document(v, kind, &mut out);
    for (path, st) in &statements {
        actions::check_statement(path, st, kind, &mut out);
    }
    risk::check_statements(&statements, kind, &mut out);
    out
}

/// True when `findings` hold no error.
pub fn is_valid(findings: &[Finding]) -> bool {
    !findings.iter().any(|f| f.severity == Severity::Error)
}

fn check_size(text: &str, v: &Value, kind: PolicyKind) -> Option<Finding> {
    let (size, limit, unit) = match kind.size_rule() {
        SizeRule::NonWhitespaceChars(limit) => (
            text.chars().filter(|c| !c.is_whitespace()).count(),
            limit,
            "non-whitespace characters",
        ),
        SizeRule::CompactBytes(limit) => (v.to_string().len(), limit, "bytes"),
    };
    (size > limit).then(|| {
        Finding::error(
            "size",
            "(document)",
            format!(
                "a {} may hold at most {limit} {unit}; this one has {size}",
                kind.label()
            ),
        )
    })
}

/// The strings of a string-or-array value; other values yield nothing.
fn str_list(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
