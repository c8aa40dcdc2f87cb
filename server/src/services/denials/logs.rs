//! The trail's S3 log files: for every managed account, each region folder
//! (`{key_prefix}/AWSLogs/[{org}/]{account}/CloudTrail/{region}/`) is read
//! from where the last run stopped (the last key read, kept in
//! `cloudtrail_positions`, passed as ListObjectsV2 `StartAfter`). Keys sort
//! by date and then by file time, so new files come after the position.
//!
//! One transaction per file covers its denials and the new position, under
//! an advisory lock per folder: replicas never read a file twice, and a
//! run that stops mid-way resumes after the last file it stored. A file
//! that cannot be fetched stops its folder until the next run; one that
//! fetches but does not decode (not gzip, not `{"Records": [...]}`) is
//! skipped with a warning, or it would block the folder for ever.
//!
//! Limitation: CloudTrail delivers a region's files about every five
//! minutes in time order; a file delivered late with an earlier name than
//! one already read would be passed over.
use super::store::store_records;
use super::DenialIngest;
use app::domain::cloudtrail::records_of_log_file;
use std::io::Read;

/// Files read in one folder per run at most (the rest wait for the next).
const MAX_FILES_PER_RUN: usize = 1000;
/// A log file inflates to at most this (CloudTrail's are a few MB).
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// What one run read.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LogsOutcome {
    pub folders: usize,
    pub files: usize,
    /// Denied events stored.
    pub stored: usize,
    pub skipped_files: usize,
    /// Folders (or accounts) whose reading failed this run.
    pub failed: usize,
}

/// Reads every managed account's new log files.
pub async fn read_logs(ingest: &DenialIngest) -> crate::Result<LogsOutcome> {
    let mut out = LogsOutcome::default();
    let Some(bucket) = ingest.config.bucket.clone() else {
        return Ok(out);
    };
    let accounts = {
        let mut conn = crate::db::conn(&ingest.pool).await?;
        crate::db::accounts::list_enabled(&mut conn).await?
    };
    for account in accounts {
        let base = format!("{}{}/CloudTrail/", root(ingest), account.account_id);
        let regions = match ingest.source.list_folders(&base).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(account = %account.account_id, error = %e, "listing CloudTrail folders failed");
                out.failed += 1;
                continue;
            }
        };
        for folder in regions {
            out.folders += 1;
            if let Err(e) = read_folder(ingest, &bucket, &folder, &mut out).await {
                tracing::warn!(%folder, error = %e, "reading CloudTrail log files failed");
                out.failed += 1;
            }
        }
    }
    Ok(out)
}

/// `{key_prefix}/AWSLogs/` and the organization id when it is an org trail.
fn root(ingest: &DenialIngest) -> String {
    let c = &ingest.config;
    let mut root = String::new();
    if !c.key_prefix.is_empty() {
        root.push_str(&c.key_prefix);
        root.push('/');
    }
    root.push_str("AWSLogs/");
    if let Some(org) = &c.organization_id {
        root.push_str(org);
        root.push('/');
    }
    root
}

async fn read_folder(
    ingest: &DenialIngest,
    bucket: &str,
    folder: &str,
    out: &mut LogsOutcome,
) -> crate::Result<()> {
    let start = {
        let mut conn = crate::db::conn(&ingest.pool).await?;
        crate::db::denials::position(&mut conn, bucket, folder).await?
    };
    let keys = ingest
        .source
        .list_after(folder, start.as_deref(), MAX_FILES_PER_RUN)
        .await?;
    let lock = format!("cloudtrail-logs:{bucket}/{folder}");
    for key in keys {
        let mut tx = crate::db::begin(&ingest.pool).await?;
        if !crate::db::try_xact_lock(&mut tx, &lock).await? {
            return Ok(()); // another replica is reading this folder
        }
        let position = crate::db::denials::position(&mut tx, bucket, folder).await?;
        if position.as_deref() >= Some(key.as_str()) {
            continue; // read meanwhile by another replica
        }
        if key.ends_with(".json.gz") {
            let bytes = ingest.source.get(&key).await?;
            match decode(&bytes) {
                Ok(file) => {
                    let records = records_of_log_file(&file).unwrap_or_default();
                    out.stored += store_records(&mut tx, records).await?.stored;
                    out.files += 1;
                }
                Err(why) => {
                    tracing::warn!(%key, why, "CloudTrail log file skipped");
                    out.skipped_files += 1;
                }
            }
        }
        crate::db::denials::set_position(&mut tx, bucket, folder, &key).await?;
        crate::db::commit(tx).await?;
    }
    Ok(())
}

/// Gunzips and parses one log file.
fn decode(bytes: &[u8]) -> Result<serde_json::Value, &'static str> {
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut json)
        .map_err(|_| "not gzip")?;
    if json.len() as u64 > MAX_INFLATED {
        return Err("larger than 256 MiB inflated");
    }
    serde_json::from_slice(&json).map_err(|_| "not JSON")
}
