//! Applies one reviewed change to AWS: exactly one write call per change kind
//! (two for a managed policy that already holds five versions).
mod parts;
mod role;

use super::{Aws, AwsError};
use app::domain::change::{ChangeSpec, TargetKind};
use app::domain::AccountId;
use parts::{done, iam_tags, last_segment};
use role::{create_role, delete_role};

/// Applies `spec` to `target_arn` in `account` (the target's owner).
pub async fn apply(
    aws: &Aws,
    account: &AccountId,
    target_arn: &str,
    spec: &ChangeSpec,
) -> Result<(), AwsError> {
    let target = TargetKind::of(target_arn).map_err(AwsError::Invalid)?;
    match target {
        TargetKind::Role | TargetKind::User => {
            let iam = aws.spoke_iam(account).await?;
            let name = last_segment(target_arn);
            if target == TargetKind::Role {
                apply_to_role(&iam, name, target_arn, spec).await
            } else {
                apply_to_user(&iam, name, spec).await
            }
        }
        TargetKind::ManagedPolicy => {
            let iam = aws.spoke_iam(account).await?;
            match spec {
                ChangeSpec::ManagedPolicyDocumentPut { document } => {
                    put_policy_version(&iam, target_arn, &document.to_string()).await
                }
                other => Err(unsupported(other, target)),
            }
        }
        TargetKind::S3Bucket => match spec {
            ChangeSpec::ResourcePolicyPut { document } => {
                let bucket = last_segment(target_arn);
                let s3 = aws.spoke_s3(account).await?;
                let (s3, _, _) = super::s3::in_bucket_region(&s3, bucket, None).await?;
                done(
                    s3.put_bucket_policy()
                        .bucket(bucket)
                        .policy(document.to_string())
                        .send()
                        .await,
                )
            }
            other => Err(unsupported(other, target)),
        },
        TargetKind::SqsQueue => match spec {
            ChangeSpec::ResourcePolicyPut { document } => {
                let sqs = aws_sdk_sqs::Client::new(&aws.spoke_for(account, target_arn).await?);
                let url = sqs
                    .get_queue_url()
                    .queue_name(last_segment(target_arn))
                    .queue_owner_aws_account_id(account.as_str())
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)?
                    .queue_url
                    .ok_or_else(|| AwsError::NotFound(format!("queue {target_arn}")))?;
                done(
                    sqs.set_queue_attributes()
                        .queue_url(url)
                        .attributes(
                            aws_sdk_sqs::types::QueueAttributeName::Policy,
                            document.to_string(),
                        )
                        .send()
                        .await,
                )
            }
            other => Err(unsupported(other, target)),
        },
        TargetKind::SnsTopic => match spec {
            ChangeSpec::ResourcePolicyPut { document } => {
                let sns = aws_sdk_sns::Client::new(&aws.spoke_for(account, target_arn).await?);
                done(
                    sns.set_topic_attributes()
                        .topic_arn(target_arn)
                        .attribute_name("Policy")
                        .attribute_value(document.to_string())
                        .send()
                        .await,
                )
            }
            other => Err(unsupported(other, target)),
        },
    }
}

fn unsupported(spec: &ChangeSpec, target: TargetKind) -> AwsError {
    AwsError::Invalid(format!(
        "a {} change cannot target a {}",
        spec.kind(),
        target.label()
    ))
}

/// The changes roles and users share: one IAM call each, the same call
/// with `role` or `user` in its name and its name parameter.
macro_rules! principal_write {
    ($iam:expr, $spec:expr, $target:expr, $name:expr, $set_name:ident,
     $put:ident, $delete:ident, $attach:ident, $detach:ident,
     $put_boundary:ident, $delete_boundary:ident, $tag:ident, $untag:ident) => {
        match $spec {
            ChangeSpec::InlinePolicyPut {
                policy_name,
                document,
            } => done(
                $iam.$put()
                    .$set_name($name)
                    .policy_name(policy_name)
                    .policy_document(document.to_string())
                    .send()
                    .await,
            ),
            ChangeSpec::InlinePolicyDelete { policy_name } => done(
                $iam.$delete()
                    .$set_name($name)
                    .policy_name(policy_name)
                    .send()
                    .await,
            ),
            ChangeSpec::ManagedPolicyAttach { policy_arn } => done(
                $iam.$attach()
                    .$set_name($name)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
            ),
            ChangeSpec::ManagedPolicyDetach { policy_arn } => done(
                $iam.$detach()
                    .$set_name($name)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
            ),
            ChangeSpec::BoundaryPut { policy_arn } => done(
                $iam.$put_boundary()
                    .$set_name($name)
                    .permissions_boundary(policy_arn)
                    .send()
                    .await,
            ),
            ChangeSpec::BoundaryDelete => {
                done($iam.$delete_boundary().$set_name($name).send().await)
            }
            ChangeSpec::TagsPut { tags } => done(
                $iam.$tag()
                    .$set_name($name)
                    .set_tags(Some(iam_tags(tags)?))
                    .send()
                    .await,
            ),
            ChangeSpec::TagsRemove { keys } => done(
                $iam.$untag()
                    .$set_name($name)
                    .set_tag_keys(Some(keys.clone()))
                    .send()
                    .await,
            ),
            other => Err(unsupported(other, $target)),
        }
    };
}

async fn apply_to_role(
    iam: &aws_sdk_iam::Client,
    role: &str,
    role_arn: &str,
    spec: &ChangeSpec,
) -> Result<(), AwsError> {
    match spec {
        ChangeSpec::TrustPolicyPut { document } => done(
            iam.update_assume_role_policy()
                .role_name(role)
                .policy_document(document.to_string())
                .send()
                .await,
        ),
        ChangeSpec::RoleCreate { .. } => create_role(iam, role_arn, spec).await,
        ChangeSpec::RoleDelete => delete_role(iam, role).await,
        _ => principal_write!(
            iam,
            spec,
            TargetKind::Role,
            role,
            role_name,
            put_role_policy,
            delete_role_policy,
            attach_role_policy,
            detach_role_policy,
            put_role_permissions_boundary,
            delete_role_permissions_boundary,
            tag_role,
            untag_role
        ),
    }
}

async fn apply_to_user(
    iam: &aws_sdk_iam::Client,
    user: &str,
    spec: &ChangeSpec,
) -> Result<(), AwsError> {
    principal_write!(
        iam,
        spec,
        TargetKind::User,
        user,
        user_name,
        put_user_policy,
        delete_user_policy,
        attach_user_policy,
        detach_user_policy,
        put_user_permissions_boundary,
        delete_user_permissions_boundary,
        tag_user,
        untag_user
    )
}

/// A new default version; the oldest non-default one makes room when the
/// policy already holds IAM's maximum of five.
async fn put_policy_version(
    iam: &aws_sdk_iam::Client,
    policy_arn: &str,
    document: &str,
) -> Result<(), AwsError> {
    let versions = iam
        .list_policy_versions()
        .policy_arn(policy_arn)
        .send()
        .await
        .map_err(AwsError::from_sdk)?
        .versions
        .unwrap_or_default();
    if versions.len() >= 5 {
        if let Some(oldest) = versions
            .iter()
            .filter(|v| !v.is_default_version)
            .min_by_key(|v| v.create_date.map(|d| d.secs()))
            .and_then(|v| v.version_id.clone())
        {
            iam.delete_policy_version()
                .policy_arn(policy_arn)
                .version_id(oldest)
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
        }
    }
    done(
        iam.create_policy_version()
            .policy_arn(policy_arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await,
    )
}

#[cfg(test)]
mod tests {
    use super::last_segment;

    #[test]
    fn names_come_from_the_last_arn_segment() {
        assert_eq!(
            last_segment("arn:aws:iam::111111111111:role/a/b/app"),
            "app"
        );
        assert_eq!(last_segment("arn:aws:s3:::logs"), "logs");
        assert_eq!(
            last_segment("arn:aws:sqs:us-east-1:111111111111:jobs"),
            "jobs"
        );
    }
}
