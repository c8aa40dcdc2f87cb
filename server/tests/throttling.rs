//! AWS answers moto never gives. Throttling: retried with backoff, and an
//! account throttled for good is recorded as failed without stopping the
//! others. Access denied on `tag:GetResources`: tags are read per item
//! instead. A local proxy in front of moto answers chosen requests with the
//! error AWS returns and passes the rest on to moto.
#![allow(clippy::unwrap_used)]
mod common;

use aws_credential_types::provider::ProvideCredentials;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::response::Response;
use common::*;
use latchkey::config::HttpUrl;
use latchkey::services::sync::engine::{sync_all_tasks, Task, Trigger};
use serde_json::Value;
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Requests whose method, path, `X-Amz-Target`, Authorization header or body
/// contains `needle` are answered `answer` while `left` lasts.
struct Rule {
    needle: String,
    left: usize,
    seen: usize,
    throttled_at: Vec<Instant>,
    answer: (u16, &'static str, &'static str),
}

#[derive(Default)]
struct Stub {
    rules: Mutex<Vec<Rule>>,
    http: reqwest::Client,
}

impl Stub {
    fn throttle(&self, needle: &str, times: usize) {
        self.answer(needle, times, (400, "text/xml", THROTTLED));
    }

    /// Counts the requests matching `needle` and passes them on.
    fn watch(&self, needle: &str) {
        self.answer(needle, 0, (200, "", ""));
    }

    fn answer(&self, needle: &str, times: usize, answer: (u16, &'static str, &'static str)) {
        self.rules.lock().unwrap().push(Rule {
            needle: needle.to_owned(),
            left: times,
            seen: 0,
            throttled_at: vec![],
            answer,
        });
    }

    /// From now on `needle` is answered with `answer` every time.
    fn always(&self, needle: &str, answer: (u16, &'static str, &'static str)) {
        let mut rules = self.rules.lock().unwrap();
        let r = rules.iter_mut().find(|r| r.needle == needle).unwrap();
        (r.left, r.answer) = (usize::MAX, answer);
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
        if let Some(r) = rules.iter_mut().find(|r| seen.contains(&r.needle)) {
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
    cfg.aws.endpoint_url = Some(HttpUrl::try_from(start_stub(stub.clone()).await).unwrap());
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

    let runs: Vec<(String, String, Option<String>)> = rows(
        &pool,
        "SELECT account_id, outcome, error FROM sync_runs WHERE task = 'iam' ORDER BY account_id",
    )
    .await;
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
        scalars(&pool, "SELECT account_id FROM roles ORDER BY account_id").await;
    let mut want = vec![calm.clone(), flaky.clone()];
    want.sort();
    assert_eq!(
        cached, want,
        "the throttled account caches nothing, the others everything"
    );
}

const DENIED_JSON: &str =
    r#"{"__type":"AccessDeniedException","Message":"not authorized to perform: tag:GetResources"}"#;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn tags_come_from_one_tagging_call_and_per_item_where_it_is_denied(pool: PgPool) {
    let a = unique_account();
    let direct = services(pool.clone(), config(&[&a])).await;
    let (s3, sqs, sns) = (
        s3(&direct, &a).await,
        sqs(&direct, &a).await,
        sns(&direct, &a).await,
    );
    let bucket = format!("tagged-{a}");
    for b in [&bucket, &format!("plain-{a}")] {
        create_bucket(&s3, b).await;
    }
    tag_bucket(&s3, &bucket, "team", "red").await;
    let queue = create_queue(&sqs, "jobs", &[("team", "red")]).await;
    let topic = create_topic(&sns, "events", &[]).await;
    tag_topic(&sns, &topic, "team", "red").await;

    let stub = Arc::new(Stub::default());
    const GET_RESOURCES: &str = "ResourceGroupsTaggingAPI_20170126.GetResources";
    const PER_ITEM: [&str; 3] = [
        "?tagging",
        "AmazonSQS.ListQueueTags",
        "Action=ListTagsForResource",
    ];
    stub.watch(GET_RESOURCES);
    for n in PER_ITEM {
        stub.watch(n);
    }
    let mut cfg = config(&[&a]);
    cfg.aws.endpoint_url = Some(HttpUrl::try_from(start_stub(stub.clone()).await).unwrap());
    let s = services(pool.clone(), cfg).await;
    let cached_teams = || async {
        let sql = "SELECT kind || ':' || name, tags FROM resources WHERE account_id = $1 \
             AND kind IN ('s3_bucket', 'sqs_queue', 'sns_topic') ORDER BY 1";
        let rows: Vec<(String, Value)> = rows_of(&pool, sql, &a).await;
        rows.into_iter()
            .map(|(k, t)| {
                (
                    k,
                    texts(&t, "value").into_iter().map(str::to_owned).collect(),
                )
            })
            .collect::<Vec<(String, Vec<String>)>>()
    };
    let sync = || async {
        let results = sync_all_tasks(&s, &[Task::S3, Task::Sqs, Task::Sns], Trigger::Manual).await;
        assert!(
            results.iter().all(|r| matches!(r.2, Ok(Some(_)))),
            "{results:?}"
        );
    };
    let want = |team: &str| {
        vec![
            (format!("s3_bucket:plain-{a}"), vec![]),
            (format!("s3_bucket:tagged-{a}"), vec![team.to_owned()]),
            ("sns_topic:events".to_owned(), vec![team.to_owned()]),
            ("sqs_queue:jobs".to_owned(), vec![team.to_owned()]),
        ]
    };

    sync().await;
    assert_eq!(cached_teams().await, want("red"));
    assert_eq!(stub.hits(GET_RESOURCES).0, 3, "one tagging call per task");
    for n in PER_ITEM {
        assert_eq!(stub.hits(n).0, 0, "no per-item tag call ({n})");
    }

    // The spoke role loses tag:GetResources; tags changed since are still read.
    stub.always(
        GET_RESOURCES,
        (400, "application/x-amz-json-1.1", DENIED_JSON),
    );
    tag_bucket(&s3, &bucket, "team", "blue").await;
    let tag_queue = sqs.tag_queue().queue_url(&queue).tags("team", "blue");
    tag_queue.send().await.unwrap();
    tag_topic(&sns, &topic, "team", "blue").await;
    sync().await;
    assert_eq!(cached_teams().await, want("blue"));
    assert_eq!(
        stub.hits(PER_ITEM[0]).0,
        2,
        "GetBucketTagging for each bucket"
    );
    assert_eq!(stub.hits(PER_ITEM[1]).0, 1, "ListQueueTags for the queue");
    assert_eq!(
        stub.hits(PER_ITEM[2]).0,
        1,
        "ListTagsForResource for the topic"
    );
}
