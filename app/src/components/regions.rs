//! A `<datalist>` of the regions cached resources are in, for region boxes
//! (the resources filter, the wizard's rows). Fetched once the page runs in
//! the browser, so server-rendered pages do not carry it.
use leptos::prelude::*;

#[component]
pub fn RegionOptions(id: &'static str) -> impl IntoView {
    let (regions, set_regions) = signal(Vec::<String>::new());
    // In the browser only: the server has no local task set to run it on.
    #[cfg(not(feature = "ssr"))]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(all) = crate::api::inventory::list_regions().await {
                set_regions.set(all);
            }
        });
    });
    #[cfg(feature = "ssr")]
    let _ = set_regions;
    view! {
        <datalist id=id>
            <For each=move || regions.get() key=|r| r.clone() let:r>
                <option value=r.clone()></option>
            </For>
        </datalist>
    }
}
