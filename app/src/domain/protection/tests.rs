//! The generated policy, judged by Latchkey's own evaluator as AWS would:
//! a call from the account's NAT gateway, Elastic IP, VPC endpoint or an
//! extra range passes; the same credentials anywhere else are refused;
//! AWS services acting for the principal are exempt.
use super::*;
use crate::domain::policy::eval::{evaluate, Call, Decision, Policies, Source};

const ROLE: &str = "arn:aws:iam::111122223333:role/app";

fn networks() -> Networks {
    Networks {
        nat_ips: ["203.0.113.10".to_owned()].into(),
        elastic_ips: ["198.51.100.20".to_owned()].into(),
        vpcs: ["vpc-0a1b2c3d".to_owned()].into(),
    }
}

fn allow_all() -> PolicyDocument {
    PolicyDocument::from_checked_value(&json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    }))
    .unwrap()
}

/// What AWS decides for `s3:GetObject` made with `context`.
fn decide(policy: &PolicyDocument, context: &[(&str, &str)]) -> Decision {
    let all = allow_all();
    let p = Policies {
        identity: vec![&all, policy],
        ..Default::default()
    };
    let mut call = Call::new(ROLE, "s3:GetObject", "arn:aws:s3:::reports/q4.csv").complete();
    for (k, v) in context {
        call = call.with(k, &[v]);
    }
    evaluate(&p, &call)
}

fn refused() -> Decision {
    Decision::Denied {
        by: Source::Identity,
        sid: Some(SID.to_owned()),
    }
}

#[test]
fn calls_from_the_accounts_networks_pass_and_others_are_refused() {
    let p = protection_policy(&networks(), &["192.0.2.0/24".to_owned()]).unwrap();
    type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    let rows: &[Row] = &[
        (
            "from the NAT gateway",
            &[("aws:SourceIp", "203.0.113.10")],
            true,
        ),
        (
            "from the Elastic IP",
            &[("aws:SourceIp", "198.51.100.20")],
            true,
        ),
        (
            "from the office range",
            &[("aws:SourceIp", "192.0.2.77")],
            true,
        ),
        (
            "through a VPC endpoint of the account",
            &[("aws:SourceVpc", "vpc-0a1b2c3d")],
            true,
        ),
        (
            "by an AWS service for the principal",
            &[
                ("aws:SourceIp", "54.240.1.1"),
                ("aws:ViaAWSService", "true"),
            ],
            true,
        ),
        (
            "from a laptop on the internet",
            &[("aws:SourceIp", "100.64.9.9")],
            false,
        ),
        (
            "from a neighbour of the NAT gateway",
            &[("aws:SourceIp", "203.0.113.11")],
            false,
        ),
        (
            "through another VPC's endpoint",
            &[("aws:SourceVpc", "vpc-99999999")],
            false,
        ),
        (
            "from outside, claiming no AWS service",
            &[
                ("aws:SourceIp", "100.64.9.9"),
                ("aws:ViaAWSService", "false"),
            ],
            false,
        ),
    ];
    for (what, ctx, passes) in rows {
        let got = decide(&p, ctx);
        if *passes {
            assert_eq!(got, Decision::Allowed, "{what}");
        } else {
            assert_eq!(got, refused(), "{what}");
        }
    }
}

#[test]
fn with_only_vpcs_every_call_must_come_through_an_endpoint() {
    let n = Networks {
        vpcs: ["vpc-0a1b2c3d".to_owned()].into(),
        ..Default::default()
    };
    let p = protection_policy(&n, &[]).unwrap();
    let text = p.to_pretty();
    assert!(!text.contains("aws:SourceIp"), "{text}");
    assert_eq!(
        decide(&p, &[("aws:SourceVpc", "vpc-0a1b2c3d")]),
        Decision::Allowed
    );
    assert_eq!(decide(&p, &[("aws:SourceIp", "203.0.113.10")]), refused());
}

#[test]
fn an_account_without_networks_gets_no_policy_rather_than_a_lockout() {
    assert_eq!(
        protection_policy(&Networks::default(), &[]).unwrap_err(),
        ProtectionError::NoNetworks
    );
    // Extra ranges alone are enough.
    let p = protection_policy(&Networks::default(), &["192.0.2.0/24".to_owned()]).unwrap();
    assert_eq!(
        decide(&p, &[("aws:SourceIp", "192.0.2.1")]),
        Decision::Allowed
    );
}

#[test]
fn the_document_is_stable_sorted_and_deduplicated() {
    let mut n = networks();
    n.nat_ips.insert("198.51.100.20".to_owned());
    let a = protection_policy(&n, &["192.0.2.0/24".to_owned()]).unwrap();
    let b = protection_policy(&n, &["192.0.2.0/24".to_owned()]).unwrap();
    assert_eq!(a.to_pretty(), b.to_pretty());
    let ips = &a.as_json()["Statement"][0]["Condition"]["NotIpAddressIfExists"]["aws:SourceIp"];
    assert_eq!(
        ips,
        &json!(["192.0.2.0/24", "198.51.100.20/32", "203.0.113.10/32"])
    );
}

#[test]
fn too_many_addresses_are_refused_with_the_size_rule() {
    let n = Networks {
        elastic_ips: (0..400)
            .map(|i| format!("10.{}.{}.1", i / 250, i % 250))
            .collect(),
        ..Default::default()
    };
    let err = protection_policy(&n, &[]).unwrap_err();
    assert!(matches!(&err, ProtectionError::Refused(_)), "{err:?}");
    assert!(err.to_string().contains("6144"), "{err}");
}

#[test]
fn cidr_ranges_are_checked() {
    for ok in ["192.0.2.0/24", "10.0.0.1/32", "2001:db8::/32", "0.0.0.0/0"] {
        assert!(is_cidr(ok), "{ok}");
    }
    for bad in [
        "192.0.2.0",
        "192.0.2.0/33",
        "2001:db8::/129",
        "office",
        "10.0.0/8",
        "",
    ] {
        assert!(!is_cidr(bad), "{bad}");
    }
}

#[test]
fn ip_restricted_credentials_work_only_from_the_ranges_or_via_a_service() {
    let doc = PolicyDocument::from_checked_value(
        &serde_json::from_str(&ip_session_policy(&["192.0.2.0/24".to_owned()])).unwrap(),
    )
    .unwrap();
    let deny = Decision::Denied {
        by: Source::Identity,
        sid: Some("LatchkeyIpRestriction".to_owned()),
    };
    assert_eq!(
        decide(&doc, &[("aws:SourceIp", "192.0.2.9")]),
        Decision::Allowed
    );
    assert_eq!(decide(&doc, &[("aws:SourceIp", "198.51.100.1")]), deny);
    let via = [
        ("aws:SourceIp", "54.240.1.1"),
        ("aws:ViaAWSService", "true"),
    ];
    assert_eq!(decide(&doc, &via), Decision::Allowed);
}
