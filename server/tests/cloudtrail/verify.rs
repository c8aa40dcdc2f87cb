//! The loop closed: after a request's change is applied, each of the
//! principal's open denied calls is judged by Latchkey's own policy
//! evaluation over the re-read cache: allowed (resolved, by that request),
//! or still denied and why (here: the permissions boundary). A call denied
//! again after it was resolved is open again.
use super::shown::{denial, TRAIL};
use super::*;
use app::domain::policy::Intent;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_applied_request_resolves_the_call_it_allows_and_says_why_another_is_still_denied(
    pool: PgPool,
) {
    let a = unique_account();
    let s = services(pool.clone(), config_with(&[&a], TRAIL)).await;
    let iam = iam(&s, &a).await;
    create_role(&iam, "eng-etl", &[], &[]).await;
    // Its boundary lets it use S3 and nothing else.
    let boundary = create_policy(&iam, "S3Only", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#).await;
    iam.put_role_permissions_boundary()
        .role_name("eng-etl")
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap();
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let role = format!("arn:aws:iam::{a}:role/eng-etl");
    let object = format!("arn:aws:s3:::reports-{a}/q4.csv");
    let queue = format!("arn:aws:sqs:us-east-1:{a}:jobs");
    let mut get = denial(&role, "s3:GetObject", 2, 0, "erin@example.com");
    get.resource = object.clone();
    let mut send = denial(&role, "sqs:SendMessage", 1, 0, "erin@example.com");
    send.resource = queue.clone();
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::denials::upsert(&mut conn, &[get.clone(), send.clone()])
        .await
        .unwrap();
    drop(conn);
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;

    // Erin asks for both, as the two links would.
    let intents = [
        Intent::for_denied_call("s3:GetObject", &object).unwrap(),
        Intent::for_denied_call("sqs:SendMessage", &queue).unwrap(),
    ];
    let body = json!({"principal_arn": role, "justification": "Both were denied in CloudTrail",
                      "intents": intents, "expires_at": null});
    let r = eng
        .post_json_body(format!("{base}/api/submit_intents"), &body)
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let id: String = json_of(r).await;
    // Before approval nothing is resolved.
    let form = [("account", a.as_str()), ("name", "eng-etl")];
    let before: Value = eng.post_form_json(format!("{base}/api/role"), &form).await;
    assert!(before["denials"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["resolved"].is_null()));

    let admin = signed_in(&base, ADMIN).await;
    let r = approve_all(&admin, &base, &id).await;
    assert!(r.status().is_success(), "{}", r.status());

    let after: Value = eng.post_form_json(format!("{base}/api/role"), &form).await;
    let rows = after["denials"].as_array().unwrap();
    let of = |action: &str| rows.iter().find(|d| d["action"] == action).unwrap().clone();
    let (g, q) = (of("s3:GetObject"), of("sqs:SendMessage"));
    assert_eq!(g["resolved"][1], id, "resolved by the request: {g}");
    assert_eq!(g["still_denied"], Value::Null);
    assert_eq!(q["resolved"], Value::Null);
    assert_eq!(
        q["still_denied"], "not allowed by the permissions boundary",
        "{q}"
    );
    let html = eng.get_text(format!("{base}/roles/{a}/eng-etl")).await;
    assert!(html.contains("data-testid=\"denial-resolved\""), "{html}");
    assert!(html.contains("data-testid=\"denial-still\""), "{html}");
    assert!(html.contains("not allowed by the permissions boundary"));

    // Denied again after that (CloudTrail knows better): open again.
    get.count = 1;
    get.first_seen = chrono::Utc::now() + chrono::Duration::seconds(5);
    get.last_seen = get.first_seen;
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::denials::upsert(&mut conn, &[get])
        .await
        .unwrap();
    drop(conn);
    let again: Value = eng.post_form_json(format!("{base}/api/role"), &form).await;
    let g = again["denials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["action"] == "s3:GetObject")
        .unwrap()
        .clone();
    assert_eq!(g["resolved"], Value::Null, "{g}");
    assert_eq!(g["count"], 3);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_call_an_scp_refuses_is_still_denied_and_says_so(pool: PgPool) {
    use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType};
    let mgmt = unique_account();
    let boot = services(pool.clone(), config(&[&mgmt])).await;
    let org = boot
        .aws
        .spoke_organizations(&app::domain::AccountId::parse(&mgmt).unwrap())
        .await
        .unwrap();
    org.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let made = org
        .create_account()
        .account_name("member")
        .email(format!("member-{mgmt}@example.com"))
        .send()
        .await
        .unwrap();
    let member = made
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_owned();
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoWrites","Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}"#;
    let policy = org
        .create_policy()
        .name("no-writes")
        .description("no S3 writes")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(deny)
        .send()
        .await
        .unwrap();
    let id = policy
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    org.attach_policy()
        .policy_id(&id)
        .target_id(&member)
        .send()
        .await
        .unwrap();

    let extra = format!("{TRAIL}\n[[organizations]]\nmanagement_account_id = \"{mgmt}\"\n");
    let s = services(pool.clone(), config_with(&[&member], &extra)).await;
    create_role(&iam(&s, &member).await, "eng-etl", &[], &[]).await;
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let role = format!("arn:aws:iam::{member}:role/eng-etl");
    let object = format!("arn:aws:s3:::reports-{member}/q4.csv");
    let mut put = denial(&role, "s3:PutObject", 1, 0, "erin@example.com");
    put.resource = object.clone();
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::denials::upsert(&mut conn, &[put])
        .await
        .unwrap();
    drop(conn);
    // The role's own policy now allows it...
    iam(&s, &member)
        .await
        .put_role_policy()
        .role_name("eng-etl")
        .policy_name("put")
        .policy_document(format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:PutObject","Resource":"{object}"}}]}}"#))
        .send()
        .await
        .unwrap();
    s.refresh_item(&role, latchkey::services::sync::engine::Trigger::AfterApply)
        .await
        .unwrap();
    s.verify_denials(&role, None).await.unwrap();
    // ...but the organization's SCP still refuses it.
    let verdict: Option<String> = scalar_of(
        &pool,
        "SELECT verdict FROM denials WHERE principal_arn = $1",
        &role,
    )
    .await;
    assert_eq!(
        verdict.as_deref(),
        Some("explicitly denied by a service control policy (Sid NoWrites)")
    );
}
