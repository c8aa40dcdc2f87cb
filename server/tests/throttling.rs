//! AWS throttling: retried with backoff, and an account throttled for good is
//! recorded as failed without stopping the others. moto never throttles, so
//! a local proxy in front of it answers chosen requests with the `Throttling`
//! error AWS query APIs (IAM, STS) return, and passes the rest on to moto.
#![allow(clippy::unwrap_used)]
mod common;

use aws_credential_types::provider::ProvideCredentials;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::response::Response;
use common::*;
use latchkey::jobs::sync::{sync_all_tasks, Task, Trigger};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Requests whose Authorization header or body contains `needle` are
/// answered `Throttling` while `left` lasts.
struct Rule {
    needle: String,
    left: usize,
    seen: usize,
    throttled_at: Vec<Instant>,
}

#[derive(Default)]
struct Stub {
    rules: Mutex<Vec<Rule>>,
    http: reqwest::Client,
}

impl Stub {
    fn throttle(&self, needle: &str, times: usize) {
        self.rules.lock().unwrap().push(Rule {
            needle: needle.to_owned(),
            left: times,
            seen: 0,
            throttled_at: vec![],
        });
    }

    /// (requests seen, times of the throttled answers) for `needle`.
    fn hits(&self, needle: &str) -> (usize, Vec<Instant>) {
        let rules = self.rules.lock().unwrap();
        let r = rules.iter().find(|r| r.needle == needle).unwrap();
        (r.seen, r.throttled_at.clone())
    }
}

const THROTTLED: &str = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
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
    let seen = format!("{auth}\n{}", String::from_utf8_lossy(&body));
    {
        let mut rules = stub.rules.lock().unwrap();
        if let Some(r) = rules.iter_mut().find(|r| seen.contains(&r.needle)) {
            r.seen += 1;
            if r.left > 0 {
                r.left -= 1;
                r.throttled_at.push(Instant::now());
                return Response::builder()
                    .status(400)
                    .header("content-type", "text/xml")
                    .body(Body::from(THROTTLED))
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
async fn start_stub(stub: Arc<Stub>) -> String {
    let app = axum::Router::new().fallback(answer).with_state(stub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn throttling_is_retried_with_backoff_and_an_account_throttled_for_good_fails_alone(
    pool: PgPool,
) {
    let (calm, flaky, stuck) = (unique_account(), unique_account(), unique_account());
    let accounts = [calm.as_str(), flaky.as_str(), stuck.as_str()];
    let direct = services(pool.clone(), config(&accounts)).await;
    for a in accounts {
        create_role(&iam(&direct, a).await, "eng-app", &[], &[]).await;
    }

    let stub = Arc::new(Stub::default());
    let mut cfg = config(&accounts);
    cfg.aws.endpoint_url = Some(start_stub(stub.clone()).await);
    let s = services(pool.clone(), cfg).await;
    // `stuck`: every IAM call made with its spoke session is throttled.
    let stuck_key = s
        .aws
        .spoke(&app::domain::AccountId::parse(&stuck).unwrap())
        .await
        .unwrap()
        .credentials_provider()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap()
        .access_key_id()
        .to_owned();
    stub.throttle(&stuck_key, usize::MAX);
    // `flaky`: its AssumeRole (the only call naming the account) is throttled twice.
    stub.throttle(&flaky, 2);

    let results = sync_all_tasks(&s, &[Task::Iam], Trigger::Manual).await;
    let of = |a: &str| &results.iter().find(|r| r.1.as_str() == a).unwrap().2;
    assert!(matches!(of(&calm), Ok(Some(_))), "{results:?}");
    assert!(
        matches!(of(&flaky), Ok(Some(_))),
        "retried until through: {results:?}"
    );
    assert!(
        of(&stuck).as_ref().unwrap_err().contains("throttled"),
        "{results:?}"
    );

    let (seen, throttled) = stub.hits(&flaky);
    assert_eq!(
        (seen, throttled.len()),
        (3, 2),
        "two throttled AssumeRoles, then one through"
    );
    let (seen, throttled) = stub.hits(&stuck_key);
    assert_eq!(seen, 5, "the SDK's five attempts, all throttled");
    // Exponential backoff with jitter: four waits of up to 1, 2, 4 and 8 s.
    let waited = *throttled.last().unwrap() - throttled[0];
    assert!(
        waited > Duration::from_millis(200),
        "backed off: {waited:?}"
    );

    let runs: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT account_id, outcome, error FROM sync_runs WHERE task = 'iam' ORDER BY account_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let run = |a: &str| runs.iter().find(|r| r.0 == a).unwrap();
    assert_eq!(run(&calm).1, "success");
    assert_eq!(run(&flaky).1, "success");
    assert_eq!(run(&stuck).1, "failed");
    let error = run(&stuck).2.clone().unwrap();
    assert!(
        error.contains("throttled") && error.contains("Rate exceeded"),
        "{error}"
    );
    let cached: Vec<String> =
        sqlx::query_scalar("SELECT account_id FROM roles ORDER BY account_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut want = vec![calm.clone(), flaky.clone()];
    want.sort();
    assert_eq!(
        cached, want,
        "the throttled account caches nothing, the others everything"
    );
}
