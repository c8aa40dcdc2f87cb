//! A policy change shown against what the target holds now.
use leptos::prelude::*;

/// Current and proposed documents, side by side.
#[component]
pub fn PolicyDiff(#[prop(into)] old: String, #[prop(into)] new: String) -> impl IntoView {
    view! {
        <div class="policy-diff">
            <div><p class="muted">"Now"</p><pre class="policy"><code>{old}</code></pre></div>
            <div><p class="muted">"After"</p><pre class="policy"><code>{new}</code></pre></div>
        </div>
    }
}
