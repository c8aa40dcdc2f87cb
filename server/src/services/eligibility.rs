//! Which users may use which roles, from the config's group/user mapping.
//! Exact or wildcard matches over the whole ARN; never a substring guess.

use crate::config::Config;
use app::domain::application::{is_app_id, APP_PREFIX};
use app::domain::{wildcard::glob_match, User};

/// Whether a role tag's entry `g` names `user`: one of their groups or their
/// id. An entry `app/<name>` names that application only, never a group a
/// person's identity provider happens to call so.
fn names(user: &User, g: &str) -> bool {
    !g.is_empty() && (g == user.id || (!is_app_id(g) && user.in_group(g)))
}

#[derive(Debug, Clone)]
struct Rule {
    group: Option<String>,
    user: Option<String>,
    patterns: Vec<String>,
    cli_only: bool,
}

/// Grants use of roles beyond the config's rules and role tags (which are
/// built in and always apply). The best access any source gives wins.
/// A private build adds its own through `crate::plugins`.
pub trait EligibilitySource: Send + Sync {
    fn access(&self, user: &User, role_arn: &str, tags: &serde_json::Value) -> Option<Access>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Console and CLI.
    Full,
    CliOnly,
}

#[derive(Debug, Clone, Default)]
pub struct Eligibility {
    rules: Vec<Rule>,
    /// The role tag keys that grant (`[role_tags]`), with what each grants:
    /// console-and-CLI keys first, so the best access is found first.
    tag_keys: Vec<(String, Access)>,
    extra: ExtraSources,
    protected: super::protected::ProtectedRoles,
}

/// Eligibility sources a private build added (see `crate::plugins`).
#[derive(Clone, Default)]
struct ExtraSources(Vec<std::sync::Arc<dyn EligibilitySource>>);

impl std::fmt::Debug for ExtraSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} plugin source(s)", self.0.len())
    }
}

impl Eligibility {
    pub fn from_config(c: &Config) -> Self {
        Self {
            rules: c
                .eligibility
                .iter()
                .map(|r| Rule {
                    group: r.group.clone(),
                    user: r.principal(),
                    patterns: r.roles.clone(),
                    cli_only: r.cli_only,
                })
                .collect(),
            tag_keys: c
                .role_tags
                .authorized
                .iter()
                .map(|k| (k.to_string(), Access::Full))
                .chain(
                    c.role_tags
                        .authorized_cli_only
                        .iter()
                        .map(|k| (k.to_string(), Access::CliOnly)),
                )
                .collect(),
            extra: ExtraSources::default(),
            protected: super::protected::ProtectedRoles::from_config(&c.aws),
        }
    }

    /// Latchkey's own roles and `aws.protected_roles`.
    pub fn protected(&self) -> &super::protected::ProtectedRoles {
        &self.protected
    }

    /// Adds the sources of a private build; the best access any gives wins.
    pub fn with_sources(mut self, sources: Vec<std::sync::Arc<dyn EligibilitySource>>) -> Self {
        self.extra = ExtraSources(sources);
        self
    }

    /// The best access `user` has to `role_arn`, if any, from the config's
    /// rules and the role's own tags (`tags` as cached: `[{"key","value"}]`):
    /// those `[role_tags]` names (by default `latchkey-authorized`, console
    /// and CLI, and `latchkey-authorized-cli-only`), each a `:`-separated
    /// list of groups (or user ids).
    pub fn access(&self, user: &User, role_arn: &str, tags: &serde_json::Value) -> Option<Access> {
        // Checked first: no rule, tag or plugin makes a protected role usable.
        if self.protected.is_protected(role_arn) {
            return None;
        }
        let builtin = self.builtin_access(user, role_arn, tags);
        if builtin == Some(Access::Full) {
            return builtin;
        }
        self.extra
            .0
            .iter()
            .filter_map(|s| s.access(user, role_arn, tags))
            .fold(builtin, |best, a| match (best, a) {
                (_, Access::Full) | (None, _) => Some(a),
                (b, _) => b,
            })
    }

    fn builtin_access(
        &self,
        user: &User,
        role_arn: &str,
        tags: &serde_json::Value,
    ) -> Option<Access> {
        let mut best = None;
        for r in &self.rules {
            let applies = r.group.as_deref().is_some_and(|g| user.in_group(g))
                || r.user.as_deref().is_some_and(|u| u == user.id);
            if applies && r.patterns.iter().any(|p| glob_match(p, role_arn)) {
                if !r.cli_only {
                    return Some(Access::Full);
                }
                best = Some(Access::CliOnly);
            }
        }
        let tag = |key: &str| {
            tags.as_array()
                .into_iter()
                .flatten()
                .filter(|t| t["key"].as_str() == Some(key))
                .filter_map(|t| t["value"].as_str())
                .any(|v| v.split(':').map(str::trim).any(|g| names(user, g)))
        };
        for (key, access) in &self.tag_keys {
            if tag(key) {
                if *access == Access::Full {
                    return Some(Access::Full);
                }
                best = Some(Access::CliOnly);
            }
        }
        best
    }

    pub fn check(
        &self,
        user: &User,
        arn: &app::domain::RoleArn,
        tags: &serde_json::Value,
    ) -> Option<EligibleRole> {
        self.access(user, &arn.to_string(), tags)
            .map(|access| EligibleRole {
                arn: arn.clone(),
                access,
            })
    }
}

/// One way a role is granted: to whom, how, and by which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub principal: String,
    pub access: Access,
    pub reason: String,
}

impl Eligibility {
    /// Everyone who may use `role_arn` and why (for administrators).
    pub fn grants(&self, role_arn: &str, tags: &serde_json::Value) -> Vec<Grant> {
        let mut out = Vec::new();
        if self.protected.is_protected(role_arn) {
            return out;
        }
        for (i, r) in self.rules.iter().enumerate() {
            if let Some(p) = r.patterns.iter().find(|p| glob_match(p, role_arn)) {
                let principal = match (&r.group, &r.user) {
                    (Some(g), _) => format!("group {g}"),
                    (None, Some(u)) if is_app_id(u) => {
                        format!("application {}", &u[APP_PREFIX.len()..])
                    }
                    (None, Some(u)) => format!("user {u}"),
                    (None, None) => continue,
                };
                let access = if r.cli_only {
                    Access::CliOnly
                } else {
                    Access::Full
                };
                out.push(Grant {
                    principal,
                    access,
                    reason: format!("config eligibility[{i}] pattern {p}"),
                });
            }
        }
        for (g, access, key) in self.tag_principals(tags) {
            out.push(Grant {
                principal: format!("group or user {g}"),
                access,
                reason: format!("role tag {key}"),
            });
        }
        out
    }
}

/// One config rule as it applies to a user: who it names and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleGrant {
    /// `Some(group)` for a group rule, `None` for a rule naming the user.
    pub group: Option<String>,
    pub patterns: Vec<String>,
    pub access: Access,
    pub index: usize,
}

impl Eligibility {
    /// The config rules that name `user` or one of their groups.
    pub fn rules_for(&self, user: &User) -> Vec<RuleGrant> {
        self.rules
            .iter()
            .enumerate()
            .filter_map(|(index, r)| {
                let group = match (&r.group, &r.user) {
                    (Some(g), _) if user.in_group(g) => Some(g.clone()),
                    (None, Some(u)) if *u == user.id => None,
                    _ => return None,
                };
                Some(RuleGrant {
                    group,
                    patterns: r.patterns.clone(),
                    access: if r.cli_only {
                        Access::CliOnly
                    } else {
                        Access::Full
                    },
                    index,
                })
            })
            .collect()
    }

    /// The role tag keys that grant access (`[role_tags]`, both lists).
    pub fn tag_keys(&self) -> impl Iterator<Item = &str> {
        self.tag_keys.iter().map(|(k, _)| k.as_str())
    }

    /// The groups or user ids a role's tags name, with the access and tag.
    pub fn tag_principals(&self, tags: &serde_json::Value) -> Vec<(String, Access, &str)> {
        let mut out = Vec::new();
        for (key, access) in &self.tag_keys {
            let (key, access) = (key.as_str(), *access);
            for t in tags
                .as_array()
                .into_iter()
                .flatten()
                .filter(|t| t["key"].as_str() == Some(key))
            {
                for g in t["value"]
                    .as_str()
                    .unwrap_or_default()
                    .split(':')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                {
                    out.push((g.to_owned(), access, key));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;

/// Proof that a user may use a role; built only by [`Eligibility::check`].
#[derive(Debug, Clone)]
pub struct EligibleRole {
    arn: app::domain::RoleArn,
    access: Access,
}

impl EligibleRole {
    pub fn arn(&self) -> &app::domain::RoleArn {
        &self.arn
    }
    pub fn access(&self) -> Access {
        self.access
    }
}
