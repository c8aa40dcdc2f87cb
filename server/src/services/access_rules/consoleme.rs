//! `latchkey import-consoleme`: ConsoleMe's access settings as access rules.
//! Reads a dynamic config (what ConsoleMe's /config page edits, top-level
//! `group_mapping`) or a static config (with an inline `dynamic_config:`,
//! and `cloud_credential_authorization_mapping.role_tags`, `groups`):
//!
//! - `group_mapping.<key>.roles` / `.cli_only_roles` become eligibility
//!   rules for `group_or_user = <key>` (ConsoleMe matched a key against the
//!   user's name and groups alike), console and CLI / CLI only;
//! - `role_tags.authorized_groups_tags` / `authorized_groups_cli_only_tags`
//!   become role tag keys (their values were `:`-separated, as here);
//! - `groups.can_admin_policies` become approvers in every account.
//!
//! `groups.can_admin` and `application_admin` are reported, not imported:
//! administrators are named in the config file (`auth.admin_groups`).
use app::domain::access_rules::{AccessRules, ApproverRule, EligibilityRule};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
struct Doc {
    #[serde(default)]
    group_mapping: BTreeMap<String, Mapping>,
    #[serde(default)]
    dynamic_config: Option<Box<Doc>>,
    #[serde(default)]
    cloud_credential_authorization_mapping: Option<Mapping2>,
    #[serde(default)]
    groups: Option<Groups>,
    #[serde(default)]
    application_admin: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Mapping {
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    cli_only_roles: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Mapping2 {
    #[serde(default)]
    role_tags: Option<TagSettings>,
}

#[derive(Debug, Default, Deserialize)]
struct TagSettings {
    #[serde(default)]
    authorized_groups_tags: Vec<String>,
    #[serde(default)]
    authorized_groups_cli_only_tags: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Groups {
    #[serde(default)]
    can_admin: Vec<String>,
    #[serde(default)]
    can_admin_policies: Vec<String>,
}

/// What an import found: the rules, and what it left for the operator.
#[derive(Debug, Default, PartialEq)]
pub struct Imported {
    pub rules: AccessRules,
    /// Groups ConsoleMe made administrators (for `auth.admin_groups`).
    pub admins: Vec<String>,
    /// Entries skipped, each with why.
    pub skipped: Vec<String>,
}

/// Reads ConsoleMe YAML; a file that is not YAML, or has none of the keys
/// above, is an error naming what was expected.
pub fn import(yaml: &str) -> Result<Imported, String> {
    let doc: Doc = serde_norway::from_str(yaml).map_err(|e| format!("not ConsoleMe YAML: {e}"))?;
    let mut out = Imported::default();
    let inline = doc.dynamic_config.as_deref();
    let mappings = doc
        .group_mapping
        .iter()
        .chain(inline.into_iter().flat_map(|d| d.group_mapping.iter()));
    for (key, m) in mappings {
        for (roles, cli_only) in [(&m.roles, false), (&m.cli_only_roles, true)] {
            let (ok, bad): (Vec<String>, Vec<String>) =
                roles.iter().cloned().partition(|r| r.starts_with("arn:"));
            for r in bad {
                out.skipped
                    .push(format!("group_mapping.{key}: {r:?} is not a role ARN"));
            }
            if ok.is_empty() {
                continue;
            }
            let rule = EligibilityRule {
                group_or_user: Some(key.clone()),
                roles: ok,
                cli_only,
                ..Default::default()
            };
            match rule.check("rule") {
                Ok(()) => out.rules.eligibility.push(rule),
                Err((_, why)) => out.skipped.push(format!("group_mapping.{key}: {why}")),
            }
        }
    }
    let settings = [Some(&doc), inline];
    for d in settings.into_iter().flatten() {
        if let Some(t) = d
            .cloud_credential_authorization_mapping
            .as_ref()
            .and_then(|c| c.role_tags.as_ref())
        {
            let keys = &mut out.rules.role_tags;
            keys.authorized
                .extend(t.authorized_groups_tags.iter().cloned());
            keys.authorized_cli_only
                .extend(t.authorized_groups_cli_only_tags.iter().cloned());
        }
        if let Some(g) = &d.groups {
            for group in &g.can_admin_policies {
                out.rules.approvers.push(ApproverRule {
                    group: group.clone(),
                    accounts: vec!["*".into()],
                });
            }
            out.admins.extend(g.can_admin.iter().cloned());
        }
        out.admins.extend(d.application_admin.iter().cloned());
    }
    out.admins.sort();
    out.admins.dedup();
    let found = &out.rules;
    if found.eligibility.is_empty()
        && found.approvers.is_empty()
        && found.role_tags == Default::default()
        && out.admins.is_empty()
    {
        return Err(
            "found none of group_mapping, dynamic_config.group_mapping, \
                    cloud_credential_authorization_mapping.role_tags or groups"
                .into(),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
