//! `latchkey login` run as a real process against the server: the browser step saves a working token; cancelling stops the CLI.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn latchkey_login_through_the_browser_saves_a_working_token(pool: PgPool) {
    let (_, a, base) = served(&pool, &["eng-dev"]).await.into_parts();
    let home = temp_home();
    let login = LoginProcess::start(&base, &home).await;
    let port = query_param(&login.url, "port");

    // The browser: the authorize page, then its form, then the CLI's loopback.
    let browser = signed_in_without_redirects(&base, ENGINEER).await;
    let page = browser.get(&login.url).fetch().await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(
            "Authorize the Latchkey CLI on this computer as <strong>Erin Engineer</strong>"
        ),
        "{html}"
    );
    assert!(html.contains(&format!("127.0.0.1:{port}")));
    let form: Vec<(&str, String)> = ["port", "state", "challenge"]
        .into_iter()
        .map(|f| (f, hidden(&html, f)))
        .collect();
    let r = browser.post_form(format!("{base}/cli/login"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let callback = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&format!("http://127.0.0.1:{port}/callback?code=")),
        "{callback}"
    );
    assert_eq!(
        query_param(&callback, "state"),
        query_param(&login.url, "state")
    );
    let tab = reqwest::get(&callback).await.unwrap();
    assert_eq!(tab.status(), StatusCode::OK);
    assert!(tab.text().await.unwrap().contains("You can close this tab"));

    let (ok, out, err) = login.finish().await;
    assert!(ok, "stdout: {out}\nstderr: {err}");
    assert!(out.contains(&format!("logged in to {base}")), "{out}");
    let saved = home.join("latchkey").join("cli.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let h = home.clone();
    let roles = stdout(
        &tokio::task::spawn_blocking(move || cli(&h, &["roles"]))
            .await
            .unwrap(),
    );
    assert!(
        roles.contains(&format!("acct0/eng-dev\tarn:aws:iam::{a}:role/eng-dev")),
        "{roles}"
    );

    // Only the code's hash was stored, and it is spent.
    let code = query_param(&callback, "code");
    let stored: Vec<(String, bool)> = rows(
        &pool,
        "SELECT code_hash, used_at IS NOT NULL FROM cli_logins",
    )
    .await;
    assert_eq!(stored, vec![(hash_token(&code), true)]);
    let (name, via, actor): (String, String, String) = row(
        &pool,
        "SELECT t.name, e.detail->>'via', e.actor FROM api_tokens t
         JOIN audit_events e ON e.action = 'token.create' AND e.target = t.id::text",
    )
    .await;
    assert!(name.starts_with("CLI on "), "{name}");
    assert_eq!((via.as_str(), actor.as_str()), ("cli-login", ENGINEER));
    // Issuing the one-time code is audited too, with where the browser was.
    let (actor, ip): (String, Option<String>) = row(&pool, "SELECT actor, ip FROM audit_events WHERE action = 'cli.code_issue' AND outcome = 'success'").await;
    assert_eq!(
        (actor.as_str(), ip.as_deref()),
        (ENGINEER, Some("127.0.0.1"))
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn cancelling_in_the_browser_stops_the_cli_and_stray_callbacks_are_ignored(pool: PgPool) {
    let s = services(pool.clone(), config(&[])).await;
    let base = spawn_http(s).await;
    let home = temp_home();
    let login = LoginProcess::start(&base, &home).await;
    let port = query_param(&login.url, "port");

    // A callback with another state is answered and ignored.
    let stray = reqwest::get(format!(
        "http://127.0.0.1:{port}/callback?code=x&state=someone-else"
    ))
    .await
    .unwrap();
    assert_eq!(stray.status(), StatusCode::BAD_REQUEST);

    let browser = signed_in_without_redirects(&base, ENGINEER).await;
    let html = browser.get_text(&login.url).await;
    let cancel = hidden_href(&html, "cancel-cli");
    assert!(cancel.starts_with(&format!(
        "http://127.0.0.1:{port}/callback?error=access_denied"
    )));
    reqwest::get(&cancel).await.unwrap();

    let (ok, _, err) = login.finish().await;
    assert!(!ok);
    assert!(err.contains("not authorized in the browser"), "{err}");
    assert!(!home.join("latchkey").join("cli.json").exists());
    let _ = std::fs::remove_dir_all(&home);
}
