//! AWS (here moto, behind a relay that can take it away) stops answering in
//! the middle of a sync: the run is recorded failed, the cache keeps every
//! row it had, and the first run once AWS is back brings in what changed.
use super::*;
use latchkey::services::sync::engine::{sync_account, sync_all, Task, Trigger};
use std::sync::Arc;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_sync_cut_off_by_aws_going_away_fails_keeps_the_cache_and_the_next_run_catches_up(
    pool: PgPool,
) {
    let a = unique_account();
    let direct = services(pool.clone(), config(&[&a])).await;
    let iam_a = iam(&direct, &a).await;
    create_role(
        &iam_a,
        "eng-one",
        &[("read-logs", READ_LOGS)],
        &[("team", "blue")],
    )
    .await;
    create_role(&iam_a, "eng-two", &[], &[]).await;
    let s3_a = s3(&direct, &a).await;
    create_bucket(&s3_a, &format!("one-{a}")).await;
    tag_bucket(&s3_a, &format!("one-{a}"), "team", "blue").await;
    let first = sync_all(&direct, Trigger::Manual).await;
    assert!(
        first.iter().all(|r| matches!(r.2, Ok(Some(_)))),
        "{first:?}"
    );
    let before = cache_of(&pool, &a).await;
    let last_run: i64 = scalar(&pool, "SELECT max(id) FROM sync_runs").await;

    // AWS changes; the next sync should bring that in.
    create_role(&iam_a, "eng-three", &[], &[]).await;
    create_bucket(&s3_a, &format!("two-{a}")).await;

    // This server reaches AWS through the relay; IAM's read of the account
    // (after STS answered) finds it gone, and it stays gone while the SDK
    // retries.
    let stub = Arc::new(Stub::default());
    let outage = Outage::start(&start_stub(stub.clone()).await).await;
    stub.cut_at("GetAccountAuthorizationDetails", &outage);
    let mut cfg = config(&[&a]);
    cfg.aws.endpoint_url = Some(outage.url().try_into().unwrap());
    let s = services(pool.clone(), cfg).await;
    let acct = app::domain::AccountId::parse(&a).unwrap();
    let cut = sync_account(&s, Task::Iam, &acct, Trigger::Manual).await;
    assert!(cut.is_err(), "{cut:?}");

    // The run is recorded failed with its reason, for the admin to see;
    // the cache is as it was.
    let runs: Vec<(String, String, Option<String>)> = rows_of(
        &pool,
        "SELECT task, outcome, error FROM sync_runs WHERE id > $1::bigint ORDER BY id",
        &last_run.to_string(),
    )
    .await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!((runs[0].0.as_str(), runs[0].1.as_str()), ("iam", "failed"));
    assert_eq!(
        cache_of(&pool, &a).await,
        before,
        "a failed run changes nothing"
    );
    let base = spawn_http(s.clone()).await;
    let admin = signed_in(&base, ADMIN).await;
    let iam_task = task_status(&admin, &base, &a, "iam").await;
    assert_eq!(iam_task["last_outcome"], "failed", "{iam_task}");
    assert_eq!(iam_task["last_error"].as_str(), runs[0].2.as_deref());
    assert!(iam_task["last_error"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
    assert_eq!(iam_task["running"], false);

    // AWS is back: the next run succeeds and brings in what changed.
    outage.restore();
    let back = sync_all(&s, Trigger::Manual).await;
    assert!(back.iter().all(|r| matches!(r.2, Ok(Some(_)))), "{back:?}");
    let mut want: Vec<(String, String)> = before
        .iter()
        .map(|(kind, arn, ..)| (kind.clone(), arn.clone()))
        .collect();
    let three = format!("arn:aws:iam::{a}:role/eng-three");
    want.push(("role".into(), three.clone()));
    want.push(("roles table".into(), three));
    want.push(("s3_bucket".into(), format!("arn:aws:s3:::two-{a}")));
    want.sort();
    assert_eq!(
        cached_arns(&pool, &a).await,
        want,
        "each row once, none lost"
    );
    let one: (Value, Value) = row_of(
        &pool,
        "SELECT tags, inline_policies FROM roles WHERE name = 'eng-one' AND account_id = $1",
        &a,
    )
    .await;
    assert_eq!(texts(&one.0, "value"), ["blue"]);
    assert_eq!(texts(&one.1, "name"), ["read-logs"]);
    let iam_task = task_status(&admin, &base, &a, "iam").await;
    assert_eq!(iam_task["last_outcome"], "success", "{iam_task}");
    let running: i64 = scalar(
        &pool,
        "SELECT count(*) FROM sync_runs WHERE outcome = 'running'",
    )
    .await;
    assert_eq!(running, 0);
}

/// AWS takes the connection and never answers (a black-holed endpoint, a
/// proxy that hangs): each try is given up after `aws.call_timeout_secs`
/// and retried, then the run fails with the reason and lets go of its lock,
/// so the next run is not held behind it.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_call_aws_never_answers_is_given_up_retried_and_the_run_fails_in_time(pool: PgPool) {
    let a = unique_account();
    let direct = services(pool.clone(), config(&[&a])).await;
    create_role(&iam(&direct, &a).await, "eng-one", &[], &[]).await;

    let stub = Arc::new(Stub::default());
    stub.hang("GetAccountAuthorizationDetails");
    let mut cfg = config(&[&a]);
    cfg.aws.endpoint_url = Some(start_stub(stub.clone()).await.try_into().unwrap());
    cfg.aws.call_timeout_secs = 1;
    let aws = latchkey::aws::Aws::with_attempts(&cfg.aws, 2).await;
    let s = latchkey::services::Services::new(pool.clone(), aws, std::sync::Arc::new(cfg));
    let acct = app::domain::AccountId::parse(&a).unwrap();
    let run = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        sync_account(&s, Task::Iam, &acct, Trigger::Manual),
    )
    .await
    .expect("the run ends although AWS never answers");
    let e = run.expect_err("the run fails").to_string();
    assert!(
        e.to_lowercase().contains("timeout"),
        "names the timeout: {e}"
    );
    // Both tries reached AWS (and hung there).
    stub.hung("GetAccountAuthorizationDetails", 2).await;
    let (outcome, error): (String, Option<String>) = row_of(
        &pool,
        "SELECT outcome, error FROM sync_runs WHERE task = 'iam' AND account_id = $1 ORDER BY id DESC LIMIT 1",
        &a,
    )
    .await;
    assert_eq!(outcome, "failed");
    assert!(error.is_some_and(|e| !e.is_empty()));

    // The lock is free: a run through a working endpoint goes ahead.
    let again = sync_account(&direct, Task::Iam, &acct, Trigger::Manual).await;
    assert!(matches!(again, Ok(Some(_))), "{again:?}");
}
