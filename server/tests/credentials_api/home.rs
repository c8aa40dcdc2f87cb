//! The roles home: a first screen of a user's roles, filtered on the server,
//! and "Recently used" kept current across replicas.
use super::*;

/// The roles home sends the first 100 of a user's roles however many they
/// may use, filters all of them on the server, and sees a change the next
/// sync makes at once (the in-memory answer is dropped on every change).
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_roles_home_sends_a_first_screen_and_filters_every_role(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    start_listening(&s).await;
    let iam_a = iam(&s, &a).await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..150 {
        let iam_a = iam_a.clone();
        set.spawn(async move { create_role(&iam_a, &format!("eng-r{i:03}"), &[], &[]).await });
    }
    while set.join_next().await.is_some() {}
    create_role(&iam_a, "ops-only", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let home = |q: &'static str| {
        let (eng, base) = (eng.clone(), base.clone());
        async move {
            let r = eng
                .post_form(format!("{base}/api/eligible_roles"), &[("q", q)])
                .await;
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            let names: Vec<String> = v["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["roles"].as_array().unwrap().clone())
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect();
            (
                v["total"].as_u64().unwrap(),
                v["matched"].as_u64().unwrap(),
                names,
            )
        }
    };
    let (total, matched, names) = home("").await;
    assert_eq!((total, matched, names.len()), (150, 150, 100));
    assert_eq!(names[0], "eng-r000");
    let (_, matched, names) = home("R14").await;
    assert_eq!(matched, 10, "eng-r140..149, whatever the case: {names:?}");
    assert!(names.contains(&"eng-r149".to_owned()));
    assert_eq!(home("ops-only").await.1, 0, "never an ineligible role");
    let long = [("q", "x".repeat(300))];
    let r = eng
        .post_form(format!("{base}/api/eligible_roles"), &long)
        .await;
    assert_eq!(r.status(), 400, "an overlong filter");
    assert!(r.text().await.unwrap().contains("\"q\""));
    let anon = reqwest::Client::new()
        .post_status(format!("{base}/api/eligible_roles"))
        .await;
    assert_eq!(anon, 401);
    // Tagged for engineers in AWS, then synced: eligible at once.
    iam_a
        .tag_role()
        .role_name("ops-only")
        .tags(iam_tag("latchkey-authorized", "engineers"))
        .send()
        .await
        .unwrap();
    sync_all(&s, Trigger::Manual).await;
    assert_eq!(home("ops-only").await.1, 1);
    let page = eng.get_text(format!("{base}/")).await;
    assert!(
        page.contains("Showing 100 of 151"),
        "the first screen says how many"
    );
    assert!(page.len() < 100_000, "first screen is {} bytes", page.len());
}

/// "Recently used" on the roles home is answered from memory, and a role
/// used through another replica moves to the top at once: the change's
/// notification drops the cached list on every replica.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn recently_used_roles_follow_a_use_on_any_replica(pool: PgPool) {
    let a = unique_account();
    let s1 = services(pool.clone(), config(&[&a])).await;
    let s2 = services(pool.clone(), config(&[&a])).await;
    for s in [&s1, &s2] {
        start_listening(s).await;
    }
    let iam_a = iam(&s1, &a).await;
    create_role(&iam_a, "eng-dev", &[], &[]).await;
    create_role(&iam_a, "eng-ops", &[], &[]).await;
    sync_all(&s1, Trigger::Manual).await;
    let (base1, base2) = (spawn_http(s1).await, spawn_http(s2).await);
    // The same engineer in two browser tabs, one on each replica.
    let eng1 = signed_in(&base1, ENGINEER).await;
    let eng2 = signed_in(&base2, ENGINEER).await;
    let recent = |base: String| {
        let eng = eng1.clone();
        async move {
            let url = format!("{base}/api/eligible_roles");
            let v: Value = eng.post_form_json(url, &[("q", "")]).await;
            v["recent"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let issue = |eng: &reqwest::Client, base: String, role: &'static str| {
        let (eng, arn) = (eng.clone(), format!("arn:aws:iam::{a}:role/{role}"));
        async move {
            let r = credentials(&eng, &base, &arn).await;
            let status = r.status();
            assert_eq!(status, 200, "{base}: {}", r.text().await.unwrap());
        }
    };
    assert!(recent(base1.clone()).await.is_empty());
    issue(&eng1, base1.clone(), "eng-dev").await;
    assert_eq!(
        recent(base1.clone()).await,
        ["eng-dev"],
        "at once on the replica that issued"
    );
    issue(&eng2, base2.clone(), "eng-ops").await;
    let mut seen = Vec::new();
    for _ in 0..250 {
        seen = recent(base1.clone()).await;
        if seen.first().map(String::as_str) == Some("eng-ops") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        seen,
        ["eng-ops", "eng-dev"],
        "replica 1 hears a use on replica 2"
    );
}
