//! Every cached principal and resource in one table (server-side filter, sort,
//! keyset pages, CSV export; every state is a URL), and a resource's page.
use super::iam_items::{GroupCards, GroupFacts, PolicyCards, PolicyFacts, UserCards, UserFacts};
use crate::api::inventory::{get_resource, search_resources, RefreshResource};
use crate::components::{
    refreshed, DetailActions, Loaded, PairTable, PolicyBlock, RefreshError, RegionOptions,
};
use crate::domain::inventory::{encode, ResourceKind};
use crate::views::{
    AccountView, ResourceDetailView, ResourceFacts, ResourcePageView, ResourceRowView,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::collections::BTreeMap;

fn params_of(q: &leptos_router::params::ParamsMap) -> BTreeMap<String, String> {
    [
        "type", "account", "q", "tag", "region", "denied", "sort", "dir", "after",
    ]
    .into_iter()
    .filter_map(|k| q.get(k).map(|v| (k.to_owned(), v)))
    .collect()
}

#[component]
pub fn ResourcesPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| params_of(&query.get()));
    let page = Resource::new(move || params.get(), search_resources);
    // The account filter suggests accounts by name once the page runs in the
    // browser: an organisation's hundreds of accounts are not rendered and
    // serialised into every page (they were 40% of it at 100 accounts).
    // In the browser only: the server has no local task set to run it on.
    // (Not `cfg(feature = "hydrate")`: a workspace build unifies features,
    // and the server's copy of this crate can have both.)
    let (account_list, set_account_list) = signal(Vec::<AccountView>::new());
    #[cfg(not(feature = "ssr"))]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(all) = crate::api::inventory::list_accounts().await {
                set_account_list.set(all);
            }
        });
    });
    #[cfg(feature = "ssr")]
    let _ = set_account_list;
    let navigate = use_navigate();
    // Changing any filter goes back to the first page.
    let set = move |key: &'static str, value: String| {
        let mut p = params.get_untracked();
        p.remove("after");
        if value.is_empty() {
            p.remove(key);
        } else {
            p.insert(key.to_owned(), value);
        }
        navigate(
            &resources_url(&p),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let p0 = params.get_untracked();
    let get0 = move |k: &str| p0.get(k).cloned().unwrap_or_default();
    let (set_a, set_b, set_c, set_d, set_e) =
        (set.clone(), set.clone(), set.clone(), set.clone(), set);
    view! {
           <div class="page-head"><h1>"Resources"</h1></div>
           <form method="get" action="/resources" class="filters" on:submit=|ev| ev.prevent_default()>
               <input type="search" name="q" placeholder="Name or ARN contains…" aria-label="Search name or ARN"
                   value=get0("q") on:input=move |ev| set_a("q", event_target_value(&ev))/>
               <select name="type" aria-label="Type" on:change=move |ev| set_b("type", event_target_value(&ev))>
                   <option value="">"All types"</option>
                   {ResourceKind::ALL.into_iter().map(|k| {
                       let selected = get0("type") == k.as_str();
                       view! { <option value=k.as_str() selected=selected>{k.label()}</option> }
                   }).collect_view()}
               </select>
               <input name="account" list="resource-accounts" inputmode="numeric" placeholder="Account id"
                   aria-label="Account" value=get0("account") on:change=move |ev| set_c("account", event_target_value(&ev))/>
               <datalist id="resource-accounts">
                   <For each=move || account_list.get() key=|a| a.account_id.clone() let:a>
                       <option value=a.account_id.clone()>{format!("{} ({})", a.name, a.account_id)}</option>
                   </For>
               </datalist>
               <input name="region" list="resource-regions" placeholder="Region" aria-label="Region"
                   value=get0("region") on:change=move |ev| set_e("region", event_target_value(&ev))/>
               <RegionOptions id="resource-regions"/>
               <input name="tag" placeholder="tag key=value" aria-label="Tag filter"
                   value=get0("tag") on:change=move |ev| set_d("tag", event_target_value(&ev))/>
               <noscript><button type="submit">"Filter"</button></noscript>
           </form>
           <Loaded data=page let:p>
    <ResourceTable page=p params=params.get_untracked()/>
           </Loaded>
       }
}

fn sort_link(params: &BTreeMap<String, String>, key: &str) -> String {
    let mut p = params.clone();
    p.remove("after");
    let current = p.get("sort").cloned().unwrap_or_else(|| "name".into());
    let desc = p.get("dir").map(String::as_str) == Some("desc");
    p.insert("sort".into(), key.into());
    if current == key && !desc {
        p.insert("dir".into(), "desc".into());
    } else {
        p.remove("dir");
    }
    resources_url(&p)
}

/// The resources table in the state `p` holds.
fn resources_url(p: &BTreeMap<String, String>) -> String {
    let qs: Vec<String> = p
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if qs.is_empty() {
        "/resources".to_owned()
    } else {
        format!("/resources?{}", qs.join("&"))
    }
}

/// The table's rows as one HTML string, every value escaped for where it
/// goes. A page is ~600 cells: built in one buffer they cost a fraction of a
/// view per cell, and the browser builds the same string after a client-side
/// navigation (hydration keeps the server's). The rows hold nothing
/// interactive; their links are plain links, which the router follows in
/// the browser like any other.
fn rows_html(rows: &[ResourceRowView], denials: bool) -> String {
    use super::escape::push_escaped;
    let mut out = String::with_capacity(rows.len() * 512);
    for r in rows {
        out.push_str("<tr data-arn=\"");
        push_escaped(&mut out, &r.arn);
        out.push_str("\" data-kind=\"");
        push_escaped(&mut out, &r.kind);
        out.push_str("\"><td class=\"nowrap\">");
        push_escaped(&mut out, r.label());
        out.push_str("</td><td><a href=\"");
        push_escaped(&mut out, &r.href());
        out.push_str("\">");
        push_escaped(&mut out, &r.name);
        out.push_str("</a></td><td class=\"nowrap\">");
        push_escaped(&mut out, &r.account_name);
        out.push_str(" <span class=\"muted\">");
        push_escaped(&mut out, &r.account_id);
        out.push_str("</span></td><td class=\"nowrap\">");
        push_escaped(&mut out, &r.region);
        out.push_str("</td><td><code class=\"arn\">");
        push_escaped(&mut out, &r.arn);
        out.push_str("</code></td><td>");
        for (k, v) in &r.tags {
            out.push_str("<span class=\"tag\">");
            push_escaped(&mut out, k);
            out.push('=');
            push_escaped(&mut out, v);
            out.push_str("</span>");
        }
        out.push_str("</td>");
        if denials {
            out.push_str("<td class=\"num\">");
            if r.denials > 0 {
                out.push_str("<a class=\"denied-count\" href=\"");
                push_escaped(&mut out, &r.href());
                out.push_str("\">");
                out.push_str(&r.denials.to_string());
                out.push_str("</a>");
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out
}

/// The same table state with "has recent denials" switched.
fn denied_link(params: &BTreeMap<String, String>) -> (String, bool) {
    let mut p = params.clone();
    p.remove("after");
    let on = p.get("denied").map(String::as_str) == Some("1");
    if on {
        p.remove("denied");
    } else {
        p.insert("denied".into(), "1".into());
    }
    (resources_url(&p), on)
}

#[component]
fn ResourceTable(page: ResourcePageView, params: BTreeMap<String, String>) -> impl IntoView {
    let denials = page.denials_shown;
    let toggle = denials.then(|| {
        let (href, on) = denied_link(&params);
        view! {
            <p class="table-toggles">
                <a href=href class="toggle" class:on=on aria-pressed=on.to_string() data-testid="denied-filter">
                    {if on { "✓ Only principals with recent denied calls" } else { "Only principals with recent denied calls" }}
                </a>
            </p>
        }
    });
    if page.rows.is_empty() {
        return view! { {toggle}<div class="empty"><p>"Nothing matches these filters."</p></div> }
            .into_any();
    }
    let csv = format!("/resources.csv{}", page.csv);
    view! {
        {toggle}
        <table class="data resources">
            <thead><tr>
                <th><a href=sort_link(&params, "type")>"Type"</a></th>
                <th><a href=sort_link(&params, "name")>"Name"</a></th>
                <th><a href=sort_link(&params, "account")>"Account"</a></th>
                <th>"Region"</th>
                <th>"ARN"</th>
                <th>"Tags"</th>
                {denials.then(|| view! { <th class="num" title="Denied calls recorded lately (CloudTrail)">"Denied"</th> })}
            </tr></thead>
            <tbody inner_html=rows_html(&page.rows, denials)></tbody>
        </table>
        <div class="pager">
            {page.first.map(|q| view! { <a href=format!("/resources{q}")>"« First page"</a> })}
            {page.next.map(|q| view! { <a href=format!("/resources{q}") rel="next">"Next page »"</a> })}
            <a href=csv rel="external" download="resources.csv" class="csv">"Export CSV"</a>
        </div>
    }
    .into_any()
}

#[component]
pub fn ResourcePage() -> impl IntoView {
    let query = use_query_map();
    let (refresh, detail) = refreshed(
        move || query.get().get("arn").unwrap_or_default(),
        get_resource,
    );
    view! {
           <Loaded data=detail let:d>
    <ResourceDetail d refresh/>
           </Loaded>
           <RefreshError refresh/>
       }
}

#[component]
fn ResourceDetail(d: ResourceDetailView, refresh: ServerAction<RefreshResource>) -> impl IntoView {
    let request = format!("/request?arn={}", encode(&d.arn));
    let (facts, cards) = match d.facts {
        ResourceFacts::User(u) => (
            view! { <UserFacts u=u.clone()/> }.into_any(),
            view! { <UserCards u tags=d.tags/> }.into_any(),
        ),
        ResourceFacts::Group(g) => (
            view! { <GroupFacts g=g.clone()/> }.into_any(),
            view! { <GroupCards g/> }.into_any(),
        ),
        ResourceFacts::ManagedPolicy(p) => (
            view! { <PolicyFacts p=p.clone()/> }.into_any(),
            view! { <PolicyCards p document=d.policy tags=d.tags/> }.into_any(),
        ),
        ResourceFacts::Other(details) => (
            ().into_any(),
            view! {
                <section class="card">
                    <h2>"Resource policy"</h2>
                    {match d.policy {
                        Some(p) => view! { <PolicyBlock json=p/> }.into_any(),
                        None => view! { <p class="muted">"None"</p> }.into_any(),
                    }}
                    {(details != "{}").then(|| view! {
                        <h2>"Details"</h2>
                        <PolicyBlock json=details/>
                    })}
                </section>
                <section class="card">
                    <h2>"Tags"</h2>
                    <PairTable rows=d.tags/>
                </section>
            }
            .into_any(),
        ),
    };
    view! {
        <div class="page-head">
            <div>
                <p class="muted kind">{d.kind_label}</p>
                <h1>{d.name}</h1>
                <code class="arn">{d.arn.clone()}</code>
                <p class="muted">{format!("Account {} ({}) · cached {}", d.account_name, d.account_id, d.synced_at)}</p>
                {d.created_by.map(|c| view! { <p class="muted" data-testid="created-by">"Created by "{c}</p> })}
                {facts}
            </div>
            <DetailActions arn=d.arn console_url=d.console_url refresh>
                <a class="button" href=request>"Request access to it"</a>
            </DetailActions>
        </div>
        <div class="grid">{cards}</div>
    }
}

#[cfg(test)]
mod tests {
    use super::rows_html;
    use crate::views::ResourceRowView;

    fn row(kind: &str, name: &str, arn: &str, tags: &[(&str, &str)]) -> ResourceRowView {
        ResourceRowView {
            arn: arn.into(),
            kind: kind.into(),
            name: name.into(),
            account_id: "111111111111".into(),
            account_name: "prod & <co>".into(),
            region: if kind == "role" { "" } else { "eu-<west>-1" }.into(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            denials: 0,
        }
    }

    #[test]
    fn rows_link_label_and_escape_every_value() {
        let html = rows_html(
            &[
                row(
                    "role",
                    "dev",
                    "arn:aws:iam::111111111111:role/dev",
                    &[("env", "prod")],
                ),
                row(
                    "s3_bucket",
                    "<img src=x onerror=alert(1)>",
                    "arn:aws:s3:::\"><script>alert(1)</script>",
                    &[("a<b", "\"x\" & y")],
                ),
            ],
            false,
        );
        assert!(html.starts_with(
            "<tr data-arn=\"arn:aws:iam::111111111111:role/dev\" data-kind=\"role\">\
             <td class=\"nowrap\">IAM role</td><td><a href=\"/roles/111111111111/dev\">dev</a></td>\
             <td class=\"nowrap\">prod &amp; &lt;co&gt; <span class=\"muted\">111111111111</span></td>\
             <td class=\"nowrap\"></td>\
             <td><code class=\"arn\">arn:aws:iam::111111111111:role/dev</code></td>\
             <td><span class=\"tag\">env=prod</span></td></tr>"
        ), "{html}");
        // Nothing a synced name, ARN or tag holds becomes markup.
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
        assert!(
            html.contains("data-arn=\"arn:aws:s3:::&quot;&gt;&lt;script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"/resource?arn=arn%3Aaws%3As3%3A%3A%3A%22%3E%3Cscript%3E"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tag\">a&lt;b=&quot;x&quot; &amp; y</span>"),
            "{html}"
        );
        assert!(
            html.contains("<td class=\"nowrap\">eu-&lt;west&gt;-1</td>"),
            "{html}"
        );
        assert_eq!(html.matches("<tr ").count(), 2);
    }

    #[test]
    fn the_denials_column_links_a_count_to_the_principal_and_leaves_zero_blank() {
        let mut denied = row("role", "dev", "arn:aws:iam::111111111111:role/dev", &[]);
        denied.denials = 12;
        let quiet = row("role", "ops", "arn:aws:iam::111111111111:role/ops", &[]);
        let html = rows_html(&[denied.clone(), quiet.clone()], true);
        assert!(
            html.contains("<td class=\"num\"><a class=\"denied-count\" href=\"/roles/111111111111/dev\">12</a></td></tr>"),
            "{html}"
        );
        assert!(html.ends_with("<td class=\"num\"></td></tr>"), "{html}");
        // Ingest off: no column at all.
        assert!(!rows_html(&[denied, quiet], false).contains("class=\"num\""));
    }
}
