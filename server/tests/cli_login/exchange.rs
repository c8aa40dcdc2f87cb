//! The code exchange: once only, the right verifier only, before it expires.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_code_is_exchanged_for_a_token_only_once(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let code = authorize(&eng, &base).await;
    let body = json!({ "code": code, "verifier": VERIFIER, "name": "CLI on test" });
    let (status, v) = exchange(&base, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let token = v["token"].as_str().unwrap();
    assert!(token.starts_with("lk_"));
    let roles = reqwest::Client::new()
        .get(format!("{base}/api/v1/get_roles"))
        .bearer_auth(token)
        .fetch()
        .await;
    assert_eq!(roles.status(), StatusCode::OK);

    let (status, v) = exchange(&base, body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["field"], "code");
    assert!(
        v["message"].as_str().unwrap().contains("already used"),
        "{v}"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM api_tokens").await, 1);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_wrong_verifier_is_refused_and_changes_nothing(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let code = authorize(&eng, &base).await;
    let wrong = "x".repeat(43);
    let (status, v) = exchange(&base, json!({ "code": code, "verifier": wrong })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["field"], "verifier");
    assert_eq!(
        v["message"],
        "verifier: does not match the challenge the code was issued for"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM api_tokens").await, 0);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM cli_logins WHERE used_at IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM audit_events WHERE action = 'token.create'"
        )
        .await,
        0
    );
    // The refusal spent nothing: the CLI holding the real verifier still gets in.
    let (status, _) = exchange(&base, json!({ "code": code, "verifier": VERIFIER })).await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_expired_code_is_refused(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let code = authorize(&eng, &base).await;
    let expires: i64 = count(
        &pool,
        "SELECT extract(epoch FROM expires_at - created_at)::bigint FROM cli_logins",
    )
    .await;
    assert_eq!(expires, 300, "codes live 5 minutes");
    execute(
        &pool,
        "UPDATE cli_logins SET expires_at = now() - interval '1 second'",
    )
    .await;
    let (status, v) = exchange(&base, json!({ "code": code, "verifier": VERIFIER })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["field"], "code");
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
    assert_eq!(count(&pool, "SELECT count(*) FROM api_tokens").await, 0);
}
