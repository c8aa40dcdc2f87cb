//! The versioned JSON API for scripts (`/api/v2/...`, ConsoleMe's paths
//! and request body) and its OpenAPI document, checked against the running
//! handlers by schemathesis (from PyPI).
use super::*;

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#;

async fn full_token(w: &Served, user: &str) -> reqwest::Client {
    let c = w.signed_in(user).await;
    let (_, token) = new_token(&c, &w.base, "script").await;
    token_client(&token)
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_script_reads_roles_resources_and_requests_and_asks_in_consolemes_form(pool: PgPool) {
    let w = served(&pool, &["eng-dev", "prod-admin"]).await;
    let script = full_token(&w, ENGINEER).await;
    let base = &w.base;

    let role: Value = script
        .get_json(format!("{base}/api/v2/roles/acct0/eng-dev"))
        .await;
    assert_eq!(role["arn"], w.role("eng-dev"));
    assert_eq!(role["eligible"], true);
    assert_eq!(
        role["assume_role_policy_document"]["Version"], "2012-10-17",
        "{role}"
    );
    let by_id = script
        .get_status(format!("{base}/api/v2/roles/{}/eng-dev", w.account))
        .await;
    assert_eq!(by_id.as_u16(), 200);
    let missing = script
        .get(format!("{base}/api/v2/roles/acct0/no-such-role"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["status"], "error");

    let found: Value = script
        .get_json(format!("{base}/api/v2/policies?type=role&q=eng-"))
        .await;
    let arns: Vec<&str> = found["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["arn"].as_str())
        .collect();
    assert!(arns.contains(&w.role("eng-dev").as_str()), "{found}");
    let bad = script
        .get(format!("{base}/api/v2/policies?type=bogus"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["field"], "type");

    // ConsoleMe's body, as its scripts send it.
    let ask = json!({
        "justification": "read the reports bucket",
        "admin_auto_approve": false,
        "dry_run": false,
        "changes": {"changes": [{
            "principal": {"principal_arn": w.role("eng-dev"), "principal_type": "AwsResource"},
            "change_type": "inline_policy", "action": "attach", "policy_name": "reports",
            "policy": {"policy_document": DOC}
        }]}
    });
    let r = script
        .post_json_body(format!("{base}/api/v2/request"), &ask)
        .await;
    assert_eq!(r.status().as_u16(), 201);
    let made: Value = r.json().await.unwrap();
    let id = made["request_id"].as_str().unwrap().to_owned();

    let mine: Value = script.get_json(format!("{base}/api/v2/requests")).await;
    assert_eq!(mine["requests"][0]["id"], id.as_str(), "{mine}");
    let one: Value = script
        .get_json(format!("{base}/api/v2/requests/{id}"))
        .await;
    assert_eq!(one["justification"], "read the reports bucket");
    assert_eq!(
        one["changes"][0]["document"]["Statement"][0]["Action"], "s3:GetObject",
        "{one}"
    );

    // Bad bodies name their field and create nothing.
    let no_type =
        json!({"changes": {"changes": [{"principal": {"principal_arn": w.role("eng-dev")}}]}});
    let r = script
        .post_json_body(format!("{base}/api/v2/request"), &no_type)
        .await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["field"],
        "changes.changes[0].change_type"
    );
    let count: Vec<(i64,)> = rows(&pool, "SELECT count(*) FROM requests").await;
    assert_eq!(count[0].0, 1);

    // Who may call it: anyone signed in, as themselves; not anonymously,
    // not with a credentials-only token; another engineer sees no request.
    let anon = reqwest::Client::new();
    let st = anon.get_status(format!("{base}/api/v2/requests")).await;
    assert_eq!(st.as_u16(), 401);
    let eng = w.signed_in(ENGINEER).await;
    let (_, creds_only) = new_token_scoped(&eng, base, "creds", "credentials").await;
    let st = token_client(&creds_only)
        .get_status(format!("{base}/api/v2/roles/acct0/eng-dev"))
        .await;
    assert_eq!(st.as_u16(), 403);
    let peer = full_token(&w, OTHER_ENGINEER).await;
    let theirs: Value = peer.get_json(format!("{base}/api/v2/requests")).await;
    assert_eq!(theirs["requests"], json!([]));
    let st = peer
        .get_status(format!("{base}/api/v2/requests/{id}"))
        .await;
    assert!(matches!(st.as_u16(), 403 | 404), "{st}");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn schemathesis_finds_the_handlers_true_to_the_openapi_document(pool: PgPool) {
    let w = served(&pool, &["eng-dev", "prod-admin"]).await;
    let eng = w.signed_in(ENGINEER).await;
    let (_, token) = new_token(&eng, &w.base, "schemathesis").await;
    let doc: Value = reqwest::Client::new()
        .get_json(format!("{}/api/openapi.json", w.base))
        .await;
    assert_eq!(doc["openapi"], "3.0.3");
    let st = std::env::var("LATCHKEY_TEST_SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".into());
    let mut cmd = std::process::Command::new(st);
    cmd.args([
        "run",
        &format!("{}/api/openapi.json", w.base),
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        "--max-examples",
        "25",
        "--seed",
        "7",
        "--no-color",
        "--header",
        &format!("Authorization: Bearer {token}"),
    ]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Tested: 5"),
        "every operation was tested:\n{text}"
    );
}
