//! The resources table (filters, sort, keyset pages), CSV export and /metrics.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::aws::snapshot::ResourceSnapshot;
use latchkey::db::resources::{search, Cursor, Filter, ListRow, PageQuery, Sort};
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::json;
use sqlx::PgPool;

/// How many rows a filter matches (up to 500), by name.
async fn hits(conn: &mut sqlx::PgConnection, f: &Filter) -> usize {
    search(conn, &PageQuery::new(f, Sort::Name, 500))
        .await
        .unwrap()
        .0
        .len()
}

fn row(account: &str, kind: &'static str, name: &str, env: &str) -> ResourceSnapshot {
    let arn = match kind {
        "s3_bucket" => format!("arn:aws:s3:::{name}"),
        "sqs_queue" => format!("arn:aws:sqs:us-east-1:{account}:{name}"),
        _ => format!("arn:aws:iam::{account}:role/{name}"),
    };
    ResourceSnapshot {
        arn,
        kind,
        account_id: account.into(),
        name: name.into(),
        tags: json!([{ "key": "env", "value": env }]),
        policy: None,
        details: json!({}),
    }
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn resources_are_filtered_sorted_and_paged_by_keyset(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let _s = services(pool.clone(), config(&[&a, &b])).await;
    let mut rows = Vec::new();
    for i in 0..60 {
        rows.push(row(
            &a,
            "role",
            &format!("role-{i:03}"),
            if i % 2 == 0 { "prod" } else { "dev" },
        ));
        rows.push(row(&b, "s3_bucket", &format!("bucket-{i:03}-{b}"), "prod"));
        rows.push(row(&b, "sqs_queue", &format!("queue-{i:03}"), "dev"));
    }
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(
        latchkey::db::resources::upsert(&mut conn, &rows)
            .await
            .unwrap(),
        180
    );
    assert_eq!(
        latchkey::db::resources::upsert(&mut conn, &rows)
            .await
            .unwrap(),
        0,
        "unchanged rows are not rewritten"
    );

    // Keyset pages cover every row once, in order.
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let (page, more) = search(
            &mut conn,
            &PageQuery::new(&Filter::default(), Sort::Name, 50).after(cursor.as_ref()),
        )
        .await
        .unwrap();
        seen.extend(page.iter().map(|r| r.name.clone()));
        cursor = page.last().map(ListRow::cursor);
        if !more {
            break;
        }
    }
    assert_eq!(seen.len(), 180);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);

    let f = |kind: Option<&str>,
             account: Option<&str>,
             text: Option<&str>,
             tag: Option<(&str, Option<&str>)>| Filter {
        kind: kind.map(str::to_owned),
        account_id: account.map(str::to_owned),
        text: text.map(str::to_owned),
        tag: tag.map(|(k, v)| (k.to_owned(), v.map(str::to_owned))),
        region: None,
        arns: None,
    };
    assert_eq!(
        hits(&mut conn, &f(Some("sqs_queue"), None, None, None)).await,
        60
    );
    assert_eq!(hits(&mut conn, &f(None, Some(&a), None, None)).await, 60);
    assert_eq!(
        hits(&mut conn, &f(None, None, Some("ROLE-01"), None)).await,
        10,
        "case-insensitive substring"
    );
    assert_eq!(
        hits(&mut conn, &f(None, None, Some("50%"), None)).await,
        0,
        "LIKE wildcards are literal"
    );
    assert_eq!(
        hits(
            &mut conn,
            &f(Some("role"), None, None, Some(("env", Some("prod"))))
        )
        .await,
        30
    );
    assert_eq!(
        hits(&mut conn, &f(None, None, None, Some(("env", None)))).await,
        180
    );
    let (desc, _) = search(
        &mut conn,
        &PageQuery::new(&f(Some("role"), None, None, None), Sort::Name, 3).descending(true),
    )
    .await
    .unwrap();
    assert_eq!(
        desc.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["role-059", "role-058", "role-057"]
    );
    // Every sort order pages through all rows exactly once, in order, with
    // and without every filter at once (substring, type, account, tag).
    let all = Filter::default();
    let combined = f(
        Some("s3_bucket"),
        Some(&b),
        Some("BUCKET-0"),
        Some(("env", Some("prod"))),
    );
    let prod = f(None, None, None, Some(("env", Some("prod"))));
    for (filter, sort, desc, total) in [
        (&prod, Sort::Name, false, 90),
        (&prod, Sort::Name, true, 90),
        (&prod, Sort::Account, false, 90),
        (&all, Sort::Account, false, 180),
        (&all, Sort::Kind, true, 180),
        (&all, Sort::Name, true, 180),
        (&combined, Sort::Account, false, 60),
        (&combined, Sort::Kind, true, 60),
        (&combined, Sort::Name, false, 60),
    ] {
        let mut keys = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let (page, more) = search(
                &mut conn,
                &PageQuery::new(filter, sort, 40)
                    .descending(desc)
                    .after(cursor.as_ref()),
            )
            .await
            .unwrap();
            keys.extend(page.iter().map(|r| (r.sort_key.clone(), r.arn.clone())));
            cursor = page.last().map(ListRow::cursor);
            if !more {
                break;
            }
        }
        let mut expected = keys.clone();
        expected.sort();
        if desc {
            expected.reverse();
        }
        assert_eq!(keys.len(), total, "{sort:?} {filter:?}");
        assert_eq!(keys, expected, "{sort:?} desc={desc} {filter:?}");
    }

    // A changed tag moves the resource between tag filters; a removed one
    // drops it.
    let mut changed = rows.clone();
    changed[0] = row(&a, "role", "role-000", "dev");
    assert_eq!(
        latchkey::db::resources::upsert(&mut conn, &changed)
            .await
            .unwrap(),
        1
    );
    let names = |page: (Vec<latchkey::db::resources::ListRow>, bool)| {
        page.0.into_iter().map(|r| r.name).collect::<Vec<_>>()
    };
    let roles_in = |env: &'static str| f(Some("role"), None, None, Some(("env", Some(env))));
    let prod_roles = names(
        search(
            &mut conn,
            &PageQuery::new(&roles_in("prod"), Sort::Name, 500),
        )
        .await
        .unwrap(),
    );
    assert_eq!(prod_roles.len(), 29);
    assert!(!prod_roles.contains(&"role-000".to_owned()));
    let dev_roles = names(
        search(
            &mut conn,
            &PageQuery::new(&roles_in("dev"), Sort::Name, 500),
        )
        .await
        .unwrap(),
    );
    assert_eq!(dev_roles.first().map(String::as_str), Some("role-000"));
    assert_eq!(dev_roles.len(), 31);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn csv_export_and_metrics_reflect_the_synced_inventory(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    create_bucket(&s3(&s, &a).await, &format!("csv-{a}")).await;
    create_role(&iam(&s, &a).await, "eng-csv", &[], &[("team", "a,b")]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;

    let anon = reqwest::Client::new();
    assert_eq!(anon.get_status(format!("{base}/resources.csv")).await, 401);
    let eng = signed_in(&base, ENGINEER).await;
    let r = eng
        .get(format!("{base}/resources.csv?account={a}"))
        .fetch()
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let body = r.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "type,name,account_id,account_name,arn,tags,region"
    );
    assert_eq!(lines.len(), 3, "{body}");
    assert!(
        lines.contains(
            &format!("s3_bucket,csv-{a},{a},acct0,arn:aws:s3:::csv-{a},,us-east-1").as_str()
        ),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "role,eng-csv,{a},acct0,arn:aws:iam::{a}:role/eng-csv,\"team=a,b\",\n"
        )),
        "{body}"
    );
    let bad = eng
        .get(format!("{base}/resources.csv?type=vm"))
        .fetch()
        .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().starts_with("type:"));

    // A run still in progress is not counted until it ends.
    sqlx::query(
        "INSERT INTO sync_runs (task, account_id, trigger, outcome) VALUES ('s3', $1, 'manual', 'running')",
    )
    .bind(&a)
    .execute(&pool)
    .await
    .unwrap();
    let m = anon.get_text(format!("{base}/metrics")).await;
    assert!(
        m.contains(&format!(
            "latchkey_sync_runs_total{{task=\"s3\",account=\"{a}\"}} 1\n"
        )),
        "{m}"
    );
    for task in ["iam", "s3", "sqs", "sns"] {
        assert!(
            m.contains(&format!(
                "latchkey_sync_last_success_timestamp_seconds{{task=\"{task}\",account=\"{a}\"}}"
            )),
            "{m}"
        );
        assert!(
            m.contains(&format!(
                "latchkey_sync_last_run_failed{{task=\"{task}\",account=\"{a}\"}} 0"
            )),
            "{m}"
        );
    }
    assert!(
        m.contains(&format!(
            "latchkey_sync_items{{task=\"s3\",account=\"{a}\"}} 1"
        )),
        "{m}"
    );
    assert!(m.contains("# TYPE latchkey_sync_failures_total counter"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn typeahead_finds_arns_and_names_by_substring(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let mut conn = pool.acquire().await.unwrap();
    let rows: Vec<_> = (0..30)
        .map(|i| row(&a, "sqs_queue", &format!("orders-{i:02}"), "prod"))
        .collect();
    latchkey::db::resources::upsert(&mut conn, &rows)
        .await
        .unwrap();
    latchkey::db::resources::upsert(&mut conn, &[row(&a, "role", "orders-reader", "prod")])
        .await
        .unwrap();
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    let hits: serde_json::Value = eng
        .post_form_json(format!("{base}/api/typeahead"), &[("q", "ORDERS-1")])
        .await;
    let names = texts(&hits, "name");
    assert_eq!(
        names,
        (10..20).map(|i| format!("orders-{i}")).collect::<Vec<_>>()
    );
    let roles: serde_json::Value = eng
        .post_form_json(
            format!("{base}/api/typeahead"),
            &[("q", "orders"), ("kind", "role")],
        )
        .await;
    assert_eq!(
        roles[0]["arn"],
        format!("arn:aws:iam::{a}:role/orders-reader")
    );
    assert_eq!(roles[0]["kind"], "role");
    assert_eq!(roles[0]["account_id"], a.as_str());
    // One region: the queues are in us-east-1, none in eu-west-1.
    let ask = |region: &'static str| {
        let (eng, base) = (eng.clone(), base.clone());
        async move {
            eng.post(format!("{base}/api/typeahead"))
                .form(&[("q", "orders-0"), ("region", region)])
                .fetch()
                .await
        }
    };
    let east: serde_json::Value = ask("us-east-1").await.json().await.unwrap();
    assert_eq!(east.as_array().unwrap().len(), 10);
    assert_eq!(east[0]["region"], "us-east-1");
    let west: serde_json::Value = ask("eu-west-1").await.json().await.unwrap();
    assert_eq!(west, serde_json::json!([]));
    let bad = ask("mars").await;
    assert_eq!(bad.status(), 400);
    assert!(text_of(bad).await.contains("region"));
    let regions: serde_json::Value = eng.post_json(format!("{base}/api/regions")).await;
    assert_eq!(regions, serde_json::json!(["us-east-1"]));
    let anon = reqwest::Client::new();
    assert_eq!(
        anon.post(format!("{base}/api/typeahead"))
            .form(&[("q", "orders")])
            .fetch_status()
            .await,
        401
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn metrics_want_the_configured_token(pool: PgPool) {
    let a = unique_account();
    let token = "scrape-token-0123456789";
    let s = services(
        pool.clone(),
        config_with(&[&a], &format!("\n[server]\nmetrics_token = \"{token}\"\n")),
    )
    .await;
    let base = spawn_http(s).await;
    let c = reqwest::Client::new();
    let get = |auth: Option<&'static str>| {
        let mut r = c.get(format!("{base}/metrics"));
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        r.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(
        get(Some("Bearer wrong-token-0123456789"))
            .await
            .unwrap()
            .status(),
        401
    );
    let ok = get(Some("Bearer scrape-token-0123456789")).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok
        .text()
        .await
        .unwrap()
        .contains("# TYPE latchkey_sync_failures_total counter"));
}
