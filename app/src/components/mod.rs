//! Reusable widgets.
mod detail;
mod loaded;
mod policy_diff;
mod status;
pub use detail::{
    DetailActions, InlinePolicies, ManagedPolicies, PairTable, PolicyRef, RefreshError,
};
pub use loaded::Loaded;
pub use policy_diff::PolicyDiff;
pub use status::StatusBadge;

use crate::error::AppError;
use leptos::prelude::*;

/// Shows an error the way every page does; offers sign-in when that is the cause.
#[component]
pub fn ErrorBox(err: AppError) -> impl IntoView {
    match err {
        AppError::Unauthenticated => view! {
            <div class="error" role="alert">
                "You are not signed in. " <a href="/login">"Sign in"</a>
            </div>
        }
        .into_any(),
        AppError::Invalid { field, messages } => view! {
            <div class="error" role="alert" data-field=field.clone()>
                <strong>{format!("{field}: ")}</strong>
                <ul>{messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            </div>
        }
        .into_any(),
        other => view! { <div class="error" role="alert">{other.to_string()}</div> }.into_any(),
    }
}

/// A JSON document, pretty-printed.
#[component]
pub fn PolicyBlock(#[prop(into)] json: String) -> impl IntoView {
    view! { <pre class="policy"><code>{json}</code></pre> }
}
