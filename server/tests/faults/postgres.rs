//! Postgres restarted under a running server (a throwaway cluster of the
//! test's own, never the machine's): the server answers again without being
//! restarted, what was submitted before and after is all stored, and its
//! change listeners are back, so a change made elsewhere takes effect here;
//! and a replica that alone loses Postgres stops answering from memory at
//! once, since what it remembers may have changed unheard.
use super::*;

/// The status of `GET /api/v1/get_roles` with `token`.
async fn roles_status(base: &str, token: &str) -> u16 {
    let url = format!("{base}/api/v1/get_roles");
    token_client(token).get_status(url).await.as_u16()
}

/// The status of get_credentials for `acct0/eng-dev` with `token`.
async fn credentials_status(base: &str, token: &str) -> u16 {
    let r = credentials(&token_client(token), base, "acct0/eng-dev").await;
    r.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_rides_out_a_postgres_restart_and_hears_changes_made_after_it() {
    let pg = PgCluster::start().await;
    let url = pg.url("postgres");
    // The pool the server makes for itself, on the throwaway cluster.
    let pool = latchkey::db::connect(&url, 5).await.unwrap();
    latchkey::db::MIGRATOR.run(&pool).await.unwrap();
    let w = served(&pool, &["eng-dev"]).await;
    start_listening(&w.s).await;
    let eng = w.signed_in(ENGINEER).await;
    let before = w.asked_to_tag("eng-dev", "asked", "before").await;
    let (_, token) = new_token(&eng, &w.base, "laptop").await;
    assert_eq!(credentials_status(&w.base, &token).await, 200);

    pg.stop().await;
    pg.start_again().await;

    // The same server (not restarted) answers again: the readiness probe,
    // the engineer's session and their token.
    until("the server answering after the restart", || async {
        reqwest::Client::new()
            .get_status(format!("{}/readyz", w.base))
            .await
            == 200
    })
    .await;
    let after = w.asked_to_tag("eng-dev", "asked", "after").await;
    assert_eq!(roles_status(&w.base, &token).await, 200);
    let mut asked: Vec<String> = scalars(&pool, "SELECT id::text FROM requests").await;
    asked.sort();
    let mut want = vec![before.clone(), after.clone()];
    want.sort();
    assert_eq!(asked, want, "both requests are stored");
    for id in [&before, &after] {
        assert_eq!(request_status(&pool, id).await, "pending");
        assert_eq!(change_status(&pool, id).await, "pending");
    }

    // Its listeners are subscribed again, so changes made behind its back
    // (another replica, psql) reach it: an account disabled there ...
    until("the change listeners coming back", || async {
        w.s.listening()
    })
    .await;
    assert_eq!(credentials_status(&w.base, &token).await, 200);
    let disable = "UPDATE accounts SET enabled = false WHERE account_id = $1";
    sqlx::query(disable)
        .bind(&w.account)
        .execute(&pool)
        .await
        .unwrap();
    let status = || credentials_status(&w.base, &token);
    assert_eq!(
        eventually(status, 403).await,
        403,
        "the disabled account was not heard"
    );
    let enable = "UPDATE accounts SET enabled = true WHERE account_id = $1";
    sqlx::query(enable)
        .bind(&w.account)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        eventually(status, 200).await,
        200,
        "the enabled account was not heard"
    );
    // ... and a token revoked there, although this process answers tokens
    // from memory (with the notification off, the revoked token still works).
    let revoke = "UPDATE api_tokens SET revoked_at = now()";
    let status = || roles_status(&w.base, &token);
    let unheard = "the revocation after the restart was not heard";
    ended_elsewhere(&pool, "api_tokens", (revoke, revoke), status, unheard).await;
}

/// The same, seen from one replica alone: its connections to Postgres drop
/// (a network blip, a pooler or a failover) while the others still write.
/// What it remembers may be out of date from that moment, so it stops
/// answering from memory at once rather than when it reconnects.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_replica_cut_off_from_postgres_never_honours_a_token_revoked_meanwhile(pool: PgPool) {
    let opts = pool.connect_options();
    let relay = Outage::start(&format!("{}:{}", opts.get_host(), opts.get_port())).await;
    let via_relay = (*opts).clone().host("127.0.0.1").port(relay.port());
    // A short wait for a connection, so a request fails fast while cut off.
    let cut_off = sqlx::postgres::PgPoolOptions::new()
        .max_connections(5)
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_with(via_relay)
        .await
        .unwrap();
    let w = served(&cut_off, &["eng-dev"]).await;
    start_listening(&w.s).await;
    let eng = w.signed_in(ENGINEER).await;
    let (_, token) = new_token(&eng, &w.base, "laptop").await;
    assert_eq!(roles_status(&w.base, &token).await, 200, "remembered now");

    relay.cut();
    let ready = reqwest::Client::new()
        .get_status(format!("{}/readyz", w.base))
        .await;
    assert_eq!(ready, 503, "it says it cannot reach Postgres");
    // Another replica, which still reaches Postgres, revokes the token; the
    // notification cannot reach this one.
    execute(&pool, "UPDATE api_tokens SET revoked_at = now()").await;
    let status = roles_status(&w.base, &token).await;
    assert_ne!(status, 200, "a revoked token was honoured from memory");

    // Back in touch, the revocation holds here too.
    relay.restore();
    let status = || roles_status(&w.base, &token);
    assert_eq!(eventually(status, 401).await, 401);
}
