//! A local proxy in front of moto that answers chosen requests with the
//! errors real AWS gives and moto never does (throttling, access denied, a
//! redirect), or never answers them (the caller stopped waiting, or was
//! killed, mid-call), passing every other request on to moto.
use super::moto_url;
use super::outage::Outage;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// (status, content type, body) of a stubbed answer.
type Answer = (u16, &'static str, &'static str);

/// Requests whose method, path, `X-Amz-Target`, Authorization header or body
/// contains `needle` are answered `answer` while `left` lasts.
pub struct Rule {
    needle: String,
    left: usize,
    seen: usize,
    throttled_at: Vec<Instant>,
    answer: Answer,
    /// Matching requests get no answer at all (see [`Stub::hang`]).
    hang: Option<Hang>,
    /// How many of them are hanging (moto acted on them, or the cut is made).
    hanging: usize,
}

#[derive(Clone)]
enum Hang {
    /// Passed on to moto, which acts on it; its answer is kept back.
    AfterMoto,
    /// Not passed on: the service behind `Outage` goes away instead.
    Cut(Arc<Outage>),
}

#[derive(Default)]
pub struct Stub {
    rules: Mutex<Vec<Rule>>,
    http: reqwest::Client,
    /// Told of every request left hanging.
    hung: tokio::sync::Notify,
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
        self.rule(needle, times, answer, None);
    }

    fn rule(&self, needle: &str, times: usize, answer: Answer, hang: Option<Hang>) {
        self.rules.lock().unwrap().push(Rule {
            needle: needle.to_owned(),
            left: times,
            seen: 0,
            throttled_at: vec![],
            answer,
            hang,
            hanging: 0,
        });
    }

    /// Requests containing `needle` reach moto, which does what they ask,
    /// but their answer never comes back: the caller waits as on a server
    /// that stopped mid-call (see [`Stub::hung`]).
    pub fn hang(&self, needle: &str) {
        self.rule(needle, usize::MAX, (0, "", ""), Some(Hang::AfterMoto));
    }

    /// The first request containing `needle` is not passed on: `outage`
    /// is cut instead, so that request and every later one find the
    /// service gone until the outage is restored.
    pub fn cut_at(&self, needle: &str, outage: &Arc<Outage>) {
        self.rule(needle, 1, (0, "", ""), Some(Hang::Cut(outage.clone())));
    }

    /// Waits (up to a minute) until `n` requests containing `needle` hang.
    pub async fn hung(&self, needle: &str, n: usize) {
        let waited = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            loop {
                let told = self.hung.notified();
                if self.hanging(needle) >= n {
                    return;
                }
                told.await;
            }
        });
        waited
            .await
            .unwrap_or_else(|_| panic!("no {n} requests with {needle:?} came"));
    }

    /// How many requests containing `needle` hang.
    fn hanging(&self, needle: &str) -> usize {
        let rules = self.rules.lock().unwrap();
        let r = rules.iter().find(|r| r.needle == needle);
        r.map_or(0, |r| r.hanging)
    }

    /// Counts the request `seen` as hanging, then never answers it.
    async fn hang_up(&self, seen: &str) -> Response {
        {
            let mut rules = self.rules.lock().unwrap();
            let matches = |r: &&mut Rule| r.needle.split('\u{0}').all(|n| seen.contains(n));
            if let Some(r) = rules.iter_mut().find(matches) {
                r.hanging += 1;
            }
        }
        self.hung.notify_waiters();
        std::future::pending().await
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
    let mut hang = None;
    {
        let mut rules = stub.rules.lock().unwrap();
        if let Some(r) = rules
            .iter_mut()
            .find(|r| r.needle.split('\u{0}').all(|n| seen.contains(n)))
        {
            r.seen += 1;
            if let (Some(h), true) = (&r.hang, r.left > 0) {
                r.left -= 1;
                hang = Some(h.clone());
            } else if r.left > 0 && r.hang.is_none() {
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
    if let Some(Hang::Cut(outage)) = &hang {
        outage.cut();
        return stub.hang_up(&seen).await;
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
    if hang.is_some() {
        let _done = got.bytes().await;
        return stub.hang_up(&seen).await;
    }
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
