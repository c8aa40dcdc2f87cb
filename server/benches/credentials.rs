//! Credentials endpoint benchmark: 50 concurrent clients calling
//! POST /api/v1/get_credentials (token auth, eligibility, STS AssumeRole via
//! moto, audit row), against 50 concurrent bare STS AssumeRole calls. The
//! overhead is measured per request from the response's `Server-Timing`
//! header: `app` (time in the server, every layer) minus `sts` (the
//! AssumeRole call the handler waited on), so moto's own queueing on the
//! shared cores is not counted as Latchkey's.
//!
//! The setup keeps the parts apart the way a deployment does: the server runs
//! in its own tokio runtime with the default pool (10 connections), the load
//! in another, and STS is a moto process this bench starts. In production
//! STS runs on AWS's machines and the callers on theirs, not on Latchkey's
//! cores, so neither may starve the server it is measuring: moto and the
//! load generator's threads run as SCHED_IDLE (CPU nobody else wants; with
//! `BENCH_NICE_ONLY=1`, or where SCHED_IDLE is refused, moto gets `nice -n
//! 19` and the load normal priority instead). Postgres keeps its normal
//! priority: it is part of Latchkey's own cost.
//!
//! Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
//!   cargo bench -p server --bench credentials`
//! (`MOTO_SERVER` names the moto_server binary; default: the scripts' venv.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use latchkey::aws::Aws;
use latchkey::config::Config;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use std::time::{Duration, Instant};
mod support;
use support::{pct, runtime, Moto};

const CLIENTS: usize = 50;
const PER_CLIENT: usize = 20;

fn report(label: &str, lat: &[Duration], wall: Duration) {
    println!(
        "{label:<34} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9.0}",
        pct(lat, 0.5),
        pct(lat, 0.95),
        pct(lat, 0.99),
        pct(lat, 1.0),
        lat.len() as f64 / wall.as_secs_f64()
    );
}

fn main() {
    let moto = Moto::start();
    let (server_rt, client_rt) = (runtime(false), runtime(true));
    let (url, token, role) = server_rt.block_on(start_server(moto.1.clone()));
    client_rt.block_on(async {
        let http = reqwest::Client::new();
        // Warm up: connections and caches.
        for _ in 0..5 {
            get_credentials(&http, &url, &token, &role).await;
        }
        let cfg = Config::from_toml(
            &format!(
                "[database]\nurl = \"unused\"\n[aws]\nendpoint_url = \"{}\"\nspoke_role_name = \"LatchkeySpoke\"\n",
                moto.1
            ),
            std::iter::empty(),
        )
        .unwrap();
        let sts = Aws::new(&cfg.aws).await.hub_sts();
        for clients in [1usize, CLIENTS] {
            measure(clients, &http, &url, &token, &role, &sts).await;
        }
    });
    let issued: i64 = server_rt.block_on(async {
        let server = support::pg_server();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{server}/latchkey_bench_creds"))
            .await
            .unwrap();
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'credentials.issue'")
            .fetch_one(&pool)
            .await
            .unwrap()
    });
    println!("audit rows written: {issued}");
}

/// Creates the database, account, role, user token and serves the router;
/// returns the endpoint URL, the token and the role ARN.
async fn start_server(moto: String) -> (String, String, String) {
    let pool = support::fresh_database("latchkey_bench_creds", 10).await;

    let account = format!(
        "{}",
        700_000_000_000u64 + (std::process::id() as u64 % 1_000_000)
    );
    let s = support::services(pool.clone(), &moto, Some(&account)).await;
    let acct = app::domain::AccountId::parse(&account).unwrap();
    let iam = s.aws.spoke_iam(&acct).await.unwrap();
    let _ = iam
        .create_role()
        .role_name("eng-bench")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await;
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let user = app::domain::User {
        id: "bench@example.com".into(),
        display_name: "Bench".into(),
        groups: vec!["engineers".into()],
        is_admin: false,
        approver_accounts: vec![],
    };
    let token = latchkey::startup::ports(&s)
        .tokens
        .create_token(
            &user,
            "bench",
            None,
            app::domain::token::TokenScope::Credentials,
            &Default::default(),
        )
        .await
        .unwrap()
        .token;

    // As `latchkey serve` does: token and role listeners (resolved from memory).
    s.start_background();
    while !s.listening() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let url = format!(
        "{}/api/v1/get_credentials",
        support::serve(s.clone(), false).await
    );
    let role = format!("arn:aws:iam::{account}:role/eng-bench");
    (url, token, role)
}

async fn measure(
    clients: usize,
    http: &reqwest::Client,
    url: &str,
    token: &str,
    role: &str,
    sts: &aws_sdk_sts::Client,
) {
    println!("\n== credentials: {clients} concurrent client(s) x {PER_CLIENT} calls (moto on the same 2 cores) ==");
    println!(
        "{:<34} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "", "p50 ms", "p95 ms", "p99 ms", "max ms", "calls/s"
    );
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (http, url, token, role) = (
            http.clone(),
            url.to_owned(),
            token.to_owned(),
            role.to_owned(),
        );
        set.spawn(async move {
            let (mut lat, mut over, mut in_server, mut auth) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for _ in 0..PER_CLIENT {
                let t = Instant::now();
                let timing = get_credentials(&http, &url, &token, &role).await;
                lat.push(t.elapsed());
                let (app, sts) = (dur(&timing, "app"), dur(&timing, "sts"));
                over.push(app.saturating_sub(sts));
                auth.push(dur(&timing, "auth"));
                in_server.push(app);
            }
            (lat, over, in_server, auth)
        });
    }
    let (mut api, mut over, mut in_server, mut auth) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    while let Some(r) = set.join_next().await {
        let (l, o, i, a) = r.unwrap();
        api.extend(l);
        over.extend(o);
        in_server.extend(i);
        auth.extend(a);
    }
    over.sort();
    in_server.sort();
    auth.sort();
    let api_wall = t.elapsed();
    api.sort();

    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (sts, role) = (sts.clone(), role.to_owned());
        set.spawn(async move {
            let mut lat = Vec::new();
            for _ in 0..PER_CLIENT {
                let t = Instant::now();
                sts.assume_role()
                    .role_arn(&role)
                    .role_session_name("bench")
                    .send()
                    .await
                    .unwrap();
                lat.push(t.elapsed());
            }
            lat
        });
    }
    let mut raw = Vec::new();
    while let Some(r) = set.join_next().await {
        raw.extend(r.unwrap());
    }
    let raw_wall = t.elapsed();
    raw.sort();
    report("POST /api/v1/get_credentials", &api, api_wall);
    report("  of which in the server (app)", &in_server, api_wall);
    report("  overhead per request (app - sts)", &over, api_wall);
    report("    of which finding the caller", &auth, api_wall);
    report("bare STS AssumeRole (moto)", &raw, raw_wall);
    println!(
        "{:<34} {:>8.1} {:>8} {:>8.1}",
        "difference of distributions",
        pct(&api, 0.5) - pct(&raw, 0.5),
        "",
        pct(&api, 0.99) - pct(&raw, 0.99)
    );
}

/// One successful call; returns its Server-Timing header.
async fn get_credentials(http: &reqwest::Client, url: &str, token: &str, role: &str) -> String {
    let r = http
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "requested_role": role }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let timing = r
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    let _ = r.bytes().await;
    timing
}

/// The `name;dur=ms` entry of a Server-Timing header.
fn dur(header: &str, name: &str) -> Duration {
    header
        .split(',')
        .filter_map(|e| e.trim().strip_prefix(name)?.strip_prefix(";dur="))
        .filter_map(|ms| ms.parse::<f64>().ok())
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .next()
        .expect("Server-Timing entry")
}
