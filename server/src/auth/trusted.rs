//! Identity from an authenticating proxy in front of Latchkey. Believed only
//! when the socket peer is a configured trusted proxy: `headers` mode reads
//! `X-Forwarded-User`/`X-Forwarded-Groups`; `alb` mode verifies the ALB's
//! ES256-signed `x-amzn-oidc-data` JWT (signer = the configured ALB ARN,
//! key fetched from the ALB public key endpoint by `kid`, cached).
//!
//! p256 (already in the build through openidconnect) verifies the signature
//! directly: ALB tokens pad their base64 segments, which strict JWT crates
//! refuse, and only ES256 is ever used.
use super::oidc::{groups_from, Identity};
use crate::config::{TrustedHeadersConfig, TrustedMode};
use http::HeaderMap;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;
use tokio::sync::Mutex;

pub const ALB_DATA_HEADER: &str = "x-amzn-oidc-data";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TrustedError {
    #[error("malformed ALB token")]
    Malformed,
    #[error("ALB token is not ES256")]
    WrongAlgorithm,
    #[error("ALB token was signed by another load balancer")]
    WrongSigner,
    #[error("ALB public key unavailable")]
    KeyUnavailable,
    #[error("ALB token signature does not verify")]
    BadSignature,
    #[error("ALB token expired")]
    Expired,
    #[error("ALB token has no user id claim")]
    NoUserId,
    #[error("ALB token's e-mail address is not verified by the identity provider")]
    EmailNotVerified,
}

pub struct TrustedHeaders {
    config: TrustedHeadersConfig,
    key_url: String,
    http: reqwest::Client,
    keys: Mutex<HashMap<String, VerifyingKey>>,
}

impl TrustedHeaders {
    pub fn new(config: TrustedHeadersConfig) -> Self {
        let key_url = config.alb_key_url().unwrap_or_default();
        Self {
            config,
            key_url,
            http: super::idp_client(Duration::from_secs(10)),
            keys: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_trusted(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|ip| self.config.trusted_proxies.iter().any(|c| c.contains(ip)))
    }

    fn carries_identity(&self, headers: &HeaderMap) -> bool {
        match self.config.mode {
            TrustedMode::Alb => headers.contains_key(ALB_DATA_HEADER),
            TrustedMode::Headers => {
                headers.contains_key(self.config.user_header.as_str())
                    || headers.contains_key(self.config.groups_header.as_str())
            }
        }
    }

    /// Who the proxy says is calling, if the peer is trusted and says so.
    /// Headers from anyone else are ignored (and logged, without values).
    pub async fn identity(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<Identity> {
        if !self.carries_identity(headers) {
            return None;
        }
        if !self.is_trusted(peer) {
            tracing::warn!(
                peer = ?peer,
                "identity headers from an address outside auth.trusted_headers.trusted_proxies ignored"
            );
            return None;
        }
        match self.config.mode {
            TrustedMode::Headers => self.read_plain_headers(headers),
            TrustedMode::Alb => {
                let token = headers.get(ALB_DATA_HEADER)?.to_str().ok()?;
                match self.verify_alb(token).await {
                    Ok(id) => Some(id),
                    Err(e) => {
                        tracing::warn!(reason = %e, "ALB identity refused");
                        None
                    }
                }
            }
        }
    }

    fn read_plain_headers(&self, headers: &HeaderMap) -> Option<Identity> {
        let user = headers
            .get(self.config.user_header.as_str())?
            .to_str()
            .ok()?
            .trim();
        if user.is_empty() {
            return None;
        }
        let groups = headers
            .get(self.config.groups_header.as_str())
            .and_then(|v| v.to_str().ok())
            .map(|g| groups_from(Some(&Value::String(g.to_owned()))))
            .unwrap_or_default();
        Some(Identity {
            user_id: user.to_owned(),
            display_name: user.to_owned(),
            groups,
        })
    }

    /// Verifies an `x-amzn-oidc-data` token and reads the user from it.
    pub async fn verify_alb(&self, token: &str) -> Result<Identity, TrustedError> {
        let mut parts = token.split('.');
        let (Some(h64), Some(p64), Some(s64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TrustedError::Malformed);
        };
        let header = decode_json(h64)?;
        if header["alg"].as_str() != Some("ES256") {
            return Err(TrustedError::WrongAlgorithm);
        }
        if header["signer"].as_str() != self.config.alb_arn.as_deref() {
            return Err(TrustedError::WrongSigner);
        }
        let kid = header["kid"].as_str().ok_or(TrustedError::Malformed)?;
        let key = self.key(kid).await?;
        let sig = Signature::from_slice(&decode(s64)?).map_err(|_| TrustedError::Malformed)?;
        key.verify(format!("{h64}.{p64}").as_bytes(), &sig)
            .map_err(|_| TrustedError::BadSignature)?;
        let claims = decode_json(p64)?;
        let exp = claims["exp"]
            .as_i64()
            .or_else(|| header["exp"].as_i64())
            .ok_or(TrustedError::Malformed)?;
        if exp <= chrono::Utc::now().timestamp() {
            return Err(TrustedError::Expired);
        }
        let user_id = claims
            .get(&self.config.user_id_claim)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(TrustedError::NoUserId)?
            .to_owned();
        // An e-mail address is an identity only if the provider vouches for
        // it. The ALB passes the user-info claims on as the provider wrote
        // them, and some (Cognito) write the flag as the string "true".
        let vouched = matches!(claims.get("email_verified"), Some(Value::Bool(true)))
            || claims.get("email_verified").and_then(Value::as_str) == Some("true");
        if self.config.user_id_claim == "email" && !vouched {
            return Err(TrustedError::EmailNotVerified);
        }
        Ok(Identity {
            display_name: claims["name"].as_str().unwrap_or(&user_id).to_owned(),
            groups: groups_from(claims.get(&self.config.groups_claim)),
            user_id,
        })
    }

    async fn key(&self, kid: &str) -> Result<VerifyingKey, TrustedError> {
        // The kid goes into a URL: only the characters ALB key ids use.
        if kid.is_empty()
            || kid.len() > 128
            || !kid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(TrustedError::Malformed);
        }
        if let Some(k) = self.keys.lock().await.get(kid) {
            return Ok(*k);
        }
        let r = self
            .http
            .get(format!("{}/{kid}", self.key_url))
            .send()
            .await
            .map_err(|_| TrustedError::KeyUnavailable)?;
        if !r.status().is_success() {
            return Err(TrustedError::KeyUnavailable);
        }
        let pem = r.text().await.map_err(|_| TrustedError::KeyUnavailable)?;
        let key = VerifyingKey::from_public_key_pem(pem.trim())
            .map_err(|_| TrustedError::KeyUnavailable)?;
        self.keys.lock().await.insert(kid.to_owned(), key);
        Ok(key)
    }
}

fn decode(segment: &str) -> Result<Vec<u8>, TrustedError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| TrustedError::Malformed)
}

fn decode_json(segment: &str) -> Result<Value, TrustedError> {
    serde_json::from_slice(&decode(segment)?).map_err(|_| TrustedError::Malformed)
}
