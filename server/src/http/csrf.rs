//! CSRF defence for cookie-authenticated, state-changing requests: the
//! browser's Origin (or, failing that, Referer) must be this site. Requests
//! with an API token (Authorization header) carry no ambient credentials and
//! are exempt; SameSite=Lax cookies are the second layer. Identity headers
//! an authenticating proxy adds (ALB, oauth2-proxy) are ambient credentials
//! just like the session cookie.
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// scheme://host[:port] of a URL, lower-cased.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

/// Whether `origin` names the host this request was sent to.
pub fn same_origin(origin: &str, host: &str) -> bool {
    match origin_of(origin) {
        Some(o) => o.ends_with(&format!("://{}", host.to_ascii_lowercase())),
        None => false,
    }
}

pub async fn csrf_layer(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = req.headers();
    let has_token = headers.contains_key(header::AUTHORIZATION);
    let ambient = headers.contains_key(header::COOKIE)
        || headers.contains_key("x-amzn-oidc-data")
        || headers.contains_key("x-forwarded-user");
    if safe || has_token || !ambient {
        return next.run(req).await;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match claimed {
        Some(o) if same_origin(o, host) => next.run(req).await,
        // No Origin and no Referer: old clients and curl; browsers always send one on cross-site POSTs.
        None => next.run(req).await,
        Some(o) => {
            tracing::warn!(origin = %o, host = %host, path = %req.uri().path(), "cross-origin request refused");
            (StatusCode::FORBIDDEN, "cross-origin request refused\n").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn only_the_same_scheme_host_and_port_count() {
        assert!(same_origin("http://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(same_origin(
            "http://127.0.0.1:3000/roles/x?y",
            "127.0.0.1:3000"
        ));
        assert!(!same_origin("http://127.0.0.1:3001", "127.0.0.1:3000"));
        assert!(!same_origin(
            "https://evil.example.com",
            "latchkey.example.com"
        ));
        assert!(!same_origin(
            "https://latchkey.example.com.evil.io",
            "latchkey.example.com"
        ));
        assert!(!same_origin("null", "latchkey.example.com"));
    }
}
