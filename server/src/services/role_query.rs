//! Which of a user's roles a typed query names, as ConsoleMe's clients
//! type them (Weep's `requested_role`, `/role/{query}` bookmarks): a full
//! ARN, `account/role` (account name or id), or a bare role name. A bare
//! name picks the one eligible role of that exact name (any case); several
//! exact matches, or only partial ones, are never picked silently: the
//! caller gets them to choose from.
use super::eligibility::Access;
use super::Services;
use app::domain::User;
use app::AppError;

/// What a query names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleMatch {
    /// One role (its ARN); whether the user may use it is decided after.
    One(String),
    /// Several eligible roles it could mean, by ARN.
    Several(Vec<String>),
    /// No eligible role is like it.
    Nothing,
}

impl Services {
    /// Resolves `query` for `user`; `console` counts only roles they may
    /// open in the console (not CLI-only ones).
    pub async fn match_role(
        &self,
        user: &User,
        query: &str,
        console: bool,
    ) -> Result<RoleMatch, AppError> {
        let query = query.trim();
        if query.starts_with("arn:") {
            return Ok(RoleMatch::One(query.to_owned()));
        }
        if let Some((account, name)) = query.split_once('/') {
            let arn = self.role_use().resolve_role(account, name).await?;
            return Ok(RoleMatch::One(arn.to_string()));
        }
        let eligible = self.eligible().roles(user).await?;
        let usable = eligible
            .iter()
            .filter(|(_, a)| !console || *a == Access::Full)
            .map(|(k, _)| k);
        let needle = query.to_lowercase();
        let (mut exact, mut partial) = (Vec::new(), Vec::new());
        for k in usable {
            if k.name.eq_ignore_ascii_case(query) {
                exact.push(k.arn.clone());
            } else if !needle.is_empty() && k.arn.to_lowercase().contains(&needle) {
                partial.push(k.arn.clone());
            }
        }
        Ok(match (exact.len(), partial.is_empty()) {
            (1, _) => RoleMatch::One(exact.remove(0)),
            (0, true) => RoleMatch::Nothing,
            (0, false) => {
                partial.sort();
                RoleMatch::Several(partial)
            }
            _ => {
                exact.sort();
                RoleMatch::Several(exact)
            }
        })
    }
}
