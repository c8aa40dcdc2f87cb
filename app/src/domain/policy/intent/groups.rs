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

    /// True for groups that only read (auto-approval rules use this).
    pub fn is_read_only(self) -> bool {
        matches!(
            self,
            Self::S3List
                | Self::S3Get
                | Self::SqsGetAttributes
                | Self::SnsGetAttributes
                | Self::KmsDecrypt
                | Self::SecretsRead
        )
    }
}
