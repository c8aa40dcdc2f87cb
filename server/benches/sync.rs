//! S3, SQS and SNS sync of one account holding `BENCH_ITEMS` (default 200)
//! buckets (with a policy and a tag), queues and topics (with a tag), against moto
//! over HTTP as in production: the wall time of each task's run (read every
//! item's policy and tags through the spoke role, write the cache), three
//! runs each, the first after the items were created and the others
//! unchanged. Also an IAM re-sync of the account to show `changed = 0`, and
//! the SQS and SNS passes of an empty account over 17 regions (ConsoleMe
//! reads regions one after another: ~5.7 s an account even when empty).
//!
//! Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
//!   cargo bench -p server --bench sync`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use latchkey::services::sync::engine::{sync_account, Task, Trigger};
use latchkey::services::Services;
use std::time::Instant;
mod support;
use support::{runtime, Moto};

const ACCOUNT: &str = "710000000002";

fn main() {
    let items: usize = support::env_or("BENCH_ITEMS", 200);
    let moto = Moto::start();
    runtime(false).block_on(async {
        let s = services(&moto.1).await;
        seed(&s, items).await;
        let acct = app::domain::AccountId::parse(ACCOUNT).unwrap();
        println!("\n== sync of one account with {items} buckets, queues and topics ==");
        println!(
            "{:<6} {:>4} {:>9} {:>7} {:>8}",
            "task", "run", "wall ms", "items", "changed"
        );
        for task in [Task::S3, Task::Sqs, Task::Sns, Task::Iam] {
            for run in 1..=3 {
                let t = Instant::now();
                let o = sync_account(&s, task, &acct, Trigger::Manual)
                    .await
                    .unwrap()
                    .unwrap();
                println!(
                    "{:<6} {:>4} {:>9.1} {:>7} {:>8}",
                    task.name(),
                    run,
                    t.elapsed().as_secs_f64() * 1000.0,
                    o.items,
                    o.changed
                );
            }
        }
        empty_regions(&moto.1).await;
    });
}

/// 17 regions of an account holding nothing: queues, then topics.
async fn empty_regions(moto: &str) {
    const EMPTY: &str = "710000000003";
    const REGIONS: [&str; 17] = [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "sa-east-1",
    ];
    let pool = support::fresh_database("latchkey_bench_regions", 10).await;
    let mut cfg = support::config(moto, Some(EMPTY));
    cfg.aws.regions = REGIONS.iter().map(|r| r.to_string()).collect();
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::accounts::upsert_from_config(&mut conn, &[(EMPTY.into(), "empty".into(), true)])
        .await
        .unwrap();
    drop(conn);
    let aws = latchkey::aws::Aws::new(&cfg.aws).await;
    let s = Services::new(pool, aws, std::sync::Arc::new(cfg));
    let acct = app::domain::AccountId::parse(EMPTY).unwrap();
    println!("\n== an empty account over {} regions ==", REGIONS.len());
    for task in [Task::Sqs, Task::Sns, Task::Sqs, Task::Sns] {
        let t = Instant::now();
        let o = sync_account(&s, task, &acct, Trigger::Manual)
            .await
            .unwrap()
            .unwrap();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        println!("{:<6} {:>9.1} ms {:>4} items", task.name(), ms, o.items);
    }
}

async fn services(moto: &str) -> Services {
    let pool = support::fresh_database("latchkey_bench_sync", 10).await;
    support::services(pool, moto, Some(ACCOUNT)).await
}

/// `n` buckets (policy and tag), queues and topics (tag), and the
/// spoke role (so its last use moves with every run, as in AWS).
async fn seed(s: &Services, n: usize) {
    let acct = app::domain::AccountId::parse(ACCOUNT).unwrap();
    let (s3, sqs, sns, iam) = (
        s.aws.spoke_s3(&acct).await.unwrap(),
        s.aws.spoke_sqs(&acct).await.unwrap(),
        s.aws.spoke_sns(&acct).await.unwrap(),
        s.aws.spoke_iam(&acct).await.unwrap(),
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    let _ = iam
        .create_role()
        .role_name("LatchkeySpoke")
        .assume_role_policy_document(trust)
        .send()
        .await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let (s3, sqs, sns) = (s3.clone(), sqs.clone(), sns.clone());
        set.spawn(async move {
            let bucket = format!("bench-bucket-{i}");
            s3.create_bucket().bucket(&bucket).send().await.unwrap();
            let policy = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
            );
            s3.put_bucket_policy().bucket(&bucket).policy(policy).send().await.unwrap();
            let tag = aws_sdk_s3::types::Tag::builder().key("team").value("bench").build().unwrap();
            let tagging = aws_sdk_s3::types::Tagging::builder().tag_set(tag).build().unwrap();
            s3.put_bucket_tagging().bucket(&bucket).tagging(tagging).send().await.unwrap();
            sqs.create_queue()
                .queue_name(format!("bench-queue-{i}"))
                .tags("team", "bench")
                .send()
                .await
                .unwrap();
            sns.create_topic()
                .name(format!("bench-topic-{i}"))
                .tags(aws_sdk_sns::types::Tag::builder().key("team").value("bench").build().unwrap())
                .send()
                .await
                .unwrap();
        });
        if set.len() >= 8 {
            set.join_next().await;
        }
    }
    while set.join_next().await.is_some() {}
}
