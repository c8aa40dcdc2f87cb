//! CloudTrail denials on real Postgres and moto: the EventBridge -> SQS
//! queue (stored, then deleted; a bad or unstored message stays), the
//! trail's S3 log files (read once, position kept per folder), the purge,
//! and that a message cannot file a denial under an account it only claims.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../common/mod.rs"]
mod common;
mod logs;
mod notify;
mod protection;
mod queue;
mod shown;
mod tagging;
mod verify;

use common::*;
use latchkey::services::denials::DenialIngest;
use latchkey::services::Services;
use serde_json::{json, Value};
use sqlx::PgPool;

/// A denied call of `principal` (an assumed-role session, IAM user... ARN)
/// as CloudTrail records it.
pub fn record(principal: &str, source: &str, name: &str, at: &str) -> Value {
    let account = principal.split(':').nth(4).unwrap();
    let kind = if principal.contains(":assumed-role/") {
        "AssumedRole"
    } else {
        "IAMUser"
    };
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": kind, "principalId": "AROAEXAMPLE:x", "arn": principal,
            "accountId": account, "accessKeyId": "ASIAEXAMPLE",
            "userName": principal.rsplit('/').next()
        },
        "eventTime": at,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.7",
        "errorCode": "AccessDenied",
        "errorMessage": "denied",
        "requestParameters": {"bucketName": "reports", "key": "q4.csv"},
        "responseElements": null,
        "eventType": "AwsApiCall",
        "recipientAccountId": account
    })
}

/// The EventBridge event carrying `record`, its envelope claiming `claimed`.
pub fn eventbridge(record: &Value, claimed: &str) -> String {
    json!({
        "version": "0", "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
        "account": claimed, "time": record["eventTime"], "region": "eu-west-1",
        "resources": [], "detail": record
    })
    .to_string()
}

/// Services for `accounts` with `[cloudtrail]` keys `extra`, and its ingest.
pub async fn ingest_for(pool: &PgPool, accounts: &[&str], extra: &str) -> (Services, DenialIngest) {
    let cfg = config_with(accounts, &format!("\n[cloudtrail]\n{extra}\n"));
    let s = services(pool.clone(), cfg).await;
    let ingest = DenialIngest::from_config(&s.pool, &s.aws, &s.config).expect("configured");
    (s, ingest)
}

/// (principal, action, resource, count, sessions) of every stored denial of `account`.
pub async fn stored(
    pool: &PgPool,
    account: &str,
) -> Vec<(String, String, String, i64, Vec<String>)> {
    sqlx::query_as(
        "SELECT principal_arn, action, resource, count, sessions FROM denials
         WHERE account_id = $1 ORDER BY principal_arn, action, resource",
    )
    .bind(account)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_purge_removes_denials_not_seen_within_the_retention(pool: PgPool) {
    let a = unique_account();
    let (_s, ingest) = ingest_for(&pool, &[&a], "bucket = \"unused-bucket\"").await;
    let now = chrono::Utc::now();
    let old = (now - chrono::Duration::days(31)).to_rfc3339();
    let recent = (now - chrono::Duration::days(2)).to_rfc3339();
    let role = |r: &str| format!("arn:aws:sts::{a}:assumed-role/{r}/s");
    let records = [
        record(&role("Old"), "s3.amazonaws.com", "GetObject", &old),
        record(&role("Recent"), "s3.amazonaws.com", "GetObject", &recent),
    ];
    let mut tx = pool.begin().await.unwrap();
    latchkey::services::denials::store::store_records(&mut tx, &records)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let removed = latchkey::services::denials::store::purge(&pool, ingest.cutoff(now))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let left = stored(&pool, &a).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].0, format!("arn:aws:iam::{a}:role/Recent"));
    // The principal page's call sees it; nothing older than the cutoff.
    let order = latchkey::db::denials::Order::ByCount;
    let top =
        latchkey::services::denials::denials_of(&pool, &left[0].0, ingest.cutoff(now), 10, order)
            .await
            .unwrap();
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].0.count, 1);
}
