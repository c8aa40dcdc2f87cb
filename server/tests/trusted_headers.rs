//! Trusted-header mode: identity from a proxy is believed only from the
//! configured proxy networks. `headers` mode (X-Forwarded-User/-Groups) and
//! `alb` mode (ES256 `x-amzn-oidc-data` verified with a key served locally in
//! place of the ALB public key endpoint). The test client connects from
//! 127.0.0.1, so `127.0.0.1/32` makes it a trusted proxy and `10.0.0.0/8` not.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use base64::Engine;
use common::*;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{json, Value};
use sqlx::PgPool;

const ALB: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lk/50dc6c495c0c9188";

async fn server(pool: PgPool, section: &str) -> String {
    let a = unique_account();
    let s = services(pool, config_with(&[&a], section)).await;
    spawn_http(s).await
}

async fn me(base: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    // As a browser behind the proxy sends it: with its Origin.
    let mut r = reqwest::Client::new().post(format!("{base}/api/me"));
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("origin"))
    {
        r = r.header("origin", base);
    }
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.fetch().await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// [`me`] as the proxy asks it for pat@example.com, with `more` headers.
async fn me_as_pat(base: &str, more: &[(&str, &str)]) -> (u16, Value) {
    let mut headers = vec![("x-forwarded-user", "pat@example.com")];
    headers.extend_from_slice(more);
    me(base, &headers).await
}

fn headers_mode(proxies: &str) -> String {
    format!(
        r#"
        [auth.trusted_headers]
        mode = "headers"
        trusted_proxies = {proxies}
        "#
    )
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn forwarded_user_headers_from_a_trusted_proxy_sign_the_user_in(pool: PgPool) {
    let base = server(pool, &headers_mode(r#"["10.0.0.0/8", "127.0.0.1/32"]"#)).await;
    let (status, m) = me_as_pat(&base, &[("x-forwarded-groups", "admins, engineers")]).await;
    assert_eq!(status, 200);
    assert_eq!(m["user"]["id"], "pat@example.com");
    assert_eq!(m["user"]["groups"], json!(["admins", "engineers"]));
    assert_eq!(m["user"]["is_admin"], true);
    assert_eq!(me(&base, &[]).await.0, 401, "no headers, no user");
    // The proxy adds the headers to every request, so they are ambient
    // credentials: a cross-origin write riding them is refused.
    let (status, _) = me_as_pat(&base, &[("origin", "https://evil.example.com")]).await;
    assert_eq!(status, 403);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn forwarded_user_headers_from_anywhere_else_are_ignored(pool: PgPool) {
    let base = server(pool, &headers_mode(r#"["10.0.0.0/8"]"#)).await;
    let (status, _) = me_as_pat(&base, &[("x-forwarded-groups", "admins")]).await;
    assert_eq!(status, 401);
    // A session cookie still works from there (the headers do not override it).
    let c = signed_in(&base, ENGINEER).await;
    let r = c
        .post(format!("{base}/api/me"))
        .header("x-forwarded-user", "ada@example.com")
        .fetch()
        .await;
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["user"]["id"], ENGINEER);
}

/// Serves `/{kid}` → the PEM of `key`, like the ALB public key endpoint.
async fn key_server(kid: &'static str, key: &SigningKey) -> String {
    let pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let app = axum::Router::new().route(
        &format!("/{kid}"),
        axum::routing::get(move || async move { pem.clone() }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// An ALB-style token: padded base64url segments, ES256 raw signature.
fn alb_token(key: &SigningKey, kid: &str, signer: &str, claims: Value) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE.encode(v);
    let exp = claims["exp"].clone();
    let header = json!({"alg": "ES256", "kid": kid, "signer": signer, "iss": "https://idp.example.com", "client": "abc", "exp": exp});
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig: Signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&sig.to_bytes()))
}

fn claims(exp_in_secs: i64) -> Value {
    json!({
        "sub": "1234",
        "email": "lee@example.com",
        "email_verified": true,
        "name": "Lee Lead",
        "groups": ["team-a-leads", "engineers"],
        "exp": chrono::Utc::now().timestamp() + exp_in_secs,
        "iss": "https://idp.example.com"
    })
}

async fn alb_server(pool: PgPool, proxies: &str, key: &SigningKey) -> String {
    let keys = key_server("kid-1", key).await;
    server(
        pool,
        &format!(
            r#"
            [auth.trusted_headers]
            mode = "alb"
            trusted_proxies = {proxies}
            alb_arn = "{ALB}"
            alb_public_key_url = "{keys}"
            [[auth.approvers]]
            group = "team-a-leads"
            accounts = ["*"]
            "#
        ),
    )
    .await
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_valid_alb_token_from_a_trusted_proxy_signs_the_user_in(pool: PgPool) {
    let k = key(7);
    let base = alb_server(pool, r#"["127.0.0.1/32"]"#, &k).await;
    let token = alb_token(&k, "kid-1", ALB, claims(120));
    let (status, m) = me(&base, &[("x-amzn-oidc-data", &token)]).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["user"]["id"], "lee@example.com");
    assert_eq!(m["user"]["display_name"], "Lee Lead");
    assert_eq!(
        m["approves_everywhere"], true,
        "team-a-leads approve everywhere"
    );
    // The key is cached: a second request does not need the key server again.
    assert_eq!(me(&base, &[("x-amzn-oidc-data", &token)]).await.0, 200);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn forged_expired_or_foreign_alb_tokens_are_refused(pool: PgPool) {
    let k = key(7);
    let base = alb_server(pool, r#"["127.0.0.1/32"]"#, &k).await;
    let forged = alb_token(&key(9), "kid-1", ALB, claims(120));
    assert_eq!(
        me(&base, &[("x-amzn-oidc-data", &forged)]).await.0,
        401,
        "signed by another key"
    );
    let expired = alb_token(&k, "kid-1", ALB, claims(-5));
    assert_eq!(
        me(&base, &[("x-amzn-oidc-data", &expired)]).await.0,
        401,
        "expired"
    );
    let other_alb = alb_token(&k, "kid-1", &ALB.replace("50dc", "ffff"), claims(120));
    assert_eq!(
        me(&base, &[("x-amzn-oidc-data", &other_alb)]).await.0,
        401,
        "another load balancer"
    );
    let unknown_kid = alb_token(&k, "kid-2", ALB, claims(120));
    assert_eq!(
        me(&base, &[("x-amzn-oidc-data", &unknown_kid)]).await.0,
        401,
        "no such key"
    );
    let valid = alb_token(&k, "kid-1", ALB, claims(120));
    let mut parts: Vec<&str> = valid.split('.').collect();
    let tampered_claims = base64::engine::general_purpose::URL_SAFE
        .encode(claims(120).to_string().replace("lee@", "ada@").as_bytes());
    parts[1] = &tampered_claims;
    assert_eq!(
        me(&base, &[("x-amzn-oidc-data", &parts.join("."))]).await.0,
        401,
        "claims changed after signing"
    );
    assert_eq!(me(&base, &[("x-amzn-oidc-data", "not.a.jwt")]).await.0, 401);
    // An address the identity provider does not vouch for is nobody's.
    for flag in [json!(false), json!("false"), Value::Null] {
        let mut c = claims(120);
        let said = flag.to_string();
        match flag {
            Value::Null => c.as_object_mut().unwrap().remove("email_verified"),
            f => c
                .as_object_mut()
                .unwrap()
                .insert("email_verified".into(), f),
        };
        let unverified = alb_token(&k, "kid-1", ALB, c);
        assert_eq!(
            me(&base, &[("x-amzn-oidc-data", &unverified)]).await.0,
            401,
            "email_verified {said}"
        );
    }
}

/// The proxy is the identity provider's word on groups: when it reports
/// fewer, the user's API tokens lose them too, at once.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_user_demoted_at_the_proxy_loses_admin_in_their_old_tokens(pool: PgPool) {
    let base = server(pool, &headers_mode(r#"["127.0.0.1/32"]"#)).await;
    let as_admin = [
        ("x-forwarded-user", "pat@example.com"),
        ("x-forwarded-groups", "admins"),
    ];
    let mut r = reqwest::Client::new()
        .post(format!("{base}/api/create_token"))
        .header("origin", &base)
        .form(&[("name", "scripts"), ("scope", "full")]);
    for (k, v) in as_admin {
        r = r.header(k, v);
    }
    let r = r.fetch().await;
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_token = || async {
        let r = reqwest::Client::new()
            .post(format!("{base}/api/me"))
            .bearer_auth(&token)
            .fetch()
            .await;
        r.json::<Value>().await.unwrap()["user"]["is_admin"].clone()
    };
    assert_eq!(by_token().await, true);
    // The next request through the proxy carries the groups as they are now.
    let (status, m) = me(
        &base,
        &[
            ("x-forwarded-user", "pat@example.com"),
            ("x-forwarded-groups", "engineers"),
        ],
    )
    .await;
    assert_eq!((status, m["user"]["is_admin"].clone()), (200, json!(false)));
    assert_eq!(by_token().await, false, "the old token kept admin");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn alb_tokens_from_outside_the_trusted_proxies_are_ignored(pool: PgPool) {
    let k = key(7);
    let base = alb_server(pool, r#"["10.0.0.0/8"]"#, &k).await;
    let token = alb_token(&k, "kid-1", ALB, claims(120));
    assert_eq!(me(&base, &[("x-amzn-oidc-data", &token)]).await.0, 401);
}
