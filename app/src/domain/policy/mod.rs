//! Policy engine shared by the browser and the server, so a form shows the
//! same findings the server enforces: the document model, checks, the action
//! catalogue, least-privilege generation from intents, merge/minimise, diff,
//! cross-account resource-policy changes and temporary access. Pure and
//! wasm-safe: no I/O, no clock (callers pass `now`).
//!
//! Entry points:
//! * [`PolicyDocument::parse`] / [`check_policy`]: text → checked document or findings.
//! * [`catalogue`]: services, actions, autocomplete, wildcard expansion.
//! * [`intent::generate`]: [`Intent`]s → statements; [`merge::merge`] them into
//!   what a principal has; [`diff::diff`] old and new text.
//! * [`cross_account::cross_account_changes`]: resource/trust policy statements
//!   other accounts need.
//! * [`expiry::with_expiry`] / [`expiry::remove_expired`]: temporary access.

pub mod catalogue;
mod check;
pub mod cross_account;
pub mod diff;
mod document;
pub mod eval;
pub mod expiry;
mod finding;
pub mod intent;
mod kind;
pub mod merge;
mod narrowing;
mod span;
mod statements;

pub use crate::domain::wildcard::{action_matches, matches as wildcard_matches};
pub use check::{
    arn_matches_type, base_operator, check_policy, check_value, is_valid, CONDITION_OPERATORS,
    PRIVILEGE_ESCALATION_ACTIONS,
};
pub use cross_account::{
    add_statement_to_resource_policy, cross_account_changes, GeneratedResourceChange,
    ResourcePolicyKind,
};
pub use diff::{diff, DiffKind, DiffLine};
pub use document::{Condition, Effect, PolicyDocument, Principal, Statement, VERSION};
pub use expiry::{
    expire_new_statements, format_rfc3339, parse_time, remove_expired, remove_expired_grants,
    with_expiry,
};
pub use finding::{is_high_risk, Finding, PolicyFinding, Severity, HIGH_RISK_CODES};
pub use intent::{generate, ActionGroup, Intent, IntentError, ResourceTarget};
pub use kind::{PolicyKind, SizeRule, TRUST_ACTIONS};
pub use merge::{merge, merge_with};
pub use narrowing::narrows;
pub use statements::content_sid;

use serde_json::Value;

/// Inline role policies may hold at most this many non-whitespace characters (AWS quota).
pub const INLINE_ROLE_POLICY_MAX_CHARS: usize = 10_240;

/// A document that passed the checks, with the warnings it still has.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub doc: PolicyDocument,
    pub warnings: Vec<Finding>,
}

impl Checked {
    /// True when a warning makes this change need a second approver.
    pub fn is_high_risk(&self) -> bool {
        is_high_risk(&self.warnings)
    }
}

impl PolicyDocument {
    /// Parses and checks `text` as a policy of `kind`. `Err` holds every
    /// finding (errors and warnings, sorted errors first) when any is an error.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Checked, Vec<Finding>> {
        let findings = check_policy(text, kind);
        if !is_valid(&findings) {
            return Err(findings);
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            vec![Finding::error(
                "json",
                "(document)",
                format!("not valid JSON: {e}"),
            )]
        })?;
        match PolicyDocument::from_checked_value(&value) {
            Some(doc) => Ok(Checked {
                doc,
                warnings: findings,
            }),
            None => Err(vec![Finding::error(
                "document",
                "(document)",
                "not a policy document",
            )]),
        }
    }

    /// Parses and checks an inline identity policy; warnings are dropped.
    pub fn parse_identity_policy(text: &str) -> Result<Self, Vec<PolicyFinding>> {
        Self::parse(text, PolicyKind::Inline).map(|c| c.doc)
    }

    /// Findings for this document as a policy of `kind`, positioned in [`Self::to_pretty`].
    pub fn check(&self, kind: PolicyKind) -> Vec<Finding> {
        check_policy(&self.to_pretty(), kind)
    }
}

/// Pretty-prints any JSON value with two-space indentation.
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// Every grammar and catalogue problem in an inline identity policy value;
/// empty when it is valid (warnings are not included).
pub fn check_identity_policy(v: &Value) -> Vec<PolicyFinding> {
    check_value(v, PolicyKind::Inline)
        .into_iter()
        .filter(Finding::is_error)
        .collect()
}
