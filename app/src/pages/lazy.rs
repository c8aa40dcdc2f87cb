//! Pages the browser loads only when they are opened.
//!
//! Each route here is a leptos lazy route: its view is a split point, so the
//! release build (`scripts/lib.sh` `build_site_release`, through wasm-split)
//! moves the page's code, and whatever only such pages use (the IAM action
//! catalogue, the policy editor, the diff), out of the first download into
//! chunks fetched when the page is first shown. The server renders the same
//! views and names the chunks a page needs in `<link rel="preload">`, so a
//! page opened directly fetches its chunks alongside the main module.
//!
//! The roles home and sign-in stay in the main module: they are the pages
//! people land on, and a lazy first page would cost a second round trip.
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// One lazy route per page: a unit route type whose lazy view renders the
/// page's component. The type's name is the split point's name.
macro_rules! lazy_pages {
    ($($route:ident => $page:path;)*) => {$(
        #[doc = concat!("The lazily loaded route of [`", stringify!($page), "`].")]
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    RolePageRoute => super::roles::RolePage;
    RequestsRoute => super::requests::RequestsPage;
    RequestRoute => super::requests::RequestPage;
    WizardRoute => super::wizard::WizardPage;
    EditorRoute => super::editor::EditorPage;
    ResourcesRoute => super::resources::ResourcesPage;
    ResourceRoute => super::resources::ResourcePage;
    SyncRoute => super::admin::SyncPage;
    AuditRoute => super::audit::AuditPage;
    ProtectionRoute => super::protection::ProtectionPage;
    ApplicationsRoute => super::applications::ApplicationsPage;
    AccessRoute => super::access::AccessPage;
    SettingsRoute => super::settings::SettingsPage;
    MeRoute => super::me::MePage;
}
