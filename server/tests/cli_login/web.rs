//! The browser side: anonymous users sign in first and come back, cross-origin posts are refused, bad requests name their field.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn anonymous_users_are_sent_to_sign_in_and_come_back(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let challenge = challenge_for(VERIFIER);
    let path = format!("/cli/login?port=4242&state={STATE}&challenge={challenge}");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    let r = anon.get(format!("{base}{path}")).fetch().await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/login?next={}", urlencoding::encode(&path)));
    // Posting the form without a session issues nothing.
    let r = anon
        .post_form(
            format!("{base}/cli/login"),
            &[
                ("port", "4242"),
                ("state", STATE),
                ("challenge", &challenge),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login?next="));
    assert_eq!(count(&pool, "SELECT count(*) FROM cli_logins").await, 0);

    // The sign-in page carries `next` to the dev sign-in, which comes back.
    let login_page = anon.get(format!("{base}{to}")).fetch().await;
    let html = login_page.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "name=\"next\" value=\"{}\"",
            path.replace('&', "&amp;")
        )),
        "{html}"
    );
    let r = anon
        .post_form(
            format!("{base}/api/dev_sign_in"),
            &[("user_id", ENGINEER), ("next", &path)],
        )
        .await;
    assert_eq!(r.headers()[header::LOCATION].to_str().unwrap(), path);
    let r = anon.get(format!("{base}{path}")).fetch().await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Erin Engineer"));

    // A `next` off this site is not followed.
    let r = anon
        .post_form(
            format!("{base}/api/dev_sign_in"),
            &[("user_id", ENGINEER), ("next", "//evil.example/x")],
        )
        .await;
    assert_eq!(r.headers()[header::LOCATION].to_str().unwrap(), "/");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_cross_origin_authorize_post_is_refused(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let challenge = challenge_for(VERIFIER);
    let form = [
        ("port", "4242"),
        ("state", STATE),
        ("challenge", &challenge),
    ];
    let r = eng
        .post(format!("{base}/cli/login"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&form)
        .fetch()
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(header::LOCATION).is_none());
    assert_eq!(count(&pool, "SELECT count(*) FROM cli_logins").await, 0);
    // The page itself posts from its own origin.
    let r = eng
        .post(format!("{base}/cli/login"))
        .header(header::ORIGIN, &base)
        .form(&form)
        .fetch()
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn ports_that_are_not_1_to_65535_are_refused_naming_port(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    let challenge = challenge_for(VERIFIER);
    for port in ["abc", "0", "65536", "-1", "", "4242@evil.example"] {
        let r = eng
            .get(format!("{base}/cli/login"))
            .query(&[("port", port), ("state", STATE), ("challenge", &challenge)])
            .fetch()
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{port}");
        let html = r.text().await.unwrap();
        assert!(html.contains("data-field=\"port\""), "{port}: {html}");
        assert!(
            html.contains("port: must be a number from 1 to 65535"),
            "{html}"
        );
        let r = eng
            .post_form(
                format!("{base}/cli/login"),
                &[("port", port), ("state", STATE), ("challenge", &challenge)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{port}");
    }
    let r = eng
        .get(format!(
            "{base}/cli/login?state={STATE}&challenge={challenge}"
        ))
        .fetch()
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(count(&pool, "SELECT count(*) FROM cli_logins").await, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn bad_token_requests_name_the_field_and_rule(pool: PgPool) {
    let base = spawn_http(services(pool.clone(), config(&[])).await).await;
    let code = "c".repeat(43);
    let cases = [
        (
            json!({}),
            StatusCode::BAD_REQUEST,
            "code",
            "code: is required",
        ),
        (
            json!({ "code": "short", "verifier": VERIFIER }),
            StatusCode::BAD_REQUEST,
            "code",
            "code: must be 43 characters",
        ),
        (
            json!({ "code": code, "verifier": "short" }),
            StatusCode::BAD_REQUEST,
            "verifier",
            "verifier: must be 43-128 characters",
        ),
        (
            json!({ "code": code, "verifier": VERIFIER, "name": "n".repeat(65) }),
            StatusCode::BAD_REQUEST,
            "name",
            "name: must be 1-64 characters",
        ),
        (
            json!({ "code": code, "verifier": VERIFIER }),
            StatusCode::UNAUTHORIZED,
            "code",
            "code: unknown",
        ),
    ];
    for (body, status, field, message) in cases {
        let (s, v) = exchange(&base, body.clone()).await;
        assert_eq!(s, status, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
        assert!(
            v["message"].as_str().unwrap().starts_with(message),
            "{body}: {v}"
        );
    }
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/cli/token"))
        .body("not json")
        .fetch()
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["field"], "body");
    assert_eq!(count(&pool, "SELECT count(*) FROM api_tokens").await, 0);
}
