//! CSRF defence for cookie-authenticated, state-changing requests: the
//! browser's Origin (or, failing that, Referer) must be this site, with
//! this site's scheme; a request with neither is refused (every browser
//! sends Origin on a POST; a script that wants neither uses an API token).
//! Requests with an API token (Authorization header) carry no ambient
//! credentials and are exempt; SameSite=Lax cookies are the second layer.
//! Identity headers an authenticating proxy adds (ALB, oauth2-proxy, or the
//! ones configured) are ambient credentials just like the session cookie.
use axum::extract::{Request, State};
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

/// What the layer needs from config.
#[derive(Debug, Clone)]
pub struct CsrfPolicy {
    /// Outside dev mode cookies are Secure, so the site is served over
    /// https and a same-host `http://` origin is another (plain-text) site.
    pub https_only: bool,
    /// Header names that carry identity without the page's say-so.
    pub ambient_headers: Vec<String>,
}

impl CsrfPolicy {
    /// Whether a request from `origin` to `host` comes from this site.
    pub fn allows(&self, origin: &str, host: &str) -> bool {
        same_origin(origin, host)
            && (!self.https_only || origin.to_ascii_lowercase().starts_with("https://"))
    }

    pub fn from_config(c: &crate::config::Config) -> Self {
        let mut ambient_headers =
            vec!["x-amzn-oidc-data".to_owned(), "x-forwarded-user".to_owned()];
        if let Some(t) = &c.auth.trusted_headers {
            ambient_headers.push(t.user_header.to_ascii_lowercase());
            ambient_headers.push(t.groups_header.to_ascii_lowercase());
        }
        Self {
            https_only: !c.auth.dev_mode,
            ambient_headers,
        }
    }
}

pub async fn csrf_layer(
    State(policy): State<std::sync::Arc<CsrfPolicy>>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = req.headers();
    // Weep's token cookie alone is not ambient: browsers never hold it.
    let has_token = headers.contains_key(header::AUTHORIZATION)
        || super::weep_cookie(headers.get(header::COOKIE).and_then(|v| v.to_str().ok())).is_some();
    let ambient = headers.contains_key(header::COOKIE)
        || policy
            .ambient_headers
            .iter()
            .any(|h| headers.contains_key(h.as_str()));
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
        Some(o) if policy.allows(o, host) => next.run(req).await,
        None => {
            tracing::warn!(host = %host, path = %req.uri().path(), "request without Origin or Referer refused");
            (
                StatusCode::FORBIDDEN,
                "a signed-in browser request must say where it comes from (Origin); scripts use an API token\n",
            )
                .into_response()
        }
        Some(o) => {
            tracing::warn!(origin = %o, host = %host, path = %req.uri().path(), "cross-origin request refused");
            (StatusCode::FORBIDDEN, "cross-origin request refused\n").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{same_origin, CsrfPolicy};

    #[test]
    fn outside_dev_mode_a_plain_http_page_on_the_same_host_is_another_site() {
        let p = CsrfPolicy {
            https_only: true,
            ambient_headers: vec![],
        };
        assert!(p.allows("https://latchkey.example.com", "latchkey.example.com"));
        assert!(!p.allows("http://latchkey.example.com", "latchkey.example.com"));
        let dev = CsrfPolicy {
            https_only: false,
            ambient_headers: vec![],
        };
        assert!(dev.allows("http://127.0.0.1:3000", "127.0.0.1:3000"));
    }

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
