//! What the detail page (`/resource?arn=`) shows of an IAM user and of a
//! customer managed policy: the facts under the title and the cards below.
use crate::components::{InlinePolicies, ManagedPolicies, PairTable, PolicyBlock, PolicyRef};
use crate::views::{ManagedPolicyFactsView, UserFactsView};
use leptos::prelude::*;

fn or_unknown(v: Option<String>) -> String {
    v.unwrap_or_else(|| "unknown".into())
}

#[component]
pub fn UserFacts(u: UserFactsView) -> impl IntoView {
    let last_used = match (u.last_used, u.credentials.is_empty()) {
        (Some(l), _) => l,
        (None, false) => "never".into(),
        (None, true) => "not reported".into(),
    };
    view! {
        <dl class="facts user-facts">
            <dt>"Created"</dt><dd>{or_unknown(u.created)}</dd>
            <dt>"Last used"</dt><dd data-testid="last-used">{last_used}</dd>
            <dt>"Permissions boundary"</dt><dd><PolicyRef arn=u.boundary_arn href=u.boundary_href/></dd>
            <dt>"Groups"</dt><dd>{if u.groups.is_empty() { "none".to_owned() } else { u.groups.join(", ") }}</dd>
            <dt>"Path"</dt><dd><code>{u.path}</code></dd>
        </dl>
    }
}

#[component]
pub fn UserCards(u: UserFactsView, tags: Vec<(String, String)>) -> impl IntoView {
    let no_report = u.credentials.is_empty();
    view! {
        <section class="card">
            <h2>"Inline policies"</h2>
            <InlinePolicies policies=u.inline_policies/>
            <h2>"Managed policies"</h2>
            <ManagedPolicies policies=u.managed_policies/>
        </section>
        <section class="card">
            <h2>"Credentials last used"</h2>
            {if no_report {
                view! { <p class="muted">"Not reported: the last sync had no IAM credential report for this account."</p> }.into_any()
            } else {
                view! {
                    <div data-testid="credentials"><PairTable rows=u.credentials/></div>
                    <p class="muted small">"From the IAM credential report, which IAM renews at most every four hours."</p>
                }.into_any()
            }}
            <h2>"Tags"</h2>
            <PairTable rows=tags/>
        </section>
    }
}

#[component]
pub fn PolicyFacts(p: ManagedPolicyFactsView) -> impl IntoView {
    view! {
        <dl class="facts policy-facts">
            <dt>"Default version"</dt><dd data-testid="version">{or_unknown(p.default_version_id)}</dd>
            <dt>"Created"</dt><dd>{or_unknown(p.created)}</dd>
            <dt>"Attachments"</dt><dd data-testid="attachment-count">{p.attachment_count.map_or_else(|| "unknown".into(), |n| n.to_string())}</dd>
            <dt>"Path"</dt><dd><code>{p.path}</code></dd>
        </dl>
    }
}

#[component]
pub fn PolicyCards(
    p: ManagedPolicyFactsView,
    document: Option<String>,
    tags: Vec<(String, String)>,
) -> impl IntoView {
    let listed = p.attached_to.len() as i64;
    let unlisted = p.attachment_count.unwrap_or(listed) - listed;
    let version = p
        .default_version_id
        .map(|v| format!(" ({v})"))
        .unwrap_or_default();
    view! {
        <section class="card">
            <h2>{format!("Policy document{version}")}</h2>
            {match document {
                Some(d) => view! { <PolicyBlock json=d/> }.into_any(),
                None => view! { <p class="muted">"Not cached"</p> }.into_any(),
            }}
        </section>
        <section class="card">
            <h2>"Attached to"</h2>
            {if p.attached_to.is_empty() {
                view! { <p class="muted">"No cached role or user"</p> }.into_any()
            } else {
                view! {
                    <ul class="attachments">{p.attached_to.into_iter().map(|a| { let arn = a.arn.clone(); view! {
                        <li data-arn=arn>
                            <span class="pill">{a.kind_label}</span> " "
                            <a href=a.href>{a.name}</a> " "
                            <code class="arn">{a.arn}</code>
                        </li>
                    }}).collect_view()}</ul>
                }.into_any()
            }}
            {(unlisted > 0).then(|| view! {
                <p class="muted small">{format!("{unlisted} more as IAM counts them: groups, which Latchkey does not cache, or items synced since.")}</p>
            })}
            <h2>"Tags"</h2>
            <PairTable rows=tags/>
        </section>
    }
}
