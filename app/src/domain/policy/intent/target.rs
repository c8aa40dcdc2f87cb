//! The resource an intent names, typed by service.

use super::IntentError;
use crate::domain::Partition;
use serde::{Deserialize, Serialize};

/// The resource an intent is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResourceTarget {
    /// A bucket, optionally narrowed to keys under `prefix`.
    S3Bucket {
        bucket: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prefix: Option<String>,
        /// `aws-cn` / `aws-us-gov` for a bucket outside the standard partition.
        #[serde(default, skip_serializing_if = "Partition::is_aws")]
        partition: Partition,
    },
    SqsQueue {
        arn: String,
    },
    SnsTopic {
        arn: String,
    },
    IamRole {
        arn: String,
    },
    KmsKey {
        arn: String,
    },
    Secret {
        arn: String,
    },
    /// Any other resource, for custom actions.
    Arn {
        arn: String,
    },
}

/// "No particular resource": only actions that take none (AWS's
/// `Resource: "*"` for them) can be asked for on it; the rest need a
/// resource named.
pub const ANY_RESOURCE: &str = "*";

impl ResourceTarget {
    /// The target for an ARN, typed by its service (`arn:aws:s3:::b` becomes
    /// an S3 bucket with `prefix`).
    pub fn from_arn(arn: &str, prefix: Option<&str>) -> Result<Self, IntentError> {
        if arn == ANY_RESOURCE {
            return Ok(Self::Arn {
                arn: arn.to_owned(),
            });
        }
        let parts = arn_parts(arn)?;
        let partition = Partition::parse(parts[1]).unwrap_or_default();
        let arn = arn.to_owned();
        let t = match (parts[2], parts[5]) {
            ("s3", res) if !res.contains('/') => Self::S3Bucket {
                bucket: res.to_owned(),
                prefix: prefix.filter(|p| !p.is_empty()).map(str::to_owned),
                partition,
            },
            ("sqs", _) => Self::SqsQueue { arn },
            ("sns", _) => Self::SnsTopic { arn },
            ("iam", r) if r.starts_with("role/") => Self::IamRole { arn },
            ("kms", r) if r.starts_with("key/") || r.starts_with("alias/") => Self::KmsKey { arn },
            ("secretsmanager", _) => Self::Secret { arn },
            _ => Self::Arn { arn },
        };
        t.validate()?;
        Ok(t)
    }

    pub(super) fn validate(&self) -> Result<(), IntentError> {
        match self {
            Self::S3Bucket { bucket, prefix, .. } => {
                let ok = (3..=63).contains(&bucket.len())
                    && bucket.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                    });
                if !ok {
                    return Err(IntentError::BadBucket(bucket.clone()));
                }
                if prefix.as_deref().is_some_and(|p| p.contains(['*', '?'])) {
                    return Err(IntentError::BadPrefix);
                }
                Ok(())
            }
            Self::SqsQueue { arn }
            | Self::SnsTopic { arn }
            | Self::IamRole { arn }
            | Self::KmsKey { arn }
            | Self::Secret { arn } => arn_parts(arn).map(|_| ()),
            Self::Arn { arn } if arn == ANY_RESOURCE => Ok(()),
            Self::Arn { arn } => arn_parts(arn).map(|_| ()),
        }
    }

    /// The ARN(s) an action can be scoped to: bucket and object ARNs for S3.
    /// The resource's own ARN (a bucket's, for S3 with a prefix).
    pub fn arn(&self) -> String {
        match self {
            Self::S3Bucket {
                bucket, partition, ..
            } => partition.arn("s3", "", "", bucket),
            Self::SqsQueue { arn }
            | Self::SnsTopic { arn }
            | Self::IamRole { arn }
            | Self::KmsKey { arn }
            | Self::Secret { arn }
            | Self::Arn { arn } => arn.clone(),
        }
    }

    pub(super) fn arns(&self) -> Vec<String> {
        match self {
            Self::S3Bucket {
                bucket,
                prefix,
                partition,
            } => vec![
                partition.arn("s3", "", "", bucket),
                partition.arn(
                    "s3",
                    "",
                    "",
                    &format!("{bucket}/{}*", prefix.as_deref().unwrap_or("")),
                ),
            ],
            Self::SqsQueue { arn }
            | Self::SnsTopic { arn }
            | Self::IamRole { arn }
            | Self::KmsKey { arn }
            | Self::Secret { arn }
            | Self::Arn { arn } => vec![arn.clone()],
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Self::S3Bucket { .. } => self.arn(),
            other => other.arns().concat(),
        }
    }

    pub(super) fn service(&self) -> &str {
        match self {
            Self::S3Bucket { .. } => "s3",
            Self::SqsQueue { .. } => "sqs",
            Self::SnsTopic { .. } => "sns",
            Self::IamRole { .. } => "iam",
            Self::KmsKey { .. } => "kms",
            Self::Secret { .. } => "secretsmanager",
            Self::Arn { arn } => arn.split(':').nth(2).unwrap_or(""),
        }
    }
}

fn arn_parts(arn: &str) -> Result<Vec<&str>, IntentError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && Partition::parse(parts[1]).is_some()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
        && !arn.contains(['*', '?', ' ']);
    if ok {
        Ok(parts)
    } else {
        Err(IntentError::BadArn(arn.to_owned()))
    }
}
