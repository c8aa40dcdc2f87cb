//! Where CloudTrail denials are read: an SQS queue fed by an EventBridge
//! rule, and the trail's S3 log files. Raw bytes and receipts only; the
//! parsing is `app::domain::cloudtrail`'s, the bookkeeping the service's.
//!
//! Identity: the hub's own credentials by default (the hub account usually
//! owns the queue, and the org trail's bucket grants it read), or, with
//! `cloudtrail.read_as_account`, that account's spoke role (e.g. a
//! log-archive account holding the bucket and queue), the same checked
//! session every other spoke call uses.
use super::{in_region, Aws, AwsError};
use crate::config::CloudTrailConfig;
use app::domain::AccountId;
use async_trait::async_trait;
use aws_config::SdkConfig;
use std::sync::Arc;

/// One received message: its body and the handle that deletes it.
#[derive(Debug, Clone)]
pub struct QueueMessage {
    pub receipt_handle: String,
    pub body: String,
}

/// What the denial ingest needs from AWS.
#[async_trait]
pub trait DenialSource: Send + Sync {
    /// Up to 10 messages, waiting up to `wait_seconds` for the first.
    async fn receive(&self, wait_seconds: i32) -> Result<Vec<QueueMessage>, AwsError>;
    /// Deletes received messages (failures of single entries are errors).
    async fn delete(&self, receipt_handles: &[String]) -> Result<(), AwsError>;
    /// The "folders" right under `prefix` (`prefix` ends with `/`).
    async fn list_folders(&self, prefix: &str) -> Result<Vec<String>, AwsError>;
    /// Keys under `prefix` after `start_after`, in key order, at most `max`.
    async fn list_after(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        max: usize,
    ) -> Result<Vec<String>, AwsError>;
    /// One object's bytes.
    async fn get(&self, key: &str) -> Result<Vec<u8>, AwsError>;
}

/// The one implementation, on the SDK.
pub struct SdkDenialSource {
    aws: Arc<Aws>,
    queue_url: Option<String>,
    bucket: Option<String>,
    region: Option<String>,
    read_as: Option<AccountId>,
}

impl SdkDenialSource {
    pub fn new(aws: Arc<Aws>, cfg: &CloudTrailConfig) -> Self {
        Self {
            aws,
            queue_url: cfg.queue_url.as_ref().map(|u| u.to_string()),
            bucket: cfg.bucket.clone(),
            region: cfg.region.clone(),
            read_as: cfg.read_as_account.clone(),
        }
    }

    async fn session(&self) -> Result<SdkConfig, AwsError> {
        let conf = match &self.read_as {
            Some(account) => self.aws.spoke(account).await?,
            None => self.aws.hub().clone(),
        };
        Ok(match &self.region {
            Some(r) => in_region(&conf, r),
            None => conf,
        })
    }

    fn queue(&self) -> Result<&str, AwsError> {
        self.queue_url
            .as_deref()
            .ok_or_else(|| AwsError::Invalid("cloudtrail.queue_url is not set".into()))
    }

    async fn s3(&self) -> Result<(aws_sdk_s3::Client, &str), AwsError> {
        let bucket = self
            .bucket
            .as_deref()
            .ok_or_else(|| AwsError::Invalid("cloudtrail.bucket is not set".into()))?;
        Ok((self.aws.s3_with(&self.session().await?), bucket))
    }
}

#[async_trait]
impl DenialSource for SdkDenialSource {
    async fn receive(&self, wait_seconds: i32) -> Result<Vec<QueueMessage>, AwsError> {
        let sqs = aws_sdk_sqs::Client::new(&self.session().await?);
        let out = sqs
            .receive_message()
            .queue_url(self.queue()?)
            .max_number_of_messages(10)
            .wait_time_seconds(wait_seconds)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        Ok(out
            .messages()
            .iter()
            .filter_map(|m| {
                Some(QueueMessage {
                    receipt_handle: m.receipt_handle()?.to_owned(),
                    body: m.body().unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }

    async fn delete(&self, receipt_handles: &[String]) -> Result<(), AwsError> {
        if receipt_handles.is_empty() {
            return Ok(());
        }
        let sqs = aws_sdk_sqs::Client::new(&self.session().await?);
        for chunk in receipt_handles.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(h)
                        .build()
                        .map_err(|e| AwsError::Invalid(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = sqs
                .delete_message_batch()
                .queue_url(self.queue()?)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
            if let Some(f) = out.failed().first() {
                return Err(AwsError::Other(format!(
                    "deleting {} message(s) failed: {}",
                    out.failed().len(),
                    f.code()
                )));
            }
        }
        Ok(())
    }

    async fn list_folders(&self, prefix: &str) -> Result<Vec<String>, AwsError> {
        let (s3, bucket) = self.s3().await?;
        let mut pages = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .delimiter("/")
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(AwsError::from_sdk)?;
            found.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_owned)),
            );
        }
        Ok(found)
    }

    async fn list_after(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        max: usize,
    ) -> Result<Vec<String>, AwsError> {
        let (s3, bucket) = self.s3().await?;
        let mut pages = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_start_after(start_after.map(str::to_owned))
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(AwsError::from_sdk)?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            if keys.len() >= max {
                keys.truncate(max);
                break;
            }
        }
        Ok(keys)
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, AwsError> {
        let (s3, bucket) = self.s3().await?;
        let out = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| AwsError::Other(format!("reading s3://{bucket}/{key}: {e}")))?;
        Ok(body.into_bytes().to_vec())
    }
}
