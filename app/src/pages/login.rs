//! Sign-in page. In dev mode: pick one of the configured demo users.
use crate::api::session::{list_dev_users, DevSignIn};
use crate::components::ErrorBox;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn LoginPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_dev_users());
    view! {
        <section class="card narrow">
            <h1>"Sign in to Latchkey"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! {
                            <p class="muted">"Choose a demo identity. Each one carries the groups shown."</p>
                            <div class="user-choices">
                                {list.into_iter().map(|u| view! {
                                    // A plain form: the full page reload picks up the new session cookie.
                                    <form method="post" action=DevSignIn::PATH class="user-choice">
                                        <input type="hidden" name="user_id" value=u.id.clone()/>
                                        <button type="submit" class="primary" data-user=u.id.clone()>
                                            {format!("Sign in as {}", u.display_name)}
                                        </button>
                                        <span class="muted">{u.groups.join(", ")}</span>
                                    </form>
                                }).collect_view()}
                            </div>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox err=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
