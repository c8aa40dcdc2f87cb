//! `latchkey doctor`: a config checked against the world before (or while)
//! it serves. The database is reachable and migrated, the hub has AWS
//! credentials, every account's spoke role can be assumed and holds each
//! permission Latchkey uses (asked by harmless calls: reads, and writes
//! aimed at names that do not exist, which AWS authorizes before it looks
//! them up), the OIDC provider's discovery answers, and the console
//! federation URL is well-formed. One line per check, with the fix.
mod check;
mod probes;

use crate::config::Config;
pub use check::{Check, Report, Status};
use std::time::Duration;

/// Runs every check, printing each line as it is known.
pub async fn run(config: &Config) -> Report {
    let mut report = Report::default();
    let pool = database(config, &mut report).await;
    let accounts = accounts(config, pool.as_ref()).await;
    probes::aws(config, &accounts, &mut report).await;
    oidc(config, &mut report).await;
    federation_url(config, &mut report);
    let failed = report.failed();
    println!(
        "{} checks, {} failed, {} warnings",
        report.checks.len(),
        failed,
        report
            .checks
            .iter()
            .filter(|c| c.status == Status::Warn)
            .count()
    );
    report
}

/// Reachable, and every migration this binary knows applied (none unknown).
async fn database(config: &Config, report: &mut Report) -> Option<sqlx::PgPool> {
    let url = crate::config::redact_url_password(&config.database.url);
    let connect = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&config.database.url);
    let pool = match tokio::time::timeout(Duration::from_secs(10), connect).await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            report.push(Check::fail(
                "database",
                format!("cannot connect to {url}: {e}"),
                "set database.url (or DATABASE_URL) to a reachable PostgreSQL and check its credentials",
            ));
            return None;
        }
        Err(_) => {
            report.push(Check::fail(
                "database",
                format!("no answer from {url} within 10 s"),
                "check the host, port and firewall in database.url",
            ));
            return None;
        }
    };
    let version: Result<String, _> = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&pool)
        .await;
    report.push(Check::ok(
        "database",
        format!(
            "reachable at {url} (PostgreSQL {})",
            version.unwrap_or_else(|_| "?".into())
        ),
    ));
    let applied: Result<Vec<i64>, _> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&pool)
            .await;
    let applied = applied.unwrap_or_default();
    let known: Vec<i64> = crate::db::MIGRATOR.iter().map(|m| m.version).collect();
    let pending: Vec<i64> = known
        .iter()
        .filter(|v| !applied.contains(v))
        .copied()
        .collect();
    let unknown = applied.iter().filter(|v| !known.contains(v)).count();
    if !pending.is_empty() {
        report.push(Check::fail(
            "migrations",
            format!(
                "{} of {} not applied (first: {})",
                pending.len(),
                known.len(),
                pending[0]
            ),
            "run `latchkey migrate` (the server also applies them at start-up)",
        ));
    } else if unknown > 0 {
        report.push(Check::warn(
            "migrations",
            format!("the database has {unknown} migration(s) this binary does not know"),
            "a newer Latchkey migrated this database: run that version",
        ));
    } else {
        report.push(Check::ok(
            "migrations",
            format!("all {} applied", known.len()),
        ));
    }
    Some(pool)
}

/// The accounts to check: configured ones, organizations' management
/// accounts, and (when the database answers) the enabled ones it lists.
async fn accounts(config: &Config, pool: Option<&sqlx::PgPool>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |id: &str, name: &str| {
        if !out.iter().any(|(a, _)| a == id) {
            out.push((id.to_owned(), name.to_owned()));
        }
    };
    for a in config.accounts.iter().filter(|a| a.enabled) {
        add(a.id.as_str(), &a.name);
    }
    for o in &config.organizations {
        add(o.management_account_id.as_str(), "organization management");
    }
    if let Some(pool) = pool {
        if let Ok(mut conn) = pool.acquire().await {
            if let Ok(rows) = crate::db::accounts::list_enabled(&mut conn).await {
                for r in rows {
                    add(&r.account_id, &r.name);
                }
            }
        }
    }
    out
}

/// The provider's discovery document answers, names the configured issuer
/// and carries its keys.
async fn oidc(config: &Config, report: &mut Report) {
    let Some(oidc) = &config.auth.oidc else {
        return;
    };
    let name = "oidc discovery";
    match crate::auth::oidc::Oidc::new(oidc.clone()).check_discovery().await {
        Ok(detail) => report.push(Check::ok(name, detail)),
        Err(e) => report.push(Check::fail(
            name,
            format!("{}: {e}", oidc.issuer_url),
            "set auth.oidc.issuer_url to the provider's issuer exactly as its \
             /.well-known/openid-configuration says it (scheme, host, path, no trailing slash unless it has one)",
        )),
    }
}

/// The console federation endpoint: a URL the browser can be sent to.
fn federation_url(config: &Config, report: &mut Report) {
    let name = "console federation url";
    let fix = "set console.federation_url to https://signin.aws.amazon.com/federation \
               (or leave it unset for the partition's own)";
    let Some(url) = &config.console.federation_url else {
        report.push(Check::ok(name, "the partition's own sign-in endpoint"));
        return;
    };
    let text = url.to_string();
    let check = match reqwest::Url::parse(&text) {
        Err(e) => Check::fail(name, format!("{text:?} is not a URL: {e}"), fix),
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() => Check::ok(name, text),
        Ok(u)
            if u.scheme() == "http"
                && u.host_str().is_some_and(|h| {
                    h == "localhost"
                        || h.parse::<std::net::IpAddr>()
                            .is_ok_and(|ip| ip.is_loopback())
                }) =>
        {
            Check::warn(
                name,
                format!("{text} is plain HTTP on this machine (a dev stand-in, not AWS)"),
                fix,
            )
        }
        Ok(_) => Check::fail(
            name,
            format!("{text}: browsers would carry the sign-in token over plain HTTP"),
            fix,
        ),
    };
    report.push(check);
}
