//! Worst cases of the policy checks (issue #12 item 11): a 2 MB document of
//! `*:*` wildcards, the largest inline policy the size rule lets through,
//! packed with wildcard actions to expand, and a full S3 bucket policy.
//! `cargo bench -p app --bench policy_check` prints median and max per case.
use app::domain::policy::{check_policy, PolicyKind};
use std::time::{Duration, Instant};

fn doc(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn wildcard_inline() -> String {
    // Grow until just under the 10,240 non-whitespace characters allowed.
    let patterns = [
        "*:*",
        "s3:*Get*",
        "ec2:Describe*",
        "iam:*",
        "*:List*",
        "kms:*",
    ];
    let mut actions: Vec<String> = Vec::new();
    loop {
        let next = format!("\"{}\"", patterns[actions.len() % patterns.len()]);
        let mut trial = actions.clone();
        trial.push(next);
        let st = format!(
            r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
            trial.join(",")
        );
        if doc(&[st]).len() > 10_200 {
            break;
        }
        actions = trial;
    }
    doc(&[format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        actions.join(",")
    )])
}

fn big_bucket_policy() -> String {
    let mut statements = Vec::new();
    let mut i = 0;
    loop {
        let st = format!(
            r#"{{"Sid":"S{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111111111111:role/r{i}"}},"Action":["s3:GetObject","s3:Put*"],"Resource":"arn:aws:s3:::bucket/p{i}/*"}}"#
        );
        statements.push(st);
        if doc(&statements).len() > 20_000 {
            statements.pop();
            break;
        }
        i += 1;
    }
    doc(&statements)
}

fn measure(name: &str, text: &str, kind: PolicyKind, runs: usize) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let findings = check_policy(text, kind);
            std::hint::black_box(findings);
            t.elapsed()
        })
        .collect();
    times.sort();
    let errors = check_policy(text, kind)
        .iter()
        .filter(|f| f.is_error())
        .count();
    println!(
        "{name:<40} {:>9} bytes  median {:>9.3} ms  max {:>9.3} ms  ({errors} errors)",
        text.len(),
        times[runs / 2].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let huge = doc(&[format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        vec!["\"*:*\""; 2 * 1024 * 1024 / 6].join(",")
    )]);
    measure(
        "2 MB of \"*:*\" (refused by size)",
        &huge,
        PolicyKind::Inline,
        20,
    );
    measure(
        "largest inline, all wildcards",
        &wildcard_inline(),
        PolicyKind::Inline,
        50,
    );
    measure(
        "largest S3 bucket policy",
        &big_bucket_policy(),
        PolicyKind::S3Bucket,
        50,
    );
    // The most distinct wildcard patterns a document may hold, each matching
    // across every service.
    let distinct: Vec<String> = (0..50).map(|i| format!("\"*:*{i}*\"")).collect();
    let most = doc(&[format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        distinct.join(",")
    )]);
    measure(
        "50 distinct *:* patterns (the most)",
        &most,
        PolicyKind::Inline,
        20,
    );
}
