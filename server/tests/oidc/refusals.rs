//! Every way a callback must fail: bad state, provider errors, replays,
//! another browser, and ID tokens with the wrong nonce, age, key or audience.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_callback_with_a_bad_state_or_a_provider_error_starts_no_session(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(
        callback(&c, &with_param(&cb, "state", "forged-state")).await,
        (400, "bad_state".into())
    );
    assert_eq!(
        callback(&c, &format!("{base}/auth/oidc/callback?state=x")).await,
        (400, "missing_parameter".into())
    );
    assert_eq!(
        callback(
            &c,
            &format!("{base}/auth/oidc/callback?error=access_denied&state=x")
        )
        .await,
        (400, "provider_error".into())
    );
    assert_eq!(me(&c, &base).await.0, 401);

    let html = c
        .get(with_param(&cb, "state", "forged-state"))
        .header("accept", "text/html")
        .fetch()
        .await;
    assert_eq!(html.status(), 400);
    assert!(html.text().await.unwrap().contains("Sign-in failed"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_replayed_callback_or_code_is_refused(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(c.get_status(&cb).await, 303);

    // The same callback again: its state was consumed.
    let other = browser_of(&base);
    assert_eq!(callback(&other, &cb).await, (400, "bad_state".into()));
    // The same code under a fresh, valid state: the provider refuses it.
    let auth2 = start_login(&other, &base, "/").await;
    let replay = with_param(&cb, "state", &param(&auth2, "state"));
    assert_eq!(
        callback(&other, &replay).await,
        (401, "code_rejected".into())
    );
    assert_eq!(me(&other, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_callback_in_another_browser_is_refused(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[]).await;
    let victim = browser_of(&base);
    let attacker = browser_of(&base);
    let auth = start_login(&attacker, &base, "/").await;
    let cb = sign_in_at_provider(&attacker, &auth, "erin@example.com", &base).await;
    assert_eq!(
        callback(&victim, &cb).await,
        (400, "state_not_this_browser".into())
    );
    assert_eq!(me(&victim, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_with_another_nonce_is_refused(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let tampered = with_param(&auth, "nonce", "not-the-nonce-latchkey-sent");
    let cb = sign_in_at_provider(&c, &tampered, "erin@example.com", &base).await;
    assert_eq!(callback(&c, &cb).await, (401, "wrong_nonce".into()));
    assert_eq!(me(&c, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_expired_id_token_is_refused(pool: PgPool) {
    // The provider's clock runs two hours behind: its tokens arrive expired.
    let (base, _p, _) = setup(pool, &[("CLOCK_OFFSET_SECS", "-7200")]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(callback(&c, &cb).await, (401, "token_expired".into()));
    assert_eq!(me(&c, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_signed_by_another_key_is_refused(pool: PgPool) {
    // The provider publishes a different key under its signing key's id.
    let (base, _p, _) = setup(pool, &[("FORGE_JWKS", "1")]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(callback(&c, &cb).await, (401, "bad_signature".into()));
    assert_eq!(me(&c, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_for_another_audience_is_refused(pool: PgPool) {
    let (base, _p, _) = setup(pool, &[("ID_TOKEN_AUDIENCE", "some-other-app")]).await;
    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    assert_eq!(callback(&c, &cb).await, (401, "wrong_audience".into()));
    assert_eq!(me(&c, &base).await.0, 401);
}
