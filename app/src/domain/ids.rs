//! Identifiers parsed at the edge: AWS account ids, role names and role ARNs.
//! A value of these types is always well formed.

use super::Partition;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why an identifier was refused, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(pub String);

/// Builds an id from text through its `parse`, from a `String` (serde's
/// `try_from`) or a `&str` (`FromStr`).
macro_rules! parsed_from_text {
    ($id:ty) => {
        impl TryFrom<String> for $id {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }
        impl FromStr for $id {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        /// Written as a string in config (the config reference says so).
        #[cfg(feature = "ssr")]
        impl schemars::JsonSchema for $id {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($id).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string" })
            }
        }
    };
}

/// An id held as its checked text: parsed as `parsed_from_text!` says,
/// read back with `as_str`, `Display` and `String::from`.
macro_rules! text_id {
    ($id:ident) => {
        parsed_from_text!($id);
        impl $id {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl From<$id> for String {
            fn from(id: $id) -> String {
                id.0
            }
        }
        impl fmt::Display for $id {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// `text` as an id's text when it is `ok`; else refused: `why`, and what it got.
fn accept(text: &str, ok: bool, why: &str) -> Result<String, IdError> {
    if ok {
        Ok(text.to_owned())
    } else {
        Err(IdError(format!("{why}, got {text:?}")))
    }
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let ok = s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
        accept(s, ok, "account id must be exactly 12 digits").map(Self)
    }
}
text_id!(AccountId);

/// An IAM role name: 1-64 characters of `[A-Za-z0-9+=,.@_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleName(String);

impl RoleName {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        let why = "role name must be 1-64 characters of letters, digits and +=,.@_- ";
        accept(s, ok, why).map(Self)
    }
}
text_id!(RoleName);

/// `arn:{partition}:iam::{account}:role/{path}{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleArn {
    partition: Partition,
    account: AccountId,
    path: String,
    name: RoleName,
}

impl RoleArn {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let err = |why: &str| IdError(format!("role ARN {s:?} is not valid: {why}"));
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" {
            return Err(err("expected arn:aws:iam::<12-digit account>:role/<name>"));
        }
        let partition = Partition::parse(parts[1])
            .ok_or_else(|| err("partition must be aws, aws-cn or aws-us-gov"))?;
        if parts[2] != "iam" {
            return Err(err("service must be iam"));
        }
        if !parts[3].is_empty() {
            return Err(err("IAM ARNs have no region"));
        }
        let account = AccountId::parse(parts[4]).map_err(|e| err(&e.0))?;
        let rest = parts[5]
            .strip_prefix("role/")
            .ok_or_else(|| err("resource must start with role/"))?;
        let (path, name) = match rest.rfind('/') {
            Some(i) => (format!("/{}", &rest[..=i]), &rest[i + 1..]),
            None => ("/".to_owned(), rest),
        };
        let name = RoleName::parse(name).map_err(|e| err(&e.0))?;
        Ok(Self {
            partition,
            account,
            path,
            name,
        })
    }

    pub fn partition(&self) -> Partition {
        self.partition
    }
    pub fn account(&self) -> &AccountId {
        &self.account
    }
    pub fn name(&self) -> &RoleName {
        &self.name
    }
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // path always starts and ends with '/'
        write!(
            f,
            "arn:{}:iam::{}:role{}{}",
            self.partition, self.account, self.path, self.name
        )
    }
}
parsed_from_text!(RoleArn);
impl From<RoleArn> for String {
    fn from(r: RoleArn) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_accepts_twelve_digits_only() {
        for (text, ok) in [
            ("123456789012", true),
            ("12345678901", false),
            ("1234567890123", false),
            ("12345678901a", false),
            ("", false),
        ] {
            assert_eq!(AccountId::parse(text).is_ok(), ok, "{text:?}");
        }
    }

    #[test]
    fn role_arn_round_trips_with_and_without_path() {
        let a = RoleArn::parse("arn:aws:iam::222222222222:role/demo-admin").unwrap();
        assert_eq!(a.account().as_str(), "222222222222");
        assert_eq!(a.name().as_str(), "demo-admin");
        assert_eq!(a.path(), "/");
        assert_eq!(a.to_string(), "arn:aws:iam::222222222222:role/demo-admin");

        let b = RoleArn::parse("arn:aws:iam::222222222222:role/team/data/reader").unwrap();
        assert_eq!(b.path(), "/team/data/");
        assert_eq!(b.name().as_str(), "reader");
        assert_eq!(
            b.to_string(),
            "arn:aws:iam::222222222222:role/team/data/reader"
        );

        for (text, p) in [
            ("arn:aws-cn:iam::222222222222:role/x", Partition::AwsCn),
            (
                "arn:aws-us-gov:iam::222222222222:role/a/x",
                Partition::AwsUsGov,
            ),
        ] {
            let r = RoleArn::parse(text).unwrap();
            assert_eq!(r.partition(), p);
            assert_eq!(r.to_string(), text);
        }
    }

    #[test]
    fn role_arn_rejects_other_shapes_with_a_reason() {
        for bad in [
            "",
            "arn:aws:iam::2222:role/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::222222222222:user/bob",
            "arn:aws:iam:us-east-1:222222222222:role/x",
            "arn:aws:iam::222222222222:role/",
            "arn:aws:iam::222222222222:role/bad name",
            "arn:foo:iam::222222222222:role/x",
        ] {
            let e = RoleArn::parse(bad).unwrap_err();
            assert!(e.0.contains("not valid"), "{bad}: {e}");
        }
    }

    #[test]
    fn role_arn_deserializes_through_parse() {
        let ok: Result<RoleArn, _> = serde_json::from_str("\"arn:aws:iam::222222222222:role/x\"");
        assert!(ok.is_ok());
        let bad: Result<RoleArn, _> = serde_json::from_str("\"arn:aws:iam::2:role/x\"");
        assert!(bad.is_err());
    }
}

/// A request id: a UUID in its canonical 8-4-4-4-12 hex form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestId(String);

impl RequestId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim().to_ascii_lowercase();
        let groups: Vec<&str> = s.split('-').collect();
        let shape_ok = groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
        accept(&s, shape_ok, "request id must be a UUID").map(Self)
    }
}
text_id!(RequestId);

#[cfg(test)]
mod request_id_tests {
    use super::RequestId;

    #[test]
    fn request_ids_must_be_uuids() {
        assert!(RequestId::parse("6F9619FF-8B86-D011-B42D-00C04FC964FF").is_ok());
        assert_eq!(
            RequestId::parse("6F9619FF-8B86-D011-B42D-00C04FC964FF")
                .unwrap()
                .as_str(),
            "6f9619ff-8b86-d011-b42d-00c04fc964ff"
        );
        assert!(RequestId::parse("42").is_err());
        assert!(RequestId::parse("6f9619ff-8b86-d011-b42d-00c04fc964fz").is_err());
    }
}

/// API token ids are UUIDs too.
pub type TokenId = RequestId;
