//! Which users may use which roles: the eligibility rules and role tag
//! keys in force (Admin › Access, seeded from the config file), and the
//! sources a private build adds. Exact or wildcard matches over the whole
//! ARN; never a substring guess. The rules can be replaced while serving
//! ([`Eligibility::set_rules`]); each call reads one consistent version.

use crate::config::Config;
use app::domain::access_rules::{AccessRules, EligibilityRule, Who};
use app::domain::application::is_app_id;
use app::domain::{wildcard::glob_match, User};
use std::sync::{Arc, RwLock};

/// Whether a role tag's entry `g` names `user`: one of their groups or their
/// id. An entry `app/<name>` names that application only, never a group a
/// person's identity provider happens to call so.
fn names(user: &User, g: &str) -> bool {
    !g.is_empty() && (g == user.id || (!is_app_id(g) && user.in_group(g)))
}

/// Whether `rule` names `user` (without allocating: it runs per role).
fn applies(rule: &EligibilityRule, user: &User) -> bool {
    if let Some(g) = &rule.group {
        return !is_app_id(g) && user.in_group(g);
    }
    if let Some(u) = &rule.user {
        return *u == user.id;
    }
    if let Some(a) = &rule.app {
        return user
            .id
            .strip_prefix(app::domain::application::APP_PREFIX)
            .is_some_and(|n| n == a);
    }
    rule.group_or_user
        .as_deref()
        .is_some_and(|x| names(user, x))
}

/// Grants use of roles beyond the rules and role tags (which are built in
/// and always apply). The best access any source gives wins. A private
/// build adds its own through `crate::plugins`.
pub trait EligibilitySource: Send + Sync {
    fn access(&self, user: &User, role_arn: &str, tags: &serde_json::Value) -> Option<Access>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Console and CLI.
    Full,
    CliOnly,
}

/// One version of the rules, as matching needs them.
#[derive(Debug, Default)]
struct RuleSet {
    rules: Vec<EligibilityRule>,
    /// The role tag keys that grant, with what each grants: console-and-CLI
    /// keys first, so the best access is found first.
    tag_keys: Vec<(String, Access)>,
}

impl RuleSet {
    fn of(doc: &AccessRules) -> Self {
        let t = &doc.role_tags;
        Self {
            rules: doc.eligibility.clone(),
            tag_keys: t
                .authorized
                .iter()
                .map(|k| (k.clone(), Access::Full))
                .chain(
                    t.authorized_cli_only
                        .iter()
                        .map(|k| (k.clone(), Access::CliOnly)),
                )
                .collect(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Eligibility {
    set: RwLock<Arc<RuleSet>>,
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

fn access_of(rule: &EligibilityRule) -> Access {
    if rule.cli_only {
        Access::CliOnly
    } else {
        Access::Full
    }
}

impl Eligibility {
    /// The config file's rules (until [`Self::set_rules`] says otherwise).
    pub fn from_config(c: &Config) -> Self {
        Self {
            set: RwLock::new(Arc::new(RuleSet::of(&c.access_rules()))),
            extra: ExtraSources::default(),
            protected: super::protected::ProtectedRoles::from_config(&c.aws),
        }
    }

    /// Puts `doc`'s rules in force for every later call.
    pub fn set_rules(&self, doc: &AccessRules) {
        let next = Arc::new(RuleSet::of(doc));
        match self.set.write() {
            Ok(mut w) => *w = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    fn current(&self) -> Arc<RuleSet> {
        match self.set.read() {
            Ok(r) => Arc::clone(&r),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Latchkey's own roles and `aws.protected_roles`.
    pub fn protected(&self) -> &super::protected::ProtectedRoles {
        &self.protected
    }

    /// The same rules in force, with a private build's sources.
    pub fn rebuilt_with_sources(&self, sources: Vec<Arc<dyn EligibilitySource>>) -> Self {
        Self {
            set: RwLock::new(self.current()),
            extra: ExtraSources(sources),
            protected: self.protected.clone(),
        }
    }

    /// Adds the sources of a private build; the best access any gives wins.
    pub fn with_sources(mut self, sources: Vec<std::sync::Arc<dyn EligibilitySource>>) -> Self {
        self.extra = ExtraSources(sources);
        self
    }

    /// The best access `user` has to `role_arn`, if any, from the rules and
    /// the role's own tags (`tags` as cached: `[{"key","value"}]`): the
    /// role tag keys in force (by default `latchkey-authorized`, console
    /// and CLI, and `latchkey-authorized-cli-only`), each a `:`-separated
    /// list of groups (or user ids).
    pub fn access(&self, user: &User, role_arn: &str, tags: &serde_json::Value) -> Option<Access> {
        // Checked first: no rule, tag or plugin makes a protected role usable.
        if self.protected.is_protected(role_arn) {
            return None;
        }
        let builtin = self.builtin_access(&self.current(), user, role_arn, tags);
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
        set: &RuleSet,
        user: &User,
        role_arn: &str,
        tags: &serde_json::Value,
    ) -> Option<Access> {
        let mut best = None;
        for r in &set.rules {
            if applies(r, user) && r.roles.iter().any(|p| glob_match(p, role_arn)) {
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
        for (key, access) in &set.tag_keys {
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
        for (i, r) in self.current().rules.iter().enumerate() {
            if let Some(p) = r.roles.iter().find(|p| glob_match(p, role_arn)) {
                out.push(Grant {
                    principal: r.label(),
                    access: access_of(r),
                    reason: format!("eligibility[{i}] pattern {p}"),
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

/// One rule as it applies to a user: who it names and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleGrant {
    /// `Some(group)` when it names one of the user's groups, `None` when it
    /// names the user (or the application) itself.
    pub group: Option<String>,
    pub patterns: Vec<String>,
    pub access: Access,
    pub index: usize,
}

impl Eligibility {
    /// The rules that name `user` or one of their groups.
    pub fn rules_for(&self, user: &User) -> Vec<RuleGrant> {
        self.current()
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| applies(r, user))
            .map(|(index, r)| RuleGrant {
                group: match r.who() {
                    Some(Who::Group(g)) => Some(g),
                    Some(Who::GroupOrUser(x)) if x != user.id => Some(x),
                    _ => None,
                },
                patterns: r.roles.clone(),
                access: access_of(r),
                index,
            })
            .collect()
    }

    /// The role tag keys that grant access (both lists).
    pub fn tag_keys(&self) -> Vec<String> {
        self.current()
            .tag_keys
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The groups or user ids a role's tags name, with the access and tag.
    pub fn tag_principals(&self, tags: &serde_json::Value) -> Vec<(String, Access, String)> {
        let mut out = Vec::new();
        for (key, access) in &self.current().tag_keys {
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
                    out.push((g.to_owned(), *access, key.clone()));
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
