//! The attacker's suite, what is applied (issue #12 items 2, 7, 9, 15):
//! temporary access ends in AWS, document-less high-risk changes need two
//! approvers, a policy that moved in AWS is merged into or refused, and a
//! spoke session acting in another account is never used.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn temporary_access_asked_through_the_api_ends_in_aws_and_is_swept(pool: PgPool) {
    let a = unique_account();
    let cfg = config_auth(&[&a], "allow_admin_self_approval = true", "");
    let s = services(pool.clone(), cfg).await;
    let keep = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::logs"}]}"#;
    create_role(&iam(&s, &a).await, "eng-tmp", &[("access", keep)], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-tmp");
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
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
    let r = submit_request(&eng, &base, &role, change(&both), false).await;
    assert_eq!(r.status(), 200);
    let id: String = r.json().await.unwrap();
    let admin = signed_in(&base, ADMIN).await;
    assert!(approve_all(&admin, &base, &id).await.status().is_success());
    let read = || async {
        let got = iam(&s, &a)
            .await
            .get_role_policy()
            .role_name("eng-tmp")
            .policy_name("access")
            .send()
            .await
            .unwrap();
        latchkey::aws::decode::policy_json(got.policy_document()).unwrap()
    };
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

/// How many `change.expired` events request `id` has.
async fn expired_events(pool: &PgPool, id: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM request_events WHERE request_id = $1::uuid AND kind = 'change.expired'",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The first change of request `id` as the reviewer `c` sees it, and the
/// codes of its findings.
async fn first_change(c: &reqwest::Client, base: &str, id: &str) -> (Value, Vec<String>) {
    let view: Value = c
        .post(format!("{base}/api/get_request"))
        .form(&[("id", id)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let change = view["changes"][0].clone();
    let codes = change["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect();
    (change, codes)
}

/// Someone strips the `DateLessThan` from a temporary grant in AWS: the
/// sweeper still finds the grant by what it allows and removes it, and
/// records `change.expired` only once AWS no longer holds it.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_temporary_grant_stripped_of_its_end_in_aws_is_still_removed(pool: PgPool) {
    let a = unique_account();
    let cfg = config_auth(&[&a], "allow_admin_self_approval = true", "");
    let s = services(pool.clone(), cfg).await;
    create_role(&iam(&s, &a).await, "eng-strip", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-strip");
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Tmp", "Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}]});
    let change = json!([{"target_arn": role, "expires_at": soon,
        "spec": {"kind": "inline_policy_put", "policy_name": "tmp", "document": doc}}]);
    let eng = signed_in(&base, ENGINEER).await;
    let r = submit_request(&eng, &base, &role, change, false).await;
    assert_eq!(r.status(), 200);
    let id: String = r.json().await.unwrap();
    let admin = signed_in(&base, ADMIN).await;
    assert!(approve_all(&admin, &base, &id).await.status().is_success());
    // Out of band, the end is taken off (and the Sid renamed).
    let client = iam(&s, &a).await;
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
    let swept = latchkey::services::requests::sweep_expired(&s, later)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    let got = client
        .get_role_policy()
        .role_name("eng-strip")
        .policy_name("tmp")
        .send()
        .await
        .unwrap();
    let after = latchkey::aws::decode::policy_json(got.policy_document()).unwrap();
    let sids: Vec<&str> = after["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|st| st["Sid"].as_str())
        .collect();
    assert_eq!(sids, ["Other"], "the stripped grant stays in AWS: {after}");
    assert_eq!(expired_events(&pool, &id).await, 1);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn document_less_high_risk_changes_need_two_approvers_and_show_why(pool: PgPool) {
    let a = unique_account();
    let extra = format!("{LEADS}\n[requests]\ntwo_approvers_for_high_risk = true\n");
    let s = services(pool.clone(), config_with(&[&a, &unique_account()], &extra)).await;
    create_role(&iam(&s, &a).await, "eng-app", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-app");
    let eng = signed_in(&base, ENGINEER).await;
    let outsider = "arn:aws:iam::999999999999:root";
    let cases = [
        (
            "eligibility tag",
            json!({"kind": "tags_put", "tags": [{"key": "latchkey-authorized", "value": "everyone"}]}),
            "eligibility-tag",
            2,
        ),
        (
            "admin policy",
            json!({"kind": "managed_policy_attach", "policy_arn": ADMIN_POLICY}),
            "admin-policy-attach",
            2,
        ),
        (
            "boundary removed",
            json!({"kind": "boundary_delete"}),
            "boundary-removed",
            2,
        ),
        (
            "outside trust",
            json!({"kind": "trust_policy_put", "document": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": outsider}, "Action": "sts:AssumeRole"}]}}),
            "principal-outside-org",
            2,
        ),
        (
            "plain tag",
            json!({"kind": "tags_put", "tags": [{"key": "team", "value": "data"}]}),
            "",
            1,
        ),
    ];
    for (name, spec, code, needed) in cases {
        let r = submit_request(
            &eng,
            &base,
            &role,
            json!([{"target_arn": role, "spec": spec}]),
            false,
        )
        .await;
        assert_eq!(r.status(), 200, "{name}");
        let id: String = r.json().await.unwrap();
        let lead = signed_in(&base, LEAD_A).await;
        let (change, codes) = first_change(&lead, &base, &id).await;
        assert_eq!(change["approvals_needed"], needed, "{name}: {change}");
        assert_eq!(
            codes.iter().any(|c| c == code),
            !code.is_empty(),
            "{name}: {codes:?}"
        );
        // One approval applies a routine change; a high-risk one waits.
        let r = approve_all(&lead, &base, &id).await;
        assert!(r.status().is_success(), "{name}: {}", r.status());
        let status: String =
            sqlx::query_scalar("SELECT status FROM request_changes WHERE request_id = $1::uuid")
                .bind(&id)
                .fetch_one(&pool)
                .await
                .unwrap();
        let want = if needed == 2 { "pending" } else { "applied" };
        assert_eq!(status, want, "{name}");
    }
}

/// A new role (a clone of an admin role, say) carries its policies and tags
/// from the start: created with AdministratorAccess, an eligibility tag and
/// an `iam:*` inline policy, it is as high risk as attaching them later.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_new_role_with_admin_rights_needs_two_approvers_and_shows_why(pool: PgPool) {
    let a = unique_account();
    let extra = format!("{LEADS}\n[requests]\ntwo_approvers_for_high_risk = true\n");
    let s = services(pool.clone(), config_with(&[&a], &extra)).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/ops-copy");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{a}:root")}, "Action": "sts:AssumeRole"}]});
    let spec = json!({"kind": "role_create", "trust_policy": trust,
        "managed_policy_arns": [ADMIN_POLICY],
        "tags": [{"key": "latchkey-authorized", "value": "engineers"}],
        "inline_policies": [{"name": "iam", "document": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}}]});
    let lead = signed_in(&base, LEAD_A).await;
    let id = asked(
        &lead,
        &base,
        &role,
        json!([{"target_arn": role, "spec": spec}]),
    )
    .await;
    let admin = signed_in(&base, ADMIN).await;
    let (change, codes) = first_change(&admin, &base, &id).await;
    assert_eq!(change["approvals_needed"], 2, "{change}");
    for code in ["admin-policy-attach", "eligibility-tag", "service-wildcard"] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} missing from {codes:?}"
        );
    }
    // One approval is not enough: the role is not created.
    assert!(approve_all(&admin, &base, &id).await.status().is_success());
    let status: String =
        sqlx::query_scalar("SELECT status FROM request_changes WHERE request_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "pending");
    let got = iam(&s, &a)
        .await
        .get_role()
        .role_name("ops-copy")
        .send()
        .await;
    assert!(got.is_err(), "the role was created on one approval");
}

/// A request made while its account was managed is not applied there once
/// an admin has disabled the account: the change fails, AWS is untouched.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_change_waiting_in_an_account_disabled_since_is_never_applied(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    create_role(&iam(&s, &a).await, "eng-app", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-app");
    let eng = signed_in(&base, ENGINEER).await;
    let id = asked(
        &eng,
        &base,
        &role,
        json!([{"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": "team", "value": "data"}]}}]),
    )
    .await;
    let admin = signed_in(&base, ADMIN).await;
    let r = admin
        .post(format!("{base}/api/set_account_enabled"))
        .form(&[("account", a.as_str()), ("enabled", "false")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    approve_all(&admin, &base, &id).await;
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM request_changes WHERE request_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_ne!(status, "applied");
    if status == "failed" {
        assert!(error.unwrap_or_default().contains("disabled"));
    }
    let tags = iam(&s, &a)
        .await
        .list_role_tags()
        .role_name("eng-app")
        .send()
        .await
        .unwrap();
    assert!(tags.tags().is_empty(), "applied in a disabled account");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_spoke_session_acting_in_another_account_is_never_used(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let s = services(pool.clone(), config(&[&a, &b])).await;
    create_role(&iam(&s, &a).await, "eng-in-a", &[], &[]).await;
    create_role(&iam(&s, &b).await, "eng-in-b", &[], &[]).await;
    // As after an emulator restart under a running server: the session
    // cached for A acts in B.
    let acct = |x: &str| app::domain::AccountId::parse(x).unwrap();
    let b_session = s.aws.spoke(&acct(&b)).await.unwrap();
    s.aws.cache_spoke_session(&acct(&a), b_session).await;
    sync_all(&s, Trigger::Manual).await;
    let in_a: Vec<String> =
        sqlx::query_scalar("SELECT name FROM roles WHERE account_id = $1 ORDER BY name")
            .bind(&a)
            .fetch_all(&pool)
            .await
            .unwrap();
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
    let cfg = config_auth(&[&a], "allow_admin_self_approval = true", "");
    let s = services(pool.clone(), cfg).await;
    create_role(&iam(&s, &a).await, "eng-app", &[], &[]).await;
    let bucket = format!("merge-{a}");
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let s3 = s
        .aws
        .spoke_s3(&app::domain::AccountId::parse(&a).unwrap())
        .await
        .unwrap();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
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
    let ask = |doc: Value| json!([{"target_arn": bucket_arn, "spec": {"kind": "resource_policy_put", "document": doc}}]);

    // Additive: kept Old, adds Get. Meanwhile someone adds Put in AWS.
    let id: String = asked(
        &eng,
        &base,
        &role,
        ask(policy(vec![
            st("Old", "s3:ListBucket"),
            st("Get", "s3:GetObject"),
        ])),
    )
    .await;
    put_live(policy(vec![
        st("Old", "s3:ListBucket"),
        st("Put", "s3:PutObject"),
    ]))
    .await;
    assert!(approve_all(&admin, &base, &id).await.status().is_success());
    assert_eq!(live().await, ["Get", "Old", "Put"], "merged, nothing lost");

    // Not additive (drops Old), and AWS changed since: refused, nothing written.
    let id: String = asked(
        &eng,
        &base,
        &role,
        ask(policy(vec![st("Get", "s3:GetObject")])),
    )
    .await;
    put_live(policy(vec![
        st("Old", "s3:ListBucket"),
        st("Get", "s3:GetObject"),
        st("Del", "s3:DeleteObject"),
    ]))
    .await;
    approve_all(&admin, &base, &id).await;
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM request_changes WHERE request_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
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
    let id: String = asked(
        &eng,
        &base,
        &role,
        ask(policy(vec![st("New", "s3:GetObject")])),
    )
    .await;
    assert!(approve_all(&admin, &base, &id).await.status().is_success());
    assert_eq!(live().await, ["Hidden", "New"]);
}
