//! Where to send the browser after sign-in: only a path on this site.

/// `next` when it is a local path; otherwise `/`. Never `//host`, a scheme or
/// a backslash trick, and never back into the OIDC endpoints.
pub fn safe_return_to(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control)
                && !n.starts_with("/auth/oidc/") =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_return_to;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_return_to(Some("/roles/1/x?r=eu")), "/roles/1/x?r=eu");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/auth/oidc/login",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/");
    }
}
