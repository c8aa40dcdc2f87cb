//! The in-process search index answers exactly what the SQL search answers,
//! and never answers from a snapshot Postgres has moved past.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::aws::snapshot::ResourceSnapshot;
use latchkey::db::resources::{search, Cursor, Filter, ListRow, PageQuery, Sort};
use latchkey::services::inventory::search::{Answered, SearchGate};
use serde_json::json;
use sqlx::PgPool;
use std::time::Duration;

fn row(account: &str, kind: &'static str, name: &str, tags: &[(&str, &str)]) -> ResourceSnapshot {
    // Queues and buckets in two regions: a queue's is in its ARN, a
    // bucket's in what the sync found (details.region).
    let region = if name.ends_with(['0', '2', '4', '6', '8']) {
        "eu-west-1"
    } else {
        "us-east-1"
    };
    let arn = match kind {
        "s3_bucket" => format!("arn:aws:s3:::{name}-{account}"),
        "sqs_queue" => format!("arn:aws:sqs:{region}:{account}:{name}"),
        "user" => format!("arn:aws:iam::{account}:user/{name}"),
        _ => format!("arn:aws:iam::{account}:role/{name}"),
    };
    let tags: Vec<_> = tags
        .iter()
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect();
    ResourceSnapshot {
        arn,
        kind,
        account_id: account.into(),
        name: name.into(),
        tags: json!(tags),
        policy: None,
        details: if kind == "s3_bucket" {
            json!({ "region": region })
        } else {
            json!({})
        },
    }
}

fn filter(
    kind: Option<&str>,
    account: Option<&str>,
    text: Option<&str>,
    tag: Option<(&str, Option<&str>)>,
) -> Filter {
    Filter {
        kind: kind.map(Into::into),
        account_id: account.map(Into::into),
        text: text.map(Into::into),
        tag: tag.map(|(k, v)| (k.into(), v.map(Into::into))),
        region: None,
        arns: None,
    }
}

/// `f`, narrowed to the rows with one of `arns` (principals with recent
/// denials, some of which may not be cached).
fn only(arns: &[String], f: Filter) -> Filter {
    Filter {
        arns: Some(arns.to_vec()),
        ..f
    }
}

fn in_region(region: &str, f: Filter) -> Filter {
    Filter {
        region: Some(region.into()),
        ..f
    }
}

type Page = Vec<(String, String, String, String, String)>;

/// The first page of 50 by name, and which way it was answered.
async fn first_page(gate: &SearchGate, pool: &PgPool, f: &Filter) -> (Answered, Vec<ListRow>) {
    let (found, _, how) = gate
        .search_answered(pool, &PageQuery::new(f, Sort::Name, 50))
        .await
        .unwrap();
    (how, found)
}

/// Every page of one query, 7 rows a page: through the gate, or straight
/// from the SQL search; and which way each page was answered.
async fn pages(
    via: Option<&SearchGate>,
    pool: &PgPool,
    f: &Filter,
    sort: Sort,
    desc: bool,
) -> (Page, Vec<Answered>) {
    let (mut out, mut how, mut cursor) = (Vec::new(), Vec::new(), None::<Cursor>);
    loop {
        let q = PageQuery::new(f, sort, 7)
            .descending(desc)
            .after(cursor.as_ref());
        let (rows, more, answered) = match via {
            Some(gate) => gate.search_answered(pool, &q).await.unwrap(),
            None => {
                let mut conn = pool.acquire().await.unwrap();
                let (rows, more) = search(&mut conn, &q).await.unwrap();
                (rows, more, Answered::Sql)
            }
        };
        how.push(answered);
        cursor = rows.last().map(ListRow::cursor);
        out.extend(rows.into_iter().map(|r| {
            let tags = format!("{:?}", r.tags);
            (r.sort_key, r.arn, r.account_name, r.region, tags)
        }));
        if !more {
            return (out, how);
        }
    }
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn index_pages_equal_sql_pages_for_every_filter_and_sort(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let _s = services(pool.clone(), config(&[&a, &b])).await;
    let mut rows = Vec::new();
    let groups = ["Api", "worker", "etl", "WEB_front", "batch-job"];
    for i in 0..70 {
        let g = groups[i % groups.len()];
        let env = if i % 3 == 0 { "prod" } else { "dev" };
        let team = format!("team-{}", i % 4);
        let (acct, kind) = match i % 4 {
            0 => (&a, "role"),
            1 => (&a, "user"),
            2 => (&b, "sqs_queue"),
            _ => (&b, "s3_bucket"),
        };
        let mut tags = vec![("env", env), ("team", team.as_str())];
        if i % 5 == 0 {
            tags.push(("owner", ""));
        }
        // Same names in both accounts and kinds, so ARNs break ties.
        rows.push(row(acct, kind, &format!("{g}-{:02}", i % 35), &tags));
    }
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::resources::upsert(&mut conn, &rows)
        .await
        .unwrap();
    drop(conn);

    let gate = SearchGate::new(2);
    let stats = gate.index().refresh(&pool).await.unwrap();
    assert_eq!(stats.rows, 70);
    let mut some: Vec<String> = rows.iter().step_by(3).map(|r| r.arn.clone()).collect();
    some.push(format!("arn:aws:iam::{a}:role/not-cached"));

    let filters = [
        filter(None, None, None, None),
        filter(None, None, Some("WORKER"), None),
        filter(None, None, Some("-0"), None),
        filter(None, None, Some("web_"), None),
        filter(None, None, Some(&a[..6]), None),
        filter(None, None, Some("no-such-thing"), None),
        filter(Some("role"), None, None, None),
        filter(None, Some(&b), Some("etl"), None),
        filter(None, None, None, Some(("env", Some("prod")))),
        filter(None, None, None, Some(("owner", None))),
        filter(None, None, None, Some(("owner", Some("")))),
        filter(None, None, None, Some(("team", Some("nope")))),
        filter(
            Some("sqs_queue"),
            Some(&b),
            Some("0"),
            Some(("team", Some("team-2"))),
        ),
        filter(Some("s3_bucket"), Some(&a), None, None),
        in_region("eu-west-1", filter(None, None, None, None)),
        in_region(
            "us-east-1",
            filter(Some("s3_bucket"), None, Some("1"), None),
        ),
        in_region("ap-south-1", filter(None, None, None, None)),
        only(&some, filter(None, None, None, None)),
        only(
            &some,
            filter(Some("role"), None, Some("o"), Some(("env", Some("prod")))),
        ),
        only(&[], filter(None, None, None, None)),
    ];
    for f in &filters {
        for sort in [Sort::Name, Sort::Account, Sort::Kind] {
            for desc in [false, true] {
                let (sql, _) = pages(None, &pool, f, sort, desc).await;
                let (indexed, how) = pages(Some(&gate), &pool, f, sort, desc).await;
                assert_eq!(indexed, sql, "{f:?} {sort:?} desc={desc}");
                assert!(
                    how.iter().all(|h| *h == Answered::Index),
                    "{f:?} {sort:?} desc={desc}: {how:?}"
                );
            }
        }
    }
    // A cursor from a SQL page continues through the index, and back.
    let f = filter(None, None, Some("o"), None);
    let mut conn = pool.acquire().await.unwrap();
    let (first, _) = search(&mut conn, &PageQuery::new(&f, Sort::Kind, 5))
        .await
        .unwrap();
    let c = Cursor {
        key: first[4].sort_key.clone(),
        arn: first[4].arn.clone(),
    };
    let (via_index, _, how) = gate
        .search_answered(&pool, &PageQuery::new(&f, Sort::Kind, 5).after(Some(&c)))
        .await
        .unwrap();
    let (via_sql, _) = search(
        &mut conn,
        &PageQuery::new(&f, Sort::Kind, 5).after(Some(&c)),
    )
    .await
    .unwrap();
    assert_eq!(how, Answered::Index);
    assert_eq!(
        via_index.iter().map(|r| &r.arn).collect::<Vec<_>>(),
        via_sql.iter().map(|r| &r.arn).collect::<Vec<_>>()
    );
    // The regions in the cache, from the index and from Postgres alike.
    assert_eq!(
        latchkey::db::resources::regions(&mut conn).await.unwrap(),
        ["eu-west-1", "us-east-1"]
    );
    assert_eq!(
        gate.regions(&pool).await.unwrap(),
        ["eu-west-1", "us-east-1"]
    );
    let (_, eu) = first_page(&gate, &pool, &in_region("eu-west-1", Filter::default())).await;
    assert!(!eu.is_empty());
    assert!(
        eu.iter()
            .all(|r| r.region == "eu-west-1" && r.kind != "role"),
        "IAM is global: in no region"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_change_in_postgres_is_never_answered_from_the_old_index(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let _s = services(pool.clone(), config(&[&a, &b])).await;
    let rows = vec![
        row(&a, "role", "worker-1", &[("env", "prod")]),
        row(&b, "role", "worker-2", &[("env", "dev")]),
    ];
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::resources::upsert(&mut conn, &rows)
        .await
        .unwrap();
    let gate = SearchGate::new(2);
    let text = filter(None, None, Some("worker"), None);
    async fn ask(gate: &SearchGate, pool: &PgPool, f: &Filter) -> (Answered, Vec<String>) {
        let (how, found) = first_page(gate, pool, f).await;
        (how, found.into_iter().map(|r| r.name).collect())
    }
    let answered_by_index = |want: &'static [&'static str]| {
        let (gate, pool, text) = (gate.clone(), pool.clone(), text.clone());
        async move {
            for _ in 0..200 {
                let (how, found) = ask(&gate, &pool, &text).await;
                // Whichever way it is answered, the answer is today's.
                assert_eq!(found, want);
                if how == Answered::Index {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("the index was not rebuilt");
        }
    };
    // Not built yet: SQL answers, and a build starts in the background.
    assert_eq!(
        ask(&gate, &pool, &text).await,
        (
            Answered::Sql,
            vec!["worker-1".to_owned(), "worker-2".to_owned()]
        )
    );
    answered_by_index(&["worker-1", "worker-2"]).await;

    // A new row, a changed tag, and an unchanged re-sync.
    let mut more = rows.clone();
    more.push(row(&a, "sqs_queue", "worker-3", &[]));
    more[1] = row(&b, "role", "worker-2", &[("env", "prod")]);
    assert_eq!(
        latchkey::db::resources::upsert(&mut conn, &more)
            .await
            .unwrap(),
        2
    );
    let (how, found) = ask(&gate, &pool, &text).await;
    assert_eq!(how, Answered::Sql, "the index is behind Postgres");
    assert_eq!(found, ["worker-1", "worker-2", "worker-3"]);
    answered_by_index(&["worker-1", "worker-2", "worker-3"]).await;
    let prod = filter(None, None, None, Some(("env", Some("prod"))));
    let (how, found) = ask(&gate, &pool, &prod).await;
    assert_eq!(
        (how, found),
        (
            Answered::Index,
            vec!["worker-1".to_owned(), "worker-2".to_owned()]
        )
    );
    // Nothing changed: the index stays current.
    latchkey::db::resources::upsert(&mut conn, &more)
        .await
        .unwrap();
    assert_eq!(ask(&gate, &pool, &text).await.0, Answered::Index);

    // An account removed from the cache takes its rows with it (by cascade).
    sqlx::query("DELETE FROM accounts WHERE account_id = $1")
        .bind(&a)
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        ask(&gate, &pool, &text).await,
        (Answered::Sql, vec!["worker-2".to_owned()])
    );
    answered_by_index(&["worker-2"]).await;

    // With the index switched off, SQL answers every time.
    let off = SearchGate::without_index(2);
    for _ in 0..3 {
        assert_eq!(
            ask(&off, &pool, &text).await,
            (Answered::Sql, vec!["worker-2".to_owned()])
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// With the change listener subscribed, a current index answers pages
/// without asking Postgres; a change by another writer (another replica's
/// sync, an account renamed) is never answered from the old snapshot once
/// it has been heard.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn with_the_listener_pages_need_no_database_until_a_change_is_heard(pool: PgPool) {
    let a = unique_account();
    let _s = services(pool.clone(), config(&[&a])).await;
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::resources::upsert(&mut conn, &[row(&a, "role", "worker-1", &[])])
        .await
        .unwrap();
    let gate = SearchGate::new(2);
    tokio::spawn(std::sync::Arc::clone(gate.index()).listen(pool.clone()));
    for _ in 0..100 {
        if gate.index().is_listening() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gate.index().is_listening(), "the listener did not start");
    let text = filter(None, None, Some("worker"), None);
    // Names and account names of one page, and which way it was answered.
    async fn ask(gate: &SearchGate, pool: &PgPool, f: &Filter) -> (Answered, Vec<String>) {
        let (how, found) = first_page(gate, pool, f).await;
        let rows = found
            .into_iter()
            .map(|r| format!("{} in {}", r.name, r.account_name))
            .collect();
        (how, rows)
    }
    let until_memory = |want: Vec<String>| {
        let (gate, pool, text) = (gate.clone(), pool.clone(), text.clone());
        async move {
            for _ in 0..200 {
                let (how, found) = ask(&gate, &pool, &text).await;
                assert_eq!(found, want, "answered {how:?}");
                if how == Answered::Memory {
                    // And it stays so while nothing changes.
                    assert_eq!(ask(&gate, &pool, &text).await, (Answered::Memory, want));
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("pages never came from memory alone");
        }
    };
    let name: String = sqlx::query_scalar("SELECT name FROM accounts WHERE account_id = $1")
        .bind(&a)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    until_memory(vec![format!("worker-1 in {name}")]).await;

    // Another writer adds a row: once heard, the old snapshot is not used.
    let heard = |before: u64| {
        let gate = gate.clone();
        async move {
            for _ in 0..100 {
                if gate.index().epoch() != before {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("the change was not heard");
        }
    };
    let before = gate.index().epoch();
    latchkey::db::resources::upsert(
        &mut conn,
        &[
            row(&a, "role", "worker-1", &[]),
            row(&a, "role", "worker-2", &[]),
        ],
    )
    .await
    .unwrap();
    heard(before).await;
    let both = vec![format!("worker-1 in {name}"), format!("worker-2 in {name}")];
    let (how, found) = ask(&gate, &pool, &text).await;
    assert_eq!(found, both);
    assert_ne!(how, Answered::Memory);
    until_memory(both).await;

    // Renaming the account changes no resource row, and is heard too.
    let before = gate.index().epoch();
    sqlx::query("UPDATE accounts SET name = 'renamed-account' WHERE account_id = $1")
        .bind(&a)
        .execute(&mut *conn)
        .await
        .unwrap();
    heard(before).await;
    let renamed = vec![
        "worker-1 in renamed-account".to_owned(),
        "worker-2 in renamed-account".to_owned(),
    ];
    let (how, found) = ask(&gate, &pool, &text).await;
    assert_eq!(found, renamed);
    assert_ne!(how, Answered::Memory);
    until_memory(renamed).await;
}
