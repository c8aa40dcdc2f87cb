//! Which regions an account's queues and topics are read in: the configured
//! list (`aws.regions`, else `aws.region`), or with `aws.discover_regions`
//! the regions enabled in the account (Account Management `ListRegions`,
//! asked through the spoke session and kept an hour), narrowed to the
//! configured list when one is given. A region opted out of is never read,
//! so its rows go once it is disabled; a failed discovery fails the pass,
//! so no cached row is taken for gone because a listing was missing.
use super::{Aws, AwsError};
use app::domain::AccountId;
use aws_sdk_account::types::RegionOptStatus;
use std::time::{Duration, Instant};

/// How long an account's enabled regions are trusted before asking again.
const ENABLED_REGIONS_TTL: Duration = Duration::from_secs(3600);

impl Aws {
    /// The regions `account`'s queues and topics are read in.
    pub async fn regions_of(&self, account: &AccountId) -> Result<Vec<String>, AwsError> {
        if !self.regions.discover {
            return Ok(self.regions.configured.clone());
        }
        if let Some((at, regions)) = self.regions.enabled.lock().await.get(account) {
            if at.elapsed() < ENABLED_REGIONS_TTL {
                return Ok(regions.clone());
            }
        }
        let enabled = self.enabled_regions(account).await?;
        let wanted = &self.regions.listed;
        let regions: Vec<String> = enabled
            .into_iter()
            .filter(|r| wanted.is_empty() || wanted.contains(r))
            .collect();
        self.regions
            .enabled
            .lock()
            .await
            .insert(account.clone(), (Instant::now(), regions.clone()));
        Ok(regions)
    }

    async fn enabled_regions(&self, account: &AccountId) -> Result<Vec<String>, AwsError> {
        let client = aws_sdk_account::Client::new(&self.spoke(account).await?);
        let mut pages = client
            .list_regions()
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
            .into_paginator()
            .send();
        let mut regions = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(AwsError::from_sdk)?;
            regions.extend(
                page.regions()
                    .iter()
                    .filter_map(|r| r.region_name())
                    .map(str::to_owned),
            );
        }
        regions.sort();
        regions.dedup();
        Ok(regions)
    }
}
