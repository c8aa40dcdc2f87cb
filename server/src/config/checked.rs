//! Text values the config accepts only once checked, read back as `&str`:
//! a refused one is reported under its key (`sync.schedules.s3`).

/// A `String` newtype that deserializes only through `parse`'s check.
macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident, |$v:ident| $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse($v: &str) -> Result<Self, String> {
                $check.map(|()| Self($v.to_owned()))
            }

            /// A default written in this crate, known to pass the check
            /// (not every checked type has one).
            #[allow(dead_code)]
            pub(super) fn known(v: &str) -> Self {
                Self(v.to_owned())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(v: String) -> Result<Self, String> {
                Self::parse(&v)
            }
        }
    };
}

checked_text!(
    /// An `http://` or `https://` URL with a host.
    HttpUrl,
    |url| match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        Ok(_) => Err("must be an http(s) URL (http:// or https://)".to_owned()),
        Err(e) => Err(format!("must be an http(s) URL (http:// or https://): {e}")),
    }
);

checked_text!(
    /// A six-field cron expression (with seconds) that the scheduler accepts.
    Cron,
    |expr| tokio_cron_scheduler::Job::new_async(expr, |_, _| Box::pin(async {}))
        .map(|_| ())
        .map_err(|e| format!("not a valid cron expression: {e}"))
);

checked_text!(
    /// An IAM tag key: 1-128 characters (letters, digits, spaces and
    /// `_ . : / = + - @`), not starting with the reserved `aws:`.
    TagKey,
    |key| iam_tag_key(key)
);

fn iam_tag_key(key: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c);
    if !(1..=128).contains(&key.chars().count()) {
        Err(format!(
            "{key:?} is not an IAM tag key: it must be 1-128 characters"
        ))
    } else if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        Err(format!(
            "{key:?} is not an IAM tag key: the aws: prefix is reserved"
        ))
    } else if let Some(c) = key.chars().find(|c| !allowed(*c)) {
        Err(format!(
            "{key:?} is not an IAM tag key: {c:?} is not allowed \
             (letters, digits, spaces and _ . : / = + - @ are)"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_their_own_checks() {
        for (url, ok) in [
            ("https://a", true),
            ("http://a", true),
            ("http://127.0.0.1:5100/", true),
            ("a", false),
            ("https://", false),
            ("http://exa mple.com", false),
            ("ftp://a", false),
        ] {
            assert_eq!(HttpUrl::parse(url).is_ok(), ok, "{url}");
        }
        assert!(Cron::parse("0 */15 * * * *").is_ok());
        assert!(Cron::parse("every day").is_err());
    }

    #[test]
    fn tag_keys_follow_iam_rules() {
        let (longest, too_long) = ("k".repeat(128), "k".repeat(129));
        for (key, ok) in [
            ("latchkey-authorized", true),
            ("consoleme-authorized", true),
            ("team/owner:a=b+c@d e_f.g", true),
            (longest.as_str(), true),
            (too_long.as_str(), false),
            ("", false),
            ("aws:authorized", false),
            ("AWS:authorized", false),
            ("latchkey*", false),
        ] {
            assert_eq!(TagKey::parse(key).is_ok(), ok, "{key}");
        }
    }
}
