//! The index against the rows it was built from.
use super::columns::*;
use super::snapshot::*;
use crate::db::resources::{Cursor, Filter, Sort, KEY_SEP};

/// (arn, name, kind, account, tags), given in (name, arn) order.
type TestRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

fn snapshot(rows: &[TestRow]) -> Snapshot {
    let mut c = Columns::default();
    let mut kinds: Vec<String> = rows.iter().map(|x| x.2.to_owned()).collect();
    kinds.sort();
    kinds.dedup();
    let mut accounts: Vec<String> = rows.iter().map(|x| x.3.to_owned()).collect();
    accounts.sort();
    accounts.dedup();
    for (arn, name, kind, acct, tags) in rows {
        c.push(
            arn,
            &arn.to_lowercase(),
            name,
            kinds.iter().position(|k| k == kind).unwrap() as u8,
            accounts.iter().position(|a| a == acct).unwrap() as u32,
            tags,
        );
    }
    Snapshot::build(1, c, kinds, accounts)
}

#[test]
fn every_arn_is_found_after_the_bucketed_hash_sort() {
    let arns: Vec<String> = (0..5000)
        .map(|i| format!("arn:aws:s3:::bucket-{i:05}"))
        .collect();
    let rows: Vec<TestRow> = arns
        .iter()
        .map(|a| (a.as_str(), &a[13..], "s3_bucket", "1", &[][..]))
        .collect();
    let s = snapshot(&rows);
    let order = docs_by_hash(&s.cols);
    let mut want: Vec<(u64, u32)> = (0..5000).map(|d| (s.cols.arn_hash(d), d)).collect();
    want.sort_unstable();
    assert_eq!(order, want.iter().map(|w| w.1).collect::<Vec<_>>());
    for (doc, arn) in arns.iter().enumerate() {
        assert_eq!(s.doc_of(arn), Some(doc as u32), "{arn}");
    }
    assert_eq!(s.doc_of("arn:aws:s3:::bucket-99999"), None);
}

#[test]
fn packed_integers_widen_as_larger_values_arrive() {
    let mut p = Packed::default();
    let values: Vec<u32> = (0..5000u32)
        .map(|i| match i {
            0..=99 => 0,
            100..=999 => i % 7,
            1000..=2999 => i * 37 % 100_000,
            _ => i.wrapping_mul(2_654_435_761),
        })
        .collect();
    for v in &values {
        p.push(*v);
    }
    let back: Vec<u32> = (0..values.len()).map(|i| p.get(i)).collect();
    assert_eq!(back, values);
    assert_eq!(p.get(values.len()), 0, "past the end reads as zero");
    let mut small = Packed::default();
    for i in 0..1000 {
        small.push(i % 100);
    }
    small.shrink();
    assert_eq!(small.bits, 7);
    assert!(small.bytes() <= 1000 * 7 / 8 + 8);
}

fn names(s: &Snapshot, docs: &[u32]) -> Vec<String> {
    docs.iter().map(|d| s.name(*d).to_owned()).collect()
}

#[test]
fn text_type_tag_and_pages() {
    let s = snapshot(&[
        (
            "arn:aws:iam::1:role/Api-Worker",
            "Api-Worker",
            "role",
            "1",
            &[("team", "a")],
        ),
        (
            "arn:aws:sqs:r:2:api-queue",
            "api-queue",
            "sqs_queue",
            "2",
            &[("team", "b")],
        ),
        (
            "arn:aws:iam::2:role/batch",
            "batch",
            "role",
            "2",
            &[("team", "a")],
        ),
        ("arn:aws:iam::1:role/worker", "worker", "role", "1", &[]),
    ]);
    let text = |t: &str| Filter {
        text: Some(t.into()),
        ..Default::default()
    };
    let (d, more) = s
        .page(&text("WORKER"), Sort::Name, false, None, 10)
        .unwrap();
    assert_eq!(names(&s, &d), ["Api-Worker", "worker"]);
    assert!(!more);
    // Two characters: no trigram, every row checked.
    let (d, _) = s.page(&text("pi"), Sort::Name, false, None, 10).unwrap();
    assert_eq!(names(&s, &d), ["Api-Worker", "api-queue"]);
    let (d, _) = s
        .page(&text("no-such"), Sort::Name, false, None, 10)
        .unwrap();
    assert!(d.is_empty());
    let f = Filter {
        kind: Some("role".into()),
        tag: Some(("team".into(), Some("a".into()))),
        ..Default::default()
    };
    let (d, _) = s.page(&f, Sort::Name, false, None, 10).unwrap();
    assert_eq!(names(&s, &d), ["Api-Worker", "batch"]);
    let f = Filter {
        tag: Some(("team".into(), None)),
        ..Default::default()
    };
    let (d, _) = s.page(&f, Sort::Name, true, None, 10).unwrap();
    assert_eq!(names(&s, &d), ["batch", "api-queue", "Api-Worker"]);
    // Keyset pages of one row, forwards and backwards.
    let all = Filter::default();
    let (d, more) = s.page(&all, Sort::Name, false, None, 1).unwrap();
    assert!(more);
    let c = Cursor {
        key: s.sort_key(d[0], Sort::Name),
        arn: s.arn(d[0]),
    };
    let (d, _) = s.page(&all, Sort::Name, false, Some(&c), 2).unwrap();
    assert_eq!(names(&s, &d), ["api-queue", "batch"]);
    let (d, _) = s.page(&all, Sort::Name, true, Some(&c), 2).unwrap();
    assert!(d.is_empty());
    // By account: account 1's rows, then account 2's, each by name.
    let (d, _) = s.page(&all, Sort::Account, false, None, 10).unwrap();
    assert_eq!(
        names(&s, &d),
        ["Api-Worker", "worker", "api-queue", "batch"]
    );
    let c = Cursor {
        key: s.sort_key(d[1], Sort::Account),
        arn: s.arn(d[1]),
    };
    assert_eq!(c.key, format!("1{KEY_SEP}worker"));
    let (d2, _) = s.page(&all, Sort::Account, false, Some(&c), 10).unwrap();
    assert_eq!(names(&s, &d2), ["api-queue", "batch"]);
    let (d3, _) = s.page(&all, Sort::Account, true, Some(&c), 10).unwrap();
    assert_eq!(names(&s, &d3), ["Api-Worker"]);
    // A cursor on a row the snapshot lacks, or with another key: SQL's job.
    let gone = Cursor {
        key: "zz".into(),
        arn: "arn:aws:iam::9:role/zz".into(),
    };
    assert!(s.page(&all, Sort::Name, false, Some(&gone), 10).is_none());
    let stale = Cursor {
        key: "renamed".into(),
        arn: "arn:aws:iam::2:role/batch".into(),
    };
    assert!(s.page(&all, Sort::Name, false, Some(&stale), 10).is_none());
}

/// The compact storage gives back exactly what was stored: ARNs split
/// at their last `/` or `:`, names that are not the start of that tail,
/// a `lower(arn)` that is not the ASCII lowercase, interned tag lists.
#[test]
fn compact_columns_give_back_what_was_stored() {
    let s = snapshot(&[
        (
            "arn:aws:s3:::Logs-Bucket",
            "Logs-Bucket",
            "s3_bucket",
            "1",
            &[("env", "prod"), ("team", "a")],
        ),
        (
            "arn:aws:iam::1:role/service/ÄRGER",
            "ÄRGER",
            "role",
            "1",
            &[("env", "prod"), ("team", "a")],
        ),
        (
            "arn:aws:sqs:eu-west-1:1:q",
            "queue display name",
            "sqs_queue",
            "1",
            &[("team", "a"), ("env", "prod")],
        ),
        ("arn:aws:sns:eu-west-1:2:", "", "sns_topic", "2", &[]),
    ]);
    let arns: Vec<String> = (0..4).map(|d| s.arn(d)).collect();
    assert_eq!(
        arns,
        [
            "arn:aws:s3:::Logs-Bucket",
            "arn:aws:iam::1:role/service/ÄRGER",
            "arn:aws:sqs:eu-west-1:1:q",
            "arn:aws:sns:eu-west-1:2:",
        ]
    );
    assert_eq!(
        names(&s, &[0, 1, 2, 3]),
        ["Logs-Bucket", "ÄRGER", "queue display name", ""]
    );
    // Tag lists keep their stored order, even when one set is shared.
    assert_eq!(s.tags(0), s.tags(1));
    assert_eq!(
        s.tags(2),
        serde_json::json!([{"key": "team", "value": "a"}, {"key": "env", "value": "prod"}])
    );
    assert_eq!(s.tags(3), serde_json::json!([]));
    // Text search matches lower(arn), non-ASCII capitals included.
    let text = |t: &str| Filter {
        text: Some(t.into()),
        ..Default::default()
    };
    let (d, _) = s
        .page(&text("service/är"), Sort::Name, false, None, 10)
        .unwrap();
    assert_eq!(names(&s, &d), ["ÄRGER"]);
    let (d, _) = s
        .page(&text("LOGS-b"), Sort::Name, false, None, 10)
        .unwrap();
    assert_eq!(names(&s, &d), ["Logs-Bucket"]);
    // Every ARN is found again for a cursor; one that is not stored is not.
    for d in 0..4 {
        assert_eq!(s.doc_of(&s.arn(d)), Some(d));
    }
    assert_eq!(s.doc_of("arn:aws:sqs:eu-west-1:1:Q"), None);
    let f = Filter {
        tag: Some(("env".into(), Some("prod".into()))),
        ..Default::default()
    };
    assert_eq!(
        s.page(&f, Sort::Name, false, None, 10).unwrap().0,
        [0, 1, 2]
    );
}
