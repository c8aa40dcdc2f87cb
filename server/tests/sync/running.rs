//! Runs in progress as every replica sees them: running until they end, closed after a process stopped, and Run now within sync.concurrency.
use super::*;

/// A connection holding advisory lock 4242, which gated syncs wait for.
type Gate = sqlx::pool::PoolConnection<sqlx::Postgres>;

/// Makes `account`'s IAM sync wait, with its roles half-written, until the
/// returned gate lets go of its lock.
async fn gate_iam_sync(pool: &PgPool, account: &str) -> Gate {
    execute(
        pool,
        "CREATE FUNCTION wait_gate() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END $$",
    )
    .await;
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
        Result<
            Option<latchkey::services::sync::engine::SyncOutcome>,
            latchkey::services::sync::engine::SyncError,
        >,
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

/// How far a pass has got shows on another replica while it runs (#18):
/// IAM lists and reads in one pass, so items read with no total; the
/// progress goes with the run once it ends.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_running_pass_shows_its_progress_on_every_replica(pool: PgPool) {
    let g = start_gated_run(&pool).await;
    // Held at its first write, the pass has read the account (one role).
    let mut t = Value::Null;
    for _ in 0..100 {
        t = task_status(&g.admin, &g.base, "iam").await;
        if t["progress_read"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(t["running"], true, "{t}");
    assert_eq!(t["progress_read"], 1, "{t}");
    assert_eq!(t["progress_listed"], Value::Null, "no total ahead: {t}");
    let page = g
        .admin
        .get(format!("{}/admin/sync", g.base))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("running… 1 read"),
        "the page says how far it got"
    );

    open_gate(g.gate).await;
    assert!(g.run.await.unwrap().unwrap().is_some());
    let t = task_status(&g.admin, &g.base, "iam").await;
    assert_eq!(t["running"], false);
    assert_eq!(t["progress_read"], Value::Null, "{t}");
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
    let left: Vec<(i64, String)> = rows_of(
        &pool,
        "SELECT id, outcome FROM sync_runs WHERE account_id = $1",
        &g.account,
    )
    .await;
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
    let r = admin.post_empty(format!("{base}/api/run_sync")).await;
    assert!(r.status().is_success());
    let mut runs: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = vec![];
    for _ in 0..200 {
        runs = rows(
            &pool,
            "SELECT started_at, finished_at FROM sync_runs
             WHERE finished_at IS NOT NULL ORDER BY started_at",
        )
        .await;
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
