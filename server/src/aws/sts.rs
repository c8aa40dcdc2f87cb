//! Credentials for users: AssumeRole from the hub into the target role, with
//! the user's identity as session name and source identity.

use super::AwsError;
use app::domain::RoleArn;
use chrono::{DateTime, Utc};

/// Temporary credentials. Deliberately not `Debug`: they must never reach a log.
pub struct IssuedCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: DateTime<Utc>,
    /// How long the AssumeRole call took (reported in `Server-Timing`).
    pub sts_elapsed: std::time::Duration,
}

/// STS allows `[\w+=,.@-]{2,64}` for session names and source identities.
pub fn session_name_for(user_id: &str) -> String {
    let mut s: String = user_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while s.len() < 2 {
        s.push('-');
    }
    s
}

pub async fn assume_role_for_user(
    sts: &aws_sdk_sts::Client,
    role: &RoleArn,
    user_id: &str,
    duration_secs: i32,
    session_policy: Option<&str>,
) -> Result<IssuedCredentials, AwsError> {
    let name = session_name_for(user_id);
    let started = std::time::Instant::now();
    let out = sts
        .assume_role()
        .role_arn(role.to_string())
        .role_session_name(&name)
        .source_identity(&name)
        .duration_seconds(duration_secs)
        .set_policy(session_policy.map(str::to_owned))
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    let c = out
        .credentials()
        .ok_or_else(|| AwsError::Other("AssumeRole returned no credentials".into()))?;
    let exp = c.expiration();
    Ok(IssuedCredentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: c.session_token().to_owned(),
        expiration: DateTime::from_timestamp(exp.secs(), exp.subsec_nanos())
            .unwrap_or_else(Utc::now),
        sts_elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::session_name_for;

    #[test]
    fn session_names_keep_allowed_characters_only() {
        assert_eq!(session_name_for("erin@example.com"), "erin@example.com");
        assert_eq!(session_name_for("a b/c"), "a-b-c");
        assert_eq!(session_name_for("x"), "x-");
        assert_eq!(session_name_for(&"y".repeat(80)).len(), 64);
    }
}
