//! Building a [`User`] from an identity and its groups (admin, approver
//! accounts), and the `/me` page: what each group grants.
use super::{eligibility::Access, Services};
use crate::auth::roles::{AppRoles, KnownAccount};
use crate::db;
use app::domain::User;
use app::views::{AccountView, GrantLineView, GroupGrantsView, MeView, UserView};
use app::AppError;
use std::sync::Arc;

/// Who a user is and what they may do: built from an identity and its
/// groups, with what it needs and no more (the group sources of a build's
/// plugins, the admin and approver rules, the accounts they may name, the
/// eligibility rules for `/me`).
pub struct Users<'a> {
    pool: &'a sqlx::PgPool,
    accounts_cache: &'a super::notified_cache::AccountsCache,
    app_roles: &'a AppRoles,
    eligibility: &'a super::eligibility::Eligibility,
    plugins: &'a crate::plugins::Plugins,
}

impl Services {
    pub fn users(&self) -> Users<'_> {
        Users {
            pool: &self.pool,
            accounts_cache: &self.accounts_cache,
            app_roles: &self.app_roles,
            eligibility: &self.eligibility,
            plugins: &self.plugins,
        }
    }
}

impl Users<'_> {
    /// The groups after every group source of the build's plugins had its say.
    async fn resolve_groups(&self, user_id: &str, mut groups: Vec<String>) -> Vec<String> {
        for g in &self.plugins.group_sources {
            groups = g.groups(user_id, groups).await;
        }
        groups
    }

    /// The user with what the config grants their groups. Approver entries
    /// that name accounts are resolved against the accounts table, so only
    /// users in such groups cost a query.
    pub async fn user_for(
        &self,
        id: String,
        display_name: String,
        groups: Vec<String>,
    ) -> crate::Result<User> {
        let groups = self.resolve_groups(&id, groups).await;
        let is_admin = self.app_roles.is_admin(&groups);
        let entries = self.app_roles.approver_entries(&groups);
        let accounts = if AppRoles::needs_accounts(&entries) {
            self.known_accounts().await?
        } else {
            Vec::new()
        };
        Ok(User {
            id,
            display_name,
            groups,
            is_admin,
            approver_accounts: AppRoles::resolve(&entries, &accounts),
        })
    }

    async fn known_accounts(&self) -> crate::Result<Vec<KnownAccount>> {
        Ok(self
            .all_accounts()
            .await?
            .iter()
            .map(|a| KnownAccount {
                id: a.account_id.clone(),
                name: a.name.clone(),
            })
            .collect())
    }

    /// Every known account by name, from memory while the change listener
    /// runs (an account added, renamed, enabled or removed empties it).
    pub async fn all_accounts(&self) -> crate::Result<Arc<Vec<db::accounts::AccountRow>>> {
        use super::notified_cache::ALL_ACCOUNTS;
        if let Some(all) = self.accounts_cache.get(ALL_ACCOUNTS) {
            return Ok(all);
        }
        let epoch = self.accounts_cache.epoch();
        let mut conn = self.pool.acquire().await?;
        let all = Arc::new(db::accounts::list(&mut conn).await?);
        self.accounts_cache.put(ALL_ACCOUNTS, &all, epoch);
        Ok(all)
    }

    /// What the signed-in user is, and which group grants what.
    pub async fn describe_user(&self, user: &User) -> Result<MeView, AppError> {
        let account_rows = self.all_accounts().await?;
        let accounts: Vec<KnownAccount> = account_rows
            .iter()
            .map(|a| KnownAccount {
                id: a.account_id.clone(),
                name: a.name.clone(),
            })
            .collect();
        let mut conn = crate::db::conn(self.pool).await?;
        let roles = db::roles::list_keys(&mut conn).await?;
        drop(conn);
        let access = |a: Access| match a {
            Access::Full => "console and CLI",
            Access::CliOnly => "CLI only",
        };
        let rules = self.eligibility.rules_for(user);
        let rule_lines = |group: Option<&str>| -> Vec<GrantLineView> {
            rules
                .iter()
                .filter(|r| r.group.as_deref() == group)
                .map(|r| GrantLineView {
                    kind: "roles".into(),
                    what: format!(
                        "roles matching {} ({})",
                        r.patterns.join(", "),
                        access(r.access)
                    ),
                    source: format!("access rule eligibility[{}]", r.index),
                })
                .collect()
        };
        let tag_lines = |principal: &str| -> Vec<GrantLineView> {
            roles
                .iter()
                .flat_map(|r| {
                    self.eligibility
                        .tag_principals(&r.tags)
                        .into_iter()
                        .filter(|(p, _, _)| p == principal)
                        .map(move |(_, a, key)| GrantLineView {
                            kind: "role".into(),
                            what: format!("{} in {} ({})", r.name, r.account_name, access(a)),
                            source: format!("role tag {key} on {}", r.arn),
                        })
                })
                .collect()
        };
        let name_of = |id: &str| {
            accounts
                .iter()
                .find(|a| a.id == id)
                .map(|a| format!("{} ({id})", a.name))
                .unwrap_or_else(|| id.to_owned())
        };
        let groups = user
            .groups
            .iter()
            .map(|g| {
                let mut grants = Vec::new();
                if self.app_roles.is_admin_group(g) {
                    grants.push(GrantLineView {
                        kind: "admin".into(),
                        what: "administrator: admin pages, and approves requests in every account"
                            .into(),
                        source: "config auth.admin_groups".into(),
                    });
                }
                let entries = self.app_roles.approver_entries_of(g);
                if !entries.is_empty() {
                    let ids = AppRoles::resolve(&entries, &accounts);
                    let what = if ids.iter().any(|p| p == "*") {
                        "approves requests in every account".to_owned()
                    } else if ids.is_empty() {
                        format!(
                            "approver for {}, which match no known account",
                            entries.join(", ")
                        )
                    } else {
                        let names: Vec<String> = ids.iter().map(|i| name_of(i)).collect();
                        format!("approves requests in {}", names.join(", "))
                    };
                    grants.push(GrantLineView {
                        kind: "approver".into(),
                        what,
                        source: "access rule approvers".into(),
                    });
                }
                grants.extend(rule_lines(Some(g)));
                grants.extend(tag_lines(g));
                GroupGrantsView {
                    group: g.clone(),
                    grants,
                }
            })
            .collect();
        let mut personal = rule_lines(None);
        personal.extend(tag_lines(&user.id));
        let approves_everywhere = user.is_admin || user.approver_accounts.iter().any(|p| p == "*");
        let approver_accounts = if approves_everywhere {
            Vec::new()
        } else {
            account_rows
                .iter()
                .filter(|a| {
                    app::domain::AccountId::parse(&a.account_id).is_ok_and(|id| user.approves(&id))
                })
                .map(|a| AccountView {
                    account_id: a.account_id.clone(),
                    name: a.name.clone(),
                    enabled: a.enabled,
                })
                .collect()
        };
        Ok(MeView {
            user: UserView {
                id: user.id.clone(),
                display_name: user.display_name.clone(),
                groups: user.groups.clone(),
                is_admin: user.is_admin,
            },
            approves_everywhere,
            approver_accounts,
            groups,
            personal,
        })
    }
}
