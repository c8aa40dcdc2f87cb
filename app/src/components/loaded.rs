//! The one way a page waits for its data: a muted line while it loads, the
//! page's own view once it has it, the shared error box when it failed.
use super::ErrorBox;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// Renders `children` with the resource's value. `keep` keeps the last view
/// on screen while a new value loads (a filter being typed) instead of
/// going back to the loading line.
#[component]
pub fn Loaded<T, V, F>(
    data: Resource<Result<T, AppError>>,
    /// What the loading line says.
    #[prop(default = "Loading…")]
    loading: &'static str,
    #[prop(optional)] keep: bool,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let body = move || {
        let children = children.clone();
        Suspend::new(async move {
            match data.await {
                Ok(value) => children(value).into_any(),
                Err(e) => view! { <ErrorBox err=e/> }.into_any(),
            }
        })
    };
    let fallback = move || view! { <p class="muted">{loading}</p> };
    if keep {
        view! { <Transition fallback>{body}</Transition> }.into_any()
    } else {
        view! { <Suspense fallback>{body}</Suspense> }.into_any()
    }
}
