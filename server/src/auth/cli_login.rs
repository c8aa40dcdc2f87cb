//! Browser sign-in for the CLI (`latchkey login`), the way gh, gcloud and
//! `aws sso` do it: the CLI listens on 127.0.0.1, the signed-in browser
//! authorizes it, Latchkey sends the browser to the CLI's loopback with a
//! single-use code, and the CLI swaps the code plus its PKCE verifier
//! (RFC 7636, S256) for an API token.
//!
//! The pure parts live here: parsing what the browser and the CLI send, the
//! S256 check, and the one place a redirect URL is built. The host is always
//! 127.0.0.1 and never comes from a request.
use base64::Engine;
use sha2::{Digest, Sha256};

/// How long an authorization code may be exchanged.
pub const CODE_TTL_SECS: i64 = 300;

/// Why an authorization or an exchange was refused. Each message names the
/// field and the rule; none carries a code, verifier or token.
#[derive(Debug, thiserror::Error)]
pub enum CliLoginError {
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },
    #[error("code: unknown; start again with `latchkey login`")]
    UnknownCode,
    #[error("code: expired (codes are valid for 5 minutes); start again with `latchkey login`")]
    ExpiredCode,
    #[error("code: already used; start again with `latchkey login`")]
    UsedCode,
    #[error("verifier: does not match the challenge the code was issued for")]
    WrongVerifier,
    /// A database or random-source failure, already logged with its id.
    #[error(transparent)]
    Internal(#[from] app::AppError),
}

impl From<crate::Error> for CliLoginError {
    fn from(e: crate::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl CliLoginError {
    fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            rule: rule.into(),
        }
    }

    /// Malformed input is a 400; a code or verifier that does not prove
    /// anything is a 401.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid { .. } => 400,
            Self::UnknownCode | Self::ExpiredCode | Self::UsedCode | Self::WrongVerifier => 401,
            Self::Internal(_) => 500,
        }
    }

    /// The field at fault, for clients that point at it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::UnknownCode | Self::ExpiredCode | Self::UsedCode => Some("code"),
            Self::WrongVerifier => Some("verifier"),
            Self::Internal(_) => None,
        }
    }
}

/// The CLI's loopback port: 1..=65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopbackPort(u16);

impl LoopbackPort {
    pub fn parse(s: Option<&str>) -> Result<Self, CliLoginError> {
        const RULE: &str = "must be a number from 1 to 65535 (the CLI's port on 127.0.0.1)";
        match s.map(str::trim).map(str::parse::<u16>) {
            Some(Ok(p)) if p > 0 => Ok(Self(p)),
            _ => Err(CliLoginError::invalid("port", RULE)),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// Characters RFC 3986 leaves unreserved: safe in a URL without encoding.
fn unreserved(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A value of `min..=max` unreserved characters, or an error naming `field`.
fn token_like(
    field: &'static str,
    s: Option<&str>,
    min: usize,
    max: usize,
) -> Result<String, CliLoginError> {
    match s {
        Some(v) if (min..=max).contains(&v.len()) && unreserved(v) => Ok(v.to_owned()),
        Some(_) => {
            let length = if min == max {
                min.to_string()
            } else {
                format!("{min}-{max}")
            };
            Err(CliLoginError::invalid(
                field,
                format!("must be {length} characters of A-Z a-z 0-9 - . _ ~"),
            ))
        }
        None => Err(CliLoginError::invalid(field, "is required")),
    }
}

/// What the CLI asked for: where to send the browser back to, the state it
/// will check, and the S256 challenge of its secret verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub port: LoopbackPort,
    pub state: String,
    pub challenge: String,
}

impl AuthorizeRequest {
    pub fn parse(
        port: Option<&str>,
        state: Option<&str>,
        challenge: Option<&str>,
    ) -> Result<Self, CliLoginError> {
        let port = LoopbackPort::parse(port)?;
        let state = token_like("state", state, 16, 128)?;
        // base64url(sha256(..)) without padding is always 43 characters.
        let challenge = match challenge {
            Some(c)
                if c.len() == 43
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                c.to_owned()
            }
            Some(_) => {
                return Err(CliLoginError::invalid(
                    "challenge",
                    "must be base64url(SHA-256(verifier)) without padding: 43 characters",
                ))
            }
            None => return Err(CliLoginError::invalid("challenge", "is required")),
        };
        Ok(Self {
            port,
            state,
            challenge,
        })
    }

    /// This page's own URL, for coming back after sign-in.
    pub fn page_path(&self) -> String {
        format!(
            "/cli/login?port={}&state={}&challenge={}",
            self.port.get(),
            self.state,
            self.challenge
        )
    }

    /// The CLI's callback with `code`. The host is fixed: a request can only
    /// ever choose the port.
    pub fn callback_url(&self, code: &str) -> String {
        format!(
            "http://127.0.0.1:{}/callback?code={}&state={}",
            self.port.get(),
            urlencoding::encode(code),
            self.state
        )
    }

    /// The CLI's callback saying the user declined.
    pub fn cancel_url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/callback?error=access_denied&state={}",
            self.port.get(),
            self.state
        )
    }
}

/// A PKCE verifier as RFC 7636 defines it: 43-128 unreserved characters.
pub fn parse_verifier(s: Option<&str>) -> Result<String, CliLoginError> {
    token_like("verifier", s, 43, 128)
}

/// An authorization code as issued by [`new_secret`].
pub fn parse_code(s: Option<&str>) -> Result<String, CliLoginError> {
    token_like("code", s, 43, 43)
}

/// S256: base64url(SHA-256(verifier)) without padding.
pub fn challenge_for(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 random bytes as 43 base64url characters (codes, states, verifiers).
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn req(port: &str) -> Result<AuthorizeRequest, CliLoginError> {
        AuthorizeRequest::parse(Some(port), Some("state-0123456789ab"), Some(CHALLENGE))
    }

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge() {
        assert_eq!(
            challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            CHALLENGE
        );
    }

    #[test]
    fn ports_outside_1_to_65535_or_not_numbers_are_refused_naming_port() {
        for bad in ["0", "65536", "-1", "http", "80x", ""] {
            let e = req(bad).unwrap_err();
            assert_eq!(e.field(), Some("port"), "{bad}");
            assert_eq!(e.status(), 400);
        }
        assert_eq!(req("1").unwrap().port.get(), 1);
        assert_eq!(req("65535").unwrap().port.get(), 65535);
    }

    #[test]
    fn the_callback_always_goes_to_loopback() {
        let r = req("4242").unwrap();
        assert_eq!(
            r.callback_url("c/d"),
            "http://127.0.0.1:4242/callback?code=c%2Fd&state=state-0123456789ab"
        );
        assert!(r
            .cancel_url()
            .starts_with("http://127.0.0.1:4242/callback?error="));
    }

    #[test]
    fn state_and_challenge_must_be_url_safe() {
        let e = AuthorizeRequest::parse(Some("1"), Some("a&b=c/0123456789ab"), Some(CHALLENGE))
            .unwrap_err();
        assert_eq!(e.field(), Some("state"));
        let e = AuthorizeRequest::parse(Some("1"), Some("state-0123456789ab"), Some("short"))
            .unwrap_err();
        assert_eq!(e.field(), Some("challenge"));
        let e = AuthorizeRequest::parse(Some("1"), None, Some(CHALLENGE)).unwrap_err();
        assert_eq!(e.to_string(), "state: is required");
    }

    #[test]
    fn new_secrets_are_valid_codes_and_verifiers() {
        let s = new_secret().unwrap();
        assert!(parse_code(Some(&s)).is_ok());
        assert!(parse_verifier(Some(&s)).is_ok());
        assert_ne!(s, new_secret().unwrap());
    }
}
