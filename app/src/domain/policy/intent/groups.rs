//! The wizard's action groups and the least-privilege actions of each.

use serde::{Deserialize, Serialize};

/// Named bundles of least-privilege actions offered by the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionGroup {
    S3List,
    S3Get,
    S3Put,
    S3Delete,
    SqsSend,
    SqsReceive,
    SqsDelete,
    SqsGetAttributes,
    SnsPublish,
    SnsSubscribe,
    SnsGetAttributes,
    StsAssumeRole,
    KmsDecrypt,
    KmsEncrypt,
    SecretsRead,
}

impl ActionGroup {
    pub const ALL: [ActionGroup; 15] = [
        Self::S3List,
        Self::S3Get,
        Self::S3Put,
        Self::S3Delete,
        Self::SqsSend,
        Self::SqsReceive,
        Self::SqsDelete,
        Self::SqsGetAttributes,
        Self::SnsPublish,
        Self::SnsSubscribe,
        Self::SnsGetAttributes,
        Self::StsAssumeRole,
        Self::KmsDecrypt,
        Self::KmsEncrypt,
        Self::SecretsRead,
    ];

    /// The actions the group grants.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            Self::S3List => &["s3:ListBucket"],
            Self::S3Get => &[
                "s3:GetObject",
                "s3:GetObjectTagging",
                "s3:GetObjectVersion",
                "s3:GetObjectVersionTagging",
            ],
            Self::S3Put => &[
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
                "s3:PutObject",
                "s3:PutObjectTagging",
            ],
            Self::S3Delete => &[
                "s3:DeleteObject",
                "s3:DeleteObjectTagging",
                "s3:DeleteObjectVersion",
                "s3:DeleteObjectVersionTagging",
            ],
            Self::SqsSend => &["sqs:GetQueueUrl", "sqs:SendMessage"],
            Self::SqsReceive => &[
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
            ],
            Self::SqsDelete => &["sqs:DeleteMessage", "sqs:GetQueueUrl"],
            Self::SqsGetAttributes => &["sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            Self::SnsPublish => &["sns:Publish"],
            Self::SnsSubscribe => &["sns:Subscribe"],
            Self::SnsGetAttributes => &["sns:GetTopicAttributes"],
            Self::StsAssumeRole => &["sts:AssumeRole"],
            Self::KmsDecrypt => &["kms:Decrypt"],
            Self::KmsEncrypt => &["kms:Encrypt", "kms:GenerateDataKey"],
            Self::SecretsRead => &[
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
            ],
        }
    }

    /// The service whose resources the group applies to (`iam` for assume-role).
    pub fn service(self) -> &'static str {
        match self {
            Self::S3List | Self::S3Get | Self::S3Put | Self::S3Delete => "s3",
            Self::SqsSend | Self::SqsReceive | Self::SqsDelete | Self::SqsGetAttributes => "sqs",
            Self::SnsPublish | Self::SnsSubscribe | Self::SnsGetAttributes => "sns",
            Self::StsAssumeRole => "iam",
            Self::KmsDecrypt | Self::KmsEncrypt => "kms",
            Self::SecretsRead => "secretsmanager",
        }
    }

    /// What the wizard shows next to the checkbox.
    pub fn label(self) -> &'static str {
        match self {
            Self::S3List => "List objects",
            Self::S3Get => "Read objects",
            Self::S3Put => "Write objects",
            Self::S3Delete => "Delete objects",
            Self::SqsSend => "Send messages",
            Self::SqsReceive => "Receive messages",
            Self::SqsDelete => "Delete messages",
            Self::SqsGetAttributes => "Read queue attributes",
            Self::SnsPublish => "Publish",
            Self::SnsSubscribe => "Subscribe",
            Self::SnsGetAttributes => "Read topic attributes",
            Self::StsAssumeRole => "Assume the role",
            Self::KmsDecrypt => "Decrypt",
            Self::KmsEncrypt => "Encrypt",
            Self::SecretsRead => "Read the secret",
        }
    }

    /// The groups that apply to resources of `service` (`s3`, `sqs`, `sns`,
    /// `iam`, `kms`, `secretsmanager`), in wizard order.
    pub fn for_service(service: &str) -> Vec<ActionGroup> {
        Self::ALL
            .into_iter()
            .filter(|g| g.service() == service)
            .collect()
    }

    /// True when no action of the group changes anything, by the access
    /// levels of AWS's service authorization reference (auto-approval rules
    /// use this). AWS classes `kms:Decrypt` as Write, so `KmsDecrypt` is not.
    pub fn is_read_only(self) -> bool {
        self.actions()
            .iter()
            .all(|a| super::super::catalogue::access_level(a).is_some_and(|l| !l.is_write()))
    }
}
