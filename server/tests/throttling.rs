//! AWS answers moto never gives. Throttling: retried with backoff, and an
//! account throttled for good is recorded as failed without stopping the
//! others. Access denied on `tag:GetResources`: tags are read per item
//! instead. A local proxy in front of moto answers chosen requests with the
//! error AWS returns and passes the rest on to moto.
#![allow(clippy::unwrap_used)]
mod common;

use aws_credential_types::provider::ProvideCredentials;
use common::*;
use latchkey::config::HttpUrl;
use latchkey::services::sync::engine::{sync_all_tasks, Task, Trigger};
use serde_json::Value;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

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
