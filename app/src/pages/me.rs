//! `/me`: who you are signed in as, your groups, and what each grants
//! (admin, approver in which accounts, which roles from config or role tags).
use crate::api::session::get_me;
use crate::components::Loaded;
use crate::views::GrantLineView;
use leptos::prelude::*;

#[component]
pub fn MePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    view! {
        <div class="page-head"><h1>"Your access"</h1></div>
        <Loaded data=me let:m>
                        <section class="card" data-testid="me">
                            <h2>{m.user.display_name.clone()}
                                {m.user.is_admin.then(|| view! { <span class="pill">"admin"</span> })}
                            </h2>
                            <dl class="facts">
                                <dt>"User id"</dt><dd data-testid="me-id">{m.user.id.clone()}</dd>
                                <dt>"Groups"</dt>
                                <dd data-testid="me-groups">{if m.user.groups.is_empty() {
                                    "none".to_owned()
                                } else {
                                    m.user.groups.join(", ")
                                }}</dd>
                                <dt>"Approves requests in"</dt>
                                <dd data-testid="me-approves">{if m.approves_everywhere {
                                    "every account".to_owned()
                                } else if m.approver_accounts.is_empty() {
                                    "no account".to_owned()
                                } else {
                                    m.approver_accounts.iter()
                                        .map(|a| format!("{} ({})", a.name, a.account_id))
                                        .collect::<Vec<_>>().join(", ")
                                }}</dd>
                            </dl>
                        </section>
                        <section class="card">
                            <h2>"What your groups grant"</h2>
                            <table class="data grants">
                                <thead><tr><th>"Group"</th><th>"Grants"</th><th>"From"</th></tr></thead>
                                <tbody>
                                    {m.groups.into_iter().map(|g| view! {
                                        <GrantRows who=g.group grants=g.grants/>
                                    }).collect_view()}
                                    {(!m.personal.is_empty()).then(|| view! {
                                        <GrantRows who=format!("you ({})", m.user.id) grants=m.personal/>
                                    })}
                                </tbody>
                            </table>
                        </section>
        </Loaded>
    }
}

/// The rows for one group: one per grant, or one saying it grants nothing.
#[component]
fn GrantRows(who: String, grants: Vec<GrantLineView>) -> impl IntoView {
    if grants.is_empty() {
        let label = who.clone();
        return view! {
            <tr data-group=label>
                <td><strong>{who}</strong></td>
                <td class="muted">"nothing in Latchkey"</td>
                <td></td>
            </tr>
        }
        .into_any();
    }
    grants
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            view! {
                <tr data-group=who.clone() data-kind=l.kind.clone()>
                    <td>{(i == 0).then(|| view! { <strong>{who.clone()}</strong> })}</td>
                    <td>{l.what}</td>
                    <td class="muted">{l.source}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any()
}
