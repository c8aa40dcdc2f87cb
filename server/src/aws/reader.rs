//! What re-reading one cached bucket, queue or topic needs from AWS, as one
//! narrow trait: the inventory service holds an `Arc<dyn ResourceReader>`.
//! [`SdkReader`] is the one real implementation (the spoke session's S3,
//! SQS or SNS client). IAM items are not read one by one: the account's IAM
//! pass covers them in one listing.
use super::snapshot::{ResourceSnapshot, KIND_BUCKET, KIND_QUEUE, KIND_TOPIC};
use super::{Aws, AwsError};
use app::domain::AccountId;
use async_trait::async_trait;
use std::sync::Arc;

/// Which item to read: its kind (`KIND_*`), name and ARN as cached.
pub struct Item<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub arn: &'a str,
}

#[async_trait]
pub trait ResourceReader: Send + Sync {
    /// The item as AWS holds it now. `Ok(None)`: not a kind read one by one.
    async fn read(
        &self,
        account: &AccountId,
        item: Item<'_>,
    ) -> Result<Option<ResourceSnapshot>, AwsError>;
}

/// Reads through the account's spoke session.
pub struct SdkReader(pub Arc<Aws>);

#[async_trait]
impl ResourceReader for SdkReader {
    async fn read(
        &self,
        account: &AccountId,
        item: Item<'_>,
    ) -> Result<Option<ResourceSnapshot>, AwsError> {
        let aws = &self.0;
        let owner = account.as_str();
        let snap = match item.kind {
            KIND_BUCKET => {
                let s3 = aws.spoke_s3(account).await?;
                super::s3::read_bucket(&s3, owner, item.name, None).await?
            }
            KIND_TOPIC => {
                let sns = aws.spoke_sns(account).await?;
                super::sns::read_topic(&sns, owner, item.arn, None).await?
            }
            KIND_QUEUE => {
                let sqs = aws.spoke_sqs(account).await?;
                let url = sqs
                    .get_queue_url()
                    .queue_name(item.name)
                    .queue_owner_aws_account_id(owner)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)?;
                let url = url.queue_url().unwrap_or_default();
                super::sqs::read_queue(&sqs, owner, url, None).await?
            }
            _ => return Ok(None),
        };
        Ok(Some(snap))
    }
}
