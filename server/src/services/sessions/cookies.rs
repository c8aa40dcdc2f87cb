//! The session cookie: its names and reading it from a `Cookie` header.

pub const COOKIE_NAME: &str = "latchkey_session";
/// The name outside dev mode: browsers keep a `__Host-` cookie only if it
/// is Secure, for this host alone (no Domain) and for every path, so a
/// sibling subdomain or a plain-http page cannot plant or shadow it.
pub const SECURE_COOKIE_NAME: &str = "__Host-latchkey_session";

/// The session cookie's value from a `Cookie` header.
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    cookie_value(header, COOKIE_NAME)
}

/// A named cookie's value from a `Cookie` header (empty values are none).
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        assert_eq!(
            token_from_cookie_header("a=1; latchkey_session=abc; b=2"),
            Some("abc")
        );
        assert_eq!(token_from_cookie_header("latchkey_session="), None);
        assert_eq!(token_from_cookie_header("other=x"), None);
    }
}
