//! Whether an edited document grants nothing the one asked for did not. A
//! reviewer who trims a request to least privilege approves the requester's
//! ask; one who widens it is asking for something of their own, which
//! another approver must then decide (the self-approval rule).
//!
//! Syntactic and conservative: every Allow statement of the edit must sit
//! inside one Allow statement of the original: its actions, resources and
//! principals each covered by the original's (wildcards included), the
//! original's conditions all kept as they were (more may be added), and any
//! `NotAction`/`NotResource`/`NotPrincipal` unchanged. Deny statements only
//! take away. Anything it cannot show to be narrower counts as wider.

use super::document::{PolicyDocument, Principal, Statement};
use crate::domain::wildcard::matches;

/// True when `edited` allows nothing that `original` does not.
pub fn narrows(edited: &PolicyDocument, original: &PolicyDocument) -> bool {
    edited
        .statements()
        .iter()
        .filter(|e| e.is_allow())
        .all(|e| {
            original
                .statements()
                .iter()
                .filter(|o| o.is_allow())
                .any(|o| within(e, o))
        })
}

fn within(e: &Statement, o: &Statement) -> bool {
    e.not_action == o.not_action
        && e.not_resource == o.not_resource
        && e.not_principal == o.not_principal
        && covered_all(e.action.as_deref(), o.action.as_deref(), true)
        && covered_all(e.resource.as_deref(), o.resource.as_deref(), false)
        && principal_within(e.principal.as_ref(), o.principal.as_ref())
        && o.condition.iter().all(|(op, keys)| {
            e.condition
                .get(op)
                .is_some_and(|ek| keys.iter().all(|(k, v)| ek.get(k) == Some(v)))
        })
}

/// Every value of `e` is covered by some value of `o`; both absent is equal.
fn covered_all(e: Option<&[String]>, o: Option<&[String]>, ignore_case: bool) -> bool {
    match (e, o) {
        (None, None) => true,
        (Some(e), Some(o)) => e
            .iter()
            .all(|x| o.iter().any(|p| covers(p, x, ignore_case))),
        _ => false,
    }
}

/// `pattern` matches everything `text` can match. A `?` in the pattern could
/// stand for a wildcard of the text, so then only equality counts.
fn covers(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let same = if ignore_case {
        pattern.eq_ignore_ascii_case(text)
    } else {
        pattern == text
    };
    same || (matches(pattern, text, ignore_case)
        && !(pattern.contains('?') && text.contains(['*', '?'])))
}

fn principal_within(e: Option<&Principal>, o: Option<&Principal>) -> bool {
    match (e, o) {
        (None, None) | (Some(_), Some(Principal::Any)) => true,
        (Some(Principal::Map(e)), Some(Principal::Map(o))) => e.iter().all(|(kind, vals)| {
            o.get(kind)
                .is_some_and(|ov| covered_all(Some(vals), Some(ov), false))
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::PolicyKind;

    fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse(
            &format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#),
            PolicyKind::Inline,
        )
        .unwrap()
        .doc
    }

    const ASKED: &str = r#"{"Effect":"Allow","Action":["s3:Get*","s3:ListBucket"],"Resource":["arn:aws:s3:::logs","arn:aws:s3:::logs/*"]}"#;

    #[test]
    fn trimming_an_ask_narrows_it() {
        let asked = doc(ASKED);
        for trimmed in [
            ASKED,
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/2026/*"}"#,
            r#"{"Sid":"Less","Effect":"Allow","Action":"s3:getobject","Resource":"arn:aws:s3:::logs/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
            r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#,
        ] {
            assert!(narrows(&doc(trimmed), &asked), "{trimmed}");
        }
    }

    #[test]
    fn widening_an_ask_does_not() {
        let asked = doc(ASKED);
        for widened in [
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::logs/*"}"#,
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#,
            r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*"}"#,
            r#"{"Effect":"Allow","NotAction":"s3:GetObject","Resource":"arn:aws:s3:::logs"}"#,
        ] {
            assert!(!narrows(&doc(widened), &asked), "{widened}");
        }
        // A condition of the ask dropped in the edit widens it.
        let conditioned = doc(
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}"#,
        );
        let dropped = doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#);
        assert!(!narrows(&dropped, &conditioned));
        assert!(narrows(&conditioned, &conditioned));
    }
}
