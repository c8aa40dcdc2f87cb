//! AWS actions and resource types by service prefix, from AWS's service
//! authorization reference (generated into `iam_catalogue.txt` by
//! `scripts/gen_iam_catalogue.py`; the file says how it is encoded).
//!
//! Parsed once, on first use. Action names are matched without regard to case,
//! as IAM does.

use crate::domain::wildcard::action_matches;
use std::sync::OnceLock;

static DATA: &str = include_str!("iam_catalogue.txt");

/// How much an action can do, per the service authorization reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum AccessLevel {
    Read,
    List,
    Write,
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    /// Write, permissions management and tagging change things.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Self::Write | Self::PermissionsManagement | Self::Tagging
        )
    }
}

/// A resource type of a service, e.g. S3 `bucket` with ARN pattern `arn:*:s3:::*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub name: &'static str,
    /// The documented ARN with every `${Variable}` replaced by `*`.
    pub arn_pattern: String,
}

/// One action of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub name: String,
    pub level: AccessLevel,
    types: Vec<u16>,
}

/// One service (prefix) with its resource types and actions (sorted by name).
#[derive(Debug)]
pub struct Service {
    pub prefix: &'static str,
    pub resource_types: Vec<ResourceType>,
    pub actions: Vec<Action>,
}

impl Service {
    /// Resource types `action` can be scoped to; empty means it takes only `"Resource": "*"`.
    pub fn types_of<'a>(&'a self, action: &'a Action) -> impl Iterator<Item = &'a ResourceType> {
        action
            .types
            .iter()
            .filter_map(|&i| self.resource_types.get(usize::from(i)))
    }
}

fn all() -> &'static [Service] {
    static SERVICES: OnceLock<Vec<Service>> = OnceLock::new();
    SERVICES.get_or_init(|| DATA.lines().filter_map(parse_line).collect())
}

fn parse_line(line: &'static str) -> Option<Service> {
    if line.starts_with('#') {
        return None;
    }
    let mut parts = line.split('|');
    let prefix = parts.next()?;
    let resource_types = parts
        .next()?
        .split(';')
        .filter(|s| !s.is_empty())
        .filter_map(|t| {
            let (name, pat) = t.split_once('=')?;
            Some(ResourceType {
                name,
                arn_pattern: format!("arn:*:{pat}"),
            })
        })
        .collect();
    let mut prev = String::new();
    let mut actions = Vec::new();
    for item in parts.next()?.split(',').filter(|s| !s.is_empty()) {
        let (coded, rest) = item.split_once(':')?;
        let shared = coded.chars().next()?.to_digit(36)? as usize;
        let name = format!("{}{}", prev.get(..shared)?, coded.get(1..)?);
        let mut rest = rest.chars();
        let level = match rest.next()? {
            'R' => AccessLevel::Read,
            'L' => AccessLevel::List,
            'W' => AccessLevel::Write,
            'P' => AccessLevel::PermissionsManagement,
            _ => AccessLevel::Tagging,
        };
        let types = rest
            .as_str()
            .split('.')
            .filter_map(|i| i.parse().ok())
            .collect();
        prev.clone_from(&name);
        actions.push(Action { name, level, types });
    }
    Some(Service {
        prefix,
        resource_types,
        actions,
    })
}

/// Every service prefix, sorted.
pub fn services() -> Vec<&'static str> {
    all().iter().map(|s| s.prefix).collect()
}

/// The service with this prefix (case-insensitive).
pub fn service(prefix: &str) -> Option<&'static Service> {
    let p = prefix.to_ascii_lowercase();
    all()
        .binary_search_by(|s| s.prefix.cmp(p.as_str()))
        .ok()
        .and_then(|i| all().get(i))
}

/// Action names (without prefix) of a service, sorted; empty for unknown prefixes.
pub fn actions(prefix: &str) -> Vec<&'static str> {
    service(prefix)
        .map(|s| s.actions.iter().map(|a| a.name.as_str()).collect())
        .unwrap_or_default()
}

/// The action `service:Name` (case-insensitive), with its service.
pub fn lookup(action: &str) -> Option<(&'static Service, &'static Action)> {
    let (prefix, name) = action.split_once(':')?;
    let svc = service(prefix)?;
    let a = svc
        .actions
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))?;
    Some((svc, a))
}

/// Every catalogue action a pattern (`s3:Get*`, `*`, `*:List*`) matches.
pub fn expand(pattern: &str) -> Vec<(&'static Service, &'static Action)> {
    let (sp, ap) = match pattern.split_once(':') {
        Some(x) => x,
        None if pattern.chars().all(|c| c == '*') => ("*", "*"),
        None => return Vec::new(),
    };
    let mut out = Vec::new();
    // Most patterns name their service: look it up instead of scanning all.
    let candidates: &[Service] = if sp.contains(['*', '?']) {
        all()
    } else {
        match service(sp) {
            Some(svc) => std::slice::from_ref(svc),
            None => return out,
        }
    };
    for svc in candidates {
        if !action_matches(sp, svc.prefix) {
            continue;
        }
        out.extend(
            svc.actions
                .iter()
                .filter(|a| action_matches(ap, &a.name))
                .map(|a| (svc, a)),
        );
    }
    out
}

/// How many catalogue actions a pattern matches (0 for a misspelt action).
pub fn matches(pattern: &str) -> usize {
    expand(pattern).len()
}

/// Resource types of one action, e.g. `s3:GetObject` → `object`.
pub fn resource_types(action: &str) -> Vec<&'static ResourceType> {
    match lookup(action) {
        Some((svc, a)) => svc.types_of(a).collect(),
        None => Vec::new(),
    }
}

/// Access level of one action.
pub fn access_level(action: &str) -> Option<AccessLevel> {
    lookup(action).map(|(_, a)| a.level)
}

/// Up to `limit` completions of what a user typed: service prefixes
/// (`"s3:"`) while there is no colon, then `service:Action` names that start
/// with the typed name (case-insensitive), sorted.
pub fn complete(partial: &str, limit: usize) -> Vec<String> {
    let partial = partial.trim();
    match partial.split_once(':') {
        None => {
            let p = partial.to_ascii_lowercase();
            all()
                .iter()
                .filter(|s| s.prefix.starts_with(&p))
                .take(limit)
                .map(|s| format!("{}:", s.prefix))
                .collect()
        }
        Some((prefix, name)) => {
            let Some(svc) = service(prefix) else {
                return Vec::new();
            };
            let n = name.to_ascii_lowercase();
            svc.actions
                .iter()
                .filter(|a| a.name.to_ascii_lowercase().starts_with(&n))
                .take(limit)
                .map(|a| format!("{}:{}", svc.prefix, a.name))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_holds_hundreds_of_services_and_the_common_actions() {
        assert!(services().len() > 300);
        assert!(actions("s3").contains(&"GetObject"));
        assert!(actions("sqs").contains(&"SendMessage"));
        assert!(actions("nosuchservice").is_empty());
        assert_eq!(access_level("s3:GetObject"), Some(AccessLevel::Read));
        assert_eq!(access_level("S3:putobject"), Some(AccessLevel::Write));
    }

    #[test]
    fn front_coded_names_decode_to_real_action_names() {
        let sqs = actions("sqs");
        assert!(sqs.contains(&"GetQueueAttributes") && sqs.contains(&"GetQueueUrl"));
        assert!(sqs.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn wildcards_count_the_actions_they_match() {
        assert!(matches("s3:Get*") > 10);
        assert_eq!(matches("s3:Gett*"), 0);
        assert_eq!(matches("s3:GetObject"), 1);
        assert!(matches("*") > 10_000);
        assert_eq!(matches("nosuch:*"), 0);
    }

    #[test]
    fn completion_offers_services_then_actions() {
        let services = complete("sq", 5);
        assert!(services.contains(&"sqs:".to_owned()), "{services:?}");
        assert!(services
            .iter()
            .all(|s| s.starts_with("sq") && s.ends_with(':')));
        let got = complete("s3:GetObjectV", 3);
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|a| a.starts_with("s3:GetObjectVersion")));
        assert!(complete("nosuch:Get", 5).is_empty());
    }

    #[test]
    fn resource_types_name_the_arn_patterns() {
        let t = resource_types("s3:GetObject");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].name, "object");
        assert_eq!(t[0].arn_pattern, "arn:*:s3:::*/*");
        assert!(resource_types("s3:ListAllMyBuckets").is_empty());
        assert!(resource_types("sqs:SendMessage")
            .iter()
            .any(|t| t.name == "queue"));
    }
}
