//! Reusable widgets.
mod denials;
mod detail;
mod loaded;
mod policy_diff;
mod regions;
mod status;
pub use denials::DeniedCalls;
pub use detail::{
    refreshed, DetailActions, InlinePolicies, ManagedPolicies, PairTable, PolicyRef, RefreshError,
};
pub use loaded::Loaded;
pub use policy_diff::PolicyDiff;
pub use regions::RegionOptions;
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

/// A page's title, a line on what the page is for, and the page's actions
/// (if any) beside them.
#[component]
pub fn PageHead(
    title: &'static str,
    intro: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="page-head">
            <div>
                <h1>{title}</h1>
                <p class="muted">{intro}</p>
            </div>
            {children.map(|c| c())}
        </div>
    }
}

/// A labelled text input a form cannot be sent without.
#[component]
pub fn RequiredField(
    label: &'static str,
    name: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label>{label}
            <input name=name required placeholder=placeholder/>
        </label>
    }
}

/// The checks' findings on a document being written, errors marked apart
/// from warnings.
#[component]
pub fn FindingsList(findings: Vec<crate::domain::policy::Finding>) -> impl IntoView {
    view! {
        <ul class="findings-list">
            {findings.into_iter().map(|f| {
                let cls = if f.is_error() { "error" } else { "warn" };
                view! { <li class=cls>{f.to_string()}</li> }
            }).collect_view()}
        </ul>
    }
}

/// A JSON document, pretty-printed.
#[component]
pub fn PolicyBlock(#[prop(into)] json: String) -> impl IntoView {
    view! { <pre class="policy"><code>{json}</code></pre> }
}
