//! Who is signed in, and dev-mode sign-in/out.
use crate::error::AppError;
use crate::views::{DevUserView, LoginOptionsView, MeView, SessionView};
use leptos::prelude::*;

#[server(endpoint = "session")]
pub async fn get_session() -> Result<SessionView, AppError> {
    crate::api::ctx::with_ports(|ports| async move {
        let user = crate::api::ctx::maybe_user().map(|u| crate::views::UserView {
            id: u.id,
            display_name: u.display_name,
            groups: u.groups,
            is_admin: u.is_admin,
        });
        Ok(SessionView {
            user,
            dev_mode: ports.sessions.dev_mode(),
        })
    })
    .await
}

#[server(endpoint = "dev_users")]
pub async fn list_dev_users() -> Result<Vec<DevUserView>, AppError> {
    crate::api::ctx::with_ports(|ports| async move {
        if !ports.sessions.dev_mode() {
            return Err(AppError::Forbidden("dev sign-in is not enabled".into()));
        }
        Ok(ports.sessions.dev_users())
    })
    .await
}

/// The sign-in choices: the OIDC provider, and dev users in dev mode.
#[server(endpoint = "login_options")]
pub async fn login_options() -> Result<LoginOptionsView, AppError> {
    crate::api::ctx::with_ports(|ports| async move {
        Ok(LoginOptionsView {
            oidc_provider: ports.sessions.oidc_provider(),
            dev_users: ports.sessions.dev_users(),
        })
    })
    .await
}

/// Sets the session cookie a sign-in or sign-out answered with, and sends
/// the browser on to `to`.
#[cfg(feature = "ssr")]
fn set_cookie_and_go(cookie: &str, to: &str) {
    crate::api::ctx::set_cookie(cookie);
    leptos_axum::redirect(to);
}

/// Signs in as a dev user, then back to `next` (a local path) or `/`.
#[server(endpoint = "dev_sign_in")]
pub async fn dev_sign_in(
    user_id: String,
    #[server(default)] next: Option<String>,
) -> Result<(), AppError> {
    crate::api::ctx::with_ports(|ports| async move {
        let current = crate::api::ctx::header("cookie");
        let client = crate::api::ctx::client_meta();
        let cookie = ports
            .sessions
            .dev_sign_in(user_id.trim(), current.as_deref(), &client)
            .await?;
        set_cookie_and_go(
            &cookie,
            &crate::domain::return_to::safe_return_to(next.as_deref()),
        );
        Ok(())
    })
    .await
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::api::ctx::with_ports(|ports| async move {
        let cookie_header = crate::api::ctx::header("cookie");
        let client = crate::api::ctx::client_meta();
        let cookie = ports
            .sessions
            .sign_out(cookie_header.as_deref(), &client)
            .await?;
        set_cookie_and_go(&cookie, "/login");
        Ok(())
    })
    .await
}

#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    crate::api::ctx::as_user(|ports, user| async move {
        let client = crate::api::ctx::client_meta();
        let cookie = ports.sessions.sign_out_everywhere(&user, &client).await?;
        set_cookie_and_go(&cookie, "/login");
        Ok(())
    })
    .await
}

/// The signed-in user, their groups and what each grants.
#[server(endpoint = "me")]
pub async fn get_me() -> Result<MeView, AppError> {
    crate::api::ctx::as_user(|ports, user| async move { ports.sessions.describe_me(&user).await })
        .await
}
