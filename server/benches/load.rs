//! The load bench (issue #14 item 8), the client half: against one running
//! `latchkey server` (started by `scripts/load.sh` on seeded moto), 200
//! engineers browse (roles home, resource searches and filters, role pages,
//! Weep's role list) while 20 engineers submit requests that 20 admins
//! approve, for 60 s. Prints p50/p99 per route, every error, and writes the
//! counts of requests submitted and approved to `LOAD_OUT` for the script to
//! compare with the database and moto.
//!
//! Environment: `LOAD_BASE` (the server), `LOAD_SECONDS` (60),
//! `LOAD_BROWSERS` (200), `LOAD_SUBMITTERS` (20), `LOAD_ACCOUNTS` (comma
//! separated ids with roles `eng-role-0..99`), `LOAD_OUT` (a JSON file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_owned())
}

fn env_num(key: &str, default: u64) -> u64 {
    env_or(key, &default.to_string()).parse().expect(key)
}

/// Latencies per route, and what went wrong (route: status or error, count).
#[derive(Default)]
struct Record {
    latencies: Mutex<BTreeMap<&'static str, Vec<Duration>>>,
    errors: Mutex<BTreeMap<String, u64>>,
    submitted: AtomicU64,
    approved: AtomicU64,
}

impl Record {
    fn took(&self, route: &'static str, t: Duration) {
        let mut l = self.latencies.lock().unwrap();
        l.entry(route).or_default().push(t);
    }

    fn failed(&self, route: &'static str, what: String) {
        let mut e = self.errors.lock().unwrap();
        *e.entry(format!("{route}: {what}")).or_default() += 1;
    }

    /// Sends `req`, timing it as `route`; the body when the status is 2xx.
    async fn call(&self, route: &'static str, req: reqwest::RequestBuilder) -> Option<String> {
        let t = Instant::now();
        let sent = req.send().await;
        let r = match sent {
            Ok(r) => r,
            Err(e) => {
                self.failed(route, format!("not answered: {e}"));
                return None;
            }
        };
        let status = r.status();
        let body = r.text().await;
        self.took(route, t.elapsed());
        match body {
            Ok(b) if status.is_success() => Some(b),
            Ok(b) => {
                let b: String = b.chars().take(160).collect();
                self.failed(route, format!("{status} {b}"));
                None
            }
            Err(e) => {
                self.failed(route, format!("body not read: {e}"));
                None
            }
        }
    }
}

/// A small deterministic generator (no extra crate for a bench's dice).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A pause between a user's clicks: 250-750 ms.
    fn think(&mut self) -> Duration {
        Duration::from_millis(250 + self.below(500))
    }
}

async fn signed_in(base: &str, user: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .user_agent("latchkey-load")
        .pool_max_idle_per_host(2)
        .build()
        .unwrap();
    let r = c
        .post(format!("{base}/api/dev_sign_in"))
        .form(&[("user_id", user)])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "sign-in of {user}: {}",
        r.status()
    );
    c
}

struct Ctx {
    base: String,
    accounts: Vec<String>,
    until: Instant,
    rec: Record,
}

/// One engineer clicking through pages until the time is up.
async fn browse(ctx: Arc<Ctx>, n: u64, c: reqwest::Client) {
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (n + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let b = &ctx.base;
    while Instant::now() < ctx.until {
        let acct = &ctx.accounts[dice.below(ctx.accounts.len() as u64) as usize];
        let (route, url) = match dice.below(10) {
            0..=2 => ("GET / (roles home)", format!("{b}/")),
            3..=4 => (
                "GET /resources?q= (search)",
                format!(
                    "{b}/resources?q=bench-{}-{}",
                    ["queue", "topic", "bucket"][dice.below(3) as usize],
                    dice.below(200)
                ),
            ),
            5 => (
                "GET /resources?type=&account= (filters)",
                format!(
                    "{b}/resources?type={}&account={acct}",
                    ["role", "sqs_queue", "sns_topic", "s3_bucket"][dice.below(4) as usize]
                ),
            ),
            6..=8 => (
                "GET /roles/{account}/{role} (role page)",
                format!("{b}/roles/{acct}/eng-role-{}", dice.below(100)),
            ),
            _ => ("GET /api/v2/get_roles", format!("{b}/api/v2/get_roles")),
        };
        ctx.rec.call(route, c.get(url)).await;
        tokio::time::sleep(dice.think()).await;
    }
}

/// One engineer asking for a policy on their role again and again, and an
/// admin approving each ask (AWS applies it, the role is re-read).
async fn submit_and_approve(ctx: Arc<Ctx>, n: u64, eng: reqwest::Client, admin: reqwest::Client) {
    let b = &ctx.base;
    let acct = &ctx.accounts[n as usize % ctx.accounts.len()];
    let role = format!("arn:aws:iam::{acct}:role/eng-role-{n}");
    let mut dice = Dice(0xD1B5_4A32_D192_ED03 ^ (n + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut i = 0u64;
    while Instant::now() < ctx.until {
        i += 1;
        // One policy name per submitter, a new resource each time: the role
        // keeps one inline policy that each approval replaces.
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::load-{n}/{i}/*"}}]}}"#
        );
        let form = [
            ("role_arn", role.as_str()),
            ("policy_name", &format!("load-{n}")),
            ("policy", policy.as_str()),
            (
                "justification",
                &format!("load bench ask {i} of submitter {n}"),
            ),
        ];
        let Some(body) = ctx
            .rec
            .call(
                "POST /api/create_request (submit)",
                eng.post(format!("{b}/api/create_request")).form(&form),
            )
            .await
        else {
            tokio::time::sleep(dice.think()).await;
            continue;
        };
        ctx.rec.submitted.fetch_add(1, Ordering::Relaxed);
        let id: String = serde_json::from_str(&body).unwrap_or(body);
        tokio::time::sleep(dice.think()).await;
        let approve = admin
            .post(format!("{b}/api/approve_request"))
            .form(&[("id", id.as_str())]);
        if ctx
            .rec
            .call("POST /api/approve_request (approve + apply)", approve)
            .await
            .is_some()
        {
            ctx.rec.approved.fetch_add(1, Ordering::Relaxed);
        }
        tokio::time::sleep(dice.think()).await;
    }
}

fn pct(lat: &[Duration], p: f64) -> f64 {
    lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let base = env_or("LOAD_BASE", "http://127.0.0.1:3600");
    let secs = env_num("LOAD_SECONDS", 60);
    let browsers = env_num("LOAD_BROWSERS", 200);
    let submitters = env_num("LOAD_SUBMITTERS", 20);
    let accounts: Vec<String> = env_or("LOAD_ACCOUNTS", "710000000001,710000000002,710000000003")
        .split(',')
        .map(str::to_owned)
        .collect();
    let out = env_or("LOAD_OUT", "load.json");
    // Sign-ins first (not timed); the clock starts once every user is in.
    let sign_in = |who: String| {
        let base = base.clone();
        async move { signed_in(&base, &who).await }
    };
    let (readers, askers, approvers) = rt.block_on(async {
        let all = |prefix: &'static str, n: u64| {
            futures_util::future::join_all(
                (0..n).map(|i| sign_in(format!("{prefix}-{i}@example.com"))),
            )
        };
        (
            all("eng", browsers).await,
            all("sub", submitters).await,
            all("admin", submitters).await,
        )
    });
    let ctx = Arc::new(Ctx {
        base,
        accounts,
        until: Instant::now() + Duration::from_secs(secs),
        rec: Record::default(),
    });
    let started = Instant::now();
    rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for (n, c) in (0..).zip(readers) {
            set.spawn(browse(Arc::clone(&ctx), n, c));
        }
        for ((n, eng), admin) in (0..).zip(askers).zip(approvers) {
            set.spawn(submit_and_approve(Arc::clone(&ctx), n, eng, admin));
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
    });
    let wall = started.elapsed().as_secs_f64();
    let lat = ctx.rec.latencies.lock().unwrap();
    let total: usize = lat.values().map(Vec::len).sum();
    println!("{browsers} browsing, {submitters} submitting + {submitters} approving, {wall:.0} s: {total} requests");
    println!("{:<46} {:>7} {:>9} {:>9}", "route", "n", "p50 ms", "p99 ms");
    for (route, v) in lat.iter() {
        let mut v = v.clone();
        v.sort();
        println!(
            "{route:<46} {:>7} {:>9.1} {:>9.1}",
            v.len(),
            pct(&v, 0.5),
            pct(&v, 0.99)
        );
    }
    let errors = ctx.rec.errors.lock().unwrap();
    let n_err: u64 = errors.values().sum();
    println!("errors: {n_err}");
    for (what, n) in errors.iter() {
        println!("  {n:>5} x {what}");
    }
    let (submitted, approved) = (
        ctx.rec.submitted.load(Ordering::Relaxed),
        ctx.rec.approved.load(Ordering::Relaxed),
    );
    println!("requests submitted: {submitted}, approved and applied: {approved}");
    let json = serde_json::json!({
        "requests": total, "errors": n_err, "submitted": submitted, "approved": approved,
    });
    std::fs::write(&out, json.to_string()).unwrap();
}
