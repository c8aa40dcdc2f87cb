//! Re-reading one item after a change: a role alone (as the account pass
//! would cache it), never skipped because a pass holds the account, and never
//! overwritten by a pass that read before it.
use super::*;
use latchkey::db::sync_runs::Claim;

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"}]}"#;
const MORE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#;

fn role_arn(a: &str, name: &str) -> String {
    format!("arn:aws:iam::{a}:role/{name}")
}

async fn inline_names(pool: &PgPool, arn: &str) -> Vec<String> {
    let inline: Value = scalar_of(
        pool,
        "SELECT inline_policies FROM roles WHERE arn = $1",
        arn,
    )
    .await;
    let on_page: Value = scalar_of(
        pool,
        "SELECT details->'inline_policies' FROM resources WHERE arn = $1",
        arn,
    )
    .await;
    assert_eq!(inline, on_page, "the roles and resources rows agree");
    inline
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn put_inline(iam: &aws_sdk_iam::Client, role: &str, name: &str, doc: &str) {
    iam.put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(doc)
        .send()
        .await
        .unwrap();
}

/// One account with `eng-dev` (inline and two managed policies, tags,
/// boundary), synced: (services, account, IAM client).
async fn synced(pool: &PgPool) -> (Services, String, aws_sdk_iam::Client) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    create_role(
        &iam,
        "eng-dev",
        &[("read", DOC)],
        &[("team", "data"), ("owner", "erin")],
    )
    .await;
    let own = create_policy(&iam, "Shared", DOC).await;
    let other = create_policy(&iam, "Other", MORE).await;
    for p in [own.as_str(), other.as_str()] {
        iam.attach_role_policy()
            .role_name("eng-dev")
            .policy_arn(p)
            .send()
            .await
            .unwrap();
    }
    iam.put_role_permissions_boundary()
        .role_name("eng-dev")
        .permissions_boundary(&own)
        .send()
        .await
        .unwrap();
    run_task(&s, Task::Iam, &a).await;
    (s, a, iam)
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_role_read_alone_is_cached_exactly_as_the_account_pass_caches_it(pool: PgPool) {
    let (s, a, iam) = synced(&pool).await;
    let arn = role_arn(&a, "eng-dev");
    let row =
        "SELECT trust_policy, inline_policies, managed_policies, tags, boundary_arn, path, role_id
               FROM roles WHERE arn = $1";
    type Row = (Value, Value, Value, Value, Option<String>, String, String);
    let by_pass: Row = row_of(&pool, row, &arn).await;
    let page_by_pass: (Value, Value) = row_of(
        &pool,
        "SELECT details, tags FROM resources WHERE arn = $1",
        &arn,
    )
    .await;

    s.refresh_item(&arn, Trigger::AfterApply).await.unwrap();
    let alone: Row = row_of(&pool, row, &arn).await;
    assert_eq!(
        alone, by_pass,
        "GetRole and its listings give the pass's row"
    );
    let page_alone: (Value, Value) = row_of(
        &pool,
        "SELECT details, tags FROM resources WHERE arn = $1",
        &arn,
    )
    .await;
    assert_eq!(page_alone, page_by_pass);
    assert_eq!(alone.2[0]["name"], "Other");
    assert_eq!(
        alone.2[1]["document"]["Statement"][0]["Action"],
        "s3:GetObject"
    );

    // A change is seen at once; the next pass then finds nothing to rewrite.
    put_inline(&iam, "eng-dev", "more", MORE).await;
    s.refresh_item(&arn, Trigger::AfterApply).await.unwrap();
    assert_eq!(inline_names(&pool, &arn).await, ["more", "read"]);
    let pass = run_task(&s, Task::Iam, &a).await;
    assert_eq!((pass.changed, pass.removed), (0, 0));

    // A role deleted in AWS leaves both caches when re-read.
    for p in ["more", "read"] {
        iam.delete_role_policy()
            .role_name("eng-dev")
            .policy_name(p)
            .send()
            .await
            .unwrap();
    }
    let attached = attached_policy_arns(&iam, "eng-dev").await;
    for p in attached {
        iam.detach_role_policy()
            .role_name("eng-dev")
            .policy_arn(p)
            .send()
            .await
            .unwrap();
    }
    iam.delete_role().role_name("eng-dev").send().await.unwrap();
    s.refresh_item(&arn, Trigger::AfterApply).await.unwrap();
    let left: i64 = scalar_of(
        &pool,
        "SELECT (SELECT count(*) FROM roles WHERE arn = $1) + (SELECT count(*) FROM resources WHERE arn = $1)",
        &arn,
    )
    .await;
    assert_eq!(left, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_role_is_reread_even_while_another_pass_holds_its_account(pool: PgPool) {
    let (s, a, iam) = synced(&pool).await;
    let arn = role_arn(&a, "eng-dev");
    // Another replica's pass holds the account (it may have read already).
    let claim = Claim::take(&pool, "iam", &a).await.unwrap().unwrap();
    put_inline(&iam, "eng-dev", "more", MORE).await;
    s.refresh_item(&arn, Trigger::AfterApply).await.unwrap();
    assert_eq!(inline_names(&pool, &arn).await, ["more", "read"]);
    claim.release("iam", &a).await;
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_pass_that_read_before_a_refresh_does_not_undo_it(pool: PgPool) {
    let (s, a, iam) = synced(&pool).await;
    let acct = app::domain::AccountId::parse(&a).unwrap();
    let arn = role_arn(&a, "eng-dev");
    // A pass reads the account...
    let began = chrono::Utc::now();
    let stale = latchkey::aws::iam::read_account(&iam, &acct).await.unwrap();
    // ...then a change is applied and re-read, and a new role is created and read...
    put_inline(&iam, "eng-dev", "more", MORE).await;
    s.refresh_item(&arn, Trigger::AfterApply).await.unwrap();
    create_role(&iam, "eng-new", &[], &[]).await;
    s.refresh_item(&role_arn(&a, "eng-new"), Trigger::AfterApply)
        .await
        .unwrap();
    // ...and only then does the early pass write what it read.
    let mut tx = pool.begin().await.unwrap();
    let out = latchkey::db::roles::replace_account_roles(&mut tx, &a, &stale.roles, began)
        .await
        .unwrap();
    let rows: Vec<_> = stale.roles.iter().map(|r| r.to_resource()).collect();
    latchkey::db::resources::replace_account(&mut tx, &a, &["role"], &rows, &[], began)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!((out.changed, out.removed), (0, 0));
    assert_eq!(inline_names(&pool, &arn).await, ["more", "read"]);
    assert_eq!(
        inline_names(&pool, &role_arn(&a, "eng-new")).await,
        Vec::<String>::new()
    );
    // A pass that reads after the change agrees and rewrites nothing.
    let pass = run_task(&s, Task::Iam, &a).await;
    assert_eq!((pass.changed, pass.removed), (0, 0));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_user_refresh_waits_for_a_pass_under_way_then_reads_after_it(pool: PgPool) {
    let (s, a, iam) = synced(&pool).await;
    iam.create_user().user_name("dana").send().await.unwrap();
    run_task(&s, Task::Iam, &a).await;
    let user = format!("arn:aws:iam::{a}:user/dana");
    let claim = Claim::take(&pool, "iam", &a).await.unwrap().unwrap();
    iam.put_user_policy()
        .user_name("dana")
        .policy_name("push")
        .policy_document(MORE)
        .send()
        .await
        .unwrap();
    let s2 = s.clone();
    let u2 = user.clone();
    let refresh = tokio::spawn(async move { s2.refresh_item(&u2, Trigger::AfterApply).await });
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(
        !refresh.is_finished(),
        "a pass that may have read before the change is not taken for a refresh"
    );
    claim.release("iam", &a).await;
    refresh.await.unwrap().unwrap();
    let inline: Value = scalar_of(
        &pool,
        "SELECT details->'inline_policies' FROM resources WHERE arn = $1",
        &user,
    )
    .await;
    assert_eq!(inline[0]["name"], "push");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_new_policy_tells_no_cache_to_forget_and_a_new_tag_does(pool: PgPool) {
    let (s, a, iam) = synced(&pool).await;
    let arn = role_arn(&a, "eng-dev");
    let mut heard = sqlx::postgres::PgListener::connect_with(&pool)
        .await
        .unwrap();
    heard.listen("latchkey_roles_changed").await.unwrap();
    let generations = "SELECT coalesce(sum(generation), 0)::int8 FROM resource_generations";
    let before: i64 = scalar(&pool, generations).await;

    // An approval's usual change: a policy. Eligibility and search hold none.
    put_inline(&iam, "eng-dev", "more", MORE).await;
    s.refresh_item(&arn, Trigger::AfterApply).await.unwrap();
    assert_eq!(inline_names(&pool, &arn).await, ["more", "read"]);
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(500), heard.recv()).await;
    assert!(
        quiet.is_err(),
        "a policy change emptied every replica's role caches"
    );
    assert_eq!(
        scalar::<i64>(&pool, generations).await,
        before,
        "the search index was made stale"
    );

    // A tag is what eligibility reads: every replica hears of it.
    iam.tag_role()
        .role_name("eng-dev")
        .tags(iam_tag("team", "web"))
        .send()
        .await
        .unwrap();
    s.refresh_item(&arn, Trigger::AfterApply).await.unwrap();
    let told = tokio::time::timeout(std::time::Duration::from_secs(5), heard.recv()).await;
    assert!(told.is_ok(), "a tag change was not announced");
    assert!(scalar::<i64>(&pool, generations).await > before);
}
