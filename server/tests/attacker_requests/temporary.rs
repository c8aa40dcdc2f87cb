//! Temporary access ends in AWS, even when its end was taken off there.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn temporary_access_asked_through_the_api_ends_in_aws_and_is_swept(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), self_approval(&[&a])).await;
    let keep = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::logs"}]}"#;
    create_role(&iam(&s, &a).await, "eng-tmp", &[("access", keep)], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-tmp");
    let soon = in_half_an_hour();
    let keep: Value = serde_json::from_str(keep).unwrap();
    let mut both = keep.clone();
    both["Statement"]
        .as_array_mut()
        .unwrap()
        .push(json!({"Sid": "Tmp", "Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}));
    let change = |doc: &Value| {
        json!([{"target_arn": role, "expires_at": soon,
                "spec": {"kind": "inline_policy_put", "policy_name": "access", "document": doc}}])
    };
    let eng = signed_in(&base, ENGINEER).await;
    // "Temporary" with nothing new would show as temporary and never end: refused.
    let r = submit_request(&eng, &base, &role, change(&keep), false).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("expires_at"));
    // Through the API as through the wizard: the new statement carries the end.
    let id = asked(&eng, &base, &role, change(&both)).await;
    let admin = signed_in(&base, ADMIN).await;
    assert!(approve_all(&admin, &base, &id).await.status().is_success());
    let read = || async { inline_policy(&iam(&s, &a).await, "eng-tmp", "access").await };
    let applied = read().await;
    let statements = applied["Statement"].as_array().unwrap();
    let tmp = statements.iter().find(|st| st["Sid"] == "Tmp").unwrap();
    assert_eq!(
        tmp["Condition"]["DateLessThan"]["aws:CurrentTime"],
        json!(soon),
        "{applied}"
    );
    let kept = statements.iter().find(|st| st["Sid"] == "Keep").unwrap();
    assert!(kept.get("Condition").is_none(), "{applied}");
    // The sweeper removes it after the end, verifies, and only then records it.
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let swept = latchkey::services::requests::sweep_expired(&s, later)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    let after = read().await;
    assert_eq!(after["Statement"].as_array().unwrap().len(), 1, "{after}");
    assert_eq!(expired_events(&pool, &id).await, 1);
}

/// Someone strips the `DateLessThan` from a temporary grant in AWS: the
/// sweeper still finds the grant by what it allows and removes it, and
/// records `change.expired` only once AWS no longer holds it.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_temporary_grant_stripped_of_its_end_in_aws_is_still_removed(pool: PgPool) {
    let w = served_with(&pool, self_approval, &["eng-strip"]).await;
    let (s, base) = (&w.s, &w.base);
    let role = w.role("eng-strip");
    let soon = in_half_an_hour();
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Tmp", "Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}]});
    let change = json!([{"target_arn": role, "expires_at": soon,
        "spec": {"kind": "inline_policy_put", "policy_name": "tmp", "document": doc}}]);
    let eng = w.signed_in(ENGINEER).await;
    let id = asked(&eng, base, &role, change).await;
    let admin = w.signed_in(ADMIN).await;
    assert!(approve_all(&admin, base, &id).await.status().is_success());
    // Out of band, the end is taken off (and the Sid renamed).
    let client = iam(s, &w.account).await;
    client
        .put_role_policy()
        .role_name("eng-strip")
        .policy_name("tmp")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "Forever", "Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::logs/*"},
                {"Sid": "Other", "Effect": "Allow", "Action": "s3:ListBucket",
                 "Resource": "arn:aws:s3:::logs"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let swept = latchkey::services::requests::sweep_expired(s, later)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    let after = inline_policy(&client, "eng-strip", "tmp").await;
    let sids: Vec<&str> = after["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|st| st["Sid"].as_str())
        .collect();
    assert_eq!(sids, ["Other"], "the stripped grant stays in AWS: {after}");
    assert_eq!(expired_events(&pool, &id).await, 1);
}
