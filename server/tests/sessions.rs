//! Sessions end: at expiry (refused and deleted), at sign-out (that browser
//! only), and everywhere on request (every browser of that user, nobody else).
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use sqlx::PgPool;

async fn sessions_of(pool: &PgPool, user: &str) -> i64 {
    scalar_of(
        pool,
        "SELECT count(*) FROM sessions WHERE user_id = $1",
        user,
    )
    .await
}

async fn me_status(c: &reqwest::Client, base: &str) -> u16 {
    c.post_status(format!("{base}/api/me")).await.as_u16()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_expired_session_is_refused_and_deleted(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let c = signed_in(&base, ENGINEER).await;
    assert_eq!(me_status(&c, &base).await, 200);
    execute(
        &pool,
        "UPDATE sessions SET expires_at = now() - interval '1 second'",
    )
    .await;
    assert_eq!(me_status(&c, &base).await, 401);
    assert_eq!(
        sessions_of(&pool, ENGINEER).await,
        0,
        "the expired row is gone"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn sessions_last_as_long_as_configured(pool: PgPool) {
    let mut cfg = config(&[]);
    cfg.auth.session_hours = 2;
    let base = spawn_http(services(pool.clone(), cfg).await).await;
    let r = reqwest::Client::new()
        .post_form(format!("{base}/api/dev_sign_in"), &[("user_id", ENGINEER)])
        .await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("Max-Age=7200") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let hours: f64 = scalar(
        &pool,
        "SELECT EXTRACT(EPOCH FROM expires_at - now())::float8 / 3600 FROM sessions",
    )
    .await;
    assert!((1.9..=2.0).contains(&hours), "{hours}");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn signing_out_ends_only_this_browsers_session(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let laptop = signed_in(&base, ENGINEER).await;
    let phone = signed_in(&base, ENGINEER).await;
    let r = laptop.post_empty(format!("{base}/api/sign_out")).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let cleared = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.starts_with("latchkey_session=;") && cleared.contains("Max-Age=0"));
    assert_eq!(me_status(&laptop, &base).await, 401);
    assert_eq!(me_status(&phone, &base).await, 200);
    assert_eq!(sessions_of(&pool, ENGINEER).await, 1);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn signing_out_everywhere_ends_every_session_of_that_user_only(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let laptop = signed_in(&base, ENGINEER).await;
    let phone = signed_in(&base, ENGINEER).await;
    let colleague = signed_in(&base, OTHER_ENGINEER).await;
    phone
        .post_empty(format!("{base}/api/sign_out_everywhere"))
        .await;
    assert_eq!(me_status(&laptop, &base).await, 401);
    assert_eq!(me_status(&phone, &base).await, 401);
    assert_eq!(me_status(&colleague, &base).await, 200);
    assert_eq!(sessions_of(&pool, ENGINEER).await, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn pages_taking_turns_one_at_a_time_all_render(pool: PgPool) {
    // One render at a time: every page, many at once, still answers in full
    // (a page's render never waits on a second turn at the gate).
    let mut cfg = config(&[]);
    cfg.server.page_concurrency = Some(1);
    let base = spawn_http(services(pool.clone(), cfg).await).await;
    let c = signed_in(&base, ADMIN).await;
    let pages = [
        "/",
        "/resources",
        "/requests",
        "/request",
        "/admin/sync",
        "/admin/audit",
        "/settings",
        "/me",
    ];
    let loads = (0..24).map(|i| {
        let (c, url) = (c.clone(), format!("{base}{}", pages[i % pages.len()]));
        async move {
            let r = c.get(&url).fetch().await;
            let status = r.status();
            let len = r.headers().get("content-length").cloned();
            let body = r.text().await.unwrap();
            (url, status, len.is_some(), body.contains("</html>"))
        }
    });
    let all = futures_util::future::join_all(loads);
    let done = tokio::time::timeout(std::time::Duration::from_secs(60), all)
        .await
        .expect("pages stalled waiting for their turn");
    for (url, status, has_length, whole) in done {
        assert_eq!(status, 200, "{url}");
        assert!(has_length, "{url} sent with its length");
        assert!(whole, "{url} rendered to the end");
    }
}
