//! The happy path: a sign-in through the provider, and a second one that
//! replaces the first session in the same browser.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn signing_in_through_the_provider_starts_a_session_with_its_groups(pool: PgPool) {
    let (base, _p, account) = setup(pool.clone(), &[]).await;
    let page = reqwest::Client::new()
        .get_text(format!("{base}/login"))
        .await;
    assert!(page.contains("Sign in with Test IdP"));

    let c = browser_of(&base);
    let auth = start_login(&c, &base, "/me").await;
    assert_eq!(query_param(&auth, "code_challenge_method"), "S256");
    let cb = sign_in_at_provider(&c, &auth, "erin@example.com", &base).await;
    let r = c.get(&cb).header("user-agent", "oidc-test").fetch().await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/me",
        "back to the page that asked"
    );
    let cookies: Vec<&str> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("latchkey_session=")
        && c.contains("HttpOnly")
        && c.contains("SameSite=Lax")));

    let (status, m) = me(&c, &base).await;
    assert_eq!(status, 200);
    assert_eq!(m["user"]["id"], "erin@example.com");
    assert_eq!(m["user"]["display_name"], "Erin Engineer");
    assert_eq!(
        m["user"]["groups"],
        serde_json::json!(["engineers", "team-a-leads"])
    );
    assert_eq!(m["user"]["is_admin"], false);
    assert_eq!(m["approver_accounts"][0]["account_id"], account.as_str());

    let (ip, ua, method): (Option<String>, Option<String>, Option<String>) = row(
        &pool,
        "SELECT ip, user_agent, detail->>'method' FROM audit_events WHERE action = 'signin' AND actor = 'erin@example.com'",
    )
    .await;
    assert_eq!(
        (ip.as_deref(), ua.as_deref(), method.as_deref()),
        (Some("127.0.0.1"), Some("oidc-test"), Some("oidc"))
    );

    // An admin by group; signing in again in a browser that holds Erin's
    // Latchkey session ends that session (rotation). A fresh cookie jar, so
    // the provider does not reuse its own session for Erin.
    let session = cookies
        .iter()
        .find(|c| c.starts_with("latchkey_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(&session, &base.parse().unwrap());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let c = reqwest::Client::builder()
        .default_headers(headers)
        .cookie_provider(jar)
        .redirect(Policy::none())
        .build()
        .unwrap();
    assert_eq!(me(&c, &base).await.1["user"]["id"], "erin@example.com");
    let auth = start_login(&c, &base, "/").await;
    let cb = sign_in_at_provider(&c, &auth, "ada@example.com", &base).await;
    assert_eq!(c.get_status(&cb).await, 303);
    let (_, m) = me(&c, &base).await;
    assert_eq!(m["user"]["id"], "ada@example.com");
    assert_eq!(m["user"]["is_admin"], true);
    let live: i64 = scalar(&pool, "SELECT count(*) FROM sessions").await;
    assert_eq!(live, 1, "the first session ended at the second sign-in");
}
