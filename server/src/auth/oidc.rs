//! OpenID Connect sign-in with the `openidconnect` crate: discovery (with the
//! provider's JWKS), authorization code with PKCE S256, `state` bound to the
//! browser and stored server-side (hashed, consumed once), `nonce`, and the ID
//! token's signature, issuer, audience, expiry and nonce verified by the crate.
use crate::config::OidcConfig;
use crate::db::{self, oidc_logins::PendingLogin};
use crate::services::sessions::hash_token;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
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

/// Why a sign-in failed. Each message names the problem for the user; none
/// carries a code, token or secret.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached or its discovery document is invalid")]
    Discovery,
    #[error("the provider returned an error: {0}")]
    ProviderError(String),
    #[error("the callback has no {0} parameter")]
    MissingParameter(&'static str),
    #[error("unknown, expired or already used sign-in state; start the sign-in again")]
    BadState,
    #[error("this sign-in was started in another browser; start the sign-in again here")]
    StateNotThisBrowser,
    #[error("the provider refused the authorization code (already used, expired or not issued to Latchkey)")]
    CodeRejected,
    #[error("the provider's token response has no ID token")]
    NoIdToken,
    #[error("ID token expired")]
    Expired,
    #[error("ID token audience is not this client")]
    WrongAudience,
    #[error("ID token nonce does not match this sign-in")]
    WrongNonce,
    #[error("ID token issuer is not the configured provider")]
    WrongIssuer,
    #[error("ID token signature does not verify with the provider's keys")]
    BadSignature,
    #[error("ID token rejected: {0}")]
    InvalidToken(String),
    #[error("the ID token has no {0:?} claim to use as the user id")]
    NoUserId(String),
    #[error("the provider says the e-mail address is not verified")]
    EmailNotVerified,
    #[error("the userinfo endpoint failed")]
    UserInfo,
    #[error("internal error")]
    Internal,
}

impl OidcError {
    /// HTTP status: the provider being down is a 502, everything else the
    /// browser or token got wrong is a 400/401.
    pub fn status(&self) -> u16 {
        match self {
            OidcError::Discovery | OidcError::UserInfo => 502,
            OidcError::Internal => 500,
            OidcError::ProviderError(_)
            | OidcError::MissingParameter(_)
            | OidcError::BadState
            | OidcError::StateNotThisBrowser => 400,
            _ => 401,
        }
    }
    /// A short machine-readable code for JSON clients and tests.
    pub fn code(&self) -> &'static str {
        match self {
            OidcError::Discovery => "discovery_failed",
            OidcError::ProviderError(_) => "provider_error",
            OidcError::MissingParameter(_) => "missing_parameter",
            OidcError::BadState => "bad_state",
            OidcError::StateNotThisBrowser => "state_not_this_browser",
            OidcError::CodeRejected => "code_rejected",
            OidcError::NoIdToken => "no_id_token",
            OidcError::Expired => "token_expired",
            OidcError::WrongAudience => "wrong_audience",
            OidcError::WrongNonce => "wrong_nonce",
            OidcError::WrongIssuer => "wrong_issuer",
            OidcError::BadSignature => "bad_signature",
            OidcError::InvalidToken(_) => "invalid_token",
            OidcError::NoUserId(_) => "no_user_id",
            OidcError::EmailNotVerified => "email_not_verified",
            OidcError::UserInfo => "userinfo_failed",
            OidcError::Internal => "internal",
        }
    }
}

fn internal(context: &str, e: impl std::fmt::Display) -> OidcError {
    tracing::error!(context, error = %e, "oidc sign-in internal error");
    OidcError::Internal
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    pub display_name: String,
    pub groups: Vec<String>,
}

pub struct Oidc {
    config: OidcConfig,
    http: reqwest::Client,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Self {
        // No redirects: discovery, JWKS and token calls go where the
        // provider's metadata says, nowhere else (SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self {
            config,
            http,
            metadata: Mutex::new(None),
        }
    }

    pub fn provider_name(&self) -> &str {
        &self.config.provider_name
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
        let mut conn = pool.acquire().await.map_err(|e| internal("database", e))?;
        db::oidc_logins::create(&mut conn, &hash_token(state.secret()), &login, expires)
            .await
            .map_err(|e| internal("database", e))?;
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
        let mut conn = pool.acquire().await.map_err(|e| internal("database", e))?;
        let login = db::oidc_logins::take(&mut conn, &hash_token(state))
            .await
            .map_err(|e| internal("database", e))?
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

fn jwt_payload(jwt: &str) -> Result<Value, OidcError> {
    use base64::Engine;
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| OidcError::InvalidToken("not a JWT".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| OidcError::InvalidToken("payload is not base64url".into()))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| OidcError::InvalidToken("payload is not JSON".into()))
}

/// A claim by dotted path (`realm_access.roles`).
fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(claims, |v, k| v.get(k))
}

/// Groups: an array of strings, or one string (comma separated allowed).
pub fn groups_from(v: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s.split(',').map(|g| g.trim().to_owned()).collect(),
        _ => Vec::new(),
    };
    out.retain(|g| !g.is_empty());
    out.dedup();
    out
}

pub fn identity_from_claims(config: &OidcConfig, claims: &Value) -> Result<Identity, OidcError> {
    let user_id = claim(claims, &config.user_id_claim)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| OidcError::NoUserId(config.user_id_claim.clone()))?
        .to_owned();
    // An e-mail address is an identity only if the provider vouches for it:
    // `email_verified` must be the boolean true, not absent, not "true".
    if config.user_id_claim == "email" && claims.get("email_verified") != Some(&Value::Bool(true)) {
        return Err(OidcError::EmailNotVerified);
    }
    let display_name = ["name", "preferred_username"]
        .iter()
        .find_map(|k| claims.get(*k).and_then(Value::as_str))
        .unwrap_or(&user_id)
        .to_owned();
    Ok(Identity {
        groups: groups_from(claim(claims, &config.groups_claim)),
        user_id,
        display_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg(groups_claim: &str, user_id_claim: &str) -> OidcConfig {
        OidcConfig {
            issuer_url: "https://idp.example.com".into(),
            client_id: "lk".into(),
            client_secret: crate::config::SecretString::new("s"),
            redirect_url: "https://lk.example.com/auth/oidc/callback".into(),
            scopes: vec!["openid".into()],
            groups_claim: groups_claim.into(),
            use_userinfo: false,
            user_id_claim: user_id_claim.into(),
            provider_name: "IdP".into(),
            login_timeout_secs: 600,
        }
    }

    #[test]
    fn identity_comes_from_the_configured_claims() {
        let c = json!({"sub": "u1", "email": "a@example.com", "email_verified": true,
            "name": "Ada", "groups": ["admins", "eng"], "realm_access": {"roles": ["r1"]}});
        let id = identity_from_claims(&cfg("groups", "email"), &c).unwrap();
        assert_eq!(id.user_id, "a@example.com");
        assert_eq!(id.display_name, "Ada");
        assert_eq!(id.groups, ["admins", "eng"]);
        let id = identity_from_claims(&cfg("realm_access.roles", "sub"), &c).unwrap();
        assert_eq!(
            (id.user_id.as_str(), id.groups),
            ("u1", vec!["r1".to_string()])
        );
    }

    #[test]
    fn unverified_email_or_missing_id_claim_is_refused() {
        let c = json!({"sub": "u1", "email": "a@example.com", "email_verified": false});
        assert!(matches!(
            identity_from_claims(&cfg("groups", "email"), &c),
            Err(OidcError::EmailNotVerified)
        ));
        for unvouched in [
            json!({"sub": "u1", "email": "a@example.com"}),
            json!({"sub": "u1", "email": "a@example.com", "email_verified": "true"}),
        ] {
            assert!(matches!(
                identity_from_claims(&cfg("groups", "email"), &unvouched),
                Err(OidcError::EmailNotVerified)
            ));
        }
        assert!(matches!(
            identity_from_claims(&cfg("groups", "upn"), &c),
            Err(OidcError::NoUserId(_))
        ));
    }

    #[test]
    fn groups_accept_arrays_and_comma_strings() {
        assert_eq!(groups_from(Some(&json!("a, b,,c"))), ["a", "b", "c"]);
        assert!(groups_from(Some(&json!(5))).is_empty());
        assert!(groups_from(None).is_empty());
    }
}
