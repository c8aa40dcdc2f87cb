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

/// An HTTP client for the identity provider's endpoints (OIDC discovery,
/// JWKS, tokens; the load balancer's signing keys) that follows no
/// redirect: requests go where the configuration or the provider's
/// metadata says, nowhere else (SSRF).
pub(crate) fn idp_client(timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .unwrap_or_default()
}
