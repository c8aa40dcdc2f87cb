//! Requests list with filters (status, requester, account, dates) kept in the
//! URL: a plain GET form without wasm, the same URL with it.
use crate::api::requests::list_requests;
use crate::components::{Loaded, StatusBadge};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const STATUSES: [&str; 4] = ["pending", "approved", "rejected", "cancelled"];

#[component]
pub fn RequestsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.get();
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
        (
            get("status"),
            get("requester"),
            get("account"),
            get("from"),
            get("to"),
        )
    });
    let requests = Resource::new(
        move || filter.get(),
        |(status, requester, account, from, to)| {
            list_requests(status, requester, account, from, to)
        },
    );
    let f0 = filter.get_untracked();
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    view! {
        <div class="page-head">
            <h1>"Requests"</h1>
            <span>
                <a class="button" href="/request/advanced">"Advanced editor"</a>
                " "
                <a class="button primary" href="/request">"New request"</a>
            </span>
        </div>
        <form method="get" action="/requests" class="filters" id="request-filters">
            <select name="status" aria-label="Status">
                <option value="">"Any status"</option>
                {STATUSES.into_iter().map(|s| {
                    let selected = f0.0.as_deref() == Some(s);
                    view! { <option value=s selected=selected>{s}</option> }
                }).collect_view()}
            </select>
            <input name="requester" placeholder="Requester" aria-label="Requester" value=v(&f0.1)/>
            <input name="account" placeholder="Account id" aria-label="Account" value=v(&f0.2)/>
            <label class="muted">"From " <input type="date" name="from" value=v(&f0.3)/></label>
            <label class="muted">"To " <input type="date" name="to" value=v(&f0.4)/></label>
            <button type="submit">"Filter"</button>
            <a href="/requests" class="muted">"Clear"</a>
        </form>
        <Loaded data=requests loading="Loading requests…" let:list>
            {if list.is_empty() { view! {
                        <div class="empty"><p>"No requests match."</p>
                        <p class="muted">"Ask for a permission with " <a href="/request">"New request"</a> ", or from a role's page."</p></div>
                    }.into_any() } else { view! {
                        <table class="data">
                            <thead><tr><th>"Status"</th><th>"Principal"</th><th>"Account"</th><th>"Requester"</th><th>"Created"</th></tr></thead>
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
                    }.into_any() }}
        </Loaded>
    }
}
