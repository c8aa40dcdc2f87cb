//! Routes and the page frame. One module per area.
pub mod access;
pub mod admin;
pub mod applications;
pub mod assets;
pub mod audit;
pub mod editor;
mod escape;
mod iam_items;
mod lazy;
pub mod login;
pub mod me;
pub mod protection;
pub mod requests;
pub mod resources;
pub mod roles;
pub mod settings;
pub mod wizard;

use crate::api::session::{get_session, SignOut};
use crate::components::ErrorBox;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    hooks::use_location,
    path, Lazy, SsrMode,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href=assets::stylesheet_href(&options)/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every route streams in order, so the page is complete HTML before wasm
/// loads (and with JavaScript off); out-of-order streaming needs scripts.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Latchkey"/>
        <Router>
            <Frame>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=roles::RolesHome ssr=SsrMode::InOrder/>
                    <Route path=path!("/login") view=login::LoginPage ssr=SsrMode::InOrder/>
                    <Route path=path!("/roles/:account/:name") view={Lazy::<lazy::RolePageRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/requests") view={Lazy::<lazy::RequestsRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/request") view={Lazy::<lazy::WizardRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/request/advanced") view={Lazy::<lazy::EditorRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/resources") view={Lazy::<lazy::ResourcesRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/resource") view={Lazy::<lazy::ResourceRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/admin/sync") view={Lazy::<lazy::SyncRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/admin/audit") view={Lazy::<lazy::AuditRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/admin/protection") view={Lazy::<lazy::ProtectionRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/admin/applications") view={Lazy::<lazy::ApplicationsRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/admin/access") view={Lazy::<lazy::AccessRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/settings") view={Lazy::<lazy::SettingsRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/me") view={Lazy::<lazy::MeRoute>::new()} ssr=SsrMode::InOrder/>
                    <Route path=path!("/requests/:id") view={Lazy::<lazy::RequestRoute>::new()} ssr=SsrMode::InOrder/>
                </Routes>
            </Frame>
        </Router>
    }
}

/// Header with navigation, the signed-in user and the dev-mode banner.
#[component]
fn Frame(children: Children) -> impl IntoView {
    let location = use_location();
    // Re-read on navigation so sign-in and sign-out show at once.
    let session = Resource::new(move || location.pathname.get(), |_| get_session());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(s) if s.dev_mode => view! {
                        <div class="dev-banner" role="status">
                            "Dev mode: sign-in is simulated. Never run this configuration in production."
                        </div>
                    }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <img class="brand-mark" src="/favicon.svg" alt="" width="22" height="22"/>
                " Latchkey"
            </A>
            <nav>
                <A href="/">"Roles"</A>
                <A href="/resources">"Resources"</A>
                <A href="/requests">"Requests"</A>
                <A href="/request">"Request access"</A>
            </nav>
            <div class="whoami">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.await {
                            Ok(s) => match s.user {
                                Some(u) => view! {
                                    <A href="/me" attr:class="user" attr:data-testid="current-user" attr:title="Your groups and what they grant">
                                        {u.display_name.clone()}
                                        {u.is_admin.then(|| view! { <span class="pill">"admin"</span> })}
                                    </A>
                                    {u.is_admin.then(|| view! { <A href="/admin/sync">"Sync"</A> <A href="/admin/audit">"Audit"</A> <A href="/admin/protection">"Protection"</A> <A href="/admin/access">"Access"</A> <A href="/admin/applications">"Apps"</A> })}
                                    <A href="/settings">"Settings"</A>
                                    <ActionForm action=sign_out attr:class="inline">
                                        <button type="submit" class="link">"Sign out"</button>
                                    </ActionForm>
                                }.into_any(),
                                None => view! { <A href="/login">"Sign in"</A> }.into_any(),
                            },
                            Err(e) => view! { <ErrorBox err=e/> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </header>
        <main class="page">{children()}</main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <h1>"Not found"</h1>
        <p>"There is no page here. " <A href="/">"Back to your roles"</A></p>
    }
}
