//! Issuing credentials: what an eligible role gets, how refusals look, and
//! what an anonymous caller gets.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn eligible_role_gets_sts_credentials_and_the_issuance_is_audited(pool: PgPool) {
    let w = setup(&pool).await;
    let (a, base) = (&w.account, &w.base);
    let eng = w.signed_in(ENGINEER).await;
    let arn = w.role("eng-dev");
    let r = credentials(&eng, base, &arn).await;
    assert_eq!(r.status(), 200);
    // Server-Timing splits the server's time from the AssumeRole call.
    let timing = r.headers()["server-timing"].to_str().unwrap().to_owned();
    let ms = |name: &str| -> f64 {
        timing
            .split(", ")
            .find_map(|e| e.strip_prefix(name)?.strip_prefix(";dur="))
            .unwrap_or_else(|| panic!("{name} in {timing}"))
            .parse()
            .unwrap()
    };
    assert!(ms("sts") > 0.0 && ms("app") >= ms("sts"), "{timing}");
    assert!(ms("auth") > 0.0 && ms("app") >= ms("auth"), "{timing}");
    let body: Value = r.json().await.unwrap();
    let c = &body["Credentials"];
    assert!(
        c["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{body}"
    );
    assert!(!c["SecretAccessKey"].as_str().unwrap().is_empty());
    assert!(!c["SessionToken"].as_str().unwrap().is_empty());
    assert!(c["Expiration"].as_i64().unwrap() > chrono::Utc::now().timestamp());

    // The credentials work: STS says who they are.
    let creds = aws_credential_types::Credentials::new(
        c["AccessKeyId"].as_str().unwrap(),
        c["SecretAccessKey"].as_str().unwrap(),
        Some(c["SessionToken"].as_str().unwrap().to_owned()),
        None,
        "test",
    );
    let conf = aws_sdk_sts::config::Builder::new()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(moto_url())
        .credentials_provider(creds)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let me = aws_sdk_sts::Client::from_conf(conf)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some(a.as_str()));
    assert!(
        me.arn()
            .unwrap()
            .contains(&format!("assumed-role/eng-dev/{ENGINEER}")),
        "{:?}",
        me.arn()
    );

    let rows = audit(&pool).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2.as_str()),
        (ENGINEER, arn.as_str(), "success")
    );
    assert_eq!(rows[0].3.as_deref(), Some("127.0.0.1"));
    let detail: Value = scalar(
        &pool,
        "SELECT detail FROM audit_events WHERE action = 'credentials.issue'",
    )
    .await;
    assert!(
        detail.get("SecretAccessKey").is_none()
            && !detail
                .to_string()
                .contains(c["SessionToken"].as_str().unwrap())
    );
    // The role now leads the engineer's "Recently used" list.
    let recent: Vec<String> = scalars_of(
        &pool,
        "SELECT role_arn FROM recent_roles WHERE user_id = $1",
        ENGINEER,
    )
    .await;
    assert_eq!(recent, std::slice::from_ref(&arn));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn ineligible_unknown_and_malformed_roles_are_refused_with_json_errors(pool: PgPool) {
    let w = setup(&pool).await;
    let (a, base) = (&w.account, &w.base);
    let eng = w.signed_in(ENGINEER).await;
    let post = |role: String| {
        let (eng, base) = (eng.clone(), base.clone());
        async move {
            let r = credentials(&eng, &base, &role).await;
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let (st, body) = post(w.role("prod-admin")).await;
    assert_eq!(st, 403);
    assert_eq!(body["code"], "900");
    assert!(body["message"].as_str().unwrap().contains("not authorized"));
    assert!(body.get("Credentials").is_none());

    let (st, body) = post(w.role("eng-missing")).await;
    assert_eq!((st, body["code"].as_str()), (404, Some("900")));
    // Unknown roles come back with the caller's roles that look like them:
    // here the account's one role the engineer may use, never prod-admin.
    let eng_dev = w.role("eng-dev");
    assert_eq!(body["candidates"], json!([eng_dev]), "{body}");
    assert!(body["message"].as_str().unwrap().contains(&eng_dev));
    let (st, body) = post(format!("{a}/ENG-de")).await;
    assert_eq!(
        (st, &body["candidates"]),
        (404, &json!([eng_dev])),
        "{body}"
    );

    // A bare role name is what Weep sends: the one role of that name.
    let (st, body) = post("eng-dev".into()).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["Credentials"]["RoleArn"], json!(eng_dev));
    let (st, body) = post("arn:aws:iam::nope".into()).await;
    assert_eq!((st, body["code"].as_str()), (400, Some("899")));

    let r = eng
        .post(format!("{base}/api/v1/get_credentials"))
        .header("content-type", "application/json")
        .body("{nope")
        .fetch()
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "904");

    let denied: Vec<_> = audit(&pool)
        .await
        .into_iter()
        .filter(|r| r.2 == "denied")
        .collect();
    assert_eq!(denied.len(), 2, "refusals for real role ARNs are audited");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn anonymous_callers_get_401_and_roles_list_only_eligible_arns(pool: PgPool) {
    let w = setup(&pool).await;
    let base = &w.base;
    let anon = reqwest::Client::new();
    let r = credentials(&anon, base, &w.role("eng-dev")).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        anon.get_status(format!("{base}/api/v1/get_roles")).await,
        401
    );
    assert!(audit(&pool).await.is_empty());

    let eng = w.signed_in(ENGINEER).await;
    let roles: Vec<String> = eng.get_json(format!("{base}/api/v1/get_roles")).await;
    assert_eq!(roles, [w.role("eng-dev")]);

    let health: Value = anon.get_json(format!("{base}/healthz")).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(anon.get_status(format!("{base}/readyz")).await, 200);
}
