//! The resources table's query: filters, sort and keyset position, parsed
//! from and written back to URL query parameters so every state has a URL.

use super::ids::AccountId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceKind {
    Role,
    User,
    Group,
    ManagedPolicy,
    S3Bucket,
    SqsQueue,
    SnsTopic,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 7] = [
        Self::Role,
        Self::User,
        Self::Group,
        Self::ManagedPolicy,
        Self::S3Bucket,
        Self::SqsQueue,
        Self::SnsTopic,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Role => "role",
            Self::User => "user",
            Self::Group => "iam_group",
            Self::ManagedPolicy => "managed_policy",
            Self::S3Bucket => "s3_bucket",
            Self::SqsQueue => "sqs_queue",
            Self::SnsTopic => "sns_topic",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Role => "IAM role",
            Self::User => "IAM user",
            Self::Group => "IAM group",
            Self::ManagedPolicy => "Managed policy",
            Self::S3Bucket => "S3 bucket",
            Self::SqsQueue => "SQS queue",
            Self::SnsTopic => "SNS topic",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The label of a kind (`S3 bucket`), or the kind itself when unknown.
pub fn kind_label(kind: &str) -> &str {
    match ResourceKind::parse(kind) {
        Some(k) => k.label(),
        None => kind,
    }
}

/// Where a cached row links in Latchkey: role pages for roles, the generic
/// detail page otherwise.
pub fn href(kind: &str, account_id: &str, name: &str, arn: &str) -> String {
    if kind == ResourceKind::Role.as_str() {
        format!("/roles/{account_id}/{name}")
    } else {
        format!("/resource?arn={}", encode(arn))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SortBy {
    #[default]
    Name,
    Account,
    Kind,
}

impl SortBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Account => "account",
            Self::Kind => "type",
        }
    }
}

/// One state of the resources table.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceQuery {
    pub kind: Option<ResourceKind>,
    pub account: Option<AccountId>,
    pub text: Option<String>,
    /// `key` or `key=value`.
    pub tag: Option<(String, Option<String>)>,
    /// Only resources in this region (IAM, global, is in none).
    pub region: Option<String>,
    /// Only principals with denied calls recorded recently (CloudTrail).
    #[serde(default)]
    pub denied: bool,
    pub sort: SortBy,
    pub descending: bool,
    /// Keyset position: sort key and ARN of the last row already shown.
    pub after: Option<(String, String)>,
}

/// Page sizes are fixed so pages are cheap and predictable.
pub const PAGE_SIZE: i64 = 50;

impl ResourceQuery {
    /// Parses URL query parameters; a bad value names its parameter.
    pub fn from_params(p: &BTreeMap<String, String>) -> Result<Self, (String, String)> {
        let get = |k: &str| p.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let kind = match get("type") {
            None => None,
            Some(t) => Some(ResourceKind::parse(t).ok_or_else(|| {
                ("type".to_string(), format!("unknown type {t:?}; use one of role, user, managed_policy, s3_bucket, sqs_queue, sns_topic"))
            })?),
        };
        let account = match get("account") {
            None => None,
            Some(a) => Some(AccountId::parse(a).map_err(|e| ("account".to_string(), e.0))?),
        };
        let text = get("q").map(|s| s.chars().take(200).collect());
        let tag = get("tag").map(|t| match t.split_once('=') {
            Some((k, v)) => (k.trim().to_owned(), Some(v.trim().to_owned())),
            None => (t.to_owned(), None),
        });
        let region = match get("region") {
            None => None,
            Some(r) if crate::domain::partition::is_region_name(r) => Some(r.to_owned()),
            Some(r) => {
                return Err((
                    "region".into(),
                    format!("{r:?} is not a region name (like us-east-1 or eu-west-2)"),
                ))
            }
        };
        let denied = match get("denied") {
            None | Some("0") => false,
            Some("1") => true,
            Some(o) => return Err(("denied".into(), format!("{o:?} must be 1 or 0"))),
        };
        let sort = match get("sort") {
            None | Some("name") => SortBy::Name,
            Some("account") => SortBy::Account,
            Some("type") => SortBy::Kind,
            Some(o) => {
                return Err((
                    "sort".into(),
                    format!("unknown sort {o:?}; use name, account or type"),
                ))
            }
        };
        let descending = match get("dir") {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(o) => return Err(("dir".into(), format!("{o:?} must be asc or desc"))),
        };
        let after = match get("after") {
            None => None,
            Some(c) => Some(
                c.split_once('\t')
                    .map(|(k, a)| (k.to_owned(), a.to_owned()))
                    .ok_or_else(|| {
                        (
                            "after".to_string(),
                            "is not a page position from this table".to_string(),
                        )
                    })?,
            ),
        };
        Ok(Self {
            kind,
            account,
            text,
            tag,
            region,
            denied,
            sort,
            descending,
            after,
        })
    }

    /// Query parameters for this state (without `after` unless set).
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(k) = self.kind {
            v.push(("type", k.as_str().to_owned()));
        }
        if let Some(a) = &self.account {
            v.push(("account", a.to_string()));
        }
        if let Some(t) = &self.text {
            v.push(("q", t.clone()));
        }
        if let Some((k, val)) = &self.tag {
            v.push((
                "tag",
                match val {
                    Some(val) => format!("{k}={val}"),
                    None => k.clone(),
                },
            ));
        }
        if let Some(r) = &self.region {
            v.push(("region", r.clone()));
        }
        if self.denied {
            v.push(("denied", "1".into()));
        }
        if self.sort != SortBy::Name {
            v.push(("sort", self.sort.as_str().to_owned()));
        }
        if self.descending {
            v.push(("dir", "desc".into()));
        }
        if let Some((k, a)) = &self.after {
            v.push(("after", format!("{k}\t{a}")));
        }
        v
    }

    /// `?a=b&c=d` (percent-encoded), or "" when there are no parameters.
    pub fn to_query_string(&self) -> String {
        let parts: Vec<String> = self
            .to_params()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rows_link_roles_to_their_page_and_the_rest_to_the_detail_page() {
        assert_eq!(
            href(
                "role",
                "111111111111",
                "dev",
                "arn:aws:iam::111111111111:role/dev"
            ),
            "/roles/111111111111/dev"
        );
        assert_eq!(
            href("s3_bucket", "111111111111", "logs", "arn:aws:s3:::logs"),
            "/resource?arn=arn%3Aaws%3As3%3A%3A%3Alogs"
        );
        assert_eq!(encode("a b/é~"), "a%20b%2F%C3%A9~");
        assert_eq!(kind_label("sqs_queue"), "SQS queue");
        assert_eq!(kind_label("lambda_function"), "lambda_function");
    }

    #[test]
    fn every_filter_round_trips_through_the_url() {
        let q = ResourceQuery::from_params(&params(&[
            ("type", "s3_bucket"),
            ("account", "111111111111"),
            ("q", "logs"),
            ("tag", "env=prod"),
            ("denied", "1"),
            ("sort", "account"),
            ("dir", "desc"),
            ("after", "k\tarn:aws:s3:::x"),
        ]))
        .unwrap();
        assert_eq!(q.kind, Some(ResourceKind::S3Bucket));
        assert_eq!(q.tag, Some(("env".into(), Some("prod".into()))));
        assert!(q.denied);
        let back: BTreeMap<String, String> = q
            .to_params()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(ResourceQuery::from_params(&back).unwrap(), q);
        assert!(q
            .to_query_string()
            .starts_with("?type=s3_bucket&account=111111111111&q=logs&tag=env%3Dprod"));
    }

    #[test]
    fn bad_parameters_are_named() {
        for (field, bad) in [
            ("type", "vm"),
            ("account", "12"),
            ("sort", "size"),
            ("after", "nope"),
            ("denied", "yes"),
        ] {
            let err = ResourceQuery::from_params(&params(&[(field, bad)])).unwrap_err();
            assert_eq!(err.0, field, "{field}={bad}");
        }
        assert_eq!(
            ResourceQuery::from_params(&params(&[])).unwrap(),
            ResourceQuery::default()
        );
    }

    #[test]
    fn tag_key_alone_means_any_value() {
        let q = ResourceQuery::from_params(&params(&[("tag", "owner")])).unwrap();
        assert_eq!(q.tag, Some(("owner".into(), None)));
    }
}
