//! What a sign-in ends with: who signed in, or why it failed.

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

/// Logged like every internal error (with the request id); the browser
/// gets only the kind.
pub(super) fn internal(context: &str, e: impl std::fmt::Display) -> OidcError {
    crate::error::internal(&format!("oidc sign-in: {context}"), e);
    OidcError::Internal
}

impl From<crate::Error> for OidcError {
    fn from(e: crate::Error) -> Self {
        internal("database", e)
    }
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    pub display_name: String,
    pub groups: Vec<String>,
}
