//! Queues and topics live in regions: every region in `aws.regions` is read
//! for each account, a region that is not configured is not read, and a
//! refresh of one item reads it in its own region. With discovery, the
//! regions enabled in the account are read, and a failed discovery loses
//! nothing.
use super::*;
use latchkey::config::HttpUrl;
use std::sync::Arc;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn queues_and_topics_are_read_in_every_configured_region(pool: PgPool) {
    let a = unique_account();
    let direct = services(pool.clone(), config(&[&a])).await;
    let acct = app::domain::AccountId::parse(&a).unwrap();
    let spoke = direct.aws.spoke(&acct).await.unwrap();
    let (east, west, south) = ["us-east-1", "eu-west-1", "ap-south-1"]
        .map(|r| latchkey::aws::in_region(&spoke, r))
        .into();
    create_queue(&aws_sdk_sqs::Client::new(&east), "jobs", &[]).await;
    let west_sqs = aws_sdk_sqs::Client::new(&west);
    let west_jobs = create_queue(&west_sqs, "jobs", &[("team", "eu")]).await;
    create_topic(&aws_sdk_sns::Client::new(&west), "events", &[]).await;
    create_topic(&aws_sdk_sns::Client::new(&south), "unread", &[]).await;

    let regions = r#"regions = ["us-east-1", "eu-west-1"]"#;
    let s = services(pool.clone(), config_in(&[&a], &[("aws", regions)], "")).await;
    run_task(&s, Task::Sqs, &a).await;
    run_task(&s, Task::Sns, &a).await;
    let cached: Vec<(String, Value)> = rows_of(
        &pool,
        "SELECT arn, tags FROM resources WHERE account_id = $1 ORDER BY arn",
        &a,
    )
    .await;
    let arns: Vec<&str> = cached.iter().map(|(arn, _)| arn.as_str()).collect();
    assert_eq!(
        arns,
        [
            format!("arn:aws:sns:eu-west-1:{a}:events"),
            format!("arn:aws:sqs:eu-west-1:{a}:jobs"),
            format!("arn:aws:sqs:us-east-1:{a}:jobs"),
        ],
        "ap-south-1 is not configured, so not read"
    );
    assert_eq!(
        texts(&cached[1].1, "value"),
        ["eu"],
        "tags from the queue's region"
    );

    // A refresh of one queue reads it in its own region too.
    west_sqs
        .tag_queue()
        .queue_url(&west_jobs)
        .tags("team", "emea")
        .send()
        .await
        .unwrap();
    let arn = format!("arn:aws:sqs:eu-west-1:{a}:jobs");
    s.refresh_item(&arn, Trigger::Manual).await.unwrap();
    let tags: Value = scalar_of(&pool, "SELECT tags FROM resources WHERE arn = $1", &arn).await;
    assert_eq!(texts(&tags, "value"), ["emea"]);
}

/// Account Management's `ListRegions` as AWS answers it (moto serves no
/// Account Management API, so a proxy in front of it answers this one call).
const ENABLED: &str = r#"{"Regions":[{"RegionName":"eu-west-1","RegionOptStatus":"ENABLED"},{"RegionName":"us-east-1","RegionOptStatus":"ENABLED_BY_DEFAULT"}]}"#;

const DENIED: &str = r#"{"__type":"AccessDeniedException","message":"not authorized to perform account:ListRegions"}"#;

/// Services with region discovery on (and `more` [aws] keys) whose AWS
/// calls pass through a proxy answering `ListRegions` with `listed`.
async fn discovering(
    pool: &PgPool,
    a: &str,
    listed: (u16, &'static str),
    more: &str,
) -> (Services, Arc<Stub>) {
    let stub = Arc::new(Stub::default());
    let (status, body) = listed;
    stub.answer(
        "/listRegions",
        usize::MAX,
        (status, "application/json", body),
    );
    let keys = format!("discover_regions = true\n{more}");
    let mut cfg = config_in(&[a], &[("aws", &keys)], "");
    cfg.aws.endpoint_url = Some(HttpUrl::try_from(start_stub(stub.clone()).await).unwrap());
    (services(pool.clone(), cfg).await, stub)
}

async fn queue_arns(pool: &PgPool, a: &str) -> Vec<String> {
    scalars_of(
        pool,
        "SELECT arn FROM resources WHERE account_id = $1 AND kind = 'sqs_queue' ORDER BY arn",
        a,
    )
    .await
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn with_discovery_the_regions_enabled_in_the_account_are_read(pool: PgPool) {
    let a = unique_account();
    let direct = services(pool.clone(), config(&[&a])).await;
    let spoke = direct
        .aws
        .spoke(&app::domain::AccountId::parse(&a).unwrap())
        .await
        .unwrap();
    for region in ["us-east-1", "eu-west-1", "ap-south-1"] {
        let sqs = aws_sdk_sqs::Client::new(&latchkey::aws::in_region(&spoke, region));
        create_queue(&sqs, "jobs", &[]).await;
    }
    let (s, stub) = discovering(&pool, &a, (200, ENABLED), "").await;
    run_task(&s, Task::Sqs, &a).await;
    run_task(&s, Task::Sns, &a).await;
    assert_eq!(
        queue_arns(&pool, &a).await,
        [
            format!("arn:aws:sqs:eu-west-1:{a}:jobs"),
            format!("arn:aws:sqs:us-east-1:{a}:jobs"),
        ],
        "ap-south-1 is not enabled in the account, so not read"
    );
    assert_eq!(
        stub.hits("/listRegions").0,
        1,
        "asked once, then kept for both passes"
    );

    // A configured list narrows what discovery finds.
    let narrowed = r#"regions = ["eu-west-1", "ap-south-1"]"#;
    let (s, _) = discovering(&pool, &a, (200, ENABLED), narrowed).await;
    run_task(&s, Task::Sqs, &a).await;
    assert_eq!(
        queue_arns(&pool, &a).await,
        [format!("arn:aws:sqs:eu-west-1:{a}:jobs")]
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_failed_discovery_fails_the_pass_and_keeps_every_cached_row(pool: PgPool) {
    let a = unique_account();
    let regions = r#"regions = ["us-east-1", "eu-west-1"]"#;
    let s = services(pool.clone(), config_in(&[&a], &[("aws", regions)], "")).await;
    let spoke = s
        .aws
        .spoke(&app::domain::AccountId::parse(&a).unwrap())
        .await
        .unwrap();
    for region in ["us-east-1", "eu-west-1"] {
        let sqs = aws_sdk_sqs::Client::new(&latchkey::aws::in_region(&spoke, region));
        create_queue(&sqs, "jobs", &[]).await;
    }
    run_task(&s, Task::Sqs, &a).await;
    let before = queue_arns(&pool, &a).await;
    assert_eq!(before.len(), 2);

    let (s, _) = discovering(&pool, &a, (403, DENIED), "").await;
    let acct = app::domain::AccountId::parse(&a).unwrap();
    let run = sync_account(&s, Task::Sqs, &acct, Trigger::Manual).await;
    let err = run.expect_err("the pass fails when regions cannot be listed");
    assert!(err.to_string().contains("ListRegions"), "{err}");
    assert_eq!(
        queue_arns(&pool, &a).await,
        before,
        "nothing taken for gone"
    );
    let outcome: String = scalar_of(
        &pool,
        "SELECT outcome FROM sync_runs WHERE account_id = $1 AND task = 'sqs' ORDER BY started_at DESC LIMIT 1",
        &a,
    )
    .await;
    assert_eq!(outcome, "failed");
}
