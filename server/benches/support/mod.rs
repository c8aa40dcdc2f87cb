//! What the HTTP benches share: a moto process of their own, runtimes for
//! the server and for the load, and percentiles.
#![allow(dead_code)]

use std::time::Duration;

/// The config TOML the tests write too.
#[path = "../../tests/common/config_toml.rs"]
mod config_toml;
use config_toml::{dev_mode_toml, dev_user, eligibility, ENG_ROLE_PATTERN};

/// The stock binary's allocator (server/src/main.rs), so in-process
/// figures match what `latchkey server` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub fn pct(lat: &[Duration], p: f64) -> f64 {
    lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0
}

/// A moto server of our own at the lowest CPU priority; killed on drop.
pub struct Moto(std::process::Child, pub String);

impl Moto {
    pub fn start() -> Moto {
        let bin = std::env::var("MOTO_SERVER").unwrap_or_else(|_| {
            format!(
                "{}/.cache/latchkey/venv/bin/moto_server",
                std::env::var("HOME").unwrap()
            )
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // SCHED_IDLE where the scheduler allows it (runs only on a core
        // nothing else wants), else the lowest nice level.
        let port_s = port.to_string();
        let idle = std::env::var("BENCH_NICE_ONLY").is_err()
            && std::process::Command::new("chrt")
                .args(["--idle", "0", "true"])
                .status()
                .is_ok_and(|s| s.success());
        let (cmd, args): (&str, Vec<&str>) = if idle {
            (
                "chrt",
                vec!["--idle", "0", &bin, "-H", "127.0.0.1", "-p", &port_s],
            )
        } else {
            (
                "nice",
                vec!["-n", "19", &bin, "-H", "127.0.0.1", "-p", &port_s],
            )
        };
        let mut child = std::process::Command::new(cmd)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server (set MOTO_SERVER)");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Moto(child, format!("http://127.0.0.1:{port}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("moto did not start on port {port}");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn runtime(idle: bool) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(move || {
            if idle {
                set_idle_priority();
            }
        })
        .enable_all()
        .build()
        .unwrap()
}

/// The load generator's threads get SCHED_IDLE: in a deployment the callers
/// run on their own machines, so here they take only CPU the server leaves.
pub fn set_idle_priority() {
    if std::env::var("BENCH_NICE_ONLY").is_ok() {
        return;
    }
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: sched_setscheduler on the calling thread (pid 0) with a valid
    // parameter; it only changes this thread's scheduling class.
    unsafe {
        libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
    }
}

/// A number from the environment variable `name`, if it is set to one
/// (the benches' sizes: `BENCH_ROWS`, `BENCH_ROLES`…).
pub fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Like [`env_number`], `default` when it is not set to a number.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    env_number(name).unwrap_or(default)
}

/// `DATABASE_URL`'s server: the URL without its database name.
pub fn pg_server() -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL (a Postgres server URL)");
    base.rsplit_once('/')
        .map(|x| x.0)
        .unwrap_or(&base)
        .to_owned()
}

/// A fresh database `name` on `DATABASE_URL`'s server, migrated.
pub async fn fresh_database(name: &str, connections: u32) -> sqlx::PgPool {
    database(name, connections, true).await
}

/// Database `name` on `DATABASE_URL`'s server, migrated: created if it is
/// missing, emptied first only when `fresh` (else what it holds is reused).
pub async fn database(name: &str, connections: u32, fresh: bool) -> sqlx::PgPool {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(connections);
    database_with(name, pool, fresh).await
}

/// Like [`database`], its pool opened with `pool`'s options.
pub async fn database_with(
    name: &str,
    pool: sqlx::postgres::PgPoolOptions,
    fresh: bool,
) -> sqlx::PgPool {
    use sqlx::postgres::PgPoolOptions;
    let server = pg_server();
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&admin)
            .await
            .unwrap();
    // `name` is a constant of the bench calling this.
    if fresh && exists {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await
        .unwrap();
    }
    if fresh || !exists {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
    }
    let pool = pool.connect(&format!("{server}/{name}")).await.unwrap();
    latchkey::db::MIGRATOR.run(&pool).await.unwrap();
    pool
}

/// `rows` resources over `accounts` accounts (ids 1000000000xx, names
/// `account-N`), kept when the database already holds exactly that many.
pub async fn fill_resources(pool: &sqlx::PgPool, rows: i64, accounts: i64) {
    use std::time::Instant;
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM resources")
        .fetch_one(pool)
        .await
        .unwrap();
    if have == rows {
        println!("reusing {have} rows");
        return;
    }
    let t = Instant::now();
    let mut conn = pool.acquire().await.unwrap();
    // The same rows as scripts/bench.sh fills (one SQL file for both).
    sqlx::query(
        "SELECT set_config('bench.rows', $1, false), set_config('bench.accounts', $2, false)",
    )
    .bind(rows.to_string())
    .bind(accounts.to_string())
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::raw_sql(include_str!("../../../scripts/fill_resources.sql"))
        .execute(&mut *conn)
        .await
        .unwrap();
    println!("filled {rows} rows in {:.1} s", t.elapsed().as_secs_f64());
}

/// A dev-mode config against `moto` with the bench user (group
/// `engineers`, eligible for `eng-*` roles) and, when given, one account
/// `bench` (also written to the accounts table by [`services`]).
pub fn config(moto: &str, account: Option<&str>) -> latchkey::config::Config {
    let mut t = dev_mode_toml(moto, "");
    t += &dev_user("bench@example.com", "Bench", &["engineers"]);
    t += &eligibility("engineers", &[ENG_ROLE_PATTERN]);
    if let Some(a) = account {
        t += &config_toml::account(a, "bench");
    }
    latchkey::config::Config::from_toml(&t, std::iter::empty()).unwrap()
}

/// Services on `pool` with [`config`]; the account (if any) is enabled.
pub async fn services(
    pool: sqlx::PgPool,
    moto: &str,
    account: Option<&str>,
) -> latchkey::services::Services {
    let cfg = config(moto, account);
    if let Some(a) = account {
        let mut conn = pool.acquire().await.unwrap();
        latchkey::db::accounts::upsert_from_config(&mut conn, &[(a.into(), "bench".into(), true)])
            .await
            .unwrap();
    }
    let aws = latchkey::aws::Aws::new(&cfg.aws).await;
    latchkey::services::Services::new(pool, aws, std::sync::Arc::new(cfg))
}

/// The router as `latchkey server` serves it, on a loopback port with
/// TCP_NODELAY (or a plain listener when `nagle`); its base URL.
pub async fn serve(s: latchkey::services::Services, nagle: bool) -> String {
    let opts = leptos_config::get_configuration(Some(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../Leptos.toml"
    )))
    .unwrap()
    .leptos_options;
    let app = latchkey::startup::router(s, opts)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        if nagle {
            axum::serve(listener, app).await.unwrap();
        } else {
            axum::serve(latchkey::startup::without_nagle(listener), app)
                .await
                .unwrap();
        }
    });
    url
}
