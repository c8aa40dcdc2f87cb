//! What reading the inventory needs from AWS, as two narrow traits: the sync
//! engine reads whole accounts through an `Arc<dyn AccountReader>`, and the
//! inventory service re-reads one cached bucket, queue or topic through an
//! `Arc<dyn ResourceReader>`. [`SdkReader`] is the one real implementation
//! of both (the spoke session's IAM, S3, SQS, SNS and tagging clients). Of
//! IAM items only roles are read one by one (the usual target of a change):
//! users, groups and policies are re-read with the account's IAM pass.
use super::iam::{IamSnapshot, RoleSnapshot};
use super::snapshot::{AccountRead, ResourceSnapshot, KIND_BUCKET, KIND_QUEUE, KIND_TOPIC};
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

    /// The role named `name` as AWS holds it now; `Ok(None)`: it is gone.
    async fn role(&self, account: &AccountId, name: &str)
        -> Result<Option<RoleSnapshot>, AwsError>;
}

/// Which kind of resource an account pass reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Bucket,
    Queue,
    Topic,
}

#[async_trait]
pub trait AccountReader: Send + Sync {
    /// The account's roles, users and customer managed policies, in one pass.
    async fn iam(&self, account: &AccountId) -> Result<IamSnapshot, AwsError>;

    /// Every resource of `kind` in the account with its policy and tags,
    /// reading `at_once` of them at a time.
    async fn resources(
        &self,
        account: &AccountId,
        kind: ResourceKind,
        at_once: usize,
    ) -> Result<AccountRead, AwsError>;
}

#[async_trait]
impl AccountReader for SdkReader {
    async fn iam(&self, account: &AccountId) -> Result<IamSnapshot, AwsError> {
        super::iam::read_account(&self.0.spoke_iam(account).await?, account).await
    }

    async fn resources(
        &self,
        account: &AccountId,
        kind: ResourceKind,
        at_once: usize,
    ) -> Result<AccountRead, AwsError> {
        let (aws, owner) = (&self.0, account.as_str());
        if kind == ResourceKind::Bucket {
            // One listing for every region; each bucket is read in its own.
            let tags = &aws.spoke_tagging(account).await?;
            let s3 = &aws.spoke_s3(account).await?;
            return super::s3::read_account(s3, tags, owner, at_once).await;
        }
        // Queues and topics live in a region: every configured one is read,
        // a few at once; a region that cannot be listed fails the pass, so
        // none of its cached rows is taken for gone.
        use futures_util::{StreamExt, TryStreamExt};
        let spoke = &aws.spoke(account).await?;
        let regions = aws.regions_of(account).await?;
        let reads: Vec<AccountRead> = futures_util::stream::iter(regions)
            .map(|region: String| async move {
                let conf = super::in_region(spoke, &region);
                let tags = &aws_sdk_resourcegroupstagging::Client::new(&conf);
                match kind {
                    ResourceKind::Queue => {
                        let sqs = &aws_sdk_sqs::Client::new(&conf);
                        super::sqs::read_account(sqs, tags, owner, at_once).await
                    }
                    _ => {
                        let sns = &aws_sdk_sns::Client::new(&conf);
                        super::sns::read_account(sns, tags, owner, at_once).await
                    }
                }
            })
            .buffer_unordered(REGIONS_AT_ONCE)
            .try_collect()
            .await?;
        let mut all = AccountRead::default();
        for r in reads {
            all.items.extend(r.items);
            all.failed.extend(r.failed);
        }
        all.items.sort_by(|a, b| a.arn.cmp(&b.arn));
        Ok(all)
    }
}

/// Regions of one account read at once (each reads its items `at_once`).
const REGIONS_AT_ONCE: usize = 6;

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
                let sns = aws_sdk_sns::Client::new(&aws.spoke_for(account, item.arn).await?);
                super::sns::read_topic(&sns, owner, item.arn, None).await?
            }
            KIND_QUEUE => {
                let sqs = aws_sdk_sqs::Client::new(&aws.spoke_for(account, item.arn).await?);
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

    async fn role(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<Option<RoleSnapshot>, AwsError> {
        let iam = self.0.spoke_iam(account).await?;
        super::iam_role::read_role(&iam, account, name).await
    }
}
