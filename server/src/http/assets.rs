//! How the browser bundle and pages travel: `/pkg` files from the site
//! directory with their precompressed `.br`/`.gz` twins chosen by the
//! browser's `Accept-Encoding`; content-hashed names (`web.<hash>.wasm`)
//! cached for a year as immutable, anything else revalidated; pages and JSON
//! compressed on the fly. Credentials and tokens are never compressed: an
//! answer that carries a secret says `Cache-Control: no-store`, and a
//! compressed secret next to text an attacker chose leaks through its
//! length (BREACH).
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, VARY};
use leptos::config::LeptosOptions;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

/// A year: the longest any browser keeps a file.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Plain names change content between releases: ask every time.
const REVALIDATE: &str = "no-cache";

/// Points leptos's `<HydrationScripts>` at the hashed names when the site
/// was built with them (its `hash.txt` exists).
pub fn use_hashed_names(options: &mut LeptosOptions) {
    if let Some(path) = app::pages::assets::hash_file(options) {
        options.hash_files = true;
        options.hash_file = path.to_string_lossy().into_owned().into();
    }
    // Resolve the stylesheet's name now, for pages rendered outside the app.
    app::pages::assets::stylesheet_href(options);
}

/// The `/pkg` directory of the site, precompressed files preferred.
pub fn pkg_dir(options: &LeptosOptions) -> ServeDir {
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
}

/// Whether a file name carries its content's hash: one dot-separated part
/// of at least 16 hex digits (`web.0f3a…9c.wasm`).
pub fn is_fingerprinted(name: &str) -> bool {
    name.split('.')
        .any(|part| part.len() >= 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Cache headers for `/pkg` answers (a layer on [`pkg_dir`]).
pub async fn pkg_cache_headers(req: Request, next: Next) -> Response {
    let name = req.uri().path().rsplit('/').next().unwrap_or("").to_owned();
    let mut resp = next.run(req).await;
    if resp.status().is_success() || resp.status() == http::StatusCode::NOT_MODIFIED {
        let policy = if is_fingerprinted(&name) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        let h = resp.headers_mut();
        h.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        // The same URL answers br, gzip or plain: caches must key on it.
        h.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    resp
}

/// Compress what is worth it: text (HTML, JSON, CSS, JS, SVG) of 256 bytes
/// or more, except JSON marked `no-store` (secrets; see the module doc).
/// Files already compressed on disk carry `Content-Encoding` and pass as they are.
#[derive(Clone, Copy)]
pub struct Compressible;

impl Predicate for Compressible {
    fn should_compress<B>(&self, response: &http::Response<B>) -> bool
    where
        B: http_body::Body,
    {
        let h = response.headers();
        let ct = h
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let json = ct.starts_with("application/json");
        let text = json
            || ct.starts_with("text/")
            || ct.starts_with("application/javascript")
            || ct.starts_with("image/svg+xml");
        // Pages are no-store too (they are personal) but carry no secret.
        let secret = json
            && h.get(CACHE_CONTROL)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|cc| cc.to_ascii_lowercase().contains("no-store"));
        text && !secret
            && DefaultPredicate::new().should_compress(response)
            && SizeAbove::new(256).should_compress(response)
    }
}

/// The response compression layer: gzip at level 5, with the
/// [`Compressible`] rule. Not brotli: on the fly it cost three times the
/// CPU for a little less size (`scripts/bench.sh`, the roles home at 10
/// clients: 4,153 req/s plain, 2,473 gzip (4.0 KB), 1,377 br (2.8 KB)).
/// The bundle's files are brotli'd once, at build time.
pub fn compression() -> CompressionLayer<Compressible> {
    CompressionLayer::new()
        .no_br()
        .quality(CompressionLevel::Precise(5))
        .compress_when(Compressible)
}

#[cfg(test)]
mod tests {
    use super::is_fingerprinted;

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_fingerprinted("web.0f3a6b1c9d2e4f58.wasm"));
        assert!(is_fingerprinted("web.0f3a6b1c9d2e4f58.wasm.br"));
        assert!(!is_fingerprinted("web.wasm"));
        assert!(!is_fingerprinted("web.css"));
        assert!(!is_fingerprinted("__wasm_split.______________________.js"));
        assert!(
            !is_fingerprinted("web.0f3a6b.js"),
            "too short to be a content hash"
        );
        assert!(!is_fingerprinted("favicon.svg"));
    }
}
