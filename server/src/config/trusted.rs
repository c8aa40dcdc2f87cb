//! `[auth.trusted_headers]`: identity from an authenticating proxy.
use super::oidc::{default_groups_claim, default_user_id_claim};
use super::{invalid, ConfigError};
use app::domain::Partition;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrustedMode {
    /// AWS ALB authentication: the signed `x-amzn-oidc-data` JWT.
    Alb,
    /// Plain headers, e.g. oauth2-proxy's `X-Forwarded-User`/`-Groups`.
    Headers,
}

/// Identity from headers set by a proxy. Only requests whose socket peer is
/// in `trusted_proxies` are believed; from anywhere else the headers are ignored.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedHeadersConfig {
    /// `alb`: the ALB's signed `x-amzn-oidc-data` token; `headers`: plain user and groups headers from an authenticating proxy.
    pub mode: TrustedMode,
    /// Peers (IP networks) whose identity headers are believed; headers from anyone else are ignored.
    pub trusted_proxies: Vec<crate::auth::cidr::Cidr>,
    /// headers mode: the user id header.
    #[serde(default = "default_user_header")]
    pub user_header: String,
    /// headers mode: comma-separated groups.
    #[serde(default = "default_groups_header")]
    pub groups_header: String,
    /// alb mode: the load balancer's ARN; tokens signed by another are refused.
    pub alb_arn: Option<String>,
    /// alb mode: where public keys are fetched (`{url}/{kid}`); defaults to
    /// `https://public-keys.auth.elb.{region of alb_arn}.amazonaws.com` (the
    /// partition's own host in China and GovCloud).
    pub alb_public_key_url: Option<String>,
    /// alb mode: claims holding the groups and the user id.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    #[serde(default = "default_user_id_claim")]
    pub user_id_claim: String,
}

fn default_user_header() -> String {
    "x-forwarded-user".into()
}

fn default_groups_header() -> String {
    "x-forwarded-groups".into()
}

impl TrustedHeadersConfig {
    /// The ALB public key base URL (validated at load).
    pub fn alb_key_url(&self) -> Option<String> {
        if let Some(u) = &self.alb_public_key_url {
            return Some(u.trim_end_matches('/').to_owned());
        }
        let arn = self.alb_arn.as_deref()?;
        let region = arn.split(':').nth(3)?;
        // GovCloud serves the keys from an S3 bucket; China from .com.cn.
        Some(match Partition::of_arn(arn)? {
            Partition::AwsUsGov => {
                format!("https://s3-{region}.amazonaws.com/aws-elb-public-keys-prod-{region}")
            }
            p => format!("https://public-keys.auth.elb.{region}.{}", p.dns_suffix()),
        })
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let key = |k: &str| format!("auth.trusted_headers.{k}");
        if self.trusted_proxies.is_empty() {
            return Err(invalid(
                key("trusted_proxies"),
                "list the proxies' networks, e.g. [\"10.0.0.0/8\"]",
            ));
        }
        for (k, v) in [
            ("user_header", &self.user_header),
            ("groups_header", &self.groups_header),
        ] {
            if http::HeaderName::from_bytes(v.as_bytes()).is_err() {
                return Err(invalid(key(k), "not a valid header name"));
            }
        }
        if self.mode == TrustedMode::Alb {
            let arn = self.alb_arn.as_deref().unwrap_or_default();
            let parts: Vec<&str> = arn.split(':').collect();
            if parts.len() < 6
                || !arn.starts_with("arn:aws")
                || parts[2] != "elasticloadbalancing"
                || parts[3].is_empty()
            {
                return Err(invalid(
                    key("alb_arn"),
                    "alb mode needs the load balancer ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/...)",
                ));
            }
            if let Some(u) = &self.alb_public_key_url {
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    return Err(invalid(key("alb_public_key_url"), "must be an http(s) URL"));
                }
            }
        }
        Ok(())
    }
}
