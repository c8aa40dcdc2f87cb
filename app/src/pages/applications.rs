//! Admin › Applications: non-human principals (a batch job, a service) that
//! get role credentials with their own tokens or client certificates. Each
//! shows the principal it acts as (what eligibility rules and role tags
//! name), the roles it may use now, and its tokens.
use crate::api::applications::{
    list_applications, CreateApplication, CreateApplicationToken, DisableApplication,
    RevokeApplicationToken,
};
use crate::components::{ErrorBox, Loaded, PageHead};
use crate::views::ApplicationView;
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct Actions {
    token: ServerAction<CreateApplicationToken>,
    revoke: ServerAction<RevokeApplicationToken>,
    disable: ServerAction<DisableApplication>,
}

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let create = ServerAction::<CreateApplication>::new();
    let actions = Actions {
        token: ServerAction::new(),
        revoke: ServerAction::new(),
        disable: ServerAction::new(),
    };
    let apps = Resource::new(
        move || {
            (
                create.version().get(),
                actions.token.version().get(),
                actions.revoke.version().get(),
                actions.disable.version().get(),
            )
        },
        |_| list_applications(),
    );
    view! {
        <PageHead title="Applications" intro="Services and jobs that get role credentials without a person: each acts as app/<name>, is eligible for roles by [[eligibility]] app = \"<name>\" or a role tag naming app/<name>, and signs in with its own token or a client certificate. Its tokens reach credentials and the roles list only."/>
        <section class="card">
            <h2>"New application"</h2>
            <ActionForm action=create attr:class="stack" attr:id="application-form">
                <label>"Name " <input name="name" placeholder="billing-batch" required pattern="[a-z0-9][a-z0-9\\-]{1,62}"/></label>
                <label>"Description " <input name="description" placeholder="Nightly invoice export"/></label>
                <label>"Owner " <input name="owner" placeholder="billing-team"/></label>
                <label>"Client certificate subject (optional) " <input name="mtls_subject" placeholder="CN=billing-batch,OU=prod,O=Example"/></label>
                <div><button type="submit" class="primary">"Create application"</button></div>
            </ActionForm>
            {move || create.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
        </section>
        {move || actions.revoke.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
        {move || actions.disable.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
        <NewToken action=actions.token/>
        <Loaded data=apps keep=true let:list>
            {if list.is_empty() {
                view! { <div class="card empty"><p>"No applications yet."</p></div> }.into_any()
            } else {
                list.into_iter().map(|a| view! { <Application a actions/> }).collect_view().into_any()
            }}
        </Loaded>
    }
}

/// A new token, shown once, with how to use it.
#[component]
fn NewToken(action: ServerAction<CreateApplicationToken>) -> impl IntoView {
    move || {
        action.value().get().map(|r| match r {
            Ok(t) => view! {
                <div class="card new-token" role="status">
                    <p><strong>{format!("Token “{}” created", t.name)}</strong>{format!(" (credentials only, expires {}).", t.expires)} " Copy it now: it is not shown again."</p>
                    <pre class="policy"><code data-testid="new-app-token">{t.token.clone()}</code></pre>
                    <p class="muted">"Give it to the application as a secret; the CLI reads it from LATCHKEY_TOKEN (with LATCHKEY_SERVER), the AWS SDKs as AWS_CONTAINER_AUTHORIZATION_TOKEN with AWS_CONTAINER_CREDENTIALS_FULL_URI=<server>/ecs/<account>/<role>."</p>
                </div>
            }
            .into_any(),
            Err(e) => view! { <ErrorBox err=e/> }.into_any(),
        })
    }
}

#[component]
fn Application(a: ApplicationView, actions: Actions) -> impl IntoView {
    let name = a.name.clone();
    let state = if a.disabled { "disabled" } else { "enabled" };
    let roles = a.roles.clone();
    view! {
        <section class="card application" data-app=a.name.clone()>
            <h2>{a.name.clone()} " " <span class="pill">{state}</span></h2>
            <p class="small">"Acts as " <code>{a.principal.clone()}</code>
                {(!a.owner.is_empty()).then(|| format!(" · owner {}", a.owner))}
                {format!(" · created {} by {}", a.created, a.created_by)}</p>
            {(!a.description.is_empty()).then(|| view! { <p>{a.description.clone()}</p> })}
            <p class="small">"Client certificate: " {match a.mtls_subject.clone() {
                Some(s) => view! { <code>{s}</code> }.into_any(),
                None => view! { <span class="muted">"none (tokens only)"</span> }.into_any(),
            }}</p>
            <h3>{format!("Roles it may use ({})", roles.len())}</h3>
            {if roles.is_empty() {
                view! { <p class="muted small" data-roles="none">"None. Add an [[eligibility]] rule with app = \"" {a.name.clone()} "\", or tag a role latchkey-authorized = app/" {a.name.clone()} "."</p> }.into_any()
            } else {
                view! { <ul class="small roles-of-app">{roles.into_iter().map(|r| view! { <li><code>{r}</code></li> }).collect_view()}</ul> }.into_any()
            }}
            {(!a.disabled).then(|| view! { <Tokens a=a.clone() actions/> })}
            {(!a.disabled).then(|| view! {
                <h3>"Disable"</h3>
                <p class="muted small">"Revokes every token and stops believing its certificate at once. The name is never reused."</p>
                <ActionForm action=actions.disable attr:class="inline">
                    <input type="hidden" name="name" value=name.clone()/>
                    <button type="submit" class="danger">"Disable " {name.clone()}</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn Tokens(a: ApplicationView, actions: Actions) -> impl IntoView {
    let app = a.name.clone();
    let app_rows = a.name.clone();
    let live: Vec<_> = a
        .tokens
        .into_iter()
        .filter(|t| !t.revoked && !t.expired)
        .collect();
    view! {
        <h3>"Tokens"</h3>
        {if live.is_empty() { view! { <p class="muted small">"No live tokens."</p> }.into_any() } else { view! {
            <table class="data tokens">
                <thead><tr><th>"Name"</th><th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th></th></tr></thead>
                <tbody>
                    {live.into_iter().map(|t| {
                        let (id, app) = (t.id.clone(), app_rows.clone());
                        view! {
                            <tr data-token=t.id.clone()>
                                <td>{t.name.clone()}</td>
                                <td>{t.created.clone()}</td>
                                <td>{t.expires.clone()}</td>
                                <td>{t.last_used.clone().unwrap_or_else(|| "never".into())}</td>
                                <td><ActionForm action=actions.revoke attr:class="inline">
                                    <input type="hidden" name="app" value=app/>
                                    <input type="hidden" name="id" value=id/>
                                    <button type="submit" class="link-button">"Revoke"</button>
                                </ActionForm></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any() }}
        <ActionForm action=actions.token attr:class="inline">
            <input type="hidden" name="app" value=app.clone()/>
            <input name="token_name" placeholder="Token name, e.g. prod" required/>
            <label>"Expires in "
                <select name="expires_in_days">
                    <option value="30">"30 days"</option>
                    <option value="90" selected>"90 days"</option>
                    <option value="365">"365 days"</option>
                </select>
            </label>
            <button type="submit">"New token"</button>
        </ActionForm>
    }
}
