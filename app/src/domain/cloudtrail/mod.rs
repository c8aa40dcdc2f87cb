//! CloudTrail authorization failures: one CloudTrail record (as AWS
//! documents it in "CloudTrail record contents" and "CloudTrail userIdentity
//! element") becomes at most one [`Denial`]. Pure: the server resolves an
//! assumed role's path and stores the result.
//!
//! Fields read: `eventTime`, `eventSource`, `eventName`, `errorCode`,
//! `awsRegion`, `userIdentity.{type, arn, userName, invokedBy,
//! sessionContext.sessionIssuer.arn}`, `resources[].ARN` and a few
//! `requestParameters` (`bucketName`/`key`, `queueUrl`, `*Arn`).
//!
//! What is kept: assumed-role sessions (stored under their role), IAM
//! users, root and federated users. What is not: AWS service principals
//! (`userIdentity.type = AWSService`: a service acting as itself, nothing a
//! Latchkey request could grant), callers named only by account
//! (`AWSAccount`, no ARN) and anonymous or unknown callers; events whose
//! error is not a denial.
use super::{AccountId, Partition};
use serde_json::Value;

mod creation;
pub use creation::{creation_of, Creation};

#[cfg(test)]
mod tests;

/// Longest action, resource or principal ARN kept (IAM's own ARN limit is
/// 2048); a longer one is refused rather than cut into a different key.
pub const MAX_FIELD: usize = 2048;
/// Longest session or user name kept (AWS allows 64).
pub const MAX_WHO: usize = 64;

/// One denied call, keyed by what a permission fix would name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub principal: Principal,
    /// `s3:GetObject`: the IAM service prefix and the event name.
    pub action: String,
    /// An ARN, or `*` when the record names none.
    pub resource: String,
    pub error_code: String,
    /// The session name of an assumed role, else the user's name.
    pub who: Option<String>,
    /// `eventTime` as recorded (ISO 8601, UTC).
    pub event_time: String,
}

/// Who was denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The role behind an assumed-role session. `issuer_arn` is the role's
    /// ARN with its path when the record names it (and it names the same
    /// role); otherwise the path is looked up.
    Role {
        partition: Partition,
        account: AccountId,
        name: String,
        issuer_arn: Option<String>,
    },
    /// An IAM user, the root user or a federated user: its ARN as recorded.
    Arn { account: AccountId, arn: String },
}

impl Principal {
    pub fn account(&self) -> &AccountId {
        match self {
            Self::Role { account, .. } | Self::Arn { account, .. } => account,
        }
    }

    /// The ARN to store: for a role, with `path` when the record did not
    /// name it (`/` when unknown).
    pub fn arn_with_path(&self, path: &str) -> String {
        match self {
            Self::Role {
                issuer_arn: Some(arn),
                ..
            }
            | Self::Arn { arn, .. } => arn.clone(),
            Self::Role {
                partition,
                account,
                name,
                issuer_arn: None,
            } => partition.arn("iam", "", account.as_str(), &format!("role{path}{name}")),
        }
    }
}

/// Why a record gave no denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    NotDenial,
    ServicePrincipal,
    NoPrincipal,
    Malformed(&'static str),
}

/// `AccessDenied`, `UnauthorizedOperation`, `Client.UnauthorizedOperation`
/// and any code containing `AccessDenied` (`AccessDeniedException`...).
pub fn is_denial_code(code: &str) -> bool {
    code.contains("AccessDenied")
        || code == "UnauthorizedOperation"
        || code == "Client.UnauthorizedOperation"
}

/// The CloudTrail record inside an EventBridge event ("AWS API Call via
/// CloudTrail"): its `detail`. The envelope's own `account` is not read:
/// who was denied comes from the record alone.
pub fn record_of_eventbridge(event: &Value) -> Option<&Value> {
    event.get("detail").filter(|d| d.is_object())
}

/// The records of a trail's log file (`{"Records": [...]}`).
pub fn records_of_log_file(file: &Value) -> Option<&[Value]> {
    file.get("Records")?.as_array().map(Vec::as_slice)
}

/// The denial a record reports, or why it reports none.
pub fn denial_of(record: &Value) -> Result<Denial, Skip> {
    let code = text(record, "errorCode").ok_or(Skip::NotDenial)?;
    if !is_denial_code(code) {
        return Err(Skip::NotDenial);
    }
    let identity = record
        .get("userIdentity")
        .ok_or(Skip::Malformed("no userIdentity"))?;
    let (principal, who) = principal_of(identity)?;
    let action = action_of(
        text(record, "eventSource").ok_or(Skip::Malformed("no eventSource"))?,
        text(record, "eventName").ok_or(Skip::Malformed("no eventName"))?,
    )?;
    let partition = match &principal {
        Principal::Role { partition, .. } => *partition,
        Principal::Arn { arn, .. } => Partition::of_arn(arn).unwrap_or_default(),
    };
    let resource = resource_of(record, partition);
    if resource.len() > MAX_FIELD || code.len() > 128 {
        return Err(Skip::Malformed("field too long"));
    }
    let event_time = text(record, "eventTime").ok_or(Skip::Malformed("no eventTime"))?;
    Ok(Denial {
        principal,
        action,
        resource,
        error_code: code.to_owned(),
        who: who
            .filter(|w| !w.is_empty() && w.len() <= MAX_WHO && !w.chars().any(char::is_control)),
        event_time: event_time.to_owned(),
    })
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, split.
struct ArnParts<'a> {
    partition: Partition,
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn split_arn(arn: &str) -> Option<ArnParts<'_>> {
    let mut p = arn.splitn(6, ':');
    if p.next()? != "arn" {
        return None;
    }
    let partition = Partition::parse(p.next()?)?;
    let service = p.next()?;
    let _region = p.next()?;
    let account = p.next()?;
    let resource = p.next()?;
    Some(ArnParts {
        partition,
        service,
        account,
        resource,
    })
}

fn principal_of(identity: &Value) -> Result<(Principal, Option<String>), Skip> {
    match text(identity, "type") {
        Some("AWSService") => return Err(Skip::ServicePrincipal),
        Some("AWSAccount") | Some("Unknown") | None => return Err(Skip::NoPrincipal),
        _ => {}
    }
    let arn = text(identity, "arn").ok_or(Skip::NoPrincipal)?;
    if arn.len() > MAX_FIELD {
        return Err(Skip::Malformed("field too long"));
    }
    let parts = split_arn(arn).ok_or(Skip::Malformed("principal ARN"))?;
    let account =
        AccountId::parse(parts.account).map_err(|_| Skip::Malformed("principal account"))?;
    match (parts.service, parts.resource.split_once('/')) {
        ("sts", Some(("assumed-role", rest))) => {
            let (name, session) = rest
                .split_once('/')
                .ok_or(Skip::Malformed("assumed-role ARN"))?;
            if name.is_empty() {
                return Err(Skip::Malformed("assumed-role ARN"));
            }
            let issuer_arn = identity
                .pointer("/sessionContext/sessionIssuer/arn")
                .and_then(Value::as_str)
                .filter(|issuer| issues_role(issuer, parts.partition, &account, name))
                .map(str::to_owned);
            let principal = Principal::Role {
                partition: parts.partition,
                account,
                name: name.to_owned(),
                issuer_arn,
            };
            Ok((principal, Some(session.to_owned())))
        }
        ("iam", Some(("user", path_name))) => {
            let who = text(identity, "userName")
                .or_else(|| path_name.rsplit('/').next())
                .map(str::to_owned);
            Ok((arn_principal(account, arn), who))
        }
        ("sts", Some(("federated-user", name))) => {
            Ok((arn_principal(account, arn), Some(name.to_owned())))
        }
        ("iam", None) if parts.resource == "root" => {
            Ok((arn_principal(account, arn), Some("root".to_owned())))
        }
        _ => Err(Skip::NoPrincipal),
    }
}

fn arn_principal(account: AccountId, arn: &str) -> Principal {
    Principal::Arn {
        account,
        arn: arn.to_owned(),
    }
}

/// Whether `issuer` is the ARN of role `name` in `account` (any path).
fn issues_role(issuer: &str, partition: Partition, account: &AccountId, name: &str) -> bool {
    split_arn(issuer).is_some_and(|p| {
        p.partition == partition
            && p.service == "iam"
            && p.account == account.as_str()
            && p.resource.starts_with("role/")
            && p.resource.rsplit('/').next() == Some(name)
    })
}

/// `s3.amazonaws.com` + `GetObject` -> `s3:GetObject`. The few services
/// whose event source differs from their IAM prefix are mapped.
pub fn action_of(event_source: &str, event_name: &str) -> Result<String, Skip> {
    let service = event_source
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .ok_or(Skip::Malformed("eventSource"))?;
    let prefix = match service {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        other => other,
    };
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !ok(prefix) || !ok(event_name) {
        return Err(Skip::Malformed("action"));
    }
    Ok(format!("{prefix}:{event_name}"))
}

/// The first `resources[].ARN`; else an ARN the request parameters make
/// obvious (an S3 bucket/key, an SQS queue URL, a `*Arn` parameter); else `*`.
pub fn resource_of(record: &Value, partition: Partition) -> String {
    let listed = record
        .get("resources")
        .and_then(Value::as_array)
        .and_then(|rs| rs.iter().find_map(|r| text(r, "ARN")));
    if let Some(arn) = listed {
        return arn.to_owned();
    }
    let Some(params) = record.get("requestParameters").and_then(Value::as_object) else {
        return "*".to_owned();
    };
    if let Some(bucket) = params.get("bucketName").and_then(Value::as_str) {
        return match params.get("key").and_then(Value::as_str) {
            Some(key) => partition.arn("s3", "", "", &format!("{bucket}/{key}")),
            None => partition.arn("s3", "", "", bucket),
        };
    }
    if let Some(url) = params.get("queueUrl").and_then(Value::as_str) {
        let region = text(record, "awsRegion").unwrap_or("");
        let mut path = url.rsplit('/');
        if let (Some(name), Some(account)) = (path.next(), path.next()) {
            if AccountId::parse(account).is_ok() && !name.is_empty() {
                return partition.arn("sqs", region, account, name);
            }
        }
    }
    params
        .iter()
        .filter(|(k, _)| k.ends_with("Arn") || k.ends_with("ARN"))
        .find_map(|(_, v)| v.as_str().filter(|v| v.starts_with("arn:")))
        .map_or_else(|| "*".to_owned(), str::to_owned)
}
