//! IAM identity policy documents: parsing and validation shared by the
//! browser and the server, so a form shows the same findings the server enforces.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Inline role policies may hold at most this many non-whitespace characters (AWS quota).
pub const INLINE_ROLE_POLICY_MAX_CHARS: usize = 10_240;

/// One thing wrong with a policy, located by a JSON path such as `Statement[1].Action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFinding {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for PolicyFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A validated identity-based policy document (the kind attached to a role).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDocument(Value);

impl PolicyDocument {
    /// Parses JSON text and checks the IAM grammar of an identity policy.
    pub fn parse_identity_policy(text: &str) -> Result<Self, Vec<PolicyFinding>> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            vec![PolicyFinding {
                path: format!("line {}, column {}", e.line(), e.column()),
                message: format!("not valid JSON: {e}"),
            }]
        })?;
        let findings = check_identity_policy(&value);
        if findings.is_empty() {
            let size = text.chars().filter(|c| !c.is_whitespace()).count();
            if size > INLINE_ROLE_POLICY_MAX_CHARS {
                return Err(vec![PolicyFinding {
                    path: "(document)".into(),
                    message: format!(
                        "inline role policies are limited to {INLINE_ROLE_POLICY_MAX_CHARS} non-whitespace characters; this one has {size}"
                    ),
                }]);
            }
            Ok(Self(value))
        } else {
            Err(findings)
        }
    }

    pub fn as_json(&self) -> &Value {
        &self.0
    }

    /// Compact JSON, the form sent to AWS.
    pub fn to_compact(&self) -> String {
        self.0.to_string()
    }

    pub fn to_pretty(&self) -> String {
        pretty(&self.0)
    }
}

/// Pretty-prints any JSON value with two-space indentation.
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn finding(path: impl Into<String>, message: impl Into<String>) -> PolicyFinding {
    PolicyFinding {
        path: path.into(),
        message: message.into(),
    }
}

/// Every grammar problem in an identity policy; empty when it is valid.
pub fn check_identity_policy(v: &Value) -> Vec<PolicyFinding> {
    let mut out = Vec::new();
    let Some(obj) = v.as_object() else {
        out.push(finding("(document)", "a policy must be a JSON object"));
        return out;
    };
    for key in obj.keys() {
        if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
            out.push(finding(
                key.clone(),
                "unknown top-level key; allowed are Version, Id and Statement",
            ));
        }
    }
    match obj.get("Version") {
        Some(Value::String(s)) if s == "2012-10-17" || s == "2008-10-17" => {}
        Some(_) => out.push(finding("Version", "must be \"2012-10-17\"")),
        None => out.push(finding("Version", "is required; use \"2012-10-17\"")),
    }
    let statements: Vec<&Value> = match obj.get("Statement") {
        Some(Value::Array(a)) if !a.is_empty() => a.iter().collect(),
        Some(Value::Array(_)) => {
            out.push(finding("Statement", "must hold at least one statement"));
            vec![]
        }
        Some(s @ Value::Object(_)) => vec![s],
        Some(_) => {
            out.push(finding(
                "Statement",
                "must be an object or an array of objects",
            ));
            vec![]
        }
        None => {
            out.push(finding("Statement", "is required"));
            vec![]
        }
    };
    let mut sids = HashSet::new();
    for (i, st) in statements.iter().enumerate() {
        let p = format!("Statement[{i}]");
        match st.as_object() {
            Some(m) => check_statement(&p, m, &mut sids, &mut out),
            None => out.push(finding(p, "each statement must be an object")),
        }
    }
    out
}

fn check_statement(
    p: &str,
    m: &Map<String, Value>,
    sids: &mut HashSet<String>,
    out: &mut Vec<PolicyFinding>,
) {
    for key in m.keys() {
        match key.as_str() {
            "Sid" | "Effect" | "Action" | "NotAction" | "Resource" | "NotResource"
            | "Condition" => {}
            "Principal" | "NotPrincipal" => out.push(finding(
                format!("{p}.{key}"),
                "is not allowed in a policy attached to a role (only in resource and trust policies)",
            )),
            _ => out.push(finding(format!("{p}.{key}"), "unknown statement key")),
        }
    }
    if let Some(sid) = m.get("Sid") {
        match sid.as_str() {
            Some(s) if s.chars().all(|c| c.is_ascii_alphanumeric()) => {
                if !sids.insert(s.to_owned()) {
                    out.push(finding(
                        format!("{p}.Sid"),
                        format!("Sid {s:?} is used twice"),
                    ));
                }
            }
            _ => out.push(finding(
                format!("{p}.Sid"),
                "must be a string of letters and digits",
            )),
        }
    }
    match m.get("Effect").and_then(Value::as_str) {
        Some("Allow" | "Deny") => {}
        Some(other) => out.push(finding(
            format!("{p}.Effect"),
            format!("must be \"Allow\" or \"Deny\", got {other:?}"),
        )),
        None => out.push(finding(
            format!("{p}.Effect"),
            "is required (\"Allow\" or \"Deny\")",
        )),
    }
    match (m.get("Action"), m.get("NotAction")) {
        (Some(_), Some(_)) => out.push(finding(p, "use either Action or NotAction, not both")),
        (None, None) => out.push(finding(format!("{p}.Action"), "is required")),
        (Some(a), None) => check_actions(&format!("{p}.Action"), a, out),
        (None, Some(a)) => check_actions(&format!("{p}.NotAction"), a, out),
    }
    match (m.get("Resource"), m.get("NotResource")) {
        (Some(_), Some(_)) => out.push(finding(p, "use either Resource or NotResource, not both")),
        (None, None) => out.push(finding(format!("{p}.Resource"), "is required")),
        (Some(r), None) => check_resources(&format!("{p}.Resource"), r, out),
        (None, Some(r)) => check_resources(&format!("{p}.NotResource"), r, out),
    }
    if let Some(c) = m.get("Condition") {
        check_condition(&format!("{p}.Condition"), c, out);
    }
}

fn strings<'a>(p: &str, v: &'a Value, out: &mut Vec<PolicyFinding>) -> Vec<&'a str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) if !a.is_empty() => {
            let mut r = Vec::new();
            for (i, x) in a.iter().enumerate() {
                match x.as_str() {
                    Some(s) => r.push(s),
                    None => out.push(finding(format!("{p}[{i}]"), "must be a string")),
                }
            }
            r
        }
        Value::Array(_) => {
            out.push(finding(p, "must not be empty"));
            vec![]
        }
        _ => {
            out.push(finding(p, "must be a string or an array of strings"));
            vec![]
        }
    }
}

fn check_actions(p: &str, v: &Value, out: &mut Vec<PolicyFinding>) {
    for a in strings(p, v, out) {
        if a == "*" {
            continue;
        }
        let ok = match a.split_once(':') {
            Some((svc, act)) => {
                !svc.is_empty()
                    && svc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !act.is_empty()
                    && act
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
            }
            None => false,
        };
        if !ok {
            out.push(finding(
                p,
                format!("{a:?} is not an action; write service:Action, for example s3:GetObject"),
            ));
        }
    }
}

fn check_resources(p: &str, v: &Value, out: &mut Vec<PolicyFinding>) {
    for r in strings(p, v, out) {
        if r != "*" && !(r.starts_with("arn:") && r.split(':').count() >= 6) {
            out.push(finding(
                p,
                format!("{r:?} is not an ARN; write \"*\" or arn:partition:service:region:account:resource"),
            ));
        }
    }
}

fn check_condition(p: &str, v: &Value, out: &mut Vec<PolicyFinding>) {
    let Some(ops) = v.as_object() else {
        out.push(finding(p, "must be an object of operator -> {key: value}"));
        return;
    };
    for (op, body) in ops {
        let ok_body = body.as_object().is_some_and(|m| !m.is_empty());
        if !ok_body {
            out.push(finding(
                format!("{p}.{op}"),
                "must be an object of condition key -> value(s)",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:List*"],"Resource":"arn:aws:s3:::demo-bucket/*"}]}"#;

    #[test]
    fn accepts_a_valid_policy() {
        let d = PolicyDocument::parse_identity_policy(GOOD).unwrap();
        assert_eq!(d.as_json()["Statement"][0]["Sid"], "Read");
        assert!(d.to_pretty().contains("\n  \"Statement\""));
    }

    #[test]
    fn accepts_single_statement_object_and_condition() {
        let p = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}}"#;
        assert!(PolicyDocument::parse_identity_policy(p).is_ok());
    }

    fn findings(text: &str) -> Vec<String> {
        PolicyDocument::parse_identity_policy(text)
            .unwrap_err()
            .into_iter()
            .map(|f| f.to_string())
            .collect()
    }

    #[test]
    fn bad_json_names_the_position() {
        let f = findings(r#"{"Version": "2012-10-17", "Statement": [}"#);
        assert_eq!(f.len(), 1);
        assert!(f[0].starts_with("line 1, column"), "{f:?}");
        assert!(f[0].contains("not valid JSON"));
    }

    #[test]
    fn missing_version_and_bad_effect_are_named() {
        let f = findings(
            r#"{"Statement":[{"Effect":"Permit","Action":"s3:GetObject","Resource":"*"}]}"#,
        );
        assert!(f.iter().any(|x| x.starts_with("Version:")), "{f:?}");
        assert!(
            f.iter()
                .any(|x| x.starts_with("Statement[0].Effect:") && x.contains("Permit")),
            "{f:?}"
        );
    }

    #[test]
    fn principal_is_refused_in_identity_policies() {
        let f = findings(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
        );
        assert!(
            f.iter().any(|x| x.starts_with("Statement[0].Principal:")),
            "{f:?}"
        );
    }

    #[test]
    fn malformed_actions_resources_and_duplicate_sids_are_named() {
        let f = findings(
            r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"A","Effect":"Allow","Action":"getobject","Resource":"bucket"},
            {"Sid":"A","Effect":"Allow","Action":[],"Resource":"*"}]}"#,
        );
        assert!(
            f.iter()
                .any(|x| x.starts_with("Statement[0].Action:") && x.contains("getobject")),
            "{f:?}"
        );
        assert!(
            f.iter()
                .any(|x| x.starts_with("Statement[0].Resource:") && x.contains("bucket")),
            "{f:?}"
        );
        assert!(
            f.iter()
                .any(|x| x.starts_with("Statement[1].Sid:") && x.contains("twice")),
            "{f:?}"
        );
        assert!(
            f.iter()
                .any(|x| x.starts_with("Statement[1].Action:") && x.contains("empty")),
            "{f:?}"
        );
    }

    #[test]
    fn action_and_not_action_together_is_refused() {
        let f = findings(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}]}"#,
        );
        assert!(
            f.iter().any(|x| x.contains("either Action or NotAction")),
            "{f:?}"
        );
    }

    #[test]
    fn oversized_policy_is_refused() {
        let actions: Vec<String> = (0..1200).map(|i| format!("\"s3:GetObject{i}\"")).collect();
        let p = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
            actions.join(",")
        );
        let f = findings(&p);
        assert!(f[0].contains("10240"), "{f:?}");
    }

    #[test]
    fn non_object_documents_are_refused() {
        assert!(findings("[]")[0].contains("must be a JSON object"));
    }
}
