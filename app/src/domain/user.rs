//! The signed-in person and the proofs of what they may do. A proof such as
//! [`Admin`] or [`Approver`] can only be built by checking, so a service
//! method that takes one cannot be reached without the check.

use crate::domain::{wildcard::glob_match, AccountId};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A signed-in user as resolved by the server from the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable identity (e-mail or username); also the STS session name.
    pub id: String,
    pub display_name: String,
    pub groups: Vec<String>,
    /// Computed by the server from the configured admin groups.
    pub is_admin: bool,
    /// Accounts this user approves requests in, computed by the server from
    /// the configured approver groups: 12-digit ids or id patterns with `*`
    /// and `?` (`"*"` is every account). Names in the config are resolved to
    /// ids by the server. Admins approve everywhere whatever this holds.
    #[serde(default)]
    pub approver_accounts: Vec<String>,
}

impl User {
    pub fn in_group(&self, g: &str) -> bool {
        self.groups.iter().any(|x| x == g)
    }

    /// Whether the user may approve requests in `account` (admins: everywhere).
    pub fn approves(&self, account: &AccountId) -> bool {
        self.is_admin
            || self
                .approver_accounts
                .iter()
                .any(|p| glob_match(p, account.as_str()))
    }
}

/// Proof that the holder is an administrator (may approve and reject requests).
#[derive(Debug, Clone)]
pub struct Admin(User);

impl Admin {
    pub fn check(user: &User) -> Result<Admin, AppError> {
        if user.is_admin {
            Ok(Admin(user.clone()))
        } else {
            Err(AppError::Forbidden(
                "only administrators can do this".into(),
            ))
        }
    }
    pub fn user(&self) -> &User {
        &self.0
    }
}

/// Proof that the holder may approve (or reject) requests in one account:
/// an administrator, or a member of an approver group for that account.
#[derive(Debug, Clone)]
pub struct Approver {
    user: User,
    account: AccountId,
}

impl Approver {
    pub fn check(user: &User, account: &AccountId) -> Result<Approver, AppError> {
        if user.approves(account) {
            Ok(Approver {
                user: user.clone(),
                account: account.clone(),
            })
        } else {
            Err(AppError::Forbidden(format!(
                "you do not approve requests in account {account}"
            )))
        }
    }
    pub fn user(&self) -> &User {
        &self.user
    }
    /// The account this proof is for.
    pub fn account(&self) -> &AccountId {
        &self.account
    }
}

impl Admin {
    /// Admins approve everywhere: the approver proof for any account.
    pub fn approver_for(&self, account: &AccountId) -> Approver {
        Approver {
            user: self.0.clone(),
            account: account.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(admin: bool, approver_accounts: &[&str]) -> User {
        User {
            id: "a@example.com".into(),
            display_name: "A".into(),
            groups: vec!["engineers".into()],
            is_admin: admin,
            approver_accounts: approver_accounts.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn acct(s: &str) -> AccountId {
        AccountId::parse(s).unwrap()
    }

    #[test]
    fn only_admins_get_the_admin_proof() {
        assert!(Admin::check(&user(true, &[])).is_ok());
        assert!(matches!(
            Admin::check(&user(false, &[])),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn admins_approve_in_every_account() {
        let a = Approver::check(&user(true, &[]), &acct("111111111111")).unwrap();
        assert_eq!(a.account().as_str(), "111111111111");
        assert_eq!(a.user().id, "a@example.com");
        let admin = Admin::check(&user(true, &[])).unwrap();
        assert_eq!(
            admin.approver_for(&acct("222222222222")).account().as_str(),
            "222222222222"
        );
    }

    #[test]
    fn approvers_approve_only_in_their_accounts() {
        let u = user(false, &["111111111111", "2222*"]);
        assert!(Approver::check(&u, &acct("111111111111")).is_ok());
        assert!(Approver::check(&u, &acct("222200000000")).is_ok());
        assert!(matches!(
            Approver::check(&u, &acct("333333333333")),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn a_global_approver_approves_everywhere_without_being_admin() {
        let u = user(false, &["*"]);
        assert!(Approver::check(&u, &acct("333333333333")).is_ok());
        assert!(Admin::check(&u).is_err());
    }

    #[test]
    fn engineers_without_approver_groups_approve_nothing() {
        assert!(Approver::check(&user(false, &[]), &acct("111111111111")).is_err());
    }
}
