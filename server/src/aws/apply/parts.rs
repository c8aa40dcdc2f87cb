//! Small pieces every change kind uses: names from ARNs, IAM tags.
use crate::aws::AwsError;
use aws_sdk_iam::types::Tag as IamTag;

/// The name part of an ARN's resource (`role/path/name` → `name`).
pub(super) fn last_segment(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

pub(super) fn iam_tags(tags: &[app::domain::change::Tag]) -> Result<Vec<IamTag>, AwsError> {
    tags.iter()
        .map(|t| {
            IamTag::builder()
                .key(&t.key)
                .value(&t.value)
                .build()
                .map_err(|e| AwsError::Invalid(e.to_string()))
        })
        .collect()
}

/// An AWS write's answer as a change's outcome.
pub(super) fn done<T, E, R>(
    r: Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
) -> Result<(), AwsError>
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    r.map(drop).map_err(AwsError::from_sdk)
}
