//! The evaluator against AWS's documented evaluation logic, one row per
//! rule: explicit deny, SCPs, boundaries, identity and resource policies in
//! one account and across accounts, NotAction/NotResource, wildcards, and
//! the condition operators with present, absent and unknown keys.
use super::*;
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const OBJECT: &str = "arn:aws:s3:::reports/2026/q4.csv";

fn doc(v: Value) -> PolicyDocument {
    PolicyDocument::from_checked_value(&json!({"Version": "2012-10-17", "Statement": v})).unwrap()
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn deny(action: &str, resource: &str) -> Value {
    json!({"Effect": "Deny", "Action": action, "Resource": resource})
}

/// A resource policy statement for `principal`.
fn grant(effect: &str, principal: Value, action: &str) -> Value {
    json!({"Effect": effect, "Principal": principal, "Action": action, "Resource": OBJECT})
}

/// What one row gives: identity, boundary, resource and SCP statements.
#[derive(Default)]
struct Row {
    identity: Vec<Value>,
    boundary: Option<Vec<Value>>,
    resource: Option<Vec<Value>>,
    /// One list of SCP documents per level, root first.
    scps: Vec<Vec<Value>>,
}

fn decide(r: &Row, call: &Call) -> Decision {
    let identity: Vec<PolicyDocument> = r.identity.iter().map(|s| doc(s.clone())).collect();
    let boundary = r.boundary.as_ref().map(|s| doc(json!(s)));
    let resource = r.resource.as_ref().map(|s| doc(json!(s)));
    let scps: Vec<Vec<PolicyDocument>> = r
        .scps
        .iter()
        .map(|level| level.iter().map(|s| doc(s.clone())).collect())
        .collect();
    let p = Policies {
        identity: identity.iter().collect(),
        boundary: boundary.as_ref(),
        resource: resource.as_ref(),
        scps: scps.iter().map(|level| level.iter().collect()).collect(),
    };
    evaluate(&p, call)
}

fn get() -> Call {
    Call::new(ROLE, "s3:GetObject", OBJECT).complete()
}

fn from_account(call: Call, account: &str) -> Call {
    Call {
        resource_account: Some(account.to_owned()),
        ..call
    }
}

const ALLOWED: Decision = Decision::Allowed;

fn not_allowed(missing: Source) -> Decision {
    Decision::NotAllowed { missing }
}

fn denied(by: Source) -> Decision {
    Decision::Denied { by, sid: None }
}

#[test]
fn the_documented_evaluation_logic_row_by_row() {
    let read = allow("s3:GetObject", "arn:aws:s3:::reports/*");
    let role = json!({"AWS": ROLE});
    let rows: Vec<(&str, Row, Call, Decision)> = vec![
        (
            "nothing allows: implicit deny",
            Row::default(),
            get(),
            not_allowed(Source::Identity),
        ),
        (
            "an identity Allow",
            Row {
                identity: vec![read.clone()],
                ..Row::default()
            },
            get(),
            ALLOWED,
        ),
        (
            "an explicit Deny beats an Allow",
            Row {
                identity: vec![read.clone(), deny("s3:*", "*")],
                ..Row::default()
            },
            get(),
            denied(Source::Identity),
        ),
        (
            "the boundary must allow too",
            Row {
                identity: vec![read.clone()],
                boundary: Some(vec![allow("sqs:*", "*")]),
                ..Row::default()
            },
            get(),
            not_allowed(Source::Boundary),
        ),
        (
            "boundary and identity both allow",
            Row {
                identity: vec![read.clone()],
                boundary: Some(vec![allow("s3:Get*", "*")]),
                ..Row::default()
            },
            get(),
            ALLOWED,
        ),
        (
            "a boundary alone grants nothing",
            Row {
                boundary: Some(vec![allow("*", "*")]),
                ..Row::default()
            },
            get(),
            not_allowed(Source::Identity),
        ),
        (
            "same account: a resource policy naming the role suffices",
            Row {
                resource: Some(vec![grant("Allow", role.clone(), "s3:GetObject")]),
                ..Row::default()
            },
            get(),
            ALLOWED,
        ),
        (
            "...but a boundary still limits a grant to the role's ARN",
            Row {
                resource: Some(vec![grant("Allow", role.clone(), "s3:GetObject")]),
                boundary: Some(vec![allow("sqs:*", "*")]),
                ..Row::default()
            },
            get(),
            not_allowed(Source::Boundary),
        ),
        (
            "a resource policy Deny wins",
            Row {
                identity: vec![read.clone()],
                resource: Some(vec![grant("Deny", json!("*"), "s3:*")]),
                ..Row::default()
            },
            get(),
            denied(Source::Resource),
        ),
        (
            "cross-account: the identity Allow alone is not enough",
            Row {
                identity: vec![read.clone()],
                ..Row::default()
            },
            from_account(get(), "444455556666"),
            not_allowed(Source::Resource),
        ),
        (
            "cross-account: the resource policy must name the account or role",
            Row {
                identity: vec![read.clone()],
                resource: Some(vec![grant(
                    "Allow",
                    json!({"AWS": "arn:aws:iam::999999999999:root"}),
                    "s3:GetObject",
                )]),
                ..Row::default()
            },
            from_account(get(), "444455556666"),
            not_allowed(Source::Resource),
        ),
        (
            "cross-account: both sides allow (the account's root)",
            Row {
                identity: vec![read.clone()],
                resource: Some(vec![grant(
                    "Allow",
                    json!({"AWS": "arn:aws:iam::111122223333:root"}),
                    "s3:GetObject",
                )]),
                ..Row::default()
            },
            from_account(get(), "444455556666"),
            ALLOWED,
        ),
        (
            "cross-account: the resource side alone is not enough",
            Row {
                resource: Some(vec![grant("Allow", role.clone(), "s3:GetObject")]),
                ..Row::default()
            },
            from_account(get(), "444455556666"),
            not_allowed(Source::Identity),
        ),
        (
            "an SCP Deny wins over everything",
            Row {
                identity: vec![read.clone()],
                scps: vec![vec![json!([allow("*", "*"), deny("s3:GetObject", "*")])]],
                ..Row::default()
            },
            get(),
            denied(Source::Scp),
        ),
        (
            "SCPs must allow the action",
            Row {
                identity: vec![read.clone()],
                scps: vec![vec![allow("sqs:*", "*")]],
                ..Row::default()
            },
            get(),
            not_allowed(Source::Scp),
        ),
        (
            "every SCP level must allow: the root's Allow is not enough",
            Row {
                identity: vec![read.clone()],
                scps: vec![vec![allow("*", "*")], vec![allow("sqs:*", "*")]],
                ..Row::default()
            },
            get(),
            not_allowed(Source::Scp),
        ),
        (
            "every SCP level allows",
            Row {
                identity: vec![read.clone()],
                scps: vec![
                    vec![allow("*", "*")],
                    vec![allow("s3:*", "*"), allow("sqs:*", "*")],
                ],
                ..Row::default()
            },
            get(),
            ALLOWED,
        ),
        (
            "NotAction allows everything else",
            Row {
                identity: vec![json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
                ..Row::default()
            },
            get(),
            ALLOWED,
        ),
        (
            "NotAction does not allow what it names",
            Row {
                identity: vec![json!({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})],
                ..Row::default()
            },
            get(),
            not_allowed(Source::Identity),
        ),
        (
            "NotResource Deny applies outside its resources",
            Row {
                identity: vec![
                    allow("s3:*", "*"),
                    json!({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::other/*"}),
                ],
                ..Row::default()
            },
            get(),
            denied(Source::Identity),
        ),
        (
            "actions match without regard to case, with wildcards",
            Row {
                identity: vec![allow("S3:get*", "arn:aws:s3:::reports/2026/*")],
                ..Row::default()
            },
            get(),
            ALLOWED,
        ),
        (
            "resources match with case: a bucket pattern is not its objects",
            Row {
                identity: vec![
                    allow("s3:GetObject", "arn:aws:s3:::Reports/*"),
                    allow("s3:GetObject", "arn:aws:s3:::reports"),
                ],
                ..Row::default()
            },
            get(),
            not_allowed(Source::Identity),
        ),
    ];
    for (name, row, call, want) in rows {
        assert_eq!(decide(&row, &call), want, "{name}");
    }
}

/// An Allow of s3:GetObject under `condition`.
fn allow_if(condition: Value) -> Row {
    Row {
        identity: vec![
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}),
        ],
        ..Row::default()
    }
}

/// Allow everything, Deny s3:GetObject under `condition`.
fn deny_if(condition: Value) -> Row {
    Row {
        identity: vec![
            allow("*", "*"),
            json!({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}),
        ],
        ..Row::default()
    }
}

#[test]
fn condition_operators_with_present_absent_and_unknown_keys() {
    let office = json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}});
    let team = json!({"StringEquals": {"aws:PrincipalTag/team": "data"}});
    let rows: Vec<(&str, Row, Call, bool)> = vec![
        (
            "IPv4 in the range",
            allow_if(office.clone()),
            get().with("aws:SourceIp", &["203.0.113.7"]),
            true,
        ),
        (
            "IPv6 in the range",
            allow_if(office.clone()),
            get().with("aws:SourceIp", &["2001:db8::1"]),
            true,
        ),
        (
            "outside the range",
            allow_if(office.clone()),
            get().with("aws:SourceIp", &["198.51.100.1"]),
            false,
        ),
        (
            "absent: a positive operator fails",
            allow_if(office.clone()),
            get(),
            false,
        ),
        (
            "a tag, names in any case",
            allow_if(team.clone()),
            get().with("aws:principaltag/team", &["data"]),
            true,
        ),
        (
            "a tag of another value",
            allow_if(team.clone()),
            get().with("aws:PrincipalTag/team", &["web"]),
            false,
        ),
        (
            "IfExists passes when absent",
            allow_if(json!({"StringEqualsIfExists": {"aws:PrincipalTag/team": "data"}})),
            get(),
            true,
        ),
        (
            "Null true: absent",
            allow_if(json!({"Null": {"aws:SourceVpc": "true"}})),
            get(),
            true,
        ),
        (
            "Null false: present",
            allow_if(json!({"Null": {"aws:SourceVpc": "false"}})),
            get().with("aws:SourceVpc", &["vpc-1"]),
            true,
        ),
        (
            "StringLike with wildcards",
            allow_if(json!({"StringLike": {"s3:prefix": ["home/*"]}})),
            get().with("s3:prefix", &["home/erin/"]),
            true,
        ),
        (
            "ForAnyValue: one value matches",
            allow_if(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}})),
            get().with("aws:TagKeys", &["cost", "team"]),
            true,
        ),
        (
            "ForAllValues: every value must match",
            allow_if(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}})),
            get().with("aws:TagKeys", &["cost", "team"]),
            false,
        ),
        (
            "Numeric and Bool",
            allow_if(
                json!({"NumericLessThan": {"s3:max-keys": "100"}, "Bool": {"aws:SecureTransport": "true"}}),
            ),
            get()
                .with("s3:max-keys", &["10"])
                .with("aws:SecureTransport", &["true"]),
            true,
        ),
        (
            "temporary access: before the end",
            allow_if(json!({"DateLessThan": {"aws:CurrentTime": "2026-12-31T00:00:00Z"}})),
            get().with("aws:CurrentTime", &["2026-12-05T10:00:00Z"]),
            true,
        ),
        (
            "temporary access: after the end",
            allow_if(json!({"DateLessThan": {"aws:CurrentTime": "2026-12-31T00:00:00Z"}})),
            get().with("aws:CurrentTime", &["2027-01-02T10:00:00Z"]),
            false,
        ),
        (
            "Deny outside the VPC: absent key, negated operator, denied",
            deny_if(json!({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}})),
            get(),
            false,
        ),
        (
            "Deny outside the VPC: from inside, allowed",
            deny_if(json!({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}})),
            get().with("aws:SourceVpc", &["vpc-1"]),
            true,
        ),
        (
            "Deny over plain HTTP",
            deny_if(json!({"Bool": {"aws:SecureTransport": "false"}})),
            get().with("aws:SecureTransport", &["false"]),
            false,
        ),
    ];
    for (name, row, call, want) in rows {
        assert_eq!(decide(&row, &call).is_allowed(), want, "{name}");
    }
}

#[test]
fn what_cannot_be_judged_is_said_not_guessed() {
    // The request's IP is not known (the context is not complete).
    let call = Call::new(ROLE, "s3:GetObject", OBJECT);
    let office = json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}});
    assert!(matches!(
        decide(&allow_if(office.clone()), &call),
        Decision::Unknown { .. }
    ));
    // An unknown Deny may still apply to an allowed call.
    assert!(matches!(
        decide(&deny_if(office), &call),
        Decision::Unknown { .. }
    ));
    // A policy variable, an operator it does not know.
    let var = json!({"StringLike": {"s3:prefix": "home/${aws:username}/*"}});
    assert!(matches!(
        decide(&allow_if(var), &get()),
        Decision::Unknown { .. }
    ));
    let odd = json!({"StringFancy": {"s3:prefix": "x"}});
    assert!(matches!(
        decide(&allow_if(odd), &get()),
        Decision::Unknown { .. }
    ));
    // A condition on a known key is judged even when others are unknown.
    let team = json!({"StringEquals": {"aws:PrincipalArn": ROLE}});
    assert_eq!(decide(&allow_if(team), &call), Decision::Allowed);
    // And the reason reads as one.
    let d = decide(
        &Row {
            identity: vec![allow("s3:*", "*")],
            boundary: Some(vec![allow("sqs:*", "*")]),
            ..Row::default()
        },
        &get(),
    );
    assert_eq!(d.explain(), "not allowed by the permissions boundary");
}
