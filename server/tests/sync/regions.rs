//! Queues and topics live in regions: every region in `aws.regions` is read
//! for each account, a region that is not configured is not read, and a
//! refresh of one item reads it in its own region.
use super::*;

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
