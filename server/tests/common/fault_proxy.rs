//! A local proxy in front of moto that answers chosen requests with the
//! errors real AWS gives and moto never does (throttling, access denied, a
//! redirect), passing every other request on to moto.
use super::moto_url;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Requests whose method, path, `X-Amz-Target`, Authorization header or body
/// contains `needle` are answered `answer` while `left` lasts.
pub struct Rule {
    needle: String,
    left: usize,
    seen: usize,
    throttled_at: Vec<Instant>,
    answer: (u16, &'static str, &'static str),
}

#[derive(Default)]
pub struct Stub {
    rules: Mutex<Vec<Rule>>,
    http: reqwest::Client,
}

impl Stub {
    pub fn throttle(&self, needle: &str, times: usize) {
        self.answer(needle, times, (400, "text/xml", THROTTLED));
    }

    /// Counts the requests matching `needle` and passes them on.
    pub fn watch(&self, needle: &str) {
        self.answer(needle, 0, (200, "", ""));
    }

    pub fn answer(&self, needle: &str, times: usize, answer: (u16, &'static str, &'static str)) {
        self.rules.lock().unwrap().push(Rule {
            needle: needle.to_owned(),
            left: times,
            seen: 0,
            throttled_at: vec![],
            answer,
        });
    }

    /// Answers requests that contain every one of `needles` (e.g. a path and
    /// the region in the signature's scope).
    pub fn answer_all(
        &self,
        needles: &[&str],
        times: usize,
        answer: (u16, &'static str, &'static str),
    ) {
        self.answer(&needles.join("\u{0}"), times, answer);
    }

    /// From now on `needle` is answered with `answer` every time.
    pub fn always(&self, needle: &str, answer: (u16, &'static str, &'static str)) {
        let mut rules = self.rules.lock().unwrap();
        let r = rules.iter_mut().find(|r| r.needle == needle).unwrap();
        (r.left, r.answer) = (usize::MAX, answer);
    }

    /// (requests seen, times of the throttled answers) for `needle`.
    pub fn hits(&self, needle: &str) -> (usize, Vec<Instant>) {
        let rules = self.rules.lock().unwrap();
        let r = rules.iter().find(|r| r.needle == needle).unwrap();
        (r.seen, r.throttled_at.clone())
    }
}

pub const THROTTLED: &str = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
  <RequestId>00000000-0000-0000-0000-000000000000</RequestId>
</ErrorResponse>"#;

async fn answer(State(stub): State<Arc<Stub>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap();
    let auth = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let seen = format!(
        "{} {}\n{target}\n{auth}\n{}",
        parts.method,
        parts.uri,
        String::from_utf8_lossy(&body)
    );
    {
        let mut rules = stub.rules.lock().unwrap();
        if let Some(r) = rules
            .iter_mut()
            .find(|r| r.needle.split('\u{0}').all(|n| seen.contains(n)))
        {
            r.seen += 1;
            if r.left > 0 {
                r.left -= 1;
                r.throttled_at.push(Instant::now());
                let (status, content_type, body) = r.answer;
                return Response::builder()
                    .status(status)
                    .header("content-type", content_type)
                    .body(Body::from(body))
                    .unwrap();
            }
        }
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut fwd = stub
        .http
        .request(parts.method, format!("{}{path}", moto_url()))
        .body(body);
    for (k, v) in &parts.headers {
        if k != "host" && k != "content-length" {
            fwd = fwd.header(k, v);
        }
    }
    let got = fwd.send().await.unwrap();
    let mut out = Response::builder().status(got.status());
    for (k, v) in got.headers() {
        if k != "transfer-encoding" && k != "content-length" && k != "connection" {
            out = out.header(k, v);
        }
    }
    out.body(Body::from(got.bytes().await.unwrap())).unwrap()
}

/// Starts the proxy; returns its URL.
pub async fn start_stub(stub: Arc<Stub>) -> String {
    let app = axum::Router::new().fallback(answer).with_state(stub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}
