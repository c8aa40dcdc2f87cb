//! The role sync against moto and Postgres.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::jobs::sync::{sync_account, sync_all, Task, Trigger};
use serde_json::Value;
use sqlx::PgPool;

async fn cached(pool: &PgPool, account: &str) -> Vec<(String, Value, Value, Value)> {
    sqlx::query_as(
        "SELECT name, inline_policies, managed_policies, tags FROM roles WHERE account_id = $1 ORDER BY name",
    )
    .bind(account)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn sync_caches_two_spoke_accounts_removes_deleted_roles_and_is_idempotent(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let s = services(pool.clone(), config(&[&a, &b])).await;
    let iam_a = iam(&s, &a).await;
    let iam_b = iam(&s, &b).await;
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/with space+plus/*"}]}"#;
    create_role(
        &iam_a,
        "eng-reader",
        &[("read", doc)],
        &[("team", "data"), ("owner", "erin")],
    )
    .await;
    create_role(&iam_a, "eng-temp", &[], &[]).await;
    create_role(&iam_a, "app", &[], &[]).await;
    let pol = create_policy(&iam_a, "Shared", doc).await;
    iam_a
        .attach_role_policy()
        .role_name("app")
        .policy_arn(&pol)
        .send()
        .await
        .unwrap();
    create_role(&iam_b, "eng-writer", &[], &[("env", "b")]).await;

    let results = sync_all(&s, Trigger::Manual).await;
    assert_eq!(results.len(), 8, "four tasks for each of two accounts");
    for (task, acct, r) in &results {
        assert!(r.as_ref().unwrap().is_some(), "{task:?} {acct} synced");
    }
    let rows_a = cached(&pool, &a).await;
    let names: Vec<&str> = rows_a.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(names, ["app", "eng-reader", "eng-temp"]);
    assert_eq!(
        cached(&pool, &b).await.len(),
        1,
        "account B holds only its own role"
    );

    // Inline policy decoded from IAM's URL-encoded form; tags sorted; managed policy with document.
    let reader = &rows_a[1];
    assert_eq!(reader.1[0]["name"], "read");
    assert_eq!(
        reader.1[0]["document"]["Statement"][0]["Resource"],
        "arn:aws:s3:::bucket/with space+plus/*"
    );
    assert_eq!(reader.3[0]["key"], "owner");
    assert_eq!(reader.3[1]["value"], "data");
    let app = &rows_a[0];
    assert_eq!(app.2[0]["name"], "Shared");
    assert_eq!(
        app.2[0]["document"]["Statement"][0]["Action"],
        "s3:GetObject"
    );

    // A role deleted in AWS disappears from the cache.
    iam_a
        .delete_role()
        .role_name("eng-temp")
        .send()
        .await
        .unwrap();
    let acct_a = app::domain::AccountId::parse(&a).unwrap();
    let second = sync_account(&s, Task::Iam, &acct_a, Trigger::Manual)
        .await
        .unwrap()
        .unwrap();
    // items: two roles and the managed policy
    assert_eq!((second.items, second.changed, second.removed), (3, 0, 1));
    assert_eq!(cached(&pool, &a).await.len(), 2);

    // Nothing changed in AWS: nothing changes in the cache.
    let third = sync_account(&s, Task::Iam, &acct_a, Trigger::Manual)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((third.changed, third.removed), (0, 0));

    let runs: Vec<(String, String, i32)> = sqlx::query_as(
        "SELECT account_id, outcome, items FROM sync_runs WHERE task = 'iam' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(runs.len(), 4, "every run is recorded: {runs:?}");
    assert!(runs.iter().all(|r| r.1 == "success"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_concurrent_run_of_the_same_account_is_skipped(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    // Hold the account's sync lock as another replica would.
    let mut other = pool.begin().await.unwrap();
    let _: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext($1))")
        .bind(format!("iam:{a}"))
        .fetch_one(&mut *other)
        .await
        .unwrap();
    let acct = app::domain::AccountId::parse(&a).unwrap();
    assert_eq!(
        sync_account(&s, Task::Iam, &acct, Trigger::Schedule)
            .await
            .unwrap(),
        None
    );
    other.rollback().await.unwrap();
    assert!(sync_account(&s, Task::Iam, &acct, Trigger::Schedule)
        .await
        .unwrap()
        .is_some());
}

async fn resources(
    pool: &PgPool,
    account: &str,
    kind: &str,
) -> Vec<(String, Value, Option<Value>)> {
    sqlx::query_as("SELECT name, tags, policy FROM resources WHERE account_id = $1 AND kind = $2 ORDER BY name")
        .bind(account)
        .bind(kind)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn buckets_queues_and_topics_are_cached_with_policies_and_tags(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let acct = app::domain::AccountId::parse(&a).unwrap();
    let s3 = s.aws.spoke_s3(&acct).await.unwrap();
    let bucket = format!("b-{a}");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let bpol = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{a}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
    );
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(&bpol)
        .send()
        .await
        .unwrap();
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .tag_set(
            aws_sdk_s3::types::Tag::builder()
                .key("env")
                .value("test")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(tagging)
        .send()
        .await
        .unwrap();
    s3.create_bucket()
        .bucket(format!("plain-{a}"))
        .send()
        .await
        .unwrap();

    let sqs = s.aws.spoke_sqs(&acct).await.unwrap();
    let q = sqs
        .create_queue()
        .queue_name("jobs")
        .tags("team", "data")
        .send()
        .await
        .unwrap();
    let qurl = q.queue_url().unwrap().to_owned();
    let qpol = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:{a}:jobs"}}]}}"#
    );
    sqs.set_queue_attributes()
        .queue_url(&qurl)
        .attributes(aws_sdk_sqs::types::QueueAttributeName::Policy, &qpol)
        .send()
        .await
        .unwrap();

    let sns = s.aws.spoke_sns(&acct).await.unwrap();
    let topic = sns
        .create_topic()
        .name("events")
        .tags(
            aws_sdk_sns::types::Tag::builder()
                .key("env")
                .value("test")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    for task in [Task::S3, Task::Sqs, Task::Sns] {
        let o = sync_account(&s, task, &acct, Trigger::Manual)
            .await
            .unwrap()
            .unwrap();
        assert!(o.items >= 1 && o.changed == o.items, "{task:?}: {o:?}");
    }
    let buckets = resources(&pool, &a, "s3_bucket").await;
    assert_eq!(buckets.len(), 2);
    let b = buckets.iter().find(|b| b.0 == bucket).unwrap();
    assert_eq!(b.1, serde_json::json!([{ "key": "env", "value": "test" }]));
    assert_eq!(
        b.2.as_ref().unwrap(),
        &serde_json::from_str::<Value>(&bpol).unwrap()
    );
    assert!(
        buckets
            .iter()
            .find(|b| b.0.starts_with("plain-"))
            .unwrap()
            .2
            .is_none(),
        "no policy is None"
    );

    let queues = resources(&pool, &a, "sqs_queue").await;
    assert_eq!(queues[0].0, "jobs");
    assert_eq!(queues[0].1[0]["key"], "team");
    // moto re-serialises SQS policies: compare parsed JSON, not strings.
    assert_eq!(
        queues[0].2.as_ref().unwrap(),
        &serde_json::from_str::<Value>(&qpol).unwrap()
    );

    let topics = resources(&pool, &a, "sns_topic").await;
    assert_eq!(topics[0].0, "events");
    assert_eq!(topics[0].1[0]["value"], "test");
    assert!(
        topics[0].2.as_ref().unwrap()["Statement"].is_array(),
        "default topic policy cached"
    );

    // Second pass: nothing changed. Then a deleted queue and topic disappear.
    for task in [Task::S3, Task::Sqs, Task::Sns] {
        let o = sync_account(&s, task, &acct, Trigger::Manual)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((o.changed, o.removed), (0, 0), "{task:?} idempotent");
    }
    sqs.delete_queue().queue_url(&qurl).send().await.unwrap();
    sns.delete_topic()
        .topic_arn(topic.topic_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        sync_account(&s, Task::Sqs, &acct, Trigger::Manual)
            .await
            .unwrap()
            .unwrap()
            .removed,
        1
    );
    assert_eq!(
        sync_account(&s, Task::Sns, &acct, Trigger::Manual)
            .await
            .unwrap()
            .unwrap()
            .removed,
        1
    );
    assert!(resources(&pool, &a, "sqs_queue").await.is_empty());
    assert!(resources(&pool, &a, "sns_topic").await.is_empty());
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn two_replicas_run_each_scheduled_task_once_per_tick(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    // Two independent server states on one database, as two processes would have.
    let r1 = services(pool.clone(), config(&[&a, &b])).await;
    let r2 = services(pool.clone(), config(&[&a, &b])).await;
    create_role(&iam(&r1, &a).await, "eng-x", &[], &[]).await;
    let (x, y) = tokio::join!(
        sync_all(&r1, Trigger::Schedule),
        sync_all(&r2, Trigger::Schedule)
    );
    let ran =
        |r: &latchkey::jobs::sync::Results| r.iter().filter(|x| matches!(x.2, Ok(Some(_)))).count();
    assert_eq!(
        ran(&x) + ran(&y),
        8,
        "4 tasks x 2 accounts, each run by exactly one replica"
    );
    let per_key: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM sync_runs WHERE trigger = 'schedule' GROUP BY task, account_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(per_key.len(), 8);
    assert!(per_key.iter().all(|n| *n == 1), "{per_key:?}");
    // A manual run is never deduplicated.
    let again = sync_all(&r2, Trigger::Manual).await;
    assert_eq!(ran(&again), 8);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_failing_account_is_recorded_and_never_stops_the_others(pool: PgPool) {
    let (good, bad) = (unique_account(), unique_account());
    let s = services(pool.clone(), config(&[&good, &bad])).await;
    create_role(&iam(&s, &good).await, "eng-good", &[], &[]).await;
    create_role(&iam(&s, &bad).await, "eng-bad", &[], &[]).await;
    // The bad account's writes fail half-way: its roles are written, then the
    // resources insert raises (an injected database failure).
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE FUNCTION fail_bad() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'injected failure for {bad}'; END $$"
    )))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TRIGGER fail_bad BEFORE INSERT ON resources FOR EACH ROW
         WHEN (NEW.account_id = '{bad}') EXECUTE FUNCTION fail_bad()"
    )))
    .execute(&pool)
    .await
    .unwrap();

    let results = sync_all(&s, Trigger::Manual).await;
    let of = |acct: &str| {
        results
            .iter()
            .filter(|r| r.1.as_str() == acct)
            .collect::<Vec<_>>()
    };
    assert!(
        of(&good).iter().all(|r| matches!(r.2, Ok(Some(_)))),
        "{results:?}"
    );
    assert!(of(&bad).iter().any(|r| r.2.is_err()), "{results:?}");
    let roles: Vec<String> = sqlx::query_scalar("SELECT name FROM roles ORDER BY name")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        roles,
        ["eng-good"],
        "nothing half-written for the failing account"
    );
    let (outcome, error): (String, Option<String>) = sqlx::query_as(
        "SELECT outcome, error FROM sync_runs WHERE account_id = $1 AND task = 'iam'",
    )
    .bind(&bad)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(outcome, "failed");
    assert!(
        error.unwrap().contains("injected failure"),
        "the error is recorded"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn admins_see_sync_health_and_run_a_task_now_engineers_cannot(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    create_role(&iam(&s, &a).await, "eng-now", &[], &[]).await;
    let base = spawn_http(s).await;

    let eng = signed_in(&base, ENGINEER).await;
    assert_eq!(
        eng.post(format!("{base}/api/sync_status"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let r = eng
        .post(format!("{base}/api/run_sync"))
        .form(&[("task", "iam"), ("account", a.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let admin = signed_in(&base, ADMIN).await;
    let status: Value = admin
        .post(format!("{base}/api/sync_status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status[0]["account_id"], a);
    assert_eq!(
        status[0]["tasks"][0]["last_outcome"],
        Value::Null,
        "never run yet"
    );

    let r = admin
        .post(format!("{base}/api/run_sync"))
        .form(&[("task", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = admin
        .post(format!("{base}/api/run_sync"))
        .form(&[("task", "iam"), ("account", a.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let mut ran = false;
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sync_runs WHERE task = 'iam' AND outcome = 'success'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if n == 1 {
            ran = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ran, "run-now ran the task");
    let iam_task = task_status(&admin, &base, "iam").await;
    assert_eq!(iam_task["last_outcome"], "success");
    assert_eq!(iam_task["last_items"], 1);
    assert!(iam_task["last_duration_ms"].as_i64().unwrap() >= 0);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'sync.run_now'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn role_boundary_and_creation_are_cached_and_shown(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    let boundary = create_policy(
        &iam,
        "Boundary",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    )
    .await;
    iam.create_role()
        .role_name("eng-bounded")
        .assume_role_policy_document(TRUST)
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap();
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    let role: Value = eng
        .post(format!("{base}/api/role"))
        .form(&[("account", a.as_str()), ("name", "eng-bounded")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(role["boundary_arn"], boundary);
    assert!(role["created"].as_str().unwrap().ends_with("UTC"), "{role}");
}

/// A connection holding advisory lock 4242, which gated syncs wait for.
type Gate = sqlx::pool::PoolConnection<sqlx::Postgres>;

/// Makes `account`'s IAM sync wait, with its roles half-written, until the
/// returned gate lets go of its lock.
async fn gate_iam_sync(pool: &PgPool, account: &str) -> Gate {
    sqlx::query(
        "CREATE FUNCTION wait_gate() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END $$",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TRIGGER wait_gate BEFORE INSERT ON roles FOR EACH ROW
         WHEN (NEW.account_id = '{account}') EXECUTE FUNCTION wait_gate()"
    )))
    .execute(pool)
    .await
    .unwrap();
    let mut gate = pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock(4242)")
        .execute(&mut *gate)
        .await
        .unwrap();
    gate
}

async fn open_gate(mut gate: Gate) {
    sqlx::query("SELECT pg_advisory_unlock(4242)")
        .execute(&mut *gate)
        .await
        .unwrap();
}

/// One task's status for the first account, as the admin API returns it.
async fn task_status(admin: &reqwest::Client, base: &str, task: &str) -> Value {
    let status: Value = admin
        .post(format!("{base}/api/sync_status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    status[0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == task)
        .unwrap()
        .clone()
}

/// Polls until the IAM task's `running` flag is `want`.
async fn wait_running(admin: &reqwest::Client, base: &str, want: bool) -> Value {
    for _ in 0..200 {
        let t = task_status(admin, base, "iam").await;
        if t["running"] == want {
            return t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("iam never became running={want}");
}

/// Replica 1 runs one account's IAM task, held half-way by the gate, while
/// replica 2 serves the admin API. Returns once replica 2 reports it running.
struct GatedRun {
    account: String,
    replica2: latchkey::services::Services,
    run: tokio::task::JoinHandle<
        Result<Option<latchkey::jobs::sync::SyncOutcome>, latchkey::jobs::sync::SyncError>,
    >,
    gate: Gate,
    base: String,
    admin: reqwest::Client,
}

async fn start_gated_run(pool: &PgPool) -> GatedRun {
    let account = unique_account();
    let r1 = services(pool.clone(), config(&[&account])).await;
    let replica2 = services(pool.clone(), config(&[&account])).await;
    create_role(&iam(&r1, &account).await, "eng-slow", &[], &[]).await;
    let gate = gate_iam_sync(pool, &account).await;
    let acct = app::domain::AccountId::parse(&account).unwrap();
    let run =
        tokio::spawn(async move { sync_account(&r1, Task::Iam, &acct, Trigger::Manual).await });
    let base = spawn_http(replica2.clone()).await;
    let admin = signed_in(&base, ADMIN).await;
    let t = wait_running(&admin, &base, true).await;
    assert_eq!(
        t["last_outcome"],
        Value::Null,
        "a run in progress is not a last outcome"
    );
    GatedRun {
        account,
        replica2,
        run,
        gate,
        base,
        admin,
    }
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_run_in_one_replica_shows_as_running_in_another_until_it_ends(pool: PgPool) {
    let g = start_gated_run(&pool).await;
    assert_eq!(
        task_status(&g.admin, &g.base, "s3").await["running"],
        false,
        "only the task that runs is running"
    );

    open_gate(g.gate).await;
    assert!(g.run.await.unwrap().unwrap().is_some());
    let t = task_status(&g.admin, &g.base, "iam").await;
    assert_eq!(t["running"], false);
    assert_eq!(t["last_outcome"], "success");
    assert_eq!(t["last_items"], 1);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_run_whose_process_stopped_is_not_running_and_the_next_run_closes_it(pool: PgPool) {
    let g = start_gated_run(&pool).await;
    // The replica stops mid-run: its record stays `running`, its lock goes
    // with its session (once the blocked backend notices the client left).
    g.run.abort();
    assert!(g.run.await.unwrap_err().is_cancelled());
    open_gate(g.gate).await;
    wait_running(&g.admin, &g.base, false).await;
    let left: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, outcome FROM sync_runs WHERE account_id = $1")
            .bind(&g.account)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].1, "running",
        "nothing closed it, yet it is not shown as running"
    );

    // The next run of the task/account closes the leftover and runs.
    let acct = app::domain::AccountId::parse(&g.account).unwrap();
    assert!(sync_account(&g.replica2, Task::Iam, &acct, Trigger::Manual)
        .await
        .unwrap()
        .is_some());
    let (outcome, error, finished): (String, Option<String>, bool) = sqlx::query_as(
        "SELECT outcome, error, finished_at IS NOT NULL FROM sync_runs WHERE id = $1",
    )
    .bind(left[0].0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((outcome.as_str(), finished), ("failed", true));
    assert_eq!(error.as_deref(), Some(latchkey::db::sync_runs::INTERRUPTED));
    assert_eq!(
        task_status(&g.admin, &g.base, "iam").await["last_outcome"],
        "success"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn run_now_for_everything_keeps_to_sync_concurrency(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let s = services(
        pool.clone(),
        config_with(&[&a, &b], "\n[sync]\nconcurrency = 1\n"),
    )
    .await;
    let base = spawn_http(s).await;
    let admin = signed_in(&base, ADMIN).await;
    let r = admin
        .post(format!("{base}/api/run_sync"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let mut runs: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = vec![];
    for _ in 0..200 {
        runs = sqlx::query_as(
            "SELECT started_at, finished_at FROM sync_runs
             WHERE finished_at IS NOT NULL ORDER BY started_at",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        if runs.len() == 8 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(runs.len(), 8, "4 tasks x 2 accounts ran");
    // One at a time: each run ends before the next one starts.
    for w in runs.windows(2) {
        assert!(w[0].1 <= w[1].0, "runs overlapped: {w:?}");
    }
}

/// Latchkey's own use of the spoke role (every sync assumes it) is not a
/// change in the account: an unchanged account re-syncs with `changed = 0`.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_no_op_iam_resync_changes_nothing_though_the_sync_used_the_spoke_role(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam_a = iam(&s, &a).await;
    create_role(&iam_a, "LatchkeySpoke", &[], &[]).await;
    create_role(&iam_a, "eng-app", &[], &[]).await;
    let acct = app::domain::AccountId::parse(&a).unwrap();
    let run = || async {
        sync_account(&s, Task::Iam, &acct, Trigger::Manual)
            .await
            .unwrap()
            .unwrap()
    };
    let first = run().await;
    assert_eq!(first.items, 2);
    for _ in 0..2 {
        let again = run().await;
        assert_eq!((again.changed, again.removed), (0, 0), "{again:?}");
    }
}
