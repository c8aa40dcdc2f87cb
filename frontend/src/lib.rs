//! Browser entry point: hydrates the server-rendered page.

use leptos::prelude::*;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (app::pages::lazy): hydration waits for the
    // opened page's chunk, so it runs as a task rather than in one call.
    // Err means the executor already runs, which is fine.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let owner = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app::App).await;
        owner.forget();
        // `<html data-hydrated>`: the page is interactive now (tests wait
        // for it, and the page-weight bench times it).
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
}
