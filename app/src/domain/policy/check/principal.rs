//! Principal and NotPrincipal: forbidden in identity policies, required in
//! trust and resource policies, and well-formed where present.

use super::super::finding::Finding;
use super::super::kind::PolicyKind;
use super::grammar::{elements, is_arn_like, key_or_not, string_list, Keyed};
use serde_json::{Map, Value};

pub(super) fn check_principal_keys(
    p: &str,
    m: &Map<String, Value>,
    kind: PolicyKind,
    out: &mut Vec<Finding>,
) {
    if kind.is_identity() {
        return;
    }
    let missing = (
        "principal-required",
        format!("is required in a {}", kind.label()),
    );
    let Some(Keyed { path, value: v, .. }) = key_or_not(p, m, "Principal", missing, out) else {
        return;
    };
    match v {
        Value::String(s) if s == "*" => {}
        Value::Object(map) if !map.is_empty() => {
            for (k, vals) in map {
                let kp = format!("{path}.{k}");
                if !matches!(
                    k.as_str(),
                    "AWS" | "Service" | "Federated" | "CanonicalUser"
                ) {
                    out.push(Finding::error(
                        "principal",
                        kp,
                        "principal type must be AWS, Service, Federated or CanonicalUser",
                    ));
                    continue;
                }
                string_list(&kp, vals, out);
                if k == "AWS" {
                    for (ep, s) in elements(&kp, vals) {
                        if !is_aws_principal(s) {
                            out.push(Finding::error(
                                "principal",
                                ep,
                                format!("{s:?} is not an account id, an IAM ARN or \"*\""),
                            ));
                        }
                    }
                }
            }
        }
        _ => out.push(Finding::error(
            "principal",
            path,
            "must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:root\"}",
        )),
    }
}

fn is_aws_principal(s: &str) -> bool {
    s == "*"
        || (s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()))
        || (is_arn_like(s) && (s.contains(":iam::") || s.contains(":sts::")))
}
