//! Every way a callback must fail: bad state, provider errors, replays,
//! another browser, and ID tokens with the wrong nonce, age, key or audience.
use super::*;

/// Erin, in a browser of her own, signed in at the provider (run with
/// `provider_env`) from `tamper`'s version of the authorize URL Latchkey
/// sent her to: (base URL, the provider, her browser, the callback URL the
/// provider sends her back to).
async fn back_from_provider(
    pool: PgPool,
    provider_env: &[(&str, &str)],
    tamper: impl FnOnce(&str) -> String,
) -> (String, Provider, reqwest::Client, String) {
    let (base, provider, _) = setup(pool, provider_env).await;
    let c = browser_of(&base);
    let auth = tamper(&start_login(&c, &base, "/").await);
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    (base, provider, c, cb)
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_callback_with_a_bad_state_or_a_provider_error_starts_no_session(pool: PgPool) {
    let (base, _p, c, cb) = back_from_provider(pool, &[], str::to_owned).await;
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
    let (base, _p, c, cb) = back_from_provider(pool, &[], str::to_owned).await;
    assert_eq!(c.get_status(&cb).await, 303);

    // The same callback again: its state was consumed.
    let other = browser_of(&base);
    assert_eq!(callback(&other, &cb).await, (400, "bad_state".into()));
    // The same code under a fresh, valid state: the provider refuses it.
    let auth2 = start_login(&other, &base, "/").await;
    let replay = with_param(&cb, "state", &query_param(&auth2, "state"));
    assert_eq!(
        callback(&other, &replay).await,
        (401, "code_rejected".into())
    );
    assert_eq!(me(&other, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_callback_in_another_browser_is_refused(pool: PgPool) {
    let (base, _p, _attacker, cb) = back_from_provider(pool, &[], str::to_owned).await;
    let victim = browser_of(&base);
    assert_eq!(
        callback(&victim, &cb).await,
        (400, "state_not_this_browser".into())
    );
    assert_eq!(me(&victim, &base).await.0, 401);
}

/// Erin signs in at a provider run with `provider_env`, sign-in started at
/// `tamper`'s version of the authorize URL: the callback is refused with 401
/// and `error`, and no session starts.
async fn id_token_refused(
    pool: PgPool,
    provider_env: &[(&str, &str)],
    tamper: impl FnOnce(&str) -> String,
    error: &str,
) {
    let (base, _p, c, cb) = back_from_provider(pool, provider_env, tamper).await;
    assert_eq!(callback(&c, &cb).await, (401, error.into()));
    assert_eq!(me(&c, &base).await.0, 401);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_with_another_nonce_is_refused(pool: PgPool) {
    let tamper = |auth: &str| with_param(auth, "nonce", "not-the-nonce-latchkey-sent");
    id_token_refused(pool, &[], tamper, "wrong_nonce").await;
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_expired_id_token_is_refused(pool: PgPool) {
    // The provider's clock runs two hours behind: its tokens arrive expired.
    let env = [("CLOCK_OFFSET_SECS", "-7200")];
    id_token_refused(pool, &env, str::to_owned, "token_expired").await;
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_signed_by_another_key_is_refused(pool: PgPool) {
    // The provider publishes a different key under its signing key's id.
    id_token_refused(pool, &[("FORGE_JWKS", "1")], str::to_owned, "bad_signature").await;
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_id_token_for_another_audience_is_refused(pool: PgPool) {
    let env = [("ID_TOKEN_AUDIENCE", "some-other-app")];
    id_token_refused(pool, &env, str::to_owned, "wrong_audience").await;
}
