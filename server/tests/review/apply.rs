//! Every change kind applied and visible in moto; a failed change keeps the AWS error and can be retried.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn every_change_kind_is_applied_and_visible_in_moto(pool: PgPool) {
    let w = world_with(&pool, "allow_admin_self_approval = true").await;
    let a = &w.account;
    let iam = iam(&w.s, a).await;
    let policy_arn = create_policy(&iam, "shared-read", READ_LOGS).await;
    let (s3, sqs, sns) = (s3(&w.s, a).await, sqs(&w.s, a).await, sns(&w.s, a).await);
    create_bucket(&s3, &format!("data-{a}")).await;
    let queue_url = create_queue(&sqs, "jobs", &[]).await;
    let topic = create_topic(&sns, "alerts", &[]).await;
    sync_all(&w.s, Trigger::Manual).await;

    let bucket = format!("arn:aws:s3:::data-{a}");
    let queue = format!("arn:aws:sqs:us-east-1:{a}:jobs");
    let principal = json!({"AWS": w.role});
    let resource_policy = |action: &str, resource: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "Grant", "Effect": "Allow",
            "Principal": principal, "Action": action, "Resource": resource}]})
    };
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let new_version = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::logs"}]});
    let eng = signed_in(&w.base, ENGINEER).await;
    let id = submitted(&eng, &w.base, &w.role, json!([
        {"target_arn": w.role, "spec": {"kind": "inline_policy_put", "policy_name": "new", "document": serde_json::from_str::<Value>(READ_LOGS).unwrap()}},
        {"target_arn": w.role, "spec": {"kind": "inline_policy_delete", "policy_name": "old"}},
        {"target_arn": w.role, "spec": {"kind": "managed_policy_attach", "policy_arn": policy_arn}},
        {"target_arn": w.role, "spec": {"kind": "boundary_put", "policy_arn": policy_arn}},
        {"target_arn": w.role, "spec": {"kind": "tags_put", "tags": [{"key": "team", "value": "billing"}]}},
        {"target_arn": w.role, "spec": {"kind": "trust_policy_put", "document": trust}},
        {"target_arn": bucket, "spec": {"kind": "resource_policy_put", "document": resource_policy("s3:GetObject", &format!("{bucket}/*"))}},
        {"target_arn": queue, "spec": {"kind": "resource_policy_put", "document": resource_policy("sqs:SendMessage", &queue)}},
        {"target_arn": topic, "spec": {"kind": "resource_policy_put", "document": resource_policy("sns:Publish", &topic)}},
    ])).await;
    let admin = signed_in(&w.base, ADMIN).await;
    let r = approve_all(&admin, &w.base, &id).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // A shared managed policy is not an engineer's to ask for: its account's
    // approvers (here the admin, self-approving) change it.
    let policy_change = json!([{"target_arn": policy_arn, "spec": {"kind": "managed_policy_document_put", "document": new_version}}]);
    assert_eq!(
        submit(&eng, &w.base, &policy_arn, policy_change.clone())
            .await
            .status(),
        403
    );
    let id2 = submitted(&admin, &w.base, &policy_arn, policy_change).await;
    let r = approve_all(&admin, &w.base, &id2).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    for (cid, status, err) in [changes(&pool, &id).await, changes(&pool, &id2).await].concat() {
        assert_eq!((status.as_str(), err), ("applied", None), "change {cid}");
    }

    // In AWS (moto)
    let role = iam
        .get_role()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(inline_policy_names(&iam, "eng-dev").await, ["new"]);
    assert_eq!(attached_policy_arns(&iam, "eng-dev").await[0], policy_arn);
    assert_eq!(
        role.permissions_boundary
            .as_ref()
            .unwrap()
            .permissions_boundary_arn(),
        Some(policy_arn.as_str())
    );
    assert!(role
        .tags()
        .iter()
        .any(|t| t.key() == "team" && t.value() == "billing"));
    let trust_now =
        latchkey::aws::decode::policy_json(role.assume_role_policy_document().unwrap()).unwrap();
    assert_eq!(trust_now, trust);
    let bucket_policy = bucket_policy(&s3, &format!("data-{a}")).await;
    assert!(bucket_policy.contains("s3:GetObject"));
    assert!(queue_policy(&sqs, &queue_url)
        .await
        .contains("sqs:SendMessage"));
    assert!(topic_policy(&sns, &topic).await.contains("sns:Publish"));
    let versions = iam
        .list_policy_versions()
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 2);

    // The cache was re-read: the request page's "now" shows the new documents.
    let view: Value = admin
        .post_form_json(
            format!("{}/api/get_request", w.base),
            &[("id", id.as_str())],
        )
        .await;
    assert_eq!(view["status"], "applied");
    let trust_change = &view["changes"][5];
    assert_eq!(trust_change["kind"], "trust_policy_put");
    assert_eq!(trust_change["current_document"], trust_change["document"]);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_failed_change_keeps_the_aws_error_and_can_be_retried(pool: PgPool) {
    let w = world(&pool).await;
    let missing = format!("arn:aws:iam::{}:policy/not-yet", w.account);
    let eng = signed_in(&w.base, ENGINEER).await;
    let id = submitted(&eng, &w.base, &w.role, json!([
        {"target_arn": w.role, "spec": {"kind": "managed_policy_attach", "policy_arn": missing}},
    ])).await;
    let admin = signed_in(&w.base, ADMIN).await;
    let cid = changes(&pool, &id).await[0].0.clone();
    let r = apply(&admin, &w.base, &id, &cid).await;
    assert!(r.status().is_success(), "{}", r.status());
    let (_, status, err) = changes(&pool, &id).await.remove(0);
    assert_eq!(status, "failed");
    assert!(err.unwrap().contains("not-yet"), "the AWS error is kept");
    let requests: i64 = scalar(&pool, "SELECT count(*) FROM requests").await;
    assert_eq!(requests, 1, "the request is not lost");

    // Once the policy exists, a retry applies it.
    create_policy(&iam(&w.s, &w.account).await, "not-yet", READ_LOGS).await;
    let r = apply(&admin, &w.base, &id, &cid).await;
    assert!(r.status().is_success());
    let (_, status, err) = changes(&pool, &id).await.remove(0);
    assert_eq!((status.as_str(), err), ("applied", None));
    let attempts: i32 = scalar(&pool, "SELECT attempts FROM request_changes").await;
    assert_eq!(attempts, 2);
    // Applied once: a third apply is refused.
    assert_eq!(apply(&admin, &w.base, &id, &cid).await.status(), 409);
}
