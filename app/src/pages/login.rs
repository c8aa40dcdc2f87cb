//! Sign-in page: "Sign in with <provider>" when OIDC is configured, and in
//! dev mode one button per configured demo user.
use crate::api::session::{login_options, DevSignIn};
use crate::components::Loaded;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let options = Resource::new(|| (), |_| login_options());
    let query = use_query_map();
    // Back to the page that sent the user here (the server checks it is local).
    let next = move || query.with(|q| q.get("next")).unwrap_or_else(|| "/".into());
    let oidc_href = move || format!("/auth/oidc/login?next={}", urlencode(&next()));
    view! {
        <section class="card narrow">
            <h1>"Sign in to Latchkey"</h1>
            <Loaded data=options let:o>
                            {o.oidc_provider.map(|name| view! {
                                <p>
                                    // rel=external: a full navigation to the server route, not the client router.
                                    <a class="button primary" rel="external" data-testid="oidc-sign-in" href=oidc_href>
                                        {format!("Sign in with {name}")}
                                    </a>
                                </p>
                            })}
                            {(!o.dev_users.is_empty()).then(|| view! {
                                <p class="muted">"Choose a demo identity. Each one carries the groups shown."</p>
                                <div class="user-choices">
                                    {o.dev_users.into_iter().map(|u| view! {
                                        // A plain form: the full page reload picks up the new session cookie.
                                        <form method="post" action=DevSignIn::PATH class="user-choice">
                                            <input type="hidden" name="user_id" value=u.id.clone()/>
                                            <input type="hidden" name="next" value=next/>
                                            <button type="submit" class="primary" data-user=u.id.clone()>
                                                {format!("Sign in as {}", u.display_name)}
                                            </button>
                                            <span class="muted">{u.groups.join(", ")}</span>
                                        </form>
                                    }).collect_view()}
                                </div>
                            })}
            </Loaded>
        </section>
    }
}

/// Percent-encodes a query value (the few characters a path can carry).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
