//! App roles from groups in config: admin everywhere, approver in some
//! accounts. Approver entries name accounts by id, name or pattern; the user
//! carries only id patterns, so a name is resolved against known accounts.
use crate::config::AuthConfig;
use app::domain::wildcard::glob_match;

/// Admin groups come from the config file alone (no one edits their way
/// in or locks everyone out at run time); approver groups are access rules
/// (Admin › Access) and may be replaced while serving.
#[derive(Debug, Default)]
pub struct AppRoles {
    admin_groups: Vec<String>,
    approvers: std::sync::RwLock<std::sync::Arc<Approvers>>,
}

/// Each approver group with the account entries it approves in.
type Approvers = Vec<(String, Vec<String>)>;

fn pairs(rules: &[app::domain::access_rules::ApproverRule]) -> Approvers {
    rules
        .iter()
        .map(|a| (a.group.clone(), a.accounts.clone()))
        .collect()
}

/// An account as the resolver sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAccount {
    pub id: String,
    pub name: String,
}

/// An entry that only holds digits and wildcards matches ids directly.
pub fn is_id_pattern(p: &str) -> bool {
    !p.is_empty()
        && p.chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '?')
}

impl AppRoles {
    pub fn from_config(auth: &AuthConfig) -> Self {
        Self {
            admin_groups: auth.admin_groups.clone(),
            approvers: std::sync::RwLock::new(std::sync::Arc::new(pairs(&auth.approvers))),
        }
    }

    /// Puts these approver rules in force for every later call.
    pub fn set_approvers(&self, rules: &[app::domain::access_rules::ApproverRule]) {
        let next = std::sync::Arc::new(pairs(rules));
        match self.approvers.write() {
            Ok(mut w) => *w = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    fn approvers(&self) -> std::sync::Arc<Approvers> {
        match self.approvers.read() {
            Ok(r) => std::sync::Arc::clone(&r),
            Err(poisoned) => std::sync::Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The configured admin groups.
    pub fn admin_groups(&self) -> &[String] {
        &self.admin_groups
    }

    pub fn is_admin_group(&self, group: &str) -> bool {
        self.admin_groups.iter().any(|g| g == group)
    }

    pub fn is_admin(&self, groups: &[String]) -> bool {
        groups.iter().any(|g| self.is_admin_group(g))
    }

    /// The configured account entries (ids, names, patterns) one group approves in.
    pub fn approver_entries_of(&self, group: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .approvers()
            .iter()
            .filter(|(g, _)| g == group)
            .flat_map(|(_, a)| a.iter().cloned())
            .collect();
        out.dedup();
        out
    }

    /// Every entry the user's groups grant, deduplicated.
    pub fn approver_entries(&self, groups: &[String]) -> Vec<String> {
        let mut out: Vec<String> = groups
            .iter()
            .flat_map(|g| self.approver_entries_of(g))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether resolving `entries` needs the list of known accounts (names).
    pub fn needs_accounts(entries: &[String]) -> bool {
        entries.iter().any(|e| !is_id_pattern(e))
    }

    /// Turns entries into id patterns: id patterns stay, names and name
    /// patterns become the ids of the known accounts they match.
    pub fn resolve(entries: &[String], accounts: &[KnownAccount]) -> Vec<String> {
        let mut out = Vec::new();
        for e in entries {
            if is_id_pattern(e) {
                out.push(e.clone());
            } else {
                out.extend(
                    accounts
                        .iter()
                        .filter(|a| glob_match(e, &a.name))
                        .map(|a| a.id.clone()),
                );
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> AppRoles {
        let cfg = crate::config::Config::minimal_with(
            r#"
            [auth]
            admin_groups = ["admins"]
            [[auth.approvers]]
            group = "team-a-leads"
            accounts = ["111111111111", "prod-*"]
            [[auth.approvers]]
            group = "security"
            accounts = ["*"]
            "#,
        );
        AppRoles::from_config(&cfg.auth)
    }

    fn accounts() -> Vec<KnownAccount> {
        [
            ("111111111111", "staging"),
            ("222222222222", "prod-eu"),
            ("333333333333", "prod-us"),
            ("444444444444", "sandbox"),
        ]
        .into_iter()
        .map(|(id, name)| KnownAccount {
            id: id.into(),
            name: name.into(),
        })
        .collect()
    }

    fn g(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn admin_groups_make_admins() {
        let r = roles();
        assert!(r.is_admin(&g(&["engineers", "admins"])));
        assert!(!r.is_admin(&g(&["engineers", "admins-team"])));
    }

    #[test]
    fn approver_names_resolve_to_account_ids() {
        let r = roles();
        let entries = r.approver_entries(&g(&["team-a-leads"]));
        assert!(AppRoles::needs_accounts(&entries));
        assert_eq!(
            AppRoles::resolve(&entries, &accounts()),
            g(&["111111111111", "222222222222", "333333333333"])
        );
    }

    #[test]
    fn a_star_entry_approves_everywhere_without_a_lookup() {
        let r = roles();
        let entries = r.approver_entries(&g(&["security"]));
        assert!(!AppRoles::needs_accounts(&entries));
        assert_eq!(AppRoles::resolve(&entries, &[]), g(&["*"]));
    }

    #[test]
    fn groups_without_approver_rules_approve_nothing() {
        let r = roles();
        assert!(r.approver_entries(&g(&["engineers"])).is_empty());
        assert!(AppRoles::resolve(&g(&["no-such-account"]), &accounts()).is_empty());
    }
}
