//! When each IAM user last signed in with its password or used an access key,
//! from the account's IAM credential report: one call for every user, where
//! asking per user and per key would cost a call each.
//!
//! IAM regenerates a report at most every four hours, so these dates can be
//! that old. A sync asks for one when none is current and waits a little for
//! it; without a report (not ready, or the spoke role may not read it) users
//! are cached without their last use rather than failing the sync.

use super::AwsError;
use aws_sdk_iam::error::ProvideErrorMetadata;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// One user's row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserUsage {
    pub password_enabled: bool,
    pub password_last_used: Option<DateTime<Utc>>,
    /// Access keys 1 and 2 that exist (the report has two slots).
    pub access_keys: Vec<AccessKeyUsage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyUsage {
    /// 1 or 2, as IAM numbers them in the report.
    pub slot: u8,
    pub active: bool,
    pub last_used: Option<DateTime<Utc>>,
}

impl UserUsage {
    /// The shape kept in a user's cached details.
    pub fn to_json(&self) -> Value {
        json!({
            "password_enabled": self.password_enabled,
            "password_last_used": self.password_last_used,
            "access_keys": self.access_keys.iter().map(|k| json!({
                "slot": k.slot,
                "active": k.active,
                "last_used": k.last_used,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Waits between tries after asking IAM to generate a report.
const WAITS: [Duration; 5] = [
    Duration::ZERO,
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// Every user's usage by ARN, or `None` when no report could be had.
pub async fn read(iam: &aws_sdk_iam::Client) -> Option<HashMap<String, UserUsage>> {
    let mut asked = false;
    for wait in WAITS {
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let e = match iam.get_credential_report().send().await {
            Ok(out) => {
                return out
                    .content()
                    .map(|b| parse(&String::from_utf8_lossy(b.as_ref())))
            }
            Err(e) => e,
        };
        match e.code() {
            Some("ReportNotPresent" | "ReportExpired") if !asked => {
                asked = true;
                if let Err(e) = iam.generate_credential_report().send().await {
                    tracing::warn!(error = %AwsError::from_sdk(e), "cannot generate the IAM credential report; users' last use is not cached");
                    return None;
                }
            }
            Some("ReportInProgress" | "ReportNotPresent" | "ReportExpired") => {}
            _ => {
                tracing::warn!(error = %AwsError::from_sdk(e), "no IAM credential report; users' last use is not cached");
                return None;
            }
        }
    }
    tracing::info!(
        "the IAM credential report is not ready yet; users' last use is cached next time"
    );
    None
}

/// Parses the report's CSV. User names may hold commas (IAM allows them) but
/// never `:`, and every column after the ARN is comma-free, so a row is read
/// from the right and its ARN starts at the only `,arn:`.
pub fn parse(csv: &str) -> HashMap<String, UserUsage> {
    let mut lines = csv.lines();
    let Some(header) = lines.next() else {
        return HashMap::new();
    };
    let columns: Vec<&str> = header.split(',').collect();
    let after_arn = columns.len().saturating_sub(2);
    let index = |name: &str| columns.iter().position(|c| *c == name);
    let mut out = HashMap::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let Some(lead_len) = fields.len().checked_sub(after_arn).filter(|n| *n >= 2) else {
            continue;
        };
        let lead = fields[..lead_len].join(",");
        let Some((_, arn)) = lead.split_once(",arn:") else {
            continue;
        };
        // Column `i` (after the ARN) of this row.
        let get = |name: &str| {
            index(name)
                .filter(|i| *i >= 2)
                .and_then(|i| fields.get(lead_len + i - 2).copied())
                .unwrap_or_default()
        };
        let access_keys = [1u8, 2]
            .into_iter()
            .filter(|n| get(&format!("access_key_{n}_last_rotated")) != "N/A")
            .map(|n| AccessKeyUsage {
                slot: n,
                active: get(&format!("access_key_{n}_active")) == "true",
                last_used: date(get(&format!("access_key_{n}_last_used_date"))),
            })
            .collect();
        out.insert(
            format!("arn:{arn}"),
            UserUsage {
                password_enabled: get("password_enabled") == "true",
                password_last_used: date(get("password_last_used")),
                access_keys,
            },
        );
    }
    out
}

/// A report date, or `None` for N/A, no_information, not_supported.
fn date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    #[test]
    fn reads_password_and_key_use_by_user_arn_even_with_a_comma_in_the_name() {
        let csv = format!(
            "{HEADER}\n\
             <root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
             alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,true,2024-06-01T09:30:00+00:00,2020-01-01T00:00:00+00:00,N/A,false,true,2020-01-02T00:00:00+00:00,2024-06-02T08:00:00+00:00,us-east-1,s3,false,2020-01-03T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n\
             ci,bot,arn:aws:iam::123456789012:user/ops/ci,bot,2020-01-01T00:00:00+00:00,false,not_supported,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let r = parse(&csv);
        let alice = &r["arn:aws:iam::123456789012:user/alice"];
        assert!(alice.password_enabled);
        assert_eq!(
            alice.password_last_used.map(|d| d.to_rfc3339()),
            Some("2024-06-01T09:30:00+00:00".into())
        );
        assert_eq!(alice.access_keys.len(), 2);
        assert!(alice.access_keys[0].active && alice.access_keys[0].last_used.is_some());
        assert!(!alice.access_keys[1].active && alice.access_keys[1].last_used.is_none());
        let ci = &r["arn:aws:iam::123456789012:user/ops/ci,bot"];
        assert_eq!(ci, &UserUsage::default(), "a comma in the name is kept");
        assert_eq!(
            r.get("arn:aws:iam::123456789012:root")
                .map(|u| u.password_last_used.is_some()),
            Some(true)
        );
    }

    #[test]
    fn an_empty_or_short_report_reads_as_no_users() {
        assert!(parse("").is_empty());
        assert!(parse(&format!("{HEADER}\nx,y\n")).is_empty());
    }
}
