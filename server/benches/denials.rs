//! CloudTrail denials: events/s through the store (parse a log file's JSON,
//! keep managed accounts' denials, deduplicate, upsert in one transaction
//! per file of `BENCH_FILE_EVENTS` records), and a principal's page query
//! (top denials by count, and latest first) at `BENCH_ROWS` (default 1M)
//! stored denial rows over 2,000 principals, filled by one INSERT ...
//! SELECT generate_series. No AWS: the store is what a queue poll or a
//! log-file read ends in.
//!
//! Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p server --bench denials`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use latchkey::services::denials::store::store_records;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
mod support;
use support::{pct, runtime};

const ACCOUNTS: u64 = 100;

fn account(i: u64) -> String {
    (100_000_000_000 + i % ACCOUNTS).to_string()
}

/// One log file's JSON text: `n` denials over 100 accounts, 50 roles each,
/// 20 actions, 40 sessions (so keys repeat as in real traffic).
fn log_file(seed: u64, n: u64) -> String {
    let records: Vec<Value> = (0..n)
        .map(|k| {
            let i = seed * n + k;
            let acct = account(i);
            json!({
                "eventVersion": "1.09",
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": format!("arn:aws:sts::{acct}:assumed-role/role-{}/user-{}", i % 50, i % 40),
                    "accountId": acct,
                    "sessionContext": {"sessionIssuer": {"type": "Role",
                        "arn": format!("arn:aws:iam::{acct}:role/role-{}", i % 50), "accountId": acct}}
                },
                "eventTime": format!("2026-12-01T{:02}:{:02}:00Z", (i / 60) % 24, i % 60),
                "eventSource": "s3.amazonaws.com",
                "eventName": format!("Action{}", i % 20),
                "awsRegion": "eu-west-1",
                "errorCode": "AccessDenied",
                "requestParameters": {"bucketName": format!("bucket-{}", i % 7), "key": "k"},
                "recipientAccountId": acct
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}

fn main() {
    let rows: u64 = support::env_or("BENCH_ROWS", 1_000_000);
    let events: u64 = support::env_or("BENCH_EVENTS", 200_000);
    let per_file: u64 = support::env_or("BENCH_FILE_EVENTS", 1_000);
    runtime(false).block_on(async {
        let pool = support::fresh_database("latchkey_bench_denials", 4).await;
        sqlx::query(
            "INSERT INTO accounts (account_id, name)
             SELECT (100000000000 + i)::text, 'account-' || i FROM generate_series(0, $1 - 1) i",
        )
        .bind(ACCOUNTS as i64)
        .execute(&pool)
        .await
        .unwrap();

        println!("\n== ingest: {events} denied events, {per_file} per file/transaction ==");
        let files: Vec<String> = (0..events / per_file).map(|f| log_file(f, per_file)).collect();
        let t = Instant::now();
        let mut stored = 0;
        for f in &files {
            let v: Value = serde_json::from_str(f).unwrap();
            let records = v["Records"].as_array().unwrap();
            let mut tx = pool.begin().await.unwrap();
            stored += store_records(&mut tx, records).await.unwrap().stored;
            tx.commit().await.unwrap();
        }
        let secs = t.elapsed().as_secs_f64();
        let distinct: i64 = sqlx::query_scalar("SELECT count(*) FROM denials")
            .fetch_one(&pool)
            .await
            .unwrap();
        println!(
            "stored {stored} events into {distinct} rows in {secs:.2} s: {:.0} events/s",
            stored as f64 / secs
        );

        println!("\n== principal page query at {rows} stored denial rows ==");
        let t = Instant::now();
        sqlx::query("TRUNCATE denials").execute(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO denials (principal_arn, action, resource, error_code, account_id,
                                  count, first_seen, last_seen, sessions)
             SELECT 'arn:aws:iam::' || (100000000000 + (i % 2000) % 100) || ':role/role-' || (i % 2000),
                    's3:Action' || (i / 2000 % 25),
                    'arn:aws:s3:::bucket-' || (i / 50000) || '/k',
                    'AccessDenied',
                    (100000000000 + (i % 2000) % 100)::text,
                    1 + i % 97,
                    now() - interval '40 days' + (i % 1000) * interval '1 hour',
                    now() - (i % 900) * interval '1 hour',
                    ARRAY['user-' || (i % 40)]
             FROM generate_series(0, $1 - 1) i",
        )
        .bind(rows as i64)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("ANALYZE denials").execute(&pool).await.unwrap();
        println!("filled in {:.1} s", t.elapsed().as_secs_f64());
        let since = chrono::Utc::now() - chrono::Duration::days(30);
        for (name, by_count) in [("top by count", true), ("latest first", false)] {
            let mut lat: Vec<Duration> = Vec::new();
            for q in 0..300u64 {
                let principal = format!(
                    "arn:aws:iam::{}:role/role-{}",
                    100_000_000_000 + (q * 7 % 2000) % 100,
                    q * 7 % 2000
                );
                let t = Instant::now();
                use latchkey::db::denials::Order;
                let order = if by_count { Order::ByCount } else { Order::Latest };
                let got = latchkey::services::denials::denials_of(&pool, &principal, since, 20, order)
                    .await
                    .unwrap();
                lat.push(t.elapsed());
                assert!(!got.is_empty(), "{principal}");
            }
            lat.sort();
            println!(
                "{name:<14} (20 of ~{} rows/principal): p50 {:.2} ms  p95 {:.2} ms  max {:.2} ms",
                rows / 2000,
                pct(&lat, 0.5),
                pct(&lat, 0.95),
                pct(&lat, 1.0)
            );
        }
        // The Resources page: "has recent denials" (every principal with
        // one) and the Denied column (counts for a page of 50 ARNs).
        let mut conn = pool.acquire().await.unwrap();
        let (mut filter, mut column) = (Vec::new(), Vec::new());
        for q in 0..50u64 {
            let t = Instant::now();
            let p = latchkey::db::denials::principals_since(&mut conn, since).await.unwrap();
            filter.push(t.elapsed());
            assert_eq!(p.len(), 2000);
            let page: Vec<String> = (0..50)
                .map(|i| {
                    let r = (q * 50 + i) % 2000;
                    format!("arn:aws:iam::{}:role/role-{r}", 100_000_000_000 + r % 100)
                })
                .collect();
            let t = Instant::now();
            let n = latchkey::db::denials::counts_for(&mut conn, &page, since).await.unwrap();
            column.push(t.elapsed());
            assert_eq!(n.len(), 50);
        }
        for (name, lat) in [("principals with denials (2,000)", &mut filter), ("Denied column, 50 rows", &mut column)] {
            lat.sort();
            println!(
                "{name:<32}: p50 {:.2} ms  p95 {:.2} ms  max {:.2} ms",
                pct(lat, 0.5),
                pct(lat, 0.95),
                pct(lat, 1.0)
            );
        }
    });
}
