//! What every request body gets before any handler: a size cap, and no NUL
//! characters (Postgres text cannot hold them, so one reaching a query is
//! a 500 half-way through a request). And what a server function whose
//! arguments did not decode answers: 400 naming the body, not 500.
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// The largest request body read, in bytes: twenty changes of the largest
/// policy kind (S3 bucket policies, 20 KiB) fit several times over.
pub const MAX_BODY: usize = 1 << 20;

/// A refusal in the caller's dialect: the versioned API's error envelope
/// on `/api/v2/` (as its OpenAPI document says), the server functions' else.
fn refuse(path: &str, status: StatusCode, field: &str, message: &str) -> Response {
    let body = if path.starts_with("/api/v2/") {
        serde_json::json!({
            "status": "error", "status_code": status.as_u16(),
            "message": format!("{field}: {message}"), "field": field,
        })
    } else {
        serde_json::json!({ "Invalid": { "field": field, "messages": [message] } })
    };
    (status, axum::Json(body)).into_response()
}

/// A NUL as a raw byte, percent-encoded or as a JSON escape.
fn has_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
        || bytes.windows(3).any(|w| w == b"%00")
        || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
}

pub async fn body_limits(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if parts.uri.query().is_some_and(|q| has_nul(q.as_bytes())) {
        return refuse(
            parts.uri.path(),
            StatusCode::BAD_REQUEST,
            "query",
            "text may not contain NUL characters",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return refuse(
            parts.uri.path(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
            &format!("requests may be at most {MAX_BODY} bytes"),
        );
    };
    if has_nul(&bytes) {
        return refuse(
            parts.uri.path(),
            StatusCode::BAD_REQUEST,
            "body",
            "text may not contain NUL characters",
        );
    }
    let server_fn = parts.uri.path().starts_with("/api/");
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !(server_fn && resp.status() == StatusCode::INTERNAL_SERVER_ERROR) {
        return resp;
    }
    // app::AppError maps undecodable arguments to Invalid; server_fn answers
    // every error it raised itself with 500.
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if bytes.starts_with(b"{\"Invalid\"") {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::has_nul;

    #[test]
    fn finds_nul_in_every_encoding_and_nothing_else() {
        assert!(has_nul(b"a\0b"));
        assert!(has_nul(b"arn=arn%00x"));
        assert!(has_nul(br#"{"a":"x\u0000"}"#));
        assert!(has_nul(br#"{"a":"x\U0000"}"#));
        assert!(!has_nul(br#"{"a":"100%","b":"\u0041"}"#));
    }
}
