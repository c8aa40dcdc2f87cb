//! What an API token may reach, and for how long it may be made.
use serde::{Deserialize, Serialize};

/// A token's reach. `Credentials` (the default) gets role credentials and
/// the list of roles, which is all the CLI and the AWS SDKs need; `Full`
/// acts as its owner on the whole API, and must be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    #[default]
    Credentials,
    Full,
}

impl TokenScope {
    pub fn parse(s: &str) -> Option<TokenScope> {
        match s.trim() {
            "" | "credentials" => Some(TokenScope::Credentials),
            "full" => Some(TokenScope::Full),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Credentials => "credentials",
            TokenScope::Full => "full",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Credentials => "Credentials only",
            TokenScope::Full => "Full API",
        }
    }
}

/// Days a new token lives unless its maker picks otherwise.
pub const DEFAULT_TOKEN_DAYS: u32 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_from_their_names_and_default_to_credentials() {
        assert_eq!(TokenScope::parse(""), Some(TokenScope::Credentials));
        assert_eq!(TokenScope::parse("full"), Some(TokenScope::Full));
        assert_eq!(TokenScope::parse("admin"), None);
        assert_eq!(TokenScope::default().as_str(), "credentials");
    }
}
