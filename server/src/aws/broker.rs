//! The credential broker: what issuing credentials and console sign-in
//! need from AWS, as one narrow trait speaking domain types. Services hold
//! an `Arc<dyn CredentialBroker>`; [`StsBroker`] is the one real
//! implementation (STS AssumeRole from the hub, pointed at AWS or at an
//! emulator by `endpoint_url`), with one client built once, not per call.
use super::sts::{assume_role_for_user, IssuedCredentials};
use super::AwsError;
use app::domain::RoleArn;
use async_trait::async_trait;

#[async_trait]
pub trait CredentialBroker: Send + Sync {
    /// Temporary credentials for `role`, with `user_id` as the session name
    /// and source identity (so CloudTrail names the person), narrowed by
    /// `session_policy` when given.
    async fn assume_for_user(
        &self,
        role: &RoleArn,
        user_id: &str,
        duration_secs: i32,
        session_policy: Option<&str>,
    ) -> Result<IssuedCredentials, AwsError>;
}

/// AssumeRole through the hub's STS client.
pub struct StsBroker {
    sts: aws_sdk_sts::Client,
}

impl StsBroker {
    pub fn new(hub: &aws_config::SdkConfig) -> Self {
        Self {
            sts: aws_sdk_sts::Client::new(hub),
        }
    }
}

#[async_trait]
impl CredentialBroker for StsBroker {
    async fn assume_for_user(
        &self,
        role: &RoleArn,
        user_id: &str,
        duration_secs: i32,
        session_policy: Option<&str>,
    ) -> Result<IssuedCredentials, AwsError> {
        assume_role_for_user(&self.sts, role, user_id, duration_secs, session_policy).await
    }
}
