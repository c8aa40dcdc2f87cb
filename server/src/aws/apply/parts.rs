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
