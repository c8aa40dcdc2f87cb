//! The kinds of policy documents Latchkey edits, and what each allows.

use serde::{Deserialize, Serialize};

/// Which policy a document is; decides Principal rules, allowed actions and size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyKind {
    /// Inline policy embedded in a role (identity policy).
    Inline,
    /// Customer managed policy (identity policy).
    Managed,
    /// Role trust policy (`AssumeRolePolicyDocument`).
    Trust,
    /// Permissions boundary (a managed policy used as a boundary).
    Boundary,
    S3Bucket,
    SqsQueue,
    SnsTopic,
}

/// How a size limit is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeRule {
    /// IAM counts characters, not counting white space.
    NonWhitespaceChars(usize),
    /// S3/SQS/SNS count bytes of the document as sent (Latchkey sends compact JSON).
    CompactBytes(usize),
}

/// Actions a trust policy may grant.
pub const TRUST_ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

impl PolicyKind {
    pub const ALL: [PolicyKind; 7] = [
        Self::Inline,
        Self::Managed,
        Self::Trust,
        Self::Boundary,
        Self::S3Bucket,
        Self::SqsQueue,
        Self::SnsTopic,
    ];

    /// Identity policies (inline, managed, boundary) must not name a Principal.
    pub fn is_identity(self) -> bool {
        matches!(self, Self::Inline | Self::Managed | Self::Boundary)
    }

    /// Resource-based policies (bucket, queue, topic) need a Principal and a Resource.
    pub fn is_resource(self) -> bool {
        matches!(self, Self::S3Bucket | Self::SqsQueue | Self::SnsTopic)
    }

    /// IAM rules for Sids (letters and digits only) apply to identity and trust policies.
    pub fn is_iam(self) -> bool {
        !self.is_resource()
    }

    /// AWS quotas: inline role policies 10,240, managed policies (and boundaries)
    /// 6,144, trust policies 2,048 (the default quota) non-whitespace characters;
    /// S3 bucket policies 20 KB, SQS queue policies 8,192 bytes, SNS topic
    /// policies 30 KB.
    pub fn size_rule(self) -> SizeRule {
        match self {
            Self::Inline => SizeRule::NonWhitespaceChars(10_240),
            Self::Managed | Self::Boundary => SizeRule::NonWhitespaceChars(6_144),
            Self::Trust => SizeRule::NonWhitespaceChars(2_048),
            Self::S3Bucket => SizeRule::CompactBytes(20 * 1024),
            Self::SqsQueue => SizeRule::CompactBytes(8_192),
            Self::SnsTopic => SizeRule::CompactBytes(30 * 1024),
        }
    }

    /// Most statements the service accepts, where it documents a limit.
    pub fn max_statements(self) -> Option<usize> {
        match self {
            Self::SqsQueue => Some(20),
            Self::SnsTopic => Some(100),
            _ => None,
        }
    }

    /// Most actions one statement may list, where the service documents a limit
    /// (SQS: 7).
    pub fn max_actions_per_statement(self) -> Option<usize> {
        match self {
            Self::SqsQueue => Some(7),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Inline => "inline policy",
            Self::Managed => "managed policy",
            Self::Trust => "trust policy",
            Self::Boundary => "permissions boundary",
            Self::S3Bucket => "S3 bucket policy",
            Self::SqsQueue => "SQS queue policy",
            Self::SnsTopic => "SNS topic policy",
        }
    }
}
