//! The browser bundle as it travels (#18): hashed files under /pkg come as
//! the brotli or gzip twin the browser accepts and are cached for a year;
//! plain names are revalidated; pages link the hashed names and are
//! compressed but never cached; credentials are never compressed.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use sqlx::PgPool;
use std::path::PathBuf;

const JS: &str = "0123456789abcdef";
const WASM: &str = "fedcba9876543210";
const CSS: &str = "00112233aabbccdd";

/// A release-shaped site: hashed files with their twins (each twin's bytes
/// say which one it is), a plain-named file, and hash.txt.
fn site() -> PathBuf {
    let root = std::env::temp_dir().join(format!("latchkey-site-{}", std::process::id()));
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for name in [
        format!("web.{JS}.js"),
        format!("web.{WASM}.wasm"),
        format!("web.{CSS}.css"),
    ] {
        std::fs::write(pkg.join(&name), format!("plain {name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.br")), format!("br {name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.gz")), format!("gzip {name}")).unwrap();
    }
    std::fs::write(pkg.join("notes.txt"), "a file without a hash").unwrap();
    std::fs::write(
        root.join("hash.txt"),
        format!("js: {JS}\nwasm: {WASM}\ncss: {CSS}\n"),
    )
    .unwrap();
    root
}

async fn get(c: &reqwest::Client, url: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = c.get(url);
    if let Some(a) = accept {
        req = req.header("accept-encoding", a);
    }
    req.send().await.unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn hashed_assets_are_precompressed_and_immutable_pages_compressed_and_never_cached(
    pool: PgPool,
) {
    let root = site();
    let account = unique_account();
    let s = services(pool.clone(), config(&[&account])).await;
    create_role(&iam(&s, &account).await, "eng-assets", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = spawn_http_site(listener, s, Some(root.to_str().unwrap())).await;
    let anon = reqwest::Client::new();
    let wasm = format!("{base}/pkg/web.{WASM}.wasm");

    // The browser's own preference order: brotli first.
    let r = get(&anon, &wasm, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-encoding"), "br");
    assert_eq!(header(&r, "content-type"), "application/wasm");
    assert_eq!(
        header(&r, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&r, "vary").contains("accept-encoding"));
    assert_eq!(r.text().await.unwrap(), format!("br web.{WASM}.wasm"));

    let r = get(&anon, &wasm, Some("gzip")).await;
    assert_eq!(header(&r, "content-encoding"), "gzip");
    assert_eq!(r.text().await.unwrap(), format!("gzip web.{WASM}.wasm"));

    let r = get(&anon, &wasm, None).await;
    assert_eq!(header(&r, "content-encoding"), "");
    assert_eq!(r.text().await.unwrap(), format!("plain web.{WASM}.wasm"));

    // A name without a hash may change under the same URL: revalidate.
    let r = get(&anon, &format!("{base}/pkg/notes.txt"), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "cache-control"), "no-cache");
    // A missing file is a plain 404, not cached for a year.
    let r = get(&anon, &format!("{base}/pkg/web.0000000000000000.js"), None).await;
    assert_eq!(r.status(), 404);
    assert!(!header(&r, "cache-control").contains("immutable"));

    // The page links the hashed names; it is personal, so never stored.
    let eng = signed_in(&base, ENGINEER).await;
    let r = get(&eng, &format!("{base}/"), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "cache-control"), "no-store");
    let html = r.text().await.unwrap();
    for linked in [
        format!("/pkg/web.{JS}.js"),
        format!("/pkg/web.{WASM}.wasm"),
        format!("/pkg/web.{CSS}.css"),
    ] {
        assert!(html.contains(&linked), "{linked} in the page: {html}");
    }
    assert!(!html.contains("/pkg/web.css"), "{html}");
    // ... and travels compressed.
    let r = get(&eng, &format!("{base}/"), Some("gzip")).await;
    assert_eq!(header(&r, "content-encoding"), "gzip");
    assert_eq!(
        &r.bytes().await.unwrap()[..2],
        &[0x1f, 0x8b],
        "a gzip stream"
    );
    // As Chromium asks: gzip, which costs a third of brotli's CPU on the fly
    // (the bundle's files above are brotli'd at build time).
    let r = get(&eng, &format!("{base}/"), Some("gzip, deflate, br, zstd")).await;
    assert_eq!(header(&r, "content-encoding"), "gzip");
    let r = get(&eng, &format!("{base}/"), Some("br")).await;
    assert_eq!(
        header(&r, "content-encoding"),
        "",
        "never brotli on the fly"
    );
    // JSON too.
    let r = get(&anon, &format!("{base}/api/openapi.json"), Some("gzip, br")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-encoding"), "gzip");

    // Credentials are neither stored nor compressed, by either way to ask.
    let arn = format!("arn:aws:iam::{account}:role/eng-assets");
    let r = eng
        .post(format!("{base}/api/role_credentials"))
        .header("accept-encoding", "gzip, br")
        .form(&[("arn", arn.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", header(&r, "content-type"));
    assert_eq!(header(&r, "cache-control"), "no-store");
    assert_eq!(header(&r, "content-encoding"), "");
    assert!(r.text().await.unwrap().contains("ASIA"));
    let r = eng
        .post(format!("{base}/api/v1/get_credentials"))
        .header("accept-encoding", "gzip, br")
        .json(&serde_json::json!({"requested_role": arn}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "cache-control"), "no-store");
    assert_eq!(header(&r, "content-encoding"), "");
    let _ = std::fs::remove_dir_all(root);
}
