//! Credential protection: one customer managed policy per account that
//! denies every call made with that account's role credentials from outside
//! the account's own networks: its NAT gateways' and Elastic IPs' public
//! addresses (`aws:SourceIp`), its VPCs (`aws:SourceVpc`, for calls through
//! VPC endpoints) and any ranges the operator adds (offices, VPN). Calls an
//! AWS service makes on the principal's behalf (`aws:ViaAWSService`) are
//! exempt. This is AWS's data-perimeter "expected networks" control, written
//! from what the account really has and kept up to date.
//!
//! Every condition is `...IfExists`: a call through a VPC endpoint carries no
//! `aws:SourceIp`, a call from the internet no `aws:SourceVpc`; the Deny
//! applies only when the call matches neither network.
use super::policy::{Finding, PolicyDocument, PolicyKind};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The statement id of the one statement, so a verdict can name it.
pub const SID: &str = "DenyCredentialUseOutsideAccountNetworks";

/// What an account's networks are, as read from EC2 (every configured region).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Networks {
    /// Public IPv4 addresses of NAT gateways.
    pub nat_ips: BTreeSet<String>,
    /// Allocated Elastic IP addresses.
    pub elastic_ips: BTreeSet<String>,
    /// VPC ids.
    pub vpcs: BTreeSet<String>,
}

impl Networks {
    /// The `aws:SourceIp` values: each address as a /32, then `extra` as given.
    pub fn source_ips(&self, extra: &[String]) -> Vec<String> {
        let mut out: BTreeSet<String> = self
            .nat_ips
            .iter()
            .chain(&self.elastic_ips)
            .map(|ip| {
                if ip.contains('/') {
                    ip.clone()
                } else if ip.contains(':') {
                    format!("{ip}/128")
                } else {
                    format!("{ip}/32")
                }
            })
            .collect();
        out.extend(extra.iter().cloned());
        out.into_iter().collect()
    }
}

/// Why no policy can be written for an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtectionError {
    /// Nothing to allow: the policy would refuse every use of the credentials.
    NoNetworks,
    /// IAM refuses the document (too large, most likely: too many addresses).
    Refused(Vec<Finding>),
}

impl std::fmt::Display for ProtectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoNetworks => f.write_str(
                "the account has no NAT gateway, Elastic IP or VPC and no extra ranges are \
                 configured: the policy would refuse every use of its credentials, so it is not written",
            ),
            Self::Refused(findings) => {
                let why: Vec<String> = findings
                    .iter()
                    .filter(|f| f.is_error())
                    .map(|f| f.message.clone())
                    .collect();
                write!(f, "the generated policy is not valid: {}", why.join("; "))
            }
        }
    }
}

/// The policy for an account with `networks`, plus `extra_cidrs` (already
/// checked CIDR ranges) allowed as source addresses.
pub fn protection_policy(
    networks: &Networks,
    extra_cidrs: &[String],
) -> Result<PolicyDocument, ProtectionError> {
    let ips = networks.source_ips(extra_cidrs);
    let vpcs: Vec<&String> = networks.vpcs.iter().collect();
    if ips.is_empty() && vpcs.is_empty() {
        return Err(ProtectionError::NoNetworks);
    }
    let mut condition = Map::new();
    if !ips.is_empty() {
        condition.insert(
            "NotIpAddressIfExists".into(),
            json!({ "aws:SourceIp": ips }),
        );
    }
    if !vpcs.is_empty() {
        condition.insert(
            "StringNotEqualsIfExists".into(),
            json!({ "aws:SourceVpc": vpcs }),
        );
    }
    condition.insert(
        "BoolIfExists".into(),
        json!({ "aws:ViaAWSService": "false" }),
    );
    let doc = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": SID,
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": Value::Object(condition),
        }]
    });
    PolicyDocument::parse(&doc.to_string(), PolicyKind::Managed)
        .map(|c| c.doc)
        .map_err(ProtectionError::Refused)
}

/// The session policy that restricts issued credentials to `cidrs` (as
/// ConsoleMe did for Weep): every call from elsewhere is refused, except
/// what an AWS service does for the session (`aws:ViaAWSService`); the
/// Allow keeps what the role's own policies grant (a session policy only
/// ever narrows).
pub fn ip_session_policy(cidrs: &[String]) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LatchkeyIpRestriction",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "NotIpAddress": { "aws:SourceIp": cidrs },
                    "BoolIfExists": { "aws:ViaAWSService": "false" }
                }
            },
            { "Effect": "Allow", "Action": "*", "Resource": "*" }
        ]
    })
    .to_string()
}

/// Whether a CIDR range is written as IAM's `IpAddress` operators accept it
/// (`192.0.2.0/24`, `2001:db8::/32`; a bare address is not a range).
pub fn is_cidr(text: &str) -> bool {
    let Some((addr, bits)) = text.split_once('/') else {
        return false;
    };
    let Ok(bits) = bits.parse::<u8>() else {
        return false;
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => bits <= 32,
        Ok(std::net::IpAddr::V6(_)) => bits <= 128,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests;
