//! "Denied calls" on a principal's page: what CloudTrail recorded it being
//! refused lately, most frequent first, with who was refused.
use crate::views::DeniedCallView;
use leptos::prelude::*;

#[component]
pub fn DeniedCalls(denials: Vec<DeniedCallView>) -> impl IntoView {
    view! {
        <section class="card denials" data-testid="denied-calls">
            <h2>"Denied calls"</h2>
            {if denials.is_empty() {
                view! { <p class="muted">"None recorded lately: CloudTrail reported no access denied for it."</p> }.into_any()
            } else {
                view! {
                    <table class="data denied">
                        <thead><tr>
                            <th>"Action"</th><th>"Resource"</th><th>"Error"</th>
                            <th class="num">"Calls"</th><th>"Last seen"</th><th>"Who"</th><th></th>
                        </tr></thead>
                        <tbody>
                            {denials.into_iter().map(|d| view! {
                                <tr>
                                    <td><code>{d.action}</code></td>
                                    <td><code class="arn">{d.resource}</code></td>
                                    <td class="muted small">{d.error_code}</td>
                                    <td class="num" title=format!("first seen {}", d.first_seen)>{d.count}</td>
                                    <td class="nowrap">{d.last_seen}</td>
                                    <td class="small">{d.sessions.join(", ")}</td>
                                    <td class="denial-status">{match (d.resolved, d.still_denied, d.request_href) {
                                        (Some((at, id)), _, _) => view! {
                                            <span class="ok" data-testid="denial-resolved">"✓ Allowed since "{at}</span>
                                            {(!id.is_empty()).then(|| view! { " by " <a href=format!("/requests/{id}")>"the request"</a> })}
                                        }.into_any(),
                                        (None, still, href) => view! {
                                            {still.map(|why| view! { <span class="warn small" data-testid="denial-still">"Still denied: "{why}</span> })}
                                            {href.map(|href| view! {
                                                <a class="button small" href=href data-testid="request-denied">"Request this permission"</a>
                                            })}
                                        }.into_any(),
                                    }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p class="muted small">"From CloudTrail; the same call by the same principal on the same resource counts once per row."</p>
                }.into_any()
            }}
        </section>
    }
}
