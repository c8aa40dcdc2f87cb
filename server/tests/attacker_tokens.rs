//! The attacker's suite, API tokens (issue #12 item 3): a token reaches only
//! its scope, lives only its lifetime, and loses what its owner lost.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use serde_json::{json, Value};
use sqlx::PgPool;

/// Status of `path` called with `token`: POSTs send `body` as JSON to the
/// Weep API (and `submit_request`), as a form to other server functions.
async fn with_token(base: &str, token: &str, post: bool, path: &str, body: Value) -> u16 {
    let c = reqwest::Client::new();
    let json = path.starts_with("/api/v") || path == "/api/submit_request";
    let req = if post && json {
        c.post(format!("{base}{path}")).json(&body)
    } else if post {
        let form: Vec<(String, String)> = body
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        c.post(format!("{base}{path}")).form(&form)
    } else {
        c.get(format!("{base}{path}"))
    };
    req.bearer_auth(token).fetch_status().await.as_u16()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn tokens_reach_only_their_scope_and_end_with_their_owners_access(pool: PgPool) {
    let (_, a, base) = served(&pool, &["eng-dev"]).await.into_parts();
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let eng = signed_in(&base, ENGINEER).await;
    let (_, creds_only) = new_token_scoped(&eng, &base, "laptop", "credentials").await;
    let (_, full) = new_token_scoped(&eng, &base, "scripts", "full").await;
    let creds = json!({ "requested_role": role });
    let ask = json!({"principal_arn": role, "justification": "Needed for the incident review",
        "changes": [{"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": "k", "value": "v"}]}}]});
    let mut cells = 0;
    let mut wrong = Vec::new();
    for (token, name, post, path, body, want) in [
        (
            &creds_only,
            "credentials",
            false,
            "/api/v1/get_roles",
            json!(null),
            200,
        ),
        (
            &creds_only,
            "credentials",
            false,
            "/api/v2/get_roles",
            json!(null),
            200,
        ),
        (
            &creds_only,
            "credentials",
            true,
            "/api/v1/get_credentials",
            creds.clone(),
            200,
        ),
        (
            &creds_only,
            "credentials",
            true,
            "/api/tokens",
            json!({}),
            403,
        ),
        (
            &creds_only,
            "credentials",
            true,
            "/api/create_token",
            json!({"name": "x"}),
            403,
        ),
        (
            &creds_only,
            "credentials",
            true,
            "/api/submit_request",
            ask.clone(),
            403,
        ),
        (
            &creds_only,
            "credentials",
            true,
            "/api/sign_out_everywhere",
            json!({}),
            403,
        ),
        (
            &creds_only,
            "credentials",
            false,
            "/resources.csv",
            json!(null),
            403,
        ),
        (
            &full,
            "full",
            true,
            "/api/v1/get_credentials",
            creds.clone(),
            200,
        ),
        (&full, "full", true, "/api/tokens", json!({}), 200),
        // A stolen token must not outlive its end by minting a successor.
        (
            &full,
            "full",
            true,
            "/api/create_token",
            json!({"name": "renewed"}),
            403,
        ),
        (
            &full,
            "full",
            true,
            "/cli/login",
            json!({"port": "9999", "state": "statestatestate16",
                   "challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}),
            403,
        ),
    ] {
        cells += 1;
        let got = with_token(&base, token, post, path, body).await;
        if got != want {
            wrong.push(format!("{name} token {path}: got {got}, want {want}"));
        }
    }
    assert_no_wrong_cells(&wrong, cells);
    let requests: i64 = scalar(&pool, "SELECT count(*) FROM requests").await;
    assert_eq!(requests, 0, "the credentials-only token asked for nothing");
    let minted: i64 = scalar(&pool, "SELECT (SELECT count(*) FROM api_tokens WHERE name = 'renewed') + (SELECT count(*) FROM cli_logins)").await;
    assert_eq!(minted, 0, "no token minted a successor");

    // Lifetimes are chosen within bounds; a bad one is refused, nothing stored.
    let tokens_before: i64 = scalar(&pool, "SELECT count(*) FROM api_tokens").await;
    for (days, scope, field) in [
        ("0", "credentials", "expires_in_days"),
        ("91", "credentials", "expires_in_days"),
        ("soon", "credentials", "expires_in_days"),
        ("7", "admin", "scope"),
    ] {
        let r = eng
            .post_form(
                format!("{base}/api/create_token"),
                &[("name", "bad"), ("expires_in_days", days), ("scope", scope)],
            )
            .await;
        assert_eq!(r.status(), 400, "{days} {scope}");
        assert!(
            r.text().await.unwrap().contains(field),
            "{days} {scope} names {field}"
        );
    }
    let tokens_after: i64 = scalar(&pool, "SELECT count(*) FROM api_tokens").await;
    assert_eq!(tokens_before, tokens_after);
    let default_days: f64 = scalar(&pool, "SELECT (extract(epoch FROM expires_at - created_at) / 86400)::float8 FROM api_tokens WHERE name = 'laptop'").await;
    assert!((default_days - 30.0).abs() < 0.01, "{default_days}");

    // An expired token is refused, even one this process has just used.
    assert_eq!(
        with_token(&base, &full, false, "/api/v1/get_roles", json!(null)).await,
        200
    );
    execute(
        &pool,
        "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'scripts'",
    )
    .await;
    assert_eq!(
        with_token(&base, &full, false, "/api/v1/get_roles", json!(null)).await,
        401
    );

    // Signing out everywhere revokes every token too.
    assert_eq!(
        with_token(&base, &creds_only, false, "/api/v1/get_roles", json!(null)).await,
        200
    );
    let r = eng
        .post_empty(format!("{base}/api/sign_out_everywhere"))
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    assert_eq!(
        with_token(&base, &creds_only, false, "/api/v1/get_roles", json!(null)).await,
        401
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_demoted_admins_old_token_loses_admin(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let base = spawn_http(s.clone()).await;
    let audit = |base: String, token: String| async move {
        with_token(&base, &token, true, "/api/audit", json!({})).await
    };
    // Demoted in config: a dev user whose groups config no longer makes admin.
    let (_, token) = new_token(&signed_in(&base, ADMIN).await, &base, "ops").await;
    assert_eq!(audit(base.clone(), token.clone()).await, 200);
    let mut cfg = config(&[&a]);
    for d in &mut cfg.auth.dev_users {
        if d.id == ADMIN {
            d.groups = vec!["engineers".into()];
        }
    }
    let s2 = latchkey::services::Services::new(pool.clone(), s.aws.clone(), cfg.into());
    let base2 = spawn_http(s2).await;
    assert_eq!(audit(base2.clone(), token.clone()).await, 403);

    // Demoted at the identity provider: the next sign-in's groups reach the token.
    let owner = latchkey::db::tokens::TokenOwner {
        user_id: "sso-admin@example.com".into(),
        display_name: "SSO Admin".into(),
        groups: vec!["admins".into()],
    };
    let spec = latchkey::services::tokens::TokenSpec {
        name: "ops",
        days: 30,
        scope: app::domain::token::TokenScope::Full,
        made_by: None,
    };
    let mut conn = pool.acquire().await.unwrap();
    let sso = latchkey::services::tokens::issue_token(
        &mut conn,
        &owner,
        &spec,
        "settings",
        &Default::default(),
    )
    .await
    .unwrap()
    .token;
    drop(conn);
    assert_eq!(audit(base.clone(), sso.clone()).await, 200);
    s.sessions()
        .start_session(
            "sso-admin@example.com",
            "SSO Admin",
            &["engineers".into()],
            "oidc",
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit(base.clone(), sso.clone()).await, 403);
}

/// Offboarding: someone who never signs in again keeps nothing. An admin
/// revokes every session and token of theirs at once; nobody else may.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_admin_revokes_an_offboarded_users_sessions_and_tokens(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let (_, token) = new_token_scoped(&eng, &base, "laptop", "credentials").await;
    let other = signed_in(&base, OTHER_ENGINEER).await;
    let revoke = |c: &reqwest::Client| {
        let url = format!("{base}/api/revoke_user_access");
        c.post(url).form(&[("user_id", ENGINEER)]).fetch()
    };
    // Another engineer may not, and neither may a full-API token of theirs.
    assert_eq!(revoke(&other).await.status(), 403);
    let (_, full) = new_token_scoped(&other, &base, "scripts", "full").await;
    let by_token = revoke(&token_client(&full)).await;
    assert_eq!(by_token.status(), 403);
    assert_eq!(
        with_token(&base, &token, false, "/api/v2/get_roles", json!(null)).await,
        200
    );
    let admin = signed_in(&base, ADMIN).await;
    // Bad input is a 400 naming the field, and revokes nothing.
    let long = "u".repeat(300);
    for bad in ["", "   ", long.as_str()] {
        let r = admin
            .post_form(
                format!("{base}/api/revoke_user_access"),
                &[("user_id", bad)],
            )
            .await;
        assert_eq!(r.status(), 400, "{bad:?}");
        assert!(r.text().await.unwrap().contains("user_id"));
    }
    let r = revoke(&admin).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["sessions_ended"].clone(), v["tokens_revoked"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        with_token(&base, &token, false, "/api/v2/get_roles", json!(null)).await,
        401
    );
    let me = eng.post_empty(format!("{base}/api/me")).await;
    assert_eq!(me.status(), 401, "the browser session ended too");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'access.revoke' AND actor = $1 AND target = $2",
    )
    .bind(ADMIN)
    .bind(ENGINEER)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}
