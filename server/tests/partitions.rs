//! A deployment in AWS China (`aws-cn`), on moto, which answers in the
//! partition of the region it is called in: the spoke role, every synced
//! ARN, eligibility, credentials and the console sign-in all stay in that
//! partition, and a rule written for the standard partition grants nothing.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::Value;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_aws_cn_deployment_stays_in_its_partition(pool: PgPool) {
    let a = unique_account();
    let in_cn = [("aws", "region = \"cn-north-1\"")];
    // The dev federation stub asks STS who the session is: in China too.
    let stub = spawn_http(services(pool.clone(), config_in(&[], &in_cn, "")).await).await;
    let extra = format!(
        "\n[console]\nissuer = \"https://latchkey.test\"\nfederation_url = \"{stub}/dev/federation\"\n{}",
        eligibility("engineers", &["arn:aws-cn:iam::*:role/cn-*"])
    );
    let cfg = config_in(&[&a], &in_cn, &extra);
    assert_eq!(
        cfg.spoke_role_arn(&app::domain::AccountId::parse(&a).unwrap()),
        format!("arn:aws-cn:iam::{a}:role/LatchkeySpoke")
    );
    let s = services(pool.clone(), cfg).await;
    let iam = iam(&s, &a).await;
    // eng-dev matches the standard partition's rule by name only.
    for r in ["cn-dev", "eng-dev"] {
        create_role(&iam, r, &[], &[]).await;
    }
    create_queue(&sqs(&s, &a).await, "jobs", &[]).await;
    let s3 = s3(&s, &a).await;
    s3.create_bucket()
        .bucket(format!("cn-logs-{a}"))
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    "cn-north-1",
                ))
                .build(),
        )
        .send()
        .await
        .unwrap();
    sync_all(&s, Trigger::Manual).await;

    let arns: Vec<String> = scalars_of(
        &pool,
        "SELECT arn FROM resources WHERE account_id = $1 ORDER BY arn",
        &a,
    )
    .await;
    for want in [
        format!("arn:aws-cn:iam::{a}:role/cn-dev"),
        format!("arn:aws-cn:sqs:cn-north-1:{a}:jobs"),
        format!("arn:aws-cn:s3:::cn-logs-{a}"),
    ] {
        assert!(arns.contains(&want), "{want} in {arns:?}");
    }
    assert!(
        arns.iter().all(|arn| arn.starts_with("arn:aws-cn:")),
        "{arns:?}"
    );

    let base = spawn_http(s).await;
    let eng = signed_in_without_redirects(&base, ENGINEER).await;
    // Credentials for the cn role, as the user.
    let cn_dev = format!("arn:aws-cn:iam::{a}:role/cn-dev");
    let r = credentials(&eng, &base, &cn_dev).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["Credentials"]["AccessKeyId"].as_str().is_some(),
        "{body}"
    );
    // A rule for arn:aws:... does not reach arn:aws-cn:... roles.
    let r = credentials(&eng, &base, &format!("arn:aws-cn:iam::{a}:role/eng-dev")).await;
    assert_eq!(r.status(), 403, "{:?}", r.text().await);

    // The console lands in the China console.
    let r = eng
        .get(format!(
            "{base}/role/{a}/cn-dev?r=cn-north-1&redirect=/sqs/"
        ))
        .fetch()
        .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let login = r.headers()["location"].to_str().unwrap().to_owned();
    let dest = query_param(&login, "Destination");
    assert_eq!(
        dest,
        "https://cn-north-1.console.amazonaws.cn/sqs/?region=cn-north-1"
    );
    let page = reqwest::get(&login).await.unwrap().text().await.unwrap();
    assert!(page.contains("assumed-role/cn-dev/"), "{page}");

    // The role's page links its console page in the same partition.
    let page = eng
        .get(format!("{base}/roles/{a}/cn-dev"))
        .fetch()
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("https://console.amazonaws.cn/iam/home"),
        "{page}"
    );
}
