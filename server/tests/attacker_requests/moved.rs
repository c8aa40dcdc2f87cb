//! What moved since a request was made: its account disabled, a spoke
//! session that acts in another account, a policy changed in AWS.
use super::*;

/// A request made while its account was managed is not applied there once
/// an admin has disabled the account: the change fails, AWS is untouched.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_change_waiting_in_an_account_disabled_since_is_never_applied(pool: PgPool) {
    let w = served(&pool, &["eng-app"]).await;
    let (a, base) = (&w.account, &w.base);
    let id = w.asked_to_tag("eng-app", "team", "data").await;
    let admin = w.signed_in(ADMIN).await;
    let r = set_account_enabled(&admin, base, a, false).await;
    assert!(r.status().is_success(), "{}", r.status());
    approve_all(&admin, base, &id).await;
    let (status, error) = change_outcome(&pool, &id).await;
    assert_ne!(status, "applied");
    if status == "failed" {
        assert!(error.unwrap_or_default().contains("disabled"));
    }
    assert!(
        role_tags(&iam(&w.s, a).await, "eng-app").await.is_empty(),
        "applied in a disabled account"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_spoke_session_acting_in_another_account_is_never_used(pool: PgPool) {
    let (s, [a, b]) = two_accounts(&pool, ["eng-in-a", "eng-in-b"]).await;
    // As after an emulator restart under a running server: the session
    // cached for A acts in B.
    let acct = |x: &str| app::domain::AccountId::parse(x).unwrap();
    let b_session = s.aws.spoke(&acct(&b)).await.unwrap();
    s.aws.cache_spoke_session(&acct(&a), b_session).await;
    sync_all(&s, Trigger::Manual).await;
    let in_a: Vec<String> = scalars_of(
        &pool,
        "SELECT name FROM roles WHERE account_id = $1 ORDER BY name",
        &a,
    )
    .await;
    assert!(in_a.contains(&"eng-in-a".to_owned()), "{in_a:?}");
    assert!(
        !in_a.contains(&"eng-in-b".to_owned()),
        "B's roles stored as A's: {in_a:?}"
    );
    // And the session now cached for A acts in A.
    let me = aws_sdk_sts::Client::new(&s.aws.spoke(&acct(&a)).await.unwrap())
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some(a.as_str()));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_policy_changed_in_aws_since_review_is_merged_into_or_refused(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), self_approval(&[&a])).await;
    create_role(&iam(&s, &a).await, "eng-app", &[], &[]).await;
    let bucket = format!("merge-{a}");
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let s3 = s3(&s, &a).await;
    create_bucket(&s3, &bucket).await;
    let role = format!("arn:aws:iam::{a}:role/eng-app");
    let st = |sid: &str, action: &str| {
        let resource = if action == "s3:ListBucket" {
            bucket_arn.clone()
        } else {
            format!("{bucket_arn}/*")
        };
        json!({"Sid": sid, "Effect": "Allow", "Principal": {"AWS": role},
               "Action": action, "Resource": resource})
    };
    let policy = |sts: Vec<Value>| json!({"Version": "2012-10-17", "Statement": sts});
    let put_live = |doc: Value| {
        let (s3, bucket) = (s3.clone(), bucket.clone());
        async move {
            s3.put_bucket_policy()
                .bucket(bucket)
                .policy(doc.to_string())
                .send()
                .await
                .unwrap();
        }
    };
    let live = || {
        let (s3, bucket) = (s3.clone(), bucket.clone());
        async move {
            let p = s3.get_bucket_policy().bucket(bucket).send().await.unwrap();
            let v: Value = serde_json::from_str(p.policy().unwrap()).unwrap();
            let mut sids: Vec<String> = v["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["Sid"].as_str().unwrap_or_default().to_owned())
                .collect();
            sids.sort();
            sids
        }
    };
    put_live(policy(vec![st("Old", "s3:ListBucket")])).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let admin = signed_in(&base, ADMIN).await;
    // The id of the engineer's request for the bucket policy `statements`.
    let ask = |statements: Vec<Value>| {
        let doc = policy(statements);
        let ch = json!([{"target_arn": bucket_arn, "spec": {"kind": "resource_policy_put", "document": doc}}]);
        let (eng, base, role) = (eng.clone(), base.clone(), role.clone());
        async move { asked(&eng, &base, &role, ch).await }
    };

    // Additive: kept Old, adds Get. Meanwhile someone adds Put in AWS.
    let id = ask(vec![st("Old", "s3:ListBucket"), st("Get", "s3:GetObject")]).await;
    put_live(policy(vec![
        st("Old", "s3:ListBucket"),
        st("Put", "s3:PutObject"),
    ]))
    .await;
    assert!(approve_all(&admin, &base, &id).await.status().is_success());
    assert_eq!(live().await, ["Get", "Old", "Put"], "merged, nothing lost");

    // Not additive (drops Old), and AWS changed since: refused, nothing written.
    let id = ask(vec![st("Get", "s3:GetObject")]).await;
    put_live(policy(vec![
        st("Old", "s3:ListBucket"),
        st("Get", "s3:GetObject"),
        st("Del", "s3:DeleteObject"),
    ]))
    .await;
    approve_all(&admin, &base, &id).await;
    let (status, error) = change_outcome(&pool, &id).await;
    assert_eq!(status, "failed");
    assert!(error.unwrap_or_default().contains("changed in AWS"));
    assert_eq!(live().await, ["Del", "Get", "Old"]);

    // A policy the cache never saw is merged into, never replaced.
    put_live(policy(vec![st("Hidden", "s3:ListBucket")])).await;
    sqlx::query("UPDATE resources SET policy = NULL WHERE arn = $1")
        .bind(&bucket_arn)
        .execute(&pool)
        .await
        .unwrap();
    let id = ask(vec![st("New", "s3:GetObject")]).await;
    assert!(approve_all(&admin, &base, &id).await.status().is_success());
    assert_eq!(live().await, ["Hidden", "New"]);
}
