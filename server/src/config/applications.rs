//! `[applications]`: how applications (non-human principals, Admin ›
//! Applications) prove who they are besides their API tokens: a client
//! certificate checked by a TLS-terminating proxy (ALB mutual TLS, Envoy,
//! nginx), which forwards its subject in a header. Only requests whose
//! socket peer is in `mtls_proxies` are believed; from anywhere else the
//! header is ignored.
use super::{invalid, ConfigError};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationsConfig {
    /// The longest an application's API token may live, in days.
    #[serde(default = "default_token_max_days")]
    pub token_max_days: u32,
    /// The header holding the verified client certificate's subject, e.g.
    /// ALB's `x-amzn-mtls-clientcert-subject`. Unset: no mTLS identity.
    pub mtls_subject_header: Option<String>,
    /// The proxies' networks that may set that header.
    #[serde(default)]
    pub mtls_proxies: Vec<crate::auth::cidr::Cidr>,
}

fn default_token_max_days() -> u32 {
    365
}

impl Default for ApplicationsConfig {
    fn default() -> Self {
        Self {
            token_max_days: default_token_max_days(),
            mtls_subject_header: None,
            mtls_proxies: Vec::new(),
        }
    }
}

impl ApplicationsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=3650).contains(&self.token_max_days) {
            return Err(invalid(
                "applications.token_max_days",
                "must be 1-3650 days",
            ));
        }
        if let Some(h) = &self.mtls_subject_header {
            if http::HeaderName::from_bytes(h.as_bytes()).is_err() {
                return Err(invalid(
                    "applications.mtls_subject_header",
                    "not a valid header name",
                ));
            }
            if self.mtls_proxies.is_empty() {
                return Err(invalid(
                    "applications.mtls_proxies",
                    "list the networks of the proxies that check client certificates, e.g. [\"10.0.0.0/8\"]",
                ));
            }
        }
        Ok(())
    }

    /// The subject a trusted proxy forwarded, if mTLS is on, the peer is
    /// one of the proxies, and the header is there (and not empty).
    pub fn subject_from(
        &self,
        headers: &http::HeaderMap,
        peer: Option<std::net::IpAddr>,
    ) -> Option<String> {
        let h = self.mtls_subject_header.as_deref()?;
        let peer = peer?;
        if !self.mtls_proxies.iter().any(|c| c.contains(peer)) {
            return None;
        }
        let v = headers.get(h)?.to_str().ok()?.trim();
        (!v.is_empty() && v.len() <= 1024).then(|| v.to_owned())
    }
}
