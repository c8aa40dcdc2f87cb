//! The AWS half of `latchkey doctor`: the hub's identity, then per account
//! the spoke role and each permission Latchkey's calls need. A permission is
//! asked by making the call harmlessly: a read with one item, or a write
//! aimed at a name that does not exist. AWS authorizes a call before it
//! looks its target up, so "no such entity" means allowed and "access
//! denied" means the policy lacks it; the call changes nothing either way.
use super::check::{Check, Report};
use crate::aws::{Aws, AwsError};
use crate::config::Config;
use app::domain::AccountId;
use aws_config::SdkConfig;
use std::future::Future;

/// What a probe's answer says about the permission.
enum Verdict {
    Allowed,
    Denied(String),
    /// An answer that says neither (a network error, an emulator gap).
    Unclear(String),
}

fn verdict(r: Result<(), AwsError>) -> Verdict {
    match r {
        Ok(()) | Err(AwsError::NotFound(_)) => Verdict::Allowed,
        Err(AwsError::Denied(m)) => Verdict::Denied(m),
        Err(e) => Verdict::Unclear(e.to_string()),
    }
}

type HttpResponse = aws_smithy_runtime_api::http::Response;
type SdkError<E> = aws_smithy_runtime_api::client::result::SdkError<E, HttpResponse>;

/// An SDK error as a kind, reading a refusal the SDK could not parse (an
/// HTTP 403 without an error code, as some emulators answer) as denied.
fn classify<E>(e: SdkError<E>) -> AwsError
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    use aws_sdk_sts::error::ProvideErrorMetadata;
    let status = e.raw_response().map(|r| r.status().as_u16());
    if e.code().is_none() && status == Some(403) {
        let body = e
            .raw_response()
            .and_then(|r| r.body().bytes())
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let message = body
            .split_once("<Message>")
            .and_then(|(_, rest)| rest.split_once("</Message>"))
            .map(|(m, _)| m.to_owned())
            .unwrap_or_else(|| "HTTP 403".to_owned());
        return AwsError::Denied(message);
    }
    AwsError::from_sdk(e)
}

/// Maps an SDK error, treating the given codes as "the call was allowed".
fn allowed_codes<E, R>(r: Result<R, SdkError<E>>, codes: &[&str]) -> Result<(), AwsError>
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match r {
        Ok(_) => Ok(()),
        Err(e) => {
            use aws_sdk_sts::error::ProvideErrorMetadata;
            if e.code().is_some_and(|c| codes.contains(&c)) {
                Ok(())
            } else {
                Err(classify(e))
            }
        }
    }
}

/// A provider's message, cut to one readable line.
fn short(m: &str) -> String {
    const MAX: usize = 240;
    match m.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &m[..i]),
        None => m.to_owned(),
    }
}

/// A name no real role, policy or bucket has.
fn probe_name() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    format!("latchkey-doctor-probe-{}", hex::encode(b))
}

pub(super) async fn aws(config: &Config, accounts: &[(String, String)], report: &mut Report) {
    // One attempt per call: a check that fails says so at once.
    let aws = Aws::with_attempts(&config.aws, 1).await;
    let hub = match aws.hub_sts().get_caller_identity().send().await {
        Ok(me) => {
            let arn = me.arn().unwrap_or("?").to_owned();
            report.push(Check::ok("hub credentials", format!("acting as {arn}")));
            match &config.aws.hub_role_arn {
                Some(role) => role.to_string(),
                None => trusted_principal(&arn),
            }
        }
        Err(e) => {
            report.push(Check::fail(
                "hub credentials",
                format!("STS GetCallerIdentity failed: {}", AwsError::from_sdk(e)),
                "give this host AWS credentials for the hub role (instance profile, IRSA, \
                 ECS task role, or AWS_* variables); see deploy/aws/hub-role.yaml",
            ));
            return;
        }
    };
    if accounts.is_empty() {
        report.push(Check::warn(
            "accounts",
            "no account is configured or enabled",
            "add [[accounts]] or [[organizations]] to the config",
        ));
    }
    for (id, name) in accounts {
        let Ok(account) = AccountId::parse(id) else {
            continue;
        };
        account_checks(config, &aws, &hub, &account, name, report).await;
    }
}

async fn account_checks(
    config: &Config,
    aws: &Aws,
    hub: &str,
    account: &AccountId,
    name: &str,
    report: &mut Report,
) {
    let role = config.aws.partition().arn(
        "iam",
        "",
        account.as_str(),
        &format!("role/{}", config.aws.spoke_role_name),
    );
    let label = format!("spoke {account} ({name})");
    let deploy = format!(
        "create {role} trusting {hub} (deploy/aws/spoke-role-stackset.yaml across the \
         organization, deploy/aws/spoke-role.yaml for one account)"
    );
    let conf = match aws.spoke(account).await {
        Ok(c) => c,
        Err(e) => {
            report.push(Check::fail(
                label,
                format!("cannot assume {role}: {e}"),
                deploy,
            ));
            return;
        }
    };
    // The first read says whether the role behind the session exists at
    // all (an emulator hands out sessions for roles it does not have).
    let iam = aws_sdk_iam::Client::new(&conf);
    match probe(iam.get_account_authorization_details().max_items(1).send()).await {
        // Allowed or refused, AWS answered for the role: it is there. Any
        // other failure means the session is unusable (an emulator hands
        // out sessions for roles it does not have, then fails every call).
        r @ (Ok(()) | Err(AwsError::Denied(_))) => {
            report.push(Check::ok(label.clone(), format!("assumed {role}")));
            permission(
                report,
                &label,
                "iam:GetAccountAuthorizationDetails",
                "sync (iam)",
                r,
            );
        }
        Err(e) => {
            report.push(Check::fail(
                label,
                format!(
                    "assumed {role}, but its session cannot be used: {}",
                    short(&e.to_string())
                ),
                deploy,
            ));
            return;
        }
    }
    for (action, why, r) in reads(config, aws, &conf, account).await {
        permission(report, &label, action, why, r);
    }
    for (action, r) in writes(&iam).await {
        permission(report, &label, action, "applying approved requests", r);
    }
}

fn permission(report: &mut Report, label: &str, action: &str, why: &str, r: Result<(), AwsError>) {
    let name = format!("{label} {action}");
    match verdict(r) {
        Verdict::Allowed => report.push(Check::ok(name, format!("allowed (needed for {why})"))),
        Verdict::Denied(m) => report.push(Check::fail(
            name,
            format!("denied: {}", short(&m)),
            format!(
                "add {action} to the spoke role's policy (deploy/aws/spoke-role-stackset.yaml \
                 lists every action Latchkey calls); it is needed for {why}"
            ),
        )),
        Verdict::Unclear(m) => report.push(Check::warn(
            name,
            format!("could not tell: {}", short(&m)),
            "run doctor again; if it persists, check the network path to AWS",
        )),
    }
}

type Probe = (&'static str, &'static str, Result<(), AwsError>);

async fn probe<F, T, E>(f: F) -> Result<(), AwsError>
where
    F: Future<Output = Result<T, SdkError<E>>>,
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    f.await.map(|_| ()).map_err(classify)
}

/// The sync's reads, one item each.
async fn reads(config: &Config, aws: &Aws, conf: &SdkConfig, account: &AccountId) -> Vec<Probe> {
    let iam = aws_sdk_iam::Client::new(conf);
    let mut out: Vec<Probe> = vec![
        (
            "iam:GetCredentialReport",
            "users' last use (sync iam)",
            allowed_codes(
                iam.get_credential_report().send().await,
                &["ReportNotPresent", "ReportExpired", "ReportInProgress"],
            ),
        ),
        (
            "s3:ListAllMyBuckets",
            "sync (s3)",
            probe(aws.s3_with(conf).list_buckets().max_buckets(1).send()).await,
        ),
        (
            "sqs:ListQueues",
            "sync (sqs)",
            probe(
                aws_sdk_sqs::Client::new(conf)
                    .list_queues()
                    .max_results(1)
                    .send(),
            )
            .await,
        ),
        (
            "sns:ListTopics",
            "sync (sns)",
            probe(aws_sdk_sns::Client::new(conf).list_topics().send()).await,
        ),
        (
            "tag:GetResources",
            "reading all tags in one call (sync falls back to a call per item)",
            probe(
                aws_sdk_resourcegroupstagging::Client::new(conf)
                    .get_resources()
                    .resources_per_page(1)
                    .send(),
            )
            .await,
        ),
    ];
    if config.aws.discover_regions {
        out.push((
            "account:ListRegions",
            "aws.discover_regions",
            probe(
                aws_sdk_account::Client::new(conf)
                    .list_regions()
                    .max_results(1)
                    .send(),
            )
            .await,
        ));
    }
    if config
        .organizations
        .iter()
        .any(|o| &o.management_account_id == account)
    {
        out.push((
            "organizations:ListAccounts",
            "discovering the organization's accounts",
            probe(
                aws_sdk_organizations::Client::new(conf)
                    .list_accounts()
                    .max_results(1)
                    .send(),
            )
            .await,
        ));
    }
    out
}

/// Writes aimed at a role and a policy that do not exist.
async fn writes(iam: &aws_sdk_iam::Client) -> Vec<(&'static str, Result<(), AwsError>)> {
    let role = probe_name();
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let account_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let tag = aws_sdk_iam::types::Tag::builder()
        .key("latchkey-doctor")
        .value("probe")
        .build();
    let tag_role = match tag {
        Ok(t) => probe(iam.tag_role().role_name(&role).tags(t).send()).await,
        Err(e) => Err(AwsError::Other(e.to_string())),
    };
    vec![
        (
            "iam:PutRolePolicy",
            probe(
                iam.put_role_policy()
                    .role_name(&role)
                    .policy_name("probe")
                    .policy_document(doc)
                    .send(),
            )
            .await,
        ),
        (
            "iam:DeleteRolePolicy",
            probe(
                iam.delete_role_policy()
                    .role_name(&role)
                    .policy_name("probe")
                    .send(),
            )
            .await,
        ),
        (
            "iam:AttachRolePolicy",
            probe(
                iam.attach_role_policy()
                    .role_name(&role)
                    .policy_arn(account_arn)
                    .send(),
            )
            .await,
        ),
        (
            "iam:DetachRolePolicy",
            probe(
                iam.detach_role_policy()
                    .role_name(&role)
                    .policy_arn(account_arn)
                    .send(),
            )
            .await,
        ),
        (
            "iam:UpdateAssumeRolePolicy",
            probe(
                iam.update_assume_role_policy()
                    .role_name(&role)
                    .policy_document(trust)
                    .send(),
            )
            .await,
        ),
        ("iam:TagRole", tag_role),
    ]
}

/// What a spoke role's trust policy names for a caller: the role behind an
/// assumed-role session (`arn:aws:sts::1:assumed-role/Hub/i-0` becomes
/// `arn:aws:iam::1:role/Hub`), a user as it is.
fn trusted_principal(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match (parts.as_slice(), arn.contains(":assumed-role/")) {
        ([_, partition, _, _, account, resource], true) => {
            let role = resource.split('/').nth(1).unwrap_or("");
            format!("arn:{partition}:iam::{account}:role/{role}")
        }
        _ => arn.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::trusted_principal;

    #[test]
    fn a_session_is_trusted_through_its_role() {
        assert_eq!(
            trusted_principal("arn:aws:sts::123456789012:assumed-role/LatchkeyHub/i-0abc"),
            "arn:aws:iam::123456789012:role/LatchkeyHub"
        );
        assert_eq!(
            trusted_principal("arn:aws-cn:sts::123456789012:assumed-role/Hub/s"),
            "arn:aws-cn:iam::123456789012:role/Hub"
        );
        assert_eq!(
            trusted_principal("arn:aws:iam::123456789012:user/latchkey"),
            "arn:aws:iam::123456789012:user/latchkey"
        );
    }
}
