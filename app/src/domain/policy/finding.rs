//! What a check says about a policy: a [`Finding`] with a severity, a stable
//! code, a JSON path and the line/column of that path in the text.

use serde::{Deserialize, Serialize};

/// How bad a finding is. A document with any `Error` cannot be submitted or applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong (or risky) in a policy.
///
/// `path` names the JSON element (`Statement[1].Action[0]`, `Version`,
/// `(document)` for the whole text). `line`/`column` are 1-based positions of
/// that element in the checked text; both are 0 when the finding was made on a
/// JSON value without text (for example [`super::check_identity_policy`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable machine-readable code, e.g. `unknown-action`, `privilege-escalation`.
    pub code: String,
    pub path: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// The name the first version of the checks used; same type.
pub type PolicyFinding = Finding;

/// Codes of warnings that make a change "high risk" (the two-approver rule).
pub const HIGH_RISK_CODES: &[&str] = &[
    "action-wildcard-all",
    "service-wildcard",
    "resource-wildcard-write",
    "passrole-wildcard",
    "passrole-with-compute",
    "privilege-escalation",
    "public-principal",
    "allow-not-action",
    // What a change does without a document (crate::domain::change_risk).
    "admin-policy-attach",
    "eligibility-tag",
    "boundary-removed",
    "boundary-admin",
    "role-delete",
    "principal-outside-org",
];

impl Finding {
    pub fn error(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, path, message)
    }

    pub fn warning(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, path, message)
    }

    fn new(
        severity: Severity,
        code: &str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code: code.to_owned(),
            path: path.into(),
            message: message.into(),
            line: 0,
            column: 0,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// True for warnings that need a second approver when the config asks for it.
    pub fn is_high_risk(&self) -> bool {
        HIGH_RISK_CODES.contains(&self.code.as_str())
    }
}

/// True when any finding is high risk (see [`Finding::is_high_risk`]).
pub fn is_high_risk(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_high_risk)
}

impl std::fmt::Display for Finding {
    /// `Statement[0].Effect: must be "Allow" or "Deny"` (with `line L, column C: ` in
    /// front when the position is known).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}, column {}: ", self.line, self.column)?;
        }
        write!(f, "{}: {}", self.path, self.message)
    }
}
