//! What the detail page (`/resource?arn=`) shows of an IAM user (with what
//! its groups grant), an IAM group and a customer managed policy: the facts
//! under the title and the cards below.
use crate::components::{InlinePolicies, ManagedPolicies, PairTable, PolicyBlock, PolicyRef};
use crate::views::{
    GroupFactsView, ManagedPolicyFactsView, ManagedPolicyView, NamedPolicyView, UserFactsView,
};
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
        <PoliciesCard inline=u.inline_policies managed=u.managed_policies/>
        {u.denials.map(|d| view! { <crate::components::DeniedCalls denials=d/> })}
        {(!u.group_policies.is_empty()).then(|| view! {
            <section class="card group-policies">
                <h2>"Through groups"</h2>
                {u.group_policies.into_iter().map(|g| view! {
                    <h3><a href=g.href>{g.name}</a></h3>
                    <InlinePolicies policies=g.inline_policies/>
                    <ManagedPolicies policies=g.managed_policies/>
                }).collect_view()}
            </section>
        })}
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
                <p class="muted small">{format!("{unlisted} more as IAM counts them: items attached since the last sync.")}</p>
            })}
            <h2>"Tags"</h2>
            <PairTable rows=tags/>
        </section>
    }
}

#[component]
pub fn GroupFacts(g: GroupFactsView) -> impl IntoView {
    let members = if g.members.is_empty() {
        "none".to_owned()
    } else {
        g.members.join(", ")
    };
    view! {
        <dl class="facts group-facts">
            <dt>"Created"</dt><dd>{or_unknown(g.created)}</dd>
            <dt>"Members"</dt><dd data-testid="members">{members}</dd>
            <dt>"Path"</dt><dd><code>{g.path}</code></dd>
        </dl>
    }
}

#[component]
pub fn GroupCards(g: GroupFactsView) -> impl IntoView {
    view! { <PoliciesCard inline=g.inline_policies managed=g.managed_policies/> }
}

/// A principal's own inline and managed policies.
#[component]
fn PoliciesCard(inline: Vec<NamedPolicyView>, managed: Vec<ManagedPolicyView>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Inline policies"</h2>
            <InlinePolicies policies=inline/>
            <h2>"Managed policies"</h2>
            <ManagedPolicies policies=managed/>
        </section>
    }
}
