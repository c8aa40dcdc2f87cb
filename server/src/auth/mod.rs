//! Who the caller is and what their groups grant: app roles (admin, approver
//! per account) from config, OIDC sign-in, trusted proxy headers.
pub mod cidr;
pub mod oidc;
pub mod roles;
pub mod trusted;

pub use roles::AppRoles;
