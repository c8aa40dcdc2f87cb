//! `Server-Timing` on every response: `app;dur=` is the time the server spent
//! on the request (routing, session, handler), `auth;dur=` the part spent
//! finding who the caller is (token, session or proxy identity). Handlers that wait on AWS add
//! their own entry first (`sts;dur=` for the credential endpoints), so
//! operators see in the browser's network panel, and the credentials
//! benchmark measures, Latchkey's own overhead separately from AWS's.
use axum::{extract::Request, middleware::Next, response::Response};
use http::header::HeaderValue;
use std::time::{Duration, Instant};

pub const HEADER: &str = "server-timing";

/// One `name;dur=ms` entry (milliseconds with microsecond precision).
pub fn entry(name: &str, d: Duration) -> String {
    format!("{name};dur={:.3}", d.as_secs_f64() * 1000.0)
}

/// Adds one entry to the response's Server-Timing header.
pub fn append(resp: &mut Response, entry: &str) {
    let value = match resp.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        Some(prev) => format!("{prev}, {entry}"),
        None => entry.to_owned(),
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().insert(HEADER, v);
    }
}

pub async fn server_timing_layer(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut resp = next.run(req).await;
    append(&mut resp, &entry("app", started.elapsed()));
    resp
}

#[cfg(test)]
mod tests {
    use super::entry;
    use std::time::Duration;

    #[test]
    fn entries_are_milliseconds() {
        assert_eq!(entry("sts", Duration::from_micros(8_250)), "sts;dur=8.250");
    }
}
