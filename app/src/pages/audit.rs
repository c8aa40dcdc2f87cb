//! Admin › Audit: who did what to what, when and from where; filters are a
//! plain GET form, so every view is a URL.
use crate::api::admin::{list_audit, RevokeUserAccess};
use crate::components::{ErrorBox, Loaded};
use crate::domain::inventory::encode;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

const FIELDS: [(&str, &str); 6] = [
    ("actor", "User (exact)"),
    ("action", "Action, e.g. credentials.issue"),
    ("target", "Role or target contains"),
    ("account", "Account id"),
    ("since", "From YYYY-MM-DD"),
    ("until", "Before YYYY-MM-DD"),
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        let q = query.get();
        [
            "actor", "action", "target", "account", "since", "until", "before",
        ]
        .into_iter()
        .filter_map(|k| q.get(k).map(|v| (k.to_owned(), v)))
        .collect::<BTreeMap<_, _>>()
    });
    let revoke = ServerAction::<RevokeUserAccess>::new();
    let events = Resource::new(
        move || (params.get(), revoke.version().get()),
        |(p, _)| list_audit(p),
    );
    let p0 = params.get_untracked();
    view! {
        <div class="page-head"><h1>"Audit"</h1></div>
        <details class="card offboard">
            <summary>"Revoke a person's access"</summary>
            <p class="muted">"For someone who left or changed teams: ends every Latchkey session of theirs and revokes every API token (the CLI too), on every replica. Their next sign-in at the identity provider starts afresh."</p>
            <ActionForm action=revoke attr:class="inline" attr:data-testid="revoke-access">
                <input name="user_id" placeholder="User id, as in the Who column" aria-label="User id" required/>
                <button type="submit" class="danger">"Revoke access"</button>
            </ActionForm>
            {move || revoke.value().get().map(|r| match r {
                Ok(v) => view! {
                    <p role="status" data-testid="revoked">{format!(
                        "{}: {} session(s) ended, {} token(s) revoked.",
                        v.user_id, v.sessions_ended, v.tokens_revoked
                    )}</p>
                }.into_any(),
                Err(e) => view! { <ErrorBox err=e/> }.into_any(),
            })}
        </details>
        <form method="get" action="/admin/audit" class="filters">
            {FIELDS.into_iter().map(|(name, placeholder)| view! {
                <input name=name placeholder=placeholder aria-label=placeholder value=p0.get(name).cloned().unwrap_or_default()/>
            }).collect_view()}
            <button type="submit" class="primary">"Filter"</button>
        </form>
        <Loaded data=events keep=true let:list>
            {if list.is_empty() { view! { <div class="empty"><p>"No events match."</p></div> }.into_any() } else { {
                        let older = (list.len() == 100).then(|| {
                            let mut p = params.get_untracked();
                            p.insert("before".into(), list.last().map(|e| e.id.to_string()).unwrap_or_default());
                            let qs: Vec<String> = p.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
                            format!("/admin/audit?{}", qs.join("&"))
                        });
                        view! {
                            <table class="data audit">
                                <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"Outcome"</th><th>"From"</th><th>"Detail"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|e| { let (da, dout, cls) = (e.action.clone(), e.outcome.clone(), format!("outcome {}", e.outcome)); view! {
                                        <tr data-action=da data-outcome=dout>
                                            <td class="nowrap">{e.at}</td>
                                            <td>{e.actor}</td>
                                            <td class="nowrap"><code>{e.action}</code></td>
                                            <td><code class="arn">{e.target}</code></td>
                                            <td class=cls>{e.outcome}</td>
                                            <td class="small" title=e.user_agent.clone().unwrap_or_default()>{e.ip.unwrap_or_default()}</td>
                                            <td><code class="small detail">{e.detail}</code></td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                            {older.map(|href| view! { <div class="pager"><a href=href>"Older events »"</a></div> })}
                        }.into_any()
                    } }}
        </Loaded>
    }
}
