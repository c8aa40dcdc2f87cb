//! What the eligible-roles cache holds: a user's picks from the shared list
//! of every enabled account's roles. A leaf, so `Services` can hold the
//! cache without depending on the service that fills it.
use crate::db::roles::RoleKey;
use crate::services::{eligibility::Access, notified_cache::NotifiedCache};
use std::sync::Arc;

/// A user's eligible roles: the shared role list and the picks from it.
#[derive(Clone, Default)]
pub struct EligibleRoles {
    pub(super) roles: Arc<Vec<RoleKey>>,
    pub(super) picks: Arc<Vec<(u32, Access)>>,
}

impl EligibleRoles {
    /// The roles in account-name, role-name order, with the access to each.
    pub fn iter(&self) -> impl Iterator<Item = (&RoleKey, Access)> + '_ {
        self.picks
            .iter()
            .filter_map(|(i, a)| self.roles.get(*i as usize).map(|k| (k, *a)))
    }

    pub fn len(&self) -> usize {
        self.picks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.picks.is_empty()
    }
}

pub type EligibleCache = NotifiedCache<EligibleRoles>;
