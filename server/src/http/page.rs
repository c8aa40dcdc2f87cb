//! Small server-rendered HTML pages outside the Leptos app (sign-in
//! failures, console sign-in errors, the CLI's authorize page): the site's
//! stylesheet and top bar, no scripts, so they work before and without wasm.
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A whole page around `body` (trusted HTML: escape what goes into it).
/// Never framed, never cached: these pages carry consent buttons and errors.
pub fn render(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Latchkey</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"{}\"></head><body>\
         <header class=\"topbar\"><a class=\"brand\" href=\"/\">\
         <img class=\"brand-mark\" src=\"/favicon.svg\" alt=\"\" width=\"22\" height=\"22\"> Latchkey</a></header>\
         <main class=\"page\">{body}</main></body></html>",
        escape(title),
        app::pages::assets::resolved_stylesheet_href(),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        ],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            super::escape(r#"<a href="x">&</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }
}
