//! Pieces every detail page (role, user, managed policy, bucket, queue,
//! topic) is built from: its actions, policy lists, tags.
use crate::api::inventory::RefreshResource;
use crate::components::{ErrorBox, PolicyBlock};
use crate::domain::inventory::encode;
use crate::error::AppError;
use crate::views::{ManagedPolicyView, NamedPolicyView};
use leptos::prelude::*;

/// A detail page's data: what `fetch` reads for the page's `key`, read
/// again after each refresh from AWS through the action returned with it.
pub fn refreshed<K, T, R>(
    key: impl Fn() -> K + Send + Sync + 'static,
    fetch: impl Fn(K) -> R + Send + Sync + 'static,
) -> (ServerAction<RefreshResource>, Resource<Result<T, AppError>>)
where
    K: PartialEq + Clone + Send + Sync + 'static,
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    R: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let refresh = ServerAction::<RefreshResource>::new();
    let data = Resource::new(
        move || (key(), refresh.version().get()),
        move |(k, _)| fetch(k),
    );
    (refresh, data)
}

/// Open in the AWS console, edit through a request, re-read from AWS; any
/// further buttons come as children.
#[component]
pub fn DetailActions(
    arn: String,
    console_url: String,
    refresh: ServerAction<RefreshResource>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="actions">
            <a class="button" href=console_url target="_blank" rel="noopener">"Open in AWS console"</a>
            <a class="button" href=format!("/request/advanced?target={}", encode(&arn))>"Edit"</a>
            {children.map(|c| c())}
            <ActionForm action=refresh attr:class="inline">
                <input type="hidden" name="arn" value=arn/>
                <button type="submit" disabled=move || refresh.pending().get()>"Refresh from AWS"</button>
            </ActionForm>
        </div>
    }
}

/// The refresh's error, if it failed.
#[component]
pub fn RefreshError(refresh: ServerAction<RefreshResource>) -> impl IntoView {
    move || {
        refresh
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorBox err=e/> })
    }
}

/// Inline policies, each pretty-printed under its name.
#[component]
pub fn InlinePolicies(policies: Vec<NamedPolicyView>) -> impl IntoView {
    if policies.is_empty() {
        return view! { <p class="muted">"None"</p> }.into_any();
    }
    policies
        .into_iter()
        .map(|p| {
            let name = p.name.clone();
            view! {
                <div class="named-policy" data-policy-name=name>
                    <h3>{p.name}</h3>
                    <PolicyBlock json=p.document/>
                </div>
            }
        })
        .collect_view()
        .into_any()
}

/// Attached managed policies, linked to their pages when cached, with
/// their documents when known.
#[component]
pub fn ManagedPolicies(policies: Vec<ManagedPolicyView>) -> impl IntoView {
    if policies.is_empty() {
        return view! { <p class="muted">"None"</p> }.into_any();
    }
    view! {
        <ul class="managed-policies">
            {policies.into_iter().map(|p| { let arn = p.arn.clone(); view! {
                <li data-policy-arn=arn>
                    {match p.href {
                        Some(h) => view! { <a href=h><strong>{p.name}</strong></a> }.into_any(),
                        None => view! { <strong>{p.name}</strong> }.into_any(),
                    }}
                    " " <code class="arn">{p.arn}</code>
                    {p.document.map(|d| view! { <details><summary>"Document"</summary><PolicyBlock json=d/></details> })}
                </li>
            }}).collect_view()}
        </ul>
    }
    .into_any()
}

/// A policy ARN (a permissions boundary), linked when cached; "none" without one.
#[component]
pub fn PolicyRef(arn: Option<String>, href: Option<String>) -> impl IntoView {
    match (arn, href) {
        (Some(a), Some(h)) => view! { <a href=h><code class="arn">{a}</code></a> }.into_any(),
        (Some(a), None) => view! { <code class="arn">{a}</code> }.into_any(),
        (None, _) => view! { <span class="muted">"none"</span> }.into_any(),
    }
}

/// Name/value rows (tags, credentials); "None" when there are none.
#[component]
pub fn PairTable(rows: Vec<(String, String)>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"None"</p> }.into_any();
    }
    view! {
        <table class="tags"><tbody>{rows.into_iter().map(|(k, v)| view! {
            <tr><th>{k}</th><td>{v}</td></tr>
        }).collect_view()}</tbody></table>
    }
    .into_any()
}
