//! A page whose render never finishes is answered 503 once
//! `server.render_timeout_secs` has passed, and gives its turn at the page
//! gate up, so the pages behind it still render. Its own test binary: the
//! stuck render is made with a process-wide Leptos switch (the one it sets
//! while it lists the app's routes), which would hold up any other test's
//! pages running beside it.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_page_that_never_finishes_is_answered_503_and_hands_its_turn_on(pool: PgPool) {
    let mut cfg = config(&[]);
    cfg.server.page_concurrency = Some(1);
    cfg.server.render_timeout_secs = 2;
    let base = spawn_http(services(pool, cfg).await).await;
    let c = signed_in(&base, ENGINEER).await;

    // While Leptos holds every resource back, the roles home's data never
    // comes: its render would wait forever, with the only turn to render.
    let held = leptos::server::SuppressResourceLoad::new();
    let r = c.get(format!("{base}/")).fetch().await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body = r.text().await.unwrap();
    assert!(body.contains("This page took too long"), "{body}");
    assert!(body.contains("Try again"), "{body}");
    drop(held);

    // The stuck render handed its turn on: the next page renders in full.
    let r = c.get(format!("{base}/")).fetch().await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Your roles"));
}
