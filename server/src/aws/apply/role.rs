//! Creating and deleting a role: the changes that take more than one call.
use super::parts::{done, iam_tags, last_segment};
use crate::aws::AwsError;
use app::domain::change::ChangeSpec;

/// The path of a role ARN (`role/team/app` → `/team/`).
fn role_path(arn: &str) -> String {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let inner = resource.strip_prefix("role").unwrap_or("/");
    match inner.rfind('/') {
        Some(i) if i > 0 => inner[..=i].to_owned(),
        _ => "/".to_owned(),
    }
}

/// Creates a role with its trust policy, tags, inline and managed policies.
pub(super) async fn create_role(
    iam: &aws_sdk_iam::Client,
    role_arn: &str,
    spec: &ChangeSpec,
) -> Result<(), AwsError> {
    let ChangeSpec::RoleCreate {
        trust_policy,
        description,
        inline_policies,
        managed_policy_arns,
        tags,
    } = spec
    else {
        return Err(AwsError::Invalid("not a role creation".into()));
    };
    let name = last_segment(role_arn);
    iam.create_role()
        .role_name(name)
        .path(role_path(role_arn))
        .assume_role_policy_document(trust_policy.to_string())
        .set_description(description.clone())
        .set_tags(Some(iam_tags(tags)?).filter(|t| !t.is_empty()))
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    for p in inline_policies {
        iam.put_role_policy()
            .role_name(name)
            .policy_name(&p.name)
            .policy_document(p.document.to_string())
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
    }
    for arn in managed_policy_arns {
        iam.attach_role_policy()
            .role_name(name)
            .policy_arn(arn)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
    }
    Ok(())
}

/// Deletes a role: IAM refuses while it has policies or instance profiles.
pub(super) async fn delete_role(iam: &aws_sdk_iam::Client, role: &str) -> Result<(), AwsError> {
    let inline = iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    for p in inline.policy_names() {
        iam.delete_role_policy()
            .role_name(role)
            .policy_name(p)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    for p in attached.attached_policies() {
        if let Some(arn) = p.policy_arn() {
            iam.detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
        }
    }
    let profiles = iam
        .list_instance_profiles_for_role()
        .role_name(role)
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    for p in profiles.instance_profiles() {
        iam.remove_role_from_instance_profile()
            .role_name(role)
            .instance_profile_name(p.instance_profile_name())
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
    }
    done(iam.delete_role().role_name(role).send().await)
}

#[cfg(test)]
mod tests {
    use super::role_path;

    #[test]
    fn role_paths_come_from_the_arn() {
        assert_eq!(role_path("arn:aws:iam::111111111111:role/app"), "/");
        assert_eq!(
            role_path("arn:aws:iam::111111111111:role/team/ml/app"),
            "/team/ml/"
        );
    }
}
