//! The roles home page (eligible roles) and a role's detail page with the
//! form that asks for a new inline policy.
use crate::api::inventory::RefreshResource;
use crate::api::requests::CreateRequest;
use crate::api::roles::{get_role, list_eligible_roles, RoleCredentials};
use crate::components::{
    refreshed, DetailActions, ErrorBox, InlinePolicies, Loaded, ManagedPolicies, PairTable,
    PolicyBlock, PolicyRef, RefreshError, RequiredField,
};
use crate::domain::shell::{export_lines, Shell};
use crate::domain::PolicyDocument;
use crate::error::AppError;
use crate::views::{CredentialsView, RoleDetailView, RoleSummaryView, RolesHomeView};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn RolesHome() -> impl IntoView {
    let creds = ServerAction::<RoleCredentials>::new();
    let query = use_query_map();
    let (q, set_q) = signal(query.get_untracked().get("q").unwrap_or_default());
    // The server filters every eligible role and sends the first screen;
    // re-read after credentials are issued so "Recently used" is current.
    let roles = Resource::new(
        move || (q.get(), creds.version().get()),
        |(q, _)| list_eligible_roles(q),
    );
    view! {
        <div class="page-head">
            <h1>"Your roles"</h1>
            <form method="get" action="/" class="search" on:submit=|ev| ev.prevent_default()>
                <input type="search" name="q" placeholder="Filter by account, role or ARN"
                    aria-label="Filter roles" autocomplete="off"
                    prop:value=q on:input=move |ev| set_q.set(event_target_value(&ev))/>
            </form>
        </div>
        <CredentialsPanel creds/>
        <Loaded data=roles loading="Loading roles…" keep=true let:home>
            <RoleGroups home creds/>
        </Loaded>
    }
}

/// The role rows of one list as one escaped string: name, ARN, the
/// credentials button and (unless CLI-only) the console link. A hundred
/// rows cost one string, not a hundred views to build and hydrate; the
/// list's one click handler (`clicked_role`) serves every button.
fn role_rows_html(roles: &[RoleSummaryView]) -> String {
    use super::escape::push_escaped;
    let mut out = String::with_capacity(roles.len() * 320);
    for r in roles {
        let path = |prefix: &str, out: &mut String| {
            out.push_str(prefix);
            push_escaped(out, &r.account_id);
            out.push('/');
            push_escaped(out, &r.name);
        };
        out.push_str("<li class=\"role-row\" data-arn=\"");
        push_escaped(&mut out, &r.arn);
        out.push_str("\"><a class=\"role-name\" href=\"");
        path("/roles/", &mut out);
        out.push_str("\">");
        push_escaped(&mut out, &r.name);
        out.push_str("</a><code class=\"arn\">");
        push_escaped(&mut out, &r.arn);
        out.push_str("</code>");
        if r.cli_only {
            out.push_str("<span class=\"pill\">CLI only</span>");
        }
        out.push_str("<button type=\"button\" class=\"small creds\">Credentials</button>");
        if !r.cli_only {
            // rel=external: a server route, not a client-side page.
            out.push_str("<a class=\"button small signin\" rel=\"external\" href=\"");
            path("/role/", &mut out);
            out.push_str("\">Console</a>");
        }
        out.push_str("</li>");
    }
    out
}

/// The role whose Credentials button a click on a role list hit, if any.
fn clicked_role(ev: &leptos::ev::MouseEvent) -> Option<String> {
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::wasm_bindgen::JsCast;
        let target = ev.target()?.dyn_into::<leptos::web_sys::Element>().ok()?;
        let button = target.closest("button.creds").ok()??;
        button
            .closest("li.role-row")
            .ok()??
            .get_attribute("data-arn")
    }
    #[cfg(feature = "ssr")]
    {
        let _ = ev;
        None
    }
}

/// One list of role rows; its click handler dispatches the credentials
/// action for the row whose button was clicked.
fn role_list(roles: &[RoleSummaryView], creds: ServerAction<RoleCredentials>) -> impl IntoView {
    view! {
        <ul class="roles" inner_html=role_rows_html(roles) on:click=move |ev| {
            if let Some(arn) = clicked_role(&ev) {
                creds.dispatch(RoleCredentials { arn });
            }
        }></ul>
    }
}

#[component]
fn RoleGroups(home: RolesHomeView, creds: ServerAction<RoleCredentials>) -> impl IntoView {
    if home.total == 0 {
        return view! {
            <div class="empty">
                <p>"No roles are mapped to your groups yet."</p>
                <p class="muted">"Ask an administrator to add your group to the eligibility configuration."</p>
            </div>
        }
        .into_any();
    }
    let count = if home.shown < home.matched {
        format!(
            "Showing {} of {} matching roles ({} you may use): type to narrow",
            home.shown, home.matched, home.total
        )
    } else if home.matched < home.total {
        format!(
            "{} of the {} roles you may use match",
            home.matched, home.total
        )
    } else {
        format!("{} roles you may use", home.total)
    };
    let recent = home.recent;
    view! {
        <p class="muted" data-testid="roles-count">{count}</p>
        {(home.matched == 0).then(|| view! {
            <div class="empty"><p>"No role you may use matches."</p></div>
        })}
        {(!recent.is_empty()).then(|| view! {
            <section class="account card recent">
                <h2>"Recently used"</h2>
                {role_list(&recent, creds)}
            </section>
        })}
        {home.accounts.into_iter().map(|g| view! {
            <section class="account card">
                <h2>{g.account_name.clone()} <span class="muted">{format!(" {}", g.account_id)}</span></h2>
                {role_list(&g.roles, creds)}
            </section>
        }).collect_view()}
    }
    .into_any()
}

/// Shows the credentials just issued, as export lines for the chosen shell.
#[component]
fn CredentialsPanel(creds: ServerAction<RoleCredentials>) -> impl IntoView {
    let (shell, set_shell) = signal(Shell::Posix);
    // The panel shows the latest issue until the user closes it.
    let (closed_at, set_closed_at) = signal(0usize);
    let hidden = move || creds.version().get() <= closed_at.get();
    view! {
        {move || match (creds.value().get(), hidden()) {
            (Some(Ok(c)), false) => {
                let c: CredentialsView = c;
                view! {
                    <section class="card credentials" role="dialog" aria-label="Credentials">
                        <div class="page-head">
                            <div>
                                <h2>"Credentials for " <code>{c.role_arn.clone()}</code></h2>
                                <p class="muted">{format!("Valid until {}. Paste into a terminal.", c.expiration)}</p>
                            </div>
                            <button type="button" on:click=move |_| set_closed_at.set(creds.version().get_untracked())>"Close"</button>
                        </div>
                        <div class="tabs">
                            {Shell::ALL.into_iter().map(|s| view! {
                                <button type="button" class:active=move || shell.get() == s
                                    on:click=move |_| set_shell.set(s)>{s.label()}</button>
                            }).collect_view()}
                        </div>
                        <pre class="policy"><code data-testid="export-lines">{move || export_lines(shell.get(), &c.access_key_id, &c.secret_access_key, &c.session_token)}</code></pre>
                    </section>
                }.into_any()
            }
            (Some(Err(e)), false) => view! { <ErrorBox err=e/> }.into_any(),
            _ => ().into_any(),
        }}
    }
}

#[component]
pub fn RolePage() -> impl IntoView {
    let params = use_params_map();
    let (refresh, role) = refreshed(
        move || {
            let p = params.get();
            (
                p.get("account").unwrap_or_default(),
                p.get("name").unwrap_or_default(),
            )
        },
        |(account, name)| get_role(account, name),
    );
    view! {
        <Loaded data=role loading="Loading role…" let:r>
            <RoleDetail role=r refresh/>
        </Loaded>
        <RefreshError refresh/>
    }
}

#[component]
fn RoleDetail(role: RoleDetailView, refresh: ServerAction<RefreshResource>) -> impl IntoView {
    view! {
        <div class="page-head">
            <div>
                <h1>{role.name.clone()}</h1>
                <code class="arn">{role.arn.clone()}</code>
                <p class="muted">
                    {format!("Account {} ({}) · path {} · cached {}", role.account_name, role.account_id, role.path, role.synced_at)}
                </p>
                {role.description.clone().map(|d| view! { <p>{d}</p> })}
                <dl class="facts role-facts">
                    <dt>"Created"</dt><dd>{role.created.clone().unwrap_or_else(|| "unknown".into())}</dd>
                    {role.created_by.clone().map(|c| view! { <dt>"Created by"</dt><dd data-testid="created-by">{c}</dd> })}
                    <dt>"Last used"</dt><dd data-testid="last-used">{role.last_used.clone().unwrap_or_else(|| "never (or not reported)".into())}</dd>
                    <dt>"Permissions boundary"</dt><dd><PolicyRef arn=role.boundary_arn.clone() href=role.boundary_href.clone()/></dd>
                </dl>
            </div>
            <DetailActions arn=role.arn.clone() console_url=role.console_url.clone() refresh/>
        </div>
        <div class="grid">
            <section class="card">
                <h2>"Inline policies"</h2>
                <InlinePolicies policies=role.inline_policies.clone()/>
                <h2>"Managed policies"</h2>
                <ManagedPolicies policies=role.managed_policies.clone()/>
                <h2>"Trust policy"</h2>
                <PolicyBlock json=role.trust_policy.clone()/>
                {(!role.grants.is_empty()).then(|| view! {
                    <h2>"Who may use this role"</h2>
                    <table class="tags grants"><tbody>
                        {role.grants.iter().map(|g| view! {
                            <tr>
                                <th>{g.principal.clone()}</th>
                                <td>{if g.cli_only { "CLI only" } else { "console and CLI" }}</td>
                                <td class="muted small">{g.reason.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody></table>
                })}
                <h2>"Tags"</h2>
                <PairTable rows=role.tags.clone()/>
            </section>
            <RequestForm role_arn=role.arn.clone()/>
            {role.denials.clone().map(|d| view! { <crate::components::DeniedCalls denials=d/> })}
        </div>
    }
}

const POLICY_TEMPLATE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject"],
      "Resource": "arn:aws:s3:::example-bucket/*"
    }
  ]
}"#;

/// Asks for a new inline policy. Checks the JSON as you type with the same
/// domain code the server uses; the server checks again on submit.
#[component]
fn RequestForm(role_arn: String) -> impl IntoView {
    let action = ServerAction::<CreateRequest>::new();
    let (text, set_text) = signal(POLICY_TEMPLATE.to_string());
    let findings = Memo::new(move |_| {
        text.with(|t| {
            PolicyDocument::parse_identity_policy(t)
                .err()
                .unwrap_or_default()
        })
    });
    let server_error = move || match action.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    };
    view! {
        <section class="card">
            <h2>"Request an inline policy"</h2>
            <p class="muted">
                "Or " <a href=format!("/request?principal={}", crate::domain::inventory::encode(&role_arn))>"ask in plain terms"</a>
                " with the wizard, or use the " <a href=format!("/request/advanced?target={}", crate::domain::inventory::encode(&role_arn))>"advanced editor"</a>
                " for trust policy, tags, boundary and managed policies."
            </p>
            <ActionForm action=action attr:class="stack" attr:id="request-form">
                <input type="hidden" name="role_arn" value=role_arn/>
                <RequiredField label="Policy name" name="policy_name" placeholder="read-example-bucket"/>
                <label>"Policy (JSON)"
                    <textarea name="policy" rows="14" spellcheck="false" class="mono"
                        prop:value=text on:input=move |ev| set_text.set(event_target_value(&ev))>
                        {POLICY_TEMPLATE}
                    </textarea>
                </label>
                <div class="findings" aria-live="polite">
                    {move || {
                        let f = findings.get();
                        if f.is_empty() {
                            view! { <p class="ok">"✓ Valid IAM policy"</p> }.into_any()
                        } else {
                            view! { <ul class="warn">{f.into_iter().map(|x| view! { <li>{x.to_string()}</li> }).collect_view()}</ul> }.into_any()
                        }
                    }}
                </div>
                <label>"Justification"
                    <textarea name="justification" rows="3" required
                        placeholder="Why is this access needed? Link a ticket if there is one."></textarea>
                </label>
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    "Submit request"
                </button>
                {move || server_error().map(|e: AppError| view! { <ErrorBox err=e/> })}
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::role_rows_html;
    use crate::views::RoleSummaryView;

    fn role(name: &str, arn: &str, cli_only: bool) -> RoleSummaryView {
        RoleSummaryView {
            arn: arn.into(),
            name: name.into(),
            account_id: "111111111111".into(),
            account_name: "prod".into(),
            cli_only,
        }
    }

    #[test]
    fn role_rows_offer_console_unless_cli_only_and_escape_every_value() {
        let html = role_rows_html(&[
            role("dev", "arn:aws:iam::111111111111:role/dev", false),
            role(
                "<img src=x>",
                "arn:aws:iam::111111111111:role/\"><script>",
                true,
            ),
        ]);
        assert_eq!(
            html,
            "<li class=\"role-row\" data-arn=\"arn:aws:iam::111111111111:role/dev\">\
             <a class=\"role-name\" href=\"/roles/111111111111/dev\">dev</a>\
             <code class=\"arn\">arn:aws:iam::111111111111:role/dev</code>\
             <button type=\"button\" class=\"small creds\">Credentials</button>\
             <a class=\"button small signin\" rel=\"external\" href=\"/role/111111111111/dev\">Console</a></li>\
             <li class=\"role-row\" data-arn=\"arn:aws:iam::111111111111:role/&quot;&gt;&lt;script&gt;\">\
             <a class=\"role-name\" href=\"/roles/111111111111/&lt;img src=x&gt;\">&lt;img src=x&gt;</a>\
             <code class=\"arn\">arn:aws:iam::111111111111:role/&quot;&gt;&lt;script&gt;</code>\
             <span class=\"pill\">CLI only</span>\
             <button type=\"button\" class=\"small creds\">Credentials</button></li>"
        );
    }
}
