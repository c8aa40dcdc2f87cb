//! Pages over HTTP, as a browser meets them: a signed-in engineer loads the
//! roles home, a role's page, the resources page and the same roles as JSON,
//! with keep-alive, at 1 and at 10 concurrent clients. The same router is
//! served twice: on a listener as `latchkey server` binds it (TCP_NODELAY on
//! every connection) and on a plain one (Nagle's algorithm on), so the run
//! shows what the socket option is worth next to what the page costs.
//!
//! Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
//!   cargo bench -p server --bench pages`
//! (`BENCH_ROLES` eligible roles, default 300; `MOTO_SERVER` names the
//! moto_server binary, default: the scripts' venv.) With
//! `BENCH_RESOURCE_ROWS=1000000` it measures `/resources` instead, on that
//! many cached rows in database `latchkey_bench` (filled once, shared with
//! the inventory bench), at 1 and 50 clients, with the process's memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};
mod support;
use support::{pct, runtime, Moto};

const ACCOUNT: &str = "710000000001";

fn main() {
    let roles: usize = support::env_or("BENCH_ROLES", 300);
    let moto = Moto::start();
    let (server_rt, client_rt) = (runtime(false), runtime(true));
    if let Some(rows) = support::env_number::<i64>("BENCH_RESOURCE_ROWS") {
        let url = server_rt.block_on(start_million(moto.1.clone(), rows));
        client_rt.block_on(async {
            println!("\n== /resources over HTTP on {rows} cached rows, keep-alive ==");
            println!("resident memory with the index built: {} MiB", rss_mib());
            println!(
                "{:<44} {:>4} {:>8} {:>8} {:>8} {:>9} {:>9}",
                "", "c", "p50 ms", "p99 ms", "max ms", "req/s", "bytes"
            );
            for path in [
                "/resources",
                "/resources?q=worker-0042",
                "/resources?type=sqs_queue",
            ] {
                for clients in [1usize, 50] {
                    measure("TCP_NODELAY", &url, path, clients).await;
                }
            }
            println!("resident memory after the load: {} MiB", rss_mib());
        });
        return;
    }
    let (fast, nagle) = server_rt.block_on(start_server(moto.1.clone(), roles));
    client_rt.block_on(async {
        println!("\n== pages over HTTP: engineer with {roles} eligible roles, keep-alive ==");
        println!(
            "{:<44} {:>4} {:>8} {:>8} {:>8} {:>9} {:>9}",
            "", "c", "p50 ms", "p99 ms", "max ms", "req/s", "bytes"
        );
        let paths = [
            "/".to_owned(),
            format!("/roles/{ACCOUNT}/eng-role-0"),
            "/resources".to_owned(),
            "/api/v2/get_roles".to_owned(),
        ];
        for (label, base) in [("TCP_NODELAY", &fast), ("Nagle (as before)", &nagle)] {
            for path in &paths {
                for clients in [1usize, 10] {
                    measure(label, base, path, clients).await;
                }
            }
        }
    });
}

/// Signs in as the bench engineer; a client that keeps its connection.
async fn client(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let r = c
        .post(format!("{base}/api/dev_sign_in"))
        .form(&[("user_id", "bench@example.com")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    c
}

async fn measure(label: &str, base: &str, path: &str, clients: usize) {
    let per_client = if clients == 1 { 200 } else { 60 };
    let mut workers = Vec::new();
    for _ in 0..clients {
        let c = client(base).await;
        // Warm: connection, caches.
        for _ in 0..3 {
            let _ = c
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await;
        }
        workers.push(c);
    }
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for c in workers {
        let url = format!("{base}{path}");
        set.spawn(async move {
            let (mut lat, mut bytes) = (Vec::new(), 0usize);
            for _ in 0..per_client {
                let t = Instant::now();
                let r = c.get(&url).send().await.unwrap();
                assert_eq!(r.status(), 200, "{url}");
                bytes = r.bytes().await.unwrap().len();
                lat.push(t.elapsed());
            }
            (lat, bytes)
        });
    }
    let (mut lat, mut bytes) = (Vec::new(), 0);
    while let Some(r) = set.join_next().await {
        let (l, b) = r.unwrap();
        lat.extend(l);
        bytes = b;
    }
    let wall = t.elapsed();
    lat.sort();
    println!(
        "{:<44} {:>4} {:>8.2} {:>8.2} {:>8.2} {:>9.0} {:>9}",
        format!("{label}: GET {path}"),
        clients,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&lat, 1.0),
        lat.len() as f64 / wall.as_secs_f64(),
        bytes
    );
}

/// Seeds moto with `roles` eligible roles, syncs them and serves the router
/// twice; returns the two base URLs (TCP_NODELAY, Nagle).
async fn start_server(moto: String, roles: usize) -> (String, String) {
    let pool = support::fresh_database("latchkey_bench_pages", 10).await;
    let s = support::services(pool.clone(), &moto, Some(ACCOUNT)).await;
    let acct = app::domain::AccountId::parse(ACCOUNT).unwrap();
    let iam = s.aws.spoke_iam(&acct).await.unwrap();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..roles {
        let iam = iam.clone();
        set.spawn(async move {
            let _ = iam
                .create_role()
                .role_name(format!("eng-role-{i}"))
                .assume_role_policy_document(trust)
                .send()
                .await;
        });
        if set.len() >= 8 {
            set.join_next().await;
        }
    }
    while set.join_next().await.is_some() {}
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    s.start_background();
    while !s.listening() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (
        support::serve(s.clone(), false).await,
        support::serve(s, true).await,
    )
}

/// This process's resident memory (server, index and load generator).
fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Serves the router on `rows` cached resources once the search index is
/// built; returns the base URL.
async fn start_million(moto: String, rows: i64) -> String {
    let pool = support::database("latchkey_bench", 10, false).await;
    support::fill_resources(&pool, rows, 200).await;
    let s = support::services(pool, &moto, None).await;
    s.start_background();
    let t = Instant::now();
    while !s.listening() || s.search_gate.index().snapshot().is_none() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "search index ready {:.1} s after start",
        t.elapsed().as_secs_f64()
    );
    support::serve(s, false).await
}
