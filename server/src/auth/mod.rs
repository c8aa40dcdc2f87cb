//! Who the caller is and what their groups grant: app roles (admin, approver
//! per account) from config, OIDC sign-in, trusted proxy headers, and the
//! CLI's browser sign-in.
pub mod cidr;
pub mod cli_login;
pub mod digest;
pub mod oidc;
pub mod roles;
pub mod trusted;

pub use roles::AppRoles;
