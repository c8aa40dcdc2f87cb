//! Credential protection on moto: the plan is read from the account's real
//! networks (a NAT gateway, Elastic IPs, VPCs), shown, and written only after
//! an administrator approved exactly what was shown; it is attached to the
//! tagged roles (never to Latchkey's own spoke role) and kept in step with
//! the networks and the tags by later runs, IAM's five versions respected.
use super::*;
use latchkey::services::credential_protection::run::Actor;
use latchkey::services::sync::engine::{sync_all, Trigger};

const TAG: &str = "latchkey-credential-protection";

async fn ec2(s: &Services, a: &str) -> aws_sdk_ec2::Client {
    let acct = app::domain::AccountId::parse(a).unwrap();
    aws_sdk_ec2::Client::new(&s.aws.spoke(&acct).await.unwrap())
}

/// A VPC with a NAT gateway (its address allocated for it): (vpc, NAT ip).
async fn vpc_with_nat(ec2: &aws_sdk_ec2::Client) -> (String, String) {
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.8.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.8.1.0/24")
        .send()
        .await
        .unwrap();
    let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_owned();
    let (ip, allocation) = elastic_ip(ec2).await;
    ec2.create_nat_gateway()
        .subnet_id(subnet)
        .allocation_id(allocation)
        .send()
        .await
        .unwrap();
    (vpc, ip)
}

/// A new Elastic IP: (address, allocation id).
async fn elastic_ip(ec2: &aws_sdk_ec2::Client) -> (String, String) {
    let a = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .unwrap();
    (
        a.public_ip().unwrap().to_owned(),
        a.allocation_id().unwrap().to_owned(),
    )
}

/// The policy's default version in IAM: (version id, document), if any.
async fn live(iam: &aws_sdk_iam::Client, arn: &str) -> Option<(String, Value)> {
    let p = iam.get_policy().policy_arn(arn).send().await.ok()?;
    let version = p.policy().unwrap().default_version_id().unwrap().to_owned();
    let v = iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(&version)
        .send()
        .await
        .unwrap();
    let text = v.policy_version().unwrap().document().unwrap();
    let text = urlencoding::decode(text).unwrap();
    Some((version, serde_json::from_str(&text).unwrap()))
}

async fn page(c: &reqwest::Client, base: &str) -> Value {
    c.post_json(format!("{base}/api/protection")).await
}

async fn approve(c: &reqwest::Client, base: &str, account: &str, hash: &str) -> u16 {
    let form = [("account", account), ("plan_hash", hash)];
    let r = c
        .post_form(format!("{base}/api/approve_protection"), &form)
        .await;
    r.status().as_u16()
}

async fn audited(pool: &PgPool, action: &str) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT actor, target, outcome FROM audit_events WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(pool)
        .await
        .unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_policy_is_written_once_approved_as_shown_and_kept_in_step(pool: PgPool) {
    let a = unique_account();
    let extra = "\n[credential_protection]\nenabled = true\nextra_cidrs = [\"192.0.2.0/24\"]\n";
    let s = services(pool.clone(), config_with(&[&a], extra)).await;
    let ec2 = ec2(&s, &a).await;
    let (vpc, nat_ip) = vpc_with_nat(&ec2).await;
    let (spare_ip, _) = elastic_ip(&ec2).await;
    let iam = iam(&s, &a).await;
    create_role(&iam, "app-worker", &[], &[(TAG, "true")]).await;
    create_role(&iam, "app-web", &[], &[(TAG, "false")]).await;
    create_role(&iam, "LatchkeySpoke", &[], &[(TAG, "true")]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let admin = signed_in(&base, ADMIN).await;
    let engineer = signed_in(&base, ENGINEER).await;
    let arn = format!("arn:aws:iam::{a}:policy/latchkey-credential-protection");

    // Planned: what the account has, shown; nothing written.
    let r = admin
        .post_status(format!("{base}/api/run_protection"))
        .await;
    assert_eq!(r, 200);
    let p = page(&admin, &base).await;
    let acct = &p["accounts"][0];
    assert_eq!(acct["state"], "awaiting-approval", "{acct}");
    assert!(strings(&acct["nat_ips"]).contains(&nat_ip), "{acct}");
    let eips = strings(&acct["elastic_ips"]);
    assert!(eips.contains(&nat_ip) && eips.contains(&spare_ip), "{acct}");
    assert!(strings(&acct["vpcs"]).contains(&vpc), "{acct}");
    let planned = acct["planned"].as_str().unwrap().to_owned();
    for shown in [
        format!("{nat_ip}/32"),
        format!("{spare_ip}/32"),
        vpc.clone(),
        "192.0.2.0/24".into(),
        "aws:ViaAWSService".into(),
    ] {
        assert!(planned.contains(&shown), "{shown} in {planned}");
    }
    assert!(acct["live"].is_null());
    assert_eq!(
        live(&iam, &arn).await,
        None,
        "nothing written before approval"
    );
    let html = admin
        .get(format!("{base}/admin/protection"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains("Approve and write") && html.contains(&format!("{nat_ip}/32")));

    // An engineer can neither see nor approve nor run it; a stale plan is refused.
    let hash = acct["plan_hash"].as_str().unwrap().to_owned();
    assert_eq!(approve(&engineer, &base, &a, &hash).await, 403);
    for f in ["protection", "run_protection"] {
        let r = engineer.post_status(format!("{base}/api/{f}")).await;
        assert_eq!(r, 403, "{f}");
    }
    assert_eq!(approve(&admin, &base, &a, &"0".repeat(64)).await, 409);
    assert_eq!(approve(&admin, &base, &a, "not-a-hash").await, 400);
    assert_eq!(live(&iam, &arn).await, None, "nothing written on a refusal");

    // Approved as shown: written, attached to the tagged role only.
    assert_eq!(approve(&admin, &base, &a, &hash).await, 200);
    let (version, doc) = live(&iam, &arn).await.expect("written");
    assert_eq!(version, "v1");
    assert_eq!(doc, serde_json::from_str::<Value>(&planned).unwrap());
    assert_eq!(
        attached_policy_arns(&iam, "app-worker").await,
        std::slice::from_ref(&arn)
    );
    assert!(attached_policy_arns(&iam, "app-web").await.is_empty());
    assert!(
        attached_policy_arns(&iam, "LatchkeySpoke").await.is_empty(),
        "the spoke role is never attached"
    );
    let p = page(&admin, &base).await;
    let acct = &p["accounts"][0];
    assert_eq!(acct["state"], "up-to-date", "{acct}");
    assert_eq!(acct["approved_by"], ADMIN);
    assert_eq!(strings(&acct["attached"]), ["app-worker"]);
    assert!(acct["attach_errors"][0]
        .as_str()
        .unwrap()
        .starts_with("LatchkeySpoke: not attached"));
    assert_eq!(
        audited(&pool, "protection.approved").await,
        [(ADMIN.into(), arn.clone(), "success".into())]
    );
    assert_eq!(
        audited(&pool, "protection.written").await,
        [(ADMIN.into(), arn.clone(), "success".into())]
    );
    let worker = format!("arn:aws:iam::{a}:role/app-worker");
    assert_eq!(
        audited(&pool, "protection.attached").await,
        [(ADMIN.into(), worker.clone(), "success".into())]
    );

    // The networks and tags change: the next scheduled run follows them.
    let (new_ip, _) = elastic_ip(&ec2).await;
    iam.untag_role()
        .role_name("app-worker")
        .tag_keys(TAG)
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("app-web")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key(TAG)
                .value("TRUE")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    sync_all(&s, Trigger::Manual).await;
    let client = app::ports::ClientMeta::default();
    let latchkey = Actor {
        id: "latchkey",
        client: &client,
    };
    let run = s.protect_accounts(&latchkey).await.unwrap();
    assert_eq!(
        (run.written, run.attached, run.detached, run.failed),
        (1, 1, 1, 0),
        "{run:?}"
    );
    let (version, doc) = live(&iam, &arn).await.unwrap();
    assert_eq!(version, "v2");
    assert!(doc.to_string().contains(&format!("{new_ip}/32")), "{doc}");
    assert!(attached_policy_arns(&iam, "app-worker").await.is_empty());
    assert_eq!(
        attached_policy_arns(&iam, "app-web").await,
        std::slice::from_ref(&arn)
    );
    let detached = audited(&pool, "protection.detached").await;
    assert_eq!(detached, [("latchkey".into(), worker, "success".into())]);

    // Unchanged networks write nothing; many changes keep IAM's five versions.
    let run = s.protect_accounts(&latchkey).await.unwrap();
    assert_eq!((run.written, run.attached, run.detached), (0, 0, 0));
    for _ in 0..5 {
        elastic_ip(&ec2).await;
        let run = s.protect_accounts(&latchkey).await.unwrap();
        assert_eq!((run.written, run.failed), (1, 0), "{run:?}");
    }
    let versions = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 5);
    let (version, _) = live(&iam, &arn).await.unwrap();
    assert_eq!(version, "v7");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn while_off_nothing_is_planned_or_written(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let base = spawn_http(s.clone()).await;
    let admin = signed_in(&base, ADMIN).await;
    let p = page(&admin, &base).await;
    assert_eq!(p["enabled"], false);
    assert_eq!(p["accounts"], json!([]));
    let r = admin.post_empty(format!("{base}/api/run_protection")).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("enabled = true"));
    assert_eq!(approve(&admin, &base, &a, &"a".repeat(64)).await, 409);
    let client = app::ports::ClientMeta::default();
    let run = s
        .protect_accounts(&Actor {
            id: "latchkey",
            client: &client,
        })
        .await
        .unwrap();
    assert_eq!(run.planned, 0);
    let html = admin
        .get(format!("{base}/admin/protection"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    assert!(html
        .text()
        .await
        .unwrap()
        .contains("Credential protection is off"));
}
