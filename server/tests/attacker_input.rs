//! The attacker's suite, input and load (issue #12 items 10, 11, 16):
//! refreshes are bounded, bad input gets a 4xx naming the field.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use serde_json::{json, Value};
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn refreshes_from_aws_are_bounded_per_user(pool: PgPool) {
    let (_, a, base) = served(&pool, &["eng-dev"]).await.into_parts();
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let refresh = |c: reqwest::Client| {
        let (base, role) = (base.clone(), role.clone());
        async move {
            c.post(format!("{base}/api/refresh_resource"))
                .form(&[("arn", role.as_str())])
                .fetch_status()
                .await
                .as_u16()
        }
    };
    let eng = signed_in(&base, ENGINEER).await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(refresh(eng.clone()).await);
    }
    assert_eq!(statuses[..10], [200; 10]);
    assert_eq!(statuses[10], 429);
    // Another user is not held back by Erin.
    assert_eq!(refresh(signed_in(&base, OTHER_ENGINEER).await).await, 200);
    // Each refresh, and each dev sign-in, says where it came from.
    let unplaced: Vec<String> = scalars(&pool, "SELECT action FROM audit_events WHERE action IN ('resource.refresh', 'signin') AND ip IS NULL").await;
    assert!(
        unplaced.is_empty(),
        "audited without an address: {unplaced:?}"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn bad_input_gets_a_4xx_naming_the_field_and_stores_nothing(pool: PgPool) {
    let (_, a, base) = served(&pool, &["eng-dev"]).await.into_parts();
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let eng = signed_in(&base, ENGINEER).await;
    let ask = |justification: String, document: Value| {
        json!({"principal_arn": role, "justification": justification, "changes": [{"target_arn": role,
            "spec": {"kind": "inline_policy_put", "policy_name": "p", "document": document}}]})
    };
    let doc = |n: usize| {
        let actions: Vec<String> = (0..n).map(|i| format!("*:*{i}")).collect();
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    };
    let why = || "Needed for the incident review".to_owned();
    let change = |target: &str, spec: Value| {
        json!({"principal_arn": target, "justification": why(),
            "changes": [{"target_arn": target, "spec": spec}]})
        .to_string()
    };
    let new_role = format!("arn:aws:iam::{a}:role/new-role");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let post_json = |path: &str, body: String| {
        eng.post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body)
            .fetch()
    };
    let mut wrong = Vec::new();
    for (name, path, body, want, field) in [
        (
            "2 MB document",
            "/api/submit_request",
            ask(why(), doc(200_000)).to_string(),
            413,
            "body",
        ),
        (
            "900 KB document",
            "/api/submit_request",
            ask(why(), doc(90_000)).to_string(),
            400,
            "policy",
        ),
        (
            "not JSON",
            "/api/submit_request",
            "{\"principal_arn\": ".to_owned(),
            400,
            "body",
        ),
        (
            "unknown change kind",
            "/api/submit_request",
            json!({"principal_arn": role, "justification": why(), "changes": [{"target_arn": role,
                "spec": {"kind": "make_me_admin"}}]})
            .to_string(),
            400,
            "body",
        ),
        (
            "NUL in an ARN",
            "/api/submit_request",
            ask(why(), doc(1))
                .to_string()
                .replace("eng-dev", "eng-dev\\u0000"),
            400,
            "body",
        ),
        (
            "1,000,000-character justification",
            "/api/submit_request",
            ask("x".repeat(1_000_000), doc(1)).to_string(),
            400,
            "justification",
        ),
        (
            "2,000,000-character justification",
            "/api/submit_request",
            ask("x".repeat(2_000_000), doc(1)).to_string(),
            413,
            "body",
        ),
        (
            "5,000-character justification",
            "/api/submit_request",
            ask("x".repeat(5_000), doc(1)).to_string(),
            400,
            "justification",
        ),
        (
            "100,000-character tag key to remove",
            "/api/submit_request",
            change(
                &role,
                json!({"kind": "tags_remove", "keys": ["k".repeat(100_000)]}),
            ),
            400,
            "tags",
        ),
        (
            "500,000-character role description",
            "/api/submit_request",
            change(
                &new_role,
                json!({"kind": "role_create", "trust_policy": trust,
                "description": "d".repeat(500_000)}),
            ),
            400,
            "description",
        ),
        (
            "role name IAM refuses",
            "/api/submit_request",
            change(
                &format!("arn:aws:iam::{a}:role/{}", "n".repeat(65)),
                json!({"kind": "role_create", "trust_policy": trust}),
            ),
            400,
            "target_arn",
        ),
    ] {
        let r = post_json(path, body).await;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        if status != want
            || !text.contains(&format!("\"{field}\"")) && !text.contains(&format!("{field}:"))
        {
            wrong.push(format!(
                "{name}: got {status} {}, want {want} naming {field}",
                &text[..text.len().min(200)]
            ));
        }
    }
    // Form-encoded server functions and query strings too.
    for (name, path, form, want) in [
        (
            "NUL in a resource ARN",
            "/api/resource",
            vec![("arn", "arn:aws:s3:::a\0b")],
            400,
        ),
        (
            "NUL in a page cursor",
            "/api/resources",
            vec![("cursor", "abc\0")],
            400,
        ),
    ] {
        let status = eng
            .post(format!("{base}{path}"))
            .form(&form)
            .fetch_status()
            .await;
        if status.as_u16() != want {
            wrong.push(format!("{name}: got {status}, want {want}"));
        }
    }
    let status = eng.get_status(format!("{base}/resources?q=a%00b")).await;
    if status != 400 {
        wrong.push(format!("NUL in a page's query: got {status}, want 400"));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let stored: i64 = scalar(&pool, "SELECT count(*) FROM requests").await;
    assert_eq!(stored, 0);
}

/// Clickjacking: no page, API answer or error of Latchkey may be framed by
/// another site, and none is sniffed into another content type.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn no_response_can_be_framed_or_sniffed(pool: PgPool) {
    let (base, eng) = served_bare(&pool, ENGINEER).await;
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (who, c, path) in [
        ("engineer", &eng, "/"),
        ("engineer", &eng, "/settings"),
        ("engineer", &eng, "/api/v2/get_roles"),
        ("anonymous", &anon, "/login"),
        ("anonymous", &anon, "/"),
        ("anonymous", &anon, "/api/v2/get_roles"),
        ("anonymous", &anon, "/no/such/page"),
    ] {
        let r = c.get(format!("{base}{path}")).fetch().await;
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'"),
            "{who} {path}: {csp:?}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{who} {path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{who} {path}");
    }
}
