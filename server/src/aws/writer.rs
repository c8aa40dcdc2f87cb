//! What applying a reviewed change needs from AWS, as one narrow trait
//! speaking domain types: the request services hold an
//! `Arc<dyn ChangeWriter>` and never an SDK client. [`SdkWriter`] is the one
//! real implementation (the spoke session's IAM, S3, SQS or SNS client,
//! pointed at AWS or at an emulator by `endpoint_url`).
use super::{Aws, AwsError};
use app::domain::change::ChangeSpec;
use app::domain::AccountId;
use async_trait::async_trait;
use std::sync::Arc;

#[async_trait]
pub trait ChangeWriter: Send + Sync {
    /// Makes `spec` true of `target_arn` in `account`: one change, as the
    /// approver saw it. An error leaves the request as it was (the caller
    /// records the failure on the change).
    async fn apply(
        &self,
        account: &AccountId,
        target_arn: &str,
        spec: &ChangeSpec,
    ) -> Result<(), AwsError>;
}

/// Applies through the account's spoke session.
pub struct SdkWriter(pub Arc<Aws>);

#[async_trait]
impl ChangeWriter for SdkWriter {
    async fn apply(
        &self,
        account: &AccountId,
        target_arn: &str,
        spec: &ChangeSpec,
    ) -> Result<(), AwsError> {
        super::apply::apply(&self.0, account, target_arn, spec).await
    }
}
