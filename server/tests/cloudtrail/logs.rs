//! The trail's S3 log files.
use super::*;
use latchkey::services::denials::logs::read_logs;
use std::io::Write;

const ORG: &str = "o-a1b2c3d4e5";

fn gz(records: &[Value]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(json!({"Records": records}).to_string().as_bytes())
        .unwrap();
    e.finish().unwrap()
}

/// Puts a log file of `account` for `region` and day (`2026/12/01`).
async fn put(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    account: &str,
    region: &str,
    day: &str,
    n: u32,
    records: &[Value],
) {
    let stamp = day.replace('/', "");
    let key = format!("AWSLogs/{ORG}/{account}/CloudTrail/{region}/{day}/{account}_CloudTrail_{region}_{stamp}T10{n:02}Z_x{n}.json.gz");
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(gz(records).into())
        .send()
        .await
        .unwrap();
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn log_files_are_read_once_and_new_ones_on_the_next_run(pool: PgPool) {
    let (a, b, log, stranger) = (
        unique_account(),
        unique_account(),
        unique_account(),
        unique_account(),
    );
    let setup = services(pool.clone(), config(&[&a, &b, &log])).await;
    let s3 = s3(&setup, &log).await;
    let bucket = format!("trail-{log}");
    create_bucket(&s3, &bucket).await;
    // A role cached with a path: its sessions' denials carry the path.
    sqlx::query(
        "INSERT INTO roles (arn, account_id, name, path, role_id, trust_policy, inline_policies, managed_policies, tags)
         VALUES ($1, $2, 'Deploy', '/team/', 'AROA1', '{}', '[]', '[]', '[]')",
    )
    .bind(format!("arn:aws:iam::{b}:role/team/Deploy"))
    .bind(&b)
    .execute(&pool)
    .await
    .unwrap();
    let keys =
        format!("bucket = \"{bucket}\"\norganization_id = \"{ORG}\"\nread_as_account = \"{log}\"");
    let (_s, ingest) = ingest_for(&pool, &[&a, &b, &log], &keys).await;
    let sess = |acct: &str, who: &str| format!("arn:aws:sts::{acct}:assumed-role/Deploy/{who}");
    let get = |acct: &str, who: &str, at: &str| {
        record(&sess(acct, who), "s3.amazonaws.com", "GetObject", at)
    };
    let mut ok = record(
        &sess(&a, "x"),
        "s3.amazonaws.com",
        "GetObject",
        "2026-12-01T10:00:00Z",
    );
    ok.as_object_mut().unwrap().remove("errorCode");
    put(
        &s3,
        &bucket,
        &a,
        "eu-west-1",
        "2026/12/01",
        1,
        &[get(&a, "alice", "2026-12-01T10:01:00Z"), ok],
    )
    .await;
    put(
        &s3,
        &bucket,
        &a,
        "eu-west-1",
        "2026/12/02",
        1,
        &[
            get(&a, "alice", "2026-12-02T10:01:00Z"),
            get(&a, "bob", "2026-12-02T10:02:00Z"),
        ],
    )
    .await;
    put(
        &s3,
        &bucket,
        &b,
        "us-east-1",
        "2026/12/01",
        1,
        &[get(&b, "carol", "2026-12-01T09:00:00Z")],
    )
    .await;
    put(
        &s3,
        &bucket,
        &b,
        "us-east-1",
        "2026/12/02",
        1,
        &[get(&b, "carol", "2026-12-02T09:00:00Z")],
    )
    .await;
    // An account Latchkey does not manage: its folder is never read.
    put(
        &s3,
        &bucket,
        &stranger,
        "eu-west-1",
        "2026/12/01",
        1,
        &[get(&stranger, "eve", "2026-12-01T09:00:00Z")],
    )
    .await;

    let first = read_logs(&ingest).await.unwrap();
    assert_eq!(
        (first.folders, first.files, first.stored, first.failed),
        (2, 4, 5, 0),
        "{first:?}"
    );
    let rows_a = stored(&pool, &a).await;
    assert_eq!(rows_a.len(), 1);
    assert_eq!(
        (rows_a[0].0.clone(), rows_a[0].3),
        (format!("arn:aws:iam::{a}:role/Deploy"), 3)
    );
    assert_eq!(rows_a[0].4, ["bob", "alice"]);
    let rows_b = stored(&pool, &b).await;
    assert_eq!(
        (rows_b[0].0.clone(), rows_b[0].3),
        (format!("arn:aws:iam::{b}:role/team/Deploy"), 2),
        "the cached path"
    );
    assert!(stored(&pool, &stranger).await.is_empty());

    let second = read_logs(&ingest).await.unwrap();
    assert_eq!(
        (second.files, second.stored),
        (0, 0),
        "the position was kept"
    );

    put(
        &s3,
        &bucket,
        &a,
        "eu-west-1",
        "2026/12/02",
        2,
        &[get(&a, "dave", "2026-12-02T10:30:00Z")],
    )
    .await;
    let third = read_logs(&ingest).await.unwrap();
    assert_eq!((third.files, third.stored), (1, 1));
    let rows_a = stored(&pool, &a).await;
    assert_eq!(rows_a[0].3, 4);
    assert_eq!(rows_a[0].4, ["dave", "bob", "alice"]);
    let last_seen: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT last_seen FROM denials WHERE account_id = $1")
            .bind(&a)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(last_seen.to_rfc3339(), "2026-12-02T10:30:00+00:00");
}
