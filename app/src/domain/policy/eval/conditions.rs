//! Condition blocks as IAM evaluates them: every operator and every key in
//! a block must hold; a key holds when any of the request's values matches
//! any of the policy's (`ForAllValues:` every request value matches one;
//! `ForAnyValue:` one does); negated operators hold when none matches; a key
//! the request lacks fails a positive operator and passes a negated one,
//! `...IfExists` passes, `Null` tests for it.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
use super::super::expiry::parse_time;
use super::super::{wildcard_matches, Condition};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Whether a condition block holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holds {
    Yes,
    No,
    /// It names a key whose value is not known, an operator not evaluated
    /// here, or a policy variable.
    Unsure(String),
}

/// Request context keys: lower-cased name → values.
pub type Context = BTreeMap<String, Vec<String>>;

/// The marker a [`Context`] carries when its keys are all the request has
/// (a key it lacks is absent, as in AWS); without it a lacking key is
/// unknown and any condition on it is [`Holds::Unsure`].
pub const COMPLETE: &str = "latchkey:complete";

pub fn condition_holds(c: &Condition, ctx: &Context) -> Holds {
    let mut unsure = None;
    for (op, keys) in c {
        for (key, values) in keys {
            match one(op, key, values, ctx) {
                Holds::Yes => {}
                Holds::No => return Holds::No,
                Holds::Unsure(why) => {
                    unsure.get_or_insert(why);
                }
            }
        }
    }
    unsure.map_or(Holds::Yes, Holds::Unsure)
}

fn one(op: &str, key: &str, policy: &[Value], ctx: &Context) -> Holds {
    let (set, rest) = match op.split_once(':') {
        Some((q @ ("ForAllValues" | "ForAnyValue"), rest)) => (Some(q), rest),
        Some(_) => return Holds::Unsure(format!("operator {op}")),
        None => (None, op),
    };
    let (if_exists, base) = match rest.strip_suffix("IfExists") {
        Some(b) => (true, b),
        None => (false, rest),
    };
    let policy: Vec<String> = policy
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    if policy.iter().any(|v| v.contains("${")) {
        return Holds::Unsure(format!("policy variable in {key}"));
    }
    let lower = key.to_ascii_lowercase();
    let found = ctx.get(&lower).filter(|v| !v.is_empty());
    let known = found.is_some() || ctx.contains_key(COMPLETE);
    if base == "Null" {
        if !known {
            return Holds::Unsure(format!("whether the request has {key}"));
        }
        let want_absent = policy.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return yes(found.is_none() == want_absent);
    }
    let Some((negated, test)) = matcher(base) else {
        return Holds::Unsure(format!("operator {op}"));
    };
    let Some(request) = found else {
        if !known {
            return Holds::Unsure(format!("the request's {key}"));
        }
        // Absent: IfExists and ForAllValues pass, negated operators pass.
        return yes(if_exists || set == Some("ForAllValues") || (negated && set.is_none()));
    };
    let hit = |r: &String| policy.iter().any(|p| test(p, r));
    let matched = match set {
        Some("ForAllValues") => request.iter().all(hit),
        _ => request.iter().any(hit),
    };
    yes(matched != negated)
}

fn yes(b: bool) -> Holds {
    if b {
        Holds::Yes
    } else {
        Holds::No
    }
}

type Test = fn(&str, &str) -> bool;

/// (negated, does policy value match request value) of a base operator.
fn matcher(base: &str) -> Option<(bool, Test)> {
    Some(match base {
        "StringEquals" => (false, |p, r| p == r),
        "StringNotEquals" => (true, |p, r| p == r),
        "StringEqualsIgnoreCase" => (false, |p, r| p.eq_ignore_ascii_case(r)),
        "StringNotEqualsIgnoreCase" => (true, |p, r| p.eq_ignore_ascii_case(r)),
        "StringLike" => (false, |p, r| wildcard_matches(p, r, false)),
        "StringNotLike" => (true, |p, r| wildcard_matches(p, r, false)),
        "ArnEquals" | "ArnLike" => (false, |p, r| wildcard_matches(p, r, false)),
        "ArnNotEquals" | "ArnNotLike" => (true, |p, r| wildcard_matches(p, r, false)),
        "Bool" => (false, |p, r| p.eq_ignore_ascii_case(r)),
        "BinaryEquals" => (false, |p, r| p == r),
        "IpAddress" => (false, in_cidr),
        "NotIpAddress" => (true, in_cidr),
        "NumericEquals" => (false, |p, r| num(r, p, |a, b| a == b)),
        "NumericNotEquals" => (true, |p, r| num(r, p, |a, b| a == b)),
        "NumericLessThan" => (false, |p, r| num(r, p, |a, b| a < b)),
        "NumericLessThanEquals" => (false, |p, r| num(r, p, |a, b| a <= b)),
        "NumericGreaterThan" => (false, |p, r| num(r, p, |a, b| a > b)),
        "NumericGreaterThanEquals" => (false, |p, r| num(r, p, |a, b| a >= b)),
        "DateEquals" => (false, |p, r| date(r, p, |a, b| a == b)),
        "DateNotEquals" => (true, |p, r| date(r, p, |a, b| a == b)),
        "DateLessThan" => (false, |p, r| date(r, p, |a, b| a < b)),
        "DateLessThanEquals" => (false, |p, r| date(r, p, |a, b| a <= b)),
        "DateGreaterThan" => (false, |p, r| date(r, p, |a, b| a > b)),
        "DateGreaterThanEquals" => (false, |p, r| date(r, p, |a, b| a >= b)),
        _ => return None,
    })
}

fn num(request: &str, policy: &str, cmp: fn(f64, f64) -> bool) -> bool {
    match (request.trim().parse::<f64>(), policy.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => cmp(a, b),
        _ => false,
    }
}

fn date(request: &str, policy: &str, cmp: fn(i64, i64) -> bool) -> bool {
    match (parse_time(request.trim()), parse_time(policy.trim())) {
        (Some(a), Some(b)) => cmp(a, b),
        _ => false,
    }
}

/// `203.0.113.7` in `203.0.113.0/24` (or equal to a bare address); IPv4 and IPv6.
fn in_cidr(policy: &str, request: &str) -> bool {
    let Ok(ip) = request.trim().parse::<IpAddr>() else {
        return false;
    };
    let (net, bits) = match policy.trim().split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().ok()),
        None => (policy.trim(), None),
    };
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}
