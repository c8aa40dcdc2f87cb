//! Every request gets an id: the caller's `x-request-id` when it is a plain
//! token (a load balancer's or a client's own), else a fresh one. The
//! request runs in a log span and a [`crate::error::request_scope`] with it,
//! and the response carries it back, so the id a user reads in an error
//! message is the one on the response and on every log line of the request.
use axum::{extract::Request, middleware::Next, response::Response};
use http::header::HeaderValue;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

/// At most 64 letters, digits, `-`, `_` or `.`: anything else (a header a
/// client could use to forge log lines) is replaced by a fresh id.
fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub async fn request_id_layer(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(crate::error::new_request_id, str::to_owned);
    // The path only: query strings can hold one-time codes.
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let mut resp = crate::error::request_scope(id.clone(), next.run(req).instrument(span)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(HEADER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_plain_tokens_are_kept() {
        assert!(acceptable("1-67891233-abcdef012345678912345678"));
        assert!(acceptable("a1b2c3d4e5f6"));
        assert!(!acceptable(""));
        assert!(!acceptable("id\nforged log line"));
        assert!(!acceptable("x y"));
        assert!(!acceptable(&"a".repeat(65)));
    }
}
