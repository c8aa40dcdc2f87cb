//! The signed-in person and the proofs of what they may do. A proof such as
//! [`Admin`] can only be built by checking, so a service method that takes one
//! cannot be reached without the check.

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
}

impl User {
    pub fn in_group(&self, g: &str) -> bool {
        self.groups.iter().any(|x| x == g)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(admin: bool) -> User {
        User {
            id: "a@example.com".into(),
            display_name: "A".into(),
            groups: vec!["engineers".into()],
            is_admin: admin,
        }
    }

    #[test]
    fn only_admins_get_the_admin_proof() {
        assert!(Admin::check(&user(true)).is_ok());
        assert!(matches!(
            Admin::check(&user(false)),
            Err(AppError::Forbidden(_))
        ));
    }
}
