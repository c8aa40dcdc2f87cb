//! Condition blocks: known operators (with `IfExists` and the
//! `ForAllValues:`/`ForAnyValue:` set prefixes) and the type of their values.

use super::super::finding::Finding;
use serde_json::Value;

/// Every IAM condition operator, without `IfExists` or set prefixes.
pub const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// The base operator of `op` (`ForAnyValue:StringLikeIfExists` → `StringLike`),
/// or `None` when it is not an IAM operator. `Null` takes neither `IfExists`
/// nor a set prefix.
pub fn base_operator(op: &str) -> Option<&'static str> {
    let (set, rest) = match op.split_once(':') {
        Some(("ForAllValues" | "ForAnyValue", rest)) => (true, rest),
        Some(_) => return None,
        None => (false, op),
    };
    let (if_exists, base) = match rest.strip_suffix("IfExists") {
        Some(b) => (true, b),
        None => (false, rest),
    };
    let found = CONDITION_OPERATORS.iter().find(|o| **o == base)?;
    if *found == "Null" && (set || if_exists) {
        return None;
    }
    Some(found)
}

pub(super) fn check_condition(p: &str, v: &Value, out: &mut Vec<Finding>) {
    let Some(ops) = v.as_object() else {
        out.push(Finding::error(
            "condition",
            p,
            "must be an object of operator → {key: value}",
        ));
        return;
    };
    for (op, body) in ops {
        let op_path = format!("{p}.{op}");
        let base = base_operator(op);
        if base.is_none() {
            out.push(Finding::error(
                "condition-operator",
                op_path.clone(),
                format!("{op:?} is not a condition operator (StringEquals, ArnLike, DateLessThan, Bool…; optionally with IfExists or ForAllValues:/ForAnyValue:)"),
            ));
        }
        let Some(keys) = body.as_object().filter(|m| !m.is_empty()) else {
            out.push(Finding::error(
                "condition",
                op_path,
                "must be an object of condition key → value(s)",
            ));
            continue;
        };
        for (key, vals) in keys {
            let kp = format!("{op_path}.{key}");
            if !key.contains(':') || key.starts_with(':') || key.ends_with(':') {
                out.push(Finding::error(
                    "condition-key",
                    kp.clone(),
                    "a condition key is service:name, for example aws:SourceIp",
                ));
            }
            let items: Vec<(String, &Value)> = match vals {
                Value::Array(a) if a.is_empty() => {
                    out.push(Finding::error("empty", kp, "must not be empty"));
                    continue;
                }
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (format!("{kp}[{i}]"), x))
                    .collect(),
                one => vec![(kp, one)],
            };
            for (ip, item) in items {
                if let Some(problem) = base.and_then(|b| value_problem(b, item)) {
                    out.push(Finding::error("condition-value", ip, problem));
                }
            }
        }
    }
}

/// Why `v` is not a valid value for operator `base`, if it is not.
fn value_problem(base: &str, v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return Some("must be a string, number or boolean".into()),
    };
    // Policy variables are resolved at request time; their type is unknown here.
    if text.contains("${") {
        return None;
    }
    let ok = if base.starts_with("Numeric") {
        text.parse::<f64>().is_ok()
    } else if base.starts_with("Date") {
        super::super::expiry::parse_time(&text).is_some()
    } else if base == "Bool" || base == "Null" {
        text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false")
    } else if base.ends_with("IpAddress") {
        is_ip_or_cidr(&text)
    } else if base.starts_with("Arn") {
        text == "*" || text.starts_with("arn:")
    } else if base == "BinaryEquals" {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    } else {
        v.is_string() || v.is_number() || v.is_boolean()
    };
    (!ok).then(|| match base {
        b if b.starts_with("Numeric") => format!("{text:?} is not a number"),
        b if b.starts_with("Date") => {
            format!(
                "{text:?} is not a date (ISO 8601, e.g. 2026-11-25T10:00:00Z, or epoch seconds)"
            )
        }
        "Bool" | "Null" => format!("{text:?} must be true or false"),
        b if b.ends_with("IpAddress") => format!("{text:?} is not an IP address or CIDR block"),
        b if b.starts_with("Arn") => format!("{text:?} is not an ARN"),
        _ => format!("{text:?} is not base64"),
    })
}

fn is_ip_or_cidr(s: &str) -> bool {
    let (ip, bits) = match s.split_once('/') {
        Some((ip, bits)) => (ip, Some(bits)),
        None => (s, None),
    };
    let max = if ip.parse::<std::net::Ipv4Addr>().is_ok() {
        32
    } else if ip.parse::<std::net::Ipv6Addr>().is_ok() {
        128
    } else {
        return false;
    };
    bits.is_none_or(|b| b.parse::<u8>().is_ok_and(|n| n <= max))
}
