//! Server functions, one file per area. Each one: get the ports and the user,
//! parse its input, call one port method, return a view.
pub mod access;
pub mod admin;
pub mod applications;
pub mod inventory;
pub mod requests;
pub mod roles;
pub mod session;
pub mod tokens;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    use crate::domain::{Admin, IdError, User};
    use crate::error::AppError;
    use crate::ports::{CurrentUser, Ports};
    use leptos::prelude::use_context;
    use std::future::Future;

    /// Runs the body of a server function that needs no signed-in user with
    /// the ports, and answers as [`respond`] does.
    pub async fn with_ports<T, F>(body: impl FnOnce(Ports) -> F) -> Result<T, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        respond(async { body(ports()?).await }.await)
    }

    /// Runs the body of a server function with the ports and the signed-in
    /// user (401 when no one is), and answers as [`respond`] does.
    pub async fn as_user<T, F>(body: impl FnOnce(Ports, User) -> F) -> Result<T, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        respond(
            async {
                let ports = ports()?;
                let user = current_user()?;
                body(ports, user).await
            }
            .await,
        )
    }

    /// [`as_user`] for administrators only (403 for anyone else).
    pub async fn as_admin<T, F>(body: impl FnOnce(Ports, Admin) -> F) -> Result<T, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        as_user(|ports, user| async move { body(ports, Admin::check(&user)?).await }).await
    }

    /// An identifier parsed from the input `field`, or why it is not one.
    pub fn field<T>(field: &str, parsed: Result<T, IdError>) -> Result<T, AppError> {
        parsed.map_err(|e| AppError::invalid(field, e.0))
    }

    pub fn ports() -> Result<Ports, AppError> {
        use_context::<Ports>().ok_or_else(|| AppError::Internal {
            request_id: "ports-missing".into(),
        })
    }

    pub fn current_user() -> Result<User, AppError> {
        maybe_user().ok_or(AppError::Unauthenticated)
    }

    pub fn maybe_user() -> Option<User> {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<CurrentUser>().cloned())
            .and_then(|c| c.0)
    }

    pub fn client_meta() -> crate::ports::ClientMeta {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<crate::ports::ClientMeta>().cloned())
            .unwrap_or_default()
    }

    pub fn header(name: &str) -> Option<String> {
        use_context::<http::request::Parts>().and_then(|p| {
            p.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
    }

    /// Sets the HTTP status of a failed call from its error (400, 403...),
    /// so clients and logs see more than a blanket 500. Plain HTML form posts
    /// (no wasm yet) keep the redirect that carries the error back to the page.
    pub fn respond<T>(r: Result<T, AppError>) -> Result<T, AppError> {
        let plain_form = header("accept").is_some_and(|a| a.contains("text/html"));
        if let (Err(e), false) = (&r, plain_form) {
            if let (Some(opts), Ok(code)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                http::StatusCode::from_u16(e.status_code()),
            ) {
                opts.set_status(code);
            }
        }
        r
    }

    /// Marks the answer as carrying a secret (credentials, a new token):
    /// never cached, and never compressed (the server's `assets` layer).
    pub fn secret_answer() {
        if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
            opts.insert_header(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            );
        }
    }

    pub fn set_cookie(value: &str) {
        if let (Some(opts), Ok(v)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(value),
        ) {
            opts.append_header(http::header::SET_COOKIE, v);
        }
    }
}
