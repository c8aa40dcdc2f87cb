//! Reading an ID token's claims: the payload, dotted claim paths, groups in
//! the shapes providers send them, and the user id the config names.
use super::outcome::{Identity, OidcError};
use crate::config::OidcConfig;
use serde_json::Value;

pub(super) fn jwt_payload(jwt: &str) -> Result<Value, OidcError> {
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
pub(super) fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
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
