//! AWS partitions: the standard one, China and GovCloud (US). Each has its
//! own ARN prefix, DNS suffix and console / federation hosts; one Latchkey
//! deployment serves one partition (its hub credentials live in it).
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Partition {
    #[default]
    #[serde(rename = "aws")]
    Aws,
    #[serde(rename = "aws-cn")]
    AwsCn,
    #[serde(rename = "aws-us-gov")]
    AwsUsGov,
}

impl Partition {
    pub const ALL: [Partition; 3] = [Self::Aws, Self::AwsCn, Self::AwsUsGov];

    /// `aws`, `aws-cn` or `aws-us-gov`; anything else is not a partition.
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The partition a region belongs to (`cn-north-1` is in `aws-cn`,
    /// `us-gov-west-1` in `aws-us-gov`, every other region in `aws`).
    pub fn of_region(region: &str) -> Self {
        if region.starts_with("cn-") {
            Self::AwsCn
        } else if region.starts_with("us-gov-") {
            Self::AwsUsGov
        } else {
            Self::Aws
        }
    }

    /// The partition an ARN names, if it names a known one.
    pub fn of_arn(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(3, ':');
        match (parts.next(), parts.next()) {
            (Some("arn"), Some(p)) => Self::parse(p),
            _ => None,
        }
    }

    pub fn is_aws(&self) -> bool {
        *self == Self::Aws
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::AwsCn => "aws-cn",
            Self::AwsUsGov => "aws-us-gov",
        }
    }

    /// `arn:{partition}:{service}:{region}:{account}:{resource}`.
    pub fn arn(self, service: &str, region: &str, account: &str, resource: &str) -> String {
        format!("arn:{}:{service}:{region}:{account}:{resource}", self.id())
    }

    /// Service endpoints' DNS suffix (`sqs.{region}.{suffix}`).
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Self::AwsCn => "amazonaws.com.cn",
            Self::Aws | Self::AwsUsGov => "amazonaws.com",
        }
    }

    /// The console sign-in federation endpoint (getSigninToken and login).
    pub fn federation_url(self) -> &'static str {
        match self {
            Self::Aws => "https://signin.aws.amazon.com/federation",
            Self::AwsCn => "https://signin.amazonaws.cn/federation",
            Self::AwsUsGov => "https://signin.amazonaws-us-gov.com/federation",
        }
    }

    /// The management console, in `region` when one is given.
    pub fn console_url(self, region: Option<&str>) -> String {
        let domain = match self {
            Self::Aws => "console.aws.amazon.com",
            Self::AwsCn => "console.amazonaws.cn",
            Self::AwsUsGov => "console.amazonaws-us-gov.com",
        };
        match region {
            Some(r) => format!("https://{r}.{domain}"),
            None => format!("https://{domain}"),
        }
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: lowercase
/// words joined by dashes, ending in a number.
pub fn is_region_name(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_arns_name_their_partition() {
        for (region, p) in [
            ("us-east-1", Partition::Aws),
            ("eu-west-1", Partition::Aws),
            ("cn-north-1", Partition::AwsCn),
            ("cn-northwest-1", Partition::AwsCn),
            ("us-gov-west-1", Partition::AwsUsGov),
            ("us-gov-east-1", Partition::AwsUsGov),
        ] {
            assert_eq!(Partition::of_region(region), p, "{region}");
        }
        assert_eq!(
            Partition::of_arn("arn:aws-cn:s3:::logs"),
            Some(Partition::AwsCn)
        );
        assert_eq!(
            Partition::of_arn("arn:aws-us-gov:iam::123456789012:role/x"),
            Some(Partition::AwsUsGov)
        );
        assert_eq!(Partition::of_arn("arn:aws-iso:s3:::logs"), None);
        assert_eq!(Partition::of_arn("aws:s3:::logs"), None);
    }

    #[test]
    fn each_partition_has_its_own_hosts() {
        assert_eq!(
            Partition::AwsCn.federation_url(),
            "https://signin.amazonaws.cn/federation"
        );
        assert_eq!(
            Partition::AwsUsGov.federation_url(),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            Partition::AwsCn.console_url(Some("cn-north-1")),
            "https://cn-north-1.console.amazonaws.cn"
        );
        assert_eq!(
            Partition::AwsUsGov.console_url(None),
            "https://console.amazonaws-us-gov.com"
        );
        assert_eq!(
            Partition::AwsCn.arn("sqs", "cn-north-1", "123456789012", "jobs"),
            "arn:aws-cn:sqs:cn-north-1:123456789012:jobs"
        );
        assert_eq!(Partition::AwsCn.dns_suffix(), "amazonaws.com.cn");
    }
}
