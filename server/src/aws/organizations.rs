//! Member accounts of an AWS Organization.
use super::AwsError;
use aws_sdk_organizations::types::AccountStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    pub active: bool,
}

pub async fn list_accounts(
    org: &aws_sdk_organizations::Client,
) -> Result<Vec<OrgAccount>, AwsError> {
    let mut out = Vec::new();
    let mut pages = org.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        for a in page.map_err(AwsError::from_sdk)?.accounts() {
            let Some(id) = a.id() else { continue };
            out.push(OrgAccount {
                id: id.to_owned(),
                name: a.name().unwrap_or(id).to_owned(),
                active: a.status() == Some(&AccountStatus::Active),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}
