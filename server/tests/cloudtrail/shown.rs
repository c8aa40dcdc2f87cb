//! Denied calls where people see them: a role's page (to those who may use
//! the role, and administrators), a user's page (administrators), the
//! resources table's count and "has recent denials" filter (page and CSV),
//! and `/metrics`; only denials within the retention window; none of it
//! when ingest is off.
use super::*;
use chrono::{Duration, Utc};
use latchkey::db::denials::DenialRow;

pub const TRAIL: &str = "\n[cloudtrail]\nbucket = \"trail\"\n";

pub fn denial(principal: &str, action: &str, count: i64, days_ago: i64, who: &str) -> DenialRow {
    let at = Utc::now() - Duration::days(days_ago);
    DenialRow {
        principal_arn: principal.into(),
        action: action.into(),
        resource: "arn:aws:s3:::reports/q4.csv".into(),
        error_code: "AccessDenied".into(),
        account_id: principal.split(':').nth(4).unwrap().into(),
        count,
        first_seen: at - Duration::hours(2),
        last_seen: at,
        sessions: vec![who.into()],
    }
}

/// Served with `eng-dev`, `eng-quiet` and `ops-admin` (and IAM user `dana`):
/// eng-dev denied 7 calls lately and 2 long ago, ops-admin and dana 1 each.
async fn served_denied(pool: &PgPool, cloudtrail: &str) -> Served {
    let w = served_with(
        pool,
        |a| config_with(a, cloudtrail),
        &["eng-dev", "eng-quiet", "ops-admin"],
    )
    .await;
    let iam = iam(&w.s, &w.account).await;
    iam.create_user().user_name("dana").send().await.unwrap();
    latchkey::services::sync::engine::sync_all(
        &w.s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let user = format!("arn:aws:iam::{}:user/dana", w.account);
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::denials::upsert(
        &mut conn,
        &[
            denial(&w.role("eng-dev"), "s3:GetObject", 7, 1, "erin@example.com"),
            denial(
                &w.role("eng-dev"),
                "sqs:SendMessage",
                2,
                40,
                "old@example.com",
            ),
            denial(&w.role("ops-admin"), "iam:PassRole", 1, 2, "ops-bot"),
            denial(&user, "s3:PutObject", 1, 3, "dana"),
        ],
    )
    .await
    .unwrap();
    w
}

async fn role_denials(c: &reqwest::Client, w: &Served, role: &str) -> Value {
    let form = [("account", w.account.as_str()), ("name", role)];
    let detail: Value = c
        .post_form_json(format!("{}/api/role", w.base), &form)
        .await;
    detail["denials"].clone()
}

async fn user_denials(c: &reqwest::Client, w: &Served) -> Value {
    let arn = format!("arn:aws:iam::{}:user/dana", w.account);
    let detail: Value = c
        .post_form_json(format!("{}/api/resource", w.base), &[("arn", arn.as_str())])
        .await;
    detail["facts"]["User"]["denials"].clone()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_role_page_shows_its_recent_denials_to_those_who_may_use_it(pool: PgPool) {
    let w = served_denied(&pool, TRAIL).await;
    let (eng, admin) = (w.signed_in(ENGINEER).await, w.signed_in(ADMIN).await);

    let mine = role_denials(&eng, &w, "eng-dev").await;
    let rows = mine.as_array().unwrap();
    assert_eq!(rows.len(), 1, "only what was seen within 30 days: {mine}");
    assert_eq!(rows[0]["action"], "s3:GetObject");
    assert_eq!(rows[0]["count"], 7);
    assert_eq!(rows[0]["sessions"], json!(["erin@example.com"]));
    assert_eq!(role_denials(&eng, &w, "eng-quiet").await, json!([]));
    // A role the engineer may not use: who was denied what is not theirs to see.
    assert_eq!(role_denials(&eng, &w, "ops-admin").await, Value::Null);
    assert_eq!(
        role_denials(&admin, &w, "ops-admin").await[0]["action"],
        "iam:PassRole"
    );
    // A user's page: administrators only.
    assert_eq!(user_denials(&eng, &w).await, Value::Null);
    assert_eq!(user_denials(&admin, &w).await[0]["action"], "s3:PutObject");

    // The page itself, as a browser loads it.
    let html = eng
        .get_text(format!("{}/roles/{}/eng-dev", w.base, w.account))
        .await;
    assert!(html.contains("data-testid=\"denied-calls\""), "{html}");
    assert!(html.contains("s3:GetObject") && !html.contains("sqs:SendMessage"));
    let html = eng
        .get_text(format!("{}/roles/{}/ops-admin", w.base, w.account))
        .await;
    assert!(!html.contains("denied-calls") && !html.contains("iam:PassRole"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_resources_table_counts_denials_and_filters_to_denied_principals(pool: PgPool) {
    let w = served_denied(&pool, TRAIL).await;
    let eng = w.signed_in(ENGINEER).await;
    let arns = |html: &str| -> Vec<String> {
        html.split("<tr data-arn=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_owned())
            .collect()
    };
    let all = eng
        .get_text(format!("{}/resources?type=role", w.base))
        .await;
    for role in ["eng-dev", "eng-quiet", "ops-admin"] {
        assert!(arns(&all).contains(&w.role(role)), "{role}");
    }
    assert!(
        all.contains(&format!("href=\"/roles/{}/eng-dev\">7</a>", w.account)),
        "{all}"
    );
    assert!(all.contains("data-testid=\"denied-filter\""));

    let denied = eng.get_text(format!("{}/resources?denied=1", w.base)).await;
    let mut got = arns(&denied);
    got.sort();
    let user = format!("arn:aws:iam::{}:user/dana", w.account);
    assert_eq!(got, [w.role("eng-dev"), w.role("ops-admin"), user.clone()]);
    // Combined with the other filters, and in the CSV export alike.
    let roles = eng
        .get_text(format!("{}/resources?denied=1&type=role&q=ops", w.base))
        .await;
    assert_eq!(arns(&roles), [w.role("ops-admin")]);
    let csv = eng
        .get_text(format!("{}/resources.csv?denied=1", w.base))
        .await;
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
    assert!(csv.contains(&user) && !csv.contains("eng-quiet"));
    // A bad value is named, and changes nothing.
    let r = eng
        .get(format!("{}/resources.csv?denied=maybe", w.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().starts_with("denied:"));

    let metrics = reqwest::Client::new()
        .get_text(format!("{}/metrics", w.base))
        .await;
    for line in [
        "latchkey_denials 3",
        "latchkey_denied_calls 9",
        "latchkey_denied_principals 3",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn with_ingest_off_no_page_shows_denials(pool: PgPool) {
    let w = served_denied(&pool, "").await;
    let admin = w.signed_in(ADMIN).await;
    assert_eq!(role_denials(&admin, &w, "eng-dev").await, Value::Null);
    let page = admin
        .get_text(format!("{}/resources?type=role", w.base))
        .await;
    assert!(!page.contains("denied-filter") && !page.contains("denied-count"));
    let metrics = reqwest::Client::new()
        .get_text(format!("{}/metrics", w.base))
        .await;
    assert!(!metrics.contains("latchkey_denied"), "{metrics}");
}

/// The query parameters of a link, decoded.
fn params_of(href: &str) -> std::collections::HashMap<String, String> {
    let (path, query) = href.split_once('?').unwrap();
    assert_eq!(path, "/request");
    query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), urlencoding::decode(v).unwrap().into_owned())
        })
        .collect()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_denied_call_opens_the_wizard_on_exactly_it_and_its_other_accounts_side(pool: PgPool) {
    let (home, other) = (unique_account(), unique_account());
    let s = services(pool.clone(), config_with(&[&home, &other], TRAIL)).await;
    create_role(&iam(&s, &home).await, "eng-etl", &[], &[]).await;
    let bucket = format!("reports-{other}");
    create_bucket(&s3(&s, &other).await, &bucket).await;
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let role = format!("arn:aws:iam::{home}:role/eng-etl");
    let object = format!("arn:aws:s3:::{bucket}/2026/q4.csv");
    let mut d = denial(&role, "s3:GetObject", 3, 0, "erin@example.com");
    d.resource = object.clone();
    // And one no least-privilege ask fits: a resource-taking action on "*".
    let mut star = denial(&role, "iam:PassRole", 1, 0, "erin@example.com");
    star.resource = "*".into();
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::denials::upsert(&mut conn, &[d, star])
        .await
        .unwrap();
    drop(conn);
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;

    let form = [("account", home.as_str()), ("name", "eng-etl")];
    let detail: Value = eng.post_form_json(format!("{base}/api/role"), &form).await;
    let rows = detail["denials"].as_array().unwrap();
    let get = rows.iter().find(|r| r["action"] == "s3:GetObject").unwrap();
    let pass = rows.iter().find(|r| r["action"] == "iam:PassRole").unwrap();
    assert_eq!(
        pass["request_href"],
        Value::Null,
        "no ask for iam:PassRole on every role"
    );
    let href = get["request_href"].as_str().unwrap();
    let p = params_of(href);
    assert_eq!(p["principal"], role);
    let why = &p["justification"];
    assert!(
        why.starts_with(&format!(
            "CloudTrail: s3:GetObject on {object} was denied (AccessDenied) 3 times"
        )),
        "{why}"
    );
    assert!(why.contains("erin@example.com"), "{why}");
    let intent = app::domain::policy::Intent::decode(&p["intent"]).unwrap();

    // The wizard opens with it filled in.
    let page = eng.get_text(format!("{base}{href}")).await;
    assert!(page.contains("CloudTrail: s3:GetObject"), "{page}");

    // Sent as it is: exactly that call on exactly that object, and the
    // bucket's own account's side of the grant.
    let body = json!({
        "principal_arn": role,
        "justification": format!("{why}the quarterly report job"),
        "intents": [intent],
        "expires_at": null,
    });
    let r = eng
        .post_json_body(format!("{base}/api/submit_intents"), &body)
        .await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    let id: String = serde_json::from_str(&text).unwrap();
    let changes: Vec<(String, String, Value)> = rows_of(
        &pool,
        "SELECT kind, target_arn, spec FROM request_changes WHERE request_id = $1::uuid ORDER BY position",
        &id,
    )
    .await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(
        (changes[0].0.as_str(), &changes[0].1),
        ("inline_policy_put", &role)
    );
    let statements = changes[0].2["document"]["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "{statements:?}");
    assert_eq!(statements[0]["Action"], json!("s3:GetObject"));
    assert_eq!(statements[0]["Resource"], json!(format!("{object}*")));
    assert_eq!(
        (changes[1].0.as_str(), changes[1].1.as_str()),
        (
            "resource_policy_put",
            format!("arn:aws:s3:::{bucket}").as_str()
        )
    );
}
