//! Who the caller is and what their groups grant: app roles (admin, approver
//! per account) from config, OIDC sign-in, trusted proxy headers.
pub mod oidc;
pub mod roles;

pub use roles::AppRoles;
