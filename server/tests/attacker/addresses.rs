//! The client's address: what the audit trail records and per-address
//! limits count. A caller cannot choose it with `X-Forwarded-For`; only a
//! configured proxy (`server.trusted_proxies`) is believed, and one address
//! cannot use up Weep sign-in for everyone.
use super::*;

const BEHIND_PROXY: &str = "\n[server]\ntrusted_proxies = [\"127.0.0.1/32\"]\n";

async fn serve(pool: &PgPool, extra: &str) -> String {
    let a = unique_account();
    let s = services(pool.clone(), config_with(&[&a], extra)).await;
    spawn_http(s).await
}

/// Asks for a Weep challenge as if forwarded for `xff`: the status.
async fn challenge(base: &str, xff: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .get(format!("{base}/noauth/v1/challenge_generator/{ENGINEER}"))
        .header("x-forwarded-for", xff)
        .fetch()
        .await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn sign_in_from(base: &str, xff: &str) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/dev_sign_in"))
        .header(reqwest::header::ORIGIN, base)
        .header("x-forwarded-for", xff)
        .form(&[("user_id", OTHER_ENGINEER)])
        .fetch()
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
}

async fn recorded_addresses(pool: &PgPool) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let challenges: Vec<(Option<String>,)> =
        rows(pool, "SELECT ip FROM weep_challenges ORDER BY created_at").await;
    let sign_ins: Vec<(Option<String>,)> = rows(
        pool,
        "SELECT ip FROM audit_events WHERE action = 'signin' ORDER BY id",
    )
    .await;
    (
        challenges.into_iter().map(|r| r.0).collect(),
        sign_ins.into_iter().map(|r| r.0).collect(),
    )
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_caller_cannot_choose_the_address_that_is_recorded(pool: PgPool) {
    let base = serve(&pool, "").await;
    assert_eq!(challenge(&base, "198.51.100.66").await.0, 200);
    sign_in_from(&base, "198.51.100.66").await;
    let local = Some("127.0.0.1".to_owned());
    assert_eq!(
        recorded_addresses(&pool).await,
        (vec![local.clone()], vec![local]),
        "no proxy is trusted: the socket's peer is the client"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn behind_a_trusted_proxy_the_forwarded_client_is_recorded(pool: PgPool) {
    let base = serve(&pool, BEHIND_PROXY).await;
    // The left-most entry is the client's own word: not believed.
    assert_eq!(challenge(&base, "10.6.6.6, 198.51.100.7").await.0, 200);
    sign_in_from(&base, "10.6.6.6, 198.51.100.7").await;
    let client = Some("198.51.100.7".to_owned());
    assert_eq!(
        recorded_addresses(&pool).await,
        (vec![client.clone()], vec![client])
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn one_address_cannot_lock_everyone_out_of_weep_sign_in(pool: PgPool) {
    let base = serve(&pool, BEHIND_PROXY).await;
    let max = latchkey::services::weep_login::MAX_LIVE_PER_ADDRESS;
    for _ in 0..max {
        assert_eq!(challenge(&base, "198.51.100.7").await.0, 200);
    }
    let (status, body) = challenge(&base, "198.51.100.7").await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("from your address"), "{body}");
    // Everyone else still signs in.
    assert_eq!(challenge(&base, "203.0.113.20").await.0, 200);
    let live: i64 = scalar(&pool, "SELECT count(*) FROM weep_challenges").await;
    assert_eq!(live, max + 1, "the refused ask stored nothing");
}
