//! One good and one bad policy (at least) for every check.

mod catalogue_and_risk;
mod grammar;
mod parser_properties;

use super::super::{check_policy, PolicyKind, Severity};

pub(super) fn codes(text: &str, kind: PolicyKind) -> Vec<(Severity, String, String)> {
    check_policy(text, kind)
        .into_iter()
        .map(|f| (f.severity, f.code, f.path))
        .collect()
}

pub(super) fn errors(text: &str, kind: PolicyKind) -> Vec<String> {
    check_policy(text, kind)
        .into_iter()
        .filter(|f| f.is_error())
        .map(|f| format!("{}@{}", f.code, f.path))
        .collect()
}

pub(super) fn warnings(text: &str, kind: PolicyKind) -> Vec<String> {
    check_policy(text, kind)
        .into_iter()
        .filter(|f| !f.is_error())
        .map(|f| format!("{}@{}", f.code, f.path))
        .collect()
}

pub(super) fn inline(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

pub(super) const GOOD: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:List*"],"Resource":["arn:aws:s3:::demo-bucket/*","arn:aws:s3:::demo-bucket"]}]}"#;

/// Asserts that `found` (codes@paths) holds every one of `expected`, naming
/// the one that is missing and showing all that were found.
#[track_caller]
pub(super) fn assert_has(found: &[String], expected: &[&str]) {
    for x in expected {
        assert!(found.iter().any(|f| f == x), "{x} missing from {found:?}");
    }
}

/// Asserts that `statement`, alone in a policy of `kind`, has exactly the
/// errors `expected` (codes@paths).
#[track_caller]
pub(super) fn assert_errors(statement: &str, kind: PolicyKind, expected: &[&str]) {
    assert_eq!(errors(&inline(statement), kind), expected, "{statement}");
}
