//! OpenID Connect sign-in with the `openidconnect` crate: discovery (with the
//! provider's JWKS), authorization code with PKCE S256, `state` bound to the
//! browser and stored server-side (hashed, consumed once), `nonce`, and the ID
//! token's signature, issuer, audience, expiry and nonce verified by the crate.
mod claims;
mod outcome;

use crate::auth::digest::hash_token;
use crate::config::OidcConfig;
use crate::db::{self, oidc_logins::PendingLogin};
use claims::jwt_payload;
pub use claims::{groups_from, identity_from_claims};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use outcome::internal;
pub use outcome::{Identity, OidcError};
use serde_json::Value;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Discovery (and the JWKS it carries) is re-read this often, so rotated
/// provider keys are picked up.
const METADATA_TTL: Duration = Duration::from_secs(600);

/// Cookie that binds a sign-in's `state` to the browser that started it, so a
/// callback link made by someone else cannot sign this browser in (login CSRF).
pub const STATE_COOKIE: &str = "latchkey_oidc_state";

pub struct Oidc {
    config: OidcConfig,
    http: reqwest::Client,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Self {
        Self {
            config,
            http: super::idp_client(Duration::from_secs(15)),
            metadata: Mutex::new(None),
        }
    }

    pub fn provider_name(&self) -> &str {
        &self.config.provider_name
    }

    /// Reads the provider's discovery document and keys, as sign-in will
    /// (`latchkey doctor`): what it found, or why it failed.
    pub async fn check_discovery(&self) -> Result<String, String> {
        let issuer = IssuerUrl::new(self.config.issuer_url.clone()).map_err(|e| e.to_string())?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                let mut msg = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    msg.push_str(&format!(": {s}"));
                    source = s.source();
                }
                msg
            })?;
        Ok(format!(
            "issuer {} answers; sign-in goes to {}, {} signing key(s)",
            m.issuer().as_str(),
            m.authorization_endpoint().as_str(),
            m.jwks().keys().len()
        ))
    }

    async fn client(&self) -> Result<Client, OidcError> {
        let mut cached = self.metadata.lock().await;
        let fresh = cached
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < METADATA_TTL);
        if !fresh {
            let issuer =
                IssuerUrl::new(self.config.issuer_url.clone()).map_err(|_| OidcError::Discovery)?;
            let m = CoreProviderMetadata::discover_async(issuer, &self.http)
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "OIDC discovery failed");
                    OidcError::Discovery
                })?;
            *cached = Some((Instant::now(), m));
        }
        let Some((_, m)) = cached.as_ref() else {
            return Err(OidcError::Discovery);
        };
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|e| internal("redirect_url", e))?;
        Ok(CoreClient::from_provider_metadata(
            m.clone(),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose().to_owned(),
            )),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a sign-in: stores state (hashed), PKCE verifier and nonce;
    /// returns the provider URL to send the browser to and the state value
    /// for the browser-binding cookie.
    pub async fn begin(
        &self,
        pool: &PgPool,
        return_to: &str,
    ) -> Result<(String, String), OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in self.config.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = request.url();
        let login = PendingLogin {
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            return_to: return_to.to_owned(),
        };
        let expires =
            chrono::Utc::now() + chrono::Duration::seconds(self.config.login_timeout_secs);
        let mut conn = db::conn(pool).await?;
        db::oidc_logins::create(&mut conn, &hash_token(state.secret()), &login, expires).await?;
        Ok((url.to_string(), state.secret().clone()))
    }

    /// Finishes a sign-in: consumes the state, exchanges the code with the
    /// PKCE verifier, verifies the ID token; returns who signed in and where
    /// they were going.
    pub async fn complete(
        &self,
        pool: &PgPool,
        code: &str,
        state: &str,
        browser_state: Option<&str>,
    ) -> Result<(Identity, String), OidcError> {
        let mut conn = db::conn(pool).await?;
        let login = db::oidc_logins::take(&mut conn, &hash_token(state))
            .await?
            .ok_or(OidcError::BadState)?;
        drop(conn);
        if browser_state != Some(state) {
            return Err(OidcError::StateNotThisBrowser);
        }
        let client = self.client().await?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| internal("token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "OIDC code exchange refused");
                OidcError::CodeRejected
            })?;
        let id_token = token.id_token().ok_or(OidcError::NoIdToken)?;
        id_token
            .claims(&client.id_token_verifier(), &Nonce::new(login.nonce))
            .map_err(verification_error)?;
        // The signature is verified: the payload of this same token is the
        // provider's word, including claims the standard set does not know.
        let mut claims = jwt_payload(&id_token.to_string())?;
        if self.config.use_userinfo {
            let extra = self
                .userinfo(&client, token.access_token().secret())
                .await?;
            if extra.get("sub") != claims.get("sub") {
                return Err(OidcError::UserInfo);
            }
            if let (Value::Object(c), Value::Object(e)) = (&mut claims, extra) {
                for (k, v) in e {
                    c.entry(k).or_insert(v);
                }
            }
        }
        Ok((
            identity_from_claims(&self.config, &claims)?,
            login.return_to,
        ))
    }

    async fn userinfo(&self, client: &Client, access_token: &str) -> Result<Value, OidcError> {
        let Some(url) = client.user_info_url() else {
            return Err(OidcError::UserInfo);
        };
        let r = self
            .http
            .get(url.url().clone())
            .bearer_auth(access_token)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|_| OidcError::UserInfo)?;
        if !r.status().is_success() {
            return Err(OidcError::UserInfo);
        }
        r.json().await.map_err(|_| OidcError::UserInfo)
    }
}

fn verification_error(e: ClaimsVerificationError) -> OidcError {
    tracing::warn!(error = %e, "ID token refused");
    match e {
        ClaimsVerificationError::Expired(_) => OidcError::Expired,
        ClaimsVerificationError::InvalidAudience(_) => OidcError::WrongAudience,
        ClaimsVerificationError::InvalidNonce(_) => OidcError::WrongNonce,
        ClaimsVerificationError::InvalidIssuer(_) => OidcError::WrongIssuer,
        ClaimsVerificationError::SignatureVerification(_) => OidcError::BadSignature,
        other => OidcError::InvalidToken(other.to_string()),
    }
}
