//! Applications: non-human principals (a batch job, a service) that get
//! role credentials like a user, as ConsoleMe's `app_name` did. An
//! application is a principal whose id is `app/<name>`; no person may sign
//! in with such an id, and a role tag entry `app/<name>` names the
//! application only, never a group of that name.

/// What every application's principal id starts with.
pub const APP_PREFIX: &str = "app/";

/// Whether `id` names an application (reserved: never a person's id).
pub fn is_app_id(id: &str) -> bool {
    id.starts_with(APP_PREFIX)
}

/// An application's name: 2-63 characters of `a-z`, `0-9` and `-`,
/// starting with a letter or digit (it becomes part of STS session names
/// and of URLs, so nothing that needs escaping).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppName(String);

impl AppName {
    pub fn parse(s: &str) -> Result<AppName, String> {
        let s = s.trim();
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let first_ok = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !(2..=63).contains(&s.len()) || !ok_chars || !first_ok {
            return Err(format!(
                "{s:?} must be 2-63 characters of a-z, 0-9 and -, starting with a letter or digit, e.g. \"billing-batch\""
            ));
        }
        Ok(AppName(s.to_owned()))
    }

    /// The application named by a principal id (`app/<name>`), if it is one.
    pub fn of_principal(id: &str) -> Option<AppName> {
        AppName::parse(id.strip_prefix(APP_PREFIX)?).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The principal id the application acts as: `app/<name>`.
    pub fn principal_id(&self) -> String {
        format!("{APP_PREFIX}{}", self.0)
    }
}

impl std::fmt::Display for AppName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_slugs() {
        assert_eq!(
            AppName::parse(" billing-batch ").unwrap().as_str(),
            "billing-batch"
        );
        assert!(AppName::parse("9lives").is_ok());
        for bad in [
            "",
            "a",
            "Billing",
            "-lead",
            "a b",
            "app/x",
            "x:y",
            &"a".repeat(64),
        ] {
            assert!(AppName::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn an_application_acts_as_app_slash_name() {
        let n = AppName::parse("billing-batch").unwrap();
        assert_eq!(n.principal_id(), "app/billing-batch");
        assert!(is_app_id(&n.principal_id()));
        assert_eq!(AppName::of_principal("app/billing-batch"), Some(n));
        assert_eq!(AppName::of_principal("erin@example.com"), None);
        assert_eq!(AppName::of_principal("app/Not Valid"), None);
        assert!(!is_app_id("erin@example.com"));
    }
}
