//! Inventory benchmarks (a bench binary, not timed tests):
//! 1. the resources query on 1,000,000 cached rows over 200 accounts, 50
//!    concurrent clients, for each filter kind and for deep keyset pages. The
//!    clients share one pool of the server's default size (10 connections,
//!    `database.max_connections`) behind the server's search gate (default
//!    twice the cores), as requests do in the server; a query's time is
//!    server time: waiting for the gate and a connection, plus the query.
//!    Searches are answered the server's way: from the in-process search
//!    index (built once before timing; its build time and size are
//!    reported), fetching the page's rows from Postgres in a statement that
//!    also checks the index is current. The substring cases are measured a
//!    second time with the index off (`database.search_index = false`);
//! 2. sync ingest: rows/s for a 1,000-role account written with UNNEST batches.
//!
//! Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p server --bench inventory`
//! It creates (once) and reuses a database named `latchkey_bench`; set
//! `BENCH_ROWS` to change the row count, `BENCH_FRESH=1` to rebuild it,
//! `BENCH_ONLY=ingest` to measure only the ingest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use latchkey::aws::iam::RoleSnapshot;
use latchkey::db::resources::{Cursor, Filter, PageQuery, Sort};
use latchkey::services::inventory::search::{Answered, SearchGate};
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::time::{Duration, Instant};
mod support;

const ACCOUNTS: i64 = 200;
const CLIENTS: usize = 50;
const QUERIES_PER_CLIENT: usize = 40;
/// The server's default `database.max_connections`.
const SERVER_POOL: u32 = 10;
/// Searches the SQL path answered (all of them with the index off; with it
/// on, only if the index was behind Postgres).
static SQL_ANSWERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[tokio::main]
async fn main() {
    let rows: i64 = support::env_or("BENCH_ROWS", 1_000_000);
    let fresh = std::env::var("BENCH_FRESH").is_ok();
    let pool = PgPoolOptions::new()
        .max_connections(SERVER_POOL)
        .min_connections(SERVER_POOL);
    let pool = support::database_with("latchkey_bench", pool, fresh).await;
    support::fill_resources(&pool, rows, ACCOUNTS).await;
    // Open all client connections and touch every page once before timing.
    sqlx::query("VACUUM ANALYZE resources")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("CHECKPOINT").execute(&pool).await.unwrap();
    if std::env::var("BENCH_ONLY").as_deref() == Ok("ingest") {
        ingest(&pool).await;
        return;
    }
    let gate = SearchGate::new(SearchGate::default_permits());
    let stats = gate.index().refresh(&pool).await.unwrap();
    println!(
        "\n== search index: {} rows read in {:.2} s, built in {:.2} s, ~{} MB ==",
        stats.rows,
        stats.read.as_secs_f64(),
        stats.build.as_secs_f64(),
        stats.bytes / 1_000_000
    );
    let sql_only = SearchGate::without_index(SearchGate::default_permits());
    let _ = run_concurrently(&gate, &pool, Filter::default(), Sort::Name, None).await;

    println!(
        "\n== resources query: {rows} rows, {ACCOUNTS} accounts, {CLIENTS} concurrent clients, pool of {SERVER_POOL}, {} searches at once ==",
        SearchGate::default_permits()
    );
    println!(
        "{:<38} {:>9} | {:>8} {:>8} {:>8} {:>8}",
        "query", "1-client", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let kind = |k: &str| Filter {
        kind: Some(k.into()),
        ..Filter::default()
    };
    let text = |t: &str| Filter {
        text: Some(t.into()),
        ..Filter::default()
    };
    let tag = |k: &str, v: &str| Filter {
        tag: Some((k.into(), Some(v.into()))),
        ..Filter::default()
    };
    let one_account = Filter {
        account_id: Some(account(137)),
        ..Filter::default()
    };
    let cases: Vec<(&str, Filter, Sort)> = vec![
        (
            "first page, no filter (name)",
            Filter::default(),
            Sort::Name,
        ),
        (
            "first page, sort by account",
            Filter::default(),
            Sort::Account,
        ),
        ("type = sqs_queue", kind("sqs_queue"), Sort::Name),
        ("account = one of 200", one_account, Sort::Name),
        (
            "text 'worker-0042' (substring)",
            text("worker-0042"),
            Sort::Name,
        ),
        ("text 'zz-no-match'", text("zz-no-match"), Sort::Name),
        ("tag team=team-7", tag("team", "team-7"), Sort::Name),
        (
            "tag env=prod + type role",
            Filter {
                kind: Some("role".into()),
                ..tag("env", "prod")
            },
            Sort::Name,
        ),
    ];
    for (label, filter, sort) in cases {
        let single = run_clients(&gate, &pool, 1, std::slice::from_ref(&filter), sort, None).await;
        let lat = run_concurrently(&gate, &pool, filter.clone(), sort, None).await;
        report(label, &single, lat);
        if filter.text.is_some() {
            let single = run_clients(
                &sql_only,
                &pool,
                1,
                std::slice::from_ref(&filter),
                sort,
                None,
            )
            .await;
            let lat = run_concurrently(&sql_only, &pool, filter, sort, None).await;
            report("  same, index off (SQL trigram)", &single, lat);
        }
    }
    // Each client its own substring, as when many people search at once:
    // names of different groups and numbers, matching 6 to 60 rows each.
    let mixed: Vec<Filter> = (0..CLIENTS)
        .map(|i| {
            text(&format!(
                "{}-{:04}",
                ["api", "worker", "etl", "web", "batch", "ml", "audit", "ops"][i % 8],
                100 + i * 37
            ))
        })
        .collect();
    let single = run_clients(&gate, &pool, 1, &mixed[..1], Sort::Name, None).await;
    let lat = run_clients(&gate, &pool, CLIENTS, &mixed, Sort::Name, None).await;
    report("text: 50 different substrings", &single, lat);
    let single = run_clients(&sql_only, &pool, 1, &mixed[..1], Sort::Name, None).await;
    let lat = run_clients(&sql_only, &pool, CLIENTS, &mixed, Sort::Name, None).await;
    report("  same, index off (SQL trigram)", &single, lat);
    // Deep pages: cursors from page 2,000 (row 100,000) and near the end.
    for depth in [100_000i64, rows - 100] {
        let (key, arn): (String, String) =
            sqlx::query_as("SELECT name, arn FROM resources ORDER BY name, arn OFFSET $1 LIMIT 1")
                .bind(depth.max(0))
                .fetch_one(&pool)
                .await
                .unwrap();
        let cursor = Some(Cursor { key, arn });
        let single = run_clients(
            &gate,
            &pool,
            1,
            &[Filter::default()],
            Sort::Name,
            cursor.clone(),
        )
        .await;
        let lat = run_concurrently(&gate, &pool, Filter::default(), Sort::Name, cursor).await;
        report(&format!("keyset page after row {depth}"), &single, lat);
    }

    ingest(&pool).await;
}

fn account(i: i64) -> String {
    format!("{:012}", 100_000_000_000 + i)
}

/// Fills resources with `rows` rows (roles, users, buckets, queues, topics,
/// policies) spread over 200 accounts, with tags, in one INSERT ... SELECT.
async fn run_concurrently(
    gate: &SearchGate,
    pool: &PgPool,
    filter: Filter,
    sort: Sort,
    after: Option<Cursor>,
) -> Vec<Duration> {
    run_clients(gate, pool, CLIENTS, &[filter], sort, after).await
}

/// `clients` tasks sharing the gate, client i querying with `filters[i % len]`.
async fn run_clients(
    gate: &SearchGate,
    pool: &PgPool,
    clients: usize,
    filters: &[Filter],
    sort: Sort,
    after: Option<Cursor>,
) -> Vec<Duration> {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..clients {
        let (gate, pool, filter, after) = (
            gate.clone(),
            pool.clone(),
            filters[i % filters.len()].clone(),
            after.clone(),
        );
        set.spawn(async move {
            let mut lat = Vec::with_capacity(QUERIES_PER_CLIENT);
            for _ in 0..QUERIES_PER_CLIENT {
                let t = Instant::now();
                let (rows, _, how) = gate
                    .search_answered(
                        &pool,
                        &PageQuery::new(&filter, sort, 50).after(after.as_ref()),
                    )
                    .await
                    .unwrap();
                if how == Answered::Sql {
                    SQL_ANSWERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                lat.push(t.elapsed());
                std::hint::black_box(rows);
            }
            lat
        });
    }
    let mut all = Vec::new();
    while let Some(r) = set.join_next().await {
        all.extend(r.unwrap());
    }
    all.sort();
    all
}

fn pct(lat: &[Duration], p: f64) -> f64 {
    lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0
}

fn report(label: &str, single: &[Duration], lat: Vec<Duration>) {
    let sql = SQL_ANSWERS.swap(0, std::sync::atomic::Ordering::Relaxed);
    println!(
        "{label:<38} {:>9.2} | {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {sql:>5} of {} by SQL",
        pct(single, 0.5),
        pct(&lat, 0.50),
        pct(&lat, 0.95),
        pct(&lat, 0.99),
        pct(&lat, 1.0),
        single.len() + lat.len()
    );
}

/// Rows/s writing a 1,000-role account the way the IAM task does (roles and
/// resources tables, UNNEST batches): first insert, then an unchanged re-sync.
async fn ingest(pool: &PgPool) {
    let acct = account(999_999);
    sqlx::query(
        "INSERT INTO accounts (account_id, name) VALUES ($1, 'ingest') ON CONFLICT DO NOTHING",
    )
    .bind(&acct)
    .execute(pool)
    .await
    .unwrap();
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]});
    let roles: Vec<RoleSnapshot> = (0..1000)
        .map(|i| RoleSnapshot {
            arn: format!("arn:aws:iam::{acct}:role/ingest-{i:04}"),
            account_id: acct.clone(),
            name: format!("ingest-{i:04}"),
            path: "/".into(),
            role_id: format!("AROA{i:016}"),
            created_at: None,
            trust_policy: doc.clone(),
            inline_policies: json!([{ "name": "p1", "document": doc }, { "name": "p2", "document": doc }]),
            managed_policies: json!([{ "name": "ReadOnly", "arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "document": null }]),
            tags: json!([{ "key": "team", "value": format!("t{}", i % 10) }]),
            boundary_arn: None,
            last_used_at: None,
            last_used_region: None,
        })
        .collect();
    let resources: Vec<_> = roles.iter().map(|r| r.to_resource()).collect();
    const PASSES: usize = 7;
    println!(
        "\n== sync ingest: 1,000-role account (roles + resources rows), median of {PASSES} passes =="
    );
    let n = (roles.len() + resources.len()) as f64;
    let (mut insert, mut unchanged) = (Vec::new(), Vec::new());
    for _ in 0..PASSES {
        for table in ["roles", "resources"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE account_id = $1"
            )))
            .bind(&acct)
            .execute(pool)
            .await
            .unwrap();
        }
        for times in [&mut insert, &mut unchanged] {
            let t = Instant::now();
            let mut tx = pool.begin().await.unwrap();
            latchkey::db::roles::replace_account_roles(&mut tx, &acct, &roles, chrono::Utc::now())
                .await
                .unwrap();
            latchkey::db::resources::replace_account(
                &mut tx,
                &acct,
                &["role"],
                &resources,
                &[],
                chrono::Utc::now(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            times.push(t.elapsed().as_secs_f64());
        }
    }
    for (pass, times) in [
        ("first sync (insert)", &mut insert),
        ("second sync (unchanged)", &mut unchanged),
    ] {
        times.sort_by(f64::total_cmp);
        let secs = times[PASSES / 2];
        println!(
            "{pass:<38} {:>8.1} ms  {:>10.0} rows/s   (best {:.0}, worst {:.0} rows/s)",
            secs * 1000.0,
            n / secs,
            n / times[0],
            n / times[PASSES - 1]
        );
    }
    // Leave the table at exactly BENCH_ROWS rows so the next run reuses it.
    sqlx::query("DELETE FROM accounts WHERE account_id = $1")
        .bind(&acct)
        .execute(pool)
        .await
        .unwrap();
}
