//! Requests list and the review page (approve / reject).
use crate::api::requests::{get_request, list_requests, ApproveRequest, RejectRequest};
use crate::components::{ErrorBox, PolicyBlock, StatusBadge};
use crate::views::RequestDetailView;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RequestsPage() -> impl IntoView {
    let requests = Resource::new(|| (), |_| list_requests());
    view! {
        <div class="page-head"><h1>"Requests"</h1></div>
        <Suspense fallback=|| view! { <p class="muted">"Loading requests…"</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(list) if list.is_empty() => view! {
                        <div class="empty"><p>"No requests yet."</p>
                        <p class="muted">"Open a role from the Roles page to ask for a permission."</p></div>
                    }.into_any(),
                    Ok(list) => view! {
                        <table class="data">
                            <thead><tr><th>"Status"</th><th>"Role"</th><th>"Account"</th><th>"Requester"</th><th>"Created"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|r| view! {
                                    <tr data-request-id=r.id.clone()>
                                        <td><StatusBadge status=r.status.clone()/></td>
                                        <td><a href=format!("/requests/{}", r.id)>{r.role_name.clone()}</a></td>
                                        <td>{r.account_id.clone()}</td>
                                        <td>{r.requester.clone()}</td>
                                        <td>{r.created.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox err=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let approve = ServerAction::<ApproveRequest>::new();
    let reject = ServerAction::<RejectRequest>::new();
    let request = Resource::new(
        move || {
            (
                params.get().get("id").unwrap_or_default(),
                approve.version().get(),
                reject.version().get(),
            )
        },
        |(id, _, _)| get_request(id),
    );
    let action_error = move || {
        approve
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| reject.value().get().and_then(|r| r.err()))
    };
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading request…"</p> }>
            {move || Suspend::new(async move {
                match request.await {
                    Ok(r) => view! { <RequestDetail r approve reject/> }.into_any(),
                    Err(e) => view! { <ErrorBox err=e/> }.into_any(),
                }
            })}
        </Suspense>
        {move || action_error().map(|e| view! { <ErrorBox err=e/> })}
    }
}

#[component]
fn RequestDetail(
    r: RequestDetailView,
    approve: ServerAction<ApproveRequest>,
    reject: ServerAction<RejectRequest>,
) -> impl IntoView {
    let pending = r.request_status == "pending";
    let id_approve = r.id.clone();
    let id_reject = r.id.clone();
    view! {
        <div class="page-head">
            <div>
                <h1>"Request for " {r.role_name.clone()}</h1>
                <code class="arn">{r.role_arn.clone()}</code>
            </div>
            <StatusBadge status=r.status.clone()/>
        </div>
        <div class="grid">
            <section class="card">
                <dl class="facts">
                    <dt>"Requester"</dt><dd data-testid="requester">{r.requester.clone()}</dd>
                    <dt>"Account"</dt><dd>{r.account_id.clone()}</dd>
                    <dt>"Created"</dt><dd>{r.created.clone()}</dd>
                    <dt>"Justification"</dt><dd class="justification">{r.justification.clone()}</dd>
                </dl>
                {r.changes.iter().map(|c| view! {
                    <div class="change" data-change-status=c.status.clone()>
                        <h2>
                            {format!("Put inline policy “{}”", c.policy_name)} " "
                            <StatusBadge status=c.status.clone()/>
                        </h2>
                        <PolicyBlock json=c.document.clone()/>
                        {c.error.clone().map(|e| view! { <div class="error" role="alert">{format!("AWS error: {e}")}</div> })}
                        {c.applied_at.clone().map(|t| view! { <p class="muted">{format!("Applied {t}")}</p> })}
                    </div>
                }).collect_view()}
                {(r.can_decide && pending).then(move || view! {
                    <div class="decide">
                        <ActionForm action=approve attr:class="inline">
                            <input type="hidden" name="id" value=id_approve/>
                            <button type="submit" class="primary" data-action="approve"
                                disabled=move || approve.pending().get()>"Approve and apply"</button>
                        </ActionForm>
                        <ActionForm action=reject attr:class="inline reject">
                            <input type="hidden" name="id" value=id_reject/>
                            <input name="reason" placeholder="Reason (optional)"/>
                            <button type="submit" class="danger" data-action="reject"
                                disabled=move || reject.pending().get()>"Reject"</button>
                        </ActionForm>
                    </div>
                })}
            </section>
            <section class="card">
                <h2>"History"</h2>
                <ol class="events">
                    {r.events.into_iter().map(|e| view! {
                        <li><span class="muted">{e.at}</span> " " <strong>{e.actor}</strong> " " {e.kind} " " <span>{e.detail}</span></li>
                    }).collect_view()}
                </ol>
            </section>
        </div>
    }
}
