//! Postgres restarted under a running server (a throwaway cluster of the
//! test's own, never the machine's): the server answers again without being
//! restarted, what was submitted before and after is all stored, and its
//! change listeners are back, so a change made elsewhere takes effect here.
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

