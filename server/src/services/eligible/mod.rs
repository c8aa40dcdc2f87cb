//! The roles each user may use, answered from memory. Every enabled
//! account's cached roles are read once into a shared list; each user's
//! eligible roles (by user id and groups, since rules and plugins may name
//! either) are indexes into it. Both are kept exact by the same Postgres
//! notification as the role-access cache (any change to roles or accounts
//! drops them everywhere), so the roles home and `get_roles` cost a lookup,
//! not a query and a pattern match per role.
pub mod cache;
pub use crate::db::roles::RoleKey;
pub use cache::{EligibleCache, EligibleRoles};

use super::Services;
use app::domain::User;
use std::sync::Arc;

/// The key of the shared list of every enabled account's roles.
const ALL_ROLES: &str = "\u{1}all";

fn key_of(user: &User) -> String {
    let mut groups = user.groups.clone();
    groups.sort();
    format!("{}\u{1f}{}", user.id, groups.join("\u{1f}"))
}

/// What answering "which roles may this user use" needs, and no more.
pub struct Eligible<'a> {
    pool: &'a sqlx::PgPool,
    rules: &'a super::eligibility::Eligibility,
    cache: &'a EligibleCache,
}

impl Services {
    pub fn eligible(&self) -> Eligible<'_> {
        Eligible {
            pool: &self.pool,
            rules: &self.eligibility,
            cache: &self.eligible_cache,
        }
    }
}

impl Eligible<'_> {
    /// `user`'s eligible roles (protected roles never among them).
    pub async fn roles(&self, user: &User) -> crate::Result<EligibleRoles> {
        let key = key_of(user);
        if let Some(found) = self.cache.get(&key) {
            return Ok(found);
        }
        let epoch = self.cache.epoch();
        let roles = match self.cache.get(ALL_ROLES) {
            Some(all) => all.roles,
            None => {
                let mut conn = self.pool.acquire().await?;
                let all = EligibleRoles {
                    roles: Arc::new(crate::db::roles::list_keys(&mut conn).await?),
                    picks: Arc::default(),
                };
                self.cache.put(ALL_ROLES, &all, epoch);
                all.roles
            }
        };
        let picks = roles
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                let access = self.rules.access(user, &k.arn, &k.tags)?;
                Some((u32::try_from(i).ok()?, access))
            })
            .collect();
        let found = EligibleRoles {
            roles,
            picks: Arc::new(picks),
        };
        self.cache.put(&key, &found, epoch);
        Ok(found)
    }
}
