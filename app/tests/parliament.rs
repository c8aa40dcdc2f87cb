//! Every policy Latchkey generates must pass the outside linter parliament
//! (duo-labs, `pip install parliament`) with no findings at any severity.
//!
//! `LATCHKEY_TEST_PARLIAMENT` is the path of the `parliament` executable
//! (default `~/.cache/latchkey/venv/bin/parliament`). Without it the test
//! fails when `CI` is set and is skipped, loudly, otherwise.

use app::domain::policy::{
    add_statement_to_resource_policy, cross_account_changes, generate, merge, with_expiry,
    ActionGroup, Intent, PolicyDocument, PolicyKind, ResourceTarget, Statement,
};
use app::domain::AccountId;
use std::path::PathBuf;
use std::process::Command;

const PRINCIPAL: &str = "arn:aws:iam::111111111111:role/app";

fn parliament() -> Option<PathBuf> {
    let path = match std::env::var_os("LATCHKEY_TEST_PARLIAMENT") {
        Some(p) => PathBuf::from(p),
        None => {
            PathBuf::from(std::env::var_os("HOME")?).join(".cache/latchkey/venv/bin/parliament")
        }
    };
    if path.is_file() {
        return Some(path);
    }
    // scripts/test.sh (and so CI) names the linter: then it must be there.
    assert!(
        std::env::var_os("CI").is_none() && std::env::var_os("LATCHKEY_TEST_PARLIAMENT").is_none(),
        "parliament not found at {}; install it (pip install parliament) or set LATCHKEY_TEST_PARLIAMENT",
        path.display()
    );
    eprintln!("SKIPPED: parliament not found at {}", path.display());
    None
}

/// What parliament says about every trust policy: it does not know them and
/// wants a Resource, which AWS refuses in a trust policy ("Has prohibited
/// field Resource"). Only this finding is ignored, only for trust policies.
const TRUST_POLICY_HAS_NO_RESOURCE: &str = "Statement contains neither Resource nor NotResource";

/// Runs parliament on `doc`; returns its findings (empty when it has none).
fn lint(parliament: &PathBuf, name: &str, doc: &PolicyDocument, kind: PolicyKind) -> Vec<String> {
    // `--file` refuses to run when stdin is not a terminal (as under cargo test).
    let out = Command::new(parliament)
        .arg("--string")
        .arg(doc.to_pretty())
        .args(["--json", "--minimum_severity", "INFO"])
        .output()
        .expect("run parliament");
    let mut findings: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| !(kind == PolicyKind::Trust && l.contains(TRUST_POLICY_HAS_NO_RESOURCE)))
        .map(|l| format!("{name}: {l}"))
        .collect();
    let only_ignored = kind == PolicyKind::Trust && out.status.code() == Some(1);
    if !out.status.success() && findings.is_empty() && !only_ignored {
        findings.push(format!(
            "{name}: parliament exited with {} ({})",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    findings
}

fn target_for(g: ActionGroup) -> ResourceTarget {
    let arn = match g.service() {
        "s3" => "arn:aws:s3:::demo-bucket",
        "sqs" => "arn:aws:sqs:us-east-1:222222222222:jobs",
        "sns" => "arn:aws:sns:us-east-1:222222222222:events",
        "iam" => "arn:aws:iam::222222222222:role/deployer",
        "kms" => "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        _ => "arn:aws:secretsmanager:us-east-1:222222222222:secret:db-AbCdEf",
    };
    ResourceTarget::from_arn(arn, (g.service() == "s3").then_some("reports/")).expect("target")
}

fn statements(g: ActionGroup) -> Vec<Statement> {
    generate(&[Intent {
        resource: target_for(g),
        groups: vec![g],
        custom_actions: vec![],
    }])
    .expect("generate")
}

/// The documents under test: one per action group, a merged one, an expiring
/// one, one with custom actions and the cross-account resource policies.
fn documents() -> Vec<(String, PolicyDocument, PolicyKind)> {
    let mut docs = Vec::new();
    let mut all = Vec::new();
    for g in ActionGroup::ALL {
        let st = statements(g);
        all.extend(st.clone());
        docs.push((
            format!("{g:?}"),
            PolicyDocument::new(st),
            PolicyKind::Inline,
        ));
    }
    let existing = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Existing","Effect":"Allow","Action":["s3:GetObject","sqs:SendMessage"],"Resource":["arn:aws:s3:::demo-bucket/reports/*","arn:aws:sqs:us-east-1:222222222222:jobs"]}]}"#,
        PolicyKind::Inline,
    )
    .expect("existing policy")
    .doc;
    docs.push((
        "merged".into(),
        merge(Some(&existing), &all),
        PolicyKind::Inline,
    ));
    let expiring = with_expiry(&all, 1_795_600_800);
    docs.push((
        "expiring".into(),
        merge(None, &expiring),
        PolicyKind::Inline,
    ));
    let custom = generate(&[Intent {
        resource: ResourceTarget::from_arn("arn:aws:s3:::demo-bucket", None).expect("bucket"),
        groups: vec![],
        // Not s3:GetObjectAttributes: its data lists both `accesspoint*` and
        // `object*`, which parliament reads as "needs both ARNs" (AWS: either).
        custom_actions: vec!["s3:GetBucketLocation".into(), "s3:getobjectacl".into()],
    }])
    .expect("custom");
    docs.push((
        "custom".into(),
        PolicyDocument::new(custom),
        PolicyKind::Inline,
    ));
    let owner = |_: &str| AccountId::parse("222222222222").ok();
    for (i, c) in cross_account_changes(PRINCIPAL, &expiring, &owner)
        .into_iter()
        .enumerate()
    {
        let doc = add_statement_to_resource_policy(None, &c.statement);
        docs.push((
            format!("cross-account-{i}-{:?}", c.kind),
            doc,
            c.kind.policy_kind(),
        ));
    }
    docs
}

#[test]
fn generated_policies_pass_parliament_with_no_findings() {
    let docs = documents();
    // Our own checks first: the same documents must be clean here too.
    for (name, doc, kind) in &docs {
        let ours = doc.check(*kind);
        assert!(ours.is_empty(), "{name}: {ours:?}\n{}", doc.to_pretty());
    }
    assert!(docs.iter().any(|(n, _, _)| n.contains("TrustPolicy")));
    assert!(docs.iter().any(|(n, _, _)| n.contains("S3BucketPolicy")));
    let Some(parliament) = parliament() else {
        return;
    };
    let findings: Vec<String> = docs
        .iter()
        .flat_map(|(name, doc, kind)| lint(&parliament, name, doc, *kind))
        .collect();
    assert!(
        findings.is_empty(),
        "parliament findings:\n{}",
        findings.join("\n")
    );
}

#[test]
fn parliament_reports_a_policy_we_also_reject() {
    // Guards the test above against a linter that never says anything.
    let Some(parliament) = parliament() else {
        return;
    };
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::demo-bucket"}]}"#;
    assert!(PolicyDocument::parse(text, PolicyKind::Inline).is_err());
    let doc: PolicyDocument = serde_json::from_str(text).expect("document");
    let findings = lint(&parliament, "mismatch", &doc, PolicyKind::Inline);
    assert!(
        findings.iter().any(|f| f.contains("RESOURCE_MISMATCH")),
        "{findings:?}"
    );
}
