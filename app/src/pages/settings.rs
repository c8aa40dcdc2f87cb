//! Settings: API tokens for the CLI, Weep-compatible API and the ECS
//! credential endpoint. A new token is shown once.
use crate::api::session::SignOutEverywhere;
use crate::api::tokens::{list_tokens, CreateToken, RevokeToken};
use crate::components::{ErrorBox, Loaded};
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let origin = move || {
        #[cfg(feature = "hydrate")]
        {
            window().location().origin().unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            String::from("https://latchkey.example.com")
        }
    };
    view! {
        <div class="page-head"><h1>"Settings"</h1></div>
        <div class="settings">
            <section class="card">
                <h2>"API tokens"</h2>
                <p class="muted">"For the Weep-compatible API and the AWS CLI / SDK container credential provider. Tokens act as you, with the groups of your latest sign-in, until they expire; revoke the ones you no longer use."</p>
                <ActionForm action=create attr:class="inline" attr:id="token-form">
                    <input name="name" placeholder="Token name, e.g. laptop" required/>
                    <label>"Expires in "
                        <select name="expires_in_days">
                            <option value="1">"1 day"</option>
                            <option value="7">"7 days"</option>
                            <option value="30" selected>"30 days"</option>
                            <option value="90">"90 days"</option>
                        </select>
                    </label>
                    <label>"Reach "
                        <select name="scope">
                            <option value="credentials" selected>"Credentials only"</option>
                            <option value="full">"Full API (acts as you everywhere)"</option>
                        </select>
                    </label>
                    <button type="submit" class="primary">"Create token"</button>
                </ActionForm>
                {move || create.value().get().map(|r| match r {
                    Ok(t) => view! {
                        <div class="new-token" role="status">
                            <p><strong>{format!("Token “{}” created", t.name)}</strong>{format!(" ({}, expires {}).", t.scope, t.expires)} " Copy it now: it is not shown again."</p>
                            <pre class="policy"><code data-testid="new-token">{t.token.clone()}</code></pre>
                            <p class="muted">"Use it with the AWS CLI for one role:"</p>
                            <pre class="policy"><code>{format!(
                                "export AWS_CONTAINER_CREDENTIALS_FULL_URI={}/ecs/<account>/<role>\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN={}\naws sts get-caller-identity",
                                origin(), t.token
                            )}</code></pre>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox err=e/> }.into_any(),
                })}
                <Loaded data=tokens let:list>
                    {if list.is_empty() { view! { <p class="muted">"No tokens yet."</p> }.into_any() } else { view! {
                                <table class="data tokens">
                                    <thead><tr><th>"Name"</th><th>"Reach"</th><th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th></th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|t| { let id = t.id.clone(); view! {
                                            <tr data-token=t.id.clone()>
                                                <td>{t.name.clone()}</td>
                                                <td>{t.scope.clone()}</td>
                                                <td>{t.created.clone()}</td>
                                                <td>{t.expires.clone()}</td>
                                                <td>{t.last_used.clone().unwrap_or_else(|| "never".into())}</td>
                                                <td>{if t.revoked {
                                                    view! { <span class="muted">"revoked"</span> }.into_any()
                                                } else if t.expired {
                                                    view! { <span class="muted">"expired"</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <ActionForm action=revoke attr:class="inline">
                                                            <input type="hidden" name="id" value=id/>
                                                            <button type="submit" class="link-button">"Revoke"</button>
                                                        </ActionForm>
                                                    }.into_any()
                                                }}</td>
                                            </tr>
                                        }}).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any() }}
                </Loaded>
            </section>
            <section class="card">
                <h2>"Sessions"</h2>
                <p class="muted">"Sign out of Latchkey in every browser where you are signed in, and revoke every API token (the CLI will ask you to sign in again)."</p>
                <ActionForm action=everywhere attr:class="inline">
                    <button type="submit" class="danger">"Sign out everywhere"</button>
                </ActionForm>
            </section>
        </div>
    }
}
